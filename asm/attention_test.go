package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// useFlavour switches to level for the rest of the test.
func useFlavour(t testing.TB, l Level) {
	t.Helper()
	prev := Active()
	if err := Use(l); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { Use(prev) })
}

// ulps is the distance between two finite non-negative float32 values in
// units in the last place (representable numbers between them).
func ulps(a, b float32) int64 {
	d := int64(math.Float32bits(a)) - int64(math.Float32bits(b))
	return max(d, -d)
}

// exp32 is the correctly rounded float32 exp (math.Exp in float64, then one
// rounding), the reference every ExpSub is measured against.
func exp32(x float32) float32 { return float32(math.Exp(float64(x))) }

const minNormal32 = 0x1p-126

func TestExpSubAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	// Every 997th float32 in [−104, 89] (all 2·10⁹ would take minutes; the
	// stride still visits every binade, and an odd stride varies the low
	// mantissa bits), plus random values, with m = 0 and nonzero m.
	var xs []float32
	for b := math.Float32bits(0); b <= math.Float32bits(89); b += 997 {
		xs = append(xs, math.Float32frombits(b), -math.Float32frombits(b))
	}
	for b := math.Float32bits(89); b <= math.Float32bits(104); b += 997 {
		xs = append(xs, -math.Float32frombits(b))
	}
	for range 100000 {
		xs = append(xs, float32(r.Float64()*193-104))
	}
	for _, level := range Available() {
		k := flavours[level]
		if k.ExpSub == nil {
			continue
		}
		for _, m := range []float32{0, 3.25, -20} {
			x := make([]float32, len(xs))
			for i, v := range xs {
				x[i] = v + m
			}
			dst := make([]float32, len(x))
			sum := k.ExpSub(dst, x, m)
			var worstNormal, worstSub int64
			var at float32
			var want64 float64
			for i, v := range x {
				want := exp32(v - m)
				want64 += float64(want)
				u := ulps(dst[i], want)
				if want >= minNormal32 || math.IsInf(float64(want), 1) {
					if u > worstNormal {
						worstNormal, at = u, v-m
					}
				} else {
					worstSub = max(worstSub, u)
				}
			}
			t.Logf("%s m=%v: %d inputs, max error %d ulp (at x−m=%v) for normal results, %d ulp of 2⁻¹⁴⁹ for subnormal ones", level, m, len(x), worstNormal, at, worstSub)
			// The polynomial is exact to 6e-9; what remains is float32
			// rounding in r, the Horner steps and the scaling.
			if worstNormal > 3 {
				t.Errorf("%s m=%v: exp error %d ulp at x−m=%v", level, m, worstNormal, at)
			}
			// Subnormal results are rounded twice (the last scaling): one
			// unit of 2⁻¹⁴⁹ more than the normal bound.
			if worstSub > 4 {
				t.Errorf("%s m=%v: subnormal exp error %d units", level, m, worstSub)
			}
			if math.Abs(float64(sum)-want64) > 1e-5*want64 {
				t.Errorf("%s m=%v: sum %v, want %v", level, m, sum, want64)
			}
		}
	}
}

