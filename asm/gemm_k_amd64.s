//go:build !noasm

#include "textflag.h"
#include "macros_amd64.h"

// Register-tiled K-quant GEMM for the AVX-512 flavour with VNNI: a block of
// weight rows against eight Q8_K tokens at once (gemm_k_amd64.go).
//
// The loop runs over super-blocks (outer) and rows (inner). Each row's
// super-block is unpacked once into registers (levels L0–L3 in Z10–Z13, the
// sub-block scale words S0–S3 in Z14–Z17, the words that meet the Q8_K
// bsums in Y18) and reused for the eight tokens, whose activations (2.3 KB
// per super-block) stay in L1 while the rows go by. Per token and 64
// elements: VPMADDUBSW (unsigned level × signed y, int16 pairs that cannot
// saturate) and VPDPWSSD (× the sub-block scale into int32 lanes).
//
// The eight tokens' int32 lanes are then summed across by a transpose
// (TRANSPOSE4), so every (row, token) gets its super-block's exact integer
// sums, and the float arithmetic is the generic twin's, in its order:
// sumf += float32(d_w·d_x·isum) (− float32(dmin_w·d_x·summs) for Q4_K),
// eight tokens in the lanes of one vector. The results are bit-identical
// to quant's VecDot. They accumulate in out (rows × 8 float32, zeroed by
// the caller), row r's tokens at out[8r:8r+8].
//
// Tokens c = 0…7 sit xb bytes apart, addressed from DI (token 0 of the
// current super-block) as (DI)(ix) with R9 = 0, R10 = xb, R11 = 3xb,
// R12 = 5xb, R13 = 7xb. Other registers: SI the row's super-block, CX its
// out row, Z0–Z7 the tokens' int32 sums, Z8/Z9 scratch, Z30 the tokens'
// d_x, Z31 = 0x0F bytes.

#define IX0 (R9*1)
#define IX1 (R10*1)
#define IX2 (R10*2)
#define IX3 (R11*1)
#define IX4 (R10*4)
#define IX5 (R12*1)
#define IX6 (R11*2)
#define IX7 (R13*1)

// TOKDOT sets Zc to token c's 256 products of L0–L3 with its activations,
// scaled by S0–S3: low 256 bits and high 256 bits each eight int32 lanes.
#define TOKDOT(ix, zc, t) \
	VPMADDUBSW 4(DI)ix, Z10, t;   \
	VPMADDWD   Z14, t, zc;        \
	VPMADDUBSW 68(DI)ix, Z11, t;  \
	VPDPWSSD   Z15, t, zc;        \
	VPMADDUBSW 132(DI)ix, Z12, t; \
	VPDPWSSD   Z16, t, zc;        \
	VPMADDUBSW 196(DI)ix, Z13, t; \
	VPDPWSSD   Z17, t, zc

// TOKQ4K: TOKDOT, then Zc = [its eight folded sums | the eight
// min_j·(bsum_2j + bsum_2j+1)].
#define TOKQ4K(ix, zc, yc, t, yt) \
	TOKDOT(ix, zc, t);             \
	VEXTRACTI64X4 $1, zc, yt;      \
	VPADDD        yt, yc, yc;      \
	VPMADDWD      260(DI)ix, Y18, yt; \
	VINSERTI64X4  $1, yt, zc, zc

// TOKQ6K: TOKDOT, then Yc = its eight folded sums − Σ 32·sc_j·bsum_j
// (Y18 = 32·sc words), so the eight lanes add up to the exact isum.
#define TOKQ6K(ix, zc, yc, t, yt) \
	TOKDOT(ix, zc, t);             \
	VEXTRACTI64X4 $1, zc, yt;      \
	VPADDD        yt, yc, yc;      \
	VPMADDWD      260(DI)ix, Y18, yt; \
	VPSUBD        yt, yc, yc

// TRANSPOSE4 sets out's 128-bit lane q to [Σ a.q, Σ b.q, Σ c.q, Σ d.q], the
// sums of the four int32s in lane q of each input. Clobbers t0–t2.
#define TRANSPOSE4(a, b, c, d, out, t0, t1, t2) \
	VPUNPCKLDQ  b, a, t0;  \
	VPUNPCKHDQ  b, a, t1;  \
	VPADDD      t1, t0, t0; \
	VPUNPCKLDQ  d, c, t1;  \
	VPUNPCKHDQ  d, c, t2;  \
	VPADDD      t2, t1, t1; \
	VPUNPCKLQDQ t1, t0, t2; \
	VPUNPCKHQDQ t1, t0, t0; \
	VPADDD      t2, t0, out

// TOKSCALES loads the eight tokens' d_x into X8 (tokens 0–3) and X9 (4–7).
#define TOKSCALES \
	VMOVD   0(DI), X8;               \
	VPINSRD $1, 0(DI)IX1, X8, X8;    \
	VPINSRD $2, 0(DI)IX2, X8, X8;    \
	VPINSRD $3, 0(DI)IX3, X8, X8;    \
	VMOVD   0(DI)IX4, X9;            \
	VPINSRD $1, 0(DI)IX5, X9, X9;    \
	VPINSRD $2, 0(DI)IX6, X9, X9;    \
	VPINSRD $3, 0(DI)IX7, X9, X9;    \
	VINSERTI32X4 $1, X9, Y8, Y8

// KGEMMSETUP loads the arguments common to both kernels and the token
// index registers, and keeps in locals: wsb = row 0's current super-block,
// outEnd = the end of out, nbLeft = super-blocks left.
#define KGEMMSETUP \
	MOVQ         xb+32(FP), R10;     \
	LEAQ         (R10)(R10*2), R11;  \
	LEAQ         (R10)(R10*4), R12;  \
	LEAQ         (R11)(R10*4), R13;  \
	XORL         R9, R9;             \
	MOVQ         x+24(FP), DI;       \
	MOVQ         w+0(FP), AX;        \
	MOVQ         AX, wsb-8(SP);      \
	MOVQ         rows+16(FP), AX;    \
	SHLQ         $5, AX;             \
	ADDQ         out+48(FP), AX;     \
	MOVQ         AX, outEnd-16(SP);  \
	MOVQ         nb+40(FP), AX;      \
	MOVQ         AX, nbLeft-24(SP);  \
	MOVL         $0x0F0F0F0F, AX;    \
	VPBROADCASTD AX, Z31

// func gemmQ4_KVNNI8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)
// Q4_K rows against eight Q8_K tokens. Per row and super-block: SCALEMINK4
// (AX, BX, DX, R8, R9), scales as words broadcast per sub-block pair (S_j,
// wordBcast), mins as word pairs (Y18), nibbles masked per 256-bit half
// (K1 = upper words). Z29 = the permutation [0×4, 1×4, 0×4, 1×4] that
// spreads (d, dmin); Z30 = [dx0–3, dx0–3, dx4–7, dx4–7].
TEXT ·gemmQ4_KVNNI8(SB), NOSPLIT, $24-56
	KGEMMSETUP
	MOVL      $0xFFFF0000, AX
	KMOVD     AX, K1
	VMOVDQU32 ·k4Spread(SB), Z29

superblock:
	TOKSCALES
	VSHUFI64X2 $0x50, Z8, Z8, Z30
	MOVQ       wsb-8(SP), SI
	MOVQ       out+48(FP), CX

