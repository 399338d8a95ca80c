//go:build !noasm

#include "textflag.h"

// Register-tiled float matrix products for the AVX2 and AVX-512 flavours
// (driven by gemm_float_amd64.go).
//
// Every kernel takes one *floatTile: the start of R weight rows (F32, F16 or
// BF16), the start of C activation tokens (float32), where to store the R×C
// sums and how many bytes of each weight row to read (a whole number of
// vectors, possibly zero). It keeps one vector accumulator per (row, token):
// each step converts one vector of every row once and loads one vector of
// every token once, then does R×C FMAs; at the end each token's R
// accumulators are summed across lanes (a transposing reduction) and the R
// sums stored at dst + c·ldd. The rows, tokens and dst are the caller's
// business (it points surplus rows/tokens at real ones and stores edge tiles
// in a scratch tile). Results differ from the row dot products only in the
// order of the float additions.
//
// One index register R12 runs over the weight bytes; a token's offset is
// R12·XS with XS = 4/(weight element size), so both advance together.
// Kernels:
//	AVX-512  4 rows × 6 tokens: Z0–Z23 accumulators (token c, row r in
//	         Z(4c+r)), Z24–Z27 weights, Z28 activations.
//	AVX-512  4 rows × 1 token (decode): Z0–Z3 accumulators, Z4–Z7 weights,
//	         Z8 activations.
//	AVX2     3 rows × 4 tokens: Y0–Y11 accumulators (token c, row r in
//	         Y(3c+r)), Y12–Y14 weights, Y15 activations.
//	AVX2     4 rows × 1 token (decode): Y0–Y3 accumulators, Y4–Y7 weights,
//	         Y8 activations.
// General registers: R8–R11 weight rows, AX BX CX DX SI DI tokens, R12
// index, R13 end of the rows' bytes (then the tile pointer again).

// floatTile field offsets (gemm_float_amd64.go).
#define T_W0 0
#define T_W1 8
#define T_W2 16
#define T_W3 24
#define T_X0 32
#define T_X1 40
#define T_X2 48
#define T_X3 56
#define T_X4 64
#define T_X5 72
#define T_DST 80
#define T_LDD 88
#define T_N 96

// Weight loads: one vector of each row at R12, as float32.
#define W4Z_F32 \
	VMOVUPS (R8)(R12*1), Z24;  \
	VMOVUPS (R9)(R12*1), Z25;  \
	VMOVUPS (R10)(R12*1), Z26; \
	VMOVUPS (R11)(R12*1), Z27

#define W4Z_F16 \
	VCVTPH2PS (R8)(R12*1), Z24;  \
	VCVTPH2PS (R9)(R12*1), Z25;  \
	VCVTPH2PS (R10)(R12*1), Z26; \
	VCVTPH2PS (R11)(R12*1), Z27

#define W4Z_BF16 \
	VPMOVZXWD (R8)(R12*1), Z24;  \
	VPMOVZXWD (R9)(R12*1), Z25;  \
	VPMOVZXWD (R10)(R12*1), Z26; \
	VPMOVZXWD (R11)(R12*1), Z27; \
	VPSLLD    $16, Z24, Z24;     \
	VPSLLD    $16, Z25, Z25;     \
	VPSLLD    $16, Z26, Z26;     \
	VPSLLD    $16, Z27, Z27

#define G4Z_F32 \
	VMOVUPS (R8)(R12*1), Z4;  \
	VMOVUPS (R9)(R12*1), Z5;  \
	VMOVUPS (R10)(R12*1), Z6; \
	VMOVUPS (R11)(R12*1), Z7

#define G4Z_F16 \
	VCVTPH2PS (R8)(R12*1), Z4;  \
	VCVTPH2PS (R9)(R12*1), Z5;  \
	VCVTPH2PS (R10)(R12*1), Z6; \
	VCVTPH2PS (R11)(R12*1), Z7

#define G4Z_BF16 \
	VPMOVZXWD (R8)(R12*1), Z4;  \
	VPMOVZXWD (R9)(R12*1), Z5;  \
	VPMOVZXWD (R10)(R12*1), Z6; \
	VPMOVZXWD (R11)(R12*1), Z7; \
	VPSLLD    $16, Z4, Z4;      \
	VPSLLD    $16, Z5, Z5;      \
	VPSLLD    $16, Z6, Z6;      \
	VPSLLD    $16, Z7, Z7

