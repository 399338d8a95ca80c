//go:build !noasm

#include "textflag.h"

// Elementwise kernels of the forward pass for the AVX2 and AVX-512
// flavours: RMSNorm's two passes, SiLU(gate)·up with a vector exp, the
// residual add and the vector exp alone (for tests). Every function takes a
// whole number of vectors (n a multiple of 4 or 8 as stated); the Go
// wrappers in vec_amd64.go run the last few elements through the twins.
//
// They give the generic twins' results bit for bit (SiLU almost always):
// RMSNorm sums its squares in the twin's four lanes, in its order, then
// multiplies as it does; Add is exact. SiLU's exp is computed in float64
// and rounded to float32, as the twin rounds math.Exp, so it is correctly
// rounded but for a float64 error (below 1e-15 relative) straddling a
// float32 rounding boundary, about one element in ten million. Rounding
// differences feed the activation quantizer downstream, where one flipped
// rounding of a Q8 activation moves the quantized conformance metrics by
// percents: agreeing with the twin keeps every flavour's results alike.
//
// The exp: e^x = 2^k · e^r with k = round(x·log2 e) (an FMA into 1.5·2⁵²,
// whose ulp is 1, rounds it and leaves k in the low mantissa bits), r = x −
// k·ln 2 in two FMAs (ln 2 as a float64 and its remainder), |r| ≤ ln2/2;
// e^r by its Taylor series to r¹² (truncation 2e-16 relative) by Horner;
// 2^k built in the exponent field from the same bits. x is clamped to
// [-104, 89] first (e^x rounds to float32 0 or +Inf beyond), with x as the
// operand MAXPD/MINPD return for NaN, so NaN propagates.

#define REP4(off, v) \
	DATA vecConsts<>+(off+0)(SB)/8, v; \
	DATA vecConsts<>+(off+8)(SB)/8, v; \
	DATA vecConsts<>+(off+16)(SB)/8, v; \
	DATA vecConsts<>+(off+24)(SB)/8, v

// Constants, each repeated over 32 bytes: the AVX2 code uses whole vectors,
// the AVX-512 code broadcasts the first.
REP4(0, $0x3ff71547652b82fe)   // log2 e
REP4(32, $0x4338000000000000)  // 1.5·2⁵²
REP4(64, $0xbfe62e42fefa39ef)  // −ln 2 rounded to float64
REP4(96, $0xbc7abc9e3b39803f)  // −(ln 2 − that)
REP4(128, $0xc05a000000000000) // −104.0: e^x rounds to float32 0 below
REP4(160, $0x4056400000000000) // 89.0: e^x rounds to float32 +Inf above
REP4(192, $0x3e21eed8eff8d898) // 1/12!
REP4(224, $0x3e5ae64567f544e4) // 1/11!
REP4(256, $0x3e927e4fb7789f5c) // 1/10!
REP4(288, $0x3ec71de3a556c734) // 1/9!
REP4(320, $0x3efa01a01a01a01a) // 1/8!
REP4(352, $0x3f2a01a01a01a01a) // 1/7!
REP4(384, $0x3f56c16c16c16c17) // 1/6!
REP4(416, $0x3f81111111111111) // 1/5!
REP4(448, $0x3fa5555555555555) // 1/4!
REP4(480, $0x3fc5555555555555) // 1/3!
REP4(512, $0x3fe0000000000000) // 1/2!
REP4(544, $0x3ff0000000000000) // 1.0
REP4(576, $0x00000000000003ff) // 1023, the exponent bias
REP4(608, $0x8000000080000000) // float32 sign bits
REP4(640, $0x3f8000003f800000) // float32 1.0
GLOBL vecConsts<>(SB), RODATA|NOPTR, $672

// EXPZ sets x = e^x on the eight float64 lanes of a Z register; t and p
// are scratch. Constants: Z16 log2e, Z17 1.5·2⁵², Z18 −ln2hi, Z19 −ln2lo,
// Z12 −104, Z13 89, Z14 the bias, Z20–Z30 1/12! … 1/2!, Z31 1.0.
#define EXPZ(x, t, p) \
	VMAXPD      x, Z12, x; \
	VMINPD      x, Z13, x; \
	VMOVAPD     Z17, t; \
	VFMADD231PD Z16, x, t; \
	VSUBPD      Z17, t, p; \
	VFMADD231PD Z18, p, x; \
	VFMADD231PD Z19, p, x; \
	VMOVAPD     Z20, p; \
	VFMADD213PD Z21, x, p; \
	VFMADD213PD Z22, x, p; \
	VFMADD213PD Z23, x, p; \
	VFMADD213PD Z24, x, p; \
	VFMADD213PD Z25, x, p; \
	VFMADD213PD Z26, x, p; \
	VFMADD213PD Z27, x, p; \
	VFMADD213PD Z28, x, p; \
	VFMADD213PD Z29, x, p; \
	VFMADD213PD Z30, x, p; \
	VFMADD213PD Z31, x, p; \
	VFMADD213PD Z31, x, p; \
	VPADDQ      Z14, t, t; \
	VPSLLQ      $52, t, t; \
	VMULPD      t, p, x

