//go:build !noasm

#include "textflag.h"

// func valuesHalfAVX512(out *float32, v *uint16, vStride int, p *float32, phase, count, hd int, part *float32, heads, pStride, outStride int)
// The 64-lane sums of valuesHalf for the heads of a GQA group in one call.
// For head g (weights p[g·pStride…], result out[g·outStride…]): row r <
// count (position phase+r, phase taken mod 64) goes into lane (phase+r)
// mod 64, lane[i] += p[r]·half(v[r·vStride+i]) with FMA, rows of a lane in
// order, every lane starting at +0; then out[i] = reduce64 of the 64 lanes
// at i: x[l] = (lane l + lane l+32) + (lane l+16 + lane l+48) for l < 16,
// stored in part[g][l][0:64], and x reduced as reduce16 does, by halves (8,
// 4, then 0+2 and 1+3). The heads are the inner loop, so the few value
// rows of lanes l, l+16, l+32, l+48 are read from memory once and from L1
// by the other heads. hd is a positive multiple of 64, done 64 columns at
// a time; part holds heads·16·64 floats. Strides in elements.
// SI = v (this column block), R8 = 64·vStride in bytes, R9 = p, R10 =
// phase, R11 = count, R13 = part, BX = l (0…15), R15 heads left, R12 =
// head g's weights, DI = part[g][l]; AX/CX/DX/R14 one lane's first row,
// row count, value and weight pointers. Z0–Z15 the four lanes l+16q
// (Z4q…Z4q+3, 64 columns each), Z16–Z19 widened values, Z20 the weight;
// the reduction reuses Z0–Z15. The column count, out and the strides (as
// bytes) live in their argument slots.
TEXT ·valuesHalfAVX512(SB), NOSPLIT, $0-88
	MOVQ v+8(FP), SI
	MOVQ vStride+16(FP), R8
	SHLQ $7, R8
	MOVQ p+24(FP), R9
	MOVQ phase+32(FP), R10
	MOVQ count+40(FP), R11
	MOVQ part+56(FP), R13
	SHLQ $2, pStride+72(FP)
	SHLQ $2, outStride+80(FP)

block:
	XORQ BX, BX

lane:
	MOVQ R9, R12
	MOVQ BX, DI
	SHLQ $8, DI
	ADDQ R13, DI
	MOVQ heads+64(FP), R15

head:
	// lane l+0: first row r = (l+0−phase) mod 64, rows ⌊(count−1−r)/64⌋+1
	// (0 when r ≥ count).
	MOVQ         BX, AX
	ADDQ         $0, AX
	SUBQ         R10, AX
	ANDQ         $63, AX
	MOVQ         R11, CX
	SUBQ         AX, CX
	DECQ         CX
	SARQ         $6, CX
	INCQ         CX
	VPXORD       Z0, Z0, Z0
	VPXORD       Z1, Z1, Z1
	VPXORD       Z2, Z2, Z2
	VPXORD       Z3, Z3, Z3
	TESTQ        CX, CX
	JLE          done0
	MOVQ         AX, DX
	IMULQ        R8, DX
	SHRQ         $6, DX
	ADDQ         SI, DX
	LEAQ         (R12)(AX*4), R14

walk0:
	VBROADCASTSS (R14), Z20
	VCVTPH2PS    0(DX), Z16
	VCVTPH2PS    32(DX), Z17
	VCVTPH2PS    64(DX), Z18
	VCVTPH2PS    96(DX), Z19
	VFMADD231PS  Z16, Z20, Z0
	VFMADD231PS  Z17, Z20, Z1
	VFMADD231PS  Z18, Z20, Z2
	VFMADD231PS  Z19, Z20, Z3
	ADDQ         R8, DX
	ADDQ         $256, R14
	DECQ         CX
	JNZ          walk0

