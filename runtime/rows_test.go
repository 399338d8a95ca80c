package runtime

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
)

// TestRowSteps checks the batch-wide elementwise steps (shared among the
// kernel threads when large) against the kernels applied row by row, bit for
// bit, below and above the size at which they go parallel.
func TestRowSteps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	randf := func(n int) []float32 {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		return x
	}
	same := func(t *testing.T, what string, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: [%d] = %g, row by row %g", what, i, got[i], want[i])
			}
		}
	}
	const D = 96
	for _, T := range []int{1, 3, parallelElems/D + 7} {
		x, w, y := randf(T*D), randf(D), randf(T*D)

		want := make([]float32, T*D)
		for r := range T {
			asm.RMSNorm(want[r*D:(r+1)*D], x[r*D:(r+1)*D], w, 1e-5)
		}
		got := make([]float32, T*D)
		rmsNormRows(got, x, w, 1e-5)
		same(t, "rmsNormRows", got, want)

		want = append([]float32(nil), x...)
		for r := range T {
			asm.Add(want[r*D:(r+1)*D], y[r*D:(r+1)*D])
		}
		got = append([]float32(nil), x...)
		addRows(got, y, D)
		same(t, "addRows", got, want)

		for _, gelu := range []bool{false, true} {
			want = append([]float32(nil), x...)
			for r := range T {
				g := want[r*D : (r+1)*D]
				if gelu {
					asm.GELUTanhMul(g, g, y[r*D:(r+1)*D])
				} else {
					asm.SiLUMul(g, g, y[r*D:(r+1)*D])
				}
			}
			got = append([]float32(nil), x...)
			gatedRows(got, y, D, gelu)
			same(t, "gatedRows", got, want)
		}

		// RoPE over 4 query heads and 2 key heads of 16 (8 pairs), at
		// positions 5 … 5+T-1, against asm.Rope with angles from rope.angles.
		for _, adjacent := range []bool{false, true} {
			r := newRope(loader.Rope{Theta: 10000, Dim: 16}, adjacent, 512, false)
			const hd, H, KV = 16, 4, 2
			q, k := randf(T*H*hd), randf(T*KV*hd)
			wq, wk := append([]float32(nil), q...), append([]float32(nil), k...)
			cos, sin := make([]float32, 8), make([]float32, 8)
			for p := range T {
				r.angles(cos, sin, 5+p)
				for h := range H {
					asm.Rope(wq[(p*H+h)*hd:(p*H+h+1)*hd], cos, sin, adjacent)
				}
				for h := range KV {
					asm.Rope(wk[(p*KV+h)*hd:(p*KV+h+1)*hd], cos, sin, adjacent)
				}
			}
			var cosBuf, sinBuf []float32
			r.positions(&cosBuf, &sinBuf, 5, T).apply(q, k, hd)
			same(t, "rope q", q, wq)
			same(t, "rope k", k, wk)
		}
	}
}

// TestCacheBytes: an F16 cache takes half an F32 one's memory, counted as
// allocated (2 layers × keys and values × positions × kvDim × size).
func TestCacheBytes(t *testing.T) {
	m := &Model{Config: &loader.Config{Layers: 2, KVHeads: 2, HeadDim: 4}}
	for _, c := range []struct {
		typ  quant.Type
		size int64
	}{{quant.F32, 4}, {quant.F16, 2}} {
		cache, err := m.NewCache(c.typ)
		if err != nil {
			t.Fatal(err)
		}
		if cache.Type() != c.typ || cache.Bytes() != 0 {
			t.Errorf("%s: new cache: type %s, %d bytes", c.typ, cache.Type(), cache.Bytes())
		}
		cache.reserve(3)
		if want := 2 * 2 * 3 * 8 * c.size; cache.Bytes() != want {
			t.Errorf("%s: 3 positions take %d bytes, want %d", c.typ, cache.Bytes(), want)
		}
	}
}
