//go:build !noasm

#include "textflag.h"
#include "macros_amd64.h"

// Float dot products for the AVX2 and AVX-512 flavours.
//
// Each one keeps eight independent vector accumulators in the main loop so
// that the FMA latency (4 cycles, two FMA pipes) never stalls it, folds them
// into one, runs a one-vector loop, and handles the last few elements either
// one at a time (AVX2) or with a masked load (AVX-512, which cannot fault on
// the masked-off lanes). Results differ from the generic twins only in the
// order of the float additions.

// FOLD8 adds accumulators 1–7 into accumulator 0 (as a tree).
#define FOLD8(r0, r1, r2, r3, r4, r5, r6, r7) \
	VADDPS r4, r0, r0; \
	VADDPS r5, r1, r1; \
	VADDPS r6, r2, r2; \
	VADDPS r7, r3, r3; \
	VADDPS r1, r0, r0; \
	VADDPS r3, r2, r2; \
	VADDPS r2, r0, r0

// func dotAVX2(x, y []float32) float32
// Σ x[i]·y[i] over len(x). SI = x, DI = y, CX = elements left;
// Y0–Y7 accumulators, Y8–Y15 loaded x.
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   CX, $64
	JB     fold

loop64:
	VMOVUPS     0(SI), Y8
	VMOVUPS     32(SI), Y9
	VMOVUPS     64(SI), Y10
	VMOVUPS     96(SI), Y11
	VMOVUPS     128(SI), Y12
	VMOVUPS     160(SI), Y13
	VMOVUPS     192(SI), Y14
	VMOVUPS     224(SI), Y15
	VFMADD231PS 0(DI), Y8, Y0
	VFMADD231PS 32(DI), Y9, Y1
	VFMADD231PS 64(DI), Y10, Y2
	VFMADD231PS 96(DI), Y11, Y3
	VFMADD231PS 128(DI), Y12, Y4
	VFMADD231PS 160(DI), Y13, Y5
	VFMADD231PS 192(DI), Y14, Y6
	VFMADD231PS 224(DI), Y15, Y7
	ADDQ        $256, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	CMPQ        CX, $64
	JAE         loop64

fold:
	FOLD8(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)

loop8:
	CMPQ        CX, $8
	JB          reduce
	VMOVUPS     (SI), Y8
	VFMADD231PS (DI), Y8, Y0
	ADDQ        $32, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

reduce:
	HSUMY0

tail:
	TESTQ       CX, CX
	JZ          done
	VMOVSS      (SI), X8
	VFMADD231SS (DI), X8, X0
	ADDQ        $4, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         tail

done:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotF16AVX2(w []byte, x []float32) float32
// Σ w[i]·x[i] over len(x), w half precision converted by VCVTPH2PS.
// SI = w, DI = x, CX = elements left; Y0–Y7 accumulators, Y8–Y15 weights.
TEXT ·dotF16AVX2(SB), NOSPLIT, $0-52
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   CX, $64
	JB     fold

loop64:
	VCVTPH2PS   0(SI), Y8
	VCVTPH2PS   16(SI), Y9
	VCVTPH2PS   32(SI), Y10
	VCVTPH2PS   48(SI), Y11
	VCVTPH2PS   64(SI), Y12
	VCVTPH2PS   80(SI), Y13
	VCVTPH2PS   96(SI), Y14
	VCVTPH2PS   112(SI), Y15
	VFMADD231PS 0(DI), Y8, Y0
	VFMADD231PS 32(DI), Y9, Y1
	VFMADD231PS 64(DI), Y10, Y2
	VFMADD231PS 96(DI), Y11, Y3
	VFMADD231PS 128(DI), Y12, Y4
	VFMADD231PS 160(DI), Y13, Y5
	VFMADD231PS 192(DI), Y14, Y6
	VFMADD231PS 224(DI), Y15, Y7
	ADDQ        $128, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	CMPQ        CX, $64
	JAE         loop64

fold:
	FOLD8(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)

loop8:
	CMPQ        CX, $8
	JB          reduce
	VCVTPH2PS   (SI), Y8
	VFMADD231PS (DI), Y8, Y0
	ADDQ        $16, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

reduce:
	HSUMY0

tail:
	TESTQ       CX, CX
	JZ          done
	MOVWLZX     (SI), AX
	VMOVD       AX, X8
	VCVTPH2PS   X8, X8
	VFMADD231SS (DI), X8, X0
	ADDQ        $2, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         tail

done:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotBF16AVX2(w []byte, x []float32) float32
// Σ w[i]·x[i] over len(x), w bfloat16 widened by a 16-bit left shift.
// SI = w, DI = x, CX = elements left; Y0–Y7 accumulators, Y8–Y15 weights.
TEXT ·dotBF16AVX2(SB), NOSPLIT, $0-52
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	CMPQ   CX, $64
	JB     fold

