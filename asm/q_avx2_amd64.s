//go:build !noasm

#include "textflag.h"
#include "macros_amd64.h"

// Block dot products for the AVX2 flavour (AVX2 + FMA + F16C).
//
// Every kernel takes nb ≥ 1 weight blocks at w and as many activation
// blocks at x and forms each block's integer sum exactly, for any input
// bytes: bytes are multiplied with VPMADDUBSW (unsigned × signed → int16
// pairs) and widened with VPMADDWD, and the unsigned operand is always
// either a small unsigned level (≤ 63) or |y| ≤ 128 against a value in
// [-127, 127], so no pair can saturate; Q8_0 × Q8_0 sign-extends both
// operands to int16 instead. Offsets (Q4_0's 8, Q5_0's 16) are subtracted as
// 8·Σy, and the K-quants' offsets and mins come from the activation block's
// 16-element sums (bsums).
//
// The 32-element ("legacy") formats go four blocks at a time: four int32
// lane vectors are reduced by a VPHADDD tree to the four block sums, the
// eight half-precision scales are gathered into one VCVTPH2PS, and
// d_w·d_x·sum is FMA'd into four float lanes, as ggml does. They take the
// running sum to start from, so that the AVX-512 kernels can hand them the
// last few blocks.
//
// The K-quants reduce each super-block to its exact integer sums and then
// repeat the generic twin's float32 operations in its order (see KEXACT2 in
// macros_amd64.h): their results are bit-identical to quant's.
//
// Common registers: SI = weight block, DI = activation block, CX = blocks
// left, X0 the running float32 sum, Y1 the legacy vector accumulator.

// LEGACYLOOP is the loop of every legacy kernel: quads of blocks while
// four are left (QUAD), then single blocks (SINGLE), advancing SI/DI by wb
// and xb bytes a block.
#define LEGACYLOOP(QUAD, SINGLE, wb, xb) \
quad:                       \
	CMPQ CX, $4;            \
	JB   single;            \
	QUAD;                   \
	ADDQ $(4*wb), SI;       \
	ADDQ $(4*xb), DI;       \
	SUBQ $4, CX;            \
	JMP  quad;              \
single:                     \
	TESTQ CX, CX;           \
	JZ   done;              \
	SINGLE;                 \
	ADDQ $wb, SI;           \
	ADDQ $xb, DI;           \
	DECQ CX;                \
	JMP  single;            \
done:                       \
	LEGACYDONE

// Q4_0INT sets dst to int32 lanes summing to Σ(q−8)·y of the block at
// wo(SI), xo(DI): VPMADDUBSW(q, y) − VPMADDUBSW(8, y) in int16 pairs
// (|·| ≤ 5888), widened. Y15 = 0x0F, Y14 = 0x08 bytes, Y13 = int16 ones;
// clobbers Y2, Y3.
#define Q4_0INT(wo, xo, dst) \
	NIBBLES16(wo+2(SI), X2, Y2, X3, Y15); \
	VPMADDUBSW xo+2(DI), Y2, dst;  \
	VPMADDUBSW xo+2(DI), Y14, Y3;  \
	VPSUBW     Y3, dst, dst;       \
	VPMADDWD   Y13, dst, dst

// Q4_0QUAD and Q4_0ONE: four blocks, or one, added to X0.
#define Q4_0QUAD \
	Q4_0INT(0, 0, Y4);     \
	Q4_0INT(18, 34, Y5);   \
	Q4_0INT(36, 68, Y6);   \
	Q4_0INT(54, 102, Y7);  \
	QUADSUM;               \
	HALVES4(18, 36, 54, 34, 68, 102); \
	DDFMA

#define Q4_0ONE \
	Q4_0INT(0, 0, Y4);     \
	ONESUM;                \
	HALVES4(0, 0, 0, 0, 0, 0); \
	DDFMA1

// func dotQ4_0AVX2(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ4_0AVX2(SB), NOSPLIT, $0-36
	LEGACYSTART
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x08080808, X14, Y14)
	SPLAT4(0x00010001, X13, Y13)
	LEGACYLOOP(Q4_0QUAD, Q4_0ONE, 18, 34)

