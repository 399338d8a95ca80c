//go:build !noasm

#include "textflag.h"

// Packed Q4_K and Q6_K (packed_k.go) on AVX-512 VNNI: decode GEMVs that
// stream 16-row groups, and the builders of the K tiles' packs
// (gemm_k_amd64.s) for a prompt. A packed super-block already holds its
// 16 rows' quants as dword lanes (row r in lane r), so a chunk load is
// the VPDPBUSD operand of all 16 rows; the sub-block scales are unpacked
// once for the 16 rows by vector ops, and no sum crosses lanes: the 16
// sums of a group are stored as they are.
//
// Integer sums are exact, as in quant's VecDot: per super-block and row,
// isum = Σ_j sc_j · (Σ level·x over sub-block j), then (Q4_K)
// f += float(isum)·(d·d_x) − float(summs)·(dmin·d_x) with summs =
// Σ_j m_j·(bsum_2j + bsum_2j+1), or (Q6_K, levels q+32 ∈ 0…63)
// f += float(isum − 32·Σ_k sc_k·bsum_k)·(d·d_x).

// TERNOR: a |= b & c (VPTERNLOGD truth table 0xF8 of (a, b, c)).
#define TERNOR(c, b, a) VPTERNLOGD $0xF8, c, b, a

// K4SCALES sets the bytes of each row's lane: Z3 = sc0…3, Z8 = sc4…7,
// Z5 = m0…3, Z7 = m4…7 (ggml's get_scale_min_k4 on the three scale
// planes at 64(SI), for 16 rows at once). Z31 = 0x0F, Z30 = 0x3F,
// Z29 = 0x30 bytes. Clobbers Z4, Z6.
#define K4SCALES \
	VMOVDQU32 64(SI), Z3;   \
	VMOVDQU32 128(SI), Z5;  \
	VMOVDQU32 192(SI), Z7;  \
	VPSRLD    $2, Z3, Z4;   \
	VPANDD    Z31, Z7, Z8;  \
	TERNOR(Z29, Z4, Z8);    \
	VPANDD    Z30, Z3, Z3;  \
	VPSRLD    $2, Z5, Z6;   \
	VPSRLD    $4, Z7, Z7;   \
	VPANDD    Z31, Z7, Z7;  \
	TERNOR(Z29, Z6, Z7);    \
	VPANDD    Z30, Z5, Z5

// K4CONSTS loads Z29–Z31 and the VPSHUFB controls: Z21–Z24 pick byte j of
// each dword as a dword (a scale), Z25–Z28 as the word pair (m, m).
#define K4CONSTS \
	MOVL            $0x0F0F0F0F, AX;      \
	VPBROADCASTD    AX, Z31;              \
	MOVL            $0x3F3F3F3F, AX;      \
	VPBROADCASTD    AX, Z30;              \
	MOVL            $0x30303030, AX;      \
	VPBROADCASTD    AX, Z29;              \
	VBROADCASTI32X4 k4ByteDword<>+0(SB), Z21;  \
	VBROADCASTI32X4 k4ByteDword<>+16(SB), Z22; \
	VBROADCASTI32X4 k4ByteDword<>+32(SB), Z23; \
	VBROADCASTI32X4 k4ByteDword<>+48(SB), Z24; \
	VBROADCASTI32X4 k4BytePair<>+0(SB), Z25;   \
	VBROADCASTI32X4 k4BytePair<>+16(SB), Z26;  \
	VBROADCASTI32X4 k4BytePair<>+32(SB), Z27;  \
	VBROADCASTI32X4 k4BytePair<>+48(SB), Z28

// k4ByteDword: VPSHUFB controls (one 128-bit lane; entry j at 16j) that
// zero-extend byte j of each dword into the dword.
DATA k4ByteDword<>+0(SB)/8, $0x8080800480808000
DATA k4ByteDword<>+8(SB)/8, $0x8080800C80808008
DATA k4ByteDword<>+16(SB)/8, $0x8080800580808001
DATA k4ByteDword<>+24(SB)/8, $0x8080800D80808009
DATA k4ByteDword<>+32(SB)/8, $0x8080800680808002
DATA k4ByteDword<>+40(SB)/8, $0x8080800E8080800A
DATA k4ByteDword<>+48(SB)/8, $0x8080800780808003
DATA k4ByteDword<>+56(SB)/8, $0x8080800F8080800B
GLOBL k4ByteDword<>(SB), RODATA|NOPTR, $64

