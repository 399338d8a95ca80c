//go:build !noasm

package asm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// BenchmarkPackedKGemv runs the packed K GEMVs over 16 super-blocks of
// groups 16-row groups: L2-resident and memory-sized weights.
func BenchmarkPackedKGemv(b *testing.B) {
	if !hasVNNI {
		b.Skip("no AVX-512 VNNI")
	}
	const nb = 16
	x := make([]byte, nb*292)
	for i := range x {
		x[i] = byte(i * 7)
	}
	for _, groups := range []int{4, 64, 1024} {
		dst := make([]float32, groups*packRows)
		for _, p := range packedKKernelsVNNI {
			wBytes, _, _ := blockSizes(p.t)
			w := make([]byte, groups*packRows*nb*wBytes)
			for i := range w {
				w[i] = byte(i * 2654435761 >> 13)
			}
			b.Run(fmt.Sprintf("%s/groups=%d", p.t, groups), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					p.gemv(&w[0], nb, &x[0], groups, &dst[0])
				}
			})
		}
	}
}

// BenchmarkPackedKPrompt compares the GemmKernel of a prompt block (128
// quantized tokens, 256 rows × 2048, one thread) packed against
// row-major: the packed tiles build their pack from packed super-blocks,
// the row-major ones gather and transpose it.
func BenchmarkPackedKPrompt(b *testing.B) {
	const rows, cols, toks = 256, 2048, 128
	r := rand.New(rand.NewPCG(3, 4))
	xb, _ := RowBytes(quant.Q8_K, cols)
	x := quantized(quant.Q8_K, randomFloats(r, toks*cols, "normal"))
	dst := make([]float32, toks*rows)
	for _, wt := range []quant.Type{quant.Q4_K, quant.Q6_K} {
		w := quantized(wt, randomFloats(r, rows*cols, "normal"))
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, rows, cols); err != nil {
			b.Fatal(err)
		}
		rb := len(w) / rows
		for _, packed := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/packed=%v", wt, packed), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					if packed {
						active.Packed[wt](cols, p, rb, rows, x, xb, toks, dst, rows)
					} else {
						active.Gemm[wt](cols, w, rb, rows, x, xb, toks, dst, rows)
					}
				}
			})
		}
	}
}
