package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// Tests of the elementwise kernels (RMSNorm, SiLUMul, Add and the vector
// exp inside SiLUMul) of every flavour against the pure-Go twins and
// math.Exp.

// vecLengths are awkward lengths around every vector width and unroll.
var vecLengths = []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 63, 64, 65, 100, 127, 129, 2048, 2053, 5632}

// ulpDist is the distance between a and b in units in the last place (0
// when both are NaN, or equal; huge when only one is NaN).
func ulpDist(a, b float32) int64 {
	if a == b || a != a && b != b {
		return 0
	}
	if a != a || b != b {
		return math.MaxInt64
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia>>31 != ib>>31 {
		// Opposite signs: distance through zero.
		return ia&0x7fffffff + ib&0x7fffffff
	}
	if ia > ib {
		return ia - ib
	}
	return ib - ia
}

// flavoursWith runs f for every available flavour that has its own kernel
// picked by has.
func flavoursWith(t *testing.T, has func(*Kernels) bool, f func(t *testing.T, k *Kernels)) {
	for _, l := range Available() {
		k := flavours[l]
		if l == Generic || !has(k) {
			continue
		}
		t.Run(string(l), func(t *testing.T) { f(t, k) })
	}
}

func randFloats(rng *rand.Rand, n int, scale float64) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(rng.NormFloat64() * scale)
	}
	return x
}

// TestVecExp measures each flavour's vector exp against float32(math.Exp)
// over its whole range and the special values: at most 2 ulp apart (in
// fact correctly rounded but for rare float64 ties; the count is logged).
func TestVecExp(t *testing.T) {
	var x []float32
	for v := -110.0; v <= 95; v += 0.0137 {
		x = append(x, float32(v))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		x = append(x, float32(rng.Float64()*2-1), float32(rng.Float64()*1e-3), float32(rng.Float64()*200-105))
	}
	inf := float32(math.Inf(1))
	x = append(x, 0, float32(math.Copysign(0, -1)), 88.72283, 88.7229, -87.33655, -103.97, -103.98, inf, -inf, float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32)
	for _, l := range Available() {
		exp := vecExps[l]
		if exp == nil {
			continue
		}
		t.Run(string(l), func(t *testing.T) {
			for _, off := range []int{0, 1} { // aligned and not
				got := make([]float32, len(x)+off)[off:]
				exp(got, x)
				var worst int64
				var at float32
				differ := 0
				for i, v := range x {
					want := float32(math.Exp(float64(v)))
					d := ulpDist(got[i], want)
					if d > worst {
						worst, at = d, v
					}
					if d > 0 {
						differ++
					}
				}
				t.Logf("%s: %d inputs, %d not correctly rounded, worst %d ulp (at x = %g)", l, len(x), differ, worst, at)
				if worst > 2 {
					t.Errorf("exp is %d ulp from math.Exp at x = %g, want ≤ 2", worst, at)
				}
			}
			// Awkward lengths: the tail lanes must not spill.
			for _, n := range vecLengths {
				dst := make([]float32, n+1)
				dst[n] = 42
				exp(dst[:n], x[:n])
				if dst[n] != 42 {
					t.Fatalf("n=%d: exp wrote past the end", n)
				}
			}
		})
	}
}

// TestVecAdd: addition is exact, so every flavour equals the twin bit for
// bit, at every length, aligned or not, in place.
func TestVecAdd(t *testing.T) {
	flavoursWith(t, func(k *Kernels) bool { return k.Add != nil }, func(t *testing.T, k *Kernels) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, n := range vecLengths {
			for _, off := range []int{0, 1, 3} {
				x := randFloats(rng, n+off, 10)[off:]
				d := randFloats(rng, n+1, 10)
				d[n] = 42
				want := append([]float32(nil), d[:n]...)
				addGo(want, x)
				k.Add(d[:n], x)
				for i := range n {
					if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n=%d off=%d: [%d] = %g, want %g", n, off, i, d[i], want[i])
					}
				}
				if d[n] != 42 {
					t.Fatalf("n=%d: Add wrote past the end", n)
				}
			}
		}
		// dst += dst doubles.
		x := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17}
		k.Add(x, x)
		for i, v := range x {
			if v != float32(2*(i+1)) {
				t.Fatalf("in place: [%d] = %g, want %d", i, v, 2*(i+1))
			}
		}
	})
}

