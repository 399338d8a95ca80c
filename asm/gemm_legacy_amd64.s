//go:build !noasm

#include "textflag.h"

// Register-tiled GEMM for the 32-element block types on AVX-512 VNNI
// (gemm_legacy_amd64.go drives them). A block of up to 16 weight rows is
// first repacked so that one 512-bit register holds the same four
// consecutive quants of all 16 rows (one dword lane per row, in the order
// of TRANSPOSE4; the results are put back in row order when stored): eight such
// registers W0..W7 cover a 32-element block, followed by the 16 rows'
// scales as float32. The activations of the token block are copied block
// by block (32 quant bytes per token, tokens adjacent) with, per token and
// block, −off·Σx (int32) and d_x (float32).
//
// The tile kernel then needs no horizontal sums: for each token c and
// block b, acc = −off·Σx + Σ_g VPDPBUSD(W_g, broadcast(x dword g)) holds
// the exact integer block dot of every row (weights made unsigned by +off:
// 8 for Q4_0's nibbles, 128 for Q8_0's signed bytes), and
// facc_c += float(acc) · (d_w · d_x) over the 16 row lanes.

// Pack layout per 32-element block: W0..W7 (8×64 bytes), d_w (64 bytes);
// for Q4_1/Q5_1 also m_w (64 bytes).
#define PACKBLOCK 576
#define PACKMINBLOCK 640

// The macros that read arguments come first: go vet checks FP references
// against the function above them.

// PACKEDGEMV(LOADW, pb, scales, lg, lb): the body of a packed GEMV:
// for each of groups 16-row groups (pb·nb bytes each), over nb blocks,
// f += float(−off·Σx + Σ_g W_g·x_g) · (d_w · d_x) exactly as the tile
// kernel's TOKEN does for one token, then the 16 sums in row order to
// dst. The integer dot runs as two chains (Z9, Z10) to halve its latency.
// Registers: SI = packed block, DI = the token's quants (xp), R8 = its
// (−off·Σx, d_x) entries (xs), CX = blocks left, BX = groups left,
// DX = dst, Z14 = 0x0F bytes, Z11 = tiledPerm.
#define PACKEDGEMV(LOADW, pb, scales, lg, lb) \
	MOVQ         w+0(FP), SI;        \
	MOVQ         groups+32(FP), BX;  \
	MOVQ         dst+40(FP), DX;     \
	MOVL         $0x0F0F0F0F, AX;    \
	VPBROADCASTD AX, Z14;            \
	VMOVDQU32    tiledPerm<>(SB), Z11; \
lg:                                  \
	MOVQ   xp+16(FP), DI;            \
	MOVQ   xs+24(FP), R8;            \
	MOVQ   nb+8(FP), CX;             \
	VPXORD Z0, Z0, Z0;               \
lb:                                  \
	LOADW;                           \
	VPBROADCASTD  0(R8), Z9;         \
	VPXORD        Z10, Z10, Z10;     \
	VPDPBUSD.BCST 0(DI), Z16, Z9;    \
	VPDPBUSD.BCST 4(DI), Z17, Z10;   \
	VPDPBUSD.BCST 8(DI), Z18, Z9;    \
	VPDPBUSD.BCST 12(DI), Z19, Z10;  \
	VPDPBUSD.BCST 16(DI), Z20, Z9;   \
	VPDPBUSD.BCST 20(DI), Z21, Z10;  \
	VPDPBUSD.BCST 24(DI), Z22, Z9;   \
	VPDPBUSD.BCST 28(DI), Z23, Z10;  \
	VPADDD        Z10, Z9, Z9;       \
	VCVTDQ2PS     Z9, Z9;            \
	VCVTPH2PS     scales(SI), Z8;    \
	VMULPS.BCST   4(R8), Z8, Z8;     \
	VFMADD231PS   Z8, Z9, Z0;        \
	ADDQ          $pb, SI;           \
	ADDQ          $32, DI;           \
	ADDQ          $8, R8;            \
	DECQ          CX;                \
	JNZ           lb;                \
	VPERMPS       Z0, Z11, Z0;       \
	VMOVUPS       Z0, (DX);          \
	ADDQ          $64, DX;           \
	DECQ          BX;                \
	JNZ           lg;                \
	VZEROUPPER;                      \
	RET

// GEMM16(LOADW, TOKEN, pb, labels…): the tile kernel body:
// dst[c·ldd + r] = Σ_b (row r of block b)·(token c of block b) for
// r < rows (≤ 16) and c < toks, eight tokens at a time in Z16..Z23, then
// one at a time in Z16; packed blocks pb bytes apart.
// Registers: SI = packed block, DI = the tile's activation copies of that
// block, R8 = their xs entries, CX = blocks left, BX = tokens left, DX =
// dst row of the tile's first token, R9/R10 = the per-block strides of
// xp/xs, R11 = ldd in bytes, R12/R13 = the tile's xp/xs start, K1 = the
// rows to store.
#define GEMM16(LOADW, TOKEN, pb, l8, b8, tl, l1, b1, dn) \
	MOVQ  toks+32(FP), BX;   \
	MOVQ  xp+16(FP), R12;    \
	MOVQ  xs+24(FP), R13;    \
	MOVQ  dst+40(FP), DX;    \
	MOVQ  ldd+48(FP), R11;   \
	SHLQ  $2, R11;           \
	MOVQ  rows+56(FP), CX;   \
	MOVL  $1, AX;            \
	SHLL  CX, AX;            \
	DECL  AX;                \
	KMOVW AX, K1;            \
	VMOVDQU32 tiledPerm<>(SB), Z11; \
	MOVQ  BX, R9;            \
	SHLQ  $5, R9;            \
	MOVQ  BX, R10;           \
	SHLQ  $3, R10;           \
	CMPQ  BX, $8;            \
	JLT   tl;                \
l8:                          \
	VPXORD Z16, Z16, Z16;    \
	VPXORD Z17, Z17, Z17;    \
	VPXORD Z18, Z18, Z18;    \
	VPXORD Z19, Z19, Z19;    \
	VPXORD Z20, Z20, Z20;    \
	VPXORD Z21, Z21, Z21;    \
	VPXORD Z22, Z22, Z22;    \
	VPXORD Z23, Z23, Z23;    \
	MOVQ   pack+0(FP), SI;   \
	MOVQ   R12, DI;          \
	MOVQ   R13, R8;          \
	MOVQ   nb+8(FP), CX;     \
b8:                          \
	LOADW;                   \
	TOKEN(0, Z16);           \
	TOKEN(1, Z17);           \
	TOKEN(2, Z18);           \
	TOKEN(3, Z19);           \
	TOKEN(4, Z20);           \
	TOKEN(5, Z21);           \
	TOKEN(6, Z22);           \
	TOKEN(7, Z23);           \
	ADDQ $pb, SI;            \
	ADDQ R9, DI;             \
	ADDQ R10, R8;            \
	DECQ CX;                 \
	JNZ  b8;                 \
	STORE16(Z16);            \
	STORE16(Z17);            \
	STORE16(Z18);            \
	STORE16(Z19);            \
	STORE16(Z20);            \
	STORE16(Z21);            \
	STORE16(Z22);            \
	STORE16(Z23);            \
	ADDQ $(8*32), R12;       \
	ADDQ $(8*8), R13;        \
	SUBQ $8, BX;             \
	CMPQ BX, $8;             \
	JGE  l8;                 \
tl:                          \
	TESTQ BX, BX;            \
	JZ    dn;                \
l1:                          \
	VPXORD Z16, Z16, Z16;    \
	MOVQ   pack+0(FP), SI;   \
	MOVQ   R12, DI;          \
	MOVQ   R13, R8;          \
	MOVQ   nb+8(FP), CX;     \
