//go:build !noasm

package asm

import (
	"github.com/narallm/nara/quant"
	"golang.org/x/sys/cpu"
)

// The NEON flavour: hand-written arm64 assembly in dot_arm64.s,
// vecdot_arm64.s and vecdot_k_arm64.s (instructions Go's assembler lacks are
// WORD encodings from neon_arm64.h).
//
// ASIMD is part of the base arm64 architecture, so the flavour registers on
// every arm64 CPU. Each integer kernel is assembled twice from one body: with
// SDOT (ARMv8.2 dot product, cpu.ARM64.HasASIMDDP) and with the ARMv8.0
// SMULL/SADALP sequence for older cores (Cortex-A53/A72, Raspberry Pi 4).
var _ = cpu.ARM64.HasASIMD && register(NEON, neonKernels(cpu.ARM64.HasASIMDDP))

// neonBlockDots lists the integer kernels in both forms. Each takes nb
// blocks of weights at w and nb blocks of activations (in the weight type's
// VecDotType) at x.
var neonBlockDots = []struct {
	t           quant.Type
	sdot, widen func(nb int, w, x *byte) float32
}{
	{quant.Q8_0, q8_0DotSDOT, q8_0DotWiden},
	{quant.Q4_0, q4_0DotSDOT, q4_0DotWiden},
	{quant.Q4_1, q4_1DotSDOT, q4_1DotWiden},
	{quant.Q5_0, q5_0DotSDOT, q5_0DotWiden},
	{quant.Q5_1, q5_1DotSDOT, q5_1DotWiden},
	{quant.IQ4_NL, iq4NLDotSDOT, iq4NLDotWiden},
	{quant.Q2_K, q2KDotSDOT, q2KDotWiden},
	{quant.Q3_K, q3KDotSDOT, q3KDotWiden},
	{quant.Q4_K, q4KDotSDOT, q4KDotWiden},
	{quant.Q5_K, q5KDotSDOT, q5KDotWiden},
	{quant.Q6_K, q6KDotSDOT, q6KDotWiden},
	{quant.Q8_K, q8KDotSDOT, q8KDotWiden},
	{quant.IQ4_XS, iq4XSDotSDOT, iq4XSDotWiden},
}

// neonKernels builds the flavour, with the SDOT integer kernels when sdot.
func neonKernels(sdot bool) *Kernels {
	k := &Kernels{
		VecDot:  map[quant.Type]func(int, []byte, []byte) float32{},
		Dot:     dotNEON,
		DotF16:  dotF16NEON,
		DotBF16: dotBF16NEON,
	}
	for _, d := range neonBlockDots {
		f := d.widen
		if sdot {
			f = d.sdot
		}
		k.VecDot[d.t] = blockDot(d.t, f)
	}
	return k
}

// blockDot adapts an assembly block loop to the Kernels signature. It checks
// the slice lengths first: where the Go twin would panic on a short slice,
// assembly would read past its end.
func blockDot(t quant.Type, f func(nb int, w, x *byte) float32) func(n int, w, x []byte) float32 {
	tr, _ := t.Traits()
	xt, _ := tr.VecDotType.Traits()
	if xt.BlockSize != tr.BlockSize {
		panic("asm: " + t.String() + " and its activation type differ in block size")
	}
	return func(n int, w, x []byte) float32 {
		nb := n / tr.BlockSize
		if nb <= 0 {
			return 0
		}
		_ = w[nb*tr.BlockBytes-1]
		_ = x[nb*xt.BlockBytes-1]
		return f(nb, &w[0], &x[0])
	}
}

func dotNEON(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	y = y[:len(x)]
	return dotF32(&x[0], &y[0], len(x))
}

func dotF16NEON(w []byte, x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	w = w[:2*len(x)]
	return dotF16(&w[0], &x[0], len(x))
}

func dotBF16NEON(w []byte, x []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	w = w[:2*len(x)]
	return dotBF16(&w[0], &x[0], len(x))
}

// Float dots (dot_arm64.s): n elements, any n ≥ 0.

//go:noescape
func dotF32(x, y *float32, n int) float32

//go:noescape
func dotF16(w *byte, x *float32, n int) float32

//go:noescape
func dotBF16(w *byte, x *float32, n int) float32

// Block dots of the 32-element types against Q8_0/Q8_1 (vecdot_arm64.s).

//go:noescape
func q8_0DotSDOT(nb int, w, x *byte) float32

//go:noescape
func q8_0DotWiden(nb int, w, x *byte) float32

//go:noescape
func q4_0DotSDOT(nb int, w, x *byte) float32

//go:noescape
func q4_0DotWiden(nb int, w, x *byte) float32

//go:noescape
func q4_1DotSDOT(nb int, w, x *byte) float32

//go:noescape
func q4_1DotWiden(nb int, w, x *byte) float32

//go:noescape
func q5_0DotSDOT(nb int, w, x *byte) float32

//go:noescape
func q5_0DotWiden(nb int, w, x *byte) float32

//go:noescape
func q5_1DotSDOT(nb int, w, x *byte) float32

//go:noescape
func q5_1DotWiden(nb int, w, x *byte) float32

//go:noescape
func iq4NLDotSDOT(nb int, w, x *byte) float32

//go:noescape
func iq4NLDotWiden(nb int, w, x *byte) float32

// Block dots of the 256-element types against Q8_K (vecdot_k_arm64.s).

//go:noescape
func q2KDotSDOT(nb int, w, x *byte) float32

//go:noescape
func q2KDotWiden(nb int, w, x *byte) float32

//go:noescape
func q3KDotSDOT(nb int, w, x *byte) float32

//go:noescape
func q3KDotWiden(nb int, w, x *byte) float32

//go:noescape
func q4KDotSDOT(nb int, w, x *byte) float32

//go:noescape
func q4KDotWiden(nb int, w, x *byte) float32

//go:noescape
func q5KDotSDOT(nb int, w, x *byte) float32

//go:noescape
func q5KDotWiden(nb int, w, x *byte) float32

//go:noescape
func q6KDotSDOT(nb int, w, x *byte) float32

//go:noescape
func q6KDotWiden(nb int, w, x *byte) float32

//go:noescape
func q8KDotSDOT(nb int, w, x *byte) float32

//go:noescape
func q8KDotWiden(nb int, w, x *byte) float32

//go:noescape
func iq4XSDotSDOT(nb int, w, x *byte) float32

//go:noescape
func iq4XSDotWiden(nb int, w, x *byte) float32
