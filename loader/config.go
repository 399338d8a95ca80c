// Package loader opens a model — a GGUF file or a Hugging Face safetensors
// directory — and describes it in one form: a Config of hyperparameters and a
// set of tensors under GGUF names, each a view into the memory-mapped file.
//
// The two formats disagree on names, on the order of dimensions, on how Gemma
// stores its norm weights and on how Q/K rows are laid out for RoPE; this
// package is where those differences are settled, so that the runtime sees one
// model whatever the file was.
package loader

import (
	"fmt"
	"math"
)

// Arch is a model architecture, named as GGUF's general.architecture names it.
type Arch string

const (
	Llama   Arch = "llama" // Llama 1–3.x; Mistral GGUFs also say "llama"
	Mistral Arch = "mistral"
	Qwen2   Arch = "qwen2"
	Qwen3   Arch = "qwen3"
	Gemma2  Arch = "gemma2"
	Gemma3  Arch = "gemma3"
	Phi3    Arch = "phi3"
)

// Activation is the gate nonlinearity of the feed-forward block.
type Activation string

const (
	SiLU     Activation = "silu"              // SwiGLU: silu(gate) * up
	GELUTanh Activation = "gelu_pytorch_tanh" // GeGLU with the tanh approximation
)

// Rope describes rotary position embedding for one kind of layer.
type Rope struct {
	Theta float64 `json:"theta,omitempty"` // base of the frequencies
	Dim   int     `json:"dim,omitempty"`   // dimensions rotated per head (≤ HeadDim; Phi-3 may rotate part)

	// Frequency scaling, as in HF rope_scaling / rope_parameters.
	Scaling        string  `json:"scaling,omitempty"`          // "" (none), "linear", "llama3" or "yarn"
	Factor         float64 `json:"factor,omitempty"`           // linear, llama3, yarn
	LowFreqFactor  float64 `json:"low_freq_factor,omitempty"`  // llama3
	HighFreqFactor float64 `json:"high_freq_factor,omitempty"` // llama3
	OrigContext    int     `json:"orig_context,omitempty"`     // llama3, yarn: original_max_position_embeddings
	BetaFast       float64 `json:"beta_fast,omitempty"`        // yarn
	BetaSlow       float64 `json:"beta_slow,omitempty"`        // yarn
	AttnFactor     float64 `json:"attn_factor,omitempty"`      // yarn: scales the rotated q and k (mscale); 0 = derive from Factor

	// FreqFactors, when set, divide the inverse frequencies one by one
	// (GGUF's rope_freqs tensor, which carries Llama 3.x scaling).
	FreqFactors []float32 `json:"freq_factors,omitempty"`
}

// Config is a model's hyperparameters, whichever format they came from.
type Config struct {
	Arch       Arch       `json:"arch,omitempty"`
	VocabSize  int        `json:"vocab_size,omitempty"`
	Dim        int        `json:"dim,omitempty"`     // width of the residual stream (hidden_size)
	FFNDim     int        `json:"ffn_dim,omitempty"` // inner width of the feed-forward block
	Layers     int        `json:"layers,omitempty"`
	Heads      int        `json:"heads,omitempty"`    // query heads
	KVHeads    int        `json:"kv_heads,omitempty"` // key/value heads (GQA when < Heads, MQA when 1)
	HeadDim    int        `json:"head_dim,omitempty"`
	ContextLen int        `json:"context_len,omitempty"`
	NormEps    float32    `json:"norm_eps,omitempty"`
	Act        Activation `json:"act,omitempty"`

	// NormOffset is added to every RMSNorm weight before use: 1 for Gemma
	// weights as HF stores them (the model computes x·(1+w)), 0 otherwise.
	// GGUF Gemma files already store 1+w.
	NormOffset float32 `json:"norm_offset,omitempty"`

	Rope      Rope `json:"rope,omitempty"`       // full-attention layers
	RopeLocal Rope `json:"rope_local,omitempty"` // sliding-window layers (Gemma 3 uses another base); same as Rope otherwise
	// RopeAdjacent: RoPE rotates adjacent pairs (2i, 2i+1). GGUF llama files
	// carry Q/K rows permuted for this; HF weights rotate (i, i+Dim/2).
	RopeAdjacent bool `json:"rope_adjacent,omitempty"`

	SlidingWindow int    `json:"sliding_window,omitempty"` // tokens a sliding layer attends to (0: none)
	LayerSliding  []bool `json:"layer_sliding,omitempty"`  // per layer: does it use the sliding window?

	AttnSoftcap  float32 `json:"attn_softcap,omitempty"`  // tanh soft-cap of attention scores (0: none)
	FinalSoftcap float32 `json:"final_softcap,omitempty"` // tanh soft-cap of the output logits (0: none)
	AttnScale    float32 `json:"attn_scale,omitempty"`    // multiplier of q·k, 1/sqrt(query_pre_attn_scalar or HeadDim)
	EmbedScale   float32 `json:"embed_scale,omitempty"`   // multiplier of token embeddings (Gemma: sqrt(Dim)), else 1

	TiedEmbeddings bool  `json:"tied_embeddings,omitempty"` // the output projection is token_embd
	BOS            int   `json:"bos"`                       // -1 when unknown
	EOS            []int `json:"eos,omitempty"`
}

