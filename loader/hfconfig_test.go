package loader

import (
	"math"
	"strings"
	"testing"
)

const llamaBase = `"model_type": "llama", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 128,
	"num_hidden_layers": 2, "num_attention_heads": 4, "rms_norm_eps": 1e-5`

func TestParseHFConfig(t *testing.T) {
	cases := []struct {
		name, json string
		check      func(*Config) bool
	}{
		{"top-level rope_theta and derived head dim", `{` + llamaBase + `, "rope_theta": 500000}`,
			func(c *Config) bool {
				return c.Rope.Theta == 500000 && c.HeadDim == 16 && c.KVHeads == 4 && c.Rope.Dim == 16 && c.BOS == -1
			}},
		{"transformers 5 rope_parameters with llama3 scaling", `{` + llamaBase + `, "rope_parameters": {"rope_theta": 500000, "rope_type": "llama3",
			"factor": 32, "low_freq_factor": 1, "high_freq_factor": 4, "original_max_position_embeddings": 8192}}`,
			func(c *Config) bool {
				r := c.Rope
				return r.Theta == 500000 && r.Scaling == "llama3" && r.Factor == 32 && r.OrigContext == 8192 && r.HighFreqFactor == 4
			}},
		{"transformers 4 rope_scaling", `{` + llamaBase + `, "rope_theta": 1e4, "rope_scaling": {"type": "linear", "factor": 2}}`,
			func(c *Config) bool { return c.Rope.Scaling == "linear" && c.Rope.Factor == 2 && c.Rope.Theta == 1e4 }},
		{"gemma3 per layer type", `{"model_type": "gemma3_text", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8,
			"num_hidden_layers": 3, "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 16, "query_pre_attn_scalar": 256,
			"sliding_window": 16, "layer_types": ["sliding_attention", "sliding_attention", "full_attention"],
			"rope_parameters": {"full_attention": {"rope_theta": 1e6, "rope_type": "linear", "factor": 8},
			                    "sliding_attention": {"rope_theta": 1e4, "rope_type": "default"}}}`,
			func(c *Config) bool {
				return c.Rope.Theta == 1e6 && c.Rope.Scaling == "linear" && c.RopeLocal.Theta == 1e4 && c.RopeLocal.Scaling == "" &&
					c.Sliding(0) && c.Sliding(1) && !c.Sliding(2) && c.RopeFor(0).Theta == 1e4 && c.RopeFor(2).Theta == 1e6 &&
					c.NormOffset == 1 && c.EmbedScale == 8 && c.AttnScale == 1.0/16 && c.Act == GELUTanh && c.TiedEmbeddings
			}},
		{"multimodal text_config", `{"model_type": "gemma3", "text_config": {"vocab_size": 10, "hidden_size": 64,
			"intermediate_size": 8, "num_hidden_layers": 2, "num_attention_heads": 4, "rope_local_base_freq": 10000, "rope_theta": 1e6}}`,
			func(c *Config) bool { return c.Arch == Gemma3 && c.Rope.Theta == 1e6 && c.RopeLocal.Theta == 1e4 }},
		{"eos list and bos", `{` + llamaBase + `, "bos_token_id": 128000, "eos_token_id": [128001, 128009]}`,
			func(c *Config) bool { return c.BOS == 128000 && len(c.EOS) == 2 && c.EOS[1] == 128009 }},
		{"qwen2 unused window", `{"model_type": "qwen2", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8,
			"num_hidden_layers": 2, "num_attention_heads": 4, "sliding_window": 4096, "use_sliding_window": false}`,
			func(c *Config) bool { return c.SlidingWindow == 0 && !c.Sliding(0) }},
		{"mistral window on every layer", `{"model_type": "mistral", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8,
			"num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "sliding_window": 4096}`,
			func(c *Config) bool { return c.SlidingWindow == 4096 && c.Sliding(0) && c.Sliding(1) }},
		{"phi3 partial rotary", `{"model_type": "phi3", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8,
			"num_hidden_layers": 2, "num_attention_heads": 4, "partial_rotary_factor": 0.5}`,
			func(c *Config) bool { return c.Rope.Dim == 8 && c.HeadDim == 16 }},
	}
	for _, tc := range cases {
		c, err := ParseHFConfig([]byte(tc.json))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if !tc.check(c) {
			t.Errorf("%s: unexpected config %+v", tc.name, *c)
		}
	}
	if math.Abs(float64(mustParse(t, `{`+llamaBase+`}`).NormEps)-1e-5) > 1e-12 {
		t.Error("rms_norm_eps not read")
	}
}

func mustParse(t *testing.T, s string) *Config {
	c, err := ParseHFConfig([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestParseHFConfigErrors(t *testing.T) {
	cases := []struct{ json, want string }{
		{`[1]`, "not a JSON object"},
		{`{"model_type": "bert"}`, `"bert" is not supported`},
		{`{` + llamaBase + `, "hidden_size": "big"}`, `"hidden_size"`},
		{`{` + llamaBase + `, "num_hidden_layers": 2.5}`, `"num_hidden_layers"`},
		{`{` + llamaBase + `, "num_attention_heads": 0}`, "head count"},
		{`{` + llamaBase + `, "num_key_value_heads": 3}`, "multiple"},
		{`{` + llamaBase + `, "hidden_size": 1e30}`, "hidden_size"},
		{`{` + llamaBase + `, "rope_scaling": {"rope_type": "longrope", "factor": 4}}`, "longrope"},
		{`{` + llamaBase + `, "rope_scaling": {"rope_type": "linear"}}`, "factor"},
		{`{` + llamaBase + `, "hidden_act": "relu"}`, "relu"},
		{`{` + llamaBase + `, "eos_token_id": "x"}`, "eos_token_id"},
		{`{` + llamaBase + `, "partial_rotary_factor": 3}`, "partial_rotary_factor"},
		{`{` + llamaBase + `, "sliding_window": 8, "layer_types": ["full_attention"]}`, "layer types"},
	}
	for _, tc := range cases {
		_, err := ParseHFConfig([]byte(tc.json))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.json, err, tc.want)
		}
	}
}

func TestGGUFName(t *testing.T) {
	cases := []struct {
		arch     Arch
		hf, want string
		ok       bool
	}{
		{Llama, "model.embed_tokens.weight", "token_embd.weight", true},
		{Llama, "model.layers.12.self_attn.q_proj.weight", "blk.12.attn_q.weight", true},
		{Llama, "model.layers.0.post_attention_layernorm.weight", "blk.0.ffn_norm.weight", true},
		{Gemma2, "model.layers.0.post_attention_layernorm.weight", "blk.0.post_attention_norm.weight", true},
		{Gemma2, "model.layers.1.pre_feedforward_layernorm.weight", "blk.1.ffn_norm.weight", true},
		{Phi3, "model.layers.3.mlp.gate_up_proj.weight", "blk.3.ffn_up.weight", true},
		{Llama, "model.layers.01.mlp.up_proj.weight", "model.layers.01.mlp.up_proj.weight", false},
		{Llama, "model.rotary_emb.inv_freq", "model.rotary_emb.inv_freq", false},
	}
	for _, c := range cases {
		got, ok := GGUFName(c.arch, c.hf)
		if got != c.want || ok != c.ok {
			t.Errorf("GGUFName(%s, %q) = %q, %v; want %q, %v", c.arch, c.hf, got, ok, c.want, c.ok)
		}
	}
}
