//go:build !noasm

#include "textflag.h"
#include "neon_arm64.h"

// Dot products of 256-element super-blocks (Q2_K … Q6_K, Q8_K, IQ4_XS) with
// Q8_K activation blocks (d f32 | qs[256] int8 | bsums[16] int16). Layouts:
// quant/kquants.go and quant/iq4.go.
//
// Per super-block the weights are unpacked into signed bytes one 16- or
// 32-element sub-block at a time, dotted exactly with the activations
// (IDOT), and the sub-block's int32 lanes multiplied by its integer scale
// into V18 (MLA by lane). Integer sums are exact and, for Q2_K … Q6_K and
// Q8_K, the float work per super-block is the Go twin's in the twin's order,
// so the results are bit-identical to the quant package's. IQ4_XS adds its
// eight scaled sub-block sums in integers and rounds once per super-block
// (the twin rounds per sub-block), so it agrees up to float rounding.
//
// Register plan, shared by every kernel in this file:
//	R0 super-blocks left, R1 weights, R2 activations, R3 second pointer
//	R4/R5 f16 d/dmin, R6-R13 scale bytes being unpacked
//	R14 isum, R15 summs (Σ min·bsum)
//	V0-V7 weight quants, V8-V14 scales, V15/V19 scratch
//	V16/V17 int32 sums of one sub-block, V18 Σ scale·sum (isum)
//	F20 result, F21 activation scale, F22-F25 float scratch (end of block)
//	V22/V23 activations, V24/V25 IDOT scratch, V28-V31 constants

// kvalues of IQ4_XS (and IQ4_NL).
DATA kConsts<>+0(SB)/8, $0xf6eaddcfbfad9881 // -127 -104 -83 -65 -49 -35 -22 -10
DATA kConsts<>+8(SB)/8, $0x7159453526190d01 // 1 13 25 38 53 69 89 113
GLOBL kConsts<>(SB), RODATA|NOPTR, $16

// F20 += (half(R4)·F21)·float(R14) − (half(R5)·F21)·float(R15).
#define ACC_D_DMIN \
	SCVTFWS   R14, F22 \
	; SCVTFWS R15, F23 \
	; FMOVS   R4, F24 \
	; FCVTHS  F24, F24 \
	; FMULS   F21, F24, F24 \
	; FMOVS   R5, F25 \
	; FCVTHS  F25, F25 \
	; FMULS   F21, F25, F25 \
	; FMULS   F24, F22, F22 \
	; FMULS   F25, F23, F23 \
	; FSUBS   F23, F22, F22 \
	; FADDS   F22, F20, F20

// F20 += (half(R4)·F21)·float(R14).
#define ACC_D \
	SCVTFWS  R14, F22 \
	; FMOVS  R4, F24 \
	; FCVTHS F24, F24 \
	; FMULS  F21, F24, F24 \
	; FMULS  F24, F22, F22 \
	; FADDS  F22, F20, F20

// R14 = Σ lanes of V18.
#define ISUM \
	VADDV  V18.S4, V18 \
	; VMOV V18.S[0], R14

// Two 16-element sub-blocks: quants V6 and V7 times the next 32
// activations, into V18 scaled by lanes i and j of V<sc>.
#define DOT16X2(IDOT, sc, i, j) \
	VLD1.P 32(R2), [V22.B16, V23.B16] \
	; VEOR  V16.B16, V16.B16, V16.B16 \
	; VEOR  V17.B16, V17.B16, V17.B16 \
	; IDOT(16, 6, 22, 24, 25) \
	; IDOT(17, 7, 23, 24, 25) \
	; MLA_LANE(18, 16, sc, i) \
	; MLA_LANE(18, 17, sc, j)

// ---- Q2_K: scales[16] (scale | min<<4) | qs[64] | d | dmin ----
// Element = d·scale·q - dmin·min, q two bits at shift 2s of qs[32n+l].

