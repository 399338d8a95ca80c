//go:build !noasm

#include "textflag.h"

// Activation quantizers for the AVX-512 flavour: the arithmetic of
// quant.QuantizeActivationsQ8_0/Q8_1 (ggml's x86 quantize_row_q8_0/q8_1),
// one 32-element block per iteration.

DATA actAbsMask<>+0(SB)/4, $0x7fffffff
DATA act127<>+0(SB)/4, $0x42fe0000 // 127.0
GLOBL actAbsMask<>(SB), RODATA|NOPTR, $4
GLOBL act127<>(SB), RODATA|NOPTR, $4

// BLOCKSCALE loads block SI into Z0/Z1 and leaves amax in X2, d = amax/127
// in X4 and the multiplier 127/amax (0 when amax is 0) broadcast in Z5.
// Uses Z2, Z3, X6.
#define BLOCKSCALE \
	VMOVUPS       0(SI), Z0;              \
	VMOVUPS       64(SI), Z1;             \
	VANDPS        Z14, Z0, Z2;            \
	VANDPS        Z14, Z1, Z3;            \
	VMAXPS        Z3, Z2, Z2;             \
	VEXTRACTF64X4 $1, Z2, Y3;             \
	VMAXPS        Y3, Y2, Y2;             \
	VEXTRACTF128  $1, Y2, X3;             \
	VMAXPS        X3, X2, X2;             \
	VMOVHLPS      X2, X2, X3;             \
	VMAXPS        X3, X2, X2;             \
	VMOVSHDUP     X2, X3;                 \
	VMAXSS        X3, X2, X2;             \
	VDIVSS        X13, X2, X4;            \
	VXORPS        X5, X5, X5;             \
	VUCOMISS      X5, X2;                 \
	JEQ           2(PC);                  \
	VDIVSS        X2, X13, X5;            \
	VBROADCASTSS  X5, Z5

// func quantQ8_0AVX512(dst *byte, x *float32, blocks int)
// DI = dst block (34 bytes), SI = x block (32 floats), CX = blocks left;
// Z14 = |·| mask, X13 = 127; Z0/Z1 the block, then its int32 quants.
TEXT ·quantQ8_0AVX512(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         blocks+16(FP), CX
	VBROADCASTSS actAbsMask<>(SB), Z14
	VMOVSS       act127<>(SB), X13
	TESTQ        CX, CX
	JZ           done

block:
	BLOCKSCALE
	VCVTPS2PH  $0, X4, X6
	VPEXTRW    $0, X6, AX
	MOVW       AX, 0(DI)
	VMULPS     Z5, Z0, Z0
	VMULPS     Z5, Z1, Z1
	VCVTPS2DQ  Z0, Z0      // rounds to nearest even (MXCSR default)
	VCVTPS2DQ  Z1, Z1
	VPMOVSDB   Z0, X0
	VPMOVSDB   Z1, X1
	VMOVDQU    X0, 2(DI)
	VMOVDQU    X1, 18(DI)
	ADDQ       $34, DI
	ADDQ       $128, SI
	DECQ       CX
	JNZ        block

done:
	VZEROUPPER
	RET

// func quantQ8_1AVX512(dst *byte, x *float32, blocks int)
// As quantQ8_0AVX512 with 36-byte blocks: d, then s = d·Σq as a half,
// then the quants. Z7 sums the int32 quants.
TEXT ·quantQ8_1AVX512(SB), NOSPLIT, $0-24
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         blocks+16(FP), CX
	VBROADCASTSS actAbsMask<>(SB), Z14
	VMOVSS       act127<>(SB), X13
	TESTQ        CX, CX
	JZ           done

block:
	BLOCKSCALE
	VCVTPS2PH     $0, X4, X6
	VPEXTRW       $0, X6, AX
	MOVW          AX, 0(DI)
	VMULPS        Z5, Z0, Z0
	VMULPS        Z5, Z1, Z1
	VCVTPS2DQ     Z0, Z0
	VCVTPS2DQ     Z1, Z1
	VPADDD        Z1, Z0, Z7
	VEXTRACTI64X4 $1, Z7, Y8
	VPADDD        Y8, Y7, Y7
	VEXTRACTI128  $1, Y7, X8
	VPADDD        X8, X7, X7
	VPSHUFD       $0x4e, X7, X8
	VPADDD        X8, X7, X7
	VPSHUFD       $0xb1, X7, X8
	VPADDD        X8, X7, X7
	VCVTDQ2PS     X7, X7
	VMULSS        X7, X4, X7
	VCVTPS2PH     $0, X7, X6
	VPEXTRW       $0, X6, AX
	MOVW          AX, 2(DI)
	VPMOVSDB      Z0, X0
	VPMOVSDB      Z1, X1
	VMOVDQU       X0, 4(DI)
	VMOVDQU       X1, 20(DI)
	ADDQ          $36, DI
	ADDQ          $128, SI
	DECQ          CX
	JNZ           block

done:
	VZEROUPPER
	RET
