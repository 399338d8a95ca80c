package convert

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/tokenizer"
)

// vocabKVs returns the tokenizer.ggml.* metadata for an HF directory, from
// tokenizer.model (SentencePiece) or tokenizer.json (byte-level BPE), as
// llama.cpp's converter writes it; none when the directory has neither.
func vocabKVs(m *loader.Model, c *loader.Config) ([]gguf.KV, error) {
	spm := filepath.Join(m.Dir, "tokenizer.model")
	hf := filepath.Join(m.Dir, "tokenizer.json")
	var v *tokenizer.Vocab
	var err error
	switch {
	case exists(spm):
		if v, err = tokenizer.ReadSentencePiece(spm); err != nil {
			return nil, err
		}
	case exists(hf):
		if v, err = tokenizer.ReadTokenizerJSON(hf); err != nil {
			return nil, err
		}
		if v.Model != "gpt2" {
			return nil, fmt.Errorf("%s: %s tokenizers cannot be converted yet (only BPE)", hf, v.Model)
		}
		if v.Pre, err = preName(v); err != nil {
			return nil, fmt.Errorf("%s: %w", hf, err)
		}
	default:
		return nil, nil
	}
	// The config's special ids win over the tokenizer's, as in the
	// converter (it reads them from config.json when no tokenizer_config
	// says otherwise).
	if c.BOS >= 0 {
		v.BOS = int32(c.BOS)
	}
	if len(c.EOS) > 0 {
		v.EOS = int32(c.EOS[0])
	}
	return VocabKVs(v, c.VocabSize, readTokenizerConfig(m.Dir))
}

// TokenizerConfig is what tokenizer_config.json adds to the vocabulary.
type TokenizerConfig struct {
	AddBOS, AddEOS *bool
	ChatTemplate   string
}