#define EXPZ_CONSTS \
	VBROADCASTSD vecConsts<>+0(SB), Z16; \
	VBROADCASTSD vecConsts<>+32(SB), Z17; \
	VBROADCASTSD vecConsts<>+64(SB), Z18; \
	VBROADCASTSD vecConsts<>+96(SB), Z19; \
	VBROADCASTSD vecConsts<>+128(SB), Z12; \
	VBROADCASTSD vecConsts<>+160(SB), Z13; \
	VBROADCASTSD vecConsts<>+576(SB), Z14; \
	VBROADCASTSD vecConsts<>+192(SB), Z20; \
	VBROADCASTSD vecConsts<>+224(SB), Z21; \
	VBROADCASTSD vecConsts<>+256(SB), Z22; \
	VBROADCASTSD vecConsts<>+288(SB), Z23; \
	VBROADCASTSD vecConsts<>+320(SB), Z24; \
	VBROADCASTSD vecConsts<>+352(SB), Z25; \
	VBROADCASTSD vecConsts<>+384(SB), Z26; \
	VBROADCASTSD vecConsts<>+416(SB), Z27; \
	VBROADCASTSD vecConsts<>+448(SB), Z28; \
	VBROADCASTSD vecConsts<>+480(SB), Z29; \
	VBROADCASTSD vecConsts<>+512(SB), Z30; \
	VBROADCASTSD vecConsts<>+544(SB), Z31

// EXPY is EXPZ on four float64 lanes of a Y register: constants in Y6
// log2e, Y7 1.5·2⁵², Y8 −ln2hi, Y9 −ln2lo, Y10 −104, Y11 89, Y12 1.0, Y13
// the bias; the Taylor coefficients from memory.
#define EXPY(x, t, p) \
	VMAXPD      x, Y10, x; \
	VMINPD      x, Y11, x; \
	VMOVAPD     Y7, t; \
	VFMADD231PD Y6, x, t; \
	VSUBPD      Y7, t, p; \
	VFMADD231PD Y8, p, x; \
	VFMADD231PD Y9, p, x; \
	VMOVUPD     vecConsts<>+192(SB), p; \
	VFMADD213PD vecConsts<>+224(SB), x, p; \
	VFMADD213PD vecConsts<>+256(SB), x, p; \
	VFMADD213PD vecConsts<>+288(SB), x, p; \
	VFMADD213PD vecConsts<>+320(SB), x, p; \
	VFMADD213PD vecConsts<>+352(SB), x, p; \
	VFMADD213PD vecConsts<>+384(SB), x, p; \
	VFMADD213PD vecConsts<>+416(SB), x, p; \
	VFMADD213PD vecConsts<>+448(SB), x, p; \
	VFMADD213PD vecConsts<>+480(SB), x, p; \
	VFMADD213PD vecConsts<>+512(SB), x, p; \
	VFMADD213PD Y12, x, p; \
	VFMADD213PD Y12, x, p; \
	VPADDQ      Y13, t, t; \
	VPSLLQ      $52, t, t; \
	VMULPD      t, p, x

#define EXPY_CONSTS \
	VMOVUPD vecConsts<>+0(SB), Y6; \
	VMOVUPD vecConsts<>+32(SB), Y7; \
	VMOVUPD vecConsts<>+64(SB), Y8; \
	VMOVUPD vecConsts<>+96(SB), Y9; \
	VMOVUPD vecConsts<>+128(SB), Y10; \
	VMOVUPD vecConsts<>+160(SB), Y11; \
	VMOVUPD vecConsts<>+544(SB), Y12; \
	VMOVUPD vecConsts<>+576(SB), Y13

// EXP8Y sets Y0 (eight float32) to float32(e^float64(Y0)), through Y1, Y2
// (the two halves in float64) and scratch Y3, Y5, Y15.
#define EXP8Y \
	VCVTPS2PD    X0, Y1; \
	VEXTRACTF128 $1, Y0, X2; \
	VCVTPS2PD    X2, Y2; \
	EXPY(Y1, Y3, Y5); \
	EXPY(Y2, Y15, Y5); \
	VCVTPD2PSY   Y1, X1; \
	VCVTPD2PSY   Y2, X2; \
	VINSERTF128  $1, X2, Y1, Y0

// func expAVX512(dst, x *float32, n int)
// dst[i] = float32(e^float64(x[i])), n a multiple of 8. DI = dst, SI = x,
// CX = elements left; Z0 value, Z1–Z2 scratch, Z12–Z31 constants.
TEXT ·expAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPZ_CONSTS