loop64:
	VPMOVZXWD   0(SI), Y8
	VPMOVZXWD   16(SI), Y9
	VPMOVZXWD   32(SI), Y10
	VPMOVZXWD   48(SI), Y11
	VPMOVZXWD   64(SI), Y12
	VPMOVZXWD   80(SI), Y13
	VPMOVZXWD   96(SI), Y14
	VPMOVZXWD   112(SI), Y15
	VPSLLD      $16, Y8, Y8
	VPSLLD      $16, Y9, Y9
	VPSLLD      $16, Y10, Y10
	VPSLLD      $16, Y11, Y11
	VPSLLD      $16, Y12, Y12
	VPSLLD      $16, Y13, Y13
	VPSLLD      $16, Y14, Y14
	VPSLLD      $16, Y15, Y15
	VFMADD231PS 0(DI), Y8, Y0
	VFMADD231PS 32(DI), Y9, Y1
	VFMADD231PS 64(DI), Y10, Y2
	VFMADD231PS 96(DI), Y11, Y3
	VFMADD231PS 128(DI), Y12, Y4
	VFMADD231PS 160(DI), Y13, Y5
	VFMADD231PS 192(DI), Y14, Y6
	VFMADD231PS 224(DI), Y15, Y7
	ADDQ        $128, SI
	ADDQ        $256, DI
	SUBQ        $64, CX
	CMPQ        CX, $64
	JAE         loop64

fold:
	FOLD8(Y0, Y1, Y2, Y3, Y4, Y5, Y6, Y7)

loop8:
	CMPQ        CX, $8
	JB          reduce
	VPMOVZXWD   (SI), Y8
	VPSLLD      $16, Y8, Y8
	VFMADD231PS (DI), Y8, Y0
	ADDQ        $16, SI
	ADDQ        $32, DI
	SUBQ        $8, CX
	JMP         loop8

reduce:
	HSUMY0

tail:
	TESTQ       CX, CX
	JZ          done
	MOVWLZX     (SI), AX
	SHLL        $16, AX
	VMOVD       AX, X8
	VFMADD231SS (DI), X8, X0
	ADDQ        $2, SI
	ADDQ        $4, DI
	DECQ        CX
	JMP         tail

done:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// ZERO8Z clears the eight 512-bit accumulators Z0–Z7.
#define ZERO8Z \
	VPXORD Z0, Z0, Z0; \
	VPXORD Z1, Z1, Z1; \
	VPXORD Z2, Z2, Z2; \
	VPXORD Z3, Z3, Z3; \
	VPXORD Z4, Z4, Z4; \
	VPXORD Z5, Z5, Z5; \
	VPXORD Z6, Z6, Z6; \
	VPXORD Z7, Z7, Z7

// TAILMASK sets K1 to the low CX bits (CX < 16).
#define TAILMASK \
	MOVL  $1, AX;  \
	SHLL  CX, AX;  \
	DECL  AX;      \
	KMOVW AX, K1

// func dotAVX512(x, y []float32) float32
// Σ x[i]·y[i] over len(x). SI = x, DI = y, CX = elements left;
// Z0–Z7 accumulators, Z8–Z15 loaded x, K1 tail mask.
TEXT ·dotAVX512(SB), NOSPLIT, $0-52
	MOVQ x_base+0(FP), SI
	MOVQ x_len+8(FP), CX
	MOVQ y_base+24(FP), DI
	ZERO8Z
	CMPQ CX, $128
	JB   fold

loop128:
	VMOVUPS     0(SI), Z8
	VMOVUPS     64(SI), Z9
	VMOVUPS     128(SI), Z10
	VMOVUPS     192(SI), Z11
	VMOVUPS     256(SI), Z12
	VMOVUPS     320(SI), Z13
	VMOVUPS     384(SI), Z14
	VMOVUPS     448(SI), Z15
	VFMADD231PS 0(DI), Z8, Z0
	VFMADD231PS 64(DI), Z9, Z1
	VFMADD231PS 128(DI), Z10, Z2
	VFMADD231PS 192(DI), Z11, Z3
	VFMADD231PS 256(DI), Z12, Z4
	VFMADD231PS 320(DI), Z13, Z5
	VFMADD231PS 384(DI), Z14, Z6
	VFMADD231PS 448(DI), Z15, Z7
	ADDQ        $512, SI
	ADDQ        $512, DI
	SUBQ        $128, CX
	CMPQ        CX, $128
	JAE         loop128

fold:
	FOLD8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)

loop16:
	CMPQ        CX, $16
	JB          tail
	VMOVUPS     (SI), Z8
	VFMADD231PS (DI), Z8, Z0
	ADDQ        $64, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

tail:
	TESTQ       CX, CX
	JZ          reduce
	TAILMASK
	VMOVUPS.Z   (SI), K1, Z8
	VMOVUPS.Z   (DI), K1, Z9
	VFMADD231PS Z9, Z8, Z0