done0:
	// lane l+16: first row r = (l+16−phase) mod 64, rows ⌊(count−1−r)/64⌋+1
	// (0 when r ≥ count).
	MOVQ         BX, AX
	ADDQ         $16, AX
	SUBQ         R10, AX
	ANDQ         $63, AX
	MOVQ         R11, CX
	SUBQ         AX, CX
	DECQ         CX
	SARQ         $6, CX
	INCQ         CX
	VPXORD       Z4, Z4, Z4
	VPXORD       Z5, Z5, Z5
	VPXORD       Z6, Z6, Z6
	VPXORD       Z7, Z7, Z7
	TESTQ        CX, CX
	JLE          done1
	MOVQ         AX, DX
	IMULQ        R8, DX
	SHRQ         $6, DX
	ADDQ         SI, DX
	LEAQ         (R12)(AX*4), R14

walk1:
	VBROADCASTSS (R14), Z20
	VCVTPH2PS    0(DX), Z16
	VCVTPH2PS    32(DX), Z17
	VCVTPH2PS    64(DX), Z18
	VCVTPH2PS    96(DX), Z19
	VFMADD231PS  Z16, Z20, Z4
	VFMADD231PS  Z17, Z20, Z5
	VFMADD231PS  Z18, Z20, Z6
	VFMADD231PS  Z19, Z20, Z7
	ADDQ         R8, DX
	ADDQ         $256, R14
	DECQ         CX
	JNZ          walk1

done1:
	// lane l+32: first row r = (l+32−phase) mod 64, rows ⌊(count−1−r)/64⌋+1
	// (0 when r ≥ count).
	MOVQ         BX, AX
	ADDQ         $32, AX
	SUBQ         R10, AX
	ANDQ         $63, AX
	MOVQ         R11, CX
	SUBQ         AX, CX
	DECQ         CX
	SARQ         $6, CX
	INCQ         CX
	VPXORD       Z8, Z8, Z8
	VPXORD       Z9, Z9, Z9
	VPXORD       Z10, Z10, Z10
	VPXORD       Z11, Z11, Z11
	TESTQ        CX, CX
	JLE          done2
	MOVQ         AX, DX
	IMULQ        R8, DX
	SHRQ         $6, DX
	ADDQ         SI, DX
	LEAQ         (R12)(AX*4), R14

walk2:
	VBROADCASTSS (R14), Z20
	VCVTPH2PS    0(DX), Z16
	VCVTPH2PS    32(DX), Z17
	VCVTPH2PS    64(DX), Z18
	VCVTPH2PS    96(DX), Z19
	VFMADD231PS  Z16, Z20, Z8
	VFMADD231PS  Z17, Z20, Z9
	VFMADD231PS  Z18, Z20, Z10
	VFMADD231PS  Z19, Z20, Z11
	ADDQ         R8, DX
	ADDQ         $256, R14
	DECQ         CX
	JNZ          walk2

done2:
	// lane l+48: first row r = (l+48−phase) mod 64, rows ⌊(count−1−r)/64⌋+1
	// (0 when r ≥ count).
	MOVQ         BX, AX
	ADDQ         $48, AX
	SUBQ         R10, AX
	ANDQ         $63, AX
	MOVQ         R11, CX
	SUBQ         AX, CX
	DECQ         CX
	SARQ         $6, CX
	INCQ         CX
	VPXORD       Z12, Z12, Z12
	VPXORD       Z13, Z13, Z13
	VPXORD       Z14, Z14, Z14
	VPXORD       Z15, Z15, Z15
	TESTQ        CX, CX
	JLE          done3
	MOVQ         AX, DX
	IMULQ        R8, DX
	SHRQ         $6, DX
	ADDQ         SI, DX
	LEAQ         (R12)(AX*4), R14