func readTokenizerConfig(dir string) TokenizerConfig {
	var tc TokenizerConfig
	data, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil {
		return tc
	}
	var raw struct {
		AddBOS       *bool           `json:"add_bos_token"`
		AddEOS       *bool           `json:"add_eos_token"`
		ChatTemplate json.RawMessage `json:"chat_template"`
	}
	if json.Unmarshal(data, &raw) != nil {
		return tc
	}
	tc.AddBOS, tc.AddEOS = raw.AddBOS, raw.AddEOS
	var s string
	if json.Unmarshal(raw.ChatTemplate, &s) == nil {
		tc.ChatTemplate = s
	}
	return tc
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

// VocabKVs renders a vocabulary as tokenizer.ggml.* metadata. For a
// SentencePiece vocabulary ("llama") the token types are the converter's
// (user-defined pieces count as normal) and the list is padded to size
// with [PADi] tokens when the model's embedding has more rows; size 0 means
// the vocabulary's own size.
func VocabKVs(v *tokenizer.Vocab, size int, tc TokenizerConfig) ([]gguf.KV, error) {
	n := len(v.Tokens)
	if size == 0 {
		size = n
	}
	if size < n {
		return nil, fmt.Errorf("vocabulary has %d tokens, more than the model's %d", n, size)
	}
	tokens := slices.Clone(v.Tokens)
	types := make([]int32, n)
	for i := range types {
		types[i] = int32(tokenizer.TypeNormal)
		if i < len(v.Types) {
			types[i] = v.Types[i]
		}
	}
	var l kvList
	l.str("tokenizer.ggml.model", v.Model)
	pre := v.Pre
	if pre == "" {
		pre = "default"
	}
	l.str("tokenizer.ggml.pre", pre)
	switch v.Model {
	case "llama":
		scores := make([]float32, n, size)
		copy(scores, v.Scores)
		for i, t := range types {
			if t == int32(tokenizer.TypeUserDefined) {
				types[i] = int32(tokenizer.TypeNormal)
			}
		}
		for i := n; i < size; i++ {
			tokens = append(tokens, fmt.Sprintf("[PAD%d]", i))
			scores = append(scores, -1000)
			types = append(types, int32(tokenizer.TypeUnused))
		}
		l = append(l, gguf.KV{Key: "tokenizer.ggml.tokens", Value: gguf.Strings(tokens)},
			gguf.KV{Key: "tokenizer.ggml.scores", Value: gguf.Float32s(scores)},
			gguf.KV{Key: "tokenizer.ggml.token_type", Value: gguf.Int32s(types)})
	case "gpt2":
		for i := n; i < size; i++ {
			tokens = append(tokens, fmt.Sprintf("[PAD%d]", i))
			types = append(types, int32(tokenizer.TypeUnused))
		}
		l = append(l, gguf.KV{Key: "tokenizer.ggml.tokens", Value: gguf.Strings(tokens)},
			gguf.KV{Key: "tokenizer.ggml.token_type", Value: gguf.Int32s(types)},
			gguf.KV{Key: "tokenizer.ggml.merges", Value: gguf.Strings(v.Merges)})
	default:
		return nil, fmt.Errorf("tokenizer model %q cannot be written", v.Model)
	}
	if v.BOS >= 0 {
		l.u32("tokenizer.ggml.bos_token_id", int(v.BOS))
	}
	if v.EOS >= 0 {
		l.u32("tokenizer.ggml.eos_token_id", int(v.EOS))
	}
	addBOS, addEOS := tc.AddBOS, tc.AddEOS
	if v.Model == "gpt2" {
		// For BPE llama.cpp's default (add BOS) is wrong for tokenizers
		// whose post-processor adds none (Qwen 2): say what the
		// tokenizer.json does, as real converted files do.
		if addBOS == nil {
			addBOS = &v.AddBOS
		}
		if addEOS == nil && v.AddEOS {
			addEOS = &v.AddEOS
		}
	}
	if addBOS != nil {
		l.boolean("tokenizer.ggml.add_bos_token", *addBOS)
	}
	if addEOS != nil {
		l.boolean("tokenizer.ggml.add_eos_token", *addEOS)
	}
	if tc.ChatTemplate != "" {
		l.str("tokenizer.chat_template", tc.ChatTemplate)
	}
	return l, nil
}

// preProbe is text on which the common pre-tokenizers split differently
// (digits, contractions, case, new lines, runs of spaces, non-Latin
// letters), as llama.cpp's converter fingerprints a BPE vocabulary.
const preProbe = "Hello World! I'M here: it's 3.14159 and 1234567 ok?\n\n  \t tabs\r\nÉtienne's naïve café — 東京 123abc 'll 'VE ..."

// preCandidates are the GGUF pre-tokenizer names tried, most common first.
var preCandidates = []string{"llama-bpe", "qwen2", "gpt-2", "tekken", "gpt-4o", "deepseek-v3", "starcoder", "falcon"}

// knownSplits maps the Split regular expressions of well-known HF
// tokenizer.json files to the GGUF pre-tokenizer name llama.cpp gives them.
var knownSplits = map[string]string{
	// Llama 3: numbers in groups of up to three digits.
	`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`: "llama-bpe",
	// Qwen 2: single digits.
	`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`: "qwen2",
}

// preName returns the GGUF pre-tokenizer name for a tokenizer.json's
// pre-tokenizer: by its regular expression when it is a well-known one,
// else the first name whose splitting gives the same ids on a probe text
// (llama.cpp's converter fingerprints vocabularies the same way; with a
// small vocabulary several names may fit, and any of them encodes the
// probe alike).
func preName(v *tokenizer.Vocab) (string, error) {
	if v.PreSplit == nil && v.Pre != "" {
		return v.Pre, nil
	}
	if len(v.PreSplit) == 1 && !v.PreSplit[0].Invert {
		if name, ok := knownSplits[v.PreSplit[0].Pattern]; ok {
			return name, nil
		}
	}
	want, err := encodeProbe(v)
	if err != nil {
		return "", err
	}
	for _, name := range preCandidates {
		c := *v
		c.PreSplit, c.Pre = nil, name
		if got, err := encodeProbe(&c); err == nil && slices.Equal(got, want) {
			return name, nil
		}
	}
	return "", fmt.Errorf("pre-tokenizer matches none of the GGUF names %v", preCandidates)
}

func encodeProbe(v *tokenizer.Vocab) ([]int32, error) {
	t, err := tokenizer.New(v)
	if err != nil {
		return nil, err
	}
	return t.Encode(preProbe, tokenizer.EncodeOptions{})
}
