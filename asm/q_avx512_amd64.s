//go:build !noasm

#include "textflag.h"
#include "macros_amd64.h"

// Block dot products for the AVX-512 flavour with VNNI (AVX-512 F, BW, VL,
// VNNI, plus F16C). Same contract and float arithmetic as q_avx2_amd64.s
// (legacy blocks FMA'd into float lanes, K-quants bit-identical to quant's
// twins); the integer work uses 512-bit vectors:
//
//   - Legacy blocks two per vector, four per loop iteration (the wrapper
//     gives these kernels a multiple of 4 blocks and the AVX2 kernels the
//     rest, continuing the same running sum). VPDPBUSD multiplies unsigned
//     by signed bytes and sums four products into each int32, without
//     saturation. Signed weights (Q8_0, IQ4 levels) become unsigned by
//     adding 128, and 128·Σy, computed by a second VPDPBUSD, is subtracted;
//     Q4_0/Q5_0's offsets 8/16 likewise. Exact for every input byte. The
//     scales of four blocks come from one or two 64-byte loads by word
//     permutes (VPERMW/VPERMT2W).
//   - K-quants 64 elements per instruction: small unsigned levels times y
//     with VPMADDUBSW (int16 pairs that cannot saturate), sub-block scales
//     applied with VPDPWSSD (int16 pairs × scale words into int32 lanes),
//     the scales picked per 128-bit lane with VPSHUFB/VPERMW. IQ4_XS uses
//     VPDPBUSD on levels + 128 and corrects with bsums.
//   - Mask registers, filled straight from the qh words or by VPTESTMB,
//     add the fifth/high bits.
//
// Common registers: SI = weight block, DI = activation block, CX = blocks
// left, X0 the running float32 sum, Y1 the legacy vector accumulator.

// NIBBLEPAIR sets Z2 to the nibbles of two 16-byte groups at pa and pb in
// element order: [pa low | pa high | pb low | pb high]. K1 selects the
// words of 128-bit lanes 1 and 3; Z15 = 0x0F bytes.
#define NIBBLEPAIR(pa, pb) \
	VMOVDQU     pa, X2;            \
	VINSERTI128 $1, pb, Y2, Y2;    \
	VSHUFI64X2  $0x50, Z2, Z2, Z2; \
	VPSRLW      $4, Z2, K1, Z2;    \
	VPANDD      Z15, Z2, Z2

// XPAIR sets Z3 to the 32 quants of two Q8_0/Q8_1 activation blocks at
// a(DI) and b(DI).
#define XPAIR(a, b) \
	VMOVDQU      a(DI), Y3; \
	VINSERTI64X4 $1, b(DI), Z3, Z3

// OFFSETDOT sets dst to Σ u·y − Σ c·y per int32 lane: u (Z2) unsigned
// levels, y (Z3) the activations, c (off) the offset bytes that make the
// signed value u − c. Clobbers Z5.
#define OFFSETDOT(off, dst) \
	VPXORD   dst, dst, dst;  \
	VPDPBUSD Z3, Z2, dst;    \
	VPXORD   Z5, Z5, Z5;     \
	VPDPBUSD Z3, off, Z5;    \
	VPSUBD   Z5, dst, dst

// PLAINDOT sets dst to Σ u·y per int32 lane (unsigned levels in Z2).
#define PLAINDOT(dst) \
	VPXORD   dst, dst, dst;  \
	VPDPBUSD Z3, Z2, dst

// FIFTHPAIR adds 16 to the levels in Z2 whose fifth bit is set: the two
// 32-bit qh words at qa and qb form a byte mask for the 64 elements.
// Z13 = 0x10 bytes. Clobbers AX, BX, K2.
#define FIFTHPAIR(qa, qb) \
	MOVL   qa, AX;          \
	MOVL   qb, BX;          \
	SHLQ   $32, BX;         \
	ORQ    BX, AX;          \
	KMOVQ  AX, K2;          \
	VPADDB Z13, Z2, K2, Z2

