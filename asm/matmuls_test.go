package asm

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// TestMatMuls runs sets of products through one MatMuls call on every
// flavour and compares each result, bit for bit, with its own MatMul or
// MatMulPacked call: the same blocks go through the same kernels. The sets
// share one activation type (Q, K, V of a Q4_K_M file: Q4_K, Q4_K, Q6_K;
// packed Q4_0 with row-major Q4_0), or do not (Q4_0 with Q4_1, a float
// matrix with a quantized one), for decode and prompt token counts.
func TestMatMuls(t *testing.T) {
	defer Use(Active())
	r := rand.New(rand.NewPCG(51, 52))
	type mat struct {
		t      quant.Type
		rows   int
		packed bool
	}
	sets := [][]mat{
		{{quant.Q4_K, 64, false}, {quant.Q4_K, 32, false}, {quant.Q6_K, 32, false}},
		{{quant.Q4_0, 96, true}, {quant.Q4_0, 16, false}, {quant.Q8_0, 48, true}},
		{{quant.Q4_0, 48, false}, {quant.Q4_1, 40, false}},
		{{quant.F16, 24, false}, {quant.Q8_0, 33, false}},
		{{quant.Q5_K, 7, false}},
	}
	for _, l := range Available() {
		Use(l)
		for si, set := range sets {
			cols := 512
			for _, n := range []int{1, 3, 20} {
				x := randomFloats(r, n*cols, "normal")
				ps := make([]Product, len(set))
				want := make([][]float32, len(set))
				for i, m := range set {
					w := quantized(m.t, randomFloats(r, m.rows*cols, "normal"))
					if m.packed {
						p := make([]byte, len(w))
						if err := Pack(p, w, m.t, m.rows, cols); err != nil {
							t.Fatal(err)
						}
						w = p
					}
					ps[i] = Product{Dst: make([]float32, n*m.rows), W: w, Type: m.t, Rows: m.rows, Packed: m.packed}
					want[i] = make([]float32, n*m.rows)
					if m.packed {
						MatMulPacked(want[i], x, w, m.t, m.rows, cols, n)
					} else {
						MatMul(want[i], x, w, m.t, m.rows, cols, n)
					}
				}
				MatMuls(x, cols, n, ps...)
				for i := range ps {
					for j, v := range ps[i].Dst {
						if math.Float32bits(v) != math.Float32bits(want[i][j]) {
							t.Fatalf("%s set %d n=%d product %d (%s): [%d] = %g, alone %g", l, si, n, i, set[i].t, j, v, want[i][j])
						}
					}
				}
			}
		}
		t.Logf("%s: %d product sets agree with their products run alone", l, len(sets))
	}
}