// Q8_0INT: both operands sign-extended to int16 (exact for every byte,
// -128 included), VPMADDWD. Clobbers Y2, Y3.
#define Q8_0INT(wo, xo, dst) \
	VPMOVSXBW wo+2(SI), Y2;   \
	VPMOVSXBW wo+18(SI), Y3;  \
	VPMOVSXBW xo+2(DI), dst;  \
	VPMADDWD  dst, Y2, Y2;    \
	VPMOVSXBW xo+18(DI), dst; \
	VPMADDWD  dst, Y3, Y3;    \
	VPADDD    Y3, Y2, dst

#define Q8_0QUAD \
	Q8_0INT(0, 0, Y4);     \
	Q8_0INT(34, 34, Y5);   \
	Q8_0INT(68, 68, Y6);   \
	Q8_0INT(102, 102, Y7); \
	QUADSUM;               \
	HALVES4(34, 68, 102, 34, 68, 102); \
	DDFMA

#define Q8_0ONE \
	Q8_0INT(0, 0, Y4);     \
	ONESUM;                \
	HALVES4(0, 0, 0, 0, 0, 0); \
	DDFMA1

// func dotQ8_0AVX2(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ8_0AVX2(SB), NOSPLIT, $0-36
	LEGACYSTART
	LEGACYLOOP(Q8_0QUAD, Q8_0ONE, 34, 34)

// FIFTHBITS ORs 0x10 into byte j of Y2 where bit j of the little-endian
// uint32 at p is set (the fifth bits of Q5_0/Q5_1). Y11 = bitSpread,
// Y10 = bitSelect, Y14 = 0x10 bytes. Clobbers Y3.
#define FIFTHBITS(p) \
	VPBROADCASTD p, Y3;        \
	VPSHUFB      Y11, Y3, Y3;  \
	VPAND        Y10, Y3, Y3;  \
	VPCMPEQB     Y10, Y3, Y3;  \
	VPAND        Y14, Y3, Y3;  \
	VPOR         Y3, Y2, Y2

// Q5_0INT: q = nibble | fifth bit·16 (0…31); Σ(q−16)·y =
// VPMADDUBSW(q, y) − VPMADDUBSW(16, y) (|·| ≤ 12032). Clobbers Y2, Y3.
#define Q5_0INT(wo, xo, dst) \
	NIBBLES16(wo+6(SI), X2, Y2, X3, Y15); \
	FIFTHBITS(wo+2(SI));           \
	VPMADDUBSW xo+2(DI), Y2, dst;  \
	VPMADDUBSW xo+2(DI), Y14, Y3;  \
	VPSUBW     Y3, dst, dst;       \
	VPMADDWD   Y13, dst, dst

#define Q5_0QUAD \
	Q5_0INT(0, 0, Y4);     \
	Q5_0INT(22, 34, Y5);   \
	Q5_0INT(44, 68, Y6);   \
	Q5_0INT(66, 102, Y7);  \
	QUADSUM;               \
	HALVES4(22, 44, 66, 34, 68, 102); \
	DDFMA

#define Q5_0ONE \
	Q5_0INT(0, 0, Y4);     \
	ONESUM;                \
	HALVES4(0, 0, 0, 0, 0, 0); \
	DDFMA1

// FIFTHSETUP: the constants of FIFTHBITS plus Y15 = 0x0F bytes, Y13 =
// int16 ones.
#define FIFTHSETUP \
	SPLAT4(0x0F0F0F0F, X15, Y15);  \
	SPLAT4(0x10101010, X14, Y14);  \
	SPLAT4(0x00010001, X13, Y13);  \
	VMOVDQU ·bitSpread(SB), Y11;   \
	VMOVDQU ·bitSelect(SB), Y10

// func dotQ5_0AVX2(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ5_0AVX2(SB), NOSPLIT, $0-36
	LEGACYSTART
	FIFTHSETUP
	LEGACYLOOP(Q5_0QUAD, Q5_0ONE, 22, 34)

// Q4_1INT: Σ q·y for unsigned nibbles q. Clobbers Y2, Y3.
#define Q4_1INT(wo, xo, dst) \
	NIBBLES16(wo+4(SI), X2, Y2, X3, Y15); \
	VPMADDUBSW xo+4(DI), Y2, dst; \
	VPMADDWD   Y13, dst, dst

