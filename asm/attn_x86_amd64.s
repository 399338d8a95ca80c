//go:build !noasm

#include "textflag.h"
#include "macros_amd64.h"

// Attention kernels for the AVX2 and AVX-512 flavours: a vector exp with the
// running maximum subtracted (the softmax of one tile of scores) and the
// axpy that adds a weighted value row to the output accumulator.
//
// exp(x) = 2^n · e^r with n = round(x·log2 e) and r = x − n·ln 2 (ln 2 split
// into a 16-bit head and a tail so n·ln2hi is exact), |r| ≤ ln2/2. e^r is
// its Taylor polynomial to degree 7 (truncation below 6e-9, relative), so
// the error is float32 rounding: a couple of ulp. 2^n is applied as two
// factors 2^(n>>1) and 2^(n−n>>1) built in the exponent field, so n from
// −150 to 128 needs no special case: results below 2^−126 come out as
// correctly scaled subnormals (or 0) and x above 88.72 as +Inf. x is first
// clamped to [−104, 89] (−Inf → 0, +Inf → +Inf); the clamps keep NaN.

// REP8 stores the 32-bit constant v eight times at expConsts+off, so AVX2
// loads a whole vector of it and AVX-512 broadcasts its first lane.
#define REP8(off, v) \
	DATA expConsts<>+(off)(SB)/4, $v; \
	DATA expConsts<>+(off+4)(SB)/4, $v; \
	DATA expConsts<>+(off+8)(SB)/4, $v; \
	DATA expConsts<>+(off+12)(SB)/4, $v; \
	DATA expConsts<>+(off+16)(SB)/4, $v; \
	DATA expConsts<>+(off+20)(SB)/4, $v; \
	DATA expConsts<>+(off+24)(SB)/4, $v; \
	DATA expConsts<>+(off+28)(SB)/4, $v

REP8(0, 0x3fb8aa3b)   // log2 e
REP8(32, 0xbf317200)  // −ln2hi = −0.693145751953125
REP8(64, 0xb5bfbe8e)  // −ln2lo = −(ln 2 − ln2hi)
REP8(96, 0xc2d00000)  // −104: below it exp rounds to 0
REP8(128, 0x42b20000) // 89: above it exp is +Inf
REP8(160, 0x39500d01) // 1/7!
REP8(192, 0x3ab60b61) // 1/6!
REP8(224, 0x3c088889) // 1/5!
REP8(256, 0x3d2aaaab) // 1/4!
REP8(288, 0x3e2aaaab) // 1/3!
REP8(320, 0x3f000000) // 1/2
REP8(352, 0x3f800000) // 1
REP8(384, 0x0000007f) // 127, the exponent bias (int32)
GLOBL expConsts<>(SB), RODATA|NOPTR, $416

// func expSubAVX2(dst, x *float32, n int, m float32) float32
// dst[i] = exp(x[i] − m) for n (a multiple of 8) elements; returns their sum.
// DI = dst, SI = x, CX = elements left; Y15 = m, Y14 log2e, Y13/Y12 −ln2
// head/tail, Y11/Y10 clamps, Y9 = 1, Y8 = 127; Y0 sum, Y1 x then r,
// Y2 n·1.0, Y3 n then its second half, Y4 polynomial, Y5 r² then n>>1.
TEXT ·expSubAVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS m+24(FP), Y15
	VMOVUPS      expConsts<>+0(SB), Y14
	VMOVUPS      expConsts<>+32(SB), Y13
	VMOVUPS      expConsts<>+64(SB), Y12
	VMOVUPS      expConsts<>+96(SB), Y11
	VMOVUPS      expConsts<>+128(SB), Y10
	VMOVUPS      expConsts<>+352(SB), Y9
	VMOVUPS      expConsts<>+384(SB), Y8
	VXORPS       Y0, Y0, Y0

