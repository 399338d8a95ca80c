package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// Every flavour this CPU runs must agree with the generic twins on every
// kernel: random data, extreme values, zero scales and every tail length.
// Integer block sums are exact in every flavour; only the order of the float
// additions may differ, so the bound is relative to Σ|terms|.

// randomFloats returns n values of the given character.
func randomFloats(r *rand.Rand, n int, kind string) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch kind {
		case "normal":
			x[i] = float32(r.NormFloat64())
		case "large":
			x[i] = float32(r.NormFloat64() * 1e4)
		case "tiny":
			x[i] = float32(r.NormFloat64() * 1e-6)
		case "zero":
			x[i] = 0
		case "extreme": // ±max-magnitude levels: saturate every quant range
			x[i] = float32(1 - 2*float64(r.IntN(2)))
		case "sparse":
			if r.IntN(8) == 0 {
				x[i] = float32(r.NormFloat64())
			}
		}
	}
	return x
}

func quantized(t quant.Type, x []float32) []byte {
	n, err := t.Bytes(int64(len(x)))
	if err != nil {
		panic(err)
	}
	b := make([]byte, n)
	if err := quant.Quantize(t, b, x); err != nil {
		panic(err)
	}
	return b
}

func TestVecDotFlavours(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	generic := flavours[Generic]
	for _, level := range Available() {
		k := flavours[level]
		for wt, want := range generic.VecDot {
			got := k.VecDot[wt]
			if got == nil {
				continue // this flavour falls back to generic for wt
			}
			tr, _ := wt.Traits()
			checked := 0
			for _, blocks := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 64} {
				n := blocks * tr.BlockSize
				for _, kind := range []string{"normal", "large", "tiny", "zero", "extreme", "sparse"} {
					wf := randomFloats(r, n, kind)
					xf := randomFloats(r, n, "normal")
					w, x := quantized(wt, wf), quantized(tr.VecDotType, xf)
					g, e := got(n, w, x), want(n, w, x)
					// Σ|w·x| bounds the rounding of any summation order.
					wd, xd := make([]float32, n), make([]float32, n)
					quant.Dequantize(wt, wd, w)
					quant.Dequantize(tr.VecDotType, xd, x)
					var mag float64
					for i := range wd {
						mag += math.Abs(float64(wd[i]) * float64(xd[i]))
					}
					if math.Abs(float64(g-e)) > 1e-5*mag+1e-30 {
						t.Errorf("%s %s n=%d %s: %g, generic %g (Σ|w·x| %g)", level, wt, n, kind, g, e, mag)
					}
					checked++
				}
			}
			t.Logf("%s %s·%s: %d cases agree", level, wt, tr.VecDotType, checked)
		}
	}
}

func TestFloatDotFlavours(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	generic := flavours[Generic]
	for _, level := range Available() {
		k := flavours[level]
		for n := 0; n <= 300; n += 1 + n/16 {
			x, y := randomFloats(r, n, "normal"), randomFloats(r, n, "normal")
			w16, wb16 := make([]byte, 2*n), make([]byte, 2*n)
			var mag float64
			for i := range x {
				binary.LittleEndian.PutUint16(w16[2*i:], quant.F32ToF16(y[i]))
				binary.LittleEndian.PutUint16(wb16[2*i:], quant.F32ToBF16(y[i]))
				mag += math.Abs(float64(x[i]) * float64(y[i]))
			}
			tol := 1e-5*mag + 1e-30
			cases := []struct {
				name      string
				got, want func() float32
				have      bool
			}{
				{"Dot", func() float32 { return k.Dot(x, y) }, func() float32 { return generic.Dot(x, y) }, k.Dot != nil},
				{"DotF16", func() float32 { return k.DotF16(w16, x) }, func() float32 { return generic.DotF16(w16, x) }, k.DotF16 != nil},
				{"DotBF16", func() float32 { return k.DotBF16(wb16, x) }, func() float32 { return generic.DotBF16(wb16, x) }, k.DotBF16 != nil},
			}
			for _, c := range cases {
				if !c.have {
					continue
				}
				if g, e := c.got(), c.want(); math.Abs(float64(g-e)) > tol {
					t.Errorf("%s %s n=%d: %g, generic %g", level, c.name, n, g, e)
				}
			}
		}
	}
}

// Every flavour must give the same logits-level results through MatMul.
func TestMatMulFlavours(t *testing.T) {
	defer Use(activeLevel)
	r := rand.New(rand.NewPCG(5, 6))
	const rows, cols, n = 7, 512, 3
	x := randomFloats(r, n*cols, "normal")
	for _, wt := range []quant.Type{quant.F32, quant.F16, quant.BF16, quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.Q6_K} {
		w := quantized(wt, randomFloats(r, rows*cols, "normal"))
		Use(Generic)
		want := make([]float32, n*rows)
		MatMul(want, x, w, wt, rows, cols, n)
		for _, level := range Available() {
			Use(level)
			got := make([]float32, n*rows)
			MatMul(got, x, w, wt, rows, cols, n)
			for i := range got {
				if d := math.Abs(float64(got[i] - want[i])); d > 1e-4*(1+math.Abs(float64(want[i]))) {
					t.Errorf("%s %s: dst[%d] = %g, generic %g", level, wt, i, got[i], want[i])
					break
				}
			}
		}
	}
}

func TestUseUnknownFlavour(t *testing.T) {
	if err := Use("z80"); err == nil {
		t.Fatal("Use(z80) succeeded")
	}
	if Active() == "" {
		t.Fatal("no active flavour")
	}
	t.Logf("active %s, available %v", Active(), Available())
}

// vecDotCases calls run for every flavour and block type with one 4096-
// element row of weights and activations (cache-resident), named
// "flavour/type", for the VecDot benchmarks.
func vecDotCases(b *testing.B, run func(b *testing.B, n int, w, x []byte, f func(n int, w, x []byte) float32)) {
	r := rand.New(rand.NewPCG(7, 8))
	const n = 4096
	for _, level := range Available() {
		for _, wt := range quant.Types() {
			f := flavours[level].VecDot[wt]
			if f == nil {
				continue
			}
			tr, _ := wt.Traits()
			w := quantized(wt, randomFloats(r, n, "normal"))
			x := quantized(tr.VecDotType, randomFloats(r, n, "normal"))
			b.Run(fmt.Sprintf("%s/%s", level, wt), func(b *testing.B) { run(b, n, w, x, f) })
		}
	}
}

func BenchmarkVecDot(b *testing.B) {
	vecDotCases(b, func(b *testing.B, n int, w, x []byte, f func(int, []byte, []byte) float32) {
		b.SetBytes(int64(len(w)))
		for b.Loop() {
			f(n, w, x)
		}
	})
}
