// Macros shared by the amd64 assembly files.

// SPLAT4 broadcasts the 32-bit pattern v to every dword of y (x is y's low
// half). Clobbers AX.
#define SPLAT4(v, x, y) \
	MOVL         $v, AX; \
	VMOVD        AX, x;  \
	VPBROADCASTD x, y

// HSUMY0 leaves the sum of the eight float lanes of Y0 in X0 (lane 0).
// Clobbers X1.
#define HSUMY0 \
	VEXTRACTF128 $1, Y0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVHLPS     X0, X0, X1; \
	VADDPS       X1, X0, X0; \
	VMOVSHDUP    X0, X1;     \
	VADDSS       X1, X0, X0

// HSUMZ0 leaves the sum of the sixteen float lanes of Z0 in X0 (lane 0).
#define HSUMZ0 \
	VEXTRACTF64X4 $1, Z0, Y1; \
	VADDPS        Y1, Y0, Y0; \
	HSUMY0

// QUADSUM reduces the int32 lanes of four blocks in Y4–Y7 to X4 = their
// four sums as float32 (exact: a 32-element block sum is below 2²⁰).
// Clobbers Y5, Y6.
#define QUADSUM \
	VPHADDD      Y5, Y4, Y4;  \
	VPHADDD      Y7, Y6, Y6;  \
	VPHADDD      Y6, Y4, Y4;  \
	VEXTRACTI128 $1, Y4, X5;  \
	VPADDD       X5, X4, X4;  \
	VCVTDQ2PS    X4, X4

// ONESUM reduces the int32 lanes of one block in Y4 to its sum, as float32
// in every lane of X4. Clobbers X5.
#define ONESUM \
	VPHADDD      Y4, Y4, Y4;  \
	VPHADDD      Y4, Y4, Y4;  \
	VEXTRACTI128 $1, Y4, X5;  \
	VPADDD       X5, X4, X4;  \
	VCVTDQ2PS    X4, X4

// HALVES4 converts the half-precision scales of four blocks, the weights'
// at 0, w1, w2, w3 (SI) and the activations' at 0, x1, x2, x3 (DI), into
// X8 (d_w) and X9 (d_x). Clobbers AX, BX, DX.
#define HALVES4(w1, w2, w3, x1, x2, x3) \
	MOVWLZX      0(SI), AX;      \
	MOVWLZX      w1(SI), BX;     \
	SHLL         $16, BX;        \
	ORL          BX, AX;         \
	MOVWLZX      w2(SI), BX;     \
	SHLQ         $32, BX;        \
	ORQ          BX, AX;         \
	MOVWLZX      w3(SI), BX;     \
	SHLQ         $48, BX;        \
	ORQ          BX, AX;         \
	MOVWLZX      0(DI), DX;      \
	MOVWLZX      x1(DI), BX;     \
	SHLL         $16, BX;        \
	ORL          BX, DX;         \
	MOVWLZX      x2(DI), BX;     \
	SHLQ         $32, BX;        \
	ORQ          BX, DX;         \
	MOVWLZX      x3(DI), BX;     \
	SHLQ         $48, BX;        \
	ORQ          BX, DX;         \
	VMOVQ        AX, X8;         \
	VPINSRQ      $1, DX, X8, X8; \
	VCVTPH2PS    X8, Y8;         \
	VEXTRACTF128 $1, Y8, X9

// MINGATHER4 gathers the scales of four Q4_1/Q5_1 blocks and their Q8_1
// blocks: X8 = the (d, m) half pairs at the weight blocks 0, w1, w2, w3
// (SI), X9 = the (d, s) pairs at the activation blocks 0, x1, x2, x3 (DI).
#define MINGATHER4(w1, w2, w3, x1, x2, x3) \
	VMOVD       0(SI), X8;          \
	VPINSRD     $1, w1(SI), X8, X8; \
	VPINSRD     $2, w2(SI), X8, X8; \
	VPINSRD     $3, w3(SI), X8, X8; \
	VMOVD       0(DI), X9;          \
	VPINSRD     $1, x1(DI), X9, X9; \
	VPINSRD     $2, x2(DI), X9, X9; \
	VPINSRD     $3, x3(DI), X9, X9

// LEGACYSTART loads the arguments of a legacy kernel: X0 = the running
// sum, Y1 the vector accumulator.
#define LEGACYSTART \
	MOVQ   w+0(FP), SI;    \
	MOVQ   x+8(FP), DI;    \
	MOVQ   nb+16(FP), CX;  \
	VMOVSS sum+24(FP), X0; \
	VXORPS Y1, Y1, Y1