// TestVecRMSNorm: the flavours sum the squares in the twin's lanes and
// order, so they equal it bit for bit; the twin itself is checked against
// a float64 reference computed here.
func TestVecRMSNorm(t *testing.T) {
	const tol = 4e-6 // relative, per element: the float32 mean square's rounding
	flavoursWith(t, func(k *Kernels) bool { return k.RMSNorm != nil }, func(t *testing.T, k *Kernels) {
		rng := rand.New(rand.NewPCG(5, 6))
		var worst float64
		for _, n := range vecLengths[1:] {
			for _, scale := range []float64{1e-3, 1, 300} {
				for _, off := range []int{0, 1} {
					x := randFloats(rng, n+off, scale)[off:]
					w := randFloats(rng, n+off, 1)[off:]
					var ss float64
					for _, v := range x {
						ss += float64(v) * float64(v)
					}
					inv := 1 / math.Sqrt(ss/float64(n)+1e-5)
					want := make([]float32, n)
					rmsNormGo(want, x, w, 1e-5)
					got := make([]float32, n+1)
					got[n] = 42
					k.RMSNorm(got[:n], x, w, 1e-5)
					if got[n] != 42 {
						t.Fatalf("n=%d: RMSNorm wrote past the end", n)
					}
					for i := range n {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("n=%d scale=%g off=%d: [%d] = %g, twin %g", n, scale, off, i, got[i], want[i])
						}
						ref := float64(w[i]) * float64(x[i]) * inv
						e := math.Abs(float64(want[i])-ref) / math.Abs(ref)
						if ref == 0 {
							e = math.Abs(float64(want[i]))
						}
						worst = max(worst, e)
						if e > tol {
							t.Fatalf("n=%d scale=%g: [%d] = %g, float64 reference %g: relative error %.2g > %g", n, scale, i, want[i], ref, e, tol)
						}
					}
					// In place gives the same as out of place.
					k.RMSNorm(x, x, w, 1e-5)
					for i := range n {
						if x[i] != got[i] {
							t.Fatalf("n=%d: in place [%d] = %g, out of place %g", n, i, x[i], got[i])
						}
					}
				}
			}
		}
		t.Logf("bit-identical to the twin; its worst relative error vs float64: %.3g", worst)
		// All zeros: eps keeps it finite and the result is zero.
		z := make([]float32, 33)
		k.RMSNorm(z, z, randFloats(rng, 33, 1), 1e-6)
		for i, v := range z {
			if v != 0 {
				t.Fatalf("zeros: [%d] = %g", i, v)
			}
		}
	})
}

// TestVecToF16: half-precision rounding is exact arithmetic, so every
// flavour equals quant.F32ToF16 bit for bit: over every float32 exponent
// with random mantissas, the ties, subnormal halves, overflow, ±Inf and NaN
// payloads, at awkward lengths.
func TestVecToF16(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var x []float32
	for e := uint32(0); e < 256; e++ {
		for range 64 {
			x = append(x, math.Float32frombits(rng.Uint32()&0x807fffff|e<<23))
		}
		// Exactly half-way between two halves (the dropped 13 bits 0x1000),
		// with an even and an odd kept mantissa.
		x = append(x, math.Float32frombits(e<<23|0x1000), math.Float32frombits(e<<23|0x3000))
	}
	x = append(x, 65504, 65520, 65519.996, 6e-8, 3e-8, 2.98e-8, float32(math.Inf(-1)), math.Float32frombits(0x7fc00001), math.Float32frombits(0xff812345))
	flavoursWith(t, func(k *Kernels) bool { return k.ToF16 != nil }, func(t *testing.T, k *Kernels) {
		for _, n := range append(vecLengths, len(x)) {
			for _, off := range []int{0, 1} {
				if n+off > len(x) {
					continue
				}
				in := x[off : off+n]
				want := make([]uint16, n)
				toF16Go(want, in)
				got := make([]uint16, n+1)
				got[n] = 0xbeef
				k.ToF16(got[:n], in)
				if got[n] != 0xbeef {
					t.Fatalf("n=%d: ToF16 wrote past the end", n)
				}
				for i := range n {
					if got[i] != want[i] {
						t.Fatalf("n=%d: %g (%#08x) → %#04x, quant.F32ToF16 %#04x", n, in[i], math.Float32bits(in[i]), got[i], want[i])
					}
				}
			}
		}
		t.Logf("%d values bit-identical to quant.F32ToF16", len(x))
	})
}