b1:                          \
	LOADW;                   \
	TOKEN(0, Z16);           \
	ADDQ $pb, SI;            \
	ADDQ R9, DI;             \
	ADDQ R10, R8;            \
	DECQ CX;                 \
	JNZ  b1;                 \
	STORE16(Z16);            \
	ADDQ $32, R12;           \
	ADDQ $8, R13;            \
	DECQ BX;                 \
	JNZ  l1;                 \
dn:                          \
	VZEROUPPER;              \
	RET

// REPACK2START: SI, R8, R9, R10 = rows 0, 2, 4, 6; AX = rb; CX = blocks;
// DI = pack; Y15 = the scale offsets.
#define REPACK2START \
	MOVQ    w+0(FP), SI;      \
	MOVQ    rb+8(FP), AX;     \
	MOVQ    idx+16(FP), DX;   \
	MOVQ    nb+24(FP), CX;    \
	MOVQ    pack+32(FP), DI;  \
	VMOVDQU (DX), Y15;        \
	LEAQ    (SI)(AX*2), R8;   \
	LEAQ    (R8)(AX*2), R9;   \
	LEAQ    (R9)(AX*2), R10

// GEMM2(LOADW, TOK, labels...): the AVX2 tile kernel body, four tokens
// at a time in Y9..Y12, then one at a time in Y9. Registers as
// gemmTileVNNI; AX = the row mask's address in rowMask.
#define GEMM2(LOADW, TOK, l4, b4, tl, l1, b1, dn) \
	MOVQ  toks+32(FP), BX;  \
	MOVQ  xp+16(FP), R12;   \
	MOVQ  xs+24(FP), R13;   \
	MOVQ  dst+40(FP), DX;   \
	MOVQ  ldd+48(FP), R11;  \
	SHLQ  $2, R11;          \
	MOVQ  BX, R9;           \
	SHLQ  $5, R9;           \
	MOVQ  BX, R10;          \
	SHLQ  $3, R10;          \
	MOVQ  rows+56(FP), CX;  \
	SHLQ  $2, CX;           \
	LEAQ  rowMask<>+32(SB), AX; \
	SUBQ  CX, AX;           \
	CMPQ  BX, $4;           \
	JLT   tl;               \
l4:                         \
	VXORPS Y9, Y9, Y9;      \
	VXORPS Y10, Y10, Y10;   \
	VXORPS Y11, Y11, Y11;   \
	VXORPS Y12, Y12, Y12;   \
	MOVQ   pack+0(FP), SI;  \
	MOVQ   R12, DI;         \
	MOVQ   R13, R8;         \
	MOVQ   nb+8(FP), CX;    \
b4:                         \
	LOADW;                  \
	TOK(0, Y9);             \
	TOK(1, Y10);            \
	TOK(2, Y11);            \
	TOK(3, Y12);            \
	ADDQ $PACK2BLOCK, SI;   \
	ADDQ R9, DI;            \
	ADDQ R10, R8;           \
	DECQ CX;                \
	JNZ  b4;                \
	VMOVDQU tiledPerm2<>(SB), Y15; \
	VMOVDQU (AX), Y14;      \
	STORE8(Y9);             \
	STORE8(Y10);            \
	STORE8(Y11);            \
	STORE8(Y12);            \
	ADDQ $(4*32), R12;      \
	ADDQ $(4*8), R13;       \
	SUBQ $4, BX;            \
	CMPQ BX, $4;            \
	JGE  l4;                \
tl:                         \
	TESTQ BX, BX;           \
	JZ    dn;               \
l1:                         \
	VXORPS Y9, Y9, Y9;      \
	MOVQ   pack+0(FP), SI;  \
	MOVQ   R12, DI;         \
	MOVQ   R13, R8;         \
	MOVQ   nb+8(FP), CX;    \
b1:                         \
	LOADW;                  \
	TOK(0, Y9);             \
	ADDQ $PACK2BLOCK, SI;   \
	ADDQ R9, DI;            \
	ADDQ R10, R8;           \
	DECQ CX;                \
	JNZ  b1;                \
	VMOVDQU tiledPerm2<>(SB), Y15; \
	VMOVDQU (AX), Y14;      \
	STORE8(Y9);             \
	ADDQ $32, R12;          \
	ADDQ $8, R13;           \
	DECQ BX;                \
	JNZ  l1;                \
dn:                         \
	VZEROUPPER;             \
	RET

// ROWS4(off, P, z, zx): z = the 16 bytes at off of rows P, P+rb, P+2rb,
// P+3rb (AX = rb, BX = 3·rb), one row per 128-bit lane.
#define ROWS4(off, P, z, zx) \
	VMOVDQU      off(P), zx;                \
	VINSERTI32X4 $1, off(P)(AX*1), z, z;    \
	VINSERTI32X4 $2, off(P)(AX*2), z, z;    \
	VINSERTI32X4 $3, off(P)(BX*1), z, z

// ROWS16(off): Z0..Z3 = the 16 bytes at off of rows 0-3, 4-7, 8-11, 12-15.
#define ROWS16(off) \
	ROWS4(off, SI, Z0, X0);  \
	ROWS4(off, R8, Z1, X1);  \
	ROWS4(off, R9, Z2, X2);  \
	ROWS4(off, R10, Z3, X3)

// TRANSPOSE4 turns Z0..Z3 (dword k of row 4i+j at lane 4j+k of Zi) into
// t0..t3 (dword g of row 4i+j at lane 4j+i of tg), 4×4 transposes within
// 128-bit lanes. Clobbers Z4..Z7.
#define TRANSPOSE4(t0, t1, t2, t3) \
	VPUNPCKLDQ  Z1, Z0, Z4; \
	VPUNPCKHDQ  Z1, Z0, Z5; \
	VPUNPCKLDQ  Z3, Z2, Z6; \
	VPUNPCKHDQ  Z3, Z2, Z7; \
	VPUNPCKLQDQ Z6, Z4, t0; \
	VPUNPCKHQDQ Z6, Z4, t1; \
	VPUNPCKLQDQ Z7, Z5, t2; \
	VPUNPCKHQDQ Z7, Z5, t3

// REPACKSTART loads the arguments: SI, R8, R9, R10 = rows 0, 4, 8, 12,
// AX = rb, BX = 3·rb, CX = blocks, DI = pack, Z15 = the rows' offsets
// (lane order of TRANSPOSE4) for the scale gather.
#define REPACKSTART \
	MOVQ      w+0(FP), SI;    \
	MOVQ      rb+8(FP), AX;   \
	MOVQ      idx+16(FP), DX; \
	MOVQ      nb+24(FP), CX;  \
	MOVQ      pack+32(FP), DI; \
	VMOVDQU32 (DX), Z15;      \
	LEAQ      (AX)(AX*2), BX; \
	LEAQ      (SI)(AX*4), R8; \
	LEAQ      (R8)(AX*4), R9; \
	LEAQ      (R9)(AX*4), R10

// SCALES16 gathers the 16 rows' f16 scales at offset 0, in the lane order
// of TRANSPOSE4, as float32 into Z8.
#define SCALES16 \
	KXNORW     K1, K1, K1;             \
	VPGATHERDD 0(SI)(Z15*1), K1, Z8;   \
	VPMOVDW    Z8, Y8;                 \
	VCVTPH2PS  Y8, Z8