#define W3Y_F32 \
	VMOVUPS (R8)(R12*1), Y12; \
	VMOVUPS (R9)(R12*1), Y13; \
	VMOVUPS (R10)(R12*1), Y14

#define W3Y_F16 \
	VCVTPH2PS (R8)(R12*1), Y12; \
	VCVTPH2PS (R9)(R12*1), Y13; \
	VCVTPH2PS (R10)(R12*1), Y14

#define W3Y_BF16 \
	VPMOVZXWD (R8)(R12*1), Y12;  \
	VPMOVZXWD (R9)(R12*1), Y13;  \
	VPMOVZXWD (R10)(R12*1), Y14; \
	VPSLLD    $16, Y12, Y12;     \
	VPSLLD    $16, Y13, Y13;     \
	VPSLLD    $16, Y14, Y14

#define G4Y_F32 \
	VMOVUPS (R8)(R12*1), Y4;  \
	VMOVUPS (R9)(R12*1), Y5;  \
	VMOVUPS (R10)(R12*1), Y6; \
	VMOVUPS (R11)(R12*1), Y7

#define G4Y_F16 \
	VCVTPH2PS (R8)(R12*1), Y4;  \
	VCVTPH2PS (R9)(R12*1), Y5;  \
	VCVTPH2PS (R10)(R12*1), Y6; \
	VCVTPH2PS (R11)(R12*1), Y7

#define G4Y_BF16 \
	VPMOVZXWD (R8)(R12*1), Y4;  \
	VPMOVZXWD (R9)(R12*1), Y5;  \
	VPMOVZXWD (R10)(R12*1), Y6; \
	VPMOVZXWD (R11)(R12*1), Y7; \
	VPSLLD    $16, Y4, Y4;      \
	VPSLLD    $16, Y5, Y5;      \
	VPSLLD    $16, Y6, Y6;      \
	VPSLLD    $16, Y7, Y7

// TOK4Z loads one vector of token xr and FMAs it with the four weight
// vectors Z24–Z27 into a0–a3.
#define TOK4Z(xr, xs, a0, a1, a2, a3) \
	VMOVUPS     (xr)(R12*xs), Z28; \
	VFMADD231PS Z28, Z24, a0;      \
	VFMADD231PS Z28, Z25, a1;      \
	VFMADD231PS Z28, Z26, a2;      \
	VFMADD231PS Z28, Z27, a3

// TOK3Y does the same for three rows (Y12–Y14) on 256-bit vectors.
#define TOK3Y(xr, xs, a0, a1, a2) \
	VMOVUPS     (xr)(R12*xs), Y15; \
	VFMADD231PS Y15, Y12, a0;      \
	VFMADD231PS Y15, Y13, a1;      \
	VFMADD231PS Y15, Y14, a2

// Loads the tile's pointers and rows' byte count; zeroes R12.
#define LOADTILE6 \
	MOVQ t+0(FP), R13;    \
	MOVQ T_W0(R13), R8;   \
	MOVQ T_W1(R13), R9;   \
	MOVQ T_W2(R13), R10;  \
	MOVQ T_W3(R13), R11;  \
	MOVQ T_X0(R13), AX;   \
	MOVQ T_X1(R13), BX;   \
	MOVQ T_X2(R13), CX;   \
	MOVQ T_X3(R13), DX;   \
	MOVQ T_X4(R13), SI;   \
	MOVQ T_X5(R13), DI;   \
	MOVQ T_N(R13), R13;   \
	XORQ R12, R12

#define LOADTILE1 \
	MOVQ t+0(FP), R13;   \
	MOVQ T_W0(R13), R8;  \
	MOVQ T_W1(R13), R9;  \
	MOVQ T_W2(R13), R10; \
	MOVQ T_W3(R13), R11; \
	MOVQ T_X0(R13), AX;  \
	MOVQ T_N(R13), R13;  \
	XORQ R12, R12