// QUADLANES splits the pair sums in Z4 (blocks A, B) and Z6 (C, D) into
// Y4–Y7 for QUADSUM.
#define QUADLANES \
	VEXTRACTI64X4 $1, Z4, Y5; \
	VEXTRACTI64X4 $1, Z6, Y7; \
	QUADSUM

// Scales of four blocks by permutes of 64-byte loads (instead of eight
// scalar loads): Z16 holds the word (or dword, with VPERMD/VPERMT2D)
// indexes of the weight blocks' scales, Z17 those of the activation
// blocks'. Each load stays inside the four blocks. WSCALES1 picks from the
// 64 bytes at SI, WSCALES2 from SI and off(SI) (VPERMT2W/D: the first
// table is overwritten by the result, the second is the memory operand),
// XSCALES from DI and 64(DI); they leave the halves in X8 (weights) and X9
// (activations).
#define WSCALES1(op) \
	op (SI), Z16, Z8

#define WSCALES2(op, off) \
	VMOVDQU64 (SI), Z8;   \
	op        off(SI), Z16, Z8

#define XSCALES(op) \
	VMOVDQU64 (DI), Z9;   \
	op        64(DI), Z17, Z9

// SCALESF converts the four weight and activation scales in X8, X9.
#define SCALESF \
	VCVTPH2PS X8, X8; \
	VCVTPH2PS X9, X9

// SCALEIDX loads the index vectors named w and x into Z16, Z17.
#define SCALEIDX(w, x) \
	VBROADCASTI32X4 w(SB), Z16; \
	VBROADCASTI32X4 x(SB), Z17

// VNNISETUP: Z15 = 0x0F bytes, K1 = words of 128-bit lanes 1 and 3.
#define VNNISETUP \
	MOVL         $0x0F0F0F0F, AX; \
	VPBROADCASTD AX, Z15;         \
	MOVL         $0xFF00FF00, AX; \
	KMOVD        AX, K1

// VNNILOOP: four blocks per iteration (nb a multiple of 4).
#define VNNILOOP(QUAD, wb, xb) \
loop:                    \
	QUAD;                \
	ADDQ $(4*wb), SI;    \
	ADDQ $(4*xb), DI;    \
	SUBQ $4, CX;         \
	JNZ  loop;           \
	LEGACYDONE

// Q8_0PAIR: w + 128 = w XOR 0x80 (Z14 = 0x80 bytes), Σ(w+128)·y − 128·Σy.
#define Q8_0PAIR(wa, wb, xa, xb, dst) \
	VMOVDQU      wa+2(SI), Y2;          \
	VINSERTI64X4 $1, wb+2(SI), Z2, Z2;  \
	VPXORD       Z14, Z2, Z2;           \
	XPAIR(xa+2, xb+2);                  \
	OFFSETDOT(Z14, dst)

#define Q8_0QUADZ \
	Q8_0PAIR(0, 34, 0, 34, Z4);        \
	Q8_0PAIR(68, 102, 68, 102, Z6);    \
	QUADLANES;                         \
	WSCALES2(VPERMT2W, 64);            \
	XSCALES(VPERMT2W);                 \
	SCALESF;                           \
	DDFMA

// func dotQ8_0VNNI(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ8_0VNNI(SB), NOSPLIT, $0-36
	LEGACYSTART
	SCALEIDX(·scaleIdxQ8_0, ·scaleIdxQ8_0)
	MOVL         $0x80808080, AX
	VPBROADCASTD AX, Z14
	VNNILOOP(Q8_0QUADZ, 34, 34)

// Q4_0PAIR: Σ q·y − 8·Σy (Z14 = 0x08 bytes).
#define Q4_0PAIR(wa, wb, xa, xb, dst) \
	NIBBLEPAIR(wa+2(SI), wb+2(SI)); \
	XPAIR(xa+2, xb+2);              \
	OFFSETDOT(Z14, dst)