func TestExpSubSpecial(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	cases := []struct {
		x, m, want float32
	}{
		{float32(math.Inf(-1)), 0, 0},
		{-1e30, 0, 0},
		{-1000, 0, 0},
		{-110, 0, 0},
		{-104.5, 0, 0},
		{0, 0, 1},
		{5, 5, 1},
		{1, 0, float32(math.E)},
		{88.72, 0, exp32(88.72)},
		{88.8, 0, inf},
		{1000, 0, inf},
		{inf, 0, inf},
		{0, float32(math.Inf(-1)), inf},
		{nan, 0, nan},
		{1, nan, nan},
	}
	for _, level := range Available() {
		k := flavours[level]
		// Every length up to three AVX-512 vectors, the special value in
		// every position: the vector body and the tail must both get it right.
		for n := 1; n <= 48; n++ {
			for _, c := range cases {
				x := make([]float32, n)
				for i := range x {
					x[i] = c.m - 1 // exp(−1) elsewhere
				}
				x[n-1], x[n/2] = c.x, c.x
				dst := make([]float32, n+1)
				dst[n] = 42 // guard
				sum := k.ExpSub(dst[:n], x, c.m)
				for _, i := range []int{n - 1, n / 2} {
					got := dst[i]
					ok := got == c.want || (c.want != c.want && got != got)
					if c.want != 0 && !math.IsInf(float64(c.want), 0) && c.want == c.want {
						ok = ulps(got, c.want) <= 2
					}
					if !ok {
						t.Fatalf("%s n=%d: exp(%v − %v) = %v, want %v", level, n, c.x, c.m, got, c.want)
					}
				}
				if dst[n] != 42 {
					t.Fatalf("%s n=%d: wrote past the end", level, n)
				}
				if c.want != c.want && sum == sum {
					t.Fatalf("%s n=%d: sum %v of a NaN", level, n, sum)
				}
			}
		}
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	lengths := []int{0, 1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129, 1000}
	for _, level := range Available() {
		k := flavours[level]
		for _, n := range lengths {
			for _, off := range []int{0, 1, 3} { // unaligned starts
				x := randVec(r, n+off)[off:]
				h := make([]uint16, n+off)[off:]
				for i := range x {
					h[i] = quant.F32ToF16(x[i])
					x[i] = quant.F16ToF32(h[i])
				}
				a := float32(r.NormFloat64())
				base := randVec(r, n+off+1)[off:]
				for _, f16 := range []bool{false, true} {
					dst := append([]float32(nil), base...)
					dst[n] = 42
					if f16 {
						k.AxpyF16(dst[:n], h, a)
					} else {
						k.Axpy(dst[:n], x, a)
					}
					for i := range n {
						want := float64(base[i]) + float64(a)*float64(x[i])
						// One rounding (FMA) or two: within 1 ulp of the terms.
						if !closeTo(dst[i], want, math.Abs(float64(base[i]))+math.Abs(float64(a*x[i])), 0x1p-23) {
							t.Fatalf("%s f16=%v n=%d off=%d: dst[%d] = %v, want %v", level, f16, n, off, i, dst[i], want)
						}
					}
					if dst[n] != 42 {
						t.Fatalf("%s f16=%v n=%d: wrote past the end", level, f16, n)
					}
				}
			}
		}
	}
}

// attnCase is one attention problem: shape, positions and data.
type attnCase struct {
	name         string
	a            Attn
	pos0, n      int
	q, k, v      []float32 // k and v exactly representable in half precision
	k16, v16     []uint16
	growingScore bool
}

func newAttnCase(r *rand.Rand, a Attn, pos0, n int, grow bool) attnCase {
	total, kvw := pos0+n, a.KVHeads*a.HeadDim
	c := attnCase{a: a, pos0: pos0, n: n, growingScore: grow}
	c.name = fmt.Sprintf("H%d/KV%d/d%d/pos0=%d/n=%d/win%d/cap%v/grow%v", a.Heads, a.KVHeads, a.HeadDim, pos0, n, a.Window, a.Softcap, grow)
	c.q = randVec(r, n*a.Heads*a.HeadDim)
	c.k, c.v = randVec(r, total*kvw), randVec(r, total*kvw)
	if grow {
		// Later keys score higher, so the running maximum grows tile after
		// tile and the rescaling is exercised (scores reach ±30 or so).
		for j := range total {
			for i := range kvw {
				c.k[j*kvw+i] *= 1 + 4*float32(j)/float32(total)
			}
		}
	}
	c.k16, c.v16 = make([]uint16, len(c.k)), make([]uint16, len(c.v))
	for i := range c.k {
		c.k16[i], c.v16[i] = quant.F32ToF16(c.k[i]), quant.F32ToF16(c.v[i])
		c.k[i], c.v[i] = quant.F16ToF32(c.k16[i]), quant.F16ToF32(c.v16[i])
	}
	return c
}

// attnError runs c in the active flavour with both caches and returns the
// largest |out − reference| relative to max|v| (the output is a convex
// combination of value rows, so that is its natural scale). The half cache
// is held to refAttentionHalf, less the weights whose rounding to half may
// legitimately go either way (see there); w is how far, relative to itself,
// a weight may be off before that rounding.
func attnError(c attnCase, w float64) (f32Err, f16Err float64) {
	want := refAttention(c.q, c.n, c.k, c.v, c.pos0, c.a)
	want16, slack := refAttentionHalf(c.q, c.n, c.k, c.v, c.pos0, c.a, w)
	var vmax float64
	for _, v := range c.v {
		vmax = max(vmax, math.Abs(float64(v)))
	}
	got := make([]float32, len(want))
	Attention(got, c.q, c.n, c.k, c.v, c.pos0, c.a)
	got16 := make([]float32, len(want))
	AttentionF16(got16, c.q, c.n, c.k16, c.v16, c.pos0, c.a)
	for i, w := range want {
		e := math.Abs(float64(got[i]) - w)
		e16 := math.Abs(float64(got16[i])-want16[i]) - slack[i/c.a.HeadDim]
		if e != e {
			e = math.Inf(1)
		}
		if e16 != e16 {
			e16 = math.Inf(1)
		}
		f32Err, f16Err = max(f32Err, e/vmax), max(f16Err, e16/vmax)
	}
	return f32Err, f16Err
}

// refAttentionHalf is attention as ggml's CPU backend computes it over a
// half-precision cache: the query rounded to half before q·k, the softmax
// in high precision, the normalized weights rounded to half (through
// float32, as ggml converts them) before the product with the values.
// Everything else is float64.
//
// A kernel's weight differs from the float64 one by a few float32
// roundings (relative w), so where the float64 weight lies within w of a
// midpoint between two halves the kernel may round it the other way, by
// one half-precision step. slack, per output row (query position × head),
// sums step·max|v row| over those weights: the error that is allowed on
// top of the float32 tolerance.
func refAttentionHalf(q []float32, n int, keys, values []float32, pos0 int, a Attn, w float64) (out, slack []float64) {
	q16 := make([]float32, len(q))
	for i, v := range q {
		q16[i] = quant.F16ToF32(quant.F32ToF16(v))
	}
	hd := a.HeadDim
	out, slack = make([]float64, n*a.Heads*hd), make([]float64, n*a.Heads)
	for t := range n {
		pos := pos0 + t
		for h := range a.Heads {
			kv := h / (a.Heads / a.KVHeads)
			scores := refScores(q16, keys, a, t, h, pos)
			m := math.Inf(-1)
			for _, s := range scores {
				m = max(m, s)
			}
			var sum float64
			for j := range scores {
				scores[j] = math.Exp(scores[j] - m)
				sum += scores[j]
			}
			for j, e := range scores {
				p := e / sum
				h16 := quant.F32ToF16(float32(p))
				ph := float64(quant.F16ToF32(h16))
				var vrow float64
				for i := range hd {
					v := float64(values[(j*a.KVHeads+kv)*hd+i])
					out[(t*a.Heads+h)*hd+i] += ph * v
					vrow = max(vrow, math.Abs(v))
				}
				// The neighbouring halves and the midpoints towards them.
				up := float64(quant.F16ToF32(h16 + 1))
				down := 0.0
				if h16 > 0 {
					down = float64(quant.F16ToF32(h16 - 1))
				}
				if p+w*p >= (ph+up)/2 || p-w*p <= (ph+down)/2 {
					slack[t*a.Heads+h] += max(up-ph, ph-down) * vrow
				}
			}
		}
	}
	return out, slack
}

// attnTol bounds the error relative to max|v|. The scores are float32 dots
// of up to 128 terms (rounding ≈ 1e-7 relative to Σ|q·k|·Scale, a few 1e-6
// absolute for the growing scores near 30), which changes each weight by
// that much relatively; exp adds 3 ulp and the weighted sum of a few hundred
// rows in float32 another ~1e-7·√T. Measured: below 6e-7 in every flavour,
// so 1e-5 leaves a wide margin yet catches any wrong weight or row.
const attnTol = 1e-5

// attnWeightErr bounds a weight's relative float32 error (scores, exp and
// normalization) in TestAttentionFlavours, for refAttentionHalf's slack.
const attnWeightErr = 1e-5

func TestAttentionFlavours(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	var cases []attnCase
	for _, kv := range []int{8, 4, 2, 1} { // GQA ratios 1, 2, 4, 8
		for _, hd := range []int{64, 40} {
			for _, shape := range []struct {
				window  int
				softcap float32
			}{{0, 0}, {100, 0}, {0, 5}, {17, 5}} {
				a := Attn{Heads: 8, KVHeads: kv, HeadDim: hd, Scale: float32(1 / math.Sqrt(float64(hd))), Window: shape.window, Softcap: shape.softcap}
				cases = append(cases,
					newAttnCase(r, a, 299, 1, false), // decode at T=300
					newAttnCase(r, a, 0, 37, false),  // prefill
					newAttnCase(r, a, 200, 33, true), // a chunk after a prefix
				)
			}
		}
	}
	cases = append(cases, newAttnCase(r, Attn{Heads: 2, KVHeads: 1, HeadDim: 128, Scale: 0.088}, 383, 1, true))
	for _, level := range Available() {
		useFlavour(t, level)
		var worst, worst16 float64
		for _, c := range cases {
			e, e16 := attnError(c, attnWeightErr)
			if e > attnTol || e16 > attnTol {
				t.Errorf("%s %s: error %.3g (f16 cache %.3g) of max|v|, want ≤ %g", level, c.name, e, e16, attnTol)
			}
			worst, worst16 = max(worst, e), max(worst16, e16)
		}
		t.Logf("%s: %d cases, max error %.3g (f32 cache), %.3g (f16 cache) of max|v|", level, len(cases), worst, worst16)
	}
}

// FuzzAttention draws a shape and data from the fuzzer's bytes (values are
// small integers times a power of two, so anything from tiny to saturated
// softmax occurs) and compares every flavour with the reference.
func FuzzAttention(f *testing.F) {
	f.Add(uint8(1), uint8(1), uint8(4), uint8(0), uint8(3), uint8(0), uint8(0), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(uint8(8), uint8(2), uint8(17), uint8(40), uint8(2), uint8(5), uint8(30), []byte{255, 0, 128, 7})
	f.Add(uint8(4), uint8(4), uint8(33), uint8(70), uint8(1), uint8(0), uint8(3), []byte{200, 100, 50, 25, 12, 6})
	f.Fuzz(func(t *testing.T, heads, ratio, hd, pos0, n, window, capByte uint8, data []byte) {
		a := Attn{Heads: 1 + int(heads)%8, HeadDim: 1 + int(hd)%72, Window: int(window) % 40}
		a.KVHeads = a.Heads
		if g := 1 + int(ratio)%8; a.Heads%g == 0 {
			a.KVHeads = a.Heads / g
		}
		a.Scale = float32(1 / math.Sqrt(float64(a.HeadDim)))
		if capByte%4 == 0 {
			a.Softcap = float32(capByte)/8 + 1
		}
		c := attnCase{a: a, pos0: int(pos0) % 100, n: 1 + int(n)%4}
		total, kvw := c.pos0+c.n, a.KVHeads*a.HeadDim
		val := func(i int) float32 { // a byte as a signed level, scaled by the next one
			if len(data) < 2 {
				return float32(i%7) - 3
			}
			b, s := data[i%len(data)], data[(i+1)%len(data)]
			return float32(int8(b)) * float32(math.Ldexp(1, int(s%8)-6))
		}
		c.q = make([]float32, c.n*a.Heads*a.HeadDim)
		for i := range c.q {
			c.q[i] = val(3*i) / 8
		}
		c.k16, c.v16 = make([]uint16, total*kvw), make([]uint16, total*kvw)
		c.k, c.v = make([]float32, total*kvw), make([]float32, total*kvw)
		for i := range c.k {
			c.k16[i], c.v16[i] = quant.F32ToF16(val(3*i+1)/8), quant.F32ToF16(val(3*i+2))
			c.k[i], c.v[i] = quant.F16ToF32(c.k16[i]), quant.F16ToF32(c.v16[i])
		}
		var vmax float32
		for _, v := range c.v {
			vmax = max(vmax, v, -v)
		}
		if vmax == 0 {
			return // all-zero values: nothing to compare relative to
		}
		for _, level := range Available() {
			useFlavour(t, level)
			// Scores reach |q·k|·Scale ≈ 2000 here, so a score's float32
			// rounding can shift a weight by ~1e-4 relative; the bound is
			// scaled to the scores' magnitude.
			tol := fuzzTol(c)
			e, e16 := attnError(c, tol)
			if e > tol || e16 > tol {
				t.Fatalf("%s %+v pos0=%d n=%d: error %.3g (f16 %.3g) of max|v|, want ≤ %.3g", level, a, c.pos0, c.n, e, e16, tol)
			}
		}
	})
}

// fuzzTol is attnTol widened by the largest Σ|q·k|·Scale of the case: each
// score is rounded relative to it.
func fuzzTol(c attnCase) float64 {
	a := c.a
	var worst float64
	for t := range c.n {
		for h := range a.Heads {
			kv := h / (a.Heads / a.KVHeads)
			for j := 0; j <= c.pos0+t; j++ {
				var s float64
				for i := range a.HeadDim {
					s += math.Abs(float64(c.q[(t*a.Heads+h)*a.HeadDim+i]) * float64(c.k[(j*a.KVHeads+kv)*a.HeadDim+i]))
				}
				worst = max(worst, s*float64(a.Scale))
			}
		}
	}
	return attnTol + 8*0x1p-23*worst
}

// BenchmarkAttention: one decode step at contexts 512/2048/4096 and a
// 512-token prefill, per flavour and cache type, for a Llama-3-8B-like layer
// (32 query heads, 8 KV heads of 128). SetBytes is the KV cache bytes read.
func BenchmarkAttention(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	a := Attn{Heads: 32, KVHeads: 8, HeadDim: 128, Scale: 0.088}
	kvw := a.KVHeads * a.HeadDim
	const maxT = 4096
	keys, values := randVec(r, maxT*kvw), randVec(r, maxT*kvw)
	k16, v16 := make([]uint16, len(keys)), make([]uint16, len(values))
	for i := range keys {
		k16[i], v16[i] = quant.F32ToF16(keys[i]), quant.F32ToF16(values[i])
	}
	q := randVec(r, 512*a.Heads*a.HeadDim)
	out := make([]float32, len(q))
	for _, level := range Available() {
		for _, run := range []struct {
			name    string
			pos0, n int
		}{{"decode512", 511, 1}, {"decode2048", 2047, 1}, {"decode4096", 4095, 1}, {"prefill512", 0, 512}} {
			for _, cache := range []string{"f32", "f16"} {
				b.Run(fmt.Sprintf("%s/%s/%s", level, run.name, cache), func(b *testing.B) {
					useFlavour(b, level)
					total := run.pos0 + run.n
					elem := int64(4)
					if cache == "f16" {
						elem = 2
					}
					b.SetBytes(2 * int64(total*kvw) * elem)
					for b.Loop() {
						if cache == "f16" {
							AttentionF16(out, q, run.n, k16[:total*kvw], v16[:total*kvw], run.pos0, a)
						} else {
							Attention(out, q, run.n, keys[:total*kvw], values[:total*kvw], run.pos0, a)
						}
					}
				})
			}
		}
	}
}

// BenchmarkExpSub measures the vector exp alone on one 32-score tile.
func BenchmarkExpSub(b *testing.B) {
	x := randVec(rand.New(rand.NewPCG(2, 2)), 32)
	dst := make([]float32, len(x))
	for _, level := range Available() {
		b.Run(string(level), func(b *testing.B) {
			k := flavours[level]
			if k.ExpSub == nil {
				k = flavours[Generic]
			}
			b.SetBytes(4 * int64(len(x)))
			for b.Loop() {
				k.ExpSub(dst, x, 1)
			}
		})
	}
}

// TestDotHalfGGML checks the ggml order of the half-cache q·k by hand and
// every flavour's assembly against the Go lanes, bit for bit.
func TestDotHalfGGML(t *testing.T) {
	// Products 2²⁴ (element 0), 1 (16), 1 (32), −2²⁴ (48): ggml adds lanes
	// 0+32 and 16+48 first, (2²⁴+1) + (1−2²⁴) = 2²⁴ + (−16777215) = 1,
	// where a running sum gives ((2²⁴+1)+1)−2²⁴ = 0.
	q, k := make([]float32, 64), make([]uint16, 64)
	for i := range k {
		k[i] = quant.F32ToF16(0)
	}
	set := func(i int, kv, qv float32) { k[i], q[i] = quant.F32ToF16(kv), qv }
	set(0, 4096, 4096)
	set(16, 1, 1)
	set(32, 1, 1)
	set(48, -4096, 4096)
	// A 32-wide head goes entirely through ggml's float64 tail: exact, 0+1.
	q32, k32 := make([]float32, 32), make([]uint16, 32)
	q32[0], k32[0] = 4096, quant.F32ToF16(4096)
	q32[1], k32[1] = 1, quant.F32ToF16(1)
	q32[2], k32[2] = 4096, quant.F32ToF16(-4096)
	for _, level := range Available() {
		body := dotHalfGGMLBody[level]
		if got := dotHalfGGML(body, q, k); got != 1 {
			t.Errorf("%s: 64 lanes = %v, want 1", level, got)
		}
		if got := dotHalfGGML(body, q32, k32); got != 1 {
			t.Errorf("%s: float64 tail = %v, want 1", level, got)
		}
	}
	r := rand.New(rand.NewPCG(21, 22))
	for _, n := range []int{1, 31, 32, 63, 64, 65, 96, 128, 130, 192, 256} {
		q, k := make([]float32, n), make([]uint16, n)
		for i := range q {
			q[i] = quant.F16ToF32(quant.F32ToF16(float32(r.NormFloat64())))
			k[i] = quant.F32ToF16(float32(r.NormFloat64() * 4))
		}
		want := dotHalfGGML(nil, q, k)
		for level, body := range dotHalfGGMLBody {
			if got := dotHalfGGML(body, q, k); math.Float32bits(got) != math.Float32bits(want) {
				t.Errorf("%s n=%d: %v, generic lanes %v", level, n, got, want)
			}
		}
	}
}

// TestReduce16 pins _mm512_reduce_add_ps's order: lanes 0+8, 4+12, 0+4 …
// with a value that survives only that grouping.
func TestReduce16(t *testing.T) {
	var x [16]float32
	x[0], x[8], x[1], x[9] = 0x1p24, 1, 1, -0x1p24
	// (x0+x8) + (x1+x9) pairs last: (2²⁴+1 → 2²⁴) + (1−2²⁴) = 1.
	if got := reduce16(&x); got != 1 {
		t.Errorf("reduce16 = %v, want 1", got)
	}
	x = [16]float32{}
	x[0], x[4], x[2], x[6] = 0x1p24, 1, 1, -0x1p24
	// 0+4 and 2+6 are both within the 4-lane step: (2²⁴+1) → 2²⁴ and
	// (1−2²⁴); then lanes 0 and 2 meet: 2²⁴ + (1−2²⁴) = 1.
	if got := reduce16(&x); got != 1 {
		t.Errorf("reduce16 = %v, want 1", got)
	}
}

// BenchmarkAttentionPrefill: one layer of a 512-token prefill in the
// shape of the pp512 benchmark model (TinyLlama: 32 query heads, 4 KV
// heads of 64), and one decode step after it. SetBytes is the KV cache
// bytes read (once per KV head).
func BenchmarkAttentionPrefill(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 3))
	a := Attn{Heads: 32, KVHeads: 4, HeadDim: 64, Scale: 0.125}
	const T = 512
	kvw := a.KVHeads * a.HeadDim
	keys, values := randVec(r, T*kvw), randVec(r, T*kvw)
	k16, v16 := make([]uint16, len(keys)), make([]uint16, len(values))
	for i := range keys {
		k16[i], v16[i] = quant.F32ToF16(keys[i]), quant.F32ToF16(values[i])
	}
	q := randVec(r, T*a.Heads*a.HeadDim)
	out := make([]float32, len(q))
	for _, level := range Available() {
		for _, run := range []struct {
			name    string
			pos0, n int
		}{{"pp512", 0, T}, {"tg@512", T - 1, 1}} {
			for _, cache := range []string{"f32", "f16"} {
				b.Run(fmt.Sprintf("%s/%s/%s", level, run.name, cache), func(b *testing.B) {
					useFlavour(b, level)
					elem := int64(4)
					if cache == "f16" {
						elem = 2
					}
					b.SetBytes(2 * int64(T*kvw) * elem)
					for b.Loop() {
						if cache == "f16" {
							AttentionF16(out, q[:run.n*a.Heads*a.HeadDim], run.n, k16, v16, run.pos0, a)
						} else {
							Attention(out, q[:run.n*a.Heads*a.HeadDim], run.n, keys, values, run.pos0, a)
						}
					}
				})
			}
		}
	}
}