// The four 32-element groups of one half (32 bytes of qs): V29 = 3.
#define Q2K_HALF(IDOT, scA, scB) \
	VLD1.P 32(R1), [V0.B16, V1.B16] \
	; VAND  V29.B16, V0.B16, V6.B16 \
	; VAND  V29.B16, V1.B16, V7.B16 \
	; DOT16X2(IDOT, scA, 0, 1) \
	; VUSHR $2, V0.B16, V6.B16 \
	; VUSHR $2, V1.B16, V7.B16 \
	; VAND  V29.B16, V6.B16, V6.B16 \
	; VAND  V29.B16, V7.B16, V7.B16 \
	; DOT16X2(IDOT, scA, 2, 3) \
	; VUSHR $4, V0.B16, V6.B16 \
	; VUSHR $4, V1.B16, V7.B16 \
	; VAND  V29.B16, V6.B16, V6.B16 \
	; VAND  V29.B16, V7.B16, V7.B16 \
	; DOT16X2(IDOT, scB, 0, 1) \
	; VUSHR $6, V0.B16, V6.B16 \
	; VUSHR $6, V1.B16, V7.B16 \
	; DOT16X2(IDOT, scB, 2, 3)

#define Q2K_BLOCK(IDOT) \
	MOVHU     80(R1), R4 \
	; MOVHU   82(R1), R5 \
	; VLD1.P  16(R1), [V8.B16] \
	; FMOVS.P 4(R2), F21 \
	; VUSHR   $4, V8.B16, V9.B16 \
	; VUXTL   V9.B8, V10.H8 \
	; VUXTL2  V9.B16, V11.H8 \
	; ADD     $256, R2, R3 \
	; VLD1    (R3), [V12.H8, V13.H8] \
	; SMULL_4S(14, 10, 12) \
	; SMLAL2_4S(14, 10, 12) \
	; SMLAL_4S(14, 11, 13) \
	; SMLAL2_4S(14, 11, 13) \
	; VADDV   V14.S4, V14 \
	; VMOV    V14.S[0], R15 \
	; VAND    V30.B16, V8.B16, V8.B16 \
	; VUXTL   V8.B8, V9.H8 \
	; VUXTL2  V8.B16, V10.H8 \
	; VUXTL   V9.H4, V11.S4 \
	; VUXTL2  V9.H8, V12.S4 \
	; VUXTL   V10.H4, V13.S4 \
	; VUXTL2  V10.H8, V14.S4 \
	; VEOR    V18.B16, V18.B16, V18.B16 \
	; Q2K_HALF(IDOT, 11, 12) \
	; Q2K_HALF(IDOT, 13, 14) \
	; ADD     $4, R1 \
	; ADD     $32, R2 \
	; ISUM \
	; ACC_D_DMIN

#define Q2K_SETUP \
	VEOR    V20.B16, V20.B16, V20.B16 \
	; VMOVI $0x0f, V30.B16 \
	; VMOVI $3, V29.B16

// ---- Q3_K: hmask[32] | qs[64] | scales[12] | d ----
// Element = d·(scale-32)·(q - 4·!hbit), q two bits at shift 2s of
// qs[32n+l], hbit bit 4n+s of hmask[l].

// Sixteen six-bit scales minus 32, as int32 lanes in V11-V14. R6/R7/R8 are
// scale bytes 0-3, 4-7, 8-11: the low nibbles are in bytes 0-7 (scales 8-15
// in the high nibbles), the top two bits of scale j at bit 2·(j/4) of byte
// 8 + j%4.
#define Q3K_SCALES \
	ANDW   $0x0f0f0f0f, R6, R9 \
	; ANDW $0x03030303, R8, R12 \
	; ORRW R12<<4, R9, R9 \
	; ANDW $0x0f0f0f0f, R7, R10 \
	; LSRW $2, R8, R12 \
	; ANDW $0x03030303, R12, R12 \
	; ORRW R12<<4, R10, R10 \
	; LSRW $4, R6, R11 \
	; ANDW $0x0f0f0f0f, R11, R11 \
	; LSRW $4, R8, R12 \
	; ANDW $0x03030303, R12, R12 \
	; ORRW R12<<4, R11, R11 \
	; LSRW $4, R7, R13 \
	; ANDW $0x0f0f0f0f, R13, R13 \
	; LSRW $6, R8, R12 \
	; ANDW $0x03030303, R12, R12 \
	; ORRW R12<<4, R13, R13 \
	; VMOV R9, V8.S[0] \
	; VMOV R10, V8.S[1] \
	; VMOV R11, V8.S[2] \
	; VMOV R13, V8.S[3] \
	; VMOVI $32, V9.B16 \
	; VSUB V9.B16, V8.B16, V8.B16 \
	; SXTL_8H(9, 8) \
	; SXTL2_8H(10, 8) \
	; SXTL_4S(11, 9) \
	; SXTL2_4S(12, 9) \
	; SXTL_4S(13, 10) \
	; SXTL2_4S(14, 10)