#define Q4_0QUADZ \
	Q4_0PAIR(0, 18, 0, 34, Z4);        \
	Q4_0PAIR(36, 54, 68, 102, Z6);     \
	QUADLANES;                         \
	WSCALES1(VPERMW);                  \
	XSCALES(VPERMT2W);                 \
	SCALESF;                           \
	DDFMA

// func dotQ4_0VNNI(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ4_0VNNI(SB), NOSPLIT, $0-36
	LEGACYSTART
	VNNISETUP
	SCALEIDX(·scaleIdxQ4_0, ·scaleIdxQ8_0)
	MOVL         $0x08080808, AX
	VPBROADCASTD AX, Z14
	VNNILOOP(Q4_0QUADZ, 18, 34)

// IQ4_NLPAIR: levels + 128 from iq4ULevels (Z12), Σ u·y − 128·Σy
// (Z14 = 0x80 bytes).
#define IQ4_NLPAIR(wa, wb, xa, xb, dst) \
	NIBBLEPAIR(wa+2(SI), wb+2(SI)); \
	VPSHUFB Z2, Z12, Z2;            \
	XPAIR(xa+2, xb+2);              \
	OFFSETDOT(Z14, dst)

#define IQ4_NLQUADZ \
	IQ4_NLPAIR(0, 18, 0, 34, Z4);      \
	IQ4_NLPAIR(36, 54, 68, 102, Z6);   \
	QUADLANES;                         \
	WSCALES1(VPERMW);                  \
	XSCALES(VPERMT2W);                 \
	SCALESF;                           \
	DDFMA

// func dotIQ4_NLVNNI(w, x *byte, nb int, sum float32) float32
TEXT ·dotIQ4_NLVNNI(SB), NOSPLIT, $0-36
	LEGACYSTART
	VNNISETUP
	SCALEIDX(·scaleIdxQ4_0, ·scaleIdxQ8_0)
	MOVL            $0x80808080, AX
	VPBROADCASTD    AX, Z14
	VBROADCASTI32X4 ·iq4ULevels(SB), Z12
	VNNILOOP(IQ4_NLQUADZ, 18, 34)

// Q5_0PAIR: q = nibble + 16·fifth bit, Σ q·y − 16·Σy (Z13 = 0x10 bytes).
#define Q5_0PAIR(wa, wb, xa, xb, dst) \
	NIBBLEPAIR(wa+6(SI), wb+6(SI)); \
	FIFTHPAIR(wa+2(SI), wb+2(SI));  \
	XPAIR(xa+2, xb+2);              \
	OFFSETDOT(Z13, dst)

#define Q5_0QUADZ \
	Q5_0PAIR(0, 22, 0, 34, Z4);        \
	Q5_0PAIR(44, 66, 68, 102, Z6);     \
	QUADLANES;                         \
	WSCALES2(VPERMT2W, 24);            \
	XSCALES(VPERMT2W);                 \
	SCALESF;                           \
	DDFMA

// func dotQ5_0VNNI(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ5_0VNNI(SB), NOSPLIT, $0-36
	LEGACYSTART
	VNNISETUP
	SCALEIDX(·scaleIdxQ5_0, ·scaleIdxQ8_0)
	MOVL         $0x10101010, AX
	VPBROADCASTD AX, Z13
	VNNILOOP(Q5_0QUADZ, 22, 34)

// Q4_1PAIR: Σ q·y of unsigned nibbles.
#define Q4_1PAIR(wa, wb, xa, xb, dst) \
	NIBBLEPAIR(wa+4(SI), wb+4(SI)); \
	XPAIR(xa+4, xb+4);              \
	PLAINDOT(dst)

#define Q4_1QUADZ \
	Q4_1PAIR(0, 20, 0, 36, Z4);          \
	Q4_1PAIR(40, 60, 72, 108, Z6);       \
	QUADLANES;                           \
	WSCALES1(VPERMD);                    \
	XSCALES(VPERMT2D);                   \
	MINFMA