row:
	// Unpack the row's super-block.
	SCALEMINK4
	XORL            R9, R9
	VMOVQ           AX, X8
	VPMOVZXBW       X8, X8
	VSHUFI64X2      $0, Z8, Z8, Z8
	VPSHUFB         ·wordBcast+0(SB), Z8, Z14
	VPSHUFB         ·wordBcast+64(SB), Z8, Z15
	VPSHUFB         ·wordBcast+128(SB), Z8, Z16
	VPSHUFB         ·wordBcast+192(SB), Z8, Z17
	VMOVQ           BX, X9
	VPUNPCKLBW      X9, X9, X9
	VPMOVZXBW       X9, Y18
	VBROADCASTI64X4 16(SI), Z10
	VPSRLW          $4, Z10, K1, Z10
	VPANDD          Z31, Z10, Z10
	VBROADCASTI64X4 48(SI), Z11
	VPSRLW          $4, Z11, K1, Z11
	VPANDD          Z31, Z11, Z11
	VBROADCASTI64X4 80(SI), Z12
	VPSRLW          $4, Z12, K1, Z12
	VPANDD          Z31, Z12, Z12
	VBROADCASTI64X4 112(SI), Z13
	VPSRLW          $4, Z13, K1, Z13
	VPANDD          Z31, Z13, Z13

	TOKQ4K(IX0, Z0, Y0, Z8, Y8)
	TOKQ4K(IX1, Z1, Y1, Z9, Y9)
	TOKQ4K(IX2, Z2, Y2, Z8, Y8)
	TOKQ4K(IX3, Z3, Y3, Z9, Y9)
	TOKQ4K(IX4, Z4, Y4, Z8, Y8)
	TOKQ4K(IX5, Z5, Y5, Z9, Y9)
	TOKQ4K(IX6, Z6, Y6, Z8, Y8)
	TOKQ4K(IX7, Z7, Y7, Z9, Y9)

	// Z20 = [isum t0–3, summs t0–3, isum t4–7, summs t4–7].
	TRANSPOSE4(Z0, Z1, Z2, Z3, Z20, Z8, Z9, Z21)
	TRANSPOSE4(Z4, Z5, Z6, Z7, Z22, Z8, Z9, Z21)
	VSHUFI64X2 $0x88, Z22, Z20, Z23
	VSHUFI64X2 $0xDD, Z22, Z20, Z24
	VPADDD     Z24, Z23, Z20
	VCVTDQ2PS  Z20, Z20

	// Z19 = [d·dx, dmin·dx] in the same layout; then
	// out += float32(d·dx·isum) − float32(dmin·dx·summs).
	MOVL       0(SI), AX
	VMOVD      AX, X19
	VCVTPH2PS  X19, X19
	VPERMPS    Z19, Z29, Z19
	VMULPS     Z30, Z19, Z19
	VMULPS     Z19, Z20, Z20
	VSHUFF64X2 $0x88, Z20, Z20, Z21
	VSHUFF64X2 $0xDD, Z20, Z20, Z22
	VSUBPS     Y22, Y21, Y21
	VADDPS     (CX), Y21, Y21
	VMOVUPS    Y21, (CX)

	ADDQ rb+8(FP), SI
	ADDQ $32, CX
	CMPQ CX, outEnd-16(SP)
	JNE  row

	ADDQ $292, DI
	ADDQ $144, wsb-8(SP)
	DECQ nbLeft-24(SP)
	JNZ  superblock
	VZEROUPPER
	RET

// Q5KLEVELS sets z to the 64 levels of the 32 bytes at p plus their fifth
// bits (Z25, shifted on). Clobbers K3.
#define Q5KLEVELS(p, z) \
	VBROADCASTI64X4 p, z;           \
	VPSRLW          $4, z, K1, z;   \
	VPANDD          Z31, z, z;      \
	VPTESTMB        Z27, Z25, K3;   \
	VPADDB          Z26, z, K3, z;  \
	VPSRLW          $2, Z25, Z25

// func gemmQ5_KVNNI8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)
// Q5_K rows against eight Q8_K tokens: gemmQ4_KVNNI8 with the fifth bits,
// qh (at 16) in both halves of Z25, tested against Z27 = [0x01 | 0x02]
// bytes and shifted right by 2 per chunk; where set, Z26 = 0x10 is added
// (as dotQ5_KVNNI). Per row and super-block: SCALEMINK4
// (AX, BX, DX, R8, R9), scales as words broadcast per sub-block pair (S_j,
// wordBcast), mins as word pairs (Y18), nibbles masked per 256-bit half
// (K1 = upper words). Z29 = the permutation [0×4, 1×4, 0×4, 1×4] that
// spreads (d, dmin); Z30 = [dx0–3, dx0–3, dx4–7, dx4–7].
TEXT ·gemmQ5_KVNNI8(SB), NOSPLIT, $24-56
	KGEMMSETUP
	MOVL      $0xFFFF0000, AX
	KMOVD     AX, K1
	VMOVDQU32 ·k4Spread(SB), Z29
	MOVL         $0x10101010, AX
	VPBROADCASTD AX, Z26
	MOVL         $0xFF00, AX
	KMOVW        AX, K2
	MOVL         $0x01010101, AX
	VPBROADCASTD AX, Z27
	MOVL         $0x02020202, AX
	VPBROADCASTD AX, K2, Z27

q5superblock:
	TOKSCALES
	VSHUFI64X2 $0x50, Z8, Z8, Z30
	MOVQ       wsb-8(SP), SI
	MOVQ       out+48(FP), CX

q5row:
	// Unpack the row's super-block.
	SCALEMINK4
	XORL            R9, R9
	VMOVQ           AX, X8
	VPMOVZXBW       X8, X8
	VSHUFI64X2      $0, Z8, Z8, Z8
	VPSHUFB         ·wordBcast+0(SB), Z8, Z14
	VPSHUFB         ·wordBcast+64(SB), Z8, Z15
	VPSHUFB         ·wordBcast+128(SB), Z8, Z16
	VPSHUFB         ·wordBcast+192(SB), Z8, Z17
	VMOVQ           BX, X9
	VPUNPCKLBW      X9, X9, X9
	VPMOVZXBW       X9, Y18
	VBROADCASTI64X4 16(SI), Z25
	Q5KLEVELS(48(SI), Z10)
	Q5KLEVELS(80(SI), Z11)
	Q5KLEVELS(112(SI), Z12)
	Q5KLEVELS(144(SI), Z13)

	TOKQ4K(IX0, Z0, Y0, Z8, Y8)
	TOKQ4K(IX1, Z1, Y1, Z9, Y9)
	TOKQ4K(IX2, Z2, Y2, Z8, Y8)
	TOKQ4K(IX3, Z3, Y3, Z9, Y9)
	TOKQ4K(IX4, Z4, Y4, Z8, Y8)
	TOKQ4K(IX5, Z5, Y5, Z9, Y9)
	TOKQ4K(IX6, Z6, Y6, Z8, Y8)
	TOKQ4K(IX7, Z7, Y7, Z9, Y9)

	// Z20 = [isum t0–3, summs t0–3, isum t4–7, summs t4–7].
	TRANSPOSE4(Z0, Z1, Z2, Z3, Z20, Z8, Z9, Z21)
	TRANSPOSE4(Z4, Z5, Z6, Z7, Z22, Z8, Z9, Z21)
	VSHUFI64X2 $0x88, Z22, Z20, Z23
	VSHUFI64X2 $0xDD, Z22, Z20, Z24
	VPADDD     Z24, Z23, Z20
	VCVTDQ2PS  Z20, Z20

	// Z19 = [d·dx, dmin·dx] in the same layout; then
	// out += float32(d·dx·isum) − float32(dmin·dx·summs).
	MOVL       0(SI), AX
	VMOVD      AX, X19
	VCVTPH2PS  X19, X19
	VPERMPS    Z19, Z29, Z19
	VMULPS     Z30, Z19, Z19
	VMULPS     Z19, Z20, Z20
	VSHUFF64X2 $0x88, Z20, Z20, Z21
	VSHUFF64X2 $0xDD, Z20, Z20, Z22
	VSUBPS     Y22, Y21, Y21
	VADDPS     (CX), Y21, Y21
	VMOVUPS    Y21, (CX)

	ADDQ rb+8(FP), SI
	ADDQ $32, CX
	CMPQ CX, outEnd-16(SP)
	JNE  q5row

	ADDQ $292, DI
	ADDQ $176, wsb-8(SP)
	DECQ nbLeft-24(SP)
	JNZ  q5superblock
	VZEROUPPER
	RET

// func gemmQ6_KVNNI8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)
// Q6_K rows against eight Q8_K tokens: levels q+32 (0…63) built from ql
// and qh as in dotQ6_KVNNI, sixteen sub-block scales as words picked per
// 128-bit lane by VPERMW (wordIdx in Z20–Z23), Y18 = 32·scales for the
// offset. Z27 = 0x30 bytes, Z28 = word shift counts [4 | 2], Z29 = [0 | 2],
// K3 = upper words; Y30 = [dx0…dx7].
TEXT ·gemmQ6_KVNNI8(SB), NOSPLIT, $24-56
	KGEMMSETUP
	MOVL         $0x30303030, AX
	VPBROADCASTD AX, Z27
	MOVL         $0xFFFF0000, AX
	KMOVD        AX, K3
	MOVL         $4, AX
	VPBROADCASTW AX, Z28
	MOVL         $2, AX
	VPBROADCASTW AX, K3, Z28
	VPXORD       Z29, Z29, Z29
	VPBROADCASTW AX, K3, Z29
	VMOVDQU32    ·wordIdx+0(SB), Z20
	VMOVDQU32    ·wordIdx+64(SB), Z21
	VMOVDQU32    ·wordIdx+128(SB), Z22
	VMOVDQU32    ·wordIdx+192(SB), Z23

q6superblock:
	TOKSCALES
	VMOVDQU32 Y8, Y30
	MOVQ      wsb-8(SP), SI
	MOVQ      out+48(FP), CX

