package convert

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
)

// kvList builds metadata in order.
type kvList []gguf.KV

func (l *kvList) str(k, v string) { *l = append(*l, gguf.KV{Key: k, Value: gguf.String(v)}) }
func (l *kvList) u32(k string, v int) {
	*l = append(*l, gguf.KV{Key: k, Value: gguf.Uint32(uint32(v))})
}
func (l *kvList) f32(k string, v float64) {
	*l = append(*l, gguf.KV{Key: k, Value: gguf.Float32(float32(v))})
}
func (l *kvList) boolean(k string, v bool) { *l = append(*l, gguf.KV{Key: k, Value: gguf.Bool(v)}) }

// hfKVs writes the metadata llama.cpp's convert_hf_to_gguf.py writes for the
// model, in its order: general.*, the {arch}.* hyperparameters, the
// vocabulary, the quantization version. A few keys the converter leaves out
// are added where nara's loader would otherwise misread the model (a query
// scale, sliding-window pattern or local RoPE base other than the
// defaults); they are named as in later llama.cpp versions.
func hfKVs(m *loader.Model, p Preset, name string, params int64) ([]gguf.KV, error) {
	raw, err := rawConfig(m.Dir)
	if err != nil {
		return nil, err
	}
	if name == "" {
		name = modelName(m.Dir)
	}
	voc, err := vocabKVs(m, m.Config)
	if err != nil {
		return nil, err
	}
	_, hasHeadDim := raw["head_dim"]
	return metadataKVs(m.Config, hasHeadDim, p, name, params, voc), nil
}

// metadataKVs lays out general.*, the {arch}.* keys of c and the vocabulary
// voc in the converter's order. hasHeadDim says the config named head_dim
// (the converter then writes the key and value lengths).
func metadataKVs(c *loader.Config, hasHeadDim bool, p Preset, name string, params int64, voc []gguf.KV) []gguf.KV {
	arch := ggufArch(c.Arch)
	var l kvList
	l.str("general.architecture", arch)
	l.str("general.type", "model")
	l.str("general.name", name)
	l.str("general.size_label", sizeLabel(params))

	a := func(k string) string { return arch + "." + k }
	headDims := func() {
		if hasHeadDim || c.HeadDim*c.Heads != c.Dim {
			l.u32(a("attention.key_length"), c.HeadDim)
			l.u32(a("attention.value_length"), c.HeadDim)
		}
	}
	fileType := func() { l.u32("general.file_type", int(p.FileType)) }
	// llama.cpp's own (non-converter) keys, for what its Gemma code
	// hard-codes and nara's loader reads when present.
	queryScale := func() {
		if s := 1 / float64(c.AttnScale*c.AttnScale); math.Abs(s-float64(c.HeadDim)) > 1e-3*s {
			l.f32(a("attention.query_pre_attn_scalar"), math.Round(s*1e3)/1e3)
		}
	}

	switch c.Arch {
	case loader.Gemma2:
		l.u32(a("context_length"), c.ContextLen)
		l.u32(a("embedding_length"), c.Dim)
		l.u32(a("block_count"), c.Layers)
		l.u32(a("feed_forward_length"), c.FFNDim)
		l.u32(a("attention.head_count"), c.Heads)
		l.u32(a("attention.head_count_kv"), c.KVHeads)
		l.f32(a("attention.layer_norm_rms_epsilon"), float64(c.NormEps))
		l.u32(a("attention.key_length"), c.HeadDim)
		l.u32(a("attention.value_length"), c.HeadDim)
		fileType()
		l.f32(a("attn_logit_softcapping"), float64(c.AttnSoftcap))
		l.f32(a("final_logit_softcapping"), float64(c.FinalSoftcap))
		if c.SlidingWindow > 0 {
			l.u32(a("attention.sliding_window"), c.SlidingWindow)
		}
		if c.Rope.Theta != 10000 {
			l.f32(a("rope.freq_base"), c.Rope.Theta)
		}
		queryScale()
	case loader.Gemma3:
		l.u32(a("context_length"), c.ContextLen)
		l.u32(a("embedding_length"), c.Dim)
		l.u32(a("block_count"), c.Layers)
		l.u32(a("feed_forward_length"), c.FFNDim)
		l.u32(a("attention.head_count"), c.Heads)
		l.f32(a("attention.layer_norm_rms_epsilon"), float64(c.NormEps))
		l.u32(a("attention.key_length"), c.HeadDim)
		l.u32(a("attention.value_length"), c.HeadDim)
		fileType()
		l.f32(a("rope.freq_base"), c.Rope.Theta)
		if c.SlidingWindow > 0 {
			l.u32(a("attention.sliding_window"), c.SlidingWindow)
		}
		l.u32(a("attention.head_count_kv"), c.KVHeads)
		if c.FinalSoftcap > 0 {
			l.f32(a("final_logit_softcapping"), float64(c.FinalSoftcap))
		}
		if p := slidingPattern(c); p != 6 && p > 0 {
			l.u32(a("attention.sliding_window_pattern"), p)
		}
		if c.RopeLocal.Theta != 10000 {
			l.f32(a("rope.freq_base_swa"), c.RopeLocal.Theta)
		}
		queryScale()
	case loader.Phi3:
		l.u32(a("context_length"), c.ContextLen)
		l.u32(a("embedding_length"), c.Dim)
		l.u32(a("feed_forward_length"), c.FFNDim)
		l.u32(a("block_count"), c.Layers)
		l.u32(a("attention.head_count"), c.Heads)
		l.u32(a("attention.head_count_kv"), c.KVHeads)
		l.f32(a("attention.layer_norm_rms_epsilon"), float64(c.NormEps))
		l.u32(a("rope.dimension_count"), c.Rope.Dim)
		l.f32(a("rope.freq_base"), c.Rope.Theta)
		fileType()
		if c.SlidingWindow > 0 {
			l.u32(a("attention.sliding_window"), c.SlidingWindow)
		}
	default: // llama, mistral, qwen2, qwen3: the converter's common keys
		l.u32(a("block_count"), c.Layers)
		l.u32(a("context_length"), c.ContextLen)
		l.u32(a("embedding_length"), c.Dim)
		l.u32(a("feed_forward_length"), c.FFNDim)
		l.u32(a("attention.head_count"), c.Heads)
		l.u32(a("attention.head_count_kv"), c.KVHeads)
		l.f32(a("rope.freq_base"), c.Rope.Theta)
		l.f32(a("attention.layer_norm_rms_epsilon"), float64(c.NormEps))
		headDims()
		fileType()
		if arch == string(loader.Llama) {
			l.u32(a("vocab_size"), c.VocabSize)
			l.u32(a("rope.dimension_count"), c.Rope.Dim)
		} else if c.Rope.Dim != c.HeadDim {
			l.u32(a("rope.dimension_count"), c.Rope.Dim)
		}
		switch c.Rope.Scaling {
		case "linear", "yarn":
			l.str(a("rope.scaling.type"), c.Rope.Scaling)
			l.f32(a("rope.scaling.factor"), c.Rope.Factor)
			if c.Rope.OrigContext > 0 {
				l.u32(a("rope.scaling.original_context_length"), c.Rope.OrigContext)
			}
		}
	}

	l = append(l, voc...)
	if len(voc) > 0 && (c.Arch == loader.Gemma2 || c.Arch == loader.Gemma3) {
		l.boolean("tokenizer.ggml.add_space_prefix", false)
	}
	l.u32("general.quantization_version", QuantizationVersion)
	return l
}