#define Q4_1QUAD \
	Q4_1INT(0, 0, Y4);     \
	Q4_1INT(20, 36, Y5);   \
	Q4_1INT(40, 72, Y6);   \
	Q4_1INT(60, 108, Y7);  \
	QUADSUM;               \
	MINGATHER4(20, 40, 60, 36, 72, 108); \
	MINFMA

#define Q4_1ONE \
	Q4_1INT(0, 0, Y4);     \
	ONESUM;                \
	MINGATHER4(0, 0, 0, 0, 0, 0); \
	MINFMA1

// func dotQ4_1AVX2(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ4_1AVX2(SB), NOSPLIT, $0-36
	LEGACYSTART
	ONESODD
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x00010001, X13, Y13)
	LEGACYLOOP(Q4_1QUAD, Q4_1ONE, 20, 36)

// Q5_1INT: Σ q·y for q = nibble | fifth bit·16. Clobbers Y2, Y3.
#define Q5_1INT(wo, xo, dst) \
	NIBBLES16(wo+8(SI), X2, Y2, X3, Y15); \
	FIFTHBITS(wo+4(SI));          \
	VPMADDUBSW xo+4(DI), Y2, dst; \
	VPMADDWD   Y13, dst, dst

#define Q5_1QUAD \
	Q5_1INT(0, 0, Y4);     \
	Q5_1INT(24, 36, Y5);   \
	Q5_1INT(48, 72, Y6);   \
	Q5_1INT(72, 108, Y7);  \
	QUADSUM;               \
	MINGATHER4(24, 48, 72, 36, 72, 108); \
	MINFMA

#define Q5_1ONE \
	Q5_1INT(0, 0, Y4);     \
	ONESUM;                \
	MINGATHER4(0, 0, 0, 0, 0, 0); \
	MINFMA1

// func dotQ5_1AVX2(w, x *byte, nb int, sum float32) float32
TEXT ·dotQ5_1AVX2(SB), NOSPLIT, $0-36
	LEGACYSTART
	ONESODD
	FIFTHSETUP
	LEGACYLOOP(Q5_1QUAD, Q5_1ONE, 24, 36)

// IQ4LEVELS32 turns the 32 nibbles at p into their signed levels in Y2
// (element order). Y15 = 0x0F bytes, Y12 = the level table in both lanes.
// Clobbers X3.
#define IQ4LEVELS32(p) \
	NIBBLES16(p, X2, Y2, X3, Y15); \
	VPSHUFB Y2, Y12, Y2

// IQ4DOT32 sets dst to int32 lanes of Σ level·y over the levels in Y2 and
// the 32 activations at p: VPMADDUBSW(|y|, level·sign(y)) — |y| ≤ 128 and
// |level| ≤ 127, so pairs stay within ±32512. Y13 = int16 ones; clobbers
// Y2, Y3.
#define IQ4DOT32(p, dst) \
	VMOVDQU    p, Y3;        \
	VPSIGNB    Y3, Y2, Y2;   \
	VPABSB     Y3, Y3;       \
	VPMADDUBSW Y2, Y3, dst;  \
	VPMADDWD   Y13, dst, dst

#define IQ4_NLINT(wo, xo, dst) \
	IQ4LEVELS32(wo+2(SI)); \
	IQ4DOT32(xo+2(DI), dst)

#define IQ4_NLQUAD \
	IQ4_NLINT(0, 0, Y4);     \
	IQ4_NLINT(18, 34, Y5);   \
	IQ4_NLINT(36, 68, Y6);   \
	IQ4_NLINT(54, 102, Y7);  \
	QUADSUM;                 \
	HALVES4(18, 36, 54, 34, 68, 102); \
	DDFMA

#define IQ4_NLONE \
	IQ4_NLINT(0, 0, Y4);     \
	ONESUM;                  \
	HALVES4(0, 0, 0, 0, 0, 0); \
	DDFMA1

