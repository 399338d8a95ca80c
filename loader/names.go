package loader

import (
	"strconv"
	"strings"
)

// GGUF names are nara's canonical tensor names: a Hugging Face checkpoint's
// names are mapped onto them when it is opened, so the runtime asks for
// "blk.3.attn_q.weight" whatever the file.

// hfTop maps whole-model HF names.
var hfTop = map[string]string{
	"model.embed_tokens.weight": "token_embd.weight",
	"model.norm.weight":         "output_norm.weight",
	"lm_head.weight":            "output.weight",
}

// hfLayer maps the part of a per-layer HF name after "model.layers.N.".
var hfLayer = map[string]string{
	"input_layernorm.weight":            "attn_norm.weight",
	"self_attn.q_proj.weight":           "attn_q.weight",
	"self_attn.q_proj.bias":             "attn_q.bias",
	"self_attn.k_proj.weight":           "attn_k.weight",
	"self_attn.k_proj.bias":             "attn_k.bias",
	"self_attn.v_proj.weight":           "attn_v.weight",
	"self_attn.v_proj.bias":             "attn_v.bias",
	"self_attn.o_proj.weight":           "attn_output.weight",
	"self_attn.qkv_proj.weight":         "attn_qkv.weight", // Phi-3: fused Q,K,V rows
	"self_attn.q_norm.weight":           "attn_q_norm.weight",
	"self_attn.k_norm.weight":           "attn_k_norm.weight",
	"post_attention_layernorm.weight":   "ffn_norm.weight", // Gemma: see gemmaLayer
	"pre_feedforward_layernorm.weight":  "ffn_norm.weight",
	"post_feedforward_layernorm.weight": "post_ffw_norm.weight",
	"mlp.gate_proj.weight":              "ffn_gate.weight",
	"mlp.up_proj.weight":                "ffn_up.weight",
	"mlp.down_proj.weight":              "ffn_down.weight",
	"mlp.gate_up_proj.weight":           "ffn_up.weight", // Phi-3: gate rows then up rows
}

// Gemma's "post_attention_layernorm" normalizes the attention output (a
// sandwich norm); in the other architectures that name is the pre-FFN norm.
var gemmaLayer = map[string]string{
	"post_attention_layernorm.weight": "post_attention_norm.weight",
}

// GGUFName returns the canonical name of an HF tensor name, and false for a
// name nara has no use for (it is kept under its own name).
func GGUFName(arch Arch, hf string) (string, bool) {
	if n, ok := hfTop[hf]; ok {
		return n, true
	}
	rest, ok := strings.CutPrefix(hf, "model.layers.")
	if !ok {
		return hf, false
	}
	num, suffix, ok := strings.Cut(rest, ".")
	if !ok {
		return hf, false
	}
	if l, err := strconv.Atoi(num); err != nil || l < 0 || strconv.Itoa(l) != num {
		return hf, false
	}
	n, ok := "", false
	if arch == Gemma2 || arch == Gemma3 {
		n, ok = gemmaLayer[suffix]
	}
	if !ok {
		n, ok = hfLayer[suffix]
	}
	if !ok {
		return hf, false
	}
	return "blk." + num + "." + n, true
}