// Finishes one 32-element group whose two-bit q are in the low bits of V6/V7:
// ORs in bit 0 of the (progressively shifted) hmask V4/V5 as bit 2, subtracts
// 4 (V28 = 4), and shifts hmask on to the next group's bit. V29 = 3.
#define Q3K_32(IDOT, sc, i, j) \
	VAND    V29.B16, V6.B16, V6.B16 \
	; VAND  V29.B16, V7.B16, V7.B16 \
	; VSHL  $2, V4.B16, V15.B16 \
	; VSHL  $2, V5.B16, V19.B16 \
	; VAND  V28.B16, V15.B16, V15.B16 \
	; VAND  V28.B16, V19.B16, V19.B16 \
	; VORR  V15.B16, V6.B16, V6.B16 \
	; VORR  V19.B16, V7.B16, V7.B16 \
	; VSUB  V28.B16, V6.B16, V6.B16 \
	; VSUB  V28.B16, V7.B16, V7.B16 \
	; VUSHR $1, V4.B16, V4.B16 \
	; VUSHR $1, V5.B16, V5.B16 \
	; DOT16X2(IDOT, sc, i, j)

#define Q3K_HALF(IDOT, scA, scB) \
	VLD1.P 32(R1), [V0.B16, V1.B16] \
	; VMOV  V0.B16, V6.B16 \
	; VMOV  V1.B16, V7.B16 \
	; Q3K_32(IDOT, scA, 0, 1) \
	; VUSHR $2, V0.B16, V6.B16 \
	; VUSHR $2, V1.B16, V7.B16 \
	; Q3K_32(IDOT, scA, 2, 3) \
	; VUSHR $4, V0.B16, V6.B16 \
	; VUSHR $4, V1.B16, V7.B16 \
	; Q3K_32(IDOT, scB, 0, 1) \
	; VUSHR $6, V0.B16, V6.B16 \
	; VUSHR $6, V1.B16, V7.B16 \
	; Q3K_32(IDOT, scB, 2, 3)

#define Q3K_BLOCK(IDOT) \
	MOVWU     96(R1), R6 \
	; MOVWU   100(R1), R7 \
	; MOVWU   104(R1), R8 \
	; MOVHU   108(R1), R4 \
	; Q3K_SCALES \
	; VLD1.P  32(R1), [V4.B16, V5.B16] \
	; FMOVS.P 4(R2), F21 \
	; VEOR    V18.B16, V18.B16, V18.B16 \
	; Q3K_HALF(IDOT, 11, 12) \
	; Q3K_HALF(IDOT, 13, 14) \
	; ADD     $14, R1 \
	; ADD     $32, R2 \
	; ISUM \
	; ACC_D

#define Q3K_SETUP \
	VEOR    V20.B16, V20.B16, V20.B16 \
	; VMOVI $3, V29.B16 \
	; VMOVI $4, V28.B16

// ---- Q4_K / Q5_K: d | dmin | scales[12] | (qh[32]) | qs[128] ----
// Element = d·scale·q - dmin·min, per 32-element sub-block.