// Points R8 at the tile's dst and R9 at its ldd (bytes).
#define LOADDST \
	MOVQ t+0(FP), R13;    \
	MOVQ T_DST(R13), R8;  \
	MOVQ T_LDD(R13), R9

// SUM4Y leaves in xo the four lane sums of the 8-lane vectors a, b, c, d
// (in that order): pairs are interleaved and added, then the halves of
// each 128-bit lane, then the two lanes. t0–t2 are temporaries (ymm), xo
// is t2's low half and xt another xmm temporary; ext is VEXTRACTF128 or,
// for registers above 15, VEXTRACTF32X4.
#define SUM4Y(a, b, c, d, t0, t1, t2, xo, xt, ext) \
	VUNPCKLPS b, a, t0;          \
	VUNPCKHPS b, a, t1;          \
	VADDPS    t1, t0, t0;        \
	VUNPCKLPS d, c, t1;          \
	VUNPCKHPS d, c, t2;          \
	VADDPS    t2, t1, t1;        \
	VSHUFPS   $0x44, t1, t0, t2; \
	VSHUFPS   $0xEE, t1, t0, t0; \
	VADDPS    t0, t2, t2;        \
	ext       $1, t2, xt;        \
	VADDPS    xt, xo, xo

// SUM4Z folds the 16-lane a–d (z) to 8 lanes (y) and sums them into X26
// (clobbers Z24–Z27), then stores the four sums at (R8) and advances R8 by
// one token.
#define SUM4Z(za, zb, zc, zd, ya, yb, yc, yd) \
	VEXTRACTF64X4 $1, za, Y24;                                      \
	VADDPS        Y24, ya, ya;                                      \
	VEXTRACTF64X4 $1, zb, Y25;                                      \
	VADDPS        Y25, yb, yb;                                      \
	VEXTRACTF64X4 $1, zc, Y26;                                      \
	VADDPS        Y26, yc, yc;                                      \
	VEXTRACTF64X4 $1, zd, Y27;                                      \
	VADDPS        Y27, yd, yd;                                      \
	SUM4Y(ya, yb, yc, yd, Y24, Y25, Y26, X26, X27, VEXTRACTF32X4); \
	VMOVUPS       X26, (R8);                                        \
	ADDQ          R9, R8

// SUM3Y sums the 8-lane a–c into X14 (clobbers Y12–Y15) and stores the
// three sums at (R8), then advances R8 by one token.
#define SUM3Y(a, b, c) \
	SUM4Y(a, b, c, c, Y12, Y13, Y14, X14, X15, VEXTRACTF128); \
	VMOVQ      X14, (R8);                                      \
	VEXTRACTPS $2, X14, 8(R8);                                 \
	ADDQ       R9, R8

#define ZERO24Z \
	VPXORD Z0, Z0, Z0;    \
	VPXORD Z1, Z1, Z1;    \
	VPXORD Z2, Z2, Z2;    \
	VPXORD Z3, Z3, Z3;    \
	VPXORD Z4, Z4, Z4;    \
	VPXORD Z5, Z5, Z5;    \
	VPXORD Z6, Z6, Z6;    \
	VPXORD Z7, Z7, Z7;    \
	VPXORD Z8, Z8, Z8;    \
	VPXORD Z9, Z9, Z9;    \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15; \
	VPXORD Z16, Z16, Z16; \
	VPXORD Z17, Z17, Z17; \
	VPXORD Z18, Z18, Z18; \
	VPXORD Z19, Z19, Z19; \
	VPXORD Z20, Z20, Z20; \
	VPXORD Z21, Z21, Z21; \
	VPXORD Z22, Z22, Z22; \
	VPXORD Z23, Z23, Z23

#define ZERO12Y \
	VXORPS Y0, Y0, Y0;    \
	VXORPS Y1, Y1, Y1;    \
	VXORPS Y2, Y2, Y2;    \
	VXORPS Y3, Y3, Y3;    \
	VXORPS Y4, Y4, Y4;    \
	VXORPS Y5, Y5, Y5;    \
	VXORPS Y6, Y6, Y6;    \
	VXORPS Y7, Y7, Y7;    \
	VXORPS Y8, Y8, Y8;    \
	VXORPS Y9, Y9, Y9;    \
	VXORPS Y10, Y10, Y10; \
	VXORPS Y11, Y11, Y11