exp8z:
	TESTQ     CX, CX
	JZ        exp8zdone
	VCVTPS2PD (SI), Z0
	EXPZ(Z0, Z1, Z2)
	VCVTPD2PS Z0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       exp8z

exp8zdone:
	VZEROUPPER
	RET

// func expAVX2(dst, x *float32, n int)
// As expAVX512 with four float64 lanes per register (n a multiple of 8).
// Y0 value, Y1–Y3, Y5, Y15 scratch, Y6–Y13 constants.
TEXT ·expAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX
	EXPY_CONSTS

exp8y:
	TESTQ   CX, CX
	JZ      exp8ydone
	VMOVUPS (SI), Y0
	EXP8Y
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     exp8y

exp8ydone:
	VZEROUPPER
	RET

// func siluMulAVX512(dst, gate, up *float32, n int)
// dst[i] = gate[i] / (1 + e^−gate[i]) · up[i] in the generic twin's order
// of float32 operations, the exp as in expAVX512; n a multiple of 8.
// DI = dst, SI = gate, DX = up, CX = elements left; Y4 gate, Z0 −gate
// widened, then e^−gate, then the result; Z1–Z2 scratch, Y10 float32
// sign bits, Y11 float32 1.0, Z12–Z31 the exp constants.
TEXT ·siluMulAVX512(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ gate+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n+24(FP), CX
	EXPZ_CONSTS
	VMOVUPS vecConsts<>+608(SB), Y10
	VMOVUPS vecConsts<>+640(SB), Y11

silu8z:
	TESTQ     CX, CX
	JZ        silu8zdone
	VMOVUPS   (SI), Y4
	VXORPS    Y10, Y4, Y0
	VCVTPS2PD Y0, Z0
	EXPZ(Z0, Z1, Z2)
	VCVTPD2PS Z0, Y0
	VADDPS    Y11, Y0, Y0
	VDIVPS    Y0, Y4, Y0
	VMULPS    (DX), Y0, Y0
	VMOVUPS   Y0, (DI)
	ADDQ      $32, SI
	ADDQ      $32, DX
	ADDQ      $32, DI
	SUBQ      $8, CX
	JMP       silu8z

silu8zdone:
	VZEROUPPER
	RET

// func siluMulAVX2(dst, gate, up *float32, n int)
// As siluMulAVX512 with the exp in two four-lane halves (n a multiple of
// 8). Y4 gate, Y0 the value, Y1–Y3, Y5, Y15 scratch, Y6–Y13 the exp
// constants, Y14 float32 1.0; the sign bits from memory.
TEXT ·siluMulAVX2(SB), NOSPLIT, $0-32
	MOVQ dst+0(FP), DI
	MOVQ gate+8(FP), SI
	MOVQ up+16(FP), DX
	MOVQ n+24(FP), CX
	EXPY_CONSTS
	VMOVUPS vecConsts<>+640(SB), Y14

silu8y:
	TESTQ   CX, CX
	JZ      silu8ydone
	VMOVUPS (SI), Y4
	VXORPS  vecConsts<>+608(SB), Y4, Y0
	EXP8Y
	VADDPS  Y14, Y0, Y0
	VDIVPS  Y0, Y4, Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     silu8y

silu8ydone:
	VZEROUPPER
	RET

// func sumSquares4(x *float32, n int, lanes *[4]float32)
// lanes[j] = Σ x[4i+j]² for 4i < n (n a multiple of 4), each product
// rounded, then added in order: the generic twin's four accumulators
// (dotGeneric), so the sum is bit-identical; the caller adds the lanes as
// it does. One accumulator chain, latency-bound, but short beside the
// matrix products. SI = x, CX = elements left; X0 lanes, X1–X4 squares.
TEXT ·sumSquares4(SB), NOSPLIT, $0-24
	MOVQ   x+0(FP), SI
	MOVQ   n+8(FP), CX
	MOVQ   lanes+16(FP), DI
	VXORPS X0, X0, X0

ssq16:
	CMPQ    CX, $16
	JB      ssq4
	VMOVUPS 0(SI), X1
	VMOVUPS 16(SI), X2
	VMOVUPS 32(SI), X3
	VMOVUPS 48(SI), X4
	VMULPS  X1, X1, X1
	VMULPS  X2, X2, X2
	VMULPS  X3, X3, X3
	VMULPS  X4, X4, X4
	VADDPS  X1, X0, X0
	VADDPS  X2, X0, X0
	VADDPS  X3, X0, X0
	VADDPS  X4, X0, X0
	ADDQ    $64, SI
	SUBQ    $16, CX
	JMP     ssq16

ssq4:
	TESTQ   CX, CX
	JZ      ssqdone
	VMOVUPS (SI), X1
	VMULPS  X1, X1, X1
	VADDPS  X1, X0, X0
	ADDQ    $16, SI
	SUBQ    $4, CX
	JMP     ssq4

ssqdone:
	VMOVUPS X0, (DI)
	RET

// func scaleMulAVX512(dst, x, w *float32, n int, s float32)
// dst[i] = w[i]·(x[i]·s), RMSNorm's second pass in the generic twin's
// order (so bit-identical), n a multiple of 16. DI = dst, SI = x, DX = w,
// CX = elements left; Z31 = s, Z0–Z1 values.
TEXT ·scaleMulAVX512(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS s+32(FP), Z31

sm32:
	CMPQ    CX, $32
	JB      sm16
	VMULPS  0(SI), Z31, Z0
	VMULPS  64(SI), Z31, Z1
	VMULPS  0(DX), Z0, Z0
	VMULPS  64(DX), Z1, Z1
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DX
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     sm32

sm16:
	TESTQ   CX, CX
	JZ      smdone
	VMULPS  (SI), Z31, Z0
	VMULPS  (DX), Z0, Z0
	VMOVUPS Z0, (DI)

smdone:
	VZEROUPPER
	RET

// func scaleMulAVX2(dst, x, w *float32, n int, s float32)
// As scaleMulAVX512 on eight lanes (n a multiple of 8). Y15 = s, Y0–Y1
// values.
TEXT ·scaleMulAVX2(SB), NOSPLIT, $0-36
	MOVQ         dst+0(FP), DI
	MOVQ         x+8(FP), SI
	MOVQ         w+16(FP), DX
	MOVQ         n+24(FP), CX
	VBROADCASTSS s+32(FP), Y15

sm8:
	TESTQ   CX, CX
	JZ      sm8done
	VMULPS  (SI), Y15, Y0
	VMULPS  (DX), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DX
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     sm8

sm8done:
	VZEROUPPER
	RET

// func addAVX512(dst, x *float32, n int)
// dst[i] += x[i], n a multiple of 16. DI = dst, SI = x, CX = elements
// left; Z0–Z1 sums.
TEXT ·addAVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

add32:
	CMPQ    CX, $32
	JB      add16
	VMOVUPS 0(DI), Z0
	VMOVUPS 64(DI), Z1
	VADDPS  0(SI), Z0, Z0
	VADDPS  64(SI), Z1, Z1
	VMOVUPS Z0, 0(DI)
	VMOVUPS Z1, 64(DI)
	ADDQ    $128, SI
	ADDQ    $128, DI
	SUBQ    $32, CX
	JMP     add32

add16:
	TESTQ   CX, CX
	JZ      adddone
	VMOVUPS (DI), Z0
	VADDPS  (SI), Z0, Z0
	VMOVUPS Z0, (DI)

adddone:
	VZEROUPPER
	RET

// func addAVX2(dst, x *float32, n int)
// As addAVX512 on eight lanes (n a multiple of 8). Y0 the sum.
TEXT ·addAVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

add8:
	TESTQ   CX, CX
	JZ      add8done
	VMOVUPS (DI), Y0
	VADDPS  (SI), Y0, Y0
	VMOVUPS Y0, (DI)
	ADDQ    $32, SI
	ADDQ    $32, DI
	SUBQ    $8, CX
	JMP     add8

add8done:
	VZEROUPPER
	RET

// func toF16AVX512(dst *uint16, x *float32, n int)
// dst[i] = x[i] rounded to half precision (VCVTPS2PH, nearest even, the
// rounding quant.F32ToF16 does, NaN payloads kept as it keeps them), n a
// multiple of 16. DI = dst, SI = x, CX = elements left; Z0 floats, Y1
// halves.
TEXT ·toF16AVX512(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

f16z:
	TESTQ     CX, CX
	JZ        f16zdone
	VMOVUPS   (SI), Z0
	VCVTPS2PH $0, Z0, Y1
	VMOVDQU   Y1, (DI)
	ADDQ      $64, SI
	ADDQ      $32, DI
	SUBQ      $16, CX
	JMP       f16z

f16zdone:
	VZEROUPPER
	RET

// func toF16AVX2(dst *uint16, x *float32, n int)
// As toF16AVX512 on eight lanes (F16C; n a multiple of 8). Y0 floats, X1
// halves.
TEXT ·toF16AVX2(SB), NOSPLIT, $0-24
	MOVQ dst+0(FP), DI
	MOVQ x+8(FP), SI
	MOVQ n+16(FP), CX

f16y:
	TESTQ     CX, CX
	JZ        f16ydone
	VMOVUPS   (SI), Y0
	VCVTPS2PH $0, Y0, X1
	VMOVDQU   X1, (DI)
	ADDQ      $32, SI
	ADDQ      $16, DI
	SUBQ      $8, CX
	JMP       f16y

f16ydone:
	VZEROUPPER
	RET
