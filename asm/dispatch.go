package asm

import (
	"fmt"
	"os"
	"sort"

	"github.com/narallm/nara/quant"
)

// Level names a flavour of kernels: the pure-Go twins, or assembly for one
// instruction set.
type Level string

const (
	Generic Level = "generic"
	AVX2    Level = "avx2"   // AVX2 + FMA
	AVX512  Level = "avx512" // AVX-512 F/BW/VL, with VNNI (VPDPBUSD) where the CPU has it
	NEON    Level = "neon"   // arm64 ASIMD, SDOT where the CPU has it
)

// Kernels is the set of inner loops one flavour provides. A nil entry means
// the flavour has no version of that loop and the generic one is used.
type Kernels struct {
	// VecDot[t] returns the dot product of n weights of block type t (n a
	// whole number of blocks) with n activations already quantized to t's
	// VecDotType (Q8_0, Q8_1 or Q8_K), as quant's traits define it.
	VecDot map[quant.Type]func(n int, w, x []byte) float32

	// Gemm[t] computes a block of rows × tokens of a matrix product against
	// the same quantized activations (gemm.go). A flavour without one for t
	// gets one built from its VecDot[t].
	Gemm map[quant.Type]GemmKernel

	// Packed[t] is Gemm for a matrix of t in the packed layout (packed.go):
	// w covers whole 16-row groups. A flavour without one for t gets one
	// that unpacks each group for its Gemm.
	Packed map[quant.Type]GemmKernel

	// Dot returns Σ x[i]·y[i] over len(x) float32s.
	Dot func(x, y []float32) float32
	// DotF16 and DotBF16 return Σ w[i]·x[i] for a row of len(x) half or
	// brain-float weights (2 bytes each, little-endian) and float32 x.
	DotF16  func(w []byte, x []float32) float32
	DotBF16 func(w []byte, x []float32) float32

	// Attention kernels (attention.go): one tile of keys at a time.
	// ExpSub sets dst[i] = exp(x[i]-m) for i < len(x) and returns Σ dst[i].
	// Axpy sets dst[i] += a·x[i] for i < len(dst); AxpyF16 does the same
	// for x in IEEE half precision.
	ExpSub  func(dst, x []float32, m float32) float32
	Axpy    func(dst, x []float32, a float32)
	AxpyF16 func(dst []float32, x []uint16, a float32)

	// Float matrix products (matmul_float.go): FloatGemm[t] for t = F32,
	// F16, BF16 computes a block of rows × tokens against float weights. A
	// flavour without one for t gets one built from its Dot/DotF16/DotBF16.
	FloatGemm map[quant.Type]FloatGemmKernel

	// Elementwise kernels of the forward pass (vec_generic.go): RMSNorm sets
	// dst = x / sqrt(mean(x²) + eps) · w over len(x); SiLUMul sets
	// dst = silu(gate) · up over len(dst); Add sets dst += x over len(dst).
	// Each may be called in place (dst = x, dst = gate).
	RMSNorm func(dst, x, w []float32, eps float32)
	SiLUMul func(dst, gate, up []float32)
	Add     func(dst, x []float32)
	// ToF16 rounds x to IEEE half precision into dst[:len(x)] (nearest,
	// ties to even), as the F16 KV cache stores keys and values.
	ToF16 func(dst []uint16, x []float32)
}

// flavours holds every flavour this binary carries and this CPU can run. The
// per-architecture files add theirs with package-level declarations such as
//
//	var _ = cpu.X86.HasAVX2 && cpu.X86.HasFMA && register(AVX2, &Kernels{...})
//
// which Go evaluates before any init function, so init below sees them all.
var flavours = map[Level]*Kernels{Generic: genericKernels()}

// active is the flavour in use, with its nil entries filled from generic.
var (
	active      *Kernels
	activeLevel Level
)

// register adds a flavour; it returns true so it can stand in a
// package-level declaration.
func register(l Level, k *Kernels) bool {
	if k.Gemm == nil {
		k.Gemm = map[quant.Type]GemmKernel{}
	}
	fillGemm(k)
	flavours[l] = k
	return true
}