// k4BytePair: the same, byte j of each dword into both of its words.
DATA k4BytePair<>+0(SB)/8, $0x8004800480008000
DATA k4BytePair<>+8(SB)/8, $0x800C800C80088008
DATA k4BytePair<>+16(SB)/8, $0x8005800580018001
DATA k4BytePair<>+24(SB)/8, $0x800D800D80098009
DATA k4BytePair<>+32(SB)/8, $0x8006800680028002
DATA k4BytePair<>+40(SB)/8, $0x800E800E800A800A
DATA k4BytePair<>+48(SB)/8, $0x8007800780038003
DATA k4BytePair<>+56(SB)/8, $0x800F800F800B800B
GLOBL k4BytePair<>(SB), RODATA|NOPTR, $64

// K4CHUNK: quant chunk k of sub-block pair i (qs dword 8i+k of the 16
// rows): Z10 += low nibbles · x[64i+4k…], Z11 += high nibbles ·
// x[64i+32+4k…]. Clobbers Z13, Z14.
#define K4CHUNK(i, k) \
	VMOVDQU32     (256+512*i+64*k)(SI), Z13; \
	VPANDD        Z31, Z13, Z14;             \
	VPSRLD        $4, Z13, Z13;              \
	VPANDD        Z31, Z13, Z13;             \
	VPDPBUSD.BCST (4+64*i+4*k)(DI), Z14, Z10; \
	VPDPBUSD.BCST (36+64*i+4*k)(DI), Z13, Z11

// K4PAIR: sub-blocks 2i and 2i+1: Z1 += sc_2i·Σ + sc_2i+1·Σ, the scales
// bytes b0, b1 of scb (controls c0, c1). Clobbers Z10–Z14.
#define K4PAIR(i, scb, c0, c1) \
	VPXORD  Z10, Z10, Z10; \
	VPXORD  Z11, Z11, Z11; \
	K4CHUNK(i, 0);         \
	K4CHUNK(i, 1);         \
	K4CHUNK(i, 2);         \
	K4CHUNK(i, 3);         \
	K4CHUNK(i, 4);         \
	K4CHUNK(i, 5);         \
	K4CHUNK(i, 6);         \
	K4CHUNK(i, 7);         \
	VPSHUFB c0, scb, Z12;  \
	VPMULLD Z12, Z10, Z10; \
	VPADDD  Z10, Z1, Z1;   \
	VPSHUFB c1, scb, Z12;  \
	VPMULLD Z12, Z11, Z11; \
	VPADDD  Z11, Z1, Z1

// K4MIN: Z2 += (m_j, m_j) · (bsum_2j, bsum_2j+1), m_j byte b of mb.
#define K4MIN(j, mb, c) \
	VPSHUFB       c, mb, Z9; \
	VPDPWSSD.BCST (260+4*j)(DI), Z9, Z2

// func gemvPackedQ4_KVNNI(w *byte, nb int, x *byte, groups int, dst *float32)
// dst[r] = row r · x for the 16·groups rows of packed Q4_K at w (nb
// super-blocks each) and the Q8_K token x. Registers: SI = packed
// super-block, DI = x's super-block, CX = super-blocks left, BX = groups
// left, DX = dst; Z0 = the group's float sums, Z1 = isum, Z2 = summs,
// Z3/Z8/Z5/Z7 the scale and min bytes (K4SCALES), Z10/Z11 a sub-block
// pair's sums, Z21–Z31 constants (K4CONSTS).
TEXT ·gemvPackedQ4_KVNNI(SB), NOSPLIT, $0-40
	MOVQ w+0(FP), SI
	MOVQ groups+24(FP), BX
	MOVQ dst+32(FP), DX
	K4CONSTS

q4kgroup:
	MOVQ   x+16(FP), DI
	MOVQ   nb+8(FP), CX
	VPXORD Z0, Z0, Z0