q6row:
	// Unpack the row's super-block: [q1 | q2], [q3 | q4] of each half.
	VMOVDQU64       0(SI), Z24
	VBROADCASTI64X4 128(SI), Z25
	VPANDD          Z31, Z24, Z10
	VPSLLVW         Z28, Z25, Z26
	VPANDD          Z27, Z26, Z26
	VPORD           Z26, Z10, Z10
	VPSRLW          $4, Z24, Z24
	VPANDD          Z31, Z24, Z11
	VPSRLVW         Z29, Z25, Z26
	VPANDD          Z27, Z26, Z26
	VPORD           Z26, Z11, Z11
	VMOVDQU64       64(SI), Z24
	VBROADCASTI64X4 160(SI), Z25
	VPANDD          Z31, Z24, Z12
	VPSLLVW         Z28, Z25, Z26
	VPANDD          Z27, Z26, Z26
	VPORD           Z26, Z12, Z12
	VPSRLW          $4, Z24, Z24
	VPANDD          Z31, Z24, Z13
	VPSRLVW         Z29, Z25, Z26
	VPANDD          Z27, Z26, Z26
	VPORD           Z26, Z13, Z13
	VPMOVSXBW       192(SI), Y24
	VPERMW          Z24, Z20, Z14
	VPERMW          Z24, Z21, Z15
	VPERMW          Z24, Z22, Z16
	VPERMW          Z24, Z23, Z17
	VPSLLW          $5, Y24, Y18

	TOKQ6K(IX0, Z0, Y0, Z8, Y8)
	TOKQ6K(IX1, Z1, Y1, Z9, Y9)
	TOKQ6K(IX2, Z2, Y2, Z8, Y8)
	TOKQ6K(IX3, Z3, Y3, Z9, Y9)
	TOKQ6K(IX4, Z4, Y4, Z8, Y8)
	TOKQ6K(IX5, Z5, Y5, Z9, Y9)
	TOKQ6K(IX6, Z6, Y6, Z8, Y8)
	TOKQ6K(IX7, Z7, Y7, Z9, Y9)

	// Z0–Z3 = [token c | token c+4]; Y24 = isum t0…t7.
	VINSERTI64X4 $1, Y4, Z0, Z0
	VINSERTI64X4 $1, Y5, Z1, Z1
	VINSERTI64X4 $1, Y6, Z2, Z2
	VINSERTI64X4 $1, Y7, Z3, Z3
	TRANSPOSE4(Z0, Z1, Z2, Z3, Z24, Z8, Z9, Z25)
	VSHUFI64X2   $0x88, Z24, Z24, Z25
	VSHUFI64X2   $0xDD, Z24, Z24, Z26
	VPADDD       Y26, Y25, Y24
	VCVTDQ2PS    Y24, Y24

	// out += float32(d·dx·isum).
	MOVWLZX      208(SI), AX
	VMOVD        AX, X19
	VCVTPH2PS    X19, X19
	VBROADCASTSS X19, Y19
	VMULPS       Y30, Y19, Y19
	VMULPS       Y19, Y24, Y24
	VADDPS       (CX), Y24, Y24
	VMOVUPS      Y24, (CX)

	ADDQ rb+8(FP), SI
	ADDQ $32, CX
	CMPQ CX, outEnd-16(SP)
	JNE  q6row

	ADDQ $292, DI
	ADDQ $210, wsb-8(SP)
	DECQ nbLeft-24(SP)
	JNZ  q6superblock
	VZEROUPPER
	RET

// k4Spread: VPERMPS indexes [0×4, 1×4, 0×4, 1×4], spreading (d, dmin).
DATA ·k4Spread+0(SB)/8, $0x0000000000000000
DATA ·k4Spread+8(SB)/8, $0x0000000000000000
DATA ·k4Spread+16(SB)/8, $0x0000000100000001
DATA ·k4Spread+24(SB)/8, $0x0000000100000001
DATA ·k4Spread+32(SB)/8, $0x0000000000000000
DATA ·k4Spread+40(SB)/8, $0x0000000000000000
DATA ·k4Spread+48(SB)/8, $0x0000000100000001
DATA ·k4Spread+56(SB)/8, $0x0000000100000001
GLOBL ·k4Spread(SB), RODATA|NOPTR, $64

// The AVX2 kernels have sixteen registers: the eight tokens' int32 sums
// stay in Y0–Y7 and each 32-element chunk of a row is unpacked (levels Y8,
// scale words Y9) just before the eight tokens use it. There is no
// VPDPWSSD: VPMADDWD then VPADDD. Y10 is scratch, Y14 the tokens' d_x,
// Y15 = 0x0F bytes; the token index registers as above.

// TOK8 adds to Y0–Y7 the products of levels lv with the 32 activations at
// yo of each token, scaled by the words in sc. Clobbers Y10.
#define TOK8STEP(ix, yc, lv, sc, yo) \
	VPMADDUBSW yo(DI)ix, lv, Y10; \
	VPMADDWD   sc, Y10, Y10;      \
	VPADDD     Y10, yc, yc

#define TOK8(lv, sc, yo) \
	TOK8STEP(IX0, Y0, lv, sc, yo); \
	TOK8STEP(IX1, Y1, lv, sc, yo); \
	TOK8STEP(IX2, Y2, lv, sc, yo); \
	TOK8STEP(IX3, Y3, lv, sc, yo); \
	TOK8STEP(IX4, Y4, lv, sc, yo); \
	TOK8STEP(IX5, Y5, lv, sc, yo); \
	TOK8STEP(IX6, Y6, lv, sc, yo); \
	TOK8STEP(IX7, Y7, lv, sc, yo)

// ZERO8 clears Y0–Y7.
#define ZERO8 \
	VPXOR Y0, Y0, Y0; \
	VPXOR Y1, Y1, Y1; \
	VPXOR Y2, Y2, Y2; \
	VPXOR Y3, Y3, Y3; \
	VPXOR Y4, Y4, Y4; \
	VPXOR Y5, Y5, Y5; \
	VPXOR Y6, Y6, Y6; \
	VPXOR Y7, Y7, Y7

// HSUM8 sets out to [Σ Y0, …, Σ Y7] (the sums of each register's eight
// int32s). Clobbers Y0–Y7.
#define HSUM8(out) \
	VPHADDD    Y1, Y0, Y0;       \
	VPHADDD    Y3, Y2, Y2;       \
	VPHADDD    Y5, Y4, Y4;       \
	VPHADDD    Y7, Y6, Y6;       \
	VPHADDD    Y2, Y0, Y0;       \
	VPHADDD    Y6, Y4, Y4;       \
	VPERM2I128 $0x20, Y4, Y0, Y1; \
	VPERM2I128 $0x31, Y4, Y0, Y2; \
	VPADDD     Y2, Y1, out

// MADD8 sets Yc = the eight int32 pair sums of token c's sixteen bsums
// with the words in w.
#define MADD8(w) \
	VPMADDWD 260(DI)IX0, w, Y0; \
	VPMADDWD 260(DI)IX1, w, Y1; \
	VPMADDWD 260(DI)IX2, w, Y2; \
	VPMADDWD 260(DI)IX3, w, Y3; \
	VPMADDWD 260(DI)IX4, w, Y4; \
	VPMADDWD 260(DI)IX5, w, Y5; \
	VPMADDWD 260(DI)IX6, w, Y6; \
	VPMADDWD 260(DI)IX7, w, Y7

// TOKSCALESAVX2: Y14 = the eight tokens' d_x. Clobbers X8, X9.
#define TOKSCALESAVX2 \
	VMOVD   0(DI), X8;               \
	VPINSRD $1, 0(DI)IX1, X8, X8;    \
	VPINSRD $2, 0(DI)IX2, X8, X8;    \
	VPINSRD $3, 0(DI)IX3, X8, X8;    \
	VMOVD   0(DI)IX4, X9;            \
	VPINSRD $1, 0(DI)IX5, X9, X9;    \
	VPINSRD $2, 0(DI)IX6, X9, X9;    \
	VPINSRD $3, 0(DI)IX7, X9, X9;    \
	VINSERTI128 $1, X9, Y8, Y14

// Q4KCHUNK2: chunk j of a Q4_K row (32 bytes of nibbles at 16+32j(SI),
// sub-blocks 2j and 2j+1) against the eight tokens. Y12 = the eight scale
// words in both lanes. Clobbers Y8, Y9, Y11.
#define Q4KCHUNK2(qo, yo, mo) \
	VMOVDQU qo(SI), Y8;                    \
	VPSRLW  $4, Y8, Y11;                   \
	VPAND   Y15, Y8, Y8;                   \
	VPAND   Y15, Y11, Y11;                 \
	VPSHUFB ·wordBcast+mo(SB), Y12, Y9;    \
	TOK8(Y8, Y9, yo);                      \
	VPSHUFB ·wordBcast+mo+32(SB), Y12, Y9; \
	TOK8(Y11, Y9, yo+32)

// func gemmQ4_KAVX2x8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)
// Q4_K rows against eight Q8_K tokens with AVX2: per row SCALEMINK4, Y12 =
// scale words, Y13 = min word pairs; isum and summs of the eight tokens by
// HSUM8 into Y8 and Y9.
TEXT ·gemmQ4_KAVX2x8(SB), NOSPLIT, $24-56
	MOVQ         xb+32(FP), R10
	LEAQ         (R10)(R10*2), R11
	LEAQ         (R10)(R10*4), R12
	LEAQ         (R11)(R10*4), R13
	MOVQ         x+24(FP), DI
	MOVQ         w+0(FP), AX
	MOVQ         AX, wsb-8(SP)
	MOVQ         rows+16(FP), AX
	SHLQ         $5, AX
	ADDQ         out+48(FP), AX
	MOVQ         AX, outEnd-16(SP)
	MOVQ         nb+40(FP), AX
	MOVQ         AX, nbLeft-24(SP)
	SPLAT4(0x0F0F0F0F, X15, Y15)

