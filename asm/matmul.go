package asm

import (
	"sync"

	"github.com/narallm/nara/quant"
)

// matMul computes dst[i·rows+r] = w[r,:]·x[i,:] with the active kernels.
//
// Float weights are dotted with the float32 activations directly. For block
// types the activations are first quantized, once per call, to the type ggml
// pairs with the weights (Q8_0, Q8_1 or Q8_K), and the product is taken with
// the flavour's GemmKernel, block by block of gemmRows rows × gemmToks
// tokens — the same integer arithmetic as llama.cpp. Blocks are shared out
// among the pool's threads.
//
// packed says that w is in the packed layout (packed.go); the blocks are
// then whole 16-row groups, and a decode step's blocks are packedGemvRows
// rows so that the kernel's token preparation is shared by several groups.
func matMul(dst, x []float32, w []byte, wt quant.Type, rows, cols, n int, packed bool) {
	rb, err := RowBytes(wt, cols)
	if err != nil || len(w) != rows*rb || packed && !CanPack(wt, rows, cols) {
		panic("asm.MatMul: weight matrix does not match its shape")
	}
	mt := matMulTasks.Get().(*matMulTask)
	defer matMulTasks.Put(mt)
	*mt = matMulTask{dst: dst, x: x, w: w, wt: wt, rows: rows, cols: cols, n: n, rb: rb, k: active, xq: mt.xq[:0]}
	switch wt {
	case quant.F32, quant.F16, quant.BF16:
		parallelFor(rows, cols*n, mt)
	default:
		tr, _ := wt.Traits()
		mt.gemm = active.Gemm[wt]
		if packed {
			mt.gemm = active.Packed[wt]
		}
		if mt.gemm == nil {
			panic("asm.MatMul: no kernel for " + wt.String())
		}
		xb, err := RowBytes(tr.VecDotType, cols)
		if err != nil {
			panic("asm.MatMul: " + err.Error())
		}
		mt.xb, mt.xt = xb, tr.VecDotType
		if cap(mt.xq) < n*xb {
			mt.xq = make([]byte, n*xb)
		}
		mt.xq = mt.xq[:n*xb]
		mt.quantizing = true
		parallelFor(n, cols, mt)
		mt.quantizing = false
		mt.blockRows = gemmRows
		if n < gemvToks {
			mt.blockRows = gemvRows
			if packed {
				mt.blockRows = packedGemvRows
			}
		}
		rowBlocks, tokBlocks := (rows+mt.blockRows-1)/mt.blockRows, (n+gemmToks-1)/gemmToks
		parallelFor(rowBlocks*tokBlocks, mt.blockRows*min(n, gemmToks)*cols, mt)
	}
	// Keep the quantization buffer for the next call, not the operands.
	*mt = matMulTask{xq: mt.xq}
}

// The blocks a block-type product is cut into: each is one GemmKernel call
// over up to gemmRows weight rows (a multiple of every kernel's row tile)
// and up to gemmToks tokens. A tiled kernel prepares the call's
// activations once and repacks its weight rows once, so the sizes are also
// how often that work is reused, and how often a prompt's weights are read
// from memory (once per token block). Measured on tl-q4_0 pp512 with
// AVX-512 (CPU seconds in pprof, noisy machine), next to about 3 s in
// the tile kernel: at 64 rows × 64 tokens the activation pass took 0.5 s,
// at 256 × 64 repacking took 0.6–0.9 s; at 256 × 128 they take 0.2–0.3 s
// and 0.4–0.5 s (256 × 256 was no better). The call's activations (128
// tokens of a 5632-wide row: 0.7 MB) still fit in L2, and a 512-token
// prompt makes 32 blocks of a 2048-row matrix for the threads to share.
//
// Decoding (fewer than gemvToks tokens, where the legacy kernels take
// their row dots: tiledMinToks) uses blocks of gemvRows rows: row dots
// have no per-call work to spread, and small blocks share even the
// 256-row K and V projections among the threads. A packed matrix's decode
// kernel prepares the token once per call, so its blocks are
// packedGemvRows rows: four 16-row groups per preparation, and still
// four blocks of a 256-row projection for the threads to share.
const (
	gemmRows = 256
	gemmToks = 128
	gemvRows = 16
	gemvToks = 4

	packedGemvRows = 64
)

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

	// Block weights: the activations quantized to xt (wt's VecDotType), xb
	// bytes per token, and the block kernel.
	xq         []byte
	xb         int
	xt         quant.Type
	gemm       GemmKernel
	blockRows  int  // weight rows per GemmKernel call
	quantizing bool // run quantizes tokens rather than multiplying
}

var matMulTasks = sync.Pool{New: func() any { return new(matMulTask) }}

// run does indices [lo, hi) of the current phase: tokens to quantize, row
// blocks × token blocks of a block-type product, or rows of a float one.
func (mt *matMulTask) run(lo, hi int) {
	rows, cols, rb := mt.rows, mt.cols, mt.rb
	switch {
	case mt.quantizing:
		for i := lo; i < hi; i++ {
			quantizeActivations(mt.xt, mt.xq[i*mt.xb:(i+1)*mt.xb], mt.x[i*cols:(i+1)*cols])
		}
	case mt.gemm != nil:
		br := mt.blockRows
		rowBlocks := (rows + br - 1) / br
		for b := lo; b < hi; b++ {
			// Consecutive blocks share a token block: its activations stay
			// in cache while the weights stream past.
			r0, c0 := (b%rowBlocks)*br, (b/rowBlocks)*gemmToks
			nr, nc := min(br, rows-r0), min(gemmToks, mt.n-c0)
			mt.gemm(cols, mt.w[r0*rb:(r0+nr)*rb], rb, nr, mt.xq[c0*mt.xb:(c0+nc)*mt.xb], mt.xb, nc, mt.dst[c0*rows+r0:], rows)
		}
	default:
		floatRows(mt, lo, hi)
	}
}
