// Package asm holds the numeric kernels the runtime's forward pass is built
// from: matrix multiplication against weights of any supported type, dot
// products, RMSNorm, softmax, the gated activations, rotary embedding and a
// fused attention over the KV cache.
//
// Every kernel is exported here as a plain function that runs the active
// flavour (dispatch.go): AVX2, AVX-512/VNNI or NEON assembly, chosen once at
// start-up, or the pure-Go twins (the generic flavour, and the whole package
// under the noasm build tag) that every assembly version is tested against.
// Matrix products go through MatMul (matmul.go), which cuts them into
// register-tiled blocks (gemm*.go).
//
// Kernels trust their callers about lengths: the runtime checks shapes once,
// when a model is loaded (CheckMatrix), and a length mismatch afterwards is a
// programming error that panics like an out-of-range slice index.
package asm

import "github.com/narallm/nara/quant"

// Dot returns Σ x[i]·y[i] over the first len(x) elements.
func Dot(x, y []float32) float32 { return active.Dot(x, y[:len(x)]) }

// MatMul multiplies n activation vectors by a weight matrix:
// dst[i·rows + r] = Σ_c w[r, c] · x[i·cols + c] for i < n, r < rows.
// w holds rows×cols elements of type wt, row-major (a [rows, cols] matrix as
// GGUF and safetensors store an out×in projection). dst has n·rows elements,
// x has n·cols. Validate w once with CheckMatrix.
func MatMul(dst, x []float32, w []byte, wt quant.Type, rows, cols, n int) {
	ps := [1]Product{{Dst: dst[:n*rows], W: w, Type: wt, Rows: rows}}
	matMuls(x[:n*cols], cols, n, ps[:])
}

// MatMulPacked is MatMul for a matrix that Pack wrote.
func MatMulPacked(dst, x []float32, w []byte, wt quant.Type, rows, cols, n int) {
	ps := [1]Product{{Dst: dst[:n*rows], W: w, Type: wt, Rows: rows, Packed: true}}
	matMuls(x[:n*cols], cols, n, ps[:])
}

// MatMuls computes up to three products of the same n activation vectors
// x (cols elements each) — Q, K and V, or gate and up — as MatMul and
// MatMulPacked would one by one, but sharing one quantization of x and one
// parallel loop.
func MatMuls(x []float32, cols, n int, ps ...Product) {
	matMuls(x[:n*cols], cols, n, ps)
}

// ToF32 decodes len(dst) elements of type t from src (one matrix row, say an
// embedding) into dst.
func ToF32(dst []float32, src []byte, t quant.Type) { toF32Generic(dst, src, t) }

// RMSNorm sets dst = x / sqrt(mean(x²) + eps) · w, elementwise over len(x).
// dst may be x.
func RMSNorm(dst, x, w []float32, eps float32) { active.RMSNorm(dst[:len(x)], x, w[:len(x)], eps) }

// Softmax replaces x by exp(x) / Σ exp(x), computed stably.
func Softmax(x []float32) { softmaxGeneric(x) }

// SiLUMul sets dst = silu(gate) · up, the SwiGLU feed-forward gate.
// dst may alias gate or up.
func SiLUMul(dst, gate, up []float32) { active.SiLUMul(dst, gate[:len(dst)], up[:len(dst)]) }

// GELUTanhMul sets dst = gelu_tanh(gate) · up, the GeGLU feed-forward gate
// with the tanh approximation of GELU. dst may alias gate or up.
func GELUTanhMul(dst, gate, up []float32) { geluTanhMulGeneric(dst, gate[:len(dst)], up[:len(dst)]) }

// Add sets dst += x (the residual connection).
func Add(dst, x []float32) { active.Add(dst, x[:len(dst)]) }

// Scale sets x *= s.
func Scale(x []float32, s float32) { scaleGeneric(x, s) }

// Softcap sets x = c · tanh(x / c), which bounds x to (-c, c) smoothly.
func Softcap(x []float32, c float32) { softcapGeneric(x, c) }

// Rope rotates one head vector x by the angles whose cosines and sines are
// given (one per rotated pair, len(cos) pairs, 2·len(cos) ≤ len(x)). With
// adjacent, pair i is (x[2i], x[2i+1]); otherwise it is (x[i], x[i+len(cos)])
// — the "rotate half" layout of Hugging Face weights. Elements past the
// rotated ones (partial rotary) are left alone.
func Rope(x, cos, sin []float32, adjacent bool) {
	ropeGeneric(x[:2*len(cos)], cos, sin[:len(cos)], adjacent)
}

// Attn is the shape of one attention layer for Attention.
type Attn struct {
	Heads   int     // query heads
	KVHeads int     // key/value heads; query head h reads KV head h/(Heads/KVHeads)
	HeadDim int     // elements per head
	Scale   float32 // multiplier of q·k
	Softcap float32 // scores become c·tanh(s/c) when c > 0 (Gemma 2)
	Window  int     // when > 0, a query at p sees keys at p-Window+1 … p only
}

// Attention computes causal multi-head attention for n queries at positions
// pos0 … pos0+n-1 against a KV cache, in one pass over the cache per head and
// without materializing a score matrix (online softmax).
//
// q and out are [n, Heads·HeadDim]; keys and values are [≥pos0+n,
// KVHeads·HeadDim], one row per position, already holding the n new rows.
func Attention(out, q []float32, n int, keys, values []float32, pos0 int, a Attn) {
	attentionGeneric(out, q, n, keys, values, pos0, a)
}

// AttentionF16 is Attention over a KV cache stored in IEEE half precision,
// computed as llama.cpp's CPU backend does with its default F16 cache: the
// query and the softmax weights rounded to half precision, the weights
// normalized before they multiply the values (so the scores of a row are
// kept, one float per visible position and head, instead of an online
// softmax). Each key and value row is still read once per GQA group.
func AttentionF16(out, q []float32, n int, keys, values []uint16, pos0 int, a Attn) {
	attentionGeneric(out, q, n, keys, values, pos0, a)
}
