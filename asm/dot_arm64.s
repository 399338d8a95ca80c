//go:build !noasm

#include "textflag.h"
#include "neon_arm64.h"

// Float dot products. Each keeps several independent vector accumulators so
// consecutive FMLAs do not wait on each other, then folds them pairwise; the
// last n mod 4 elements are added one at a time after the fold.

// func dotF32(x, y *float32, n int) float32
//
// Σ x[i]·y[i]. R0 = x, R1 = y, R2 = elements left; V0-V7 x, V8-V15 y,
// V16-V23 eight accumulators (32 elements per iteration), F24/F25 scalar tail.
TEXT ·dotF32(SB), NOSPLIT, $0-28
	MOVD x+0(FP), R0
	MOVD y+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	VEOR V20.B16, V20.B16, V20.B16
	VEOR V21.B16, V21.B16, V21.B16
	VEOR V22.B16, V22.B16, V22.B16
	VEOR V23.B16, V23.B16, V23.B16
	CMP  $32, R2
	BLT  by4

by32:
	VLD1.P 64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P 64(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1.P 64(R1), [V8.S4, V9.S4, V10.S4, V11.S4]
	VLD1.P 64(R1), [V12.S4, V13.S4, V14.S4, V15.S4]
	VFMLA  V8.S4, V0.S4, V16.S4
	VFMLA  V9.S4, V1.S4, V17.S4
	VFMLA  V10.S4, V2.S4, V18.S4
	VFMLA  V11.S4, V3.S4, V19.S4
	VFMLA  V12.S4, V4.S4, V20.S4
	VFMLA  V13.S4, V5.S4, V21.S4
	VFMLA  V14.S4, V6.S4, V22.S4
	VFMLA  V15.S4, V7.S4, V23.S4
	SUB    $32, R2
	CMP    $32, R2
	BGE    by32

by4:
	CMP    $4, R2
	BLT    fold
	VLD1.P 16(R0), [V0.S4]
	VLD1.P 16(R1), [V8.S4]
	VFMLA  V8.S4, V0.S4, V16.S4
	SUB    $4, R2
	B      by4

fold:
	FADD_4S(16, 16, 17)
	FADD_4S(18, 18, 19)
	FADD_4S(20, 20, 21)
	FADD_4S(22, 22, 23)
	FADD_4S(16, 16, 18)
	FADD_4S(20, 20, 22)
	FADD_4S(16, 16, 20)
	FADDP_4S(16, 16, 16)
	FADDP_S(16, 16)

by1:
	CBZ     R2, done
	FMOVS.P 4(R0), F24
	FMOVS.P 4(R1), F25
	FMADDS  F25, F16, F24, F16 // F16 += F24·F25
	SUB     $1, R2
	B       by1

done:
	FMOVS F16, ret+24(FP)
	RET

// func dotF16(w *byte, x *float32, n int) float32
//
// Σ half(w[i])·x[i]. R0 = w, R1 = x, R2 = elements left; V0/V1 sixteen
// halves, widened by FCVTL/FCVTL2 (exact) into V2-V5; V8-V11 x; V16-V19
// accumulators; F24/F25 scalar tail.
TEXT ·dotF16(SB), NOSPLIT, $0-28
	MOVD w+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CMP  $16, R2
	BLT  by4

by16:
	VLD1.P 32(R0), [V0.H8, V1.H8]
	VLD1.P 64(R1), [V8.S4, V9.S4, V10.S4, V11.S4]
	FCVTL_4S(2, 0)
	FCVTL2_4S(3, 0)
	FCVTL_4S(4, 1)
	FCVTL2_4S(5, 1)
	VFMLA  V8.S4, V2.S4, V16.S4
	VFMLA  V9.S4, V3.S4, V17.S4
	VFMLA  V10.S4, V4.S4, V18.S4
	VFMLA  V11.S4, V5.S4, V19.S4
	SUB    $16, R2
	CMP    $16, R2
	BGE    by16

by4:
	CMP    $4, R2
	BLT    fold
	VLD1.P 8(R0), [V0.H4]
	VLD1.P 16(R1), [V8.S4]
	FCVTL_4S(2, 0)
	VFMLA  V8.S4, V2.S4, V16.S4
	SUB    $4, R2
	B      by4

fold:
	FADD_4S(16, 16, 17)
	FADD_4S(18, 18, 19)
	FADD_4S(16, 16, 18)
	FADDP_4S(16, 16, 16)
	FADDP_S(16, 16)

by1:
	CBZ     R2, done
	MOVHU.P 2(R0), R3
	FMOVS   R3, F24    // the half in the low 16 bits of S24
	FCVTHS  F24, F24   // fcvt s24, h24
	FMOVS.P 4(R1), F25
	FMADDS  F25, F16, F24, F16
	SUB     $1, R2
	B       by1

done:
	FMOVS F16, ret+24(FP)
	RET

// func dotBF16(w *byte, x *float32, n int) float32
//
// Σ bf16(w[i])·x[i]. A bfloat16 is the top half of a float32, so widening is
// interleaving with zero halves: ZIP1/ZIP2 with V31 = 0 put each bf16 in the
// high half of a 32-bit lane. R0 = w, R1 = x, R2 = elements left; V0/V1
// sixteen bf16, V2-V5 widened, V8-V11 x, V16-V19 accumulators.
TEXT ·dotBF16(SB), NOSPLIT, $0-28
	MOVD w+0(FP), R0
	MOVD x+8(FP), R1
	MOVD n+16(FP), R2
	VEOR V31.B16, V31.B16, V31.B16
	VEOR V16.B16, V16.B16, V16.B16
	VEOR V17.B16, V17.B16, V17.B16
	VEOR V18.B16, V18.B16, V18.B16
	VEOR V19.B16, V19.B16, V19.B16
	CMP  $16, R2
	BLT  by4

by16:
	VLD1.P 32(R0), [V0.H8, V1.H8]
	VLD1.P 64(R1), [V8.S4, V9.S4, V10.S4, V11.S4]
	VZIP1  V0.H8, V31.H8, V2.H8 // zip1 v2.8h, v31.8h, v0.8h
	VZIP2  V0.H8, V31.H8, V3.H8
	VZIP1  V1.H8, V31.H8, V4.H8
	VZIP2  V1.H8, V31.H8, V5.H8
	VFMLA  V8.S4, V2.S4, V16.S4
	VFMLA  V9.S4, V3.S4, V17.S4
	VFMLA  V10.S4, V4.S4, V18.S4
	VFMLA  V11.S4, V5.S4, V19.S4
	SUB    $16, R2
	CMP    $16, R2
	BGE    by16

by4:
	CMP    $4, R2
	BLT    fold
	VLD1.P 8(R0), [V0.H4]
	VLD1.P 16(R1), [V8.S4]
	VZIP1  V0.H8, V31.H8, V2.H8
	VFMLA  V8.S4, V2.S4, V16.S4
	SUB    $4, R2
	B      by4

fold:
	FADD_4S(16, 16, 17)
	FADD_4S(18, 18, 19)
	FADD_4S(16, 16, 18)
	FADDP_4S(16, 16, 16)
	FADDP_S(16, 16)

by1:
	CBZ     R2, done
	MOVHU.P 2(R0), R3
	LSLW    $16, R3
	FMOVS   R3, F24
	FMOVS.P 4(R1), F25
	FMADDS  F25, F16, F24, F16
	SUB     $1, R2
	B       by1

done:
	FMOVS F16, ret+24(FP)
	RET
