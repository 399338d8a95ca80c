// Package runtime runs a transformer forward pass: token ids in, logits out,
// for the llama family of architectures (Llama 1–3.x, Mistral, Qwen 2 and 3,
// Gemma 2 and 3, Phi-3), from a model the loader opened in either format.
//
// Model holds the weights as views into the mapped file, checked against the
// config once at load; Forward walks a batch of tokens through every layer,
// one commented step at a time, and leaves the arithmetic to package asm.
//
// On top of it, for applications: LM (Load) bundles a model with its
// tokenizer and chat template; a Session holds one KV cache and generates
// (Generate streams tokens as an iter.Seq2, stops on context cancellation,
// stop strings, max tokens or end of generation); a Chat renders a
// conversation with the template and reruns only what is new; Embed pools
// the final hidden states.
package runtime

import (
	"fmt"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
)

// matrix is a weight matrix [rows, cols] (out × in): a view into the
// mapped file, or after pack (pack.go) the kernels' packed copy of it.
type matrix struct {
	data       []byte
	typ        quant.Type
	rows, cols int
	packed     bool // data is in asm's packed layout
}

// decodeRow writes row r as floats into dst (an embedding lookup).
func (w matrix) decodeRow(dst []float32, r int) {
	if w.packed {
		asm.PackedRowF32(dst, w.data, w.typ, w.cols, r)
		return
	}
	rb := len(w.data) / w.rows
	asm.ToF32(dst, w.data[r*rb:(r+1)*rb], w.typ)
}

// sub returns the sub-matrix of rows [lo, hi): how fused projections (Phi-3's
// qkv and gate_up) are split into their parts without copying.
func (w matrix) sub(lo, hi int) matrix {
	rb := len(w.data) / w.rows
	return matrix{data: w.data[lo*rb : hi*rb], typ: w.typ, rows: hi - lo, cols: w.cols}
}

// layer is one decoder block's weights. Optional parts are nil.
type layer struct {
	attnNorm   []float32 // RMSNorm before attention
	wq, wk, wv matrix    // projections to queries, keys and values
	bq, bk, bv []float32 // their biases (Qwen 2)
	qNorm      []float32 // per-head RMSNorm of q and k (Qwen 3, Gemma 3)
	kNorm      []float32
	wo         matrix    // attention output projection
	postAttn   []float32 // RMSNorm of the attention output (Gemma sandwich)
	ffnNorm    []float32 // RMSNorm before the feed-forward block
	wGate, wUp matrix    // feed-forward gate and up projections
	wDown      matrix    // feed-forward down projection
	postFFN    []float32 // RMSNorm of the feed-forward output (Gemma sandwich)
}

// Model is a loaded model ready to run.
type Model struct {
	Config *loader.Config

	embed   matrix    // token embeddings [vocab, dim]
	outNorm []float32 // final RMSNorm
	output  matrix    // classifier [vocab, dim]; the embeddings when tied
	layers  []layer

	ropeFull, ropeLocal *rope
	slidingLayers       bool // some layers use ropeLocal

	packedBytes int // weight bytes copied into the packed layout (pack.go)
}