// TestHalfAttnKernels: each flavour's half-cache loops give the bits of
// the Go code they replace (awkward row counts, strides and widths).
func TestHalfAttnKernels(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	half := func(n int, scale float64) []uint16 {
		h := make([]uint16, n)
		for i := range h {
			h[i] = quant.F32ToF16(float32(r.NormFloat64() * scale))
		}
		return h
	}
	for level, hk := range halfKernels {
		for _, hd := range []int{64, 128, 192} {
			for _, rows := range []int{1, 2, 7, 16, 32, 48} {
				stride := hd*3 + 16 // rows of a wider cache
				k := half(rows*stride, 3)
				q := make([]float32, hd)
				for i := range q {
					q[i] = quant.F16ToF32(quant.F32ToF16(float32(r.NormFloat64())))
				}
				got := make([]float32, rows+1)
				got[rows] = 42 // must stay
				hk.dots(&k[0], stride, rows, &q[0], hd, &got[0])
				for i := range rows {
					if want := dotHalfGGML(nil, q, k[i*stride:i*stride+hd]); math.Float32bits(got[i]) != math.Float32bits(want) {
						t.Errorf("%s dots hd=%d rows=%d: row %d = %v, want %v", level, hd, rows, i, got[i], want)
					}
				}
				if got[rows] != 42 {
					t.Errorf("%s dots wrote past its rows", level)
				}
				if hk.scores16 == nil || rows%16 != 0 {
					continue
				}
				const scale = 0.3
				got[rows] = 42
				hk.scores16(&k[0], stride, rows/16, &q[0], hd, scale, &got[0])
				for i := range rows {
					if want := dotHalfGGML(nil, q, k[i*stride:i*stride+hd]) * scale; math.Float32bits(got[i]) != math.Float32bits(want) {
						t.Errorf("%s scores16 hd=%d rows=%d: row %d = %v, want %v", level, hd, rows, i, got[i], want)
					}
				}
				if got[rows] != 42 {
					t.Errorf("%s scores16 wrote past its rows", level)
				}
				if hk.widen == nil {
					continue
				}
				wide := make([]float32, rows*hd+1)
				wide[rows*hd] = 42
				hk.widen(&wide[0], &k[0], stride, rows, hd)
				for i := range rows * hd {
					if want := quant.F16ToF32(k[i/hd*stride+i%hd]); math.Float32bits(wide[i]) != math.Float32bits(want) {
						t.Fatalf("%s widen hd=%d rows=%d: [%d] = %v, want %v", level, hd, rows, i, wide[i], want)
					}
				}
				if wide[rows*hd] != 42 {
					t.Errorf("%s widen wrote past its rows", level)
				}
				clear(got[:rows])
				hk.scores16F32(&wide[0], hd, rows/16, &q[0], hd, scale, &got[0])
				for i := range rows {
					if want := dotHalfGGML(nil, q, k[i*stride:i*stride+hd]) * scale; math.Float32bits(got[i]) != math.Float32bits(want) {
						t.Errorf("%s scores16F32 hd=%d rows=%d: row %d = %v, want %v", level, hd, rows, i, got[i], want)
					}
				}
				if got[rows] != 42 {
					t.Errorf("%s scores16F32 wrote past its rows", level)
				}
			}
		}
		for _, hd := range []int{16, 48, 64, 80, 128} {
			for _, count := range []int{1, 3, 9} {
				vStride, pStride := 64*hd+8, 64
				v := half(count*vStride, 2)
				p := make([]float32, count*pStride)
				for i := range p {
					p[i] = quant.F16ToF32(quant.F32ToF16(float32(r.Float64())))
				}
				acc := randVec(r, hd+1)
				want := append([]float32(nil), acc...)
				tab := f16Table()
				for c := range count {
					for i := range hd {
						want[i] = fma32(p[c*pStride], tab[v[c*vStride+i]], want[i])
					}
				}
				hk.axpyStrided(&acc[0], &v[0], vStride, &p[0], pStride, count, hd)
				for i := range acc {
					if math.Float32bits(acc[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s axpyStrided hd=%d count=%d: acc[%d] = %v, want %v", level, hd, count, i, acc[i], want[i])
					}
				}
			}
		}
		for _, n := range []int{1, 15, 16, 17, 100} {
			x := randVec(r, n+1)
			x[0], x[n-1] = 65520, 1e-8 // overflow to Inf; a subnormal half
			want := append([]float32(nil), x...)
			roundHalf(want[:n])
			hk.round(&x[0], n)
			for i := range x {
				if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s round n=%d: x[%d] = %v, want %v", level, n, i, x[i], want[i])
				}
			}
			if hk.scaleRound != nil {
				const s = 0.37
				x := randVec(r, n+1)
				want := append([]float32(nil), x...)
				for i := range want[:n] {
					want[i] = quant.F16ToF32(quant.F32ToF16(want[i] * s))
				}
				hk.scaleRound(&x[0], n, s)
				for i := range x {
					if math.Float32bits(x[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s scaleRound n=%d: x[%d] = %v, want %v", level, n, i, x[i], want[i])
					}
				}
			}
			if hk.max != nil {
				for at := range n { // the maximum at every position, all negative
					x := randVec(r, n+1)
					for i := range x {
						x[i] = -1 - x[i]*x[i]
					}
					x[at], x[n] = -0.5, 7 // x[n] is past the end
					if got := hk.max(&x[0], n); got != -0.5 {
						t.Fatalf("%s max n=%d at %d = %v, want -0.5", level, n, at, got)
					}
				}
			}
		}
	}
}

// TestValuesHalfKernel: a flavour's one-call value pass gives the bits of
// the lane-by-lane Go code (every phase mod 64, counts around the lane
// boundaries, 64 and 128 columns), and whole half-cache attentions give
// the same bits with and without it and the other batched kernels (16-row
// scores, row maximum, Σe blocks, scaled weights).
func TestValuesHalfKernel(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for level, hk := range halfKernels {
		if hk.values == nil {
			continue
		}
		for _, hd := range []int{64, 128} {
			for _, count := range []int{1, 5, 63, 64, 65, 130, 200} {
				for _, phase := range []int{0, 1, 17, 63} {
					vStride := hd*2 + 16
					v := make([]uint16, count*vStride)
					for i := range v {
						v[i] = quant.F32ToF16(float32(r.NormFloat64() * 2))
					}
					// Three heads, weights and results at strides wider than a row.
					const heads = 3
					pStride, outStride := count+5, hd+3
					p := make([]float32, heads*pStride)
					for i := range p {
						p[i] = quant.F16ToF32(quant.F32ToF16(float32(r.Float64() / 50)))
					}
					got := make([]float32, heads*outStride+1)
					for i := range got {
						got[i] = 42 // the gaps and the end must stay
					}
					part := make([]float32, heads*16*64)
					hk.values(&got[0], &v[0], vStride, &p[0], phase, count, hd, &part[0], heads, pStride, outStride)
					tab := f16Table()
					for g := range heads {
						var lanes [64][]float32
						for l := range lanes {
							lanes[l] = make([]float32, hd)
						}
						for c := range count {
							l := (phase + c) % 64
							for i := range hd {
								lanes[l][i] = fma32(p[g*pStride+c], tab[v[c*vStride+i]], lanes[l][i])
							}
						}
						for i := range outStride {
							want := float32(42)
							if i < hd {
								var a [64]float32
								for l := range a {
									a[l] = lanes[l][i]
								}
								want = reduce64(&a)
							}
							if got := got[g*outStride+i]; math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("%s values hd=%d count=%d phase=%d: head %d out[%d] = %v, want %v", level, hd, count, phase, g, i, got, want)
							}
						}
					}
					if got[heads*outStride] != 42 {
						t.Fatalf("%s values wrote past its columns", level)
					}
				}
			}
		}
		useFlavour(t, level)
		for _, shape := range []struct {
			hd, kv, window, pos0, n int
		}{{64, 4, 0, 0, 70}, {128, 2, 0, 150, 3}, {64, 1, 90, 200, 9}, {64, 2, 20, 40, 30}} {
			a := Attn{Heads: 8, KVHeads: shape.kv, HeadDim: shape.hd, Scale: 0.1, Window: shape.window}
			c := newAttnCase(r, a, shape.pos0, shape.n, false)
			with := make([]float32, len(c.q))
			AttentionF16(with, c.q, c.n, c.k16, c.v16, c.pos0, a)
			saved := *hk
			hk.values, hk.scores16, hk.max, hk.sumBlocks, hk.scaleRound, hk.widen = nil, nil, nil, nil, nil, nil
			without := make([]float32, len(c.q))
			AttentionF16(without, c.q, c.n, c.k16, c.v16, c.pos0, a)
			*hk = saved
			for i := range with {
				if math.Float32bits(with[i]) != math.Float32bits(without[i]) {
					t.Fatalf("%s %s: out[%d] = %v with the batched kernels, %v without", level, c.name, i, with[i], without[i])
				}
			}
		}
	}
}