// func dotIQ4_NLAVX2(w, x *byte, nb int, sum float32) float32
TEXT ·dotIQ4_NLAVX2(SB), NOSPLIT, $0-36
	LEGACYSTART
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x00010001, X13, Y13)
	VBROADCASTI128 ·iq4Levels(SB), Y12
	LEGACYLOOP(IQ4_NLQUAD, IQ4_NLONE, 18, 34)

// ---- K-quants (256-element super-blocks against Q8_K: d float32 at 0,
// qs at 4, bsums int16[16] at 260; 292 bytes) ----

// K4SCALES turns AX/BX from SCALEMINK4 into Y2 = the eight scales as int16
// in both lanes and Y3 = Σ_j min_j·(bsum_2j + bsum_2j+1) as int32.
#define K4SCALES \
	VMOVQ        AX, X2;         \
	VPBROADCASTQ X2, X2;         \
	VPMOVZXBW    X2, Y2;         \
	VMOVQ        BX, X3;         \
	VPUNPCKLBW   X3, X3, X3;     \
	VPMOVZXBW    X3, Y3;         \
	VPMADDWD     260(DI), Y3, Y3

// K4CHUNK adds to Y4 the 64 products of chunk j (sub-blocks 2j and 2j+1):
// lo/hi are the level vectors, yo the activations' offset, mo = 64·j into
// wordBcast. Clobbers Y7.
#define K4CHUNK(lo, hi, yo, mo) \
	VPMADDUBSW yo(DI), lo, lo;            \
	VPMADDUBSW yo+32(DI), hi, hi;         \
	VPSHUFB    ·wordBcast+mo(SB), Y2, Y7;    \
	VPMADDWD   Y7, lo, lo;                \
	VPSHUFB    ·wordBcast+mo+32(SB), Y2, Y7; \
	VPMADDWD   Y7, hi, hi;                \
	VPADDD     lo, Y4, Y4;                \
	VPADDD     hi, Y4, Y4

// Q4KNIBBLES splits the 32 bytes at p into low nibbles Y8 and high Y9.
#define Q4KNIBBLES(p) \
	VMOVDQU p, Y8;        \
	VPSRLW  $4, Y8, Y9;   \
	VPAND   Y15, Y8, Y8;  \
	VPAND   Y15, Y9, Y9

