package loader

import (
	"encoding/json"
	"fmt"
	"math"
)

// hfArch maps HF model_type to the architecture nara runs.
var hfArch = map[string]Arch{
	"llama":       Llama,
	"mistral":     Mistral,
	"qwen2":       Qwen2,
	"qwen3":       Qwen3,
	"gemma2":      Gemma2,
	"gemma3":      Gemma3,
	"gemma3_text": Gemma3,
	"phi3":        Phi3,
}

// jsonObj reads typed fields out of a decoded JSON object, remembering the
// first field that had the wrong type so callers can check once at the end.
type jsonObj struct {
	m   map[string]any
	err error
}

func (o *jsonObj) fail(key, want string, v any) {
	if o.err == nil {
		o.err = fmt.Errorf("field %q: want %s, got %v", key, want, v)
	}
}

func (o *jsonObj) has(key string) bool { v, ok := o.m[key]; return ok && v != nil }

func (o *jsonObj) float(key string, def float64) float64 {
	v, ok := o.m[key]
	if !ok || v == nil {
		return def
	}
	f, ok := v.(float64)
	if !ok {
		o.fail(key, "a number", v)
		return def
	}
	return f
}

func (o *jsonObj) int(key string, def int) int {
	f := o.float(key, float64(def))
	if f != math.Trunc(f) || math.Abs(f) > 1<<40 {
		o.fail(key, "an integer", f)
		return def
	}
	return int(f)
}

func (o *jsonObj) str(key string) string {
	v, ok := o.m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		o.fail(key, "a string", v)
	}
	return s
}

func (o *jsonObj) bool(key string, def bool) bool {
	v, ok := o.m[key]
	if !ok || v == nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		o.fail(key, "a boolean", v)
		return def
	}
	return b
}

func (o *jsonObj) obj(key string) *jsonObj {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		o.fail(key, "an object", v)
		return nil
	}
	return &jsonObj{m: m}
}

// ints reads an integer or a list of integers (eos_token_id may be either).
func (o *jsonObj) ints(key string) []int {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil
	}
	list, isList := v.([]any)
	if !isList {
		list = []any{v}
	}
	var out []int
	for _, e := range list {
		f, ok := e.(float64)
		if !ok || f != math.Trunc(f) {
			o.fail(key, "integers", v)
			return nil
		}
		out = append(out, int(f))
	}
	return out
}

func (o *jsonObj) strings(key string) []string {
	v, ok := o.m[key]
	if !ok || v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		o.fail(key, "a list of strings", v)
		return nil
	}
	out := make([]string, len(list))
	for i, e := range list {
		if out[i], ok = e.(string); !ok {
			o.fail(key, "a list of strings", v)
			return nil
		}
	}
	return out
}

// ParseHFConfig reads a transformers config.json. It accepts the layouts real
// checkpoints carry: rope_theta at top level or under rope_parameters
// (transformers 5), rope_parameters keyed by layer type (Gemma 3), the older
// rope_scaling object, and a multimodal wrapper's text_config.
func ParseHFConfig(data []byte) (*Config, error) {
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	o := &jsonObj{m: m}
	if tc := o.obj("text_config"); tc != nil {
		// Multimodal checkpoints (Gemma 3 4B+) nest the language model's config.
		if tc.str("model_type") == "" {
			tc.m["model_type"] = o.str("model_type")
		}
		o = tc
	}
	mt := o.str("model_type")
	arch, ok := hfArch[mt]
	if !ok {
		if o.err != nil {
			return nil, o.err
		}
		return nil, fmt.Errorf("field \"model_type\": architecture %q is not supported", mt)
	}
	c := &Config{
		Arch:       arch,
		VocabSize:  o.int("vocab_size", 0),
		Dim:        o.int("hidden_size", 0),
		FFNDim:     o.int("intermediate_size", 0),
		Layers:     o.int("num_hidden_layers", 0),
		Heads:      o.int("num_attention_heads", 0),
		KVHeads:    o.int("num_key_value_heads", 0),
		HeadDim:    o.int("head_dim", 0),
		ContextLen: o.int("max_position_embeddings", 0),
		NormEps:    float32(o.float("rms_norm_eps", 1e-6)),
		BOS:        -1,
		EOS:        o.ints("eos_token_id"),
	}
	if b := o.ints("bos_token_id"); len(b) > 0 {
		c.BOS = b[0]
	}
	act := o.str("hidden_activation")
	if act == "" {
		act = o.str("hidden_act")
	}
	if act == "" && (arch == Gemma2 || arch == Gemma3) {
		act = "gelu_pytorch_tanh"
	}
	switch act {
	case "", "silu", "swish":
		c.Act = SiLU
	case "gelu_pytorch_tanh", "gelu_tanh", "gelu":
		// Gemma checkpoints say "gelu" but were trained with the tanh form,
		// which is what transformers runs for them.
		c.Act = GELUTanh
	default:
		return nil, fmt.Errorf("field \"hidden_act\": activation %q is not supported", act)
	}

	// Tied embeddings: HF's default differs by architecture.
	c.TiedEmbeddings = o.bool("tie_word_embeddings", arch == Gemma2 || arch == Gemma3)

	// RoPE. Start from top-level fields (older configs), then let
	// rope_parameters / rope_scaling override.
	partial := o.float("partial_rotary_factor", 1)
	c.Rope = Rope{Theta: o.float("rope_theta", 10000)}
	if rs := o.obj("rope_scaling"); rs != nil {
		readRope(rs, &c.Rope)
	}
	if rp := o.obj("rope_parameters"); rp != nil {
		full, local := rp.obj("full_attention"), rp.obj("sliding_attention")
		if full != nil || local != nil {
			if full != nil {
				readRope(full, &c.Rope)
				partial = full.float("partial_rotary_factor", partial)
			}
			c.RopeLocal = c.Rope
			if local != nil {
				c.RopeLocal.Scaling = "" // local layers do not inherit the global scaling
				readRope(local, &c.RopeLocal)
			}
			if err := firstErr(full, local); err != nil {
				return nil, fmt.Errorf("rope_parameters: %w", err)
			}
		} else {
			readRope(rp, &c.Rope)
			partial = rp.float("partial_rotary_factor", partial)
			if rp.err != nil {
				return nil, fmt.Errorf("rope_parameters: %w", rp.err)
			}
		}
	}
	if base := o.float("rope_local_base_freq", 0); base > 0 { // Gemma 3, transformers 4
		c.RopeLocal = c.Rope
		c.RopeLocal.Scaling = ""
		c.RopeLocal.Theta = base
	}

	// Sliding window.
	window := o.int("sliding_window", 0)
	if o.has("use_sliding_window") && !o.bool("use_sliding_window", false) {
		window = 0 // Qwen2 carries a window it does not use
	}
	c.SlidingWindow = window
	if window > 0 {
		if types := o.strings("layer_types"); types != nil {
			c.LayerSliding = make([]bool, len(types))
			for i, t := range types {
				c.LayerSliding[i] = t == "sliding_attention"
			}
		} else {
			c.LayerSliding = make([]bool, max(c.Layers, 0))
			for l := range c.LayerSliding {
				switch arch {
				case Gemma2:
					c.LayerSliding[l] = l%2 == 0
				case Gemma3:
					pattern := o.int("sliding_window_pattern", o.int("_sliding_window_pattern", 6))
					c.LayerSliding[l] = pattern <= 0 || (l+1)%pattern != 0
				default: // Mistral v0.1: every layer
					c.LayerSliding[l] = true
				}
			}
		}
	}

	c.AttnSoftcap = float32(o.float("attn_logit_softcapping", 0))
	c.FinalSoftcap = float32(o.float("final_logit_softcapping", 0))
	if arch == Gemma2 || arch == Gemma3 {
		c.NormOffset = 1
		c.EmbedScale = float32(math.Sqrt(float64(c.Dim)))
		if s := o.float("query_pre_attn_scalar", 0); s > 0 {
			c.AttnScale = float32(1 / math.Sqrt(s))
		}
	}
	if o.err != nil {
		return nil, o.err
	}
	if c.HeadDim == 0 && c.Heads > 0 {
		c.HeadDim = c.Dim / c.Heads
	}
	if !(partial > 0 && partial <= 1) {
		return nil, fmt.Errorf("field \"partial_rotary_factor\": %v out of range", partial)
	}
	c.Rope.Dim = int(float64(c.HeadDim) * partial)
	c.RopeLocal.Dim = c.Rope.Dim
	if err := c.finish(); err != nil {
		return nil, err
	}
	return c, nil
}

// readRope overlays one rope_parameters / rope_scaling object onto r.
func readRope(o *jsonObj, r *Rope) {
	r.Theta = o.float("rope_theta", r.Theta)
	typ := o.str("rope_type")
	if typ == "" {
		typ = o.str("type") // transformers 4 rope_scaling
	}
	switch typ {
	case "", "default":
		return
	case "su", "longrope":
		typ = "longrope" // finish() rejects it by name: not supported yet
	}
	r.Scaling = typ
	r.Factor = o.float("factor", 0)
	r.LowFreqFactor = o.float("low_freq_factor", 1)
	r.HighFreqFactor = o.float("high_freq_factor", 4)
	r.OrigContext = o.int("original_max_position_embeddings", 0)
	r.BetaFast = o.float("beta_fast", 32)
	r.BetaSlow = o.float("beta_slow", 1)
	r.AttnFactor = o.float("attention_factor", 0)
}

func firstErr(objs ...*jsonObj) error {
	for _, o := range objs {
		if o != nil && o.err != nil {
			return o.err
		}
	}
	return nil
}