// Eight six-bit scales to V9 (0-3) and V10 (4-7) as int32 lanes, eight mins
// to V11 as int16 lanes. R6/R7/R8 are scale bytes 0-3, 4-7, 8-11: scales and
// mins 0-3 are the low six bits of bytes 0-3 and 4-7; 4-7 keep their low
// nibbles in bytes 8-11 (mins in the high nibbles) and their top two bits in
// the spare top bits of bytes 0-3 (scales) and 4-7 (mins).
#define K4_SCALES \
	ANDW   $0x3f3f3f3f, R6, R9 \
	; ANDW $0x3f3f3f3f, R7, R10 \
	; ANDW $0x0f0f0f0f, R8, R11 \
	; LSRW $6, R6, R12 \
	; ANDW $0x03030303, R12, R12 \
	; ORRW R12<<4, R11, R11 \
	; LSRW $4, R8, R13 \
	; ANDW $0x0f0f0f0f, R13, R13 \
	; LSRW $6, R7, R12 \
	; ANDW $0x03030303, R12, R12 \
	; ORRW R12<<4, R13, R13 \
	; VMOV R9, V8.S[0] \
	; VMOV R11, V8.S[1] \
	; VMOV R10, V8.S[2] \
	; VMOV R13, V8.S[3] \
	; VUXTL  V8.B8, V9.H8 \
	; VUXTL2 V8.B16, V11.H8 \
	; VUXTL2 V9.H8, V10.S4 \
	; VUXTL  V9.H4, V9.S4

// R15 = Σ min_j · (bsum_2j + bsum_2j+1), bsums at R2+256. Each min is
// paired with its two bsums (ZIP of the mins with themselves) rather than
// adding the bsums first, so no int16 sum can overflow.
#define K4_MINS \
	ADD     $256, R2, R3 \
	; VLD1  (R3), [V12.H8, V13.H8] \
	; VZIP1 V11.H8, V11.H8, V15.H8 \
	; VZIP2 V11.H8, V11.H8, V19.H8 \
	; SMULL_4S(14, 15, 12) \
	; SMLAL2_4S(14, 15, 12) \
	; SMLAL_4S(14, 19, 13) \
	; SMLAL2_4S(14, 19, 13) \
	; VADDV V14.S4, V14 \
	; VMOV  V14.S[0], R15

// Loads 64 elements: 32 bytes of qs to V0/V1 (low nibbles in V6/V7, high
// nibbles left in V0/V1) and their 64 activations to V2-V5.
#define K4_LOAD64 \
	VLD1.P  32(R1), [V0.B16, V1.B16] \
	; VLD1.P 64(R2), [V2.B16, V3.B16, V4.B16, V5.B16] \
	; VAND   V30.B16, V0.B16, V6.B16 \
	; VAND   V30.B16, V1.B16, V7.B16 \
	; VUSHR  $4, V0.B16, V0.B16 \
	; VUSHR  $4, V1.B16, V1.B16

// Dots the 64 elements of K4_LOAD64 (two sub-blocks) into V18 scaled by
// lanes i and j of V<sc>.
#define K4_DOT64(IDOT, sc, i, j) \
	VEOR    V16.B16, V16.B16, V16.B16 \
	; VEOR  V17.B16, V17.B16, V17.B16 \
	; IDOT(16, 6, 2, 24, 25) \
	; IDOT(16, 7, 3, 24, 25) \
	; IDOT(17, 0, 4, 24, 25) \
	; IDOT(17, 1, 5, 24, 25) \
	; MLA_LANE(18, 16, sc, i) \
	; MLA_LANE(18, 17, sc, j)

#define K4_HEAD \
	MOVHU.P   2(R1), R4 \
	; MOVHU.P 2(R1), R5 \
	; MOVWU.P 4(R1), R6 \
	; MOVWU.P 4(R1), R7 \
	; MOVWU.P 4(R1), R8 \
	; FMOVS.P 4(R2), F21 \
	; K4_SCALES \
	; K4_MINS \
	; VEOR    V18.B16, V18.B16, V18.B16

#define Q4K_BLOCK(IDOT) \
	K4_HEAD \
	; K4_LOAD64 \
	; K4_DOT64(IDOT, 9, 0, 1) \
	; K4_LOAD64 \
	; K4_DOT64(IDOT, 9, 2, 3) \
	; K4_LOAD64 \
	; K4_DOT64(IDOT, 10, 0, 1) \
	; K4_LOAD64 \
	; K4_DOT64(IDOT, 10, 2, 3) \
	; ADD $32, R2 \
	; ISUM \
	; ACC_D_DMIN