// New builds a Model from an opened file, checking every tensor it needs
// against the config (the error names the tensor and both shapes). The
// loader.Model must stay open while the Model is used: weights are views
// into its mapping.
func New(lm *loader.Model) (*Model, error) {
	c := lm.Config
	switch c.Arch {
	case loader.Llama, loader.Mistral, loader.Qwen2, loader.Qwen3, loader.Gemma2, loader.Gemma3, loader.Phi3:
	default:
		return nil, fmt.Errorf("%s: architecture %q is not supported", lm.Path, c.Arch)
	}
	b := &builder{lm: lm, offset: c.NormOffset}
	m := &Model{Config: c}
	D, hd := c.Dim, c.HeadDim
	qDim, kvDim := c.Heads*hd, c.KVHeads*hd
	gemma := c.Arch == loader.Gemma2 || c.Arch == loader.Gemma3

	m.embed = b.matrix("token_embd.weight", c.VocabSize, D)
	m.outNorm = b.vector("output_norm.weight", D)
	if c.TiedEmbeddings {
		m.output = m.embed
	} else {
		m.output = b.matrix("output.weight", c.VocabSize, D)
	}
	m.layers = make([]layer, c.Layers)
	for l := range m.layers {
		L := &m.layers[l]
		name := func(s string) string { return fmt.Sprintf("blk.%d.%s", l, s) }

		L.attnNorm = b.vector(name("attn_norm.weight"), D)
		if lm.Has(name("attn_qkv.weight")) { // Phi-3: rows q | k | v
			qkv := b.matrix(name("attn_qkv.weight"), qDim+2*kvDim, D)
			if b.err == nil {
				L.wq, L.wk, L.wv = qkv.sub(0, qDim), qkv.sub(qDim, qDim+kvDim), qkv.sub(qDim+kvDim, qDim+2*kvDim)
			}
		} else {
			L.wq = b.matrix(name("attn_q.weight"), qDim, D)
			L.wk = b.matrix(name("attn_k.weight"), kvDim, D)
			L.wv = b.matrix(name("attn_v.weight"), kvDim, D)
		}
		L.bq = b.optionalBias(name("attn_q.bias"), qDim)
		L.bk = b.optionalBias(name("attn_k.bias"), kvDim)
		L.bv = b.optionalBias(name("attn_v.bias"), kvDim)
		if c.Arch == loader.Qwen3 || c.Arch == loader.Gemma3 {
			L.qNorm = b.vector(name("attn_q_norm.weight"), hd)
			L.kNorm = b.vector(name("attn_k_norm.weight"), hd)
		}
		L.wo = b.matrix(name("attn_output.weight"), D, qDim)
		if gemma {
			L.postAttn = b.vector(name("post_attention_norm.weight"), D)
			L.postFFN = b.vector(name("post_ffw_norm.weight"), D)
		}
		L.ffnNorm = b.vector(name("ffn_norm.weight"), D)
		if c.Arch == loader.Phi3 && !lm.Has(name("ffn_gate.weight")) { // Phi-3: rows gate | up
			gateUp := b.matrix(name("ffn_up.weight"), 2*c.FFNDim, D)
			if b.err == nil {
				L.wGate, L.wUp = gateUp.sub(0, c.FFNDim), gateUp.sub(c.FFNDim, 2*c.FFNDim)
			}
		} else {
			L.wGate = b.matrix(name("ffn_gate.weight"), c.FFNDim, D)
			L.wUp = b.matrix(name("ffn_up.weight"), c.FFNDim, D)
		}
		L.wDown = b.matrix(name("ffn_down.weight"), D, c.FFNDim)
	}
	if b.err != nil {
		return nil, b.err
	}
	if err := m.pack(lm); err != nil {
		return nil, err
	}
	// A bf16 checkpoint runs in PyTorch as a bf16 module, and casting a
	// module rounds its RoPE inverse-frequency buffer to bf16 too; a later
	// upcast cannot restore the bits. Use the frequencies such a model was
	// run (and its references computed) with: with exact ones the trained
	// bf16 fixture drifts to 3e-3 by position 256.
	bf16 := m.embed.typ == quant.BF16
	m.ropeFull = newRope(c.Rope, c.RopeAdjacent, c.ContextLen, bf16)
	m.ropeLocal = newRope(c.RopeLocal, c.RopeAdjacent, c.ContextLen, bf16)
	for l := range c.Layers {
		m.slidingLayers = m.slidingLayers || c.Sliding(l)
	}
	return m, nil
}

// builder fetches tensors, keeping the first error so New reads as a list.
type builder struct {
	lm     *loader.Model
	offset float32 // added to norm weights (Gemma's 1+w)
	err    error
}

func (b *builder) matrix(name string, rows, cols int) matrix {
	if b.err != nil {
		return matrix{}
	}
	t, err := b.lm.Weight(name, rows, cols)
	if err != nil {
		b.err = err
		return matrix{}
	}
	if err := asm.CheckMatrix(t.Data, t.Type, rows, cols); err != nil {
		b.err = fmt.Errorf("%s: tensor %q: %w", b.lm.Path, name, err)
		return matrix{}
	}
	return matrix{data: t.Data, typ: t.Type, rows: rows, cols: cols}
}

// vector loads a norm weight as float32, with the model's norm offset added.
func (b *builder) vector(name string, n int) []float32 {
	v := b.floats(name, n)
	if v != nil && b.offset != 0 {
		for i := range v {
			v[i] += b.offset
		}
	}
	return v
}

// optionalBias loads a bias when the file has one.
func (b *builder) optionalBias(name string, n int) []float32 {
	if b.err != nil || !b.lm.Has(name) {
		return nil
	}
	return b.floats(name, n)
}

func (b *builder) floats(name string, n int) []float32 {
	if b.err != nil {
		return nil
	}
	t, err := b.lm.Weight(name, n)
	if err != nil {
		b.err = err
		return nil
	}
	if err := asm.CheckMatrix(t.Data, t.Type, 1, n); err != nil {
		b.err = fmt.Errorf("%s: tensor %q: %w", b.lm.Path, name, err)
		return nil
	}
	v := make([]float32, n)
	asm.ToF32(v, t.Data, t.Type)
	return v
}

// Vocab returns the number of token ids the model accepts.
func (m *Model) Vocab() int { return m.Config.VocabSize }