a2superblock:
	TOKSCALESAVX2
	MOVQ wsb-8(SP), SI
	MOVQ out+48(FP), CX

a2row:
	SCALEMINK4
	XORL         R9, R9
	VMOVQ        AX, X12
	VPBROADCASTQ X12, X12
	VPMOVZXBW    X12, Y12
	VMOVQ        BX, X13
	VPUNPCKLBW   X13, X13, X13
	VPMOVZXBW    X13, Y13
	ZERO8
	Q4KCHUNK2(16, 4, 0)
	Q4KCHUNK2(48, 68, 64)
	Q4KCHUNK2(80, 132, 128)
	Q4KCHUNK2(112, 196, 192)
	HSUM8(Y8)
	MADD8(Y13)
	HSUM8(Y9)

	// out += float32(d·dx·isum) − float32(dmin·dx·summs).
	VCVTDQ2PS    Y8, Y8
	VCVTDQ2PS    Y9, Y9
	MOVL         0(SI), AX
	VMOVD        AX, X10
	VCVTPH2PS    X10, X10
	VBROADCASTSS X10, Y11
	VMOVSHDUP    X10, X10
	VBROADCASTSS X10, Y12
	VMULPS       Y14, Y11, Y11
	VMULPS       Y14, Y12, Y12
	VMULPS       Y11, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VSUBPS       Y9, Y8, Y8
	VADDPS       (CX), Y8, Y8
	VMOVUPS      Y8, (CX)

	ADDQ rb+8(FP), SI
	ADDQ $32, CX
	CMPQ CX, outEnd-16(SP)
	JNE  a2row

	ADDQ $292, DI
	ADDQ $144, wsb-8(SP)
	DECQ nbLeft-24(SP)
	JNZ  a2superblock
	VZEROUPPER
	RET

// Q5KCHUNK2: Q4KCHUNK2 for Q5_K (nibbles at qo(SI)), adding 16 where bit
// sh (low nibbles) or sh+1 (high nibbles) of the qh byte (at 16(SI)) is
// set. Word shifts by sh ≤ 7 leave bits 0 and 1 of each byte its own.
#define Q5KCHUNK2(qo, yo, mo, sh) \
	VMOVDQU qo(SI), Y8;                    \
	VPSRLW  $4, Y8, Y11;                   \
	VPAND   Y15, Y8, Y8;                   \
	VPAND   Y15, Y11, Y11;                 \
	VMOVDQU 16(SI), Y9;                    \
	VPSRLW  $sh, Y9, Y9;                   \
	VPAND   ·q5One(SB), Y9, Y10;           \
	VPSLLW  $4, Y10, Y10;                  \
	VPOR    Y10, Y8, Y8;                   \
	VPSRLW  $1, Y9, Y9;                    \
	VPAND   ·q5One(SB), Y9, Y9;            \
	VPSLLW  $4, Y9, Y9;                    \
	VPOR    Y9, Y11, Y11;                  \
	VPSHUFB ·wordBcast+mo(SB), Y12, Y9;    \
	TOK8(Y8, Y9, yo);                      \
	VPSHUFB ·wordBcast+mo+32(SB), Y12, Y9; \
	TOK8(Y11, Y9, yo+32)

// func gemmQ5_KAVX2x8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)
// Q5_K rows against eight Q8_K tokens with AVX2 (gemmQ4_KAVX2x8 plus the
// fifth bits, Q5KCHUNK2): per row SCALEMINK4, Y12 =
// scale words, Y13 = min word pairs; isum and summs of the eight tokens by
// HSUM8 into Y8 and Y9.
TEXT ·gemmQ5_KAVX2x8(SB), NOSPLIT, $24-56
	MOVQ         xb+32(FP), R10
	LEAQ         (R10)(R10*2), R11
	LEAQ         (R10)(R10*4), R12
	LEAQ         (R11)(R10*4), R13
	MOVQ         x+24(FP), DI
	MOVQ         w+0(FP), AX
	MOVQ         AX, wsb-8(SP)
	MOVQ         rows+16(FP), AX
	SHLQ         $5, AX
	ADDQ         out+48(FP), AX
	MOVQ         AX, outEnd-16(SP)
	MOVQ         nb+40(FP), AX
	MOVQ         AX, nbLeft-24(SP)
	SPLAT4(0x0F0F0F0F, X15, Y15)

a5superblock:
	TOKSCALESAVX2
	MOVQ wsb-8(SP), SI
	MOVQ out+48(FP), CX

a5row:
	SCALEMINK4
	XORL         R9, R9
	VMOVQ        AX, X12
	VPBROADCASTQ X12, X12
	VPMOVZXBW    X12, Y12
	VMOVQ        BX, X13
	VPUNPCKLBW   X13, X13, X13
	VPMOVZXBW    X13, Y13
	ZERO8
	Q5KCHUNK2(48, 4, 0, 0)
	Q5KCHUNK2(80, 68, 64, 2)
	Q5KCHUNK2(112, 132, 128, 4)
	Q5KCHUNK2(144, 196, 192, 6)
	HSUM8(Y8)
	MADD8(Y13)
	HSUM8(Y9)

	// out += float32(d·dx·isum) − float32(dmin·dx·summs).
	VCVTDQ2PS    Y8, Y8
	VCVTDQ2PS    Y9, Y9
	MOVL         0(SI), AX
	VMOVD        AX, X10
	VCVTPH2PS    X10, X10
	VBROADCASTSS X10, Y11
	VMOVSHDUP    X10, X10
	VBROADCASTSS X10, Y12
	VMULPS       Y14, Y11, Y11
	VMULPS       Y14, Y12, Y12
	VMULPS       Y11, Y8, Y8
	VMULPS       Y12, Y9, Y9
	VSUBPS       Y9, Y8, Y8
	VADDPS       (CX), Y8, Y8
	VMOVUPS      Y8, (CX)

	ADDQ rb+8(FP), SI
	ADDQ $32, CX
	CMPQ CX, outEnd-16(SP)
	JNE  a5row

	ADDQ $292, DI
	ADDQ $176, wsb-8(SP)
	DECQ nbLeft-24(SP)
	JNZ  a5superblock
	VZEROUPPER
	RET

// Q6KCHUNK2: one 32-element chunk of a Q6_K half: levels from lv (built
// by the caller into Y8) with the pair of sub-block scales of pairBcast
// entry mo, against the activations at yo.
#define Q6KCHUNK(yo, mo) \
	VPSHUFB ·pairBcast+mo(SB), Y12, Y9; \
	TOK8(Y8, Y9, yo)

// Q6KHALF8: half n of a Q6_K row (ql at ao, ao+32; qh at ho; scales at
// so; activations from yo) against the eight tokens. Y11 = qh, Y12 = the
// half's eight scale words in both lanes.
#define Q6KHALF8(ao, ho, so, yo) \
	VMOVDQU      ho(SI), Y11;          \
	VPBROADCASTQ so(SI), X12;          \
	VPMOVSXBW    X12, Y12;             \
	VPAND        ao(SI), Y15, Y8;      \
	VPSLLW       $4, Y11, Y10;         \
	VPAND        ·q6High(SB), Y10, Y10; \
	VPOR         Y10, Y8, Y8;          \
	Q6KCHUNK(yo, 0);                   \
	VPAND        ao+32(SI), Y15, Y8;   \
	VPSLLW       $2, Y11, Y10;         \
	VPAND        ·q6High(SB), Y10, Y10; \
	VPOR         Y10, Y8, Y8;          \
	Q6KCHUNK(yo+32, 32);               \
	VMOVDQU      ao(SI), Y8;           \
	VPSRLW       $4, Y8, Y8;           \
	VPAND        Y15, Y8, Y8;          \
	VPAND        ·q6High(SB), Y11, Y10; \
	VPOR         Y10, Y8, Y8;          \
	Q6KCHUNK(yo+64, 64);               \
	VMOVDQU      ao+32(SI), Y8;        \
	VPSRLW       $4, Y8, Y8;           \
	VPAND        Y15, Y8, Y8;          \
	VPSRLW       $2, Y11, Y10;         \
	VPAND        ·q6High(SB), Y10, Y10; \
	VPOR         Y10, Y8, Y8;          \
	Q6KCHUNK(yo+96, 96)