// Sliding reports whether layer l uses the sliding window.
func (c *Config) Sliding(l int) bool {
	return c.SlidingWindow > 0 && l < len(c.LayerSliding) && c.LayerSliding[l]
}

// RopeFor returns the rotary parameters of layer l.
func (c *Config) RopeFor(l int) Rope {
	if c.Sliding(l) {
		return c.RopeLocal
	}
	return c.Rope
}

// finish derives what both formats leave implicit and checks that the numbers
// describe a model that can be built.
func (c *Config) finish() error {
	if c.KVHeads == 0 {
		c.KVHeads = c.Heads
	}
	if c.HeadDim == 0 && c.Heads > 0 {
		c.HeadDim = c.Dim / c.Heads
	}
	if c.Rope.Dim == 0 {
		c.Rope.Dim = c.HeadDim
	}
	if c.Rope.Theta == 0 {
		c.Rope.Theta = 10000
	}
	if c.RopeLocal.Theta == 0 {
		c.RopeLocal = c.Rope
	}
	if c.RopeLocal.Dim == 0 {
		c.RopeLocal.Dim = c.Rope.Dim
	}
	if c.AttnScale == 0 && c.HeadDim > 0 {
		c.AttnScale = float32(1 / math.Sqrt(float64(c.HeadDim)))
	}
	if c.EmbedScale == 0 {
		c.EmbedScale = 1
	}
	if c.Act == "" {
		c.Act = SiLU
	}
	checks := []struct {
		name string
		v    int
	}{
		{"vocab size", c.VocabSize}, {"hidden size", c.Dim}, {"feed-forward size", c.FFNDim},
		{"layer count", c.Layers}, {"head count", c.Heads}, {"kv head count", c.KVHeads},
		{"head dim", c.HeadDim},
	}
	for _, ch := range checks {
		// 1<<24 is far above any real model and keeps products of two of these in range.
		if ch.v <= 0 || ch.v > 1<<24 {
			return fmt.Errorf("%s %d out of range", ch.name, ch.v)
		}
	}
	if c.Layers > 4096 {
		return fmt.Errorf("layer count %d out of range", c.Layers)
	}
	if c.Heads%c.KVHeads != 0 {
		return fmt.Errorf("head count %d is not a multiple of kv head count %d", c.Heads, c.KVHeads)
	}
	for _, r := range []Rope{c.Rope, c.RopeLocal} {
		if r.Dim <= 0 || r.Dim > c.HeadDim || r.Dim%2 != 0 {
			return fmt.Errorf("rope dimension %d invalid for head dim %d", r.Dim, c.HeadDim)
		}
		if !(r.Theta > 0) || math.IsInf(r.Theta, 0) {
			return fmt.Errorf("rope base %v invalid", r.Theta)
		}
		switch r.Scaling {
		case "", "linear", "llama3", "yarn":
		default:
			return fmt.Errorf("rope scaling %q is not supported", r.Scaling)
		}
		if r.Scaling != "" && !(r.Factor > 0) {
			return fmt.Errorf("rope scaling %q needs a positive factor, got %v", r.Scaling, r.Factor)
		}
	}
	if len(c.LayerSliding) == 0 {
		c.LayerSliding = make([]bool, c.Layers)
	}
	if len(c.LayerSliding) != c.Layers {
		return fmt.Errorf("%d layer types for %d layers", len(c.LayerSliding), c.Layers)
	}
	if !(c.NormEps > 0) {
		return fmt.Errorf("rms norm epsilon %v invalid", c.NormEps)
	}
	return nil
}