// func dotQ4_1VNNI(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ4_1VNNI(SB), NOSPLIT, $0-36
	LEGACYSTART
	ONESODD
	VNNISETUP
	SCALEIDX(·scaleIdxQ4_1, ·scaleIdxQ8_1)
	VNNILOOP(Q4_1QUADZ, 20, 36)

// Q5_1PAIR: Σ q·y with q = nibble + 16·fifth bit (Z13 = 0x10 bytes).
#define Q5_1PAIR(wa, wb, xa, xb, dst) \
	NIBBLEPAIR(wa+8(SI), wb+8(SI)); \
	FIFTHPAIR(wa+4(SI), wb+4(SI));  \
	XPAIR(xa+4, xb+4);              \
	PLAINDOT(dst)

#define Q5_1QUADZ \
	Q5_1PAIR(0, 24, 0, 36, Z4);          \
	Q5_1PAIR(48, 72, 72, 108, Z6);       \
	QUADLANES;                           \
	WSCALES2(VPERMT2D, 32);              \
	XSCALES(VPERMT2D);                   \
	MINFMA

// func dotQ5_1VNNI(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ5_1VNNI(SB), NOSPLIT, $0-36
	LEGACYSTART
	ONESODD
	VNNISETUP
	SCALEIDX(·scaleIdxQ5_1, ·scaleIdxQ8_1)
	MOVL         $0x10101010, AX
	VPBROADCASTD AX, Z13
	VNNILOOP(Q5_1QUADZ, 24, 36)

// ---- K-quants against Q8_K (d float32 at 0, qs at 4, bsums at 260) ----

// KFOLD adds the high half of the int32 sums in Z4 to its low half (Y4),
// for KEXACT1/KEXACT2.
#define KFOLD \
	VEXTRACTI64X4 $1, Z4, Y5; \
	VPADDD        Y5, Y4, Y4

// K4SCALESZ: from SCALEMINK4's AX (scales) and BX (mins), Z2 = the eight
// scales as words in every 128-bit lane, Y3 = Σ_j min_j·(bsum_2j+bsum_2j+1)
// as int32 (upper half of Z3 zero).
#define K4SCALESZ \
	VMOVQ      AX, X2;           \
	VPMOVZXBW  X2, X2;           \
	VSHUFI64X2 $0, Z2, Z2, Z2;   \
	VMOVQ      BX, X3;           \
	VPUNPCKLBW X3, X3, X3;       \
	VPMOVZXBW  X3, Y3;           \
	VPMADDWD   260(DI), Y3, Y3

// K4NIBBLESZ sets Z5 to the 64 levels of a 32-byte chunk at p: low
// nibbles (sub-block 2j) then high nibbles (2j+1). K1 selects the upper
// 256 bits' words; Z15 = 0x0F bytes.
#define K4NIBBLESZ(p) \
	VBROADCASTI64X4 p, Z5;       \
	VPSRLW          $4, Z5, K1, Z5; \
	VPANDD          Z15, Z5, Z5

// K4CHUNKZ adds to Z4 the 64 products of the levels in Z5 with the
// activations at yo(DI), each 32 scaled by its sub-block's scale (wordBcast
// entries 2j and 2j+1, adjacent, at mo = 64·j). Clobbers Z6.
#define K4CHUNKZ(yo, mo) \
	VPMADDUBSW yo(DI), Z5, Z5;             \
	VPSHUFB    ·wordBcast+mo(SB), Z2, Z6;  \
	VPDPWSSD   Z6, Z5, Z4

// func dotQ4_KVNNI(w, x *byte, nb int) float32
// Q4_K against Q8_K, 64 elements per step. Z15 = 0x0F bytes, K1 = upper
// words; Z2 scales, Z3 min sums, Z4 int32 sums; scratch Z5, Z6.
TEXT ·dotQ4_KVNNI(SB), NOSPLIT, $0-28
	MOVQ         w+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         nb+16(FP), CX
	VPXORD       Z0, Z0, Z0
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z15
	MOVL         $0xFFFF0000, AX
	KMOVD        AX, K1

