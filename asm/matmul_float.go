package asm

import "github.com/narallm/nara/quant"

// floatRows computes rows [lo, hi) of a product against F32, F16 or BF16
// weights for every token: a row dot product per (row, token).
func floatRows(mt *matMulTask, lo, hi int) {
	rows, cols, rb := mt.rows, mt.cols, mt.rb
	dot := floatRowDot(mt.k, mt.wt)
	for r := lo; r < hi; r++ {
		row := mt.w[r*rb : (r+1)*rb]
		for i := range mt.n {
			mt.dst[i*rows+r] = dot(row, mt.x[i*cols:(i+1)*cols])
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
