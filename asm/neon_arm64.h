// A64 instructions that Go's arm64 assembler does not know, as WORD
// encodings. Every argument is a register number n meaning Vn (or Sn/Hn for
// the scalar forms); lane indexes are 0-3. Each encoding was taken from GNU
// as (aarch64-linux-gnu-as -march=armv8.2-a+dotprod) and its register fields
// (Rd bits 0-4, Rn bits 5-9, Rm bits 16-20) checked by varying them; the
// kernel tests exercise every one.

// sdot vd.4s, vn.16b, vm.16b   (ARMv8.2 dot product: needs HasASIMDDP)
#define SDOT(d, n, m) WORD $(0x4e809400 | ((m)<<16) | ((n)<<5) | (d))

// smull vd.8h, vn.8b, vm.8b / smull2 vd.8h, vn.16b, vm.16b
#define SMULL_8H(d, n, m) WORD $(0x0e20c000 | ((m)<<16) | ((n)<<5) | (d))
#define SMULL2_8H(d, n, m) WORD $(0x4e20c000 | ((m)<<16) | ((n)<<5) | (d))

// sadalp vd.4s, vn.8h   (add adjacent int16 pairs into the int32 lanes)
#define SADALP_4S(d, n) WORD $(0x4e606800 | ((n)<<5) | (d))

// smull vd.4s, vn.4h, vm.4h / smlal vd.4s, vn.4h, vm.4h / smlal2 vd.4s, vn.8h, vm.8h
#define SMULL_4S(d, n, m) WORD $(0x0e60c000 | ((m)<<16) | ((n)<<5) | (d))
#define SMLAL_4S(d, n, m) WORD $(0x0e608000 | ((m)<<16) | ((n)<<5) | (d))
#define SMLAL2_4S(d, n, m) WORD $(0x4e608000 | ((m)<<16) | ((n)<<5) | (d))

// sxtl vd.8h, vn.8b / sxtl2 vd.8h, vn.16b / sxtl vd.4s, vn.4h / sxtl2 vd.4s, vn.8h
#define SXTL_8H(d, n) WORD $(0x0f08a400 | ((n)<<5) | (d))
#define SXTL2_8H(d, n) WORD $(0x4f08a400 | ((n)<<5) | (d))
#define SXTL_4S(d, n) WORD $(0x0f10a400 | ((n)<<5) | (d))
#define SXTL2_4S(d, n) WORD $(0x4f10a400 | ((n)<<5) | (d))

// mla vd.4s, vn.4s, vm.s[i]   (int32 multiply-accumulate by one lane of vm)
#define MLA_LANE(d, n, m, i) WORD $(0x6f800000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// fmla vd.4s, vn.4s, vm.s[i]
#define FMLA_LANE(d, n, m, i) WORD $(0x4f801000 | (((i)&1)<<21) | (((i)>>1)<<11) | ((m)<<16) | ((n)<<5) | (d))

// fadd vd.4s, vn.4s, vm.4s / faddp vd.4s, vn.4s, vm.4s / faddp sd, vn.2s
#define FADD_4S(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))
#define FADDP_4S(d, n, m) WORD $(0x6e20d400 | ((m)<<16) | ((n)<<5) | (d))
#define FADDP_S(d, n) WORD $(0x7e30d800 | ((n)<<5) | (d))

// scvtf vd.4s, vn.4s   (int32 lanes to float32)
#define SCVTF_4S(d, n) WORD $(0x4e21d800 | ((n)<<5) | (d))

// fcvtl vd.4s, vn.4h / fcvtl2 vd.4s, vn.8h   (half to single, exact)
#define FCVTL_4S(d, n) WORD $(0x0e217800 | ((n)<<5) | (d))
#define FCVTL2_4S(d, n) WORD $(0x4e217800 | ((n)<<5) | (d))

// IDOT(acc, a, b, t1, t2): acc.4s += the products a[i]·b[i] of the sixteen
// signed bytes of a and b, each int32 lane receiving four of them. Which
// four differs between the two forms, so kernels only ever use the total of
// an accumulator. The SDOT form leaves t1 and t2 alone; the ARMv8.0 form
// multiplies into int16 (|a·b| ≤ 2¹⁴ fits) in t1, t2 and adds pairs into acc.
#define IDOT_SDOT(acc, a, b, t1, t2) SDOT(acc, a, b)
#define IDOT_WIDEN(acc, a, b, t1, t2) SMULL_8H(t1, a, b); SMULL2_8H(t2, a, b); SADALP_4S(acc, t1); SADALP_4S(acc, t2)