// func gemmQ6_KAVX2x8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)
// Q6_K rows against eight Q8_K tokens with AVX2: Σ sc·q·y with levels
// q+32, then − 32·Σ sc·bsum (Y13 = 32·scales as words) per token, HSUM8.
TEXT ·gemmQ6_KAVX2x8(SB), NOSPLIT, $24-56
	MOVQ         xb+32(FP), R10
	LEAQ         (R10)(R10*2), R11
	LEAQ         (R10)(R10*4), R12
	LEAQ         (R11)(R10*4), R13
	XORL         R9, R9
	MOVQ         x+24(FP), DI
	MOVQ         w+0(FP), AX
	MOVQ         AX, wsb-8(SP)
	MOVQ         rows+16(FP), AX
	SHLQ         $5, AX
	ADDQ         out+48(FP), AX
	MOVQ         AX, outEnd-16(SP)
	MOVQ         nb+40(FP), AX
	MOVQ         AX, nbLeft-24(SP)
	SPLAT4(0x0F0F0F0F, X15, Y15)

a6superblock:
	TOKSCALESAVX2
	MOVQ wsb-8(SP), SI
	MOVQ out+48(FP), CX

a6row:
	ZERO8
	Q6KHALF8(0, 128, 192, 4)
	Q6KHALF8(64, 160, 200, 132)
	VPMOVSXBW 192(SI), Y13
	VPSLLW    $5, Y13, Y13
	VPMADDWD  260(DI)IX0, Y13, Y10
	VPSUBD    Y10, Y0, Y0
	VPMADDWD  260(DI)IX1, Y13, Y10
	VPSUBD    Y10, Y1, Y1
	VPMADDWD  260(DI)IX2, Y13, Y10
	VPSUBD    Y10, Y2, Y2
	VPMADDWD  260(DI)IX3, Y13, Y10
	VPSUBD    Y10, Y3, Y3
	VPMADDWD  260(DI)IX4, Y13, Y10
	VPSUBD    Y10, Y4, Y4
	VPMADDWD  260(DI)IX5, Y13, Y10
	VPSUBD    Y10, Y5, Y5
	VPMADDWD  260(DI)IX6, Y13, Y10
	VPSUBD    Y10, Y6, Y6
	VPMADDWD  260(DI)IX7, Y13, Y10
	VPSUBD    Y10, Y7, Y7
	HSUM8(Y8)

	// out += float32(d·dx·isum).
	VCVTDQ2PS    Y8, Y8
	MOVWLZX      208(SI), AX
	VMOVD        AX, X9
	VCVTPH2PS    X9, X9
	VBROADCASTSS X9, Y9
	VMULPS       Y14, Y9, Y9
	VMULPS       Y9, Y8, Y8
	VADDPS       (CX), Y8, Y8
	VMOVUPS      Y8, (CX)

	ADDQ rb+8(FP), SI
	ADDQ $32, CX
	CMPQ CX, outEnd-16(SP)
	JNE  a6row

	ADDQ $292, DI
	ADDQ $210, wsb-8(SP)
	DECQ nbLeft-24(SP)
	JNZ  a6superblock
	VZEROUPPER
	RET

// q6High: 0x30 bytes, the two high bits of a Q6_K level.
DATA ·q6High+0(SB)/8, $0x3030303030303030
DATA ·q6High+8(SB)/8, $0x3030303030303030
DATA ·q6High+16(SB)/8, $0x3030303030303030
DATA ·q6High+24(SB)/8, $0x3030303030303030
GLOBL ·q6High(SB), RODATA|NOPTR, $32

// Row-interleaved Q4_K GEMM for the AVX-512 flavour with VNNI. Sixteen
// rows are first repacked (repackQ4_K16) so that one 512-bit register holds
// the same four bytes of quants of all sixteen rows, one int32 lane per
// row: VPDPBUSD then multiplies them by four activation bytes broadcast
// from one token (64 products per instruction, nothing to sum across
// lanes), and the sub-block scales, mins and half scales are vectors over
// the rows too.
//
// Packed super-block of sixteen rows (k4PackBytes): quants 32 × 64 bytes
// (dword i of qs for every row: low nibbles are elements 64⌊i/8⌋ + 4(i mod
// 8) + 0…3, high nibbles the same + 32), then sub-block scales 8 × 16
// int32, mins 8 × 16 int32 each as the word pair (m, m), d 16 float32,
// dmin 16 float32.

#define K4P_SC 2048
#define K4P_MP 2560
#define K4P_D 3072
#define K4P_DMIN 3136

// LOADROW sets zr to the 64 bytes at qo of row r (at SI + idx[r], idx at
// R8). Clobbers DX.
#define LOADROW(r, qo, zr) \
	MOVLQSX   (4*r)(R8), DX; \
	VMOVDQU32 qo(SI)(DX*1), zr

// LANES4 stores the four 128-bit-lane transposes of a, b, c, d (rows
// 0–3, 4–7, 8–11, 12–15 of columns 4ℓ+k in lane ℓ): column 4ℓ+k of all
// sixteen rows at so + 64·(4ℓ+k). Clobbers Z28–Z31.
#define LANES4(a, b, c, d, so) \
	VSHUFI32X4 $0x44, b, a, Z28;  \
	VSHUFI32X4 $0xEE, b, a, Z29;  \
	VSHUFI32X4 $0x44, d, c, Z30;  \
	VSHUFI32X4 $0xEE, d, c, Z31;  \
	VSHUFI32X4 $0x88, Z30, Z28, a; \
	VMOVDQU32  a, so(DI);         \
	VSHUFI32X4 $0xDD, Z30, Z28, a; \
	VMOVDQU32  a, so+256(DI);     \
	VSHUFI32X4 $0x88, Z31, Z29, a; \
	VMOVDQU32  a, so+512(DI);     \
	VSHUFI32X4 $0xDD, Z31, Z29, a; \
	VMOVDQU32  a, so+768(DI)

// TRANSPOSE16 writes dword c of the 64 bytes at qo of the sixteen rows
// (c = 0…15) to so + 64·c, all rows together: a 16 × 16 dword transpose
// by dword, qword and 128-bit-lane interleaves. Clobbers Z0–Z31, DX.
#define TRANSPOSE16(qo, so) \
	LOADROW(0, qo, Z0);   \
	LOADROW(1, qo, Z1);   \
	LOADROW(2, qo, Z2);   \
	LOADROW(3, qo, Z3);   \
	LOADROW(4, qo, Z4);   \
	LOADROW(5, qo, Z5);   \
	LOADROW(6, qo, Z6);   \
	LOADROW(7, qo, Z7);   \
	LOADROW(8, qo, Z8);   \
	LOADROW(9, qo, Z9);   \
	LOADROW(10, qo, Z10); \
	LOADROW(11, qo, Z11); \
	LOADROW(12, qo, Z12); \
	LOADROW(13, qo, Z13); \
	LOADROW(14, qo, Z14); \
	LOADROW(15, qo, Z15); \
	VPUNPCKLDQ  Z1, Z0, Z16;   \
	VPUNPCKHDQ  Z1, Z0, Z17;   \
	VPUNPCKLDQ  Z3, Z2, Z18;   \
	VPUNPCKHDQ  Z3, Z2, Z19;   \
	VPUNPCKLDQ  Z5, Z4, Z20;   \
	VPUNPCKHDQ  Z5, Z4, Z21;   \
	VPUNPCKLDQ  Z7, Z6, Z22;   \
	VPUNPCKHDQ  Z7, Z6, Z23;   \
	VPUNPCKLDQ  Z9, Z8, Z24;   \
	VPUNPCKHDQ  Z9, Z8, Z25;   \
	VPUNPCKLDQ  Z11, Z10, Z26; \
	VPUNPCKHDQ  Z11, Z10, Z27; \
	VPUNPCKLDQ  Z13, Z12, Z28; \
	VPUNPCKHDQ  Z13, Z12, Z29; \
	VPUNPCKLDQ  Z15, Z14, Z30; \
	VPUNPCKHDQ  Z15, Z14, Z31; \
	VPUNPCKLQDQ Z18, Z16, Z0;  \
	VPUNPCKHQDQ Z18, Z16, Z1;  \
	VPUNPCKLQDQ Z19, Z17, Z2;  \
	VPUNPCKHQDQ Z19, Z17, Z3;  \
	VPUNPCKLQDQ Z22, Z20, Z4;  \
	VPUNPCKHQDQ Z22, Z20, Z5;  \
	VPUNPCKLQDQ Z23, Z21, Z6;  \
	VPUNPCKHQDQ Z23, Z21, Z7;  \
	VPUNPCKLQDQ Z26, Z24, Z8;  \
	VPUNPCKHQDQ Z26, Z24, Z9;  \
	VPUNPCKLQDQ Z27, Z25, Z10; \
	VPUNPCKHQDQ Z27, Z25, Z11; \
	VPUNPCKLQDQ Z30, Z28, Z12; \
	VPUNPCKHQDQ Z30, Z28, Z13; \
	VPUNPCKLQDQ Z31, Z29, Z14; \
	VPUNPCKHQDQ Z31, Z29, Z15; \
	LANES4(Z0, Z4, Z8, Z12, so+0);   \
	LANES4(Z1, Z5, Z9, Z13, so+64);  \
	LANES4(Z2, Z6, Z10, Z14, so+128); \
	LANES4(Z3, Z7, Z11, Z15, so+192)