// LEGACYDONE adds the lanes of Y1 to X0 and returns it.
#define LEGACYDONE \
	VEXTRACTF128 $1, Y1, X2; \
	VADDPS       X2, X1, X1; \
	VMOVHLPS     X1, X1, X2; \
	VADDPS       X2, X1, X1; \
	VMOVSHDUP    X1, X2;     \
	VADDSS       X2, X1, X1; \
	VADDSS       X1, X0, X0; \
	VZEROUPPER;              \
	MOVSS X0, ret+32(FP);    \
	RET

// KDONE returns the scalar sum of a K-quant kernel (no sum argument).
#define KDONE \
	VZEROUPPER; \
	MOVSS X0, ret+24(FP); \
	RET

// DDFMA: for four blocks with sums in X4 and scales d_w in X8, d_x in X9,
// the four lanes of X1 += d_w·d_x·sumi (the Q4_0, Q5_0, Q8_0 and IQ4_NL
// dots; one FMA per block into float accumulators, as ggml does).
#define DDFMA \
	VMULPS      X9, X8, X8; \
	VFMADD231PS X8, X4, X1

// DDFMA1 is DDFMA for one block (lane 0), into X0.
#define DDFMA1 \
	VMULSS      X9, X8, X8; \
	VFMADD231SS X8, X4, X0

// MINFMA: for four Q4_1/Q5_1 blocks with sums in X4 and the scales from
// MINGATHER4, Y1 += d_w·d_x·sumi (even lanes) and m·s (odd lanes, against
// the 1.0 that Y12 holds in the odd lanes).
#define MINFMA \
	VCVTPH2PS   X8, Y8;      \
	VCVTPH2PS   X9, Y9;      \
	VMULPS      Y9, Y8, Y8;  \
	VPMOVZXDQ   X4, Y4;      \
	VPOR        Y12, Y4, Y4; \
	VFMADD231PS Y8, Y4, Y1

// MINFMA1 is MINFMA for one block, into X0.
#define MINFMA1 \
	VCVTPH2PS   X8, X8;     \
	VCVTPH2PS   X9, X9;     \
	VMULPS      X9, X8, X8; \
	VFMADD231SS X8, X4, X0; \
	VMOVSHDUP   X8, X8;     \
	VADDSS      X8, X0, X0

// ONESODD sets Y12 to 1.0 in the odd float lanes, 0 in the even ones.
// Clobbers AX.
#define ONESODD \
	MOVQ         $0x3F80000000000000, AX; \
	VMOVQ        AX, X12;                 \
	VPBROADCASTQ X12, Y12

// NIBBLES16 loads the 16 bytes at p and leaves in y (x its low half) the 32
// nibbles in element order: low nibbles (elements 0–15) in the low lane,
// high nibbles (16–31) in the high lane. mask holds 0x0F bytes; tmp is an X
// scratch register.
#define NIBBLES16(p, x, y, tmp, mask) \
	VMOVDQU     p, x;         \
	VPSRLW      $4, x, tmp;   \
	VINSERTI128 $1, tmp, y, y; \
	VPAND       mask, y, y

// ---- scale unpacking shared by the AVX2 and AVX-512 K-quant kernels ----

// SCALEMINK4 unpacks the 12 bytes of six-bit scales and mins of a Q4_K or
// Q5_K block at 4(SI): AX = scales 0–7, BX = mins 0–7, one per byte.
// Scales/mins 0–3 are the low six bits of bytes 0–3/4–7; 4–7 keep their
// low four bits in bytes 8–11 (scales low nibble, mins high nibble) and
// their top two bits in the top bits of bytes 0–3/4–7. Clobbers DX, R8, R9.
#define SCALEMINK4 \
	MOVL 4(SI), AX;          \
	MOVL 8(SI), BX;          \
	MOVL 12(SI), DX;         \
	MOVL DX, R8;             \
	SHRL $4, R8;             \
	ANDL $0x0F0F0F0F, R8;    \
	MOVL BX, R9;             \
	SHRL $6, R9;             \
	ANDL $0x03030303, R9;    \
	SHLL $4, R9;             \
	ORL  R9, R8;             \
	ANDL $0x3F3F3F3F, BX;    \
	ANDL $0x0F0F0F0F, DX;    \
	MOVL AX, R9;             \
	SHRL $6, R9;             \
	ANDL $0x03030303, R9;    \
	SHLL $4, R9;             \
	ORL  R9, DX;             \
	ANDL $0x3F3F3F3F, AX;    \
	SHLQ $32, DX;            \
	ORQ  DX, AX;             \
	SHLQ $32, R8;            \
	ORQ  R8, BX