// STEP4x6Z is one step of the 4×6 AVX-512 tile after the weight loads.
#define STEP4x6Z(xs) \
	TOK4Z(AX, xs, Z0, Z1, Z2, Z3);     \
	TOK4Z(BX, xs, Z4, Z5, Z6, Z7);     \
	TOK4Z(CX, xs, Z8, Z9, Z10, Z11);   \
	TOK4Z(DX, xs, Z12, Z13, Z14, Z15); \
	TOK4Z(SI, xs, Z16, Z17, Z18, Z19); \
	TOK4Z(DI, xs, Z20, Z21, Z22, Z23)

#define STORE4x6Z \
	LOADDST;                                  \
	SUM4Z(Z0, Z1, Z2, Z3, Y0, Y1, Y2, Y3);     \
	SUM4Z(Z4, Z5, Z6, Z7, Y4, Y5, Y6, Y7);     \
	SUM4Z(Z8, Z9, Z10, Z11, Y8, Y9, Y10, Y11); \
	SUM4Z(Z12, Z13, Z14, Z15, Y12, Y13, Y14, Y15); \
	SUM4Z(Z16, Z17, Z18, Z19, Y16, Y17, Y18, Y19); \
	SUM4Z(Z20, Z21, Z22, Z23, Y20, Y21, Y22, Y23)

// STEP4x1Z: one step of the 4-row decode kernel after the weight loads.
#define STEP4x1Z(xs) \
	VMOVUPS     (AX)(R12*xs), Z8; \
	VFMADD231PS Z8, Z4, Z0;       \
	VFMADD231PS Z8, Z5, Z1;       \
	VFMADD231PS Z8, Z6, Z2;       \
	VFMADD231PS Z8, Z7, Z3

#define STEP3x4Y(xs) \
	TOK3Y(AX, xs, Y0, Y1, Y2); \
	TOK3Y(BX, xs, Y3, Y4, Y5); \
	TOK3Y(CX, xs, Y6, Y7, Y8); \
	TOK3Y(DX, xs, Y9, Y10, Y11)

#define STORE3x4Y \
	LOADDST;            \
	SUM3Y(Y0, Y1, Y2);  \
	SUM3Y(Y3, Y4, Y5);  \
	SUM3Y(Y6, Y7, Y8);  \
	SUM3Y(Y9, Y10, Y11)

#define STEP4x1Y(xs) \
	VMOVUPS     (AX)(R12*xs), Y8; \
	VFMADD231PS Y8, Y4, Y0;       \
	VFMADD231PS Y8, Y5, Y1;       \
	VFMADD231PS Y8, Y6, Y2;       \
	VFMADD231PS Y8, Y7, Y3

#define STORE4x1Z \
	LOADDST;                                                    \
	VEXTRACTF64X4 $1, Z0, Y4;                                   \
	VADDPS        Y4, Y0, Y0;                                   \
	VEXTRACTF64X4 $1, Z1, Y5;                                   \
	VADDPS        Y5, Y1, Y1;                                   \
	VEXTRACTF64X4 $1, Z2, Y6;                                   \
	VADDPS        Y6, Y2, Y2;                                   \
	VEXTRACTF64X4 $1, Z3, Y7;                                   \
	VADDPS        Y7, Y3, Y3;                                   \
	SUM4Y(Y0, Y1, Y2, Y3, Y4, Y5, Y6, X6, X7, VEXTRACTF128);    \
	VMOVUPS       X6, (R8)

#define STORE4x1Y \
	LOADDST;                                                 \
	SUM4Y(Y0, Y1, Y2, Y3, Y4, Y5, Y6, X6, X7, VEXTRACTF128); \
	VMOVUPS X6, (R8)

// func tileF32x4x6AVX512(t *floatTile)
TEXT ·tileF32x4x6AVX512(SB), NOSPLIT, $0-8
	LOADTILE6
	ZERO24Z
	TESTQ R13, R13
	JZ    store

loop:
	W4Z_F32
	STEP4x6Z(1)
	ADDQ $64, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x6Z
	VZEROUPPER
	RET