func genericKernels() *Kernels {
	k := &Kernels{VecDot: map[quant.Type]func(int, []byte, []byte) float32{}, Dot: dotGeneric, DotF16: dotF16Generic, DotBF16: dotBF16Generic}
	k.ExpSub, k.Axpy, k.AxpyF16 = expSubGeneric, axpyGeneric, axpyF16Generic // attention kernels
	mergeFloatGemm(k, k)                                                     // float products from the row dots
	k.RMSNorm, k.SiLUMul, k.Add, k.ToF16 = rmsNormGo, siluMulGo, addGo, toF16Go
	for _, t := range quant.Types() {
		if tr, _ := t.Traits(); tr.VecDot != nil && tr.BlockSize > 1 {
			k.VecDot[t] = tr.VecDot
		}
	}
	k.Gemm = map[quant.Type]GemmKernel{}
	fillGemm(k)
	return k
}

// preference lists the flavours from fastest to slowest.
var preference = []Level{AVX512, AVX2, NEON, Generic}

func init() { selectDefault() }

// selectDefault picks the flavour named by NARA_CPU, else the fastest one
// available.
func selectDefault() {
	if want := os.Getenv("NARA_CPU"); want != "" {
		if err := Use(Level(want)); err == nil {
			return
		}
		fmt.Fprintf(os.Stderr, "nara: NARA_CPU=%s is not available on this CPU/build (have %v); using the default\n", want, Available())
	}
	for _, l := range preference {
		if _, ok := flavours[l]; ok {
			Use(l)
			return
		}
	}
}

// Use switches every kernel to flavour l (for tests and benchmarks). It is
// not safe to call while kernels run.
func Use(l Level) error {
	k, ok := flavours[l]
	if !ok {
		return fmt.Errorf("kernel flavour %q is not available (have %v)", l, Available())
	}
	g := flavours[Generic]
	merged := *k // the flavour's own kernels; nil ones are filled in below
	merged.VecDot, merged.Gemm = map[quant.Type]func(int, []byte, []byte) float32{}, map[quant.Type]GemmKernel{}
	for t, f := range g.VecDot {
		merged.VecDot[t] = f
	}
	for t, f := range k.VecDot {
		merged.VecDot[t] = f
	}
	for t, f := range k.Gemm {
		merged.Gemm[t] = f
	}
	fillGemm(&merged) // the flavour's own row dots where it has no Gemm
	merged.Packed = map[quant.Type]GemmKernel{}
	for t, f := range k.Packed {
		merged.Packed[t] = f
	}
	fillPacked(&merged)
	// Every single kernel the flavour lacks is the generic one.
	if merged.Dot == nil {
		merged.Dot = g.Dot
	}
	if merged.DotF16 == nil {
		merged.DotF16 = g.DotF16
	}
	if merged.DotBF16 == nil {
		merged.DotBF16 = g.DotBF16
	}
	if merged.ExpSub == nil {
		merged.ExpSub = g.ExpSub
	}
	if merged.Axpy == nil {
		merged.Axpy = g.Axpy
	}
	if merged.AxpyF16 == nil {
		merged.AxpyF16 = g.AxpyF16
	}
	if merged.RMSNorm == nil {
		merged.RMSNorm = g.RMSNorm
	}
	if merged.SiLUMul == nil {
		merged.SiLUMul = g.SiLUMul
	}
	if merged.Add == nil {
		merged.Add = g.Add
	}
	if merged.ToF16 == nil {
		merged.ToF16 = g.ToF16
	}
	mergeFloatGemm(&merged, k) // float products, after the row dots they fall back to
	active, activeLevel = &merged, l
	return nil
}

// Active returns the flavour in use.
func Active() Level { return activeLevel }

// Available lists the flavours this binary and CPU can run, fastest first.
func Available() []Level {
	var ls []Level
	for l := range flavours {
		ls = append(ls, l)
	}
	rank := map[Level]int{}
	for i, l := range preference {
		rank[l] = i
	}
	sort.Slice(ls, func(i, j int) bool { return rank[ls[i]] < rank[ls[j]] })
	return ls
}