loop8:
	TESTQ       CX, CX
	JZ          done
	VMOVUPS     (SI), Y1
	VSUBPS      Y15, Y1, Y1                    // x − m
	VMAXPS      Y1, Y11, Y1                    // clamp; NaN (second source) passes
	VMINPS      Y1, Y10, Y1
	VMULPS      Y14, Y1, Y2
	VCVTPS2DQ   Y2, Y3                         // n, rounded to nearest
	VCVTDQ2PS   Y3, Y2
	VFMADD231PS Y13, Y2, Y1                    // r = x − n·ln2hi
	VFMADD231PS Y12, Y2, Y1                    //   − n·ln2lo
	VMOVUPS     expConsts<>+160(SB), Y4
	VFMADD213PS expConsts<>+192(SB), Y1, Y4    // Horner: p = p·r + c
	VFMADD213PS expConsts<>+224(SB), Y1, Y4
	VFMADD213PS expConsts<>+256(SB), Y1, Y4
	VFMADD213PS expConsts<>+288(SB), Y1, Y4
	VFMADD213PS expConsts<>+320(SB), Y1, Y4
	VMULPS      Y1, Y1, Y5
	VFMADD213PS Y1, Y5, Y4                     // r + r²·p
	VADDPS      Y9, Y4, Y4                     // e^r
	VPSRAD      $1, Y3, Y5                     // n1 = n>>1
	VPSUBD      Y5, Y3, Y3                     // n2 = n − n1
	VPADDD      Y8, Y5, Y5
	VPSLLD      $23, Y5, Y5                    // 2^n1
	VPADDD      Y8, Y3, Y3
	VPSLLD      $23, Y3, Y3                    // 2^n2
	VMULPS      Y5, Y4, Y4
	VMULPS      Y3, Y4, Y4
	VMOVUPS     Y4, (DI)
	VADDPS      Y4, Y0, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

done:
	HSUMY0
	VZEROUPPER
	MOVSS X0, ret+32(FP)
	RET

// func expSubAVX512(dst, x *float32, n int, m float32) float32
// As expSubAVX2 with sixteen lanes (n a multiple of 16). DI = dst, SI = x,
// CX = elements left; Z16–Z31 constants, Z0 sum, Z1–Z5 as in the AVX2 code.
TEXT ·expSubAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS m+24(FP), Z31
	VBROADCASTSS expConsts<>+0(SB), Z30
	VBROADCASTSS expConsts<>+32(SB), Z29
	VBROADCASTSS expConsts<>+64(SB), Z28
	VBROADCASTSS expConsts<>+96(SB), Z27
	VBROADCASTSS expConsts<>+128(SB), Z26
	VBROADCASTSS expConsts<>+160(SB), Z25
	VBROADCASTSS expConsts<>+192(SB), Z24
	VBROADCASTSS expConsts<>+224(SB), Z23
	VBROADCASTSS expConsts<>+256(SB), Z22
	VBROADCASTSS expConsts<>+288(SB), Z21
	VBROADCASTSS expConsts<>+320(SB), Z20
	VBROADCASTSS expConsts<>+352(SB), Z19
	VPBROADCASTD expConsts<>+384(SB), Z18
	VPXORD       Z0, Z0, Z0

loop16:
	TESTQ       CX, CX
	JZ          done
	VMOVUPS     (SI), Z1
	VSUBPS      Z31, Z1, Z1
	VMAXPS      Z1, Z27, Z1
	VMINPS      Z1, Z26, Z1
	VMULPS      Z30, Z1, Z2
	VCVTPS2DQ   Z2, Z3
	VCVTDQ2PS   Z3, Z2
	VFMADD231PS Z29, Z2, Z1
	VFMADD231PS Z28, Z2, Z1
	VMOVAPS     Z25, Z4
	VFMADD213PS Z24, Z1, Z4
	VFMADD213PS Z23, Z1, Z4
	VFMADD213PS Z22, Z1, Z4
	VFMADD213PS Z21, Z1, Z4
	VFMADD213PS Z20, Z1, Z4
	VMULPS      Z1, Z1, Z5
	VFMADD213PS Z1, Z5, Z4
	VADDPS      Z19, Z4, Z4
	VPSRAD      $1, Z3, Z5
	VPSUBD      Z5, Z3, Z3
	VPADDD      Z18, Z5, Z5
	VPSLLD      $23, Z5, Z5
	VPADDD      Z18, Z3, Z3
	VPSLLD      $23, Z3, Z3
	VMULPS      Z5, Z4, Z4
	VMULPS      Z3, Z4, Z4
	VMOVUPS     Z4, (DI)
	VADDPS      Z4, Z0, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

done:
	HSUMZ0
	VZEROUPPER
	MOVSS X0, ret+32(FP)
	RET

// func axpyAVX2(dst, x *float32, n int, a float32)
// dst[i] += a·x[i] for n elements. DI = dst, SI = x, CX = elements left;
// Y15 = a, Y0–Y3 loaded x then results.
TEXT ·axpyAVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y15