// rawConfig reads config.json as a plain map, for what Config does not keep
// (whether head_dim was given).
func rawConfig(dir string) (map[string]any, error) {
	path := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if tc, ok := m["text_config"].(map[string]any); ok {
		return tc, nil
	}
	return m, nil
}

// slidingPattern returns p when layer l slides exactly when (l+1) % p != 0
// (Gemma 3's layout), else 0.
func slidingPattern(c *loader.Config) int {
	for p := 1; p <= c.Layers+1; p++ {
		ok := true
		for l := range c.Layers {
			if c.Sliding(l) != ((l+1)%p != 0) {
				ok = false
				break
			}
		}
		if ok {
			return p
		}
	}
	return 0
}

// modelName turns a directory name into a title as the converter does:
// "llama-tiny" → "Llama Tiny".
func modelName(dir string) string {
	base := filepath.Base(filepath.Clean(dir))
	words := strings.FieldsFunc(base, func(r rune) bool { return r == '-' || r == '_' || r == ' ' })
	for i, w := range words {
		if w != "" {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// sizeLabel renders a parameter count as the converter does: two
// significant digits at least, with a K/M/B/T suffix ("217K", "5.2M").
func sizeLabel(n int64) string {
	f, suffix := float64(n)*1e-3, "K"
	switch {
	case n > 1e12:
		f, suffix = float64(n)*1e-12, "T"
	case n > 1e9:
		f, suffix = float64(n)*1e-9, "B"
	case n > 1e6:
		f, suffix = float64(n)*1e-6, "M"
	}
	digits := len(strings.TrimLeft(strconv.Itoa(int(math.RoundToEven(f))), "0"))
	return strconv.FormatFloat(f, 'f', max(2-digits, 0), 64) + suffix
}

// llama3RopeFactors computes the rope_freqs tensor llama.cpp's converter
// writes for Llama 3.x frequency scaling: per rotated pair, the divisor of
// its inverse frequency. The arithmetic is float32, as the converter's
// torch code runs it.
func llama3RopeFactors(c *loader.Config) []float32 {
	r := c.Rope
	dim := r.Dim
	orig := float32(r.OrigContext)
	if orig == 0 {
		orig = 8192
	}
	factor, lowF, highF := float32(r.Factor), float32(r.LowFreqFactor), float32(r.HighFreqFactor)
	lowWavelen, highWavelen := orig/lowF, orig/highF
	out := make([]float32, dim/2)
	for i := range out {
		freq := 1 / float32(math.Pow(r.Theta, float64(float32(2*i)/float32(dim))))
		wavelen := float32(2*math.Pi) / freq
		switch {
		case wavelen < highWavelen:
			out[i] = 1
		case wavelen > lowWavelen:
			out[i] = factor
		default:
			smooth := (orig/wavelen - lowF) / (highF - lowF)
			out[i] = 1 / ((1-smooth)/factor + smooth)
		}
	}
	return out
}