walk3:
	VBROADCASTSS (R14), Z20
	VCVTPH2PS    0(DX), Z16
	VCVTPH2PS    32(DX), Z17
	VCVTPH2PS    64(DX), Z18
	VCVTPH2PS    96(DX), Z19
	VFMADD231PS  Z16, Z20, Z12
	VFMADD231PS  Z17, Z20, Z13
	VFMADD231PS  Z18, Z20, Z14
	VFMADD231PS  Z19, Z20, Z15
	ADDQ         R8, DX
	ADDQ         $256, R14
	DECQ         CX
	JNZ          walk3

done3:
	// part[g][l] = (lane l + lane l+32) + (lane l+16 + lane l+48)
	VADDPS  Z8, Z0, Z0
	VADDPS  Z12, Z4, Z4
	VADDPS  Z4, Z0, Z0
	VMOVUPS Z0, 0(DI)
	VADDPS  Z9, Z1, Z1
	VADDPS  Z13, Z5, Z5
	VADDPS  Z5, Z1, Z1
	VMOVUPS Z1, 64(DI)
	VADDPS  Z10, Z2, Z2
	VADDPS  Z14, Z6, Z6
	VADDPS  Z6, Z2, Z2
	VMOVUPS Z2, 128(DI)
	VADDPS  Z11, Z3, Z3
	VADDPS  Z15, Z7, Z7
	VADDPS  Z7, Z3, Z3
	VMOVUPS Z3, 192(DI)
	ADDQ    pStride+72(FP), R12
	ADDQ    $4096, DI
	DECQ    R15
	JNZ     head
	INCQ    BX
	CMPQ    BX, $16
	JB      lane

	// out[g] = reduce16 of part[g][0…15], 16 columns at a time.
	MOVQ out+0(FP), DI
	MOVQ R13, DX
	MOVQ heads+64(FP), R15

rhead:
	XORQ AX, AX

reduce:
	VMOVUPS 0(DX)(AX*1), Z0
	VMOVUPS 256(DX)(AX*1), Z1
	VMOVUPS 512(DX)(AX*1), Z2
	VMOVUPS 768(DX)(AX*1), Z3
	VMOVUPS 1024(DX)(AX*1), Z4
	VMOVUPS 1280(DX)(AX*1), Z5
	VMOVUPS 1536(DX)(AX*1), Z6
	VMOVUPS 1792(DX)(AX*1), Z7
	VMOVUPS 2048(DX)(AX*1), Z8
	VMOVUPS 2304(DX)(AX*1), Z9
	VMOVUPS 2560(DX)(AX*1), Z10
	VMOVUPS 2816(DX)(AX*1), Z11
	VMOVUPS 3072(DX)(AX*1), Z12
	VMOVUPS 3328(DX)(AX*1), Z13
	VMOVUPS 3584(DX)(AX*1), Z14
	VMOVUPS 3840(DX)(AX*1), Z15
	VADDPS  Z0, Z8, Z0
	VADDPS  Z1, Z9, Z1
	VADDPS  Z2, Z10, Z2
	VADDPS  Z3, Z11, Z3
	VADDPS  Z4, Z12, Z4
	VADDPS  Z5, Z13, Z5
	VADDPS  Z6, Z14, Z6
	VADDPS  Z7, Z15, Z7
	VADDPS  Z0, Z4, Z0
	VADDPS  Z1, Z5, Z1
	VADDPS  Z2, Z6, Z2
	VADDPS  Z3, Z7, Z3
	VADDPS  Z2, Z0, Z0
	VADDPS  Z3, Z1, Z1
	VADDPS  Z1, Z0, Z0
	VMOVUPS Z0, (DI)(AX*1)
	ADDQ    $64, AX
	CMPQ    AX, $256
	JB      reduce
	ADDQ    outStride+80(FP), DI
	ADDQ    $4096, DX
	DECQ    R15
	JNZ     rhead

	ADDQ $256, out+0(FP)
	ADDQ $128, SI
	SUBQ $64, hd+48(FP)
	JA   block
	VZEROUPPER
	RET