q4kblock:
	K4SCALES
	VPXORD Z2, Z2, Z2
	K4MIN(0, Z5, Z25)
	K4MIN(1, Z5, Z26)
	K4MIN(2, Z5, Z27)
	K4MIN(3, Z5, Z28)
	K4MIN(4, Z7, Z25)
	K4MIN(5, Z7, Z26)
	K4MIN(6, Z7, Z27)
	K4MIN(7, Z7, Z28)
	VPXORD Z1, Z1, Z1
	K4PAIR(0, Z3, Z21, Z22)
	K4PAIR(1, Z3, Z23, Z24)
	K4PAIR(2, Z8, Z21, Z22)
	K4PAIR(3, Z8, Z23, Z24)

	// f += float(isum)·(d·d_x) − float(summs)·(dmin·d_x), rounded as
	// quant's VecDot rounds (no FMA): the same sums as the row dots.
	VCVTPH2PS   0(SI), Z9
	VCVTPH2PS   32(SI), Z10
	VMULPS.BCST 0(DI), Z9, Z9
	VMULPS.BCST 0(DI), Z10, Z10
	VCVTDQ2PS   Z1, Z1
	VCVTDQ2PS   Z2, Z2
	VMULPS      Z9, Z1, Z1
	VMULPS      Z10, Z2, Z2
	VSUBPS      Z2, Z1, Z1
	VADDPS      Z1, Z0, Z0

	ADDQ $2304, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q4kblock
	VMOVUPS Z0, (DX)
	ADDQ    $64, DX
	DECQ    BX
	JNZ     q4kgroup
	VZEROUPPER
	RET

// K6LEVELS: step s of half n for the 16 rows: ql dwords A = 16n+s and
// B = 16n+8+s, qh dword H = 8n+s (at 1664n + 192s) give the levels (0…63)
// Z19 (sub-block 8n+⌊s/4⌋), Z21 (+2), Z16 (+4), Z17 (+6) at elements
// 128n + 4s + 0, 32, 64, 96. Z31 = 0x0F, Z30 = 0x30 bytes. Clobbers
// Z18, Z20, Z22.
#define K6LEVELS(n, s) \
	VMOVDQU32 (1664*n+192*s)(SI), Z16;     \
	VMOVDQU32 (1664*n+192*s+64)(SI), Z17;  \
	VMOVDQU32 (1664*n+192*s+128)(SI), Z18; \
	VPANDD    Z31, Z16, Z19;              \
	VPSLLD    $4, Z18, Z20;               \
	TERNOR(Z30, Z20, Z19);                \
	VPANDD    Z31, Z17, Z21;              \
	VPSLLD    $2, Z18, Z22;               \
	TERNOR(Z30, Z22, Z21);                \
	VPSRLD    $4, Z16, Z16;               \
	VPANDD    Z31, Z16, Z16;              \
	TERNOR(Z30, Z18, Z16);                \
	VPSRLD    $4, Z17, Z17;               \
	VPANDD    Z31, Z17, Z17;              \
	VPSRLD    $2, Z18, Z18;               \
	TERNOR(Z30, Z18, Z17)

// K6STEP: K6LEVELS, each level vector dotted with its four activations
// into the sub-block sums a0 (8n+⌊s/4⌋), a2, a4, a6.
#define K6STEP(n, s, a0, a2, a4, a6) \
	K6LEVELS(n, s);                             \
	VPDPBUSD.BCST (4+128*n+4*s)(DI), Z19, a0;   \
	VPDPBUSD.BCST (36+128*n+4*s)(DI), Z21, a2;  \
	VPDPBUSD.BCST (68+128*n+4*s)(DI), Z16, a4;  \
	VPDPBUSD.BCST (100+128*n+4*s)(DI), Z17, a6

// K6SCALE: scale pair 4n+m (sub-blocks 8n+2m in a, 8n+2m+1 in b):
// Z2 += (sc, sc') · (bsum, bsum'), Z1 += sc·a + sc'·b. Clobbers Z3, Z4.
#define K6SCALE(n, m, a, b) \
	VPMOVSXBW     (1664*n+1536+32*m)(SI), Z3; \
	VPDPWSSD.BCST (260+16*n+4*m)(DI), Z3, Z2; \
	VPSLLD        $16, Z3, Z4;               \
	VPSRAD        $16, Z4, Z4;               \
	VPSRAD        $16, Z3, Z3;               \
	VPMULLD       Z4, a, a;                  \
	VPMULLD       Z3, b, b;                  \
	VPADDD        a, Z1, Z1;                 \
	VPADDD        b, Z1, Z1