// func repackQ4_K16(w *byte, idx *int32, nb int, pack *byte)
// Packs nb super-blocks of the sixteen Q4_K rows at w + idx[r]: the quants
// by two TRANSPOSE16 (loads and shuffles: a gather per dword column costs
// several times more), the 16-byte headers by four gathers. Then Z30 =
// idx, Z31 = 0x0F, Z29 = 0x3F dwords, Z28 = 0x03; gathers into Z0–Z3 (K1
// is set before each: a gather clears it).
TEXT ·repackQ4_K16(SB), NOSPLIT, $0-32
	MOVQ w+0(FP), SI
	MOVQ idx+8(FP), R8
	MOVQ nb+16(FP), CX
	MOVQ pack+24(FP), DI

k4pblock:
	TRANSPOSE16(16, 0)
	TRANSPOSE16(80, 1024)
	VMOVDQU32    (R8), Z30
	MOVL         $0x3F, AX
	VPBROADCASTD AX, Z29
	MOVL         $0x0F, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x03, AX
	VPBROADCASTD AX, Z28

	// d and dmin.
	KXNORW     K1, K1, K1
	VPGATHERDD 0(SI)(Z30*1), K1, Z0
	VPMOVDW    Z0, Y1
	VCVTPH2PS  Y1, Z1
	VMOVUPS    Z1, K4P_D(DI)
	VPSRLD     $16, Z0, Z0
	VPMOVDW    Z0, Y1
	VCVTPH2PS  Y1, Z1
	VMOVUPS    Z1, K4P_DMIN(DI)

	// Z0, Z1, Z2 = scale bytes 0–3, 4–7, 8–11 of each row.
	KXNORW     K1, K1, K1
	VPGATHERDD 4(SI)(Z30*1), K1, Z0
	KXNORW     K1, K1, K1
	VPGATHERDD 8(SI)(Z30*1), K1, Z1
	KXNORW     K1, K1, K1
	VPGATHERDD 12(SI)(Z30*1), K1, Z2

#define K4PLOW(j) \
	VPSRLD    $(8*j), Z0, Z4;           \
	VPANDD    Z29, Z4, Z4;              \
	VMOVDQU32 Z4, (K4P_SC+64*j)(DI);    \
	VPSRLD    $(8*j), Z1, Z5;           \
	VPANDD    Z29, Z5, Z5;              \
	VPSLLD    $16, Z5, Z6;              \
	VPORD     Z6, Z5, Z5;               \
	VMOVDQU32 Z5, (K4P_MP+64*j)(DI)

#define K4PHIGH(j) \
	VPSRLD    $(8*j), Z2, Z4;           \
	VPANDD    Z31, Z4, Z4;              \
	VPSRLD    $(8*j+6), Z0, Z5;         \
	VPANDD    Z28, Z5, Z5;              \
	VPSLLD    $4, Z5, Z5;               \
	VPORD     Z5, Z4, Z4;               \
	VMOVDQU32 Z4, (K4P_SC+256+64*j)(DI); \
	VPSRLD    $(8*j+4), Z2, Z4;         \
	VPANDD    Z31, Z4, Z4;              \
	VPSRLD    $(8*j+6), Z1, Z5;         \
	VPANDD    Z28, Z5, Z5;              \
	VPSLLD    $4, Z5, Z5;               \
	VPORD     Z5, Z4, Z4;               \
	VPSLLD    $16, Z4, Z6;              \
	VPORD     Z6, Z4, Z4;               \
	VMOVDQU32 Z4, (K4P_MP+256+64*j)(DI)

	K4PLOW(0)
	K4PLOW(1)
	K4PLOW(2)
	K4PLOW(3)
	K4PHIGH(0)
	K4PHIGH(1)
	K4PHIGH(2)
	K4PHIGH(3)

	ADDQ $144, SI
	ADDQ $3200, DI
	DECQ CX
	JNZ  k4pblock
	VZEROUPPER
	RET

// K4PSTEP: four elements of sub-blocks 2j (levels Z25) and 2j+1 (Z26) for
// token c: Z(c) and Z(8+c) += levels · the four activation bytes at yo
// broadcast.
#define K4PSTEP(ix, acca, accb, yo) \
	VPDPBUSD.BCST yo(DI)ix, Z25, acca; \
	VPDPBUSD.BCST yo+32(DI)ix, Z26, accb

// K4PQUAD: quants dword s of sub-block pair j (at qo(SI)) for the eight
// tokens, activations from yo.
#define K4PQUAD(qo, yo) \
	VMOVDQU32 qo(SI), Z24;    \
	VPANDD    Z31, Z24, Z25;  \
	VPSRLD    $4, Z24, Z26;   \
	VPANDD    Z31, Z26, Z26;  \
	K4PSTEP(IX0, Z0, Z8, yo); \
	K4PSTEP(IX1, Z1, Z9, yo); \
	K4PSTEP(IX2, Z2, Z10, yo); \
	K4PSTEP(IX3, Z3, Z11, yo); \
	K4PSTEP(IX4, Z4, Z12, yo); \
	K4PSTEP(IX5, Z5, Z13, yo); \
	K4PSTEP(IX6, Z6, Z14, yo); \
	K4PSTEP(IX7, Z7, Z15, yo)

// K4PSCALE: isum_c (Z16+c) += Z(c)·sc_2j + Z(8+c)·sc_2j+1.
#define K4PSCALE1(a, b, s) \
	VPMULLD Z27, a, a; \
	VPMULLD Z28, b, b; \
	VPADDD  a, s, s;   \
	VPADDD  b, s, s

#define K4PPAIR(j) \
	VPXORD  Z0, Z0, Z0;   \
	VPXORD  Z1, Z1, Z1;   \
	VPXORD  Z2, Z2, Z2;   \
	VPXORD  Z3, Z3, Z3;   \
	VPXORD  Z4, Z4, Z4;   \
	VPXORD  Z5, Z5, Z5;   \
	VPXORD  Z6, Z6, Z6;   \
	VPXORD  Z7, Z7, Z7;   \
	VPXORD  Z8, Z8, Z8;   \
	VPXORD  Z9, Z9, Z9;   \
	VPXORD  Z10, Z10, Z10; \
	VPXORD  Z11, Z11, Z11; \
	VPXORD  Z12, Z12, Z12; \
	VPXORD  Z13, Z13, Z13; \
	VPXORD  Z14, Z14, Z14; \
	VPXORD  Z15, Z15, Z15; \
	K4PQUAD(512*j+0, 4+64*j+0);    \
	K4PQUAD(512*j+64, 4+64*j+4);   \
	K4PQUAD(512*j+128, 4+64*j+8);  \
	K4PQUAD(512*j+192, 4+64*j+12); \
	K4PQUAD(512*j+256, 4+64*j+16); \
	K4PQUAD(512*j+320, 4+64*j+20); \
	K4PQUAD(512*j+384, 4+64*j+24); \
	K4PQUAD(512*j+448, 4+64*j+28); \
	VMOVDQU32 (K4P_SC+128*j)(SI), Z27;    \
	VMOVDQU32 (K4P_SC+128*j+64)(SI), Z28; \
	K4PSCALE1(Z0, Z8, Z16);  \
	K4PSCALE1(Z1, Z9, Z17);  \
	K4PSCALE1(Z2, Z10, Z18); \
	K4PSCALE1(Z3, Z11, Z19); \
	K4PSCALE1(Z4, Z12, Z20); \
	K4PSCALE1(Z5, Z13, Z21); \
	K4PSCALE1(Z6, Z14, Z22); \
	K4PSCALE1(Z7, Z15, Z23)

// K4PMINS: summs_c (Z(c)) += mins_j · the bsum pair j of token c.
#define K4PMINS(j) \
	VMOVDQU32     (K4P_MP+64*j)(SI), Z27;    \
	VPDPWSSD.BCST (260+4*j)(DI)IX0, Z27, Z0; \
	VPDPWSSD.BCST (260+4*j)(DI)IX1, Z27, Z1; \
	VPDPWSSD.BCST (260+4*j)(DI)IX2, Z27, Z2; \
	VPDPWSSD.BCST (260+4*j)(DI)IX3, Z27, Z3; \
	VPDPWSSD.BCST (260+4*j)(DI)IX4, Z27, Z4; \
	VPDPWSSD.BCST (260+4*j)(DI)IX5, Z27, Z5; \
	VPDPWSSD.BCST (260+4*j)(DI)IX6, Z27, Z6; \
	VPDPWSSD.BCST (260+4*j)(DI)IX7, Z27, Z7

