package asm

import (
	"sync"

	"github.com/narallm/nara/quant"
)

// Product is one weight matrix of a MatMuls call and where its result goes:
// Dst[i·Rows + r] = W[r,:]·x[i,:]. W holds Rows rows of the call's cols
// elements of type Type, row-major, or in the packed layout when Packed
// (Pack wrote it).
type Product struct {
	Dst    []float32
	W      []byte
	Type   quant.Type
	Rows   int
	Packed bool
}

// maxProducts is the most products one MatMuls call takes: Q, K and V.
const maxProducts = 3

// matMuls computes each product of ps against the n activation vectors x
// (cols each) with the active kernels.
//
// Float weights are dotted with the float32 activations directly. For block
// types the activations are first quantized, once per call, to the type ggml
// pairs with the weights (Q8_0, Q8_1 or Q8_K), and the products are taken
// with the flavour's GemmKernel, block by block of gemmRows rows ×
// gemmToks tokens — the same integer arithmetic as llama.cpp. The blocks
// of all products are shared out among the pool's threads in one loop:
// Q, K and V (or gate and up) cost one quantization and one wait for the
// slowest thread, not three. Products whose weights pair with different
// activation types, or float ones, run one after another.
//
// A packed matrix's blocks are whole 16-row groups, and a decode step's
// blocks are packedGemvRows rows so that the kernel's token preparation
// is shared by several groups.
func matMuls(x []float32, cols, n int, ps []Product) {
	if len(ps) == 0 {
		return
	}
	if len(ps) > maxProducts {
		panic("asm.MatMuls: more than 3 products")
	}
	xt := vecDotType(ps[0].Type)
	for _, p := range ps[1:] {
		if vecDotType(p.Type) != xt {
			xt = quant.F32 // not one shared quantization: one product at a time
		}
	}
	if xt == quant.F32 && len(ps) > 1 {
		for i := range ps {
			matMuls(x, cols, n, ps[i:i+1])
		}
		return
	}
	mt := matMulTasks.Get().(*matMulTask)
	defer matMulTasks.Put(mt)
	*mt = matMulTask{x: x, cols: cols, n: n, k: active, xq: mt.xq[:0], np: len(ps)}
	blocks, work := 0, 0
	for i, p := range ps {
		rb, err := RowBytes(p.Type, cols)
		if err != nil || len(p.W) != p.Rows*rb || p.Packed && !CanPack(p.Type, p.Rows, cols) || len(p.Dst) < n*p.Rows {
			panic("asm.MatMul: weight matrix does not match its shape")
		}
		pt := &mt.ps[i]
		pt.Product, pt.rb = p, rb
		if xt == quant.F32 {
			continue // one float product: run shares out its rows
		}
		if pt.gemm = active.Gemm[p.Type]; p.Packed {
			pt.gemm = active.Packed[p.Type]
		}
		if pt.gemm == nil {
			panic("asm.MatMul: no kernel for " + p.Type.String())
		}
		pt.blockRows = gemmRows
		if n < gemvToks {
			pt.blockRows = gemvRows
			if p.Packed {
				pt.blockRows = packedGemvRows
			}
		}
		pt.rowBlocks = (p.Rows + pt.blockRows - 1) / pt.blockRows
		pt.first = blocks
		blocks += pt.rowBlocks * ((n + gemmToks - 1) / gemmToks)
		work = max(work, pt.blockRows*min(n, gemmToks)*cols)
	}
	if xt == quant.F32 {
		parallelFor(ps[0].Rows, cols*n, mt)
	} else {
		xb, err := RowBytes(xt, cols)
		if err != nil {
			panic("asm.MatMul: " + err.Error())
		}
		mt.xb, mt.xt = xb, xt
		if cap(mt.xq) < n*xb {
			mt.xq = make([]byte, n*xb)
		}
		mt.xq = mt.xq[:n*xb]
		mt.quantizing = true
		parallelFor(n, cols, mt)
		mt.quantizing = false
		parallelFor(blocks, work, mt)
	}
	// Keep the quantization buffer for the next call, not the operands.
	*mt = matMulTask{xq: mt.xq}
}

// vecDotType is the activation type t's products quantize to; F32 for
// the float types (no quantization).
func vecDotType(t quant.Type) quant.Type {
	if t == quant.F32 || t == quant.F16 || t == quant.BF16 {
		return quant.F32
	}
	tr, ok := t.Traits()
	if !ok || tr.VecDot == nil {
		panic("asm.MatMul: no kernel for " + t.String())
	}
	return tr.VecDotType
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
// kernel prepares the token once per call and streams all of the call's
// groups, so its blocks are larger: packedGemvRows rows. Measured tg64
// medians (three or four alternating runs; 64 / 256 / 512 rows):
// tl-q4_0 39.7 / 40.5 / 44.7 t/s, l32-q4_0 35.0 / 36.2 / 38.6, tl-q8_0
// 26.0 / 25.6 / 25.9, tl-q4_k_m 42.1 / 41.0 / 41.0. Fused products
// (MatMuls) still give the threads several blocks per loop.
const (
	gemmRows = 256
	gemmToks = 128
	gemvRows = 16
	gemvToks = 4

	packedGemvRows = 512
)

// matMulTask is one MatMuls call as a pool task. They are recycled (with
// their activation quantization buffer) so that a decode step allocates
// nothing.
type matMulTask struct {
	x    []float32
	cols int
	n    int // tokens
	k    *Kernels
	ps   [maxProducts]productTask
	np   int

	// Block weights: the activations quantized to xt (the weights'
	// VecDotType), xb bytes per token.
	xq         []byte
	xb         int
	xt         quant.Type
	quantizing bool // run quantizes tokens rather than multiplying
}

// productTask is one product of a matMulTask and its share of the loop:
// indices [first, first + rowBlocks × token blocks).
type productTask struct {
	Product
	rb        int        // bytes per weight row
	gemm      GemmKernel // nil for float weights
	blockRows int        // weight rows per GemmKernel call
	rowBlocks int
	first     int
}

var matMulTasks = sync.Pool{New: func() any { return new(matMulTask) }}

// run does indices [lo, hi) of the current phase: tokens to quantize, row
// blocks × token blocks of the block-type products, or rows of a float one.
func (mt *matMulTask) run(lo, hi int) {
	cols := mt.cols
	if mt.quantizing {
		for i := lo; i < hi; i++ {
			quantizeActivations(mt.xt, mt.xq[i*mt.xb:(i+1)*mt.xb], mt.x[i*cols:(i+1)*cols])
		}
		return
	}
	if mt.ps[0].gemm == nil {
		floatRows(mt, &mt.ps[0], lo, hi)
		return
	}
	for b := lo; b < hi; b++ {
		p := &mt.ps[0]
		for i := 1; i < mt.np && b >= mt.ps[i].first; i++ {
			p = &mt.ps[i]
		}
		// Consecutive blocks share a token block: its activations stay in
		// cache while the weights stream past.
		br, rows, rb, local := p.blockRows, p.Rows, p.rb, b-p.first
		r0, c0 := (local%p.rowBlocks)*br, (local/p.rowBlocks)*gemmToks
		nr, nc := min(br, rows-r0), min(gemmToks, mt.n-c0)
		p.gemm(cols, p.W[r0*rb:(r0+nr)*rb], rb, nr, mt.xq[c0*mt.xb:(c0+nc)*mt.xb], mt.xb, nc, p.Dst[c0*rows+r0:], rows)
	}
}