// func dotQ4_KAVX2(w, x *byte, nb int) float32
// Q4_K (144 B): d, dmin | scales[12] | qs[128]; element 64j+l is the low
// nibble of qs[32j+l], 64j+32+l the high one. Σ_j sc_j·Σ q·y in int32 (Y4),
// the mins through bsums (Y3). Y15 = 0x0F bytes; scratch Y5–Y9.
TEXT ·dotQ4_KAVX2(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	SPLAT4(0x0F0F0F0F, X15, Y15)

block:
	SCALEMINK4
	K4SCALES
	VPXOR   Y4, Y4, Y4
	Q4KNIBBLES(16(SI))
	K4CHUNK(Y8, Y9, 4, 0)
	Q4KNIBBLES(48(SI))
	K4CHUNK(Y8, Y9, 68, 64)
	Q4KNIBBLES(80(SI))
	K4CHUNK(Y8, Y9, 132, 128)
	Q4KNIBBLES(112(SI))
	K4CHUNK(Y8, Y9, 196, 192)
	KEXACT2(0(SI))
	ADDQ    $144, SI
	ADDQ    $292, DI
	DECQ    CX
	JNZ     block

	KDONE

// Q5KCHUNK: Q4KNIBBLES plus the fifth bits of the chunk from Y10 (qh,
// shifted right by 2 after each chunk): bit 0 of each byte → 16 on the low
// nibble, bit 1 → 16 on the high. Y14 = 0x10 bytes; clobbers Y11.
#define Q5KCHUNK(p) \
	Q4KNIBBLES(p);          \
	VPSLLW $4, Y10, Y11;    \
	VPAND  Y14, Y11, Y11;   \
	VPOR   Y11, Y8, Y8;     \
	VPSLLW $3, Y10, Y11;    \
	VPAND  Y14, Y11, Y11;   \
	VPOR   Y11, Y9, Y9;     \
	VPSRLW $2, Y10, Y10

// func dotQ5_KAVX2(w, x *byte, nb int) float32
// Q5_K (176 B): d, dmin | scales[12] | qh[32] | qs[128]; as Q4_K with
// bit 2j (2j+1) of qh[l] the fifth bit of element 64j+l (64j+32+l).
// Y15 = 0x0F, Y14 = 0x10 bytes; Y10 = qh; scratch Y5–Y11.
TEXT ·dotQ5_KAVX2(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x10101010, X14, Y14)

block:
	SCALEMINK4
	K4SCALES
	VPXOR   Y4, Y4, Y4
	VMOVDQU 16(SI), Y10
	Q5KCHUNK(48(SI))
	K4CHUNK(Y8, Y9, 4, 0)
	Q5KCHUNK(80(SI))
	K4CHUNK(Y8, Y9, 68, 64)
	Q5KCHUNK(112(SI))
	K4CHUNK(Y8, Y9, 132, 128)
	Q5KCHUNK(144(SI))
	K4CHUNK(Y8, Y9, 196, 192)
	KEXACT2(0(SI))
	ADDQ    $176, SI
	ADDQ    $292, DI
	DECQ    CX
	JNZ     block

	KDONE

// PAIRSTEP adds to Y4 the products of the 32 levels in q (elements of two
// 16-element sub-blocks) with the activations at yo(DI), each half scaled
// by its sub-block's scale picked from Y5 by pairBcast entry mo/32.
// Clobbers Y7.
#define PAIRSTEP(q, yo, mo) \
	VPMADDUBSW yo(DI), q, q;              \
	VPSHUFB    ·pairBcast+mo(SB), Y5, Y7; \
	VPMADDWD   Y7, q, q;                  \
	VPADDD     q, Y4, Y4

// Q6KHALF adds to Y4 the 128 products of one half of a Q6_K block: its
// scales at sco(SI), ql at ao/bo(SI), qh at ho(SI), activations at yo(DI).
#define Q6KHALF(sco, ao, bo, ho, yo) \
	VPBROADCASTQ sco(SI), X5;     \
	VPMOVSXBW    X5, Y5;          \
	VMOVDQU      ao(SI), Y6;      \
	VMOVDQU      bo(SI), Y12;     \
	VMOVDQU      ho(SI), Y8;      \
	VPAND        Y15, Y6, Y9;     \
	VPSLLW       $4, Y8, Y10;     \
	VPAND        Y14, Y10, Y10;   \
	VPOR         Y10, Y9, Y9;     \
	PAIRSTEP(Y9, yo, 0);          \
	VPAND        Y15, Y12, Y9;    \
	VPSLLW       $2, Y8, Y10;     \
	VPAND        Y14, Y10, Y10;   \
	VPOR         Y10, Y9, Y9;     \
	PAIRSTEP(Y9, yo+32, 32);      \
	VPSRLW       $4, Y6, Y9;      \
	VPAND        Y15, Y9, Y9;     \
	VPAND        Y14, Y8, Y10;    \
	VPOR         Y10, Y9, Y9;     \
	PAIRSTEP(Y9, yo+64, 64);      \
	VPSRLW       $4, Y12, Y9;     \
	VPAND        Y15, Y9, Y9;     \
	VPSRLW       $2, Y8, Y10;     \
	VPAND        Y14, Y10, Y10;   \
	VPOR         Y10, Y9, Y9;     \
	PAIRSTEP(Y9, yo+96, 96)

// func dotQ6_KAVX2(w, x *byte, nb int) float32
// Q6_K (210 B): ql[128] | qh[64] | scales[16] int8 | d. In each 128-element
// half n, with A = ql[64n:], B = ql[64n+32:], H = qh[32n:], element l,
// 32+l, 64+l, 96+l are A low | H bits 0–1, B low | H 2–3, A high | H 4–5,
// B high | H 6–7 (six-bit levels q, value q−32). Σ sc·Σ(q−32)·y =
// Σ sc·Σ q·y − 32·Σ sc·bsum. Y15 = 0x0F, Y14 = 0x30 bytes; Y5 = the
// half's eight scales in both lanes; scratch Y2, Y3, Y6–Y13.
TEXT ·dotQ6_KAVX2(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x30303030, X14, Y14)

block:
	VPMOVSXBW 192(SI), Y2
	VPMADDWD  260(DI), Y2, Y3
	VPSLLD    $5, Y3, Y3
	VPXOR     Y4, Y4, Y4
	VPSUBD    Y3, Y4, Y4
	Q6KHALF(192, 0, 32, 128, 4)
	Q6KHALF(200, 64, 96, 160, 132)
	KEXACT1(208(SI))
	ADDQ      $210, SI
	ADDQ      $292, DI
	DECQ      CX
	JNZ       block

	KDONE

// Q3KSTEP: levels u = (Q >> qsh) & 3 | (hmask bit → 4), with Y6 = Q and
// the hmask bit moved to bit 2 of Y8 by "hop $hsh" (u − 4 is the value);
// then PAIRSTEP. Y13 = 0x03, Y12 = 0x04 bytes.
#define Q3KSTEP(qsh, hop, hsh, yo, mo) \
	VPSRLW $qsh, Y6, Y9;    \
	VPAND  Y13, Y9, Y9;     \
	hop    $hsh, Y8, Y10;   \
	VPAND  Y12, Y10, Y10;   \
	VPOR   Y10, Y9, Y9;     \
	PAIRSTEP(Y9, yo, mo)

// func dotQ3_KAVX2(w, x *byte, nb int) float32
// Q3_K (110 B): hmask[32] | qs[64] | scales[12] | d. Element 128n+32j+l
// has low bits (qs[32n+l] >> 2j) & 3 and is 4 less when bit 4n+j of
// hmask[l] is clear. Σ sc·Σ(u−4)·y = Σ sc·Σ u·y − 4·Σ sc·bsum.
// X14 = 0x20, Y13 = 0x03, Y12 = 0x04 bytes; Y8 = hmask, Y5 = the half's
// scales in both lanes; scratch Y2, Y3, Y6, Y7, Y9, Y10.
TEXT ·dotQ3_KAVX2(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	SPLAT4(0x20202020, X14, Y14)
	SPLAT4(0x03030303, X13, Y13)
	SPLAT4(0x04040404, X12, Y12)

block:
	SCALESQ3K
	VPMOVSXBW   X2, Y3
	VPMADDWD    260(DI), Y3, Y3
	VPSLLD      $2, Y3, Y3
	VPXOR       Y4, Y4, Y4
	VPSUBD      Y3, Y4, Y4
	VMOVDQU     (SI), Y8
	VPUNPCKLQDQ X2, X2, X5
	VPMOVSXBW   X5, Y5
	VMOVDQU     32(SI), Y6
	Q3KSTEP(0, VPSLLW, 2, 4, 0)
	Q3KSTEP(2, VPSLLW, 1, 36, 32)
	Q3KSTEP(4, VPSRLW, 0, 68, 64)
	Q3KSTEP(6, VPSRLW, 1, 100, 96)
	VPUNPCKHQDQ X2, X2, X5
	VPMOVSXBW   X5, Y5
	VMOVDQU     64(SI), Y6
	Q3KSTEP(0, VPSRLW, 2, 132, 0)
	Q3KSTEP(2, VPSRLW, 3, 164, 32)
	Q3KSTEP(4, VPSRLW, 4, 196, 64)
	Q3KSTEP(6, VPSRLW, 5, 228, 96)
	KEXACT1(108(SI))
	ADDQ        $110, SI
	ADDQ        $292, DI
	DECQ        CX
	JNZ         block

	KDONE

// Q2KSTEP: levels (Q >> qsh) & 3 with Y6 = Q, then PAIRSTEP.
#define Q2KSTEP(qsh, yo, mo) \
	VPSRLW $qsh, Y6, Y9;  \
	VPAND  Y13, Y9, Y9;   \
	PAIRSTEP(Y9, yo, mo)

// func dotQ2_KAVX2(w, x *byte, nb int) float32
// Q2_K (84 B): scales[16] (scale low nibble, min high) | qs[64] | d | dmin.
// Element 128n+32j+l is (qs[32n+l] >> 2j) & 3, sub-block 8n+2j+l/16.
// Σ sc·Σ q·y in Y4, Σ min·bsum in Y3. Y15 = 0x0F, Y13 = 0x03 bytes;
// Y5 = the half's scales in both lanes; scratch Y2, Y6, Y7, Y9.
TEXT ·dotQ2_KAVX2(SB), NOSPLIT, $0-28
	MOVQ   w+0(FP), SI
	MOVQ   x+8(FP), DI
	MOVQ   nb+16(FP), CX
	VXORPS Y0, Y0, Y0
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x03030303, X13, Y13)

block:
	VMOVDQU     (SI), X2
	VPSRLW      $4, X2, X3
	VPAND       X15, X3, X3
	VPMOVZXBW   X3, Y3
	VPMADDWD    260(DI), Y3, Y3
	VPAND       X15, X2, X2
	VPXOR       Y4, Y4, Y4
	VPUNPCKLQDQ X2, X2, X5
	VPMOVZXBW   X5, Y5
	VMOVDQU     16(SI), Y6
	Q2KSTEP(0, 4, 0)
	Q2KSTEP(2, 36, 32)
	Q2KSTEP(4, 68, 64)
	Q2KSTEP(6, 100, 96)
	VPUNPCKHQDQ X2, X2, X5
	VPMOVZXBW   X5, Y5
	VMOVDQU     48(SI), Y6
	Q2KSTEP(0, 132, 0)
	Q2KSTEP(2, 164, 32)
	Q2KSTEP(4, 196, 64)
	Q2KSTEP(6, 228, 96)
	KEXACT2(80(SI))
	ADDQ        $84, SI
	ADDQ        $292, DI
	DECQ        CX
	JNZ         block

	KDONE

// IQ4XSSUM sets dst to the eight int32 lane sums of sub-block ib's
// products level·y (qo = 8+16·ib, yo = 4+32·ib). Y13 = int16 ones.
#define IQ4XSSUM(qo, yo, dst) \
	IQ4LEVELS32(qo(SI));     \
	IQ4DOT32(yo(DI), dst)

// func dotIQ4_XSAVX2(w, x *byte, nb int) float32
// IQ4_XS (136 B): d | scales_h | scales_l[4] | qs[128], eight 32-element
// sub-blocks laid out as IQ4_NL blocks. As the generic twin, each
// sub-block's exact integer sum is scaled by d·d_x·scale and added to the
// float sum in order: the eight lane vectors are reduced with a VPHADDD
// tree to one vector of the eight sub-block sums.
// Y15 = 0x0F, Y14 = 0x20 bytes, Y13 = int16 ones, Y12 = levels; Y1 = the
// scales as floats; X0 the sum; scratch Y2–Y11.
TEXT ·dotIQ4_XSAVX2(SB), NOSPLIT, $0-28
	MOVQ           w+0(FP), SI
	MOVQ           x+8(FP), DI
	MOVQ           nb+16(FP), CX
	VXORPS         Y0, Y0, Y0
	SPLAT4(0x0F0F0F0F, X15, Y15)
	SPLAT4(0x20202020, X14, Y14)
	SPLAT4(0x00010001, X13, Y13)
	VBROADCASTI128 ·iq4Levels(SB), Y12

block:
	SCALESIQ4XS
	VPMOVSXBD    X6, Y1
	VCVTDQ2PS    Y1, Y1
	IQ4XSSUM(8, 4, Y5)
	IQ4XSSUM(24, 36, Y6)
	VPHADDD      Y6, Y5, Y5
	IQ4XSSUM(40, 68, Y6)
	IQ4XSSUM(56, 100, Y7)
	VPHADDD      Y7, Y6, Y6
	VPHADDD      Y6, Y5, Y5
	IQ4XSSUM(72, 132, Y6)
	IQ4XSSUM(88, 164, Y7)
	VPHADDD      Y7, Y6, Y6
	IQ4XSSUM(104, 196, Y7)
	IQ4XSSUM(120, 228, Y8)
	VPHADDD      Y8, Y7, Y7
	VPHADDD      Y7, Y6, Y6
	IQ4XSFINISH
	ADDQ         $136, SI
	ADDQ         $292, DI
	DECQ         CX
	JNZ          block

	KDONE