// SCALESQ3K leaves in X2 the sixteen signed scales (six bits − 32) of the
// Q3_K block: scale j has its low four bits in byte j (j < 8, low nibble)
// or j−8 (high nibble) and its top two bits at 2·(j/4) of byte 8 + j%4.
// X14 = 0x20 bytes. Clobbers AX, BX, DX, R8–R10.
#define SCALESQ3K \
	MOVL    96(SI), AX;         \
	MOVL    100(SI), BX;        \
	MOVL    104(SI), DX;        \
	MOVL    AX, R8;             \
	ANDL    $0x0F0F0F0F, R8;    \
	MOVL    DX, R9;             \
	ANDL    $0x03030303, R9;    \
	SHLL    $4, R9;             \
	ORL     R9, R8;             \
	MOVL    BX, R10;            \
	ANDL    $0x0F0F0F0F, R10;   \
	MOVL    DX, R9;             \
	SHRL    $2, R9;             \
	ANDL    $0x03030303, R9;    \
	SHLL    $4, R9;             \
	ORL     R9, R10;            \
	SHRL    $4, AX;             \
	ANDL    $0x0F0F0F0F, AX;    \
	MOVL    DX, R9;             \
	SHRL    $4, R9;             \
	ANDL    $0x03030303, R9;    \
	SHLL    $4, R9;             \
	ORL     R9, AX;             \
	SHRL    $4, BX;             \
	ANDL    $0x0F0F0F0F, BX;    \
	SHRL    $6, DX;             \
	ANDL    $0x03030303, DX;    \
	SHLL    $4, DX;             \
	ORL     DX, BX;             \
	SHLQ    $32, R10;           \
	ORQ     R10, R8;            \
	SHLQ    $32, BX;            \
	ORQ     BX, AX;             \
	VMOVQ   R8, X2;             \
	VPINSRQ $1, AX, X2, X2;     \
	VPSUBB  X14, X2, X2

// SCALESIQ4XS leaves in X6 the eight signed scales (six bits − 32) of the
// IQ4_XS block: low four bits in the nibbles of scales_l (4(SI), sub-block
// 2i low, 2i+1 high), top two bits at 2·ib of scales_h (2(SI)), which are
// spread to bits 4–5 of byte ib with shifts and masks. X15 = 0x0F,
// X14 = 0x20 bytes. Clobbers AX, BX, DX, X7.
#define SCALESIQ4XS \
	MOVL       4(SI), DX;              \
	VMOVD      DX, X6;                 \
	VPSRLW     $4, X6, X7;             \
	VPAND      X15, X6, X6;            \
	VPAND      X15, X7, X7;            \
	VPUNPCKLBW X7, X6, X6;             \
	MOVWLZX    2(SI), AX;              \
	MOVQ       AX, BX;                 \
	SHLQ       $24, BX;                \
	ORQ        BX, AX;                 \
	MOVQ       $0x000000FF000000FF, BX; \
	ANDQ       BX, AX;                 \
	MOVQ       AX, BX;                 \
	SHLQ       $12, BX;                \
	ORQ        BX, AX;                 \
	MOVQ       $0x000F000F000F000F, BX; \
	ANDQ       BX, AX;                 \
	MOVQ       AX, BX;                 \
	SHLQ       $6, BX;                 \
	ORQ        BX, AX;                 \
	MOVQ       $0x0303030303030303, BX; \
	ANDQ       BX, AX;                 \
	SHLQ       $4, AX;                 \
	VMOVQ      AX, X7;                 \
	VPOR       X7, X6, X6;             \
	VPSUBB     X14, X6, X6

// ---- exact K-quant block finish, shared by the AVX2 and AVX-512 kernels ----
//
// The K-quant kernels sum each super-block in int32 lanes, reduce the lanes
// to the block's exact integer sums, and then do the generic twin's float32
// operations in its order, adding to the scalar sum in X0 block after block:
// their results are bit-identical to quant's. (Lane-wise float accumulation
// as in ggml loses accuracy here: the lanes hold level sums with offsets
// that cancel only across lanes, Q6_K's 32 or Q4_K's mins.)

