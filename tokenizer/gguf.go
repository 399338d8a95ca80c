package tokenizer

import (
	"fmt"

	"github.com/narallm/nara/loader/gguf"
)

// FromGGUF builds the tokenizer stored in a GGUF file's tokenizer.ggml.* metadata,
// with llama.cpp's defaults for what the file leaves out.
func FromGGUF(f *gguf.File) (Tokenizer, error) {
	v, err := VocabFromGGUF(f)
	if err != nil {
		return nil, err
	}
	t, err := New(v)
	if err != nil {
		return nil, fmt.Errorf("gguf %s: %w", f.Name, err)
	}
	return t, nil
}

// VocabFromGGUF reads the tokenizer.ggml.* metadata into a Vocab.
func VocabFromGGUF(f *gguf.File) (*Vocab, error) {
	fail := func(format string, a ...any) error {
		return fmt.Errorf("gguf %s: "+format, append([]any{f.Name}, a...)...)
	}
	model, ok := f.String("tokenizer.ggml.model")
	if !ok {
		return nil, fail("tokenizer.ggml.model missing: the file has no vocabulary")
	}
	v := &Vocab{Model: model, BOS: -1, EOS: -1, UNK: -1, PAD: -1, SEP: -1}
	v.Tokens, ok = f.Strings("tokenizer.ggml.tokens")
	if !ok || len(v.Tokens) == 0 {
		return nil, fail("tokenizer.ggml.tokens missing or not a string array")
	}
	n := len(v.Tokens)
	if _, present := f.Get("tokenizer.ggml.scores"); present {
		if v.Scores, ok = f.Float32s("tokenizer.ggml.scores"); !ok || len(v.Scores) != n {
			return nil, fail("tokenizer.ggml.scores: want %d numbers", n)
		}
	}
	if _, present := f.Get("tokenizer.ggml.token_type"); present {
		if v.Types, ok = f.Int32s("tokenizer.ggml.token_type"); !ok || len(v.Types) != n {
			return nil, fail("tokenizer.ggml.token_type: want %d integers", n)
		}
	}
	if _, present := f.Get("tokenizer.ggml.merges"); present {
		if v.Merges, ok = f.Strings("tokenizer.ggml.merges"); !ok {
			return nil, fail("tokenizer.ggml.merges is not a string array")
		}
	}
	v.Pre, _ = f.String("tokenizer.ggml.pre")

	// llama.cpp's defaults per model type, before the keys that override them.
	switch model {
	case "llama":
		v.BOS, v.EOS, v.UNK = 1, 2, 0
		v.AddBOS, v.AddSpacePrefix = true, true
		v.Pre = "default"
	case "gpt2":
		v.BOS, v.EOS = 11, 11
		if v.Pre == "" {
			v.Pre = "default"
		}
		v.IgnoreMerges = usesIgnoreMerges(v.Pre)
		v.AddBOS = v.IgnoreMerges // llama.cpp adds BOS by default only for Llama-3
		if v.Merges == nil {
			return nil, fail("tokenizer.ggml.merges missing for a gpt2 vocabulary")
		}
	case "bert":
		v.BOS, v.UNK, v.SEP, v.PAD = 101, 100, 102, 0
		v.AddBOS, v.AddSEP = true, true
		v.WordPrefix = "▁"
		v.Lowercase, v.StripAccents = true, true
	default:
		return nil, fail("tokenizer.ggml.model %q not supported", model)
	}

	ids := []struct {
		key string
		dst *int32
	}{
		{"tokenizer.ggml.bos_token_id", &v.BOS},
		{"tokenizer.ggml.eos_token_id", &v.EOS},
		{"tokenizer.ggml.unknown_token_id", &v.UNK},
		{"tokenizer.ggml.padding_token_id", &v.PAD},
		{"tokenizer.ggml.seperator_token_id", &v.SEP},
	}
	if model == "bert" {
		ids = append(ids, struct {
			key string
			dst *int32
		}{"tokenizer.ggml.cls_token_id", &v.BOS})
	}
	for _, k := range ids {
		if x, present := f.Uint(k.key); present {
			if x >= uint64(n) {
				return nil, fail("%s: %d out of range [0,%d)", k.key, x, n)
			}
			*k.dst = int32(x)
		}
	}
	for _, key := range []string{"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"} {
		if x, present := f.Uint(key); present {
			if x >= uint64(n) {
				return nil, fail("%s: %d out of range [0,%d)", key, x, n)
			}
			v.EOG = append(v.EOG, int32(x))
		}
	}
	// Defaults that point past a small vocabulary mean "none".
	for _, id := range []*int32{&v.BOS, &v.EOS, &v.UNK, &v.PAD, &v.SEP} {
		if int(*id) >= n {
			*id = -1
		}
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{"tokenizer.ggml.add_bos_token", &v.AddBOS},
		{"tokenizer.ggml.add_eos_token", &v.AddEOS},
		{"tokenizer.ggml.add_space_prefix", &v.AddSpacePrefix},
		{"tokenizer.ggml.remove_extra_whitespaces", &v.RemoveExtraSpaces},
	} {
		if x, present := f.Bool(b.key); present {
			*b.dst = x
		}
	}
	if model == "gpt2" {
		v.AddSpacePrefix = false // llama.cpp's BPE ignores it
	}
	guessEOG(v)
	return v, nil
}
