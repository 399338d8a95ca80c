package quant_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// quantTypes lists the types with a reference quantizer and a dequantizer.
func quantTypes() []quant.Type {
	var ts []quant.Type
	for _, ty := range quant.Types() {
		if tr, _ := ty.Traits(); tr.Quantize != nil && tr.Dequantize != nil {
			ts = append(ts, ty)
		}
	}
	return ts
}

func gaussian(r *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

func roundTrip(t testing.TB, ty quant.Type, x []float32) []float32 {
	t.Helper()
	size, err := ty.Bytes(int64(len(x)))
	if err != nil {
		t.Fatal(err)
	}
	q := make([]byte, size)
	if err := quant.Quantize(ty, q, x); err != nil {
		t.Fatal(err)
	}
	y := make([]float32, len(x))
	if err := quant.Dequantize(ty, y, q); err != nil {
		t.Fatal(err)
	}
	return y
}

// elementBound returns, for the types whose format gives one, the largest
// error an element of block x can have after a round trip.
func elementBound(ty quant.Type, x []float32) (float64, bool) {
	var amax, lo, hi float64 = 0, math.Inf(1), math.Inf(-1)
	for _, v := range x {
		amax = math.Max(amax, math.Abs(float64(v)))
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	const h = 0x1p-11 // relative rounding error of a half
	switch ty {
	case quant.Q8_0, quant.Q8_1:
		// Rounding to the nearest of d = amax/127 steps, plus d stored as
		// a half: ≤ d/2 + 127·d·2⁻¹¹.
		d := amax / 127
		return d * (0.5 + 127*h) * 1.0001, true
	case quant.Q8_K:
		return amax / 127 * 0.5 * 1.0001, true // d kept in float32
	case quant.Q4_0, quant.Q5_0:
		// d = max/-2^(b-1): steps of |d|, but the end opposite to max is
		// clamped one level short, so up to |d| there.
		d := amax / 8
		if ty == quant.Q5_0 {
			d = amax / 16
		}
		return d * (1 + 16*h) * 1.0001, true
	case quant.Q4_1, quant.Q5_1:
		// Half a step of d = (max-min)/(2^b-1), plus d and min as halves.
		levels := 15.0
		if ty == quant.Q5_1 {
			levels = 31
		}
		d := (hi - lo) / levels
		return (d*(0.5+levels*h) + math.Abs(lo)*h) * 1.0001, true
	}
	return 0, false
}

// maxRelRMS (fixtures_test.go) bounds the other types' RMS error.

func TestRoundTripRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	const n = 16 * quant.QK_K
	for _, ty := range quantTypes() {
		tr, _ := ty.Traits()
		x := gaussian(r, n, 0.02)
		x[17] = 0.5 // one outlier, as real weights have
		y := roundTrip(t, ty, x)
		var se, ss, worst float64
		for i := range x {
			d := float64(y[i]) - float64(x[i])
			se += d * d
			ss += float64(x[i]) * float64(x[i])
		}
		for b := 0; b < n; b += tr.BlockSize {
			bound, ok := elementBound(ty, x[b:b+tr.BlockSize])
			if !ok {
				break
			}
			for i := b; i < b+tr.BlockSize; i++ {
				e := math.Abs(float64(y[i]) - float64(x[i]))
				worst = math.Max(worst, e/bound)
				if e > bound {
					t.Fatalf("%v: element %d: %v came back as %v, error %.3g > bound %.3g", ty, i, x[i], y[i], e, bound)
				}
			}
		}
		rel := math.Sqrt(se / ss)
		switch ty {
		case quant.F32:
			if se != 0 {
				t.Errorf("F32 round trip not exact")
			}
		case quant.F16, quant.BF16:
			eps := 0x1p-11
			if ty == quant.BF16 {
				eps = 0x1p-8
			}
			if rel > eps {
				t.Errorf("%v: relative RMS error %.3g > %.3g", ty, rel, eps)
			}
		default:
			if b, ok := maxRelRMS[ty]; ok && rel > b {
				t.Errorf("%v: relative RMS error %.4g > %.4g", ty, rel, b)
			}
		}
		if worst > 0 {
			t.Logf("%-6v relative RMS error %.4g (worst element at %.2f of its format bound)", ty, rel, worst)
		} else {
			t.Logf("%-6v relative RMS error %.4g", ty, rel)
		}
	}
}

// Blocks that are all zero, constant, or have one huge value must come back
// without NaNs, zeros exactly.
func TestRoundTripDegenerate(t *testing.T) {
	for _, ty := range quantTypes() {
		tr, _ := ty.Traits()
		n := 2 * tr.BlockSize * max(1, quant.QK_K/tr.BlockSize)
		for name, fill := range map[string]func(i int) float32{
			"zeros":    func(int) float32 { return 0 },
			"constant": func(int) float32 { return -0.75 },
			"spike": func(i int) float32 {
				if i == 5 {
					return 1e4
				}
				return 1e-3 * float32(i%7-3)
			},
			"tiny": func(i int) float32 { return 1e-20 * float32(i%5-2) },
		} {
			x := make([]float32, n)
			for i := range x {
				x[i] = fill(i)
			}
			y := roundTrip(t, ty, x)
			for i := range y {
				if math.IsNaN(float64(y[i])) || math.IsInf(float64(y[i]), 0) {
					t.Fatalf("%v %s: element %d = %v", ty, name, i, y[i])
				}
				if x[i] == 0 && name == "zeros" && y[i] != 0 {
					t.Fatalf("%v zeros: element %d = %v", ty, i, y[i])
				}
			}
			if name == "spike" && math.Abs(float64(y[5])-1e4) > 1e4*0.01 {
				t.Errorf("%v spike: 1e4 came back as %v", ty, y[5])
			}
		}
	}
}

// vecDotTypes lists the types with a VecDot.
func vecDotTypes() []quant.Type {
	var ts []quant.Type
	for _, ty := range quant.Types() {
		if tr, _ := ty.Traits(); tr.VecDot != nil {
			ts = append(ts, ty)
		}
	}
	return ts
}

func quantize(t testing.TB, ty quant.Type, x []float32) []byte {
	t.Helper()
	size, err := ty.Bytes(int64(len(x)))
	if err != nil {
		t.Fatal(err)
	}
	q := make([]byte, size)
	if err := quant.Quantize(ty, q, x); err != nil {
		t.Fatal(err)
	}
	return q
}

func dequantize(t testing.TB, ty quant.Type, q []byte, n int) []float32 {
	t.Helper()
	y := make([]float32, n)
	if err := quant.Dequantize(ty, y, q); err != nil {
		t.Fatal(err)
	}
	return y
}

// VecDot equals the float64 dot of the dequantized operands up to float32
// rounding of the per-block partial sums (the integer parts are exact). The
// one approximation is Q8_1's stored sum s = d·Σq, kept as a half, which the
// ·Q4_1/·Q5_1 dots use for the min term: allow 2⁻¹⁰·|min|·Σ|x| for it.
func TestVecDotMatchesDequantized(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, ty := range vecDotTypes() {
		tr, _ := ty.Traits()
		for _, blocks := range []int{1, 2, 3, 8, 13} {
			n := blocks * tr.BlockSize
			if tr.BlockSize == 1 {
				n = blocks*37 + 5
			}
			// Weights with a per-block offset, so the min terms matter.
			wf := gaussian(r, n, 1)
			for i := range wf {
				wf[i] += float32(i/32%3) - 1
			}
			xf := gaussian(r, n, 3)
			w, x := quantize(t, ty, wf), quantize(t, tr.VecDotType, xf)
			got, err := quant.VecDot(ty, n, w, x)
			if err != nil {
				t.Fatal(err)
			}
			wd, xd := dequantize(t, ty, w, n), dequantize(t, tr.VecDotType, x, n)
			var want, mag, wmax, xabs float64
			for i := range wd {
				want += float64(wd[i]) * float64(xd[i])
				mag += math.Abs(float64(wd[i]) * float64(xd[i]))
				wmax = math.Max(wmax, math.Abs(float64(wd[i])))
				xabs += math.Abs(float64(xd[i]))
			}
			tol := 1e-5*mag + 1e-30
			if tr.VecDotType == quant.Q8_1 {
				tol += 0x1p-10 * wmax * xabs
			}
			if diff := math.Abs(float64(got) - want); !(diff <= tol) {
				t.Errorf("%v·%v n=%d: VecDot %v, dequantized dot %v (diff %.3g > %.3g)", ty, tr.VecDotType, n, got, want, diff, tol)
			}
			if blocks == 8 {
				var exact float64
				for i := range wf {
					exact += float64(wf[i]) * float64(xf[i])
				}
				t.Logf("%-6v·%-4v n=%4d: %.6g, dequantized %.6g, unquantized %.6g (rel. error %.2g)",
					ty, tr.VecDotType, n, got, want, exact, math.Abs(float64(got)-exact)/mag)
			}
		}
	}
}

// Extreme operands: every weight at the format's largest level and every
// activation at ±127 must not overflow the integer sums; zero scales give 0.
func TestVecDotExtremes(t *testing.T) {
	for _, ty := range vecDotTypes() {
		tr, _ := ty.Traits()
		n := 4 * max(tr.BlockSize, quant.QK_K)
		for _, c := range []struct {
			name   string
			w, x   func(i int) float32
			isZero bool
		}{
			{"max·max", func(int) float32 { return 1e3 }, func(int) float32 { return 1e3 }, false},
			{"max·-max", func(int) float32 { return -1e3 }, func(int) float32 { return 1e3 }, false},
			{"alternating", func(i int) float32 { return float32(1 - 2*(i%2)) }, func(i int) float32 { return float32(1 - 2*(i%2)) }, false},
			{"zero weights", func(int) float32 { return 0 }, func(int) float32 { return 5 }, true},
			{"zero activations", func(int) float32 { return 5 }, func(int) float32 { return 0 }, true},
		} {
			wf, xf := make([]float32, n), make([]float32, n)
			for i := range wf {
				wf[i], xf[i] = c.w(i), c.x(i)
			}
			w, x := quantize(t, ty, wf), quantize(t, tr.VecDotType, xf)
			got, err := quant.VecDot(ty, n, w, x)
			if err != nil {
				t.Fatal(err)
			}
			wd, xd := dequantize(t, ty, w, n), dequantize(t, tr.VecDotType, x, n)
			var want, mag float64
			for i := range wd {
				want += float64(wd[i]) * float64(xd[i])
				mag += math.Abs(float64(wd[i]) * float64(xd[i]))
			}
			if c.isZero && got != 0 {
				t.Errorf("%v %s: %v, want 0", ty, c.name, got)
			}
			if diff := math.Abs(float64(got) - want); diff > 1e-3*mag {
				t.Errorf("%v %s: VecDot %v, dequantized dot %v", ty, c.name, got, want)
			}
		}
	}
}

func BenchmarkDequantize(b *testing.B) {
	const n = 64 * quant.QK_K
	r := rand.New(rand.NewPCG(1, 2))
	for _, ty := range quantTypes() {
		q := quantize(b, ty, gaussian(r, n, 1))
		dst := make([]float32, n)
		b.Run(ty.String(), func(b *testing.B) {
			b.SetBytes(int64(len(q)))
			for b.Loop() {
				if err := quant.Dequantize(ty, dst, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVecDot(b *testing.B) {
	const n = 64 * quant.QK_K
	r := rand.New(rand.NewPCG(1, 2))
	for _, ty := range vecDotTypes() {
		tr, _ := ty.Traits()
		w, x := quantize(b, ty, gaussian(r, n, 1)), quantize(b, tr.VecDotType, gaussian(r, n, 1))
		b.Run(fmt.Sprintf("%v·%v", ty, tr.VecDotType), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				if _, err := quant.VecDot(ty, n, w, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQuantize measures the reference quantizers (bytes of float input
// per second): the activation formats run once per token.
func BenchmarkQuantize(b *testing.B) {
	const n = 16 * quant.QK_K
	r := rand.New(rand.NewPCG(1, 2))
	x := gaussian(r, n, 1)
	for _, ty := range quantTypes() {
		size, _ := ty.Bytes(n)
		dst := make([]byte, size)
		b.Run(ty.String(), func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				if err := quant.Quantize(ty, dst, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