reduce:
	HSUMZ0
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotF16AVX512(w []byte, x []float32) float32
// Σ w[i]·x[i] over len(x), w half precision. SI = w, DI = x, CX = elements
// left; Z0–Z7 accumulators, Z8–Z15 weights, K1 tail mask.
TEXT ·dotF16AVX512(SB), NOSPLIT, $0-52
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	ZERO8Z
	CMPQ CX, $128
	JB   fold

loop128:
	VCVTPH2PS   0(SI), Z8
	VCVTPH2PS   32(SI), Z9
	VCVTPH2PS   64(SI), Z10
	VCVTPH2PS   96(SI), Z11
	VCVTPH2PS   128(SI), Z12
	VCVTPH2PS   160(SI), Z13
	VCVTPH2PS   192(SI), Z14
	VCVTPH2PS   224(SI), Z15
	VFMADD231PS 0(DI), Z8, Z0
	VFMADD231PS 64(DI), Z9, Z1
	VFMADD231PS 128(DI), Z10, Z2
	VFMADD231PS 192(DI), Z11, Z3
	VFMADD231PS 256(DI), Z12, Z4
	VFMADD231PS 320(DI), Z13, Z5
	VFMADD231PS 384(DI), Z14, Z6
	VFMADD231PS 448(DI), Z15, Z7
	ADDQ        $256, SI
	ADDQ        $512, DI
	SUBQ        $128, CX
	CMPQ        CX, $128
	JAE         loop128

fold:
	FOLD8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)

loop16:
	CMPQ        CX, $16
	JB          tail
	VCVTPH2PS   (SI), Z8
	VFMADD231PS (DI), Z8, Z0
	ADDQ        $32, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

tail:
	TESTQ       CX, CX
	JZ          reduce
	TAILMASK
	VMOVDQU16.Z (SI), K1, Y8
	VCVTPH2PS   Y8, Z8
	VMOVUPS.Z   (DI), K1, Z9
	VFMADD231PS Z9, Z8, Z0

reduce:
	HSUMZ0
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func dotBF16AVX512(w []byte, x []float32) float32
// Σ w[i]·x[i] over len(x), w bfloat16. SI = w, DI = x, CX = elements left;
// Z0–Z7 accumulators, Z8–Z15 weights, K1 tail mask.
TEXT ·dotBF16AVX512(SB), NOSPLIT, $0-52
	MOVQ w_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	ZERO8Z
	CMPQ CX, $128
	JB   fold

loop128:
	VPMOVZXWD   0(SI), Z8
	VPMOVZXWD   32(SI), Z9
	VPMOVZXWD   64(SI), Z10
	VPMOVZXWD   96(SI), Z11
	VPMOVZXWD   128(SI), Z12
	VPMOVZXWD   160(SI), Z13
	VPMOVZXWD   192(SI), Z14
	VPMOVZXWD   224(SI), Z15
	VPSLLD      $16, Z8, Z8
	VPSLLD      $16, Z9, Z9
	VPSLLD      $16, Z10, Z10
	VPSLLD      $16, Z11, Z11
	VPSLLD      $16, Z12, Z12
	VPSLLD      $16, Z13, Z13
	VPSLLD      $16, Z14, Z14
	VPSLLD      $16, Z15, Z15
	VFMADD231PS 0(DI), Z8, Z0
	VFMADD231PS 64(DI), Z9, Z1
	VFMADD231PS 128(DI), Z10, Z2
	VFMADD231PS 192(DI), Z11, Z3
	VFMADD231PS 256(DI), Z12, Z4
	VFMADD231PS 320(DI), Z13, Z5
	VFMADD231PS 384(DI), Z14, Z6
	VFMADD231PS 448(DI), Z15, Z7
	ADDQ        $256, SI
	ADDQ        $512, DI
	SUBQ        $128, CX
	CMPQ        CX, $128
	JAE         loop128

fold:
	FOLD8(Z0, Z1, Z2, Z3, Z4, Z5, Z6, Z7)

loop16:
	CMPQ        CX, $16
	JB          tail
	VPMOVZXWD   (SI), Z8
	VPSLLD      $16, Z8, Z8
	VFMADD231PS (DI), Z8, Z0
	ADDQ        $32, SI
	ADDQ        $64, DI
	SUBQ        $16, CX
	JMP         loop16

tail:
	TESTQ       CX, CX
	JZ          reduce
	TAILMASK
	VMOVDQU16.Z (SI), K1, Y8
	VPMOVZXWD   Y8, Z8
	VPSLLD      $16, Z8, Z8
	VMOVUPS.Z   (DI), K1, Z9
	VFMADD231PS Z9, Z8, Z0

reduce:
	HSUMZ0
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET
