package loader

import (
	"fmt"
	"math"

	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/quant"
)

// ggufConfig reads the {arch}.* hyperparameters of a GGUF model. m supplies
// tensors for what the metadata may leave out (vocabulary size, rope_freqs).
func ggufConfig(f *gguf.File, m *Model) (*Config, error) {
	archName, ok := f.String("general.architecture")
	if !ok {
		return nil, fmt.Errorf("metadata general.architecture missing")
	}
	arch := Arch(archName)
	switch arch {
	case Llama, Mistral, Qwen2, Qwen3, Gemma2, Gemma3, Phi3:
	default:
		return nil, fmt.Errorf("general.architecture %q is not supported", archName)
	}
	var missing error
	// num reads an integer key, recording the first one that is missing or
	// not an integer (per-layer arrays are not supported).
	num := func(key string, required bool) int {
		v, ok := f.Uint(archName + "." + key)
		if !ok || v > 1<<31 {
			if required && missing == nil {
				missing = fmt.Errorf("metadata %s.%s missing or not a small integer", archName, key)
			}
			return 0
		}
		return int(v)
	}
	flt := func(key string) float64 {
		v, _ := f.Float(archName + "." + key)
		return v
	}
	c := &Config{
		Arch:          arch,
		Dim:           num("embedding_length", true),
		FFNDim:        num("feed_forward_length", true),
		Layers:        num("block_count", true),
		Heads:         num("attention.head_count", true),
		KVHeads:       num("attention.head_count_kv", false),
		HeadDim:       num("attention.key_length", false),
		ContextLen:    num("context_length", false),
		NormEps:       float32(flt("attention.layer_norm_rms_epsilon")),
		VocabSize:     num("vocab_size", false),
		SlidingWindow: num("attention.sliding_window", false),
		AttnSoftcap:   float32(flt("attn_logit_softcapping")),
		FinalSoftcap:  float32(flt("final_logit_softcapping")),
		BOS:           -1,
		// llama.cpp's NORM rope type: the converter permuted Q/K rows of these
		// so RoPE rotates adjacent pairs. The others are NEOX (half split).
		RopeAdjacent: arch == Llama || arch == Mistral,
	}
	if missing != nil {
		return nil, missing
	}
	if v, ok := f.Uint("tokenizer.ggml.bos_token_id"); ok && v < math.MaxInt32 {
		c.BOS = int(v)
	}
	if v, ok := f.Uint("tokenizer.ggml.eos_token_id"); ok && v < math.MaxInt32 {
		c.EOS = []int{int(v)}
	}
	if c.VocabSize == 0 {
		if toks, ok := f.Strings("tokenizer.ggml.tokens"); ok {
			c.VocabSize = len(toks)
		} else if t, ok := m.Tensors["token_embd.weight"]; ok && len(t.Shape) == 2 {
			c.VocabSize = t.Shape[0]
		}
	}
	if c.HeadDim == 0 && c.Heads > 0 {
		c.HeadDim = c.Dim / c.Heads
	}
	c.Rope = Rope{Theta: flt("rope.freq_base"), Dim: num("rope.dimension_count", false)}
	switch typ, _ := f.String(archName + ".rope.scaling.type"); typ {
	case "", "none":
	case "linear", "yarn":
		c.Rope.Scaling = typ
		c.Rope.Factor = flt("rope.scaling.factor")
		c.Rope.OrigContext = num("rope.scaling.original_context_length", false)
		c.Rope.BetaFast, c.Rope.BetaSlow = 32, 1
		if v := flt("rope.scaling.yarn_beta_fast"); v > 0 {
			c.Rope.BetaFast = v
		}
		if v := flt("rope.scaling.yarn_beta_slow"); v > 0 {
			c.Rope.BetaSlow = v
		}
		c.Rope.AttnFactor = flt("rope.scaling.attn_factor")
	default:
		return nil, fmt.Errorf("metadata %s.rope.scaling.type %q is not supported", archName, typ)
	}
	if c.Rope.Theta == 0 {
		c.Rope.Theta = 10000
	}
	if c.Rope.Dim == 0 {
		c.Rope.Dim = c.HeadDim
	}

	switch arch {
	case Gemma2, Gemma3:
		// The converter stored Gemma's norm weights as 1+w already.
		c.EmbedScale = float32(math.Sqrt(float64(c.Dim)))
		if s := flt("attention.query_pre_attn_scalar"); s > 0 {
			c.AttnScale = float32(1 / math.Sqrt(s))
		}
		c.Act = GELUTanh
	}
	if c.SlidingWindow > 0 {
		c.LayerSliding = make([]bool, c.Layers)
		pattern := num("attention.sliding_window_pattern", false)
		for l := range c.LayerSliding {
			switch arch {
			case Gemma2:
				c.LayerSliding[l] = l%2 == 0
			case Gemma3:
				if pattern == 0 {
					pattern = 6
				}
				c.LayerSliding[l] = (l+1)%pattern != 0
			default:
				c.LayerSliding[l] = true
			}
		}
	}
	if arch == Gemma3 {
		// llama.cpp keeps the local base fixed at 10000 for Gemma 3's sliding layers.
		c.RopeLocal = c.Rope
		c.RopeLocal.Scaling = ""
		c.RopeLocal.Theta = 10000
		if v := flt("rope.freq_base_swa"); v > 0 {
			c.RopeLocal.Theta = v
		}
	}

	// Llama 3.x frequency scaling travels as a tensor of per-frequency divisors.
	if t, ok := m.Tensors["rope_freqs.weight"]; ok {
		if t.Type != quant.F32 || t.Elems() != c.Rope.Dim/2 || len(t.Data) != 4*t.Elems() {
			return nil, fmt.Errorf("tensor \"rope_freqs.weight\": %s %v, want F32 [%d]", t.Type, t.Shape, c.Rope.Dim/2)
		}
		c.Rope.FreqFactors = f32s(t.Data)
	}
	c.TiedEmbeddings = !m.Has("output.weight")
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// f32s decodes little-endian float32s.
func f32s(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	for i := range out {
		out[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
	}
	return out
}
