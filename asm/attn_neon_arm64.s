//go:build !noasm

#include "textflag.h"
#include "neon_arm64.h"

// Attention kernels for the NEON flavour: the vector exp of one tile of
// scores and the axpy of a weighted value row. The exp is the algorithm of
// attn_x86_amd64.s (see there): clamp x to [−104, 89], n = round(x·log2 e),
// r = x − n·ln 2 in two parts, e^r by its degree-7 Taylor polynomial, and
// 2^n applied as two exponent-field factors. FMAX/FMIN return NaN when an
// operand is NaN, so NaN passes the clamps; FCVTNS rounds to nearest even.

// Vector instructions Go's assembler lacks (register numbers; see
// neon_arm64.h), each checked against aarch64-linux-gnu-as output.
#define FSUB_4S(d, n, m) WORD $(0x4ea0d400 | ((m)<<16) | ((n)<<5) | (d))
#define FMUL_4S(d, n, m) WORD $(0x6e20dc00 | ((m)<<16) | ((n)<<5) | (d))
#define FMAX_4S(d, n, m) WORD $(0x4e20f400 | ((m)<<16) | ((n)<<5) | (d))
#define FMIN_4S(d, n, m) WORD $(0x4ea0f400 | ((m)<<16) | ((n)<<5) | (d))
#define FCVTNS_4S(d, n) WORD $(0x4e21a800 | ((n)<<5) | (d))
#define ADD_4S(d, n, m) WORD $(0x4ea08400 | ((m)<<16) | ((n)<<5) | (d))
#define SUB_4S(d, n, m) WORD $(0x6ea08400 | ((m)<<16) | ((n)<<5) | (d))
// sshr vd.4s, vn.4s, #1 and shl vd.4s, vn.4s, #23
#define SSHR1_4S(d, n) WORD $(0x4f3f0400 | ((n)<<5) | (d))
#define SHL23_4S(d, n) WORD $(0x4f375400 | ((n)<<5) | (d))

// SPLAT sets all four lanes of Vv to the 32-bit pattern c (via R3).
#define SPLAT(c, v) \
	MOVW $(c), R3; \
	VDUP R3, v.S4

// func expSubNEON(dst, x *float32, n int, m float32) float32
// dst[i] = exp(x[i] − m) for n (a multiple of 4) elements; returns the sum.
// R0 = dst, R1 = x, R2 = elements left; V31 = m, V16 log2e, V17/V18 −ln2
// head/tail, V19/V20 clamps, V21–V26 1/7! … 1/2, V27 = 1, V28 = 127 (int);
// V0 sum, V1 x then r, V2 x·log2e then n as float, V3 n then n − n>>1,
// V4/V5 Horner steps then r² and n>>1, V6 the result.
TEXT ·expSubNEON(SB), NOSPLIT, $0-36
	MOVD  dst+0(FP), R0
	MOVD  x+8(FP), R1
	MOVD  n+16(FP), R2
	MOVWU m+24(FP), R3
	VDUP  R3, V31.S4
	SPLAT(0x3fb8aa3b, V16)
	SPLAT(0xbf317200, V17)
	SPLAT(0xb5bfbe8e, V18)
	SPLAT(0xc2d00000, V19)
	SPLAT(0x42b20000, V20)
	SPLAT(0x39500d01, V21)
	SPLAT(0x3ab60b61, V22)
	SPLAT(0x3c088889, V23)
	SPLAT(0x3d2aaaab, V24)
	SPLAT(0x3e2aaaab, V25)
	SPLAT(0x3f000000, V26)
	SPLAT(0x3f800000, V27)
	SPLAT(0x0000007f, V28)
	VEOR  V0.B16, V0.B16, V0.B16
	CBZ   R2, done

loop4:
	VLD1.P 16(R1), [V1.S4]
	FSUB_4S(1, 1, 31)                // x − m
	FMAX_4S(1, 1, 19)                // clamp to [−104, 89]
	FMIN_4S(1, 1, 20)
	FMUL_4S(2, 1, 16)
	FCVTNS_4S(3, 2)                  // n
	SCVTF_4S(2, 3)
	VFMLA  V2.S4, V17.S4, V1.S4      // r = x − n·ln2hi
	VFMLA  V2.S4, V18.S4, V1.S4      //   − n·ln2lo
	VORR   V22.B16, V22.B16, V4.B16  // Horner: next = c + p·r
	VFMLA  V21.S4, V1.S4, V4.S4
	VORR   V23.B16, V23.B16, V5.B16
	VFMLA  V4.S4, V1.S4, V5.S4
	VORR   V24.B16, V24.B16, V4.B16
	VFMLA  V5.S4, V1.S4, V4.S4
	VORR   V25.B16, V25.B16, V5.B16
	VFMLA  V4.S4, V1.S4, V5.S4
	VORR   V26.B16, V26.B16, V4.B16
	VFMLA  V5.S4, V1.S4, V4.S4       // p
	FMUL_4S(5, 1, 1)                 // r²
	VORR   V1.B16, V1.B16, V6.B16
	VFMLA  V4.S4, V5.S4, V6.S4       // r + r²·p
	FADD_4S(6, 6, 27)                // e^r
	SSHR1_4S(5, 3)                   // n1 = n>>1
	SUB_4S(3, 3, 5)                  // n2 = n − n1
	ADD_4S(5, 5, 28)
	SHL23_4S(5, 5)                   // 2^n1
	ADD_4S(3, 3, 28)
	SHL23_4S(3, 3)                   // 2^n2
	FMUL_4S(6, 6, 5)
	FMUL_4S(6, 6, 3)
	VST1.P [V6.S4], 16(R0)
	FADD_4S(0, 0, 6)
	SUB    $4, R2
	CBNZ   R2, loop4

