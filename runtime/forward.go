package runtime

import (
	"fmt"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
)

// Options adjust one Forward call. The zero value computes logits for every
// position.
type Options struct {
	// LastOnly computes logits for the last position only (generation).
	LastOnly bool

	// Hidden, when set, is called with the residual stream for debugging,
	// named as in the reference fixtures: "hidden.embed" (the embeddings as
	// the first layer receives them) and "hidden.layerI" (after decoder
	// layer I), each [T, Dim] row-major. The slice is overwritten
	// afterwards: copy what you keep.
	//
	// For Gemma, hidden.embed is after the √dim scale: that is what the
	// PyTorch references hold (transformers scales inside its embedding
	// module), although the fixture notes say "before any scaling".
	Hidden func(name string, x []float32)

	// Logits, when its capacity holds the logits, receives them and is
	// returned (resliced): a caller decoding token by token passes back the
	// previous result to avoid allocating one per token. Otherwise Forward
	// returns a new slice.
	Logits []float32
}

// Forward runs tokens at positions pos, pos+1, … through the model. It reads
// the cache's first pos positions, stores the new keys and values after them
// (dropping any positions the cache held past pos) and returns the logits,
// [len(tokens), vocab] row-major, or [1, vocab] with opt.LastOnly (in
// opt.Logits when it is large enough).
//
// Feeding a prompt in one call or one token per call gives the same logits.
func (m *Model) Forward(c *Cache, tokens []int, pos int, opt Options) ([]float32, error) {
	if err := m.check(c, tokens, pos); err != nil {
		return nil, err
	}
	cfg := m.Config
	T, D, V, F := len(tokens), cfg.Dim, cfg.VocabSize, cfg.FFNDim
	hd, H, KV := cfg.HeadDim, cfg.Heads, cfg.KVHeads
	qDim, kvDim := H*hd, KV*hd
	eps := cfg.NormEps
	hidden := func(name string, x []float32) {
		if opt.Hidden != nil {
			opt.Hidden(name, x)
		}
	}

	// Activations, one row per token, in buffers the cache keeps between
	// calls (a decode step allocates nothing).
	w := &c.work
	x := grow(&w.x, T*D)        // the residual stream
	xb := grow(&w.xb, T*D)      // a block's normalized input, then its output
	q := grow(&w.q, T*qDim)     // queries
	k := grow(&w.k, T*kvDim)    // keys
	v := grow(&w.v, T*kvDim)    // values
	att := grow(&w.att, T*qDim) // attention output, heads side by side
	gate := grow(&w.gate, T*F)  // feed-forward hidden layer
	up := grow(&w.up, T*F)

	// RoPE angles of the T positions, computed once for every layer: cos
	// and sin [T, pairs] for full-attention layers, and for sliding layers
	// where their rotary parameters differ.
	ropeFull := m.ropeFull.positions(&w.cos, &w.sin, pos, T)
	ropeLocal := ropeFull
	if m.slidingLayers {
		ropeLocal = m.ropeLocal.positions(&w.cosLocal, &w.sinLocal, pos, T)
	}

	// Token embedding (Gemma scales it by √dim).
	for t, tok := range tokens {
		m.embed.decodeRow(x[t*D:(t+1)*D], tok)
	}
	if cfg.EmbedScale != 1 {
		asm.Scale(x, cfg.EmbedScale)
	}
	hidden("hidden.embed", x)

	c.reserve(pos + T)
	for l := range m.layers {
		L := &m.layers[l]

		// Attention RMSNorm.
		rmsNormRows(xb, x, L.attnNorm, eps)

		// Q, K, V projections (in one pass of the kernel threads), with
		// biases where the model has them.
		asm.MatMuls(xb, D, T, L.wq.product(q), L.wk.product(k), L.wv.product(v))
		addBias(q, L.bq)
		addBias(k, L.bk)
		addBias(v, L.bv)

		// Per-head RMSNorm of queries and keys (Qwen 3, Gemma 3).
		if L.qNorm != nil {
			rmsNormRows(q, q, L.qNorm, eps)
			rmsNormRows(k, k, L.kNorm, eps)
		}

		// RoPE: rotate each head of q and k by its position's angles.
		rope := ropeFull
		if cfg.Sliding(l) {
			rope = ropeLocal
		}
		rope.apply(q, k, hd)

		// Keys and values join the cache; each query attends to the cache up
		// to its own position (causal), within the window on sliding layers.
		c.store(l, pos, k, v)
		shape := asm.Attn{Heads: H, KVHeads: KV, HeadDim: hd, Scale: cfg.AttnScale, Softcap: cfg.AttnSoftcap}
		if cfg.Sliding(l) {
			shape.Window = cfg.SlidingWindow
		}
		if c.typ == quant.F16 {
			asm.AttentionF16(att, q, T, c.k16[l], c.v16[l], pos, shape)
		} else {
			asm.Attention(att, q, T, c.k[l], c.v[l], pos, shape)
		}

		// Output projection (then Gemma's post-attention norm) and residual.
		matMul(xb, att, L.wo, T)
		if L.postAttn != nil {
			rmsNormRows(xb, xb, L.postAttn, eps)
		}
		addRows(x, xb, D)

		// Feed-forward RMSNorm.
		rmsNormRows(xb, x, L.ffnNorm, eps)

		// Gated feed-forward: down(act(gate·x) ⊙ up·x), SwiGLU or GeGLU.
		asm.MatMuls(xb, D, T, L.wGate.product(gate), L.wUp.product(up))
		gatedRows(gate, up, F, cfg.Act == loader.GELUTanh)
		matMul(xb, gate, L.wDown, T)

		// Gemma's post-feed-forward norm, and the residual.
		if L.postFFN != nil {
			rmsNormRows(xb, xb, L.postFFN, eps)
		}
		addRows(x, xb, D)
		if opt.Hidden != nil {
			hidden(fmt.Sprintf("hidden.layer%d", l), x)
		}
	}
	c.n = pos + T

	// Final RMSNorm of the positions we want logits for.
	out := T
	if opt.LastOnly {
		x, out = x[(T-1)*D:], 1
	}
	rmsNormRows(xb[:out*D], x, m.outNorm, eps)

	// Classifier into logits (Gemma 2 soft-caps them).
	logits := opt.Logits
	if cap(logits) < out*V {
		logits = make([]float32, out*V)
	}
	logits = logits[:out*V]
	matMul(logits, xb[:out*D], m.output, out)
	if cfg.FinalSoftcap > 0 {
		asm.Softcap(logits, cfg.FinalSoftcap)
	}
	return logits, nil
}