// siluOff reports how far a flavour's SiLUMul result is from the twin's,
// relative to the twin's, and whether that is within rounding. The
// flavours round a float64 exp as the twin rounds math.Exp, so they agree
// but where the two float64 values straddle a float32 rounding boundary;
// then e is 1 ulp off, and 1 + e, the division and the product may each
// round the other way: a few units of 2⁻²⁴. Results below the normal range
// (where ulps are no longer relative) may differ by 1e-37, and both being
// NaN is agreement.
func siluOff(got, want float32) (rel float64, ok bool) {
	if got != got || want != want {
		return 0, got != got && want != want
	}
	if got == want {
		return 0, true
	}
	d := math.Abs(float64(got) - float64(want))
	if math.IsInf(float64(want), 0) || math.IsInf(float64(got), 0) {
		return math.Inf(1), false
	}
	rel = d / math.Abs(float64(want))
	return rel, rel <= 6e-7 || d < 1e-37
}

// TestVecSiLUMul compares with the twin at every length, over ordinary
// and extreme gates (including ±Inf and NaN, which must come out as the
// twin's).
func TestVecSiLUMul(t *testing.T) {
	flavoursWith(t, func(k *Kernels) bool { return k.SiLUMul != nil }, func(t *testing.T, k *Kernels) {
		rng := rand.New(rand.NewPCG(7, 8))
		var worst float64
		var differ, total int
		check := func(name string, gate, up []float32) {
			t.Helper()
			n := len(gate)
			want := make([]float32, n)
			siluMulGo(want, gate, up)
			got := make([]float32, n+1)
			got[n] = 42
			k.SiLUMul(got[:n], gate, up)
			if got[n] != 42 {
				t.Fatalf("%s n=%d: SiLUMul wrote past the end", name, n)
			}
			for i := range n {
				rel, ok := siluOff(got[i], want[i])
				if !ok {
					t.Fatalf("%s n=%d: gate %g up %g: got %g, twin %g (relative difference %.3g, %d ulp)", name, n, gate[i], up[i], got[i], want[i], rel, ulpDist(got[i], want[i]))
				}
				if math.Abs(float64(want[i])) > 1e-37 {
					worst = max(worst, rel)
				}
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					differ++
				}
				total++
			}
			// In place over gate agrees with out of place.
			g := append([]float32(nil), gate...)
			k.SiLUMul(g, g, up)
			for i := range n {
				if math.Float32bits(g[i]) != math.Float32bits(got[i]) && !(g[i] != g[i] && got[i] != got[i]) {
					t.Fatalf("%s n=%d: in place [%d] = %g, out of place %g", name, n, i, g[i], got[i])
				}
			}
		}
		for _, n := range vecLengths {
			for _, off := range []int{0, 1} {
				check("normal", randFloats(rng, n+off, 3)[off:], randFloats(rng, n+off, 1)[off:])
				check("wide", randFloats(rng, n+off, 60)[off:], randFloats(rng, n+off, 1)[off:])
			}
		}
		inf := float32(math.Inf(1))
		special := []float32{0, float32(math.Copysign(0, -1)), inf, -inf, float32(math.NaN()), 88, 89, 90, -87, -88.5, -89, -90, -104, -110, 104, 110, math.MaxFloat32, -math.MaxFloat32, 1e-30, -1e-30, math.SmallestNonzeroFloat32}
		up := make([]float32, len(special))
		for i := range up {
			up[i] = 1.5
		}
		check("special", special, up)
		t.Logf("%d of %d results differ from the twin's bits; worst relative difference %.3g (%.2f × 2⁻²⁴)", differ, total, worst, worst*(1<<24))
	})
}