// KEXACT2 adds float32(d·d_x·isum) − float32(dmin·d_x·summs) to X0, with
// isum the sum of Y4's lanes, summs of Y3's, and the halves d, dmin at wp
// (Q2_K, Q4_K, Q5_K). Clobbers AX, X5–X7.
#define KEXACT2(wp) \
	VPHADDD      Y3, Y4, Y5;    \
	VEXTRACTI128 $1, Y5, X6;    \
	VPADDD       X6, X5, X5;    \
	VPHADDD      X5, X5, X5;    \
	VCVTDQ2PS    X5, X5;        \
	MOVL         wp, AX;        \
	VMOVD        AX, X6;        \
	VCVTPH2PS    X6, X6;        \
	VBROADCASTSS (DI), X7;      \
	VMULPS       X7, X6, X6;    \
	VMULPS       X6, X5, X5;    \
	VMOVSHDUP    X5, X6;        \
	VSUBSS       X6, X5, X5;    \
	VADDSS       X5, X0, X0

// KEXACT1 adds float32(d·d_x·isum) to X0, isum the sum of Y4's lanes and d
// the half at wp (Q3_K, Q6_K). Clobbers AX, X4, X5.
#define KEXACT1(wp) \
	VEXTRACTI128 $1, Y4, X5;     \
	VPADDD       X5, X4, X4;     \
	VPSHUFD      $0x4E, X4, X5;  \
	VPADDD       X5, X4, X4;     \
	VPSHUFD      $0xB1, X4, X5;  \
	VPADDD       X5, X4, X4;     \
	VCVTDQ2PS    X4, X4;         \
	MOVWLZX      wp, AX;         \
	VMOVD        AX, X5;         \
	VCVTPH2PS    X5, X5;         \
	VMULSS       (DI), X5, X5;   \
	VMULSS       X4, X5, X5;     \
	VADDSS       X5, X0, X0

// IQ4XSFINISH takes Y5 = VPHADDD tree of sub-blocks 0–3 and Y6 of 4–7
// (lane k of Y5's low half holds part of sub-block k's sum, its high half
// the rest), Y1 = the eight scales as floats, and adds float32(d·d_x·
// scale·sumi) for each sub-block in order to X0, the half d at 0(SI).
// Clobbers AX, Y1, Y5–Y9.
#define IQ4XSFINISH \
	VPERM2I128   $0x20, Y6, Y5, Y7; \
	VPERM2I128   $0x31, Y6, Y5, Y8; \
	VPADDD       Y8, Y7, Y7;        \
	IQ4XSFLOAT

// IQ4XSFINISHOFF is IQ4XSFINISH with the int32 offsets in off (one per
// sub-block) subtracted from the sums first.
#define IQ4XSFINISHOFF(off) \
	VPERM2I128   $0x20, Y6, Y5, Y7; \
	VPERM2I128   $0x31, Y6, Y5, Y8; \
	VPADDD       Y8, Y7, Y7;        \
	VPSUBD       off, Y7, Y7;       \
	IQ4XSFLOAT

// IQ4XSFLOAT: the float part of IQ4XSFINISH, on the sums in Y7.
#define IQ4XSFLOAT \
	VCVTDQ2PS    Y7, Y7;            \
	MOVWLZX      0(SI), AX;         \
	VMOVD        AX, X9;            \
	VCVTPH2PS    X9, X9;            \
	VMULSS       (DI), X9, X9;      \
	VBROADCASTSS X9, Y9;            \
	VMULPS       Y1, Y9, Y1;        \
	VMULPS       Y1, Y7, Y7;        \
	VADDSS       X7, X0, X0;        \
	VMOVSHDUP    X7, X8;            \
	VADDSS       X8, X0, X0;        \
	VMOVHLPS     X7, X7, X8;        \
	VADDSS       X8, X0, X0;        \
	VPERMILPS    $0xFF, X7, X8;     \
	VADDSS       X8, X0, X0;        \
	VEXTRACTF128 $1, Y7, X7;        \
	VADDSS       X7, X0, X0;        \
	VMOVSHDUP    X7, X8;            \
	VADDSS       X8, X0, X0;        \
	VMOVHLPS     X7, X7, X8;        \
	VADDSS       X8, X0, X0;        \
	VPERMILPS    $0xFF, X7, X8;     \
	VADDSS       X8, X0, X0