block:
	SCALEMINK4
	K4SCALESZ
	VPXORD Z4, Z4, Z4
	K4NIBBLESZ(16(SI))
	K4CHUNKZ(4, 0)
	K4NIBBLESZ(48(SI))
	K4CHUNKZ(68, 64)
	K4NIBBLESZ(80(SI))
	K4CHUNKZ(132, 128)
	K4NIBBLESZ(112(SI))
	K4CHUNKZ(196, 192)
	KFOLD
	KEXACT2(0(SI))
	ADDQ   $144, SI
	ADDQ   $292, DI
	DECQ   CX
	JNZ    block
	KDONE

// Q5KBITSZ adds 16 to the levels in Z5 whose fifth bit is set: Z7 = qh in
// both halves, shifted right by 2 after each chunk; Z13 selects bit 0 in
// the low half and bit 1 in the high half; Z14 = 0x10 bytes. Clobbers K2.
#define Q5KBITSZ \
	VPTESTMB Z13, Z7, K2;     \
	VPADDB   Z14, Z5, K2, Z5; \
	VPSRLW   $2, Z7, Z7

// func dotQ5_KVNNI(w, x *byte, nb int) float32
// Q5_K against Q8_K: dotQ4_KVNNI plus the fifth bits from qh. Z15 = 0x0F,
// Z14 = 0x10 bytes, Z13 = [0x01 × 32 | 0x02 × 32], K1 = upper words.
TEXT ·dotQ5_KVNNI(SB), NOSPLIT, $0-28
	MOVQ         w+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         nb+16(FP), CX
	VPXORD       Z0, Z0, Z0
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z15
	MOVL         $0x10101010, AX
	VPBROADCASTD AX, Z14
	MOVL         $0xFF00, AX
	KMOVW        AX, K2
	MOVL         $0x01010101, AX
	VPBROADCASTD AX, Z13
	MOVL         $0x02020202, AX
	VPBROADCASTD AX, K2, Z13
	MOVL         $0xFFFF0000, AX
	KMOVD        AX, K1

block:
	SCALEMINK4
	K4SCALESZ
	VPXORD          Z4, Z4, Z4
	VBROADCASTI64X4 16(SI), Z7
	K4NIBBLESZ(48(SI))
	Q5KBITSZ
	K4CHUNKZ(4, 0)
	K4NIBBLESZ(80(SI))
	Q5KBITSZ
	K4CHUNKZ(68, 64)
	K4NIBBLESZ(112(SI))
	Q5KBITSZ
	K4CHUNKZ(132, 128)
	K4NIBBLESZ(144(SI))
	Q5KBITSZ
	K4CHUNKZ(196, 192)
	KFOLD
	KEXACT2(0(SI))
	ADDQ            $176, SI
	ADDQ            $292, DI
	DECQ            CX
	JNZ             block
	KDONE

// QUARTERZ adds to Z4 the 64 products of the levels in lv with the
// activations at yo(DI), 128-bit lane k scaled by sub-block scale
// (from the sixteen words of Z2) picked by the wordIdx entry in idx.
// Clobbers Z10.
#define QUARTERZ(lv, yo, idx) \
	VPMADDUBSW yo(DI), lv, lv;  \
	VPERMW     Z2, idx, Z10;    \
	VPDPWSSD   Z10, lv, Z4

// WORDIDX loads the four wordIdx entries into Z16–Z19.
#define WORDIDX \
	VMOVDQU32 ·wordIdx+0(SB), Z16;   \
	VMOVDQU32 ·wordIdx+64(SB), Z17;  \
	VMOVDQU32 ·wordIdx+128(SB), Z18; \
	VMOVDQU32 ·wordIdx+192(SB), Z19

// WORDSPLIT sets z to the word lo in its low 256 bits and hi in its high
// 256 bits (shift counts for VPSLLVW/VPSRLVW). K3 selects the upper words.
// Clobbers AX.
#define WORDSPLIT(lo, hi, z) \
	MOVL         $lo, AX;         \
	VPBROADCASTW AX, z;           \
	MOVL         $hi, AX;         \
	VPBROADCASTW AX, K3, z

// Q6KHALFZ adds to Z4 the 128 products of half n of a Q6_K block: ql at
// lo(SI) (A then B, 64 bytes), qh at ho(SI), activations at yo(DI). With
// Z6 = [H | H]: [q1 | q2] = [A | B] & 0x0F | ([H<<4 | H<<2] & 0x30) and
// [q3 | q4] = [A | B] >> 4 | ([H | H>>2] & 0x30). Z15 = 0x0F, Z14 = 0x30
// bytes, Z11 = counts [4 | 2], Z12 = [0 | 2]. Clobbers Z5–Z8.
#define Q6KHALFZ(lo, ho, yo, idx12, idx34) \
	VMOVDQU64       lo(SI), Z5;    \
	VBROADCASTI64X4 ho(SI), Z6;    \
	VPANDD          Z15, Z5, Z7;   \
	VPSLLVW         Z11, Z6, Z8;   \
	VPANDD          Z14, Z8, Z8;   \
	VPORD           Z8, Z7, Z7;    \
	QUARTERZ(Z7, yo, idx12);       \
	VPSRLW          $4, Z5, Z5;    \
	VPANDD          Z15, Z5, Z5;   \
	VPSRLVW         Z12, Z6, Z8;   \
	VPANDD          Z14, Z8, Z8;   \
	VPORD           Z8, Z5, Z5;    \
	QUARTERZ(Z5, yo+64, idx34)

// func dotQ6_KVNNI(w, x *byte, nb int) float32
// Q6_K against Q8_K: Σ sc·Σ q·y − 32·Σ sc·bsum. Z2 = the sixteen scales as
// words, Z4 int32 sums, Z16–Z19 wordIdx; constants as Q6KHALFZ.
TEXT ·dotQ6_KVNNI(SB), NOSPLIT, $0-28
	MOVQ         w+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         nb+16(FP), CX
	VPXORD       Z0, Z0, Z0
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z15
	MOVL         $0x30303030, AX
	VPBROADCASTD AX, Z14
	MOVL         $0xFFFF0000, AX
	KMOVD        AX, K3
	WORDSPLIT(4, 2, Z11)
	WORDSPLIT(0, 2, Z12)
	WORDIDX

block:
	VPMOVSXBW 192(SI), Y2
	VPMADDWD  260(DI), Y2, Y3
	VPSLLD    $5, Y3, Y3
	VPXORD    Z4, Z4, Z4
	VPSUBD    Z3, Z4, Z4
	Q6KHALFZ(0, 128, 4, Z16, Z17)
	Q6KHALFZ(64, 160, 132, Z18, Z19)
	KFOLD
	KEXACT1(208(SI))
	ADDQ      $210, SI
	ADDQ      $292, DI
	DECQ      CX
	JNZ       block
	KDONE

// Q3KQUARTERZ: levels [Q >> 4p | Q >> 4p+2] & 3 (Z6 = [Q | Q], cnt the
// shift counts), plus 4 where the hmask bit is set (Z7 = [hmask | hmask]
// shifted right by 2 per quarter, Z13 = [0x01 | 0x02] bytes), then
// QUARTERZ. Z12 = 0x03, Z20 = 0x04 bytes. Clobbers Z8, K2.
#define Q3KQUARTERZ(cnt, yo, idx) \
	VPSRLVW  cnt, Z6, Z8;      \
	VPANDD   Z12, Z8, Z8;      \
	VPTESTMB Z13, Z7, K2;      \
	VPADDB   Z20, Z8, K2, Z8;  \
	VPSRLW   $2, Z7, Z7;       \
	QUARTERZ(Z8, yo, idx)

// func dotQ3_KVNNI(w, x *byte, nb int) float32
// Q3_K against Q8_K: Σ sc·Σ u·y − 4·Σ sc·bsum, u = 2 low bits + 4·hbit.
// Z14 = 0x20 bytes (for SCALESQ3K), Z12 = 0x03, Z20 = 0x04, Z13 =
// [0x01 | 0x02]; Z11/Z21 = shift counts [0|2], [4|6]; Z16–Z19 wordIdx.
TEXT ·dotQ3_KVNNI(SB), NOSPLIT, $0-28
	MOVQ         w+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         nb+16(FP), CX
	VPXORD       Z0, Z0, Z0
	MOVL         $0x03030303, AX
	VPBROADCASTD AX, Z12
	MOVL         $0x04040404, AX
	VPBROADCASTD AX, Z20
	MOVL         $0x20202020, AX
	VPBROADCASTD AX, Z14
	MOVL         $0xFF00, AX
	KMOVW        AX, K2
	MOVL         $0x01010101, AX
	VPBROADCASTD AX, Z13
	MOVL         $0x02020202, AX
	VPBROADCASTD AX, K2, Z13
	MOVL         $0xFFFF0000, AX
	KMOVD        AX, K3
	WORDSPLIT(0, 2, Z11)
	WORDSPLIT(4, 6, Z21)
	WORDIDX

block:
	SCALESQ3K
	VPMOVSXBW       X2, Y2
	VPMADDWD        260(DI), Y2, Y3
	VPSLLD          $2, Y3, Y3
	VPXORD          Z4, Z4, Z4
	VPSUBD          Z3, Z4, Z4
	VBROADCASTI64X4 (SI), Z7
	VBROADCASTI64X4 32(SI), Z6
	Q3KQUARTERZ(Z11, 4, Z16)
	Q3KQUARTERZ(Z21, 68, Z17)
	VBROADCASTI64X4 64(SI), Z6
	Q3KQUARTERZ(Z11, 132, Z18)
	Q3KQUARTERZ(Z21, 196, Z19)
	KFOLD
	KEXACT1(108(SI))
	ADDQ            $110, SI
	ADDQ            $292, DI
	DECQ            CX
	JNZ             block
	KDONE

// Q2KQUARTERZ: levels [Q >> 4p | Q >> 4p+2] & 3 (Z6 = [Q | Q]), then
// QUARTERZ. Z12 = 0x03 bytes. Clobbers Z8.
#define Q2KQUARTERZ(cnt, yo, idx) \
	VPSRLVW cnt, Z6, Z8;   \
	VPANDD  Z12, Z8, Z8;   \
	QUARTERZ(Z8, yo, idx)

// func dotQ2_KVNNI(w, x *byte, nb int) float32
// Q2_K against Q8_K: Σ sc·Σ q·y·d − Σ min·bsum·dmin. Z15 = 0x0F, Z12 =
// 0x03 bytes; Z11/Z21 = shift counts [0|2], [4|6].
TEXT ·dotQ2_KVNNI(SB), NOSPLIT, $0-28
	MOVQ         w+0(FP), SI
	MOVQ         x+8(FP), DI
	MOVQ         nb+16(FP), CX
	VPXORD       Z0, Z0, Z0
	MOVL         $0x0F0F0F0F, AX
	VPBROADCASTD AX, Z15
	MOVL         $0x03030303, AX
	VPBROADCASTD AX, Z12
	MOVL         $0xFFFF0000, AX
	KMOVD        AX, K3
	WORDSPLIT(0, 2, Z11)
	WORDSPLIT(4, 6, Z21)
	WORDIDX