// func tileF16x4x6AVX512(t *floatTile)
TEXT ·tileF16x4x6AVX512(SB), NOSPLIT, $0-8
	LOADTILE6
	ZERO24Z
	TESTQ R13, R13
	JZ    store

loop:
	W4Z_F16
	STEP4x6Z(2)
	ADDQ $32, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x6Z
	VZEROUPPER
	RET

// func tileBF16x4x6AVX512(t *floatTile)
TEXT ·tileBF16x4x6AVX512(SB), NOSPLIT, $0-8
	LOADTILE6
	ZERO24Z
	TESTQ R13, R13
	JZ    store

loop:
	W4Z_BF16
	STEP4x6Z(2)
	ADDQ $32, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x6Z
	VZEROUPPER
	RET

// func tileF32x4x1AVX512(t *floatTile)
TEXT ·tileF32x4x1AVX512(SB), NOSPLIT, $0-8
	LOADTILE1
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	TESTQ  R13, R13
	JZ     store

loop:
	G4Z_F32
	STEP4x1Z(1)
	ADDQ $64, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x1Z
	VZEROUPPER
	RET

// func tileF16x4x1AVX512(t *floatTile)
TEXT ·tileF16x4x1AVX512(SB), NOSPLIT, $0-8
	LOADTILE1
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	TESTQ  R13, R13
	JZ     store

loop:
	G4Z_F16
	STEP4x1Z(2)
	ADDQ $32, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x1Z
	VZEROUPPER
	RET

// func tileBF16x4x1AVX512(t *floatTile)
TEXT ·tileBF16x4x1AVX512(SB), NOSPLIT, $0-8
	LOADTILE1
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	TESTQ  R13, R13
	JZ     store

loop:
	G4Z_BF16
	STEP4x1Z(2)
	ADDQ $32, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x1Z
	VZEROUPPER
	RET

// func tileF32x3x4AVX2(t *floatTile)
TEXT ·tileF32x3x4AVX2(SB), NOSPLIT, $0-8
	LOADTILE6
	ZERO12Y
	TESTQ R13, R13
	JZ    store

loop:
	W3Y_F32
	STEP3x4Y(1)
	ADDQ $32, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE3x4Y
	VZEROUPPER
	RET

// func tileF16x3x4AVX2(t *floatTile)
TEXT ·tileF16x3x4AVX2(SB), NOSPLIT, $0-8
	LOADTILE6
	ZERO12Y
	TESTQ R13, R13
	JZ    store

loop:
	W3Y_F16
	STEP3x4Y(2)
	ADDQ $16, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE3x4Y
	VZEROUPPER
	RET

// func tileBF16x3x4AVX2(t *floatTile)
TEXT ·tileBF16x3x4AVX2(SB), NOSPLIT, $0-8
	LOADTILE6
	ZERO12Y
	TESTQ R13, R13
	JZ    store

loop:
	W3Y_BF16
	STEP3x4Y(2)
	ADDQ $16, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE3x4Y
	VZEROUPPER
	RET

// func tileF32x4x1AVX2(t *floatTile)
TEXT ·tileF32x4x1AVX2(SB), NOSPLIT, $0-8
	LOADTILE1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ  R13, R13
	JZ     store

loop:
	G4Y_F32
	STEP4x1Y(1)
	ADDQ $32, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x1Y
	VZEROUPPER
	RET

// func tileF16x4x1AVX2(t *floatTile)
TEXT ·tileF16x4x1AVX2(SB), NOSPLIT, $0-8
	LOADTILE1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ  R13, R13
	JZ     store

loop:
	G4Y_F16
	STEP4x1Y(2)
	ADDQ $16, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x1Y
	VZEROUPPER
	RET

// func tileBF16x4x1AVX2(t *floatTile)
TEXT ·tileBF16x4x1AVX2(SB), NOSPLIT, $0-8
	LOADTILE1
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	TESTQ  R13, R13
	JZ     store

loop:
	G4Y_BF16
	STEP4x1Y(2)
	ADDQ $16, R12
	CMPQ R12, R13
	JB   loop

store:
	STORE4x1Y
	VZEROUPPER
	RET