loop32:
	CMPQ        CX, $32
	JB          loop8
	VMOVUPS     0(SI), Y0
	VMOVUPS     32(SI), Y1
	VMOVUPS     64(SI), Y2
	VMOVUPS     96(SI), Y3
	VFMADD213PS 0(DI), Y15, Y0
	VFMADD213PS 32(DI), Y15, Y1
	VFMADD213PS 64(DI), Y15, Y2
	VFMADD213PS 96(DI), Y15, Y3
	VMOVUPS     Y0, 0(DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $128, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         loop32

loop8:
	CMPQ        CX, $8
	JB          tail
	VMOVUPS     (SI), Y0
	VFMADD213PS (DI), Y15, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

tail:
	TESTQ       CX, CX
	JZ          done
	VMOVSS      (SI), X0
	VFMADD213SS (DI), X15, X0
	VMOVSS      X0, (DI)
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         tail

done:
	VZEROUPPER
	RET

// func axpyF16AVX2(dst *float32, x *uint16, n int, a float32)
// dst[i] += a·half(x[i]) for n elements, halves widened by VCVTPH2PS.
// DI = dst, SI = x, CX = elements left; Y15 = a, Y0–Y3 widened x.
TEXT ·axpyF16AVX2(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Y15

loop32:
	CMPQ        CX, $32
	JB          loop8
	VCVTPH2PS   0(SI), Y0
	VCVTPH2PS   16(SI), Y1
	VCVTPH2PS   32(SI), Y2
	VCVTPH2PS   48(SI), Y3
	VFMADD213PS 0(DI), Y15, Y0
	VFMADD213PS 32(DI), Y15, Y1
	VFMADD213PS 64(DI), Y15, Y2
	VFMADD213PS 96(DI), Y15, Y3
	VMOVUPS     Y0, 0(DI)
	VMOVUPS     Y1, 32(DI)
	VMOVUPS     Y2, 64(DI)
	VMOVUPS     Y3, 96(DI)
	ADDQ        $64, SI
	ADDQ        $128, DI
	SUBQ        $32, CX
	JMP         loop32

loop8:
	CMPQ        CX, $8
	JB          tail
	VCVTPH2PS   (SI), Y0
	VFMADD213PS (DI), Y15, Y0
	VMOVUPS     Y0, (DI)
	ADDQ        $16, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

tail:
	TESTQ       CX, CX
	JZ          done
	MOVWLZX     (SI), AX
	VMOVD       AX, X0
	VCVTPH2PS   X0, X0
	VFMADD213SS (DI), X15, X0
	VMOVSS      X0, (DI)
	ADDQ        $2, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         tail

done:
	VZEROUPPER
	RET

// ATTNMASK sets K1 to the low CX bits (CX < 16).
#define ATTNMASK \
	MOVL  $1, AX; \
	SHLL  CX, AX; \
	DECL  AX;     \
	KMOVW AX, K1

// func axpyAVX512(dst, x *float32, n int, a float32)
// dst[i] += a·x[i] for n elements; the last n mod 16 under mask K1.
// DI = dst, SI = x, CX = elements left; Z15 = a, Z0–Z3 loaded x.
TEXT ·axpyAVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Z15

loop64:
	CMPQ        CX, $64
	JB          loop16
	VMOVUPS     0(SI), Z0
	VMOVUPS     64(SI), Z1
	VMOVUPS     128(SI), Z2
	VMOVUPS     192(SI), Z3
	VFMADD213PS 0(DI), Z15, Z0
	VFMADD213PS 64(DI), Z15, Z1
	VFMADD213PS 128(DI), Z15, Z2
	VFMADD213PS 192(DI), Z15, Z3
	VMOVUPS     Z0, 0(DI)
	VMOVUPS     Z1, 64(DI)
	VMOVUPS     Z2, 128(DI)
	VMOVUPS     Z3, 192(DI)
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	JMP         loop64

loop16:
	CMPQ        CX, $16
	JB          tail
	VMOVUPS     (SI), Z0
	VFMADD213PS (DI), Z15, Z0
	VMOVUPS     Z0, (DI)
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

tail:
	TESTQ       CX, CX
	JZ          done
	ATTNMASK
	VMOVUPS.Z   (SI), K1, Z0
	VMOVUPS.Z   (DI), K1, Z1
	VFMADD213PS Z1, Z15, Z0
	VMOVUPS     Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func axpyF16AVX512(dst *float32, x *uint16, n int, a float32)
// dst[i] += a·half(x[i]) for n elements; the last n mod 16 under mask K1.
// DI = dst, SI = x, CX = elements left; Z15 = a, Z0–Z3 widened x.
TEXT ·axpyF16AVX512(SB), NOSPLIT, $0-28
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         n+16(FP), CX
	VBROADCASTSS a+24(FP), Z15

loop64:
	CMPQ        CX, $64
	JB          loop16
	VCVTPH2PS   0(SI), Z0
	VCVTPH2PS   32(SI), Z1
	VCVTPH2PS   64(SI), Z2
	VCVTPH2PS   96(SI), Z3
	VFMADD213PS 0(DI), Z15, Z0
	VFMADD213PS 64(DI), Z15, Z1
	VFMADD213PS 128(DI), Z15, Z2
	VFMADD213PS 192(DI), Z15, Z3
	VMOVUPS     Z0, 0(DI)
	VMOVUPS     Z1, 64(DI)
	VMOVUPS     Z2, 128(DI)
	VMOVUPS     Z3, 192(DI)
	ADDQ        $128, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	JMP         loop64

loop16:
	CMPQ        CX, $16
	JB          tail
	VCVTPH2PS   (SI), Z0
	VFMADD213PS (DI), Z15, Z0
	VMOVUPS     Z0, (DI)
	ADDQ        $32, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

tail:
	TESTQ       CX, CX
	JZ          done
	ATTNMASK
	VMOVDQU16.Z (SI), K1, Y0
	VCVTPH2PS   Y0, Z0
	VMOVUPS.Z   (DI), K1, Z1
	VFMADD213PS Z1, Z15, Z0
	VMOVUPS     Z0, K1, (DI)

done:
	VZEROUPPER
	RET

// func dotHalfGGMLAVX512(k *uint16, q *float32, n int) float32
// Σ half(k[i])·q[i] for n a positive multiple of 64, in the order of ggml's
// ggml_vec_dot_f16 on AVX-512: element i into lane i mod 16 of accumulator
// (i/16) mod 4, with FMA; then a0+a2, a1+a3, their sum, and the 16 lanes
// by halves (upper 256 + lower 256, upper 128 + lower 128, lanes 0+2 and
// 1+3, then those two).
// SI = k, DI = q, CX = elements left; Z0–Z3 accumulators, Z4–Z7 widened k.
TEXT ·dotHalfGGMLAVX512(SB), NOSPLIT, $0-28
	MOVQ   k+0(FP), SI
	MOVQ   q+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Z0, Z0, Z0
	VXORPS Z1, Z1, Z1
	VXORPS Z2, Z2, Z2
	VXORPS Z3, Z3, Z3

loop:
	VCVTPH2PS   0(SI), Z4
	VCVTPH2PS   32(SI), Z5
	VCVTPH2PS   64(SI), Z6
	VCVTPH2PS   96(SI), Z7
	VFMADD231PS 0(DI), Z4, Z0
	VFMADD231PS 64(DI), Z5, Z1
	VFMADD231PS 128(DI), Z6, Z2
	VFMADD231PS 192(DI), Z7, Z3
	ADDQ        $128, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	JA          loop

	VADDPS        Z2, Z0, Z0
	VADDPS        Z3, Z1, Z1
	VADDPS        Z1, Z0, Z0
	VEXTRACTF64X4 $1, Z0, Y1
	VADDPS        Y1, Y0, Y0
	VEXTRACTF128  $1, Y0, X1
	VADDPS        X1, X0, X0
	VMOVHLPS      X0, X0, X1
	VADDPS        X1, X0, X0
	VMOVSHDUP     X0, X1
	VADDSS        X1, X0, X0
	VZEROUPPER
	MOVSS         X0, ret+24(FP)
	RET

// func dotHalfGGMLAVX2(k *uint16, q *float32, n int) float32
// dotHalfGGMLAVX512's arithmetic on 256-bit registers: each 16-lane
// accumulator is a pair (low lanes, high lanes), Y0/Y1 … Y6/Y7; the sums
// and the reduction are the same additions of the same lanes.
// SI = k, DI = q, CX = elements left; Y8–Y15 widened k.
TEXT ·dotHalfGGMLAVX2(SB), NOSPLIT, $0-28
	MOVQ   k+0(FP), SI
	MOVQ   q+8(FP), DI
	MOVQ   n+16(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7

loop:
	VCVTPH2PS   0(SI), Y8
	VCVTPH2PS   16(SI), Y9
	VCVTPH2PS   32(SI), Y10
	VCVTPH2PS   48(SI), Y11
	VCVTPH2PS   64(SI), Y12
	VCVTPH2PS   80(SI), Y13
	VCVTPH2PS   96(SI), Y14
	VCVTPH2PS   112(SI), Y15
	VFMADD231PS 0(DI), Y8, Y0
	VFMADD231PS 32(DI), Y9, Y1
	VFMADD231PS 64(DI), Y10, Y2
	VFMADD231PS 96(DI), Y11, Y3
	VFMADD231PS 128(DI), Y12, Y4
	VFMADD231PS 160(DI), Y13, Y5
	VFMADD231PS 192(DI), Y14, Y6
	VFMADD231PS 224(DI), Y15, Y7
	ADDQ        $128, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	JA          loop

	// a0+a2, a1+a3 (low and high halves apart), then their sum.
	VADDPS       Y4, Y0, Y0
	VADDPS       Y5, Y1, Y1
	VADDPS       Y6, Y2, Y2
	VADDPS       Y7, Y3, Y3
	VADDPS       Y2, Y0, Y0
	VADDPS       Y3, Y1, Y1
	// 16 lanes by halves: high 8 + low 8, then as in the AVX-512 kernel.
	VADDPS       Y0, Y1, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVHLPS     X0, X0, X1
	VADDPS       X1, X0, X0
	VMOVSHDUP    X0, X1
	VADDSS       X1, X0, X0
	VZEROUPPER
	MOVSS        X0, ret+24(FP)
	RET

// DOTHALF64 computes one dotHalfGGMLAVX512 into X0: SI = k, DI = q, CX = n
// (a positive multiple of 64); clobbers SI, DI, CX, Z0–Z7.
#define DOTHALF64 \
	VXORPS        Z0, Z0, Z0;  \
	VXORPS        Z1, Z1, Z1;  \
	VXORPS        Z2, Z2, Z2;  \
	VXORPS        Z3, Z3, Z3;  \
dhloop:; \
	VCVTPH2PS     0(SI), Z4;   \
	VCVTPH2PS     32(SI), Z5;  \
	VCVTPH2PS     64(SI), Z6;  \
	VCVTPH2PS     96(SI), Z7;  \
	VFMADD231PS   0(DI), Z4, Z0;   \
	VFMADD231PS   64(DI), Z5, Z1;  \
	VFMADD231PS   128(DI), Z6, Z2; \
	VFMADD231PS   192(DI), Z7, Z3; \
	ADDQ          $128, SI;    \
	ADDQ          $256, DI;    \
	SUBQ          $64, CX;     \
	JA            dhloop;      \
	VADDPS        Z2, Z0, Z0;  \
	VADDPS        Z3, Z1, Z1;  \
	VADDPS        Z1, Z0, Z0;  \
	VEXTRACTF64X4 $1, Z0, Y1;  \
	VADDPS        Y1, Y0, Y0;  \
	VEXTRACTF128  $1, Y0, X1;  \
	VADDPS        X1, X0, X0;  \
	VMOVHLPS      X0, X0, X1;  \
	VADDPS        X1, X0, X0;  \
	VMOVSHDUP     X0, X1;      \
	VADDSS        X1, X0, X0

// func dotsHalfGGMLAVX512(k *uint16, kStride, rows int, q *float32, n int, out *float32)
// out[r] = dotHalfGGMLAVX512(k + r·kStride, q, n) for r < rows (rows ≥ 1,
// kStride in elements): a tile of scores in one call.
// R8 = row pointer, R9 = stride in bytes, R10 = rows left, R11 = q,
// R12 = n, DX = out; DOTHALF64 uses SI, DI, CX, Z0–Z7.
TEXT ·dotsHalfGGMLAVX512(SB), NOSPLIT, $0-48
	MOVQ k+0(FP), R8
	MOVQ kStride+8(FP), R9
	SHLQ $1, R9
	MOVQ rows+16(FP), R10
	MOVQ q+24(FP), R11
	MOVQ n+32(FP), R12
	MOVQ out+40(FP), DX

row:
	MOVQ  R8, SI
	MOVQ  R11, DI
	MOVQ  R12, CX
	DOTHALF64
	MOVSS X0, (DX)
	ADDQ  $4, DX
	ADDQ  R9, R8
	DECQ  R10
	JNZ   row
	VZEROUPPER
	RET

// func axpyStridedF16AVX512(acc *float32, v *uint16, vStride int, p *float32, pStride, count, hd int)
// acc[i] += p[c·pStride]·half(v[c·vStride+i]) for c = 0 … count−1 in
// order and i < hd (a multiple of 16), each an FMA: one lane of the
// half-cache value sums (valuesHalf) in one call. Strides in elements.
// DI = acc, SI = v column, R8 = v stride (bytes), R9 = p, R10 = p stride
// (bytes), CX = count, DX = columns left; R11–R13 walk the positions;
// Z0–Z3 accumulators, Z4–Z7 widened values, Z15 the weight.
TEXT ·axpyStridedF16AVX512(SB), NOSPLIT, $0-56
	MOVQ acc+0(FP), DI
	MOVQ v+8(FP), SI
	MOVQ vStride+16(FP), R8
	SHLQ $1, R8
	MOVQ p+24(FP), R9
	MOVQ pStride+32(FP), R10
	SHLQ $2, R10
	MOVQ count+40(FP), CX
	MOVQ hd+48(FP), DX
	TESTQ CX, CX
	JZ    done

cols64:
	CMPQ    DX, $64
	JB      cols16
	VMOVUPS 0(DI), Z0
	VMOVUPS 64(DI), Z1
	VMOVUPS 128(DI), Z2
	VMOVUPS 192(DI), Z3
	MOVQ    SI, R11
	MOVQ    R9, R12
	MOVQ    CX, R13

pos64:
	VBROADCASTSS (R12), Z15
	VCVTPH2PS    0(R11), Z4
	VCVTPH2PS    32(R11), Z5
	VCVTPH2PS    64(R11), Z6
	VCVTPH2PS    96(R11), Z7
	VFMADD231PS  Z4, Z15, Z0
	VFMADD231PS  Z5, Z15, Z1
	VFMADD231PS  Z6, Z15, Z2
	VFMADD231PS  Z7, Z15, Z3
	ADDQ         R8, R11
	ADDQ         R10, R12
	DECQ         R13
	JNZ          pos64
	VMOVUPS      Z0, 0(DI)
	VMOVUPS      Z1, 64(DI)
	VMOVUPS      Z2, 128(DI)
	VMOVUPS      Z3, 192(DI)
	ADDQ         $256, DI
	ADDQ         $128, SI
	SUBQ         $64, DX
	JMP          cols64

cols16:
	CMPQ    DX, $16
	JB      done
	VMOVUPS (DI), Z0
	MOVQ    SI, R11
	MOVQ    R9, R12
	MOVQ    CX, R13

pos16:
	VBROADCASTSS (R12), Z15
	VCVTPH2PS    (R11), Z4
	VFMADD231PS  Z4, Z15, Z0
	ADDQ         R8, R11
	ADDQ         R10, R12
	DECQ         R13
	JNZ          pos16
	VMOVUPS      Z0, (DI)
	ADDQ         $64, DI
	ADDQ         $32, SI
	SUBQ         $16, DX
	JMP          cols16

done:
	VZEROUPPER
	RET

// func roundHalfAVX512(x *float32, n int)
// x[i] = float32(half(x[i])) for n elements, ties to even (VCVTPS2PH with
// rounding field 0); the last n mod 16 under mask K1. DI = x, CX = left.
TEXT ·roundHalfAVX512(SB), NOSPLIT, $0-16
	MOVQ x+0(FP), DI
	MOVQ n+8(FP), CX

loop:
	CMPQ      CX, $16
	JB        tail
	VMOVUPS   (DI), Z0
	VCVTPS2PH $0, Z0, Y1
	VCVTPH2PS Y1, Z0
	VMOVUPS   Z0, (DI)
	ADDQ      $64, DI
	SUBQ      $16, CX
	JMP       loop

tail:
	TESTQ     CX, CX
	JZ        done
	ATTNMASK
	VMOVUPS.Z (DI), K1, Z0
	VCVTPS2PH $0, Z0, Y1
	VCVTPH2PS Y1, Z0
	VMOVUPS   Z0, K1, (DI)

done:
	VZEROUPPER
	RET