// FuzzVecKernels feeds arbitrary bytes as float32 gates, inputs and
// weights (any bit pattern: NaN, Inf, subnormals) to every flavour's
// elementwise kernels and compares with the twins.
func FuzzVecKernels(f *testing.F) {
	f.Add([]byte{0, 0, 128, 63, 0, 0, 0, 192, 0, 0, 128, 127, 0, 0, 192, 127})
	seed := make([]byte, 4*37)
	for i := range seed {
		seed[i] = byte(i * 37)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := len(data) / 8
		a, b := make([]float32, n), make([]float32, n)
		for i := range n {
			a[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[8*i:]))
			b[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[8*i+4:]))
		}
		for _, l := range Available() {
			k := flavours[l]
			if l == Generic {
				continue
			}
			if k.SiLUMul != nil {
				want, got := make([]float32, n), make([]float32, n)
				siluMulGo(want, a, b)
				k.SiLUMul(got, a, b)
				for i := range n {
					if rel, ok := siluOff(got[i], want[i]); !ok {
						t.Fatalf("%s SiLUMul gate %g up %g: got %g, twin %g (relative difference %.3g)", l, a[i], b[i], got[i], want[i], rel)
					}
				}
			}
			if k.Add != nil {
				want := append([]float32(nil), a...)
				got := append([]float32(nil), a...)
				addGo(want, b)
				k.Add(got, b)
				for i := range n {
					if math.Float32bits(got[i]) != math.Float32bits(want[i]) && !(got[i] != got[i] && want[i] != want[i]) {
						t.Fatalf("%s Add [%d]: got %g, twin %g", l, i, got[i], want[i])
					}
				}
			}
			if k.ToF16 != nil {
				want, got := make([]uint16, n), make([]uint16, n)
				toF16Go(want, a)
				k.ToF16(got, a)
				for i := range n {
					if got[i] != want[i] {
						t.Fatalf("%s ToF16 %g: got %#04x, quant.F32ToF16 %#04x", l, a[i], got[i], want[i])
					}
				}
			}
			if k.RMSNorm != nil && n > 0 {
				want, got := make([]float32, n), make([]float32, n)
				rmsNormGo(want, a, b, 1e-5)
				k.RMSNorm(got, a, b, 1e-5)
				for i := range n {
					// The sums differ in order only: both finite and close, or
					// both not finite.
					if isFinite(got[i]) != isFinite(want[i]) && !math.IsInf(sumSq64(a), 0) {
						t.Fatalf("%s RMSNorm [%d]: got %g, twin %g", l, i, got[i], want[i])
					}
					if isFinite(got[i]) && isFinite(want[i]) && math.Abs(float64(got[i]-want[i])) > 1e-4*math.Abs(float64(want[i]))+1e-30 && !math.IsInf(sumSq64(a), 0) && sumSq64(a) < 1e30 {
						t.Fatalf("%s RMSNorm [%d]: got %g, twin %g", l, i, got[i], want[i])
					}
				}
			}
		}
	})
}

func isFinite(v float32) bool { return !math.IsInf(float64(v), 0) && v == v }

func sumSq64(x []float32) float64 {
	var s float64
	for _, v := range x {
		s += float64(v) * float64(v)
	}
	return s
}

// BenchmarkVec times each flavour's elementwise kernels on a feed-forward
// row (SiLUMul) and a residual row (RMSNorm, Add), in bytes read and
// written per second.
func BenchmarkVec(b *testing.B) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{2048, 5632, 8192} {
		x, y, z := randFloats(rng, n, 2), randFloats(rng, n, 1), make([]float32, n)
		for _, l := range Available() {
			k := flavours[l]
			if l != Generic && k.RMSNorm == nil {
				continue
			}
			b.Run(fmt.Sprintf("RMSNorm/n=%d/%s", n, l), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					k.RMSNorm(z, x, y, 1e-5)
				}
			})
			b.Run(fmt.Sprintf("SiLUMul/n=%d/%s", n, l), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					k.SiLUMul(z, x, y)
				}
			})
			b.Run(fmt.Sprintf("ToF16/n=%d/%s", n, l), func(b *testing.B) {
				h := make([]uint16, n)
				b.SetBytes(int64(6 * n))
				for b.Loop() {
					k.ToF16(h, x)
				}
			})
			b.Run(fmt.Sprintf("Add/n=%d/%s", n, l), func(b *testing.B) {
				b.SetBytes(int64(12 * n))
				for b.Loop() {
					k.Add(z, x)
				}
			})
		}
	}
}
