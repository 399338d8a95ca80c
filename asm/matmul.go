package asm

import (
	"runtime"
	"sync"

	"github.com/narallm/nara/quant"
)

// matMul computes dst[i·rows+r] = w[r,:]·x[i,:] with the active kernels.
//
// Float weights are dotted with the float32 activations directly. For block
// types the activations are first quantized, once per call, to the type ggml
// pairs with the weights (Q8_0, Q8_1 or Q8_K), and each row is an integer dot
// product against them — the same arithmetic as llama.cpp.
func matMul(dst, x []float32, w []byte, wt quant.Type, rows, cols, n int) {
	rb, err := RowBytes(wt, cols)
	if err != nil || len(w) != rows*rb {
		panic("asm.MatMul: weight matrix does not match its shape")
	}
	k := active
	switch wt {
	case quant.F32, quant.F16, quant.BF16:
		dot := floatRowDot(k, wt)
		parallelRows(rows, cols*n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				row := w[r*rb : (r+1)*rb]
				for i := range n {
					dst[i*rows+r] = dot(row, x[i*cols:(i+1)*cols])
				}
			}
		})
		return
	}
	tr, _ := wt.Traits()
	vecDot := k.VecDot[wt]
	if vecDot == nil {
		panic("asm.MatMul: no dot product for " + wt.String())
	}
	xb, err := RowBytes(tr.VecDotType, cols)
	if err != nil {
		panic("asm.MatMul: " + err.Error())
	}
	xq := make([]byte, n*xb)
	for i := range n {
		if err := quant.Quantize(tr.VecDotType, xq[i*xb:(i+1)*xb], x[i*cols:(i+1)*cols]); err != nil {
			panic("asm.MatMul: " + err.Error())
		}
	}
	parallelRows(rows, cols*n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := w[r*rb : (r+1)*rb]
			for i := range n {
				dst[i*rows+r] = vecDot(cols, row, xq[i*xb:(i+1)*xb])
			}
		}
	})
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

// parallelRows runs f over [0, rows) in contiguous chunks, one goroutine per
// CPU, when rows × workPerRow multiply-adds are worth splitting.
func parallelRows(rows, workPerRow int, f func(lo, hi int)) {
	const minWork = 1 << 16 // below this, goroutine start-up costs more than it saves
	workers := min(runtime.GOMAXPROCS(0), rows, max(1, rows*workPerRow/minWork))
	if workers <= 1 {
		f(0, rows)
		return
	}
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := rows*k/workers, rows*(k+1)/workers
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}