done:
	FADDP_4S(0, 0, 0)
	FADDP_S(0, 0)
	FMOVS F0, ret+32(FP)
	RET

// func axpyNEON(dst, x *float32, n int, a float32)
// dst[i] += a·x[i] for n elements. R0 = dst, R1 = x, R2 = elements left;
// V31 = a (F31 for the scalar tail), V0–V3 x, V4–V7 dst.
TEXT ·axpyNEON(SB), NOSPLIT, $0-28
	MOVD  dst+0(FP), R0
	MOVD  x+8(FP), R1
	MOVD  n+16(FP), R2
	MOVWU a+24(FP), R3
	VDUP  R3, V31.S4

loop16:
	CMP    $16, R2
	BLT    loop4
	VLD1.P 64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1   (R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VFMLA  V31.S4, V0.S4, V4.S4
	VFMLA  V31.S4, V1.S4, V5.S4
	VFMLA  V31.S4, V2.S4, V6.S4
	VFMLA  V31.S4, V3.S4, V7.S4
	VST1.P [V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	SUB    $16, R2
	B      loop16

loop4:
	CMP    $4, R2
	BLT    tail
	VLD1.P 16(R1), [V0.S4]
	VLD1   (R0), [V4.S4]
	VFMLA  V31.S4, V0.S4, V4.S4
	VST1.P [V4.S4], 16(R0)
	SUB    $4, R2
	B      loop4

tail:
	CBZ     R2, done
	FMOVS.P 4(R1), F0
	FMOVS   (R0), F1
	FMADDS  F31, F1, F0, F1 // F1 += F0·a
	FMOVS.P F1, 4(R0)
	SUB     $1, R2
	B       tail

done:
	RET

// func axpyF16NEON(dst *float32, x *uint16, n int, a float32)
// dst[i] += a·half(x[i]) for n elements. R0 = dst, R1 = x, R2 = elements
// left; V31 = a, V0/V1 sixteen halves widened (exact) into V2–V5, V16–V19 dst.
TEXT ·axpyF16NEON(SB), NOSPLIT, $0-28
	MOVD  dst+0(FP), R0
	MOVD  x+8(FP), R1
	MOVD  n+16(FP), R2
	MOVWU a+24(FP), R3
	VDUP  R3, V31.S4

loop16:
	CMP    $16, R2
	BLT    loop4
	VLD1.P 32(R1), [V0.H8, V1.H8]
	VLD1   (R0), [V16.S4, V17.S4, V18.S4, V19.S4]
	FCVTL_4S(2, 0)
	FCVTL2_4S(3, 0)
	FCVTL_4S(4, 1)
	FCVTL2_4S(5, 1)
	VFMLA  V31.S4, V2.S4, V16.S4
	VFMLA  V31.S4, V3.S4, V17.S4
	VFMLA  V31.S4, V4.S4, V18.S4
	VFMLA  V31.S4, V5.S4, V19.S4
	VST1.P [V16.S4, V17.S4, V18.S4, V19.S4], 64(R0)
	SUB    $16, R2
	B      loop16

loop4:
	CMP    $4, R2
	BLT    tail
	VLD1.P 8(R1), [V0.H4]
	VLD1   (R0), [V16.S4]
	FCVTL_4S(2, 0)
	VFMLA  V31.S4, V2.S4, V16.S4
	VST1.P [V16.S4], 16(R0)
	SUB    $4, R2
	B      loop4

tail:
	CBZ     R2, done
	MOVHU.P 2(R1), R3
	FMOVS   R3, F0
	FCVTHS  F0, F0
	FMOVS   (R0), F1
	FMADDS  F31, F1, F0, F1
	FMOVS.P F1, 4(R0)
	SUB     $1, R2
	B       tail

done:
	RET
