//go:build !noasm

#include "textflag.h"
#include "neon_arm64.h"

// Dot products of 32-element weight blocks (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,
// IQ4_NL) with Q8_0/Q8_1 activation blocks. Layouts: quant/legacy.go and
// quant/iq4.go.
//
// Per block the weights are unpacked to 32 signed bytes in V1 (elements
// 0-15) and V0 (16-31), dotted exactly in int32 lanes (IDOT) with the
// activations V2/V3, and the lanes, converted to float, are added into V16
// times the block's scale d_w·d_x. Q4_1/Q5_1 also add m_w·s_x into F18.
//
// Register plan, shared by every kernel in this file:
//	R0 blocks left, R1 weights, R2 activations
//	R4/R5 f16 scale of the weight/activation block, R6/R7 m_w/s_x, R9 qh
//	V0/V1 weight quants, V2/V3 activation quants, V4 int32 sums
//	F5/F6, F7/F8 scalar scales, V9/V10 fifth bits, V12/V13 IDOT scratch
//	V16 float sums, F18 Σ m_w·s_x
//	V23 0x10 bytes, V25 bit masks, V26/V27 TBL indexes, V28 IQ4 levels,
//	V29 8 bytes, V30 0x0f bytes

// Bit masks 1…128 twice; TBL indexes spreading qh bytes 0,1 and 2,3 over
// sixteen lanes; kvalues of IQ4_NL/IQ4_XS.
DATA legacyConsts<>+0(SB)/8, $0x8040201008040201
DATA legacyConsts<>+8(SB)/8, $0x8040201008040201
DATA legacyConsts<>+16(SB)/8, $0x0000000000000000
DATA legacyConsts<>+24(SB)/8, $0x0101010101010101
DATA legacyConsts<>+32(SB)/8, $0x0202020202020202
DATA legacyConsts<>+40(SB)/8, $0x0303030303030303
DATA legacyConsts<>+48(SB)/8, $0xf6eaddcfbfad9881 // -127 -104 -83 -65 -49 -35 -22 -10
DATA legacyConsts<>+56(SB)/8, $0x7159453526190d01 // 1 13 25 38 53 69 89 113
GLOBL legacyConsts<>(SB), RODATA|NOPTR, $64

#define SETUP \
	VEOR   V16.B16, V16.B16, V16.B16 \
	; VEOR  V18.B16, V18.B16, V18.B16 \
	; VMOVI $0x0f, V30.B16 \
	; VMOVI $8, V29.B16 \
	; VMOVI $0x10, V23.B16 \
	; MOVD  $legacyConsts<>(SB), R8 \
	; VLD1  (R8), [V25.B16, V26.B16, V27.B16, V28.B16]

// F16 = Σ lanes of V16 + F18.
#define FINISH \
	FADDP_4S(16, 16, 16) \
	; FADDP_S(16, 16) \
	; FADDS F18, F16, F16

// V16 += float(V4) · (half(R4) · half(R5)).
#define ACC_SCALED \
	SCVTF_4S(4, 4) \
	; FMOVS  R4, F5 \
	; FCVTHS F5, F5 \
	; FMOVS  R5, F6 \
	; FCVTHS F6, F6 \
	; FMULS  F5, F6, F6 \
	; FMLA_LANE(16, 4, 6, 0)

// F18 += half(R6) · half(R7): the min times the activation block's sum.
#define ACC_MIN \
	FMOVS   R6, F7 \
	; FCVTHS F7, F7 \
	; FMOVS  R7, F8 \
	; FCVTHS F8, F8 \
	; FMADDS F8, F18, F7, F18

// V4 = Σ V1·V2 + V0·V3 in int32 lanes.
#define DOT32(IDOT) \
	VEOR V4.B16, V4.B16, V4.B16 \
	; IDOT(4, 1, 2, 12, 13) \
	; IDOT(4, 0, 3, 12, 13)

// Loads a Q8_0 activation block: scale to R5, quants to V2/V3.
#define LOAD_Q8_0 \
	MOVHU.P 2(R2), R5 \
	; VLD1.P 32(R2), [V2.B16, V3.B16]

// Loads a Q8_1 activation block: scale to R5, sum to R7, quants to V2/V3.
#define LOAD_Q8_1 \
	MOVHU.P 2(R2), R5 \
	; MOVHU.P 2(R2), R7 \
	; VLD1.P 32(R2), [V2.B16, V3.B16]

// Splits the sixteen bytes of V0 into low nibbles (V1) and high nibbles (V0).
#define NIBBLES \
	VAND   V30.B16, V0.B16, V1.B16 \
	; VUSHR $4, V0.B16, V0.B16

// ORs the fifth bits of the 32-bit qh in R9 into V1 (bits 0-15) and V0
// (bits 16-31): TBL copies qh byte k/8 to lane k, CMTST with the lane's bit
// mask gives 0xff where the bit is set, AND keeps 0x10.
#define FIFTH_BITS \
	VMOV    R9, V9.S[0] \
	; VTBL   V27.B16, [V9.B16], V10.B16 \
	; VTBL   V26.B16, [V9.B16], V9.B16 \
	; VCMTST V25.B16, V9.B16, V9.B16 \
	; VCMTST V25.B16, V10.B16, V10.B16 \
	; VAND   V23.B16, V9.B16, V9.B16 \
	; VAND   V23.B16, V10.B16, V10.B16 \
	; VORR   V9.B16, V1.B16, V1.B16 \
	; VORR   V10.B16, V0.B16, V0.B16

