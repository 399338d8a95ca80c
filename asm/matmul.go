package asm

import (
	"sync"

	"github.com/narallm/nara/quant"
)

// matMul computes dst[i·rows+r] = w[r,:]·x[i,:] with the active kernels.
//
// Float weights are dotted with the float32 activations directly. For block
// types the activations are first quantized, once per call, to the type ggml
// pairs with the weights (Q8_0, Q8_1 or Q8_K), and each row is an integer dot
// product against them — the same arithmetic as llama.cpp. Rows are shared
// out among the pool's threads.
func matMul(dst, x []float32, w []byte, wt quant.Type, rows, cols, n int) {
	rb, err := RowBytes(wt, cols)
	if err != nil || len(w) != rows*rb {
		panic("asm.MatMul: weight matrix does not match its shape")
	}
	mt := matMulTasks.Get().(*matMulTask)
	defer matMulTasks.Put(mt)
	*mt = matMulTask{dst: dst, x: x, w: w, wt: wt, rows: rows, cols: cols, n: n, rb: rb, k: active, xq: mt.xq[:0]}
	switch wt {
	case quant.F32, quant.F16, quant.BF16:
	default:
		tr, _ := wt.Traits()
		if mt.vecDot = active.VecDot[wt]; mt.vecDot == nil {
			panic("asm.MatMul: no dot product for " + wt.String())
		}
		xb, err := RowBytes(tr.VecDotType, cols)
		if err != nil {
			panic("asm.MatMul: " + err.Error())
		}
		mt.xb = xb
		if cap(mt.xq) < n*xb {
			mt.xq = make([]byte, n*xb)
		}
		mt.xq = mt.xq[:n*xb]
		for i := range n {
			if err := quant.Quantize(tr.VecDotType, mt.xq[i*xb:(i+1)*xb], x[i*cols:(i+1)*cols]); err != nil {
				panic("asm.MatMul: " + err.Error())
			}
		}
	}
	parallelFor(rows, cols*n, mt)
	// Keep the quantization buffer for the next call, not the operands.
	*mt = matMulTask{xq: mt.xq}
}

// matMulTask is one MatMul call as a pool task. They are recycled (with
// their activation quantization buffer) so that a decode step allocates
// nothing.
type matMulTask struct {
	dst, x     []float32
	w          []byte
	wt         quant.Type
	rows, cols int
	n          int // tokens
	rb         int // bytes per weight row
	k          *Kernels

	// Block weights: the activations quantized to wt's VecDotType, xb bytes
	// per token, and the row dot product.
	xq     []byte
	xb     int
	vecDot func(n int, w, x []byte) float32
}

var matMulTasks = sync.Pool{New: func() any { return new(matMulTask) }}

// run computes rows [lo, hi) for every token.
func (mt *matMulTask) run(lo, hi int) {
	rows, cols, rb := mt.rows, mt.cols, mt.rb
	if mt.vecDot != nil {
		for r := lo; r < hi; r++ {
			row := mt.w[r*rb : (r+1)*rb]
			for i := range mt.n {
				mt.dst[i*rows+r] = mt.vecDot(cols, row, mt.xq[i*mt.xb:(i+1)*mt.xb])
			}
		}
		return
	}
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