// K4PFLOAT: out[16c:16c+16] += float32(d·dx·isum) − float32(dmin·dx·summs)
// for token c; Z27 = d, Z28 = dmin of the sixteen rows.
#define K4PFLOAT(ix, summs, isum, oo) \
	VMULPS.BCST 0(DI)ix, Z27, Z29; \
	VMULPS.BCST 0(DI)ix, Z28, Z30; \
	VCVTDQ2PS   isum, isum;        \
	VMULPS      Z29, isum, isum;   \
	VCVTDQ2PS   summs, summs;      \
	VMULPS      Z30, summs, summs; \
	VSUBPS      summs, isum, isum; \
	VADDPS      oo(CX), isum, isum; \
	VMOVUPS     isum, oo(CX)

// func gemmQ4_KPack8(pack *byte, nb int, x *byte, xb int, out *float32)
// Sixteen packed Q4_K rows against eight Q8_K tokens: out[16c + r] += the
// dot product of row r with token c. Z0–Z7 and Z8–Z15 the tokens' sums of
// sub-blocks 2j and 2j+1 (then the min sums), Z16–Z23 their isums, Z24–Z26
// quants, Z27/Z28 scales, Z31 = 0x0F bytes.
TEXT ·gemmQ4_KPack8(SB), NOSPLIT, $0-40
	MOVQ         pack+0(FP), SI
	MOVQ         nb+8(FP), BX
	MOVQ         x+16(FP), DI
	MOVQ         xb+24(FP), R10
	MOVQ         out+32(FP), CX
	LEAQ         (R10)(R10*2), R11
	LEAQ         (R10)(R10*4), R12
	LEAQ         (R11)(R10*4), R13
	XORL         R9, R9
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z31

k4psuper:
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	K4PPAIR(0)
	K4PPAIR(1)
	K4PPAIR(2)
	K4PPAIR(3)
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	K4PMINS(0)
	K4PMINS(1)
	K4PMINS(2)
	K4PMINS(3)
	K4PMINS(4)
	K4PMINS(5)
	K4PMINS(6)
	K4PMINS(7)
	VMOVUPS K4P_D(SI), Z27
	VMOVUPS K4P_DMIN(SI), Z28
	K4PFLOAT(IX0, Z0, Z16, 0)
	K4PFLOAT(IX1, Z1, Z17, 64)
	K4PFLOAT(IX2, Z2, Z18, 128)
	K4PFLOAT(IX3, Z3, Z19, 192)
	K4PFLOAT(IX4, Z4, Z20, 256)
	K4PFLOAT(IX5, Z5, Z21, 320)
	K4PFLOAT(IX6, Z6, Z22, 384)
	K4PFLOAT(IX7, Z7, Z23, 448)

	ADDQ $3200, SI
	ADDQ $292, DI
	DECQ BX
	JNZ  k4psuper
	VZEROUPPER
	RET

// Row-interleaved Q6_K, as the Q4_K kernel above. Packed super-block of
// sixteen rows (k6PackBytes): levels q+32 (0…63) as bytes, 64 bytes per
// sub-block k (16 elements) and step t (elements 16k + 4t + 0…3 of every
// row) at 64·(4k + t); then sixteen sub-block scales as 16 int32 each; then
// eight word pairs (32·sc_2j, 32·sc_2j+1) × 16 rows; then d, 16 float32.

#define K6P_SC 4096
#define K6P_SC32 5120
#define K6P_D 5632

// K6PSTEP unpacks step s = 4h + t of half n for the sixteen rows: ql
// dwords A (at 64n + 4s) and B (+32), qh dword H (at 128 + 32n + 4s) give
// the levels of sub-blocks 8n+h, 8n+2+h, 8n+4+h, 8n+6+h at step t.
// Z31 = 0x0F, Z29 = 0x30 bytes; Z30 the row offsets. Clobbers Z0–Z5, K1.
#define K6PSTEP(ao, ho, o1, o2, o3, o4) \
	KXNORW     K1, K1, K1;            \
	VPGATHERDD ao(SI)(Z30*1), K1, Z0; \
	KXNORW     K1, K1, K1;            \
	VPGATHERDD ao+32(SI)(Z30*1), K1, Z1; \
	KXNORW     K1, K1, K1;            \
	VPGATHERDD ho(SI)(Z30*1), K1, Z2; \
	VPANDD     Z31, Z0, Z3;           \
	VPSLLD     $4, Z2, Z4;            \
	VPANDD     Z29, Z4, Z4;           \
	VPORD      Z4, Z3, Z3;            \
	VMOVDQU32  Z3, o1(DI);            \
	VPANDD     Z31, Z1, Z3;           \
	VPSLLD     $2, Z2, Z4;            \
	VPANDD     Z29, Z4, Z4;           \
	VPORD      Z4, Z3, Z3;            \
	VMOVDQU32  Z3, o2(DI);            \
	VPSRLD     $4, Z0, Z3;            \
	VPANDD     Z31, Z3, Z3;           \
	VPANDD     Z29, Z2, Z4;           \
	VPORD      Z4, Z3, Z3;            \
	VMOVDQU32  Z3, o3(DI);            \
	VPSRLD     $4, Z1, Z3;            \
	VPANDD     Z31, Z3, Z3;           \
	VPSRLD     $2, Z2, Z4;            \
	VPANDD     Z29, Z4, Z4;           \
	VPORD      Z4, Z3, Z3;            \
	VMOVDQU32  Z3, o4(DI)

// K6PHALF: the eight steps of half n (ql at 64n, qh at 128 + 32n; first
// sub-block 8n, so levels at 2048n).
#define K6PHALF(ql, qh, base) \
	K6PSTEP(ql+0, qh+0, base+0, base+512, base+1024, base+1536);      \
	K6PSTEP(ql+4, qh+4, base+64, base+576, base+1088, base+1600);     \
	K6PSTEP(ql+8, qh+8, base+128, base+640, base+1152, base+1664);    \
	K6PSTEP(ql+12, qh+12, base+192, base+704, base+1216, base+1728);  \
	K6PSTEP(ql+16, qh+16, base+256, base+768, base+1280, base+1792);  \
	K6PSTEP(ql+20, qh+20, base+320, base+832, base+1344, base+1856);  \
	K6PSTEP(ql+24, qh+24, base+384, base+896, base+1408, base+1920);  \
	K6PSTEP(ql+28, qh+28, base+448, base+960, base+1472, base+1984)

// K6PSCALE: sub-block 4i+b's scale (byte b of Z(i)) sign-extended to Z5 and
// stored; Z5 kept for the word pairs.
#define K6PSCALE(zi, b, k) \
	VPSLLD    $(24-8*b), zi, Z5; \
	VPSRAD    $24, Z5, Z5;      \
	VMOVDQU32 Z5, (K6P_SC+64*k)(DI)

// K6PPAIR: the word pair (32·sc_2j, 32·sc_2j+1) from the stored scales.
// Z28 = 0xFFFF dwords.
#define K6PPAIR(j) \
	VMOVDQU32 (K6P_SC+128*j)(DI), Z5;    \
	VPSLLD    $5, Z5, Z5;                \
	VPANDD    Z28, Z5, Z5;               \
	VMOVDQU32 (K6P_SC+128*j+64)(DI), Z4; \
	VPSLLD    $21, Z4, Z4;               \
	VPORD     Z4, Z5, Z5;                \
	VMOVDQU32 Z5, (K6P_SC32+64*j)(DI)

// func repackQ6_K16(w *byte, idx *int32, nb int, pack *byte)
// Packs nb super-blocks of the sixteen Q6_K rows at w + idx[r].
TEXT ·repackQ6_K16(SB), NOSPLIT, $0-32
	MOVQ         w+0(FP), SI
	MOVQ         idx+8(FP), AX
	VMOVDQU32    (AX), Z30
	MOVQ         nb+16(FP), CX
	MOVQ         pack+24(FP), DI
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x30303030, AX
	VPBROADCASTD AX, Z29
	MOVL         $0xFFFF, AX
	VPBROADCASTD AX, Z28

k6pblock:
	K6PHALF(0, 128, 0)
	K6PHALF(64, 160, 2048)
	KXNORW     K1, K1, K1
	VPGATHERDD 192(SI)(Z30*1), K1, Z6
	KXNORW     K1, K1, K1
	VPGATHERDD 196(SI)(Z30*1), K1, Z7
	KXNORW     K1, K1, K1
	VPGATHERDD 200(SI)(Z30*1), K1, Z8
	KXNORW     K1, K1, K1
	VPGATHERDD 204(SI)(Z30*1), K1, Z9
	K6PSCALE(Z6, 0, 0)
	K6PSCALE(Z6, 1, 1)
	K6PSCALE(Z6, 2, 2)
	K6PSCALE(Z6, 3, 3)
	K6PSCALE(Z7, 0, 4)
	K6PSCALE(Z7, 1, 5)
	K6PSCALE(Z7, 2, 6)
	K6PSCALE(Z7, 3, 7)
	K6PSCALE(Z8, 0, 8)
	K6PSCALE(Z8, 1, 9)
	K6PSCALE(Z8, 2, 10)
	K6PSCALE(Z8, 3, 11)
	K6PSCALE(Z9, 0, 12)
	K6PSCALE(Z9, 1, 13)
	K6PSCALE(Z9, 2, 14)
	K6PSCALE(Z9, 3, 15)
	K6PPAIR(0)
	K6PPAIR(1)
	K6PPAIR(2)
	K6PPAIR(3)
	K6PPAIR(4)
	K6PPAIR(5)
	K6PPAIR(6)
	K6PPAIR(7)

	// d: the high half of the dword at 206 (not past the block's end).
	KXNORW     K1, K1, K1
	VPGATHERDD 206(SI)(Z30*1), K1, Z0
	VPSRLD     $16, Z0, Z0
	VPMOVDW    Z0, Y1
	VCVTPH2PS  Y1, Z1
	VMOVUPS    Z1, K6P_D(DI)

	ADDQ $210, SI
	ADDQ $5696, DI
	DECQ CX
	JNZ  k6pblock
	VZEROUPPER
	RET

