package asm

import "github.com/narallm/nara/quant"

// FloatGemmKernel computes one block of a product against float weights (F32,
// F16 or BF16): for r < rows and c < toks,
//
//	dst[c·ldd + r] = Σ_i w_r[i]·x[c·cols + i]
//
// where w_r is row r of w, cols elements of the kernel's type stored back to
// back. Flavours tile it in registers (gemm_float_amd64.go); results agree
// with the row dot products (Dot, DotF16, DotBF16) up to the order of the
// float additions. Callers pass slices that hold what the shape reads.
type FloatGemmKernel func(cols int, w []byte, rows int, x []float32, toks int, dst []float32, ldd int)

// floatTypes are the weight types with a FloatGemmKernel.
var floatTypes = []quant.Type{quant.F32, quant.F16, quant.BF16}

// floatRows computes rows [lo, hi) of a product against F32, F16 or BF16
// weights for every token.
func floatRows(mt *matMulTask, p *productTask, lo, hi int) {
	mt.k.FloatGemm[p.Type](mt.cols, p.W[lo*p.rb:hi*p.rb], hi-lo, mt.x, mt.n, p.Dst[lo:], p.Rows)
}

// floatGemmFromDots is the FloatGemmKernel of a flavour with only row dot
// products: one per (row, token), tokens inner so the row stays in L1.
func floatGemmFromDots(k *Kernels, wt quant.Type) FloatGemmKernel {
	dot := floatRowDot(k, wt)
	esize := 2
	if wt == quant.F32 {
		esize = 4
	}
	return func(cols int, w []byte, rows int, x []float32, toks int, dst []float32, ldd int) {
		rb := cols * esize
		for r := range rows {
			row := w[r*rb : (r+1)*rb]
			for c := range toks {
				dst[c*ldd+r] = dot(row, x[c*cols:(c+1)*cols])
			}
		}
	}
}

// mergeFloatGemm fills merged.FloatGemm from flavour k, and from merged's
// row dot products where k has no tiled kernel.
func mergeFloatGemm(merged, k *Kernels) {
	merged.FloatGemm = map[quant.Type]FloatGemmKernel{}
	for _, t := range floatTypes {
		if f := k.FloatGemm[t]; f != nil {
			merged.FloatGemm[t] = f
		} else {
			merged.FloatGemm[t] = floatGemmFromDots(merged, t)
		}
	}
}

// floatRowDot returns the kernel that dots one stored row of a float type
// with float32 activations.
func floatRowDot(k *Kernels, wt quant.Type) func(w []byte, x []float32) float32 {
	switch wt {
	case quant.F16:
		return k.DotF16
	case quant.BF16:
		return k.DotBF16
	}
	return func(w []byte, x []float32) float32 {
		if v := f32View(w); v != nil {
			return k.Dot(v, x)
		}
		buf := make([]float32, len(x))
		toF32Generic(buf, w, quant.F32)
		return k.Dot(buf, x)
	}
}
