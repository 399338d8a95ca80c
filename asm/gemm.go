package asm

import "github.com/narallm/nara/quant"

// GemmKernel computes one block of a quantized matrix product: for r < rows
// and c < toks,
//
//	dst[c·ldd + r] = VecDot(n, w[r·rb:], x[c·xb:])
//
// that is, rows weight rows (rb bytes apart, n elements each, of the
// kernel's block type) against toks activation vectors already quantized to
// the type's VecDotType (xb bytes apart). It is where a flavour reuses each
// weight load across several tokens and each activation load across several
// rows (register tiling): the prompt's GEMM and, with toks = 1, the
// multi-row GEMV of decoding. Results agree with VecDot up to the order of
// float additions.
//
// Callers pass rows ≥ 1 and toks ≥ 1 and slices that hold what the shape
// reads; kernels may check and panic but need not.
type GemmKernel func(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int)

// gemmFromVecDot is the GemmKernel of a flavour that has only a row dot
// product: one VecDot per (row, token), tokens inner so the row stays in L1.
func gemmFromVecDot(vecDot func(n int, w, x []byte) float32) GemmKernel {
	return func(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
		for r := range rows {
			row := w[r*rb : (r+1)*rb]
			for c := range toks {
				dst[c*ldd+r] = vecDot(n, row, x[c*xb:(c+1)*xb])
			}
		}
	}
}

// genericGemm fills k.Gemm, for every type with a VecDot but no Gemm, from
// that VecDot.
func fillGemm(k *Kernels) {
	for t, f := range k.VecDot {
		if k.Gemm[t] == nil {
			k.Gemm[t] = gemmFromVecDot(f)
		}
	}
}

// Gemm returns the active flavour's block-product kernel for weight type t,
// or nil when t is not a block type with kernels (benchmarks and tests).
func Gemm(t quant.Type) GemmKernel { return active.Gemm[t] }