// check validates one Forward call's input: it comes from users, so every
// problem is an error, never a panic.
func (m *Model) check(c *Cache, tokens []int, pos int) error {
	if c == nil {
		return fmt.Errorf("forward: nil cache")
	}
	if len(tokens) == 0 {
		return fmt.Errorf("forward: no tokens")
	}
	if pos < 0 || pos > c.n {
		return fmt.Errorf("forward: position %d outside the cache's 0…%d", pos, c.n)
	}
	if c.max > 0 && pos+len(tokens) > c.max {
		return fmt.Errorf("forward: positions up to %d exceed the context length %d", pos+len(tokens), c.max)
	}
	if c.kvDim != m.Config.KVHeads*m.Config.HeadDim || max(len(c.k), len(c.k16)) != len(m.layers) {
		return fmt.Errorf("forward: cache made for another model")
	}
	for i, tok := range tokens {
		if tok < 0 || tok >= m.Config.VocabSize {
			return fmt.Errorf("forward: token %d (id %d) outside the vocabulary 0…%d", i, tok, m.Config.VocabSize-1)
		}
	}
	return nil
}

// matMul applies w to n row vectors: dst[i] = w · x[i].
// product is w as one of several products of asm.MatMuls, into dst.
func (w matrix) product(dst []float32) asm.Product {
	return asm.Product{Dst: dst, W: w.data, Type: w.typ, Rows: w.rows, Packed: w.packed}
}

// matMul is the product of w alone with the n vectors x, into dst.
func matMul(dst, x []float32, w matrix, n int) {
	asm.MatMuls(x, w.cols, n, w.product(dst[:n*w.rows]))
}

// The elementwise steps run over a batch's rows on the kernel threads when
// the batch is large enough to pay for waking them (a prompt), and on the
// caller otherwise (a decode step, which then allocates nothing: the
// closures handed to asm.Parallel exist only on that branch).

// parallelElems is the least number of elements an elementwise step shares
// among threads: about 10 µs of work, several wake-ups' worth.
const parallelElems = 1 << 15

// rmsNormRows normalizes each len(w)-wide row of x into dst (in place when
// dst is x): whole tokens for the block norms, single heads for q/k norms.
func rmsNormRows(dst, x, w []float32, eps float32) {
	n := len(w)
	rows := len(x) / n
	if len(x) < parallelElems {
		rmsNormRange(dst, x, w, eps, 0, rows)
		return
	}
	asm.Parallel(rows, func(lo, hi int) { rmsNormRange(dst, x, w, eps, lo, hi) })
}

func rmsNormRange(dst, x, w []float32, eps float32, lo, hi int) {
	n := len(w)
	for i := lo * n; i < hi*n; i += n {
		asm.RMSNorm(dst[i:i+n], x[i:i+n], w, eps)
	}
}

// addRows sets x += y (the residual connection), n-wide rows at a time.
func addRows(x, y []float32, n int) {
	if len(x) < parallelElems {
		asm.Add(x, y)
		return
	}
	asm.Parallel(len(x)/n, func(lo, hi int) { asm.Add(x[lo*n:hi*n], y[lo*n:hi*n]) })
}

// gatedRows sets gate = act(gate) · up, the gated feed-forward activation
// (SwiGLU, or GeGLU with gelu), n-wide rows at a time.
func gatedRows(gate, up []float32, n int, gelu bool) {
	act := asm.SiLUMul
	if gelu {
		act = asm.GELUTanhMul
	}
	if len(gate) < parallelElems/4 { // a few ns per element: worth sharing sooner
		act(gate, gate, up)
		return
	}
	asm.Parallel(len(gate)/n, func(lo, hi int) { act(gate[lo*n:hi*n], gate[lo*n:hi*n], up[lo*n:hi*n]) })
}

// addBias adds b to each len(b)-wide row of x (no-op when b is nil).
func addBias(x, b []float32) {
	if b == nil {
		return
	}
	for i := 0; i < len(x); i += len(b) {
		asm.Add(x[i:i+len(b)], b)
	}
}
