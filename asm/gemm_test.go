package asm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// TestGemmFlavours checks every flavour's GemmKernel against the generic
// VecDot, entry by entry, over awkward tile shapes: row and token counts
// that are not multiples of any register tile, a leading dimension wider
// than the block, and entries outside the block that must stay untouched.
func TestGemmFlavours(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	generic := flavours[Generic]
	shapes := []struct{ blocks, rows, toks int }{
		{1, 1, 1}, {2, 3, 1}, {8, 16, 1}, {3, 17, 1}, {4, 5, 2}, {8, 16, 3}, {7, 4, 4},
		{8, 9, 5}, {5, 16, 8}, {16, 13, 9}, {9, 19, 17}, {3, 32, 64}, {4, 16, 65},
	}
	for _, level := range Available() {
		for wt, gemm := range flavours[level].Gemm {
			tr, _ := wt.Traits()
			vecDot := generic.VecDot[wt]
			checked := 0
			for si, s := range shapes {
				n := s.blocks * tr.BlockSize
				kind := []string{"normal", "large", "tiny", "zero", "extreme", "sparse"}[si%6]
				w := quantized(wt, randomFloats(r, s.rows*n, kind))
				x := quantized(tr.VecDotType, randomFloats(r, s.toks*n, "normal"))
				rb, xb := len(w)/s.rows, len(x)/s.toks
				ldd := s.rows + 3
				dst := make([]float32, s.toks*ldd)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				gemm(n, w, rb, s.rows, x, xb, s.toks, dst, ldd)
				for c := range s.toks {
					for i := s.rows; i < ldd; i++ {
						if !math.IsNaN(float64(dst[c*ldd+i])) {
							t.Fatalf("%s %s %v: wrote dst[%d] outside the block", level, wt, s, c*ldd+i)
						}
					}
					for row := range s.rows {
						wr, xc := w[row*rb:(row+1)*rb], x[c*xb:(c+1)*xb]
						want, got := vecDot(n, wr, xc), dst[c*ldd+row]
						if d := math.Abs(float64(got - want)); !(d <= 1e-5*dotMagnitude(wt, tr.VecDotType, wr, xc)+1e-30) {
							t.Errorf("%s %s %d×%d×%d: dst[tok %d, row %d] = %g, generic %g", level, wt, s.rows, n, s.toks, c, row, got, want)
						}
						checked++
					}
				}
			}
			t.Logf("%s %s: %d entries agree", level, wt, checked)
		}
	}
}

// dotMagnitude returns Σ|w_i·x_i| of a dequantized row pair: it bounds the
// rounding of any summation order.
func dotMagnitude(wt, xt quant.Type, w, x []byte) float64 {
	tr, _ := wt.Traits()
	xtr, _ := xt.Traits()
	n := len(w) / tr.BlockBytes * tr.BlockSize
	wd, xd := make([]float32, n), make([]float32, n)
	quant.Dequantize(wt, wd, w)
	quant.Dequantize(xt, xd, x[:n/xtr.BlockSize*xtr.BlockBytes])
	var mag float64
	for i := range wd {
		mag += math.Abs(float64(wd[i]) * float64(xd[i]))
	}
	return mag
}

// BenchmarkGemm measures each flavour's GemmKernel on one block of the
// shape MatMul hands it, with 2048-element rows: decode (1 token, the
// multi-row GEMV) and prompt (gemmToks tokens). Bytes are weight bytes, so
// MB/s compares with the memory bandwidth for decode.
func BenchmarkGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	const n = 2048
	for _, toks := range []int{1, gemmToks} {
		for _, level := range Available() {
			for _, wt := range quant.Types() {
				gemm := flavours[level].Gemm[wt]
				if gemm == nil {
					continue
				}
				tr, _ := wt.Traits()
				w := quantized(wt, randomFloats(r, gemmRows*n, "normal"))
				x := quantized(tr.VecDotType, randomFloats(r, toks*n, "normal"))
				dst := make([]float32, toks*gemmRows)
				b.Run(fmt.Sprintf("toks=%d/%s/%s", toks, level, wt), func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						gemm(n, w, len(w)/gemmRows, gemmRows, x, len(x)/toks, toks, dst, gemmRows)
					}
				})
			}
		}
	}
}