// Q8_0: d f16 | qs[32] int8.
#define Q8_0_BLOCK(IDOT) \
	MOVHU.P 2(R1), R4 \
	; VLD1.P 32(R1), [V0.B16, V1.B16] \
	; LOAD_Q8_0 \
	; VEOR V4.B16, V4.B16, V4.B16 \
	; IDOT(4, 0, 2, 12, 13) \
	; IDOT(4, 1, 3, 12, 13) \
	; ACC_SCALED

// Q4_0: d f16 | qs[16], element = nibble - 8.
#define Q4_0_BLOCK(IDOT) \
	MOVHU.P 2(R1), R4 \
	; VLD1.P 16(R1), [V0.B16] \
	; LOAD_Q8_0 \
	; NIBBLES \
	; VSUB V29.B16, V1.B16, V1.B16 \
	; VSUB V29.B16, V0.B16, V0.B16 \
	; DOT32(IDOT) \
	; ACC_SCALED

// Q4_1: d f16 | m f16 | qs[16], element = nibble·d + m.
#define Q4_1_BLOCK(IDOT) \
	MOVHU.P 2(R1), R4 \
	; MOVHU.P 2(R1), R6 \
	; VLD1.P 16(R1), [V0.B16] \
	; LOAD_Q8_1 \
	; NIBBLES \
	; DOT32(IDOT) \
	; ACC_SCALED \
	; ACC_MIN

// Q5_0: d f16 | qh u32 | qs[16], element = (nibble | bit<<4) - 16.
#define Q5_0_BLOCK(IDOT) \
	MOVHU.P 2(R1), R4 \
	; MOVWU.P 4(R1), R9 \
	; VLD1.P 16(R1), [V0.B16] \
	; LOAD_Q8_0 \
	; NIBBLES \
	; FIFTH_BITS \
	; VSUB V23.B16, V1.B16, V1.B16 \
	; VSUB V23.B16, V0.B16, V0.B16 \
	; DOT32(IDOT) \
	; ACC_SCALED

// Q5_1: d f16 | m f16 | qh u32 | qs[16], element = (nibble | bit<<4)·d + m.
#define Q5_1_BLOCK(IDOT) \
	MOVHU.P 2(R1), R4 \
	; MOVHU.P 2(R1), R6 \
	; MOVWU.P 4(R1), R9 \
	; VLD1.P 16(R1), [V0.B16] \
	; LOAD_Q8_1 \
	; NIBBLES \
	; ACC_MIN \
	; FIFTH_BITS \
	; DOT32(IDOT) \
	; ACC_SCALED

// IQ4_NL: d f16 | qs[16], element = kvalues[nibble] (TBL from V28).
#define IQ4_NL_BLOCK(IDOT) \
	MOVHU.P 2(R1), R4 \
	; VLD1.P 16(R1), [V0.B16] \
	; LOAD_Q8_0 \
	; NIBBLES \
	; VTBL V1.B16, [V28.B16], V1.B16 \
	; VTBL V0.B16, [V28.B16], V0.B16 \
	; DOT32(IDOT) \
	; ACC_SCALED

// func q8_0DotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q8_0·Q8_0 block dot products, with SDOT.
TEXT ·q8_0DotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q8_0_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q8_0DotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q8_0·Q8_0 block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q8_0DotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q8_0_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q4_0DotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q4_0·Q8_0 block dot products, with SDOT.
TEXT ·q4_0DotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q4_0_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q4_0DotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q4_0·Q8_0 block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q4_0DotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q4_0_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q4_1DotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q4_1·Q8_1 block dot products, with SDOT.
TEXT ·q4_1DotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q4_1_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q4_1DotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q4_1·Q8_1 block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q4_1DotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q4_1_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q5_0DotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q5_0·Q8_0 block dot products, with SDOT.
TEXT ·q5_0DotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q5_0_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q5_0DotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q5_0·Q8_0 block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q5_0DotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q5_0_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q5_1DotSDOT(nb int, w, x *byte) float32
//
// Σ of nb Q5_1·Q8_1 block dot products, with SDOT.
TEXT ·q5_1DotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q5_1_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func q5_1DotWiden(nb int, w, x *byte) float32
//
// Σ of nb Q5_1·Q8_1 block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·q5_1DotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	Q5_1_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func iq4NLDotSDOT(nb int, w, x *byte) float32
//
// Σ of nb IQ4_NL·Q8_0 block dot products, with SDOT.
TEXT ·iq4NLDotSDOT(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	IQ4_NL_BLOCK(IDOT_SDOT)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET

// func iq4NLDotWiden(nb int, w, x *byte) float32
//
// Σ of nb IQ4_NL·Q8_0 block dot products, with SMULL/SMULL2/SADALP (ARMv8.0).
TEXT ·iq4NLDotWiden(SB), NOSPLIT, $0-28
	MOVD nb+0(FP), R0
	MOVD w+8(FP), R1
	MOVD x+16(FP), R2
	SETUP

loop:
	IQ4_NL_BLOCK(IDOT_WIDEN)
	SUBS $1, R0
	BNE  loop
	FINISH
	FMOVS F16, ret+24(FP)
	RET