// Q5_K: ORs the fifth bits into the 64 elements of K4_LOAD64 — bit 2j of
// qh[l] for the low nibbles, bit 2j+1 for the high ones, from the
// progressively shifted qh in V26/V27 — then shifts qh on. V29 = 0x10.
#define Q5K_BITS \
	VSHL    $4, V26.B16, V15.B16 \
	; VSHL  $4, V27.B16, V19.B16 \
	; VAND  V29.B16, V15.B16, V15.B16 \
	; VAND  V29.B16, V19.B16, V19.B16 \
	; VORR  V15.B16, V6.B16, V6.B16 \
	; VORR  V19.B16, V7.B16, V7.B16 \
	; VSHL  $3, V26.B16, V15.B16 \
	; VSHL  $3, V27.B16, V19.B16 \
	; VAND  V29.B16, V15.B16, V15.B16 \
	; VAND  V29.B16, V19.B16, V19.B16 \
	; VORR  V15.B16, V0.B16, V0.B16 \
	; VORR  V19.B16, V1.B16, V1.B16 \
	; VUSHR $2, V26.B16, V26.B16 \
	; VUSHR $2, V27.B16, V27.B16

#define Q5K_BLOCK(IDOT) \
	K4_HEAD \
	; VLD1.P 32(R1), [V26.B16, V27.B16] \
	; K4_LOAD64 \
	; Q5K_BITS \
	; K4_DOT64(IDOT, 9, 0, 1) \
	; K4_LOAD64 \
	; Q5K_BITS \
	; K4_DOT64(IDOT, 9, 2, 3) \
	; K4_LOAD64 \
	; Q5K_BITS \
	; K4_DOT64(IDOT, 10, 0, 1) \
	; K4_LOAD64 \
	; Q5K_BITS \
	; K4_DOT64(IDOT, 10, 2, 3) \
	; ADD $32, R2 \
	; ISUM \
	; ACC_D_DMIN

#define K4_SETUP \
	VEOR    V20.B16, V20.B16, V20.B16 \
	; VMOVI $0x0f, V30.B16 \
	; VMOVI $0x10, V29.B16

// ---- Q6_K: ql[128] | qh[64] | scales[16] int8 | d ----
// Element = d·scale·(q - 32), q = four bits of ql | two bits of qh << 4.

// One half (128 elements): ql 64 bytes to V0-V3, qh 32 bytes (R3) to V4/V5.
// Group g of 32 elements takes the low (g < 2) or high nibbles of ql bytes
// 32·(g%2) on, and bits 2g, 2g+1 of qh, moved to bits 4-5 (V29 = 0x30).
#define Q6K_HALF(IDOT, scA, scB) \
	VLD1.P  64(R1), [V0.B16, V1.B16, V2.B16, V3.B16] \
	; VLD1.P 32(R3), [V4.B16, V5.B16] \
	; VAND   V30.B16, V0.B16, V6.B16 \
	; VAND   V30.B16, V1.B16, V7.B16 \
	; VSHL   $4, V4.B16, V15.B16 \
	; VSHL   $4, V5.B16, V19.B16 \
	; Q6K_32(IDOT, scA, 0, 1) \
	; VAND   V30.B16, V2.B16, V6.B16 \
	; VAND   V30.B16, V3.B16, V7.B16 \
	; VSHL   $2, V4.B16, V15.B16 \
	; VSHL   $2, V5.B16, V19.B16 \
	; Q6K_32(IDOT, scA, 2, 3) \
	; VUSHR  $4, V0.B16, V6.B16 \
	; VUSHR  $4, V1.B16, V7.B16 \
	; VMOV   V4.B16, V15.B16 \
	; VMOV   V5.B16, V19.B16 \
	; Q6K_32(IDOT, scB, 0, 1) \
	; VUSHR  $4, V2.B16, V6.B16 \
	; VUSHR  $4, V3.B16, V7.B16 \
	; VUSHR  $2, V4.B16, V15.B16 \
	; VUSHR  $2, V5.B16, V19.B16 \
	; Q6K_32(IDOT, scB, 2, 3)

// ORs the high bits (in bits 4-5 of V15/V19, V29 = 0x30) into V6/V7,
// subtracts 32 (V28) and dots.
#define Q6K_32(IDOT, sc, i, j) \
	VAND   V29.B16, V15.B16, V15.B16 \
	; VAND V29.B16, V19.B16, V19.B16 \
	; VORR V15.B16, V6.B16, V6.B16 \
	; VORR V19.B16, V7.B16, V7.B16 \
	; VSUB V28.B16, V6.B16, V6.B16 \
	; VSUB V28.B16, V7.B16, V7.B16 \
	; DOT16X2(IDOT, sc, i, j)