// K6HALF: the 128 elements of half n; sub-block 8n+j sums in Z8+j.
#define K6HALF(n) \
	VPXORD Z8, Z8, Z8;    \
	VPXORD Z9, Z9, Z9;    \
	VPXORD Z10, Z10, Z10; \
	VPXORD Z11, Z11, Z11; \
	VPXORD Z12, Z12, Z12; \
	VPXORD Z13, Z13, Z13; \
	VPXORD Z14, Z14, Z14; \
	VPXORD Z15, Z15, Z15; \
	K6STEP(n, 0, Z8, Z10, Z12, Z14); \
	K6STEP(n, 1, Z8, Z10, Z12, Z14); \
	K6STEP(n, 2, Z8, Z10, Z12, Z14); \
	K6STEP(n, 3, Z8, Z10, Z12, Z14); \
	K6STEP(n, 4, Z9, Z11, Z13, Z15); \
	K6STEP(n, 5, Z9, Z11, Z13, Z15); \
	K6STEP(n, 6, Z9, Z11, Z13, Z15); \
	K6STEP(n, 7, Z9, Z11, Z13, Z15); \
	K6SCALE(n, 0, Z8, Z9);   \
	K6SCALE(n, 1, Z10, Z11); \
	K6SCALE(n, 2, Z12, Z13); \
	K6SCALE(n, 3, Z14, Z15)

// func gemvPackedQ6_KVNNI(w *byte, nb int, x *byte, groups int, dst *float32)
// dst[r] = row r · x for the 16·groups rows of packed Q6_K at w and the
// Q8_K token x. Registers as gemvPackedQ4_KVNNI; Z1 = Σ sc·Σ level·x,
// Z2 = Σ sc·bsum, Z8–Z15 a half's sub-block sums, Z30/Z31 constants.
TEXT ·gemvPackedQ6_KVNNI(SB), NOSPLIT, $0-40
	MOVQ         w+0(FP), SI
	MOVQ         groups+24(FP), BX
	MOVQ         dst+32(FP), DX
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x30303030, AX
	VPBROADCASTD AX, Z30

q6kgroup:
	MOVQ   x+16(FP), DI
	MOVQ   nb+8(FP), CX
	VPXORD Z0, Z0, Z0

q6kblock:
	VPXORD Z1, Z1, Z1
	VPXORD Z2, Z2, Z2
	K6HALF(0)
	K6HALF(1)

	// f += float(isum − 32·Σ sc·bsum)·(d·d_x), rounded as quant's VecDot.
	VPSLLD      $5, Z2, Z2
	VPSUBD      Z2, Z1, Z1
	VCVTDQ2PS   Z1, Z1
	VCVTPH2PS   3328(SI), Z5
	VMULPS.BCST 0(DI), Z5, Z5
	VMULPS      Z5, Z1, Z1
	VADDPS      Z1, Z0, Z0

	ADDQ $3360, SI
	ADDQ $292, DI
	DECQ CX
	JNZ  q6kblock
	VMOVUPS Z0, (DX)
	ADDQ    $64, DX
	DECQ    BX
	JNZ     q6kgroup
	VZEROUPPER
	RET

// The K tiles' packs (gemm_k_amd64.s: k4PackBytes, k6PackBytes per
// super-block) built from packed super-blocks: loads and vector ops, no
// gather, no transpose.

// COPY4: four 64-byte chunks from 256+o(SI) to o(DI).
#define COPY4(o) \
	VMOVDQU32 256+o(SI), Z0;  \
	VMOVDQU32 320+o(SI), Z1;  \
	VMOVDQU32 384+o(SI), Z2;  \
	VMOVDQU32 448+o(SI), Z9;  \
	VMOVDQU32 Z0, o(DI);      \
	VMOVDQU32 Z1, o+64(DI);   \
	VMOVDQU32 Z2, o+128(DI);  \
	VMOVDQU32 Z9, o+192(DI)

// K4PACKSCALE: sub-block j's scale (byte b of scb) as int32 at 2048+64j,
// and its min (byte b of mb) as the word pair (m, m) at 2560+64j.
#define K4PACKSCALE(j, scb, mb, cs, cm) \
	VPSHUFB   cs, scb, Z9;     \
	VMOVDQU32 Z9, (2048+64*j)(DI); \
	VPSHUFB   cm, mb, Z9;      \
	VMOVDQU32 Z9, (2560+64*j)(DI)

// func repackPackedQ4_KVNNI(w *byte, nb int, pack *byte)
// gemmQ4_KPack8's pack of nb packed Q4_K super-blocks: the quants as they
// are, the scales and mins unpacked, d and dmin widened.
TEXT ·repackPackedQ4_KVNNI(SB), NOSPLIT, $0-24
	MOVQ w+0(FP), SI
	MOVQ nb+8(FP), CX
	MOVQ pack+16(FP), DI
	K4CONSTS