// K6PQUAD: step t of sub-blocks 2g (levels at lo(SI)) and 2g+1 (at
// lo+256) for the eight tokens, activations from yo (and yo+16).
#define K6PSTEP8(ix, acca, accb, yo) \
	VPDPBUSD.BCST yo(DI)ix, Z25, acca; \
	VPDPBUSD.BCST yo+16(DI)ix, Z26, accb

#define K6PQUAD(lo, yo) \
	VMOVDQU32 lo(SI), Z25;      \
	VMOVDQU32 lo+256(SI), Z26;  \
	K6PSTEP8(IX0, Z0, Z8, yo);  \
	K6PSTEP8(IX1, Z1, Z9, yo);  \
	K6PSTEP8(IX2, Z2, Z10, yo); \
	K6PSTEP8(IX3, Z3, Z11, yo); \
	K6PSTEP8(IX4, Z4, Z12, yo); \
	K6PSTEP8(IX5, Z5, Z13, yo); \
	K6PSTEP8(IX6, Z6, Z14, yo); \
	K6PSTEP8(IX7, Z7, Z15, yo)

// K6PGROUP: sub-blocks 2g and 2g+1 (elements 32g…32g+31).
#define K6PGROUP(g) \
	VPXORD  Z0, Z0, Z0;   \
	VPXORD  Z1, Z1, Z1;   \
	VPXORD  Z2, Z2, Z2;   \
	VPXORD  Z3, Z3, Z3;   \
	VPXORD  Z4, Z4, Z4;   \
	VPXORD  Z5, Z5, Z5;   \
	VPXORD  Z6, Z6, Z6;   \
	VPXORD  Z7, Z7, Z7;   \
	VPXORD  Z8, Z8, Z8;   \
	VPXORD  Z9, Z9, Z9;   \
	VPXORD  Z10, Z10, Z10; \
	VPXORD  Z11, Z11, Z11; \
	VPXORD  Z12, Z12, Z12; \
	VPXORD  Z13, Z13, Z13; \
	VPXORD  Z14, Z14, Z14; \
	VPXORD  Z15, Z15, Z15; \
	K6PQUAD(512*g+0, 4+32*g+0);   \
	K6PQUAD(512*g+64, 4+32*g+4);  \
	K6PQUAD(512*g+128, 4+32*g+8); \
	K6PQUAD(512*g+192, 4+32*g+12); \
	VMOVDQU32 (K6P_SC+128*g)(SI), Z27;    \
	VMOVDQU32 (K6P_SC+128*g+64)(SI), Z28; \
	K4PSCALE1(Z0, Z8, Z16);  \
	K4PSCALE1(Z1, Z9, Z17);  \
	K4PSCALE1(Z2, Z10, Z18); \
	K4PSCALE1(Z3, Z11, Z19); \
	K4PSCALE1(Z4, Z12, Z20); \
	K4PSCALE1(Z5, Z13, Z21); \
	K4PSCALE1(Z6, Z14, Z22); \
	K4PSCALE1(Z7, Z15, Z23)

// K6PCORR: Z(c) += (32·sc_2j, 32·sc_2j+1) · token c's bsum pair j.
#define K6PCORR(j) \
	VMOVDQU32     (K6P_SC32+64*j)(SI), Z27;  \
	VPDPWSSD.BCST (260+4*j)(DI)IX0, Z27, Z0; \
	VPDPWSSD.BCST (260+4*j)(DI)IX1, Z27, Z1; \
	VPDPWSSD.BCST (260+4*j)(DI)IX2, Z27, Z2; \
	VPDPWSSD.BCST (260+4*j)(DI)IX3, Z27, Z3; \
	VPDPWSSD.BCST (260+4*j)(DI)IX4, Z27, Z4; \
	VPDPWSSD.BCST (260+4*j)(DI)IX5, Z27, Z5; \
	VPDPWSSD.BCST (260+4*j)(DI)IX6, Z27, Z6; \
	VPDPWSSD.BCST (260+4*j)(DI)IX7, Z27, Z7

// K6PFLOAT: out[16c:16c+16] += float32(d·dx·(isum − corr)) for token c.
#define K6PFLOAT(ix, corr, isum, oo) \
	VMULPS.BCST 0(DI)ix, Z27, Z29; \
	VPSUBD      corr, isum, isum;  \
	VCVTDQ2PS   isum, isum;        \
	VMULPS      Z29, isum, isum;   \
	VADDPS      oo(CX), isum, isum; \
	VMOVUPS     isum, oo(CX)

// func gemmQ6_KPack8(pack *byte, nb int, x *byte, xb int, out *float32)
// Sixteen packed Q6_K rows against eight Q8_K tokens: out[16c + r] += the
// dot product of row r with token c. Registers as gemmQ4_KPack8.
TEXT ·gemmQ6_KPack8(SB), NOSPLIT, $0-40
	MOVQ pack+0(FP), SI
	MOVQ nb+8(FP), BX
	MOVQ x+16(FP), DI
	MOVQ xb+24(FP), R10
	MOVQ out+32(FP), CX
	LEAQ (R10)(R10*2), R11
	LEAQ (R10)(R10*4), R12
	LEAQ (R11)(R10*4), R13
	XORL R9, R9

k6psuper:
	VPXORD Z16, Z16, Z16
	VPXORD Z17, Z17, Z17
	VPXORD Z18, Z18, Z18
	VPXORD Z19, Z19, Z19
	VPXORD Z20, Z20, Z20
	VPXORD Z21, Z21, Z21
	VPXORD Z22, Z22, Z22
	VPXORD Z23, Z23, Z23
	K6PGROUP(0)
	K6PGROUP(1)
	K6PGROUP(2)
	K6PGROUP(3)
	K6PGROUP(4)
	K6PGROUP(5)
	K6PGROUP(6)
	K6PGROUP(7)
	VPXORD Z0, Z0, Z0
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	VPXORD Z3, Z3, Z3
	VPXORD Z4, Z4, Z4
	VPXORD Z5, Z5, Z5
	VPXORD Z6, Z6, Z6
	VPXORD Z7, Z7, Z7
	K6PCORR(0)
	K6PCORR(1)
	K6PCORR(2)
	K6PCORR(3)
	K6PCORR(4)
	K6PCORR(5)
	K6PCORR(6)
	K6PCORR(7)
	VMOVUPS K6P_D(SI), Z27
	K6PFLOAT(IX0, Z0, Z16, 0)
	K6PFLOAT(IX1, Z1, Z17, 64)
	K6PFLOAT(IX2, Z2, Z18, 128)
	K6PFLOAT(IX3, Z3, Z19, 192)
	K6PFLOAT(IX4, Z4, Z20, 256)
	K6PFLOAT(IX5, Z5, Z21, 320)
	K6PFLOAT(IX6, Z6, Z22, 384)
	K6PFLOAT(IX7, Z7, Z23, 448)

	ADDQ $5696, SI
	ADDQ $292, DI
	DECQ BX
	JNZ  k6psuper
	VZEROUPPER
	RET

// q5One: 0x01 bytes, a Q5_K fifth bit.
DATA ·q5One+0(SB)/8, $0x0101010101010101
DATA ·q5One+8(SB)/8, $0x0101010101010101
DATA ·q5One+16(SB)/8, $0x0101010101010101
DATA ·q5One+24(SB)/8, $0x0101010101010101
GLOBL ·q5One(SB), RODATA|NOPTR, $32

// func prefetchL2(p unsafe.Pointer, n int)
// PREFETCHT1 (into L2) of the n/64 cache lines from p. Prefetches never
// fault, so p may run past the data.
TEXT ·prefetchL2(SB), NOSPLIT, $0-16
	MOVQ p+0(FP), SI
	MOVQ n+8(FP), CX
	SHRQ $6, CX
	JZ   pfdone

pfloop:
	PREFETCHT1 (SI)
	ADDQ       $64, SI
	DECQ       CX
	JNZ        pfloop

pfdone:
	RET