#define Q6K_BLOCK(IDOT) \
	ADD       $128, R1, R3 \
	; ADD     $192, R1, R5 \
	; MOVHU   208(R1), R4 \
	; VLD1    (R5), [V8.B16] \
	; SXTL_8H(9, 8) \
	; SXTL2_8H(10, 8) \
	; SXTL_4S(11, 9) \
	; SXTL2_4S(12, 9) \
	; SXTL_4S(13, 10) \
	; SXTL2_4S(14, 10) \
	; FMOVS.P 4(R2), F21 \
	; VEOR    V18.B16, V18.B16, V18.B16 \
	; Q6K_HALF(IDOT, 11, 12) \
	; Q6K_HALF(IDOT, 13, 14) \
	; ADD     $82, R1 \
	; ADD     $32, R2 \
	; ISUM \
	; ACC_D

#define Q6K_SETUP \
	VEOR    V20.B16, V20.B16, V20.B16 \
	; VMOVI $0x0f, V30.B16 \
	; VMOVI $0x30, V29.B16 \
	; VMOVI $32, V28.B16

// ---- Q8_K · Q8_K: d f32 | qs[256] | bsums[16] ----

#define Q8K_64(IDOT) \
	VLD1.P   64(R1), [V0.B16, V1.B16, V2.B16, V3.B16] \
	; VLD1.P 64(R2), [V4.B16, V5.B16, V6.B16, V7.B16] \
	; IDOT(16, 0, 4, 24, 25) \
	; IDOT(17, 1, 5, 24, 25) \
	; IDOT(16, 2, 6, 24, 25) \
	; IDOT(17, 3, 7, 24, 25)

// F20 += (d_w·d_x)·float(isum).
#define Q8K_BLOCK(IDOT) \
	FMOVS.P   4(R1), F22 \
	; FMOVS.P 4(R2), F21 \
	; VEOR    V16.B16, V16.B16, V16.B16 \
	; VEOR    V17.B16, V17.B16, V17.B16 \
	; Q8K_64(IDOT) \
	; Q8K_64(IDOT) \
	; Q8K_64(IDOT) \
	; Q8K_64(IDOT) \
	; ADD     $32, R1 \
	; ADD     $32, R2 \
	; VADD    V17.S4, V16.S4, V16.S4 \
	; VADDV   V16.S4, V16 \
	; VMOV    V16.S[0], R14 \
	; SCVTFWS R14, F23 \
	; FMULS   F21, F22, F22 \
	; FMULS   F23, F22, F22 \
	; FADDS   F22, F20, F20

#define Q8K_SETUP \
	VEOR V20.B16, V20.B16, V20.B16

// ---- IQ4_XS: d f16 | scales_h u16 | scales_l[4] | qs[128] ----
// Element = d·(ls-32)·kvalues[nibble] per 32-element sub-block, ls = nibble
// ib of scales_l | (two bits 2·ib of scales_h) << 4.

// The eight scales minus 32 as int32 lanes in V11 (0-3) and V12 (4-7), from
// scales_h in R6 and scales_l in R7: spread the nibbles of R7 and the bit
// pairs of R6 to one byte each by halving the field stride three times.
#define IQ4XS_SCALES \
	ORR     R7<<16, R7, R9 \
	; AND   $0x0000ffff0000ffff, R9 \
	; ORR   R9<<8, R9, R9 \
	; AND   $0x00ff00ff00ff00ff, R9 \
	; ORR   R9<<4, R9, R9 \
	; AND   $0x0f0f0f0f0f0f0f0f, R9 \
	; ORR   R6<<24, R6, R10 \
	; AND   $0x000000ff000000ff, R10 \
	; ORR   R10<<12, R10, R10 \
	; AND   $0x000f000f000f000f, R10 \
	; ORR   R10<<6, R10, R10 \
	; AND   $0x0303030303030303, R10 \
	; ORR   R10<<4, R9, R9 \
	; VMOV  R9, V8.D[0] \
	; VMOVI $32, V9.B16 \
	; VSUB  V9.B16, V8.B16, V8.B16 \
	; SXTL_8H(9, 8) \
	; SXTL_4S(11, 9) \
	; SXTL2_4S(12, 9)