block:
	VMOVDQU         (SI), X2
	VPSRLW          $4, X2, X3
	VPAND           X15, X3, X3
	VPMOVZXBW       X3, Y3
	VPMADDWD        260(DI), Y3, Y3
	VPAND           X15, X2, X2
	VPMOVZXBW       X2, Y2
	VPXORD          Z4, Z4, Z4
	VBROADCASTI64X4 16(SI), Z6
	Q2KQUARTERZ(Z11, 4, Z16)
	Q2KQUARTERZ(Z21, 68, Z17)
	VBROADCASTI64X4 48(SI), Z6
	Q2KQUARTERZ(Z11, 132, Z18)
	Q2KQUARTERZ(Z21, 196, Z19)
	KFOLD
	KEXACT2(80(SI))
	ADDQ            $84, SI
	ADDQ            $292, DI
	DECQ            CX
	JNZ             block
	KDONE

// IQ4XSPAIRZ sets Y<lo> to the eight int32 lane sums of Σ u·y for
// sub-block 2p and Y<hi> to those of 2p+1 (qs at qo(SI), activations at
// yo(DI)), u = level + 128 from Z12. zlo is the Z name of lo.
#define IQ4XSPAIRZ(qo, yo, zlo, lo, hi) \
	VMOVDQU       qo(SI), Y5;        \
	VSHUFI64X2    $0x50, Z5, Z5, Z5; \
	VPSRLW        $4, Z5, K1, Z5;    \
	VPANDD        Z15, Z5, Z5;       \
	VPSHUFB       Z5, Z12, Z5;       \
	VPXORD        zlo, zlo, zlo;     \
	VPDPBUSD      yo(DI), Z5, zlo;   \
	VEXTRACTI64X4 $1, zlo, hi

// func dotIQ4_XSVNNI(w, x *byte, nb int) float32
// IQ4_XS against Q8_K, two sub-blocks per VPDPBUSD: Σ u·y with u = level +
// 128, reduced per sub-block by a VPHADDD tree, minus 128·Σy from bsums
// gives each sub-block's exact sum; then as dotIQ4_XSAVX2. Z15/X15 = 0x0F,
// X14 = 0x20 bytes, Y13 = int16 ones, Z12 = iq4ULevels, K1 = words of
// lanes 1 and 3; Y1 = scales as floats, X0 the sum.
TEXT ·dotIQ4_XSVNNI(SB), NOSPLIT, $0-28
	MOVQ            w+0(FP), SI
	MOVQ            x+8(FP), DI
	MOVQ            nb+16(FP), CX
	VPXORD          Z0, Z0, Z0
	MOVL            $0x0F0F0F0F, AX
	VPBROADCASTD    AX, Z15
	MOVL            $0x20202020, AX
	VPBROADCASTD    AX, Z14
	MOVL            $0x00010001, AX
	VPBROADCASTD    AX, Z13
	MOVL            $0xFF00FF00, AX
	KMOVD           AX, K1
	VBROADCASTI32X4 ·iq4ULevels(SB), Z12

block:
	SCALESIQ4XS
	VPMOVSXBD   X6, Y1
	VCVTDQ2PS   Y1, Y1
	IQ4XSPAIRZ(8, 4, Z8, Y8, Y9)
	VPHADDD     Y9, Y8, Y8
	IQ4XSPAIRZ(40, 68, Z10, Y10, Y11)
	VPHADDD     Y11, Y10, Y10
	VPHADDD     Y10, Y8, Y8
	IQ4XSPAIRZ(72, 132, Z10, Y10, Y11)
	VPHADDD     Y11, Y10, Y10
	IQ4XSPAIRZ(104, 196, Z6, Y6, Y11)
	VPHADDD     Y11, Y6, Y6
	VPHADDD     Y6, Y10, Y6
	VMOVDQA     Y8, Y5
	VPMADDWD    260(DI), Y13, Y10
	VPSLLD      $7, Y10, Y10
	IQ4XSFINISHOFF(Y10)
	ADDQ        $136, SI
	ADDQ        $292, DI
	DECQ        CX
	JNZ         block
	KDONE