rq4kblock:
	COPY4(0)
	COPY4(256)
	COPY4(512)
	COPY4(768)
	COPY4(1024)
	COPY4(1280)
	COPY4(1536)
	COPY4(1792)
	K4SCALES
	K4PACKSCALE(0, Z3, Z5, Z21, Z25)
	K4PACKSCALE(1, Z3, Z5, Z22, Z26)
	K4PACKSCALE(2, Z3, Z5, Z23, Z27)
	K4PACKSCALE(3, Z3, Z5, Z24, Z28)
	K4PACKSCALE(4, Z8, Z7, Z21, Z25)
	K4PACKSCALE(5, Z8, Z7, Z22, Z26)
	K4PACKSCALE(6, Z8, Z7, Z23, Z27)
	K4PACKSCALE(7, Z8, Z7, Z24, Z28)
	VCVTPH2PS 0(SI), Z9
	VMOVUPS   Z9, 3072(DI)
	VCVTPH2PS 32(SI), Z9
	VMOVUPS   Z9, 3136(DI)
	ADDQ      $2304, SI
	ADDQ      $3200, DI
	DECQ      CX
	JNZ       rq4kblock
	VZEROUPPER
	RET

// K6PACKSTEP: K6LEVELS(n, s) stored where gemmQ6_KPack8 reads sub-block
// k's step t (64·(4k+t)).
#define K6PACKSTEP(n, s) \
	K6LEVELS(n, s);                        \
	VMOVDQU32 Z19, (2048*n+64*s)(DI);      \
	VMOVDQU32 Z21, (2048*n+512+64*s)(DI);  \
	VMOVDQU32 Z16, (2048*n+1024+64*s)(DI); \
	VMOVDQU32 Z17, (2048*n+1536+64*s)(DI)

#define K6PACKHALF(n) \
	K6PACKSTEP(n, 0); \
	K6PACKSTEP(n, 1); \
	K6PACKSTEP(n, 2); \
	K6PACKSTEP(n, 3); \
	K6PACKSTEP(n, 4); \
	K6PACKSTEP(n, 5); \
	K6PACKSTEP(n, 6); \
	K6PACKSTEP(n, 7)

// K6PACKSCALE: scale pair i (at so(SI)): sc_2i, sc_2i+1 as int32 at
// 4096+64·(2i, 2i+1), the word pair (32·sc_2i, 32·sc_2i+1) at 5120+64i.
#define K6PACKSCALE(i, so) \
	VPMOVSXBW so(SI), Z3;              \
	VPSLLD    $16, Z3, Z4;             \
	VPSRAD    $16, Z4, Z4;             \
	VMOVDQU32 Z4, (4096+128*i)(DI);    \
	VPSRAD    $16, Z3, Z4;             \
	VMOVDQU32 Z4, (4096+128*i+64)(DI); \
	VPSLLW    $5, Z3, Z3;              \
	VMOVDQU32 Z3, (5120+64*i)(DI)

// func repackPackedQ6_KVNNI(w *byte, nb int, pack *byte)
// gemmQ6_KPack8's pack of nb packed Q6_K super-blocks.
TEXT ·repackPackedQ6_KVNNI(SB), NOSPLIT, $0-24
	MOVQ         w+0(FP), SI
	MOVQ         nb+8(FP), CX
	MOVQ         pack+16(FP), DI
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z31
	MOVL         $0x30303030, AX
	VPBROADCASTD AX, Z30

rq6kblock:
	K6PACKHALF(0)
	K6PACKHALF(1)
	K6PACKSCALE(0, 1536)
	K6PACKSCALE(1, 1568)
	K6PACKSCALE(2, 1600)
	K6PACKSCALE(3, 1632)
	K6PACKSCALE(4, 3200)
	K6PACKSCALE(5, 3232)
	K6PACKSCALE(6, 3264)
	K6PACKSCALE(7, 3296)
	VCVTPH2PS 3328(SI), Z9
	VMOVUPS   Z9, 5632(DI)
	ADDQ      $3360, SI
	ADDQ      $5696, DI
	DECQ      CX
	JNZ       rq6kblock
	VZEROUPPER
	RET

// Load-time packing (packed_k.go's layouts) with AVX-512: each unit of the
// 16 rows' super-block is one gather (row r at SI + idx[r], in lane r),
// stored whole (dword units) or narrowed to words (word units, two per
// gathered dword). Z31 = idx; K1 is set before each gather (a gather
// clears it).