// STOREPACK stores W0..W7 from Z16..Z23 and d_w from Z8.
#define STOREPACK \
	VMOVDQU32 Z16, 0(DI);   \
	VMOVDQU32 Z17, 64(DI);  \
	VMOVDQU32 Z18, 128(DI); \
	VMOVDQU32 Z19, 192(DI); \
	VMOVDQU32 Z20, 256(DI); \
	VMOVDQU32 Z21, 320(DI); \
	VMOVDQU32 Z22, 384(DI); \
	VMOVDQU32 Z23, 448(DI); \
	VMOVUPS   Z8, 512(DI)

// NEXTBLOCK advances the four row pointers by one weight block of bytes
// bb and the pack by one packed block.
#define NEXTBLOCK(bb) \
	ADDQ $bb, SI;          \
	ADDQ $bb, R8;          \
	ADDQ $bb, R9;          \
	ADDQ $bb, R10;         \
	ADDQ $PACKBLOCK, DI

// SPLIT16 splits the transposed qs dwords in Z16..Z19 into the nibbles
// W0..W3 (low: elements 0..15) in Z16..Z19 and W4..W7 (high: 16..31) in
// Z20..Z23. Z14 = 0x0F bytes.
#define SPLIT16 \
	VPSRLD $4, Z16, Z20;  \
	VPSRLD $4, Z17, Z21;  \
	VPSRLD $4, Z18, Z22;  \
	VPSRLD $4, Z19, Z23;  \
	VPANDD Z14, Z16, Z16; \
	VPANDD Z14, Z17, Z17; \
	VPANDD Z14, Z18, Z18; \
	VPANDD Z14, Z19, Z19; \
	VPANDD Z14, Z20, Z20; \
	VPANDD Z14, Z21, Z21; \
	VPANDD Z14, Z22, Z22; \
	VPANDD Z14, Z23, Z23