// TestSumGGML: sumGGML, with and without a flavour's block loop, adds as a
// plain walk over ggml's 16-position blocks does (partial blocks at either
// end, rows shorter than a block, rows inside one block).
func TestSumGGML(t *testing.T) {
	r := rand.New(rand.NewPCG(51, 52))
	ref := func(e []float32, first int) float64 {
		var sum float64
		for c := first &^ 15; c < first+len(e); c += 16 {
			var x [16]float32
			for l := range x {
				if j := c + l - first; j >= 0 && j < len(e) {
					x[l] = e[j]
				}
			}
			// reduce16 written out: halves of 256, of 128, 0+2 and 1+3.
			var y [8]float32
			for l := range y {
				y[l] = x[l] + x[l+8]
			}
			sum += float64(((y[0] + y[4]) + (y[2] + y[6])) + ((y[1] + y[5]) + (y[3] + y[7])))
		}
		return sum
	}
	blocks := map[string]func(*float32, int, float64) float64{"go": nil}
	for level, hk := range halfKernels {
		if hk.sumBlocks != nil {
			blocks[string(level)] = hk.sumBlocks
		}
	}
	for name, b := range blocks {
		for _, first := range []int{0, 1, 15, 16, 17, 40} {
			for _, n := range []int{1, 2, 14, 15, 16, 17, 31, 32, 33, 100} {
				e := make([]float32, n)
				for i := range e {
					e[i] = float32(r.ExpFloat64())
				}
				got, want := sumGGML(e, first, b), ref(e, first)
				if math.Float64bits(got) != math.Float64bits(want) {
					t.Errorf("%s first=%d n=%d: sumGGML = %v, want %v", name, first, n, got, want)
				}
			}
		}
	}
}