// GATHER sets z to the dword at so of each row's super-block.
#define GATHER(so, z) \
	KXNORW     K1, K1, K1; \
	VPGATHERDD so(SI)(Z31*1), K1, z

// GSTORE: the dword at so of each row, 64 bytes at do(DI).
#define GSTORE(so, do, z) \
	GATHER(so, z); \
	VMOVDQU32 z, do(DI)

// GWORDS: the dword at so of each row as two word units: low words to
// lo(DI), high words to hi(DI). Clobbers Z0, Y1.
#define GWORDS(so, lo, hi) \
	GATHER(so, Z0);     \
	VPMOVDW Z0, Y1;     \
	VMOVDQU Y1, lo(DI); \
	VPSRLD  $16, Z0, Z0; \
	VPMOVDW Z0, Y1;     \
	VMOVDQU Y1, hi(DI)

// GQS8: eight qs dwords of Q4_K (from 16+4k) to 256+64k.
#define GQS8(k) \
	GSTORE(16+4*k, 256+64*k, Z2);       \
	GSTORE(20+4*k, 320+64*k, Z3);       \
	GSTORE(24+4*k, 384+64*k, Z4);       \
	GSTORE(28+4*k, 448+64*k, Z5);       \
	GSTORE(32+4*k, 512+64*k, Z6);       \
	GSTORE(36+4*k, 576+64*k, Z7);       \
	GSTORE(40+4*k, 640+64*k, Z8);       \
	GSTORE(44+4*k, 704+64*k, Z9)

// func packQ4_KAVX512(w *byte, idx *int32, nb int, dst *byte)
// Packs nb super-blocks of the 16 Q4_K rows at w + idx[r] into dst.
TEXT ·packQ4_KAVX512(SB), NOSPLIT, $0-32
	MOVQ      w+0(FP), SI
	MOVQ      idx+8(FP), AX
	VMOVDQU32 (AX), Z31
	MOVQ      nb+16(FP), CX
	MOVQ      dst+24(FP), DI

pq4kblock:
	GWORDS(0, 0, 32)
	GSTORE(4, 64, Z2)
	GSTORE(8, 128, Z3)
	GSTORE(12, 192, Z4)
	GQS8(0)
	GQS8(8)
	GQS8(16)
	GQS8(24)
	ADDQ $144, SI
	ADDQ $2304, DI
	DECQ CX
	JNZ  pq4kblock
	VZEROUPPER
	RET

// GSTEP6: step s of half n of Q6_K: ql dwords 16n+s and 16n+8+s, qh dword
// 8n+s to 1664n + 192s + 0, 64, 128.
#define GSTEP6(n, s) \
	GSTORE(64*n+4*s, 1664*n+192*s, Z2);        \
	GSTORE(64*n+32+4*s, 1664*n+192*s+64, Z3);  \
	GSTORE(128+32*n+4*s, 1664*n+192*s+128, Z4)

#define GHALF6(n) \
	GSTEP6(n, 0); \
	GSTEP6(n, 1); \
	GSTEP6(n, 2); \
	GSTEP6(n, 3); \
	GSTEP6(n, 4); \
	GSTEP6(n, 5); \
	GSTEP6(n, 6); \
	GSTEP6(n, 7)

// func packQ6_KAVX512(w *byte, idx *int32, nb int, dst *byte)
// Packs nb super-blocks of the 16 Q6_K rows at w + idx[r] into dst.
TEXT ·packQ6_KAVX512(SB), NOSPLIT, $0-32
	MOVQ      w+0(FP), SI
	MOVQ      idx+8(FP), AX
	VMOVDQU32 (AX), Z31
	MOVQ      nb+16(FP), CX
	MOVQ      dst+24(FP), DI

pq6kblock:
	GHALF6(0)
	GHALF6(1)
	// Scale pairs 2q, 2q+1 from dword q; d from the high half of the
	// dword at 206 (not past the block's end).
	GWORDS(192, 1536, 1568)
	GWORDS(196, 1600, 1632)
	GWORDS(200, 3200, 3232)
	GWORDS(204, 3264, 3296)
	GATHER(206, Z0)
	VPSRLD  $16, Z0, Z0
	VPMOVDW Z0, Y1
	VMOVDQU Y1, 3328(DI)
	ADDQ    $210, SI
	ADDQ    $3360, DI
	DECQ    CX
	JNZ     pq6kblock
	VZEROUPPER
	RET