// func repackQ4_0VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)
// Repacks nb blocks of 16 Q4_0 rows (rb bytes apart; idx = their offsets
// in TRANSPOSE4's lane order): unsigned nibbles, offset 8.
TEXT ·repackQ4_0VNNI(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL         $0x0F0F0F0F, DX
	VPBROADCASTD DX, Z14

repack40:
	ROWS16(2)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	SCALES16
	SPLIT16
	STOREPACK
	NEXTBLOCK(18)
	DECQ        CX
	JNZ         repack40
	VZEROUPPER
	RET

// func repackIQ4_NLVNNI(w *byte, rb int, idx *int32, nb int, pack *byte)
// As repackQ4_0VNNI, the nibbles looked up as IQ4_NL levels + 128
// (iq4ULevels in Z13): offset 128.
TEXT ·repackIQ4_NLVNNI(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL            $0x0F0F0F0F, DX
	VPBROADCASTD    DX, Z14
	VBROADCASTI32X4 ·iq4ULevels(SB), Z13

repackIQ4:
	ROWS16(2)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	SCALES16
	SPLIT16
	VPSHUFB     Z16, Z13, Z16
	VPSHUFB     Z17, Z13, Z17
	VPSHUFB     Z18, Z13, Z18
	VPSHUFB     Z19, Z13, Z19
	VPSHUFB     Z20, Z13, Z20
	VPSHUFB     Z21, Z13, Z21
	VPSHUFB     Z22, Z13, Z22
	VPSHUFB     Z23, Z13, Z23
	STOREPACK
	NEXTBLOCK(18)
	DECQ        CX
	JNZ         repackIQ4
	VZEROUPPER
	RET

// q5Spread: VPSHUFB controls that copy byte b of every dword to its four
// bytes, for b = 0, 1, 2, 3 (16 bytes each, broadcast per 128-bit lane).
DATA q5Spread<>+0(SB)/8, $0x0404040400000000
DATA q5Spread<>+8(SB)/8, $0x0c0c0c0c08080808
DATA q5Spread<>+16(SB)/8, $0x0505050501010101
DATA q5Spread<>+24(SB)/8, $0x0d0d0d0d09090909
DATA q5Spread<>+32(SB)/8, $0x0606060602020202
DATA q5Spread<>+40(SB)/8, $0x0e0e0e0e0a0a0a0a
DATA q5Spread<>+48(SB)/8, $0x0707070703030303
DATA q5Spread<>+56(SB)/8, $0x0f0f0f0f0b0b0b0b
GLOBL q5Spread<>(SB), RODATA|NOPTR, $64

// FIFTH(w, spread, bits): adds 16 to the bytes of w whose fifth bit is
// set: qh (Z12) byte `spread` copied over each dword, tested against the
// byte bits 1, 2, 4, 8 (bits = Z10) or 16…128 (Z11). Z13 = 0x10 bytes.
#define FIFTH(w, spread, bits) \
	VPSHUFB  spread, Z12, Z9;   \
	VPTESTMB bits, Z9, K2;      \
	VPADDB   Z13, w, K2, w

// func repackQ5_0VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)
// 16 Q5_0 rows: the nibbles of qs (offset 6) plus 16 where qh's bit for
// the element is set (elements 4g+k of W_g ↔ qh bit 4g+k), offset 16.
TEXT ·repackQ5_0VNNI(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL            $0x0F0F0F0F, DX
	VPBROADCASTD    DX, Z14
	MOVL            $0x10101010, DX
	VPBROADCASTD    DX, Z13
	MOVL            $0x08040201, DX
	VPBROADCASTD    DX, Z10
	MOVL            $0x80402010, DX
	VPBROADCASTD    DX, Z11
	VBROADCASTI32X4 q5Spread<>+0(SB), Z24
	VBROADCASTI32X4 q5Spread<>+16(SB), Z25
	VBROADCASTI32X4 q5Spread<>+32(SB), Z26
	VBROADCASTI32X4 q5Spread<>+48(SB), Z27

repack50:
	ROWS16(6)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	SCALES16
	KXNORW     K1, K1, K1
	VPGATHERDD 2(SI)(Z15*1), K1, Z12
	SPLIT16
	FIFTH(Z16, Z24, Z10)
	FIFTH(Z17, Z24, Z11)
	FIFTH(Z18, Z25, Z10)
	FIFTH(Z19, Z25, Z11)
	FIFTH(Z20, Z26, Z10)
	FIFTH(Z21, Z26, Z11)
	FIFTH(Z22, Z27, Z10)
	FIFTH(Z23, Z27, Z11)
	STOREPACK
	NEXTBLOCK(22)
	DECQ        CX
	JNZ         repack50
	VZEROUPPER
	RET

// func repackQ8_0VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)
// As repackQ4_0VNNI for Q8_0 weights, made unsigned by adding 128 (XOR
// 0x80). Z14 = 0x80 bytes.
TEXT ·repackQ8_0VNNI(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL         $0x80808080, DX
	VPBROADCASTD DX, Z14

repack80:
	ROWS16(2)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	ROWS16(18)
	TRANSPOSE4(Z20, Z21, Z22, Z23)
	SCALES16
	VPXORD      Z14, Z16, Z16
	VPXORD      Z14, Z17, Z17
	VPXORD      Z14, Z18, Z18
	VPXORD      Z14, Z19, Z19
	VPXORD      Z14, Z20, Z20
	VPXORD      Z14, Z21, Z21
	VPXORD      Z14, Z22, Z22
	VPXORD      Z14, Z23, Z23
	STOREPACK
	NEXTBLOCK(34)
	DECQ        CX
	JNZ         repack80
	VZEROUPPER
	RET

// tiledPerm: lane r of a result holds TRANSPOSE4's lane perm[r], row r.
DATA tiledPerm<>+0(SB)/4, $0
DATA tiledPerm<>+4(SB)/4, $4
DATA tiledPerm<>+8(SB)/4, $8
DATA tiledPerm<>+12(SB)/4, $12
DATA tiledPerm<>+16(SB)/4, $1
DATA tiledPerm<>+20(SB)/4, $5
DATA tiledPerm<>+24(SB)/4, $9
DATA tiledPerm<>+28(SB)/4, $13
DATA tiledPerm<>+32(SB)/4, $2
DATA tiledPerm<>+36(SB)/4, $6
DATA tiledPerm<>+40(SB)/4, $10
DATA tiledPerm<>+44(SB)/4, $14
DATA tiledPerm<>+48(SB)/4, $3
DATA tiledPerm<>+52(SB)/4, $7
DATA tiledPerm<>+56(SB)/4, $11
DATA tiledPerm<>+60(SB)/4, $15
GLOBL tiledPerm<>(SB), RODATA|NOPTR, $64

// func prepQ8_0VNNI(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)
// Copies the quants of toks Q8_0 activation rows (xb bytes apart, nb
// blocks each) to xp, block-major: token c's block b at (b·toks + c)·32;
// and writes at xs[(b·toks + c)·8] the int32 −off·Σx and the float32 d_x.
// off is the weights' offset in every byte (0x08080808 or 0x80808080).
// Registers: SI = activation block, DI = its copy, R8 = its xs entry,
// BX = tokens left, CX = blocks left, R9/R10 = the strides of DI/R8 per
// block, Z15 = off bytes.
TEXT ·prepQ8_0VNNI(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), DX
	MOVQ         toks+16(FP), BX
	MOVL         off+32(FP), AX
	VPBROADCASTD AX, Y15
	MOVQ         xp+40(FP), R11
	MOVQ         xs+48(FP), R12
	MOVQ         BX, R9
	SHLQ         $5, R9
	MOVQ         BX, R10
	SHLQ         $3, R10

prepTok:
	MOVQ       DX, SI
	MOVQ       R11, DI
	MOVQ       R12, R8
	MOVQ       nb+24(FP), CX

prepBlock:
	VMOVDQU    2(SI), Y0
	VMOVDQU    Y0, (DI)
	VPXORD     Y1, Y1, Y1
	VPDPBUSD   Y0, Y15, Y1
	VEXTRACTI128 $1, Y1, X2
	VPADDD     X2, X1, X1
	VPSHUFD    $0x4E, X1, X2
	VPADDD     X2, X1, X1
	VPSHUFD    $0xB1, X1, X2
	VPADDD     X2, X1, X1
	VMOVD      X1, AX
	NEGL       AX
	MOVL       AX, (R8)
	MOVWLZX    (SI), AX
	VMOVD      AX, X3
	VCVTPH2PS  X3, X3
	VMOVSS     X3, 4(R8)
	ADDQ       $34, SI
	ADDQ       R9, DI
	ADDQ       R10, R8
	DECQ       CX
	JNZ        prepBlock

	ADDQ       xb+8(FP), DX
	ADDQ       $32, R11
	ADDQ       $8, R12
	DECQ       BX
	JNZ        prepTok
	VZEROUPPER
	RET

// TOKEN(c, f): one token of the tile against the 16 rows of a block:
// Z9 = −off·Σx + Σ_g W_g·x_g (exact int32 per row), then
// f += float(Z9) · d_w · d_x.
#define TOKEN(c, f) \
	VPBROADCASTD  (8*c)(R8), Z9;        \
	DOT8(c);                             \
	VCVTDQ2PS     Z9, Z9;                \
	VMULPS.BCST   (8*c+4)(R8), Z8, Z10;  \
	VFMADD231PS   Z10, Z9, f

// TOKENMIN(c, f): the same for Q4_1/Q5_1 rows against Q8_1 (no offset):
// f += float(Σ_g W_g·x_g) · d_w · d_x + m_w · s_x (m_w in Z12, s_x in
// the xs entry's first word).
#define TOKENMIN(c, f) \
	VPXORD        Z9, Z9, Z9;            \
	DOT8(c);                             \
	VCVTDQ2PS     Z9, Z9;                \
	VMULPS.BCST   (8*c+4)(R8), Z8, Z10;  \
	VFMADD231PS   Z10, Z9, f;            \
	VFMADD231PS.BCST (8*c)(R8), Z12, f

// DOT8(c): Z9 += Σ_g W_g · (token c's dword g, broadcast).
#define DOT8(c) \
	VPDPBUSD.BCST (32*c+0)(DI), Z0, Z9;  \
	VPDPBUSD.BCST (32*c+4)(DI), Z1, Z9;  \
	VPDPBUSD.BCST (32*c+8)(DI), Z2, Z9;  \
	VPDPBUSD.BCST (32*c+12)(DI), Z3, Z9; \
	VPDPBUSD.BCST (32*c+16)(DI), Z4, Z9; \
	VPDPBUSD.BCST (32*c+20)(DI), Z5, Z9; \
	VPDPBUSD.BCST (32*c+24)(DI), Z6, Z9; \
	VPDPBUSD.BCST (32*c+28)(DI), Z7, Z9

// LOADW loads a packed block: W0..W7 into Z0..Z7, d_w into Z8;
// LOADWMIN also m_w into Z12.
#define LOADW \
	VMOVDQU32 0(SI), Z0;   \
	VMOVDQU32 64(SI), Z1;  \
	VMOVDQU32 128(SI), Z2; \
	VMOVDQU32 192(SI), Z3; \
	VMOVDQU32 256(SI), Z4; \
	VMOVDQU32 320(SI), Z5; \
	VMOVDQU32 384(SI), Z6; \
	VMOVDQU32 448(SI), Z7; \
	VMOVUPS   512(SI), Z8

#define LOADWMIN \
	LOADW; \
	VMOVUPS 576(SI), Z12

// STORE16(f): f in row order (Z11 = tiledPerm) to the rows of K1 at DX.
#define STORE16(f) \
	VPERMPS f, Z11, f;     \
	VMOVUPS f, K1, (DX);   \
	ADDQ    R11, DX

// func gemmTileVNNI(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)
// GEMM16 for weights with an offset (Q4_0, Q5_0, Q8_0, IQ4_NL).
TEXT ·gemmTileVNNI(SB), NOSPLIT, $0-64
	GEMM16(LOADW, TOKEN, PACKBLOCK, t8, tb8, ttl, t1, tb1, tdn)

// func gemmTileMinVNNI(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)
// GEMM16 for weights with a min (Q4_1, Q5_1) against Q8_1.
TEXT ·gemmTileMinVNNI(SB), NOSPLIT, $0-64
	GEMM16(LOADWMIN, TOKENMIN, PACKMINBLOCK, m8, mb8, mtl, m1, mb1, mdn)

// func prepQ8_1VNNI(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)
// prepQ8_0VNNI for Q8_1 activations (36-byte blocks, quants at 4): the
// xs entry is (s_x, d_x) as float32; off is unused.
TEXT ·prepQ8_1VNNI(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), DX
	MOVQ         toks+16(FP), BX
	MOVQ         xp+40(FP), R11
	MOVQ         xs+48(FP), R12
	MOVQ         BX, R9
	SHLQ         $5, R9
	MOVQ         BX, R10
	SHLQ         $3, R10

prep1Tok:
	MOVQ       DX, SI
	MOVQ       R11, DI
	MOVQ       R12, R8
	MOVQ       nb+24(FP), CX

prep1Block:
	VMOVDQU    4(SI), Y0
	VMOVDQU    Y0, (DI)
	VMOVD      (SI), X3
	VCVTPH2PS  X3, X3
	VPSHUFD    $0xE1, X3, X3
	VMOVQ      X3, (R8)
	ADDQ       $36, SI
	ADDQ       R9, DI
	ADDQ       R10, R8
	DECQ       CX
	JNZ        prep1Block

	ADDQ       xb+8(FP), DX
	ADDQ       $32, R11
	ADDQ       $8, R12
	DECQ       BX
	JNZ        prep1Tok
	VZEROUPPER
	RET

// SCALESMIN16 gathers the 16 rows' (d, m) half pairs at offset 0: d_w as
// float32 into Z8, m_w into Z12. Clobbers Z9.
#define SCALESMIN16 \
	KXNORW     K1, K1, K1;             \
	VPGATHERDD 0(SI)(Z15*1), K1, Z9;   \
	VPMOVDW    Z9, Y8;                 \
	VCVTPH2PS  Y8, Z8;                 \
	VPSRLD     $16, Z9, Z9;            \
	VPMOVDW    Z9, Y12;                \
	VCVTPH2PS  Y12, Z12

#define STOREMIN \
	STOREPACK; \
	VMOVUPS Z12, 576(DI)

// func repackQ4_1VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)
// 16 Q4_1 rows: (d, m) then the nibbles at 4; no offset.
TEXT ·repackQ4_1VNNI(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL         $0x0F0F0F0F, DX
	VPBROADCASTD DX, Z14

repack41:
	ROWS16(4)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	SCALESMIN16
	SPLIT16
	STOREMIN
	ADDQ $20, SI
	ADDQ $20, R8
	ADDQ $20, R9
	ADDQ $20, R10
	ADDQ $PACKMINBLOCK, DI
	DECQ CX
	JNZ  repack41
	VZEROUPPER
	RET

// func repackQ5_1VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)
// 16 Q5_1 rows: (d, m), qh at 4, nibbles at 8; fifth bits as Q5_0's.
TEXT ·repackQ5_1VNNI(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL            $0x0F0F0F0F, DX
	VPBROADCASTD    DX, Z14
	MOVL            $0x10101010, DX
	VPBROADCASTD    DX, Z13
	MOVL            $0x08040201, DX
	VPBROADCASTD    DX, Z10
	MOVL            $0x80402010, DX
	VPBROADCASTD    DX, Z11
	VBROADCASTI32X4 q5Spread<>+0(SB), Z24
	VBROADCASTI32X4 q5Spread<>+16(SB), Z25
	VBROADCASTI32X4 q5Spread<>+32(SB), Z26
	VBROADCASTI32X4 q5Spread<>+48(SB), Z27

repack51:
	ROWS16(8)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	SCALESMIN16
	VMOVUPS    Z12, Z28
	KXNORW     K1, K1, K1
	VPGATHERDD 4(SI)(Z15*1), K1, Z12
	SPLIT16
	FIFTH(Z16, Z24, Z10)
	FIFTH(Z17, Z24, Z11)
	FIFTH(Z18, Z25, Z10)
	FIFTH(Z19, Z25, Z11)
	FIFTH(Z20, Z26, Z10)
	FIFTH(Z21, Z26, Z11)
	FIFTH(Z22, Z27, Z10)
	FIFTH(Z23, Z27, Z11)
	VMOVUPS    Z28, Z12
	STOREMIN
	ADDQ $24, SI
	ADDQ $24, R8
	ADDQ $24, R9
	ADDQ $24, R10
	ADDQ $PACKMINBLOCK, DI
	DECQ CX
	JNZ  repack51
	VZEROUPPER
	RET

// AVX2 (no VNNI, no masks, 16 vector registers): the same scheme on 8 rows
// per 256-bit register. Pack layout per block: W0..W7 (8×32 bytes), d_w
// (8 float32): PACK2BLOCK bytes. Row 2i+j sits in dword lane 4j+i.
//
// Q4_0: VPMADDUBSW of the nibbles (unsigned, ≤ 15) with broadcast
// activation dwords gives int16 pairs ≤ 3840 in magnitude, so all eight
// groups of a block add up in int16 (≤ 30720) before one VPMADDWD by 1
// widens them; −8·Σx comes from prepQ8_0AVX2. Q8_0: the weights stay
// signed; |w| (≤ 128, unsigned) times sign(w)·x (in [−127, 127], as the
// activation quantizer writes them) cannot saturate a pair, but two pairs
// can, so each group is widened by its own VPMADDWD.

#define PACK2BLOCK 288

DATA ones16<>+0(SB)/8, $0x0001000100010001
DATA ones16<>+8(SB)/8, $0x0001000100010001
DATA ones16<>+16(SB)/8, $0x0001000100010001
DATA ones16<>+24(SB)/8, $0x0001000100010001
GLOBL ones16<>(SB), RODATA|NOPTR, $32

// tiledPerm2: lane r of a result holds lane perm[r] (row 2i+j at 4j+i).
DATA tiledPerm2<>+0(SB)/4, $0
DATA tiledPerm2<>+4(SB)/4, $4
DATA tiledPerm2<>+8(SB)/4, $1
DATA tiledPerm2<>+12(SB)/4, $5
DATA tiledPerm2<>+16(SB)/4, $2
DATA tiledPerm2<>+20(SB)/4, $6
DATA tiledPerm2<>+24(SB)/4, $3
DATA tiledPerm2<>+28(SB)/4, $7
GLOBL tiledPerm2<>(SB), RODATA|NOPTR, $32

// ROWS2(off, P, y, x): y = the 16 bytes at off of rows P and P+rb (AX).
#define ROWS2(off, P, y, x) \
	VMOVDQU     off(P), x;             \
	VINSERTI128 $1, off(P)(AX*1), y, y

// ROWS8(off): Y0..Y3 = the 16 bytes at off of rows 0-1, 2-3, 4-5, 6-7
// (SI, R8, R9, R10 = rows 0, 2, 4, 6).
#define ROWS8(off) \
	ROWS2(off, SI, Y0, X0);  \
	ROWS2(off, R8, Y1, X1);  \
	ROWS2(off, R9, Y2, X2);  \
	ROWS2(off, R10, Y3, X3)

// TRANSPOSE4Y is TRANSPOSE4 on Y0..Y3, into Y8..Y11. Clobbers Y4..Y7.
#define TRANSPOSE4Y \
	VPUNPCKLDQ  Y1, Y0, Y4;   \
	VPUNPCKHDQ  Y1, Y0, Y5;   \
	VPUNPCKLDQ  Y3, Y2, Y6;   \
	VPUNPCKHDQ  Y3, Y2, Y7;   \
	VPUNPCKLQDQ Y6, Y4, Y8;   \
	VPUNPCKHQDQ Y6, Y4, Y9;   \
	VPUNPCKLQDQ Y7, Y5, Y10;  \
	VPUNPCKHQDQ Y7, Y5, Y11

// SCALES8 sets Y8 to the 8 rows' f16 scales at offset 0 as float32, in
// the pack's lane order (Y15 = their offsets). Clobbers Y12, Y13.
#define SCALES8 \
	VPCMPEQD    Y12, Y12, Y12;            \
	VPXOR       Y13, Y13, Y13;            \
	VPGATHERDD  Y12, 0(SI)(Y15*1), Y13;   \
	VPSLLD      $16, Y13, Y13;            \
	VPSRLD      $16, Y13, Y13;            \
	VPACKUSDW   Y13, Y13, Y13;            \
	VPERMQ      $0x08, Y13, Y13;          \
	VCVTPH2PS   X13, Y8

#define NEXTBLOCK2(bb) \
	ADDQ $bb, SI;          \
	ADDQ $bb, R8;          \
	ADDQ $bb, R9;          \
	ADDQ $bb, R10;         \
	ADDQ $PACK2BLOCK, DI

// func repackQ4_0AVX2(w *byte, rb int, idx *int32, nb int, pack *byte)
// 8 rows of Q4_0: nibbles split into W_g (low) and W_{g+4} (high).
// Y14 = 0x0F bytes.
TEXT ·repackQ4_0AVX2(SB), NOSPLIT, $0-40
	REPACK2START
	MOVL         $0x0F0F0F0F, DX
	VMOVD        DX, X14
	VPBROADCASTD X14, Y14

repack42:
	ROWS8(2)
	TRANSPOSE4Y
	VPSRLW    $4, Y8, Y0
	VPSRLW    $4, Y9, Y1
	VPSRLW    $4, Y10, Y2
	VPSRLW    $4, Y11, Y3
	VPAND     Y14, Y8, Y8
	VPAND     Y14, Y9, Y9
	VPAND     Y14, Y10, Y10
	VPAND     Y14, Y11, Y11
	VPAND     Y14, Y0, Y0
	VPAND     Y14, Y1, Y1
	VPAND     Y14, Y2, Y2
	VPAND     Y14, Y3, Y3
	VMOVDQU   Y8, 0(DI)
	VMOVDQU   Y9, 32(DI)
	VMOVDQU   Y10, 64(DI)
	VMOVDQU   Y11, 96(DI)
	VMOVDQU   Y0, 128(DI)
	VMOVDQU   Y1, 160(DI)
	VMOVDQU   Y2, 192(DI)
	VMOVDQU   Y3, 224(DI)
	SCALES8
	VMOVUPS   Y8, 256(DI)
	NEXTBLOCK2(18)
	DECQ      CX
	JNZ       repack42
	VZEROUPPER
	RET

// func repackQ8_0AVX2(w *byte, rb int, idx *int32, nb int, pack *byte)
// 8 rows of Q8_0, signed bytes as they are.
TEXT ·repackQ8_0AVX2(SB), NOSPLIT, $0-40
	REPACK2START

repack82:
	ROWS8(2)
	TRANSPOSE4Y
	VMOVDQU   Y8, 0(DI)
	VMOVDQU   Y9, 32(DI)
	VMOVDQU   Y10, 64(DI)
	VMOVDQU   Y11, 96(DI)
	ROWS8(18)
	TRANSPOSE4Y
	VMOVDQU   Y8, 128(DI)
	VMOVDQU   Y9, 160(DI)
	VMOVDQU   Y10, 192(DI)
	VMOVDQU   Y11, 224(DI)
	SCALES8
	VMOVUPS   Y8, 256(DI)
	NEXTBLOCK2(34)
	DECQ      CX
	JNZ       repack82
	VZEROUPPER
	RET

// func prepQ8_0AVX2(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)
// prepQ8_0VNNI without VNNI: off·Σx by VPMADDUBSW (off ≤ 8 here, so the
// pairs cannot saturate) and VPMADDWD by 1. Y15 = off bytes, Y14 = 1 words.
TEXT ·prepQ8_0AVX2(SB), NOSPLIT, $0-56
	MOVQ         x+0(FP), DX
	MOVQ         toks+16(FP), BX
	MOVL         off+32(FP), AX
	VMOVD        AX, X15
	VPBROADCASTD X15, Y15
	VMOVDQU      ones16<>(SB), Y14
	MOVQ         xp+40(FP), R11
	MOVQ         xs+48(FP), R12
	MOVQ         BX, R9
	SHLQ         $5, R9
	MOVQ         BX, R10
	SHLQ         $3, R10

prep2Tok:
	MOVQ       DX, SI
	MOVQ       R11, DI
	MOVQ       R12, R8
	MOVQ       nb+24(FP), CX

prep2Block:
	VMOVDQU    2(SI), Y0
	VMOVDQU    Y0, (DI)
	VPMADDUBSW Y0, Y15, Y1
	VPMADDWD   Y14, Y1, Y1
	VEXTRACTI128 $1, Y1, X2
	VPADDD     X2, X1, X1
	VPSHUFD    $0x4E, X1, X2
	VPADDD     X2, X1, X1
	VPSHUFD    $0xB1, X1, X2
	VPADDD     X2, X1, X1
	VMOVD      X1, AX
	NEGL       AX
	MOVL       AX, (R8)
	MOVWLZX    (SI), AX
	VMOVD      AX, X3
	VCVTPH2PS  X3, X3
	VMOVSS     X3, 4(R8)
	ADDQ       $34, SI
	ADDQ       R9, DI
	ADDQ       R10, R8
	DECQ       CX
	JNZ        prep2Block

	ADDQ       xb+8(FP), DX
	ADDQ       $32, R11
	ADDQ       $8, R12
	DECQ       BX
	JNZ        prep2Tok
	VZEROUPPER
	RET

// TOK40(c, f): Q4_0 token c against 8 rows (W in Y0..Y7, d_w in Y8):
// int16 sums of all groups in Y14, widened, −8·Σx added, scaled into f.
#define GRP40(c, g, w) \
	VPBROADCASTD (32*c+4*g)(DI), Y13; \
	VPMADDUBSW   Y13, w, Y13;         \
	VPADDW       Y13, Y14, Y14

#define TOK40(c, f) \
	VPBROADCASTD (32*c)(DI), Y14;        \
	VPMADDUBSW   Y14, Y0, Y14;           \
	GRP40(c, 1, Y1);                     \
	GRP40(c, 2, Y2);                     \
	GRP40(c, 3, Y3);                     \
	GRP40(c, 4, Y4);                     \
	GRP40(c, 5, Y5);                     \
	GRP40(c, 6, Y6);                     \
	GRP40(c, 7, Y7);                     \
	VPMADDWD     ones16<>(SB), Y14, Y14; \
	VPBROADCASTD (8*c)(R8), Y13;         \
	VPADDD       Y13, Y14, Y14;          \
	VCVTDQ2PS    Y14, Y14;               \
	VBROADCASTSS (8*c+4)(R8), Y13;       \
	VMULPS       Y8, Y13, Y13;           \
	VFMADD231PS  Y13, Y14, f

// TOK80(c, f): Q8_0 token c (|w| in Y0..Y7, w at SI, d_w in Y8): each
// group |w|·(sign(w)·x) widened on its own into Y14.
#define GRP80(c, g, w) \
	VPBROADCASTD (32*c+4*g)(DI), Y13;    \
	VPSIGNB      (32*g)(SI), Y13, Y13;   \
	VPMADDUBSW   Y13, w, Y13;            \
	VPMADDWD     ones16<>(SB), Y13, Y13; \
	VPADDD       Y13, Y14, Y14

#define TOK80(c, f) \
	VPXOR        Y14, Y14, Y14;          \
	GRP80(c, 0, Y0);                     \
	GRP80(c, 1, Y1);                     \
	GRP80(c, 2, Y2);                     \
	GRP80(c, 3, Y3);                     \
	GRP80(c, 4, Y4);                     \
	GRP80(c, 5, Y5);                     \
	GRP80(c, 6, Y6);                     \
	GRP80(c, 7, Y7);                     \
	VCVTDQ2PS    Y14, Y14;               \
	VBROADCASTSS (8*c+4)(R8), Y13;       \
	VMULPS       Y8, Y13, Y13;           \
	VFMADD231PS  Y13, Y14, f

#define LOADW40 \
	VMOVDQU 0(SI), Y0;   \
	VMOVDQU 32(SI), Y1;  \
	VMOVDQU 64(SI), Y2;  \
	VMOVDQU 96(SI), Y3;  \
	VMOVDQU 128(SI), Y4; \
	VMOVDQU 160(SI), Y5; \
	VMOVDQU 192(SI), Y6; \
	VMOVDQU 224(SI), Y7; \
	VMOVUPS 256(SI), Y8

#define LOADW80 \
	VPABSB  0(SI), Y0;   \
	VPABSB  32(SI), Y1;  \
	VPABSB  64(SI), Y2;  \
	VPABSB  96(SI), Y3;  \
	VPABSB  128(SI), Y4; \
	VPABSB  160(SI), Y5; \
	VPABSB  192(SI), Y6; \
	VPABSB  224(SI), Y7; \
	VMOVUPS 256(SI), Y8

// STORE8(f): f in row order (Y15 = tiledPerm2) to the floats at DX of
// the rows Y14 selects (rows past the matrix are not stored).
#define STORE8(f) \
	VPERMPS    f, Y15, f;     \
	VMASKMOVPS f, Y14, (DX);  \
	ADDQ       R11, DX

// rowMask: the 32 bytes at 4·(8−rows) select the first rows dwords.
DATA rowMask<>+0(SB)/8, $-1
DATA rowMask<>+8(SB)/8, $-1
DATA rowMask<>+16(SB)/8, $-1
DATA rowMask<>+24(SB)/8, $-1
DATA rowMask<>+32(SB)/8, $0
DATA rowMask<>+40(SB)/8, $0
DATA rowMask<>+48(SB)/8, $0
DATA rowMask<>+56(SB)/8, $0
GLOBL rowMask<>(SB), RODATA|NOPTR, $64

// func gemmTileQ4_0AVX2(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)
// The tile kernel of gemmTileVNNI for 8 rows of Q4_0 on AVX2.
TEXT ·gemmTileQ4_0AVX2(SB), NOSPLIT, $0-64
	GEMM2(LOADW40, TOK40, q4tile4, q4block4, q4tail, q4tile1, q4block1, q4done)

// func gemmTileQ8_0AVX2(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)
// The same for Q8_0 (prepared with off = 0).
TEXT ·gemmTileQ8_0AVX2(SB), NOSPLIT, $0-64
	GEMM2(LOADW80, TOK80, q8tile4, q8block4, q8tail, q8tile1, q8block1, q8done)

// ---- Decode: one weight row against one token, streamed in place ----
//
// A decode step reads every weight once, so nothing is repacked: the row is
// one sequential stream, four blocks per step. Four blocks A–D sit in the
// dword lanes of one vector as [A×4 | B×4 | C×4 | D×4] (low nibbles ×
// elements 0–15, high nibbles × 16–31 into the same lanes). Per step, for
// the token: its quants in that order, −8·Σx per lane (the offset that
// makes the weights unsigned; the accumulator starts from it) and its
// scales d_x per lane; for the row: VPDPBUSD into that start, to float,
// times d_w·d_x, FMA into the row's float lanes; one horizontal sum at the
// end. Integer lane sums are exact (at most 8 products of 15 × 127).
// (Four rows per call, sharing the token's work, measured slower on
// weights streamed from memory: four streams prefetch worse than one.)
//
// Registers: SI = the row's block, DI = token block, CX = blocks left,
// DX = dst; Z0 the row's float sums; Z31 = 0x0F bytes, Z30 = offset
// bytes, Z29 = the scale word indexes.

// gemvIdxQ4_0: words of the scales of four Q4_0 blocks (18 bytes apart),
// each repeated over its four lanes.
DATA gemvIdxQ4_0<>+0(SB)/8, $0x0000000000000000
DATA gemvIdxQ4_0<>+8(SB)/8, $0x0009000900090009
DATA gemvIdxQ4_0<>+16(SB)/8, $0x0012001200120012
DATA gemvIdxQ4_0<>+24(SB)/8, $0x001b001b001b001b
GLOBL gemvIdxQ4_0<>(SB), RODATA|NOPTR, $32

#define GEMVSTART \
	MOVQ   w+0(FP), SI;     \
	MOVQ   x+8(FP), DI;     \
	MOVQ   nb+16(FP), CX;   \
	MOVQ   dst+24(FP), DX;  \
	VPXORD Z0, Z0, Z0

// GEMVQ4_0TOKEN: Z4 = the token's elements 0–15 of blocks A–D, Z5 its
// elements 16–31, Z6 = −8·Σx per lane, Z8 = d_x per lane.
#define GEMVQ4_0TOKEN \
	VMOVDQU      2(DI), X4;             \
	VINSERTI32X4 $1, 36(DI), Z4, Z4;    \
	VINSERTI32X4 $2, 70(DI), Z4, Z4;    \
	VINSERTI32X4 $3, 104(DI), Z4, Z4;   \
	VMOVDQU      18(DI), X5;            \
	VINSERTI32X4 $1, 52(DI), Z5, Z5;    \
	VINSERTI32X4 $2, 86(DI), Z5, Z5;    \
	VINSERTI32X4 $3, 120(DI), Z5, Z5;   \
	VPXORD       Z7, Z7, Z7;            \
	VPDPBUSD     Z4, Z30, Z7;           \
	VPDPBUSD     Z5, Z30, Z7;           \
	VPXORD       Z6, Z6, Z6;            \
	VPSUBD       Z7, Z6, Z6;            \
	VMOVDQU64    (DI), Z8;              \
	VPERMT2W     64(DI), Z28, Z8;       \
	VCVTPH2PS    Y8, Z8

// GEMVQ4_0ROW adds four blocks of the row at m (an address) to acc.
#define GEMVQ4_0ROW(m0, m1, m2, m3, mq, acc) \
	VMOVDQU      m0, X9;           \
	VINSERTI32X4 $1, m1, Z9, Z9;   \
	VINSERTI32X4 $2, m2, Z9, Z9;   \
	VINSERTI32X4 $3, m3, Z9, Z9;   \
	VPSRLW       $4, Z9, Z10;      \
	VPANDD       Z31, Z9, Z9;      \
	VPANDD       Z31, Z10, Z10;    \
	VMOVDQA32    Z6, Z11;          \
	VPDPBUSD     Z4, Z9, Z11;      \
	VPDPBUSD     Z5, Z10, Z11;     \
	VCVTDQ2PS    Z11, Z11;         \
	VPERMW       mq, Z29, Z12;     \
	VCVTPH2PS    Y12, Z12;         \
	VMULPS       Z8, Z12, Z12;     \
	VFMADD231PS  Z12, Z11, acc

// gemvQ8_0x4: the token's scale words for Q4_0's lane order, four lanes
// per block (Q8_0 blocks 34 bytes apart, the second table from 64 bytes
// on).
DATA gemvQ8_0x4<>+0(SB)/8, $0x0000000000000000
DATA gemvQ8_0x4<>+8(SB)/8, $0x0011001100110011
DATA gemvQ8_0x4<>+16(SB)/8, $0x0022002200220022
DATA gemvQ8_0x4<>+24(SB)/8, $0x0033003300330033
DATA gemvQ8_0x4<>+32(SB)/8, $0
DATA gemvQ8_0x4<>+40(SB)/8, $0
DATA gemvQ8_0x4<>+48(SB)/8, $0
DATA gemvQ8_0x4<>+56(SB)/8, $0
GLOBL gemvQ8_0x4<>(SB), RODATA|NOPTR, $64

// GEMVDONE1 stores the horizontal sum of Z0 to the float at DX.
#define GEMVDONE1 \
	VEXTRACTF64X4 $1, Z0, Y4; \
	VADDPS        Y4, Y0, Y0; \
	VEXTRACTF128  $1, Y0, X4; \
	VADDPS        X4, X0, X0; \
	VHADDPS       X0, X0, X0; \
	VHADDPS       X0, X0, X0; \
	VMOVSS        X0, (DX);   \
	VZEROUPPER;               \
	RET

// func gemvQ4_0VNNI(w, x *byte, nb int, dst *float32)
// *dst = Σ over nb blocks (a multiple of 4) of the row at w · x.
TEXT ·gemvQ4_0VNNI(SB), NOSPLIT, $0-32
	GEMVSTART
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x08080808, AX
	VPBROADCASTD AX, Z30
	VMOVDQU32    gemvIdxQ4_0<>(SB), Y29
	VMOVDQU64    gemvQ8_0x4<>(SB), Z28

q4gemv1:
	GEMVQ4_0TOKEN
	GEMVQ4_0ROW(2(SI), 20(SI), 38(SI), 56(SI), (SI), Z0)
	ADDQ $72, SI
	ADDQ $136, DI
	SUBQ $4, CX
	JNZ  q4gemv1
	GEMVDONE1

// Packed weights (packed.go): 16 rows interleaved block by block, each
// block's quant dwords already in TRANSPOSE4's lane order, then the 16
// half scales. PACKED4/PACKED8 are the bytes of one packed Q4_0 / Q8_0 block.
#define PACKED4 288
#define PACKED8 544

// func repackPackedQ4_0VNNI(w *byte, nb int, pack *byte)
// The tile kernel's pack (W0..W7, d_w) of nb packed Q4_0 blocks: the
// nibbles split, the scales widened; no gather, no transpose.
TEXT ·repackPackedQ4_0VNNI(SB), NOSPLIT, $0-24
	MOVQ         w+0(FP), SI
	MOVQ         nb+8(FP), CX
	MOVQ         pack+16(FP), DI
	MOVL         $0x0F0F0F0F, DX
	VPBROADCASTD DX, Z14

rpk4:
	VMOVDQU32 0(SI), Z16
	VMOVDQU32 64(SI), Z17
	VMOVDQU32 128(SI), Z18
	VMOVDQU32 192(SI), Z19
	VCVTPH2PS 256(SI), Z8
	SPLIT16
	STOREPACK
	ADDQ      $PACKED4, SI
	ADDQ      $PACKBLOCK, DI
	DECQ      CX
	JNZ       rpk4
	VZEROUPPER
	RET

// func repackPackedQ8_0VNNI(w *byte, nb int, pack *byte)
// The same for packed Q8_0: the quants are already unsigned (XOR 0x80).
TEXT ·repackPackedQ8_0VNNI(SB), NOSPLIT, $0-24
	MOVQ w+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ pack+16(FP), DI

rpk8:
	VMOVDQU32 0(SI), Z16
	VMOVDQU32 64(SI), Z17
	VMOVDQU32 128(SI), Z18
	VMOVDQU32 192(SI), Z19
	VMOVDQU32 256(SI), Z20
	VMOVDQU32 320(SI), Z21
	VMOVDQU32 384(SI), Z22
	VMOVDQU32 448(SI), Z23
	VCVTPH2PS 512(SI), Z8
	STOREPACK
	ADDQ      $PACKED8, SI
	ADDQ      $PACKBLOCK, DI
	DECQ      CX
	JNZ       rpk8
	VZEROUPPER
	RET

#define LOADPACKED4 \
	VMOVDQU32 0(SI), Z16;   \
	VMOVDQU32 64(SI), Z17;  \
	VMOVDQU32 128(SI), Z18; \
	VMOVDQU32 192(SI), Z19; \
	SPLIT16

#define LOADPACKED8 \
	VMOVDQU32 0(SI), Z16;   \
	VMOVDQU32 64(SI), Z17;  \
	VMOVDQU32 128(SI), Z18; \
	VMOVDQU32 192(SI), Z19; \
	VMOVDQU32 256(SI), Z20; \
	VMOVDQU32 320(SI), Z21; \
	VMOVDQU32 384(SI), Z22; \
	VMOVDQU32 448(SI), Z23

// func gemvPackedQ4_0VNNI(w *byte, nb int, xp, xs *byte, groups int, dst *float32)
// dst[r] = row r · token for the 16·groups rows of packed Q4_0 at w, the
// token prepared by prepQ8_0VNNI (one token, off 8).
TEXT ·gemvPackedQ4_0VNNI(SB), NOSPLIT, $0-48
	PACKEDGEMV(LOADPACKED4, PACKED4, 256, pg4, pb4)

// func gemvPackedQ8_0VNNI(w *byte, nb int, xp, xs *byte, groups int, dst *float32)
// The same for packed Q8_0 (off 128).
TEXT ·gemvPackedQ8_0VNNI(SB), NOSPLIT, $0-48
	PACKEDGEMV(LOADPACKED8, PACKED8, 512, pg8, pb8)

// SCALESHALF16 gathers the 16 rows' half scales at offset 0, in the lane
// order of TRANSPOSE4, into Y8 (as halves).
#define SCALESHALF16 \
	KXNORW     K1, K1, K1;           \
	VPGATHERDD 0(SI)(Z15*1), K1, Z8; \
	VPMOVDW    Z8, Y8

// NEXTROWBLOCK advances the four row pointers by one block of bb bytes.
#define NEXTROWBLOCK(bb) \
	ADDQ $bb, SI;  \
	ADDQ $bb, R8;  \
	ADDQ $bb, R9;  \
	ADDQ $bb, R10

// func packQ4_0AVX512(w *byte, rb int, idx *int32, nb int, pack *byte)
// Writes nb packed Q4_0 blocks (packed.go's legacyFormat) of the 16 rows
// at w (rb bytes apart; idx = their offsets in lane order): the quant
// dwords transposed, then the half scales. The load-time twin of
// repackQ4_0VNNI, without the nibble split.
TEXT ·packQ4_0AVX512(SB), NOSPLIT, $0-40
	REPACKSTART

pk40:
	ROWS16(2)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	SCALESHALF16
	VMOVDQU32 Z16, 0(DI)
	VMOVDQU32 Z17, 64(DI)
	VMOVDQU32 Z18, 128(DI)
	VMOVDQU32 Z19, 192(DI)
	VMOVDQU   Y8, 256(DI)
	NEXTROWBLOCK(18)
	ADDQ      $PACKED4, DI
	DECQ      CX
	JNZ       pk40
	VZEROUPPER
	RET

// func packQ8_0AVX512(w *byte, rb int, idx *int32, nb int, pack *byte)
// The same for Q8_0: eight quant dwords, XOR 0x80 (Z14).
TEXT ·packQ8_0AVX512(SB), NOSPLIT, $0-40
	REPACKSTART
	MOVL         $0x80808080, DX
	VPBROADCASTD DX, Z14

pk80:
	ROWS16(2)
	TRANSPOSE4(Z16, Z17, Z18, Z19)
	ROWS16(18)
	TRANSPOSE4(Z20, Z21, Z22, Z23)
	SCALESHALF16
	VPXORD    Z14, Z16, Z16
	VPXORD    Z14, Z17, Z17
	VPXORD    Z14, Z18, Z18
	VPXORD    Z14, Z19, Z19
	VPXORD    Z14, Z20, Z20
	VPXORD    Z14, Z21, Z21
	VPXORD    Z14, Z22, Z22
	VPXORD    Z14, Z23, Z23
	VMOVDQU32 Z16, 0(DI)
	VMOVDQU32 Z17, 64(DI)
	VMOVDQU32 Z18, 128(DI)
	VMOVDQU32 Z19, 192(DI)
	VMOVDQU32 Z20, 256(DI)
	VMOVDQU32 Z21, 320(DI)
	VMOVDQU32 Z22, 384(DI)
	VMOVDQU32 Z23, 448(DI)
	VMOVDQU   Y8, 512(DI)
	NEXTROWBLOCK(34)
	ADDQ      $PACKED8, DI
	DECQ      CX
	JNZ       pk80
	VZEROUPPER
	RET