// One 32-element sub-block: 16 bytes of qs through the level table V28,
// dotted with 32 activations into V18 scaled by lane i of V<sc>.
#define IQ4XS_32(IDOT, sc, i) \
	VLD1.P   16(R1), [V0.B16] \
	; VLD1.P 32(R2), [V22.B16, V23.B16] \
	; VAND   V30.B16, V0.B16, V6.B16 \
	; VUSHR  $4, V0.B16, V7.B16 \
	; VTBL   V6.B16, [V28.B16], V6.B16 \
	; VTBL   V7.B16, [V28.B16], V7.B16 \
	; VEOR   V16.B16, V16.B16, V16.B16 \
	; IDOT(16, 6, 22, 24, 25) \
	; IDOT(16, 7, 23, 24, 25) \
	; MLA_LANE(18, 16, sc, i)

#define IQ4XS_BLOCK(IDOT) \
	MOVHU.P   2(R1), R4 \
	; MOVHU.P 2(R1), R6 \
	; MOVWU.P 4(R1), R7 \
	; FMOVS.P 4(R2), F21 \
	; IQ4XS_SCALES \
	; VEOR    V18.B16, V18.B16, V18.B16 \
	; IQ4XS_32(IDOT, 11, 0) \
	; IQ4XS_32(IDOT, 11, 1) \
	; IQ4XS_32(IDOT, 11, 2) \
	; IQ4XS_32(IDOT, 11, 3) \
	; IQ4XS_32(IDOT, 12, 0) \
	; IQ4XS_32(IDOT, 12, 1) \
	; IQ4XS_32(IDOT, 12, 2) \
	; IQ4XS_32(IDOT, 12, 3) \
	; ADD     $32, R2 \
	; ISUM \
	; ACC_D

#define IQ4XS_SETUP \
	VEOR    V20.B16, V20.B16, V20.B16 \
	; VMOVI $0x0f, V30.B16 \
	; MOVD  $kConsts<>(SB), R8 \
	; VLD1  (R8), [V28.B16]

// func q2KDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q2_K·Q8_K block dot products, with SDOT.
TEXT ·q2KDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q2K_SETUP

loop:
	Q2K_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q2KDotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q2_K·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q2KDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q2K_SETUP

loop:
	Q2K_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q3KDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q3_K·Q8_K block dot products, with SDOT.
TEXT ·q3KDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q3K_SETUP

loop:
	Q3K_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q3KDotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q3_K·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q3KDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q3K_SETUP

loop:
	Q3K_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q4KDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q4_K·Q8_K block dot products, with SDOT.
TEXT ·q4KDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	K4_SETUP

loop:
	Q4K_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q4KDotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q4_K·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q4KDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	K4_SETUP

loop:
	Q4K_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q5KDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q5_K·Q8_K block dot products, with SDOT.
TEXT ·q5KDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	K4_SETUP

loop:
	Q5K_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q5KDotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q5_K·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q5KDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	K4_SETUP

loop:
	Q5K_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q6KDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q6_K·Q8_K block dot products, with SDOT.
TEXT ·q6KDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q6K_SETUP

loop:
	Q6K_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q6KDotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q6_K·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q6KDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q6K_SETUP

loop:
	Q6K_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q8KDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q8_K·Q8_K block dot products, with SDOT.
TEXT ·q8KDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q8K_SETUP

loop:
	Q8K_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func q8KDotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q8_K·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q8KDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	Q8K_SETUP

loop:
	Q8K_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func iq4XSDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb IQ4_XS·Q8_K block dot products, with SDOT.
TEXT ·iq4XSDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	IQ4XS_SETUP

loop:
	IQ4XS_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET

// func iq4XSDotWiden(nb int, w, x *byte) float32
//
// Σ of nb IQ4_XS·Q8_K block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·iq4XSDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	IQ4XS_SETUP

loop:
	IQ4XS_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FMOVS F20, ret+24(FP)
	RET
