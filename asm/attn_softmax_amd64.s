//go:build !noasm

#include "textflag.h"

// The half-cache softmax's row loops for AVX-512 (see runHalf): the row's
// maximum, ggml's Σe by 16-position blocks, and the weights scaled and
// rounded to half precision.

// func maxAVX512(x *float32, n int) float32
// The largest of x[0…n−1], n ≥ 1 (VMAXPS: a NaN may be dropped, and −0 and
// +0 are not told apart, neither of which changes exp(x − max)). The last
// n mod 16 under mask K1, the other lanes keeping the running maximum.
// DI = x, CX = elements left; Z0 running maximum.
TEXT ·maxAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS (DI), Z0

loop:
	CMPQ    CX, $16
	JB      tail
	VMAXPS  (DI), Z0, Z0
	ADDQ    $64, DI
	SUBQ    $16, CX
	JMP     loop

tail:
	TESTQ  CX, CX
	JZ     reduce
	MOVL   $1, AX
	SHLL   CX, AX
	DECL   AX
	KMOVW  AX, K1
	VMAXPS (DI), Z0, K1, Z0

reduce:
	VEXTRACTF64X4 $1, Z0, Y1
	VMAXPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VMAXPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VMAXPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VMAXSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+16(FP)
	RET

// func sumBlocks16AVX512(e *float32, blocks int, sum float64) float64
// sum + Σ over blocks of 16 elements, each block added in float32 in
// reduce16's order (halves of 256, of 128, lanes 0+2 and 1+3, then those
// two), the block sums added to sum in float64 one after the other.
// DI = e, CX = blocks left; X2 the float64 sum.
TEXT ·sumBlocks16AVX512(SB), NOSPLIT, $0-32
	MOVQ  e+0(FP), DI
	MOVQ  blocks+8(FP), CX
	MOVSD sum+16(FP), X2
	TESTQ CX, CX
	JZ    done

loop:
	VMOVUPS       (DI), Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VCVTSS2SD     X0, X0, X0
	VADDSD        X0, X2, X2
	ADDQ          $64, DI
	DECQ          CX
	JNZ           loop

done:
	VZEROUPPER
	MOVSD X2, ret+24(FP)
	RET

// func scaleRoundHalfAVX512(x *float32, n int, s float32)
// x[i] = float32(half(x[i]·s)): the product rounded to float32, then to
// half precision, ties to even (VCVTPS2PH rounding field 0). The last
// n mod 16 under mask K1. DI = x, CX = elements left, Z2 = s.
TEXT ·scaleRoundHalfAVX512(SB), NOSPLIT, $0-20
	MOVQ         x+0(FP), DI
	MOVQ         n+8(FP), CX
	VBROADCASTSS s+16(FP), Z2

loop:
	CMPQ      CX, $16
	JB        tail
	VMULPS    (DI), Z2, Z0
	VCVTPS2PH $0, Z0, Y1
	VCVTPH2PS Y1, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       loop

tail:
	TESTQ     CX, CX
	JZ        done
	MOVL      $1, AX
	SHLL      CX, AX
	DECL      AX
	KMOVW     AX, K1
	VMOVUPS.Z (DI), K1, Z0
	VMULPS    Z2, Z0, Z0
	VCVTPS2PH $0, Z0, Y1
	VCVTPH2PS Y1, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func widenHalfAVX512(dst *float32, src *uint16, srcStride, rows, n int)
// dst[r·n+i] = float32(src[r·srcStride+i]) for r < rows, i < n (a
// positive multiple of 16): a tile of cache rows widened once, so that
// every query head of a group reads float32 keys rather than converting
// them again. DI = dst, SI = src row, R8 = src stride in bytes, DX = rows
// left, R9 = the row's source, CX = its elements left.
TEXT ·widenHalfAVX512(SB), NOSPLIT, $0-40
	MOVQ dst+0(FP), DI
	MOVQ src+8(FP), SI
	MOVQ srcStride+16(FP), R8
	SHLQ $1, R8
	MOVQ rows+24(FP), DX
	TESTQ DX, DX
	JZ    done

row:
	MOVQ SI, R9
	MOVQ n+32(FP), CX

col:
	VCVTPH2PS (R9), Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $32, R9
	ADDQ      $64, DI
	SUBQ      $16, CX
	JA        col
	ADDQ      R8, SI
	DECQ      DX
	JNZ       row

done:
	VZEROUPPER
	RET
