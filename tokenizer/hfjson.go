package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

// HF tokenizers' tokenizer.json: the model (BPE or WordPiece) with its vocabulary and
// merges, and the pipeline around it (normalizer, pre_tokenizer, post_processor,
// added_tokens). tokenizer_config.json beside it may name bos/eos tokens and the
// add_bos_token/add_eos_token flags.

type hfAddedToken struct {
	ID      int32  `json:"id"`
	Content string `json:"content"`
	LStrip  bool   `json:"lstrip"`
	RStrip  bool   `json:"rstrip"`
	Special bool   `json:"special"`
}

type hfFile struct {
	AddedTokens   []hfAddedToken  `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Model         struct {
		Type                    string          `json:"type"`
		Vocab                   json.RawMessage `json:"vocab"`
		Merges                  json.RawMessage `json:"merges"`
		UnkToken                *string         `json:"unk_token"`
		ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
		EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
		MaxInputCharsPerWord    int             `json:"max_input_chars_per_word"`
		ByteFallback            bool            `json:"byte_fallback"`
		IgnoreMerges            bool            `json:"ignore_merges"`
	} `json:"model"`
}

// hfComponent is any normalizer / pre-tokenizer / post-processor object.
type hfComponent struct {
	Type           string          `json:"type"`
	AddPrefixSpace *bool           `json:"add_prefix_space"`
	UseRegex       *bool           `json:"use_regex"`
	Pattern        json.RawMessage `json:"pattern"`
	Behavior       string          `json:"behavior"`
	Invert         bool            `json:"invert"`
	Individual     bool            `json:"individual_digits"`
	Pretokenizers  []hfComponent   `json:"pretokenizers"`
	Normalizers    []hfComponent   `json:"normalizers"`
	Processors     []hfComponent   `json:"processors"`
	Lowercase      *bool           `json:"lowercase"`
	StripAccents   *bool           `json:"strip_accents"`
	Single         []struct {
		SpecialToken *struct {
			ID string `json:"id"`
		} `json:"SpecialToken"`
		Sequence *struct {
			ID string `json:"id"`
		} `json:"Sequence"`
	} `json:"single"`
	SpecialTokens map[string]struct {
		IDs []int32 `json:"ids"`
	} `json:"special_tokens"`
	Cls []json.RawMessage `json:"cls"`
	Sep []json.RawMessage `json:"sep"`
}

// maxJSONFile bounds what the JSON readers load into memory.
const maxJSONFile = 1 << 30

func readLimited(path string) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > maxJSONFile {
		return nil, fmt.Errorf("%s: file size %d is over %d", path, st.Size(), maxJSONFile)
	}
	return os.ReadFile(path)
}

// FromTokenizerJSON loads an HF tokenizer.json (and tokenizer_config.json beside it).
func FromTokenizerJSON(path string) (Tokenizer, error) {
	v, err := ReadTokenizerJSON(path)
	if err != nil {
		return nil, err
	}
	t, err := New(v)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json %s: %w", path, err)
	}
	return t, nil
}

// ReadTokenizerJSON reads tokenizer.json (and tokenizer_config.json beside it) into a
// Vocab.
func ReadTokenizerJSON(path string) (*Vocab, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	var cfg []byte
	if c, err := readLimited(filepath.Join(filepath.Dir(path), "tokenizer_config.json")); err == nil {
		cfg = c
	}
	v, err := ParseTokenizerJSON(data, cfg)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json %s: %w", path, err)
	}
	return v, nil
}

// ParseTokenizerJSON decodes tokenizer.json, with tokenizer_config.json if not nil.
func ParseTokenizerJSON(data, config []byte) (*Vocab, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, err
	}
	v := &Vocab{BOS: -1, EOS: -1, UNK: -1, PAD: -1, SEP: -1}
	var vocab map[string]int64
	if err := json.Unmarshal(f.Model.Vocab, &vocab); err != nil {
		return nil, fmt.Errorf("model.vocab: %v", err)
	}
	// Lay tokens out by id; ids must be dense enough that a hostile file cannot
	// make us allocate gigabytes.
	limit := int64(len(vocab)+len(f.AddedTokens)) + 1024
	maxID := int64(-1)
	for tok, id := range vocab {
		if id < 0 || id >= limit {
			return nil, fmt.Errorf("model.vocab: token %q id %d out of range", tok, id)
		}
		maxID = max(maxID, id)
	}
	for _, a := range f.AddedTokens {
		if a.ID < 0 || int64(a.ID) >= limit {
			return nil, fmt.Errorf("added_tokens: %q id %d out of range", a.Content, a.ID)
		}
		maxID = max(maxID, int64(a.ID))
	}
	n := int(maxID + 1)
	v.Tokens = make([]string, n)
	v.Types = make([]int32, n)
	for i := range v.Types {
		v.Types[i] = int32(TypeUnused)
	}
	// Sorting makes the result independent of map order when two ids share a text.
	keys := make([]string, 0, len(vocab))
	for tok := range vocab {
		keys = append(keys, tok)
	}
	sort.Strings(keys)
	for _, tok := range keys {
		id := vocab[tok]
		v.Tokens[id] = tok
		v.Types[id] = int32(TypeNormal)
	}
	for _, a := range f.AddedTokens {
		v.Tokens[a.ID] = a.Content
		if a.Special {
			v.Types[a.ID] = int32(TypeControl)
		} else {
			v.Types[a.ID] = int32(TypeUserDefined)
		}
		if a.LStrip {
			v.LStrip = append(v.LStrip, a.ID)
		}
		if a.RStrip {
			v.RStrip = append(v.RStrip, a.ID)
		}
	}
	id := func(tok string) int32 {
		for i, s := range v.Tokens {
			if s == tok {
				return int32(i)
			}
		}
		return -1
	}
	if f.Model.UnkToken != nil {
		v.UNK = id(*f.Model.UnkToken)
	}

	switch f.Model.Type {
	case "BPE", "":
		if f.Model.Type == "" && f.Model.Merges == nil {
			return nil, errors.New("model.type missing")
		}
		v.Model = "gpt2"
		v.IgnoreMerges = f.Model.IgnoreMerges
		if f.Model.EndOfWordSuffix != nil && *f.Model.EndOfWordSuffix != "" ||
			f.Model.ContinuingSubwordPrefix != nil && *f.Model.ContinuingSubwordPrefix != "" {
			return nil, errors.New("BPE with subword prefix/suffix not supported")
		}
		merges, err := parseMerges(f.Model.Merges)
		if err != nil {
			return nil, err
		}
		v.Merges = merges
		if err := hfNormalizer(v, f.Normalizer); err != nil {
			return nil, err
		}
		byteLevel, err := hfPreTokenizer(v, f.PreTokenizer)
		if err != nil {
			return nil, err
		}
		if !byteLevel {
			return nil, errors.New("BPE without a ByteLevel pre-tokenizer not supported")
		}
		if v.PreSplit == nil {
			v.PreSplit = []SplitRule{} // no regex: the whole text is one word
		}
	case "WordPiece":
		v.Model = "bert"
		v.SubwordPrefix = "##"
		if f.Model.ContinuingSubwordPrefix != nil {
			v.SubwordPrefix = *f.Model.ContinuingSubwordPrefix
		}
		v.MaxWordChars = f.Model.MaxInputCharsPerWord
		if err := hfBertNormalizer(v, f.Normalizer); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("model type %q not supported", f.Model.Type)
	}
	if err := hfPostProcessor(v, f.PostProcessor, id); err != nil {
		return nil, err
	}
	if config != nil {
		if err := applyTokenizerConfig(v, config, id); err != nil {
			return nil, fmt.Errorf("tokenizer_config.json: %v", err)
		}
	}
	guessEOG(v)
	return v, nil
}

// parseMerges accepts both spellings: ["a b", …] and [["a", "b"], …].
func parseMerges(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var flat []string
	if err := json.Unmarshal(raw, &flat); err == nil {
		return flat, nil
	}
	var pairs [][]string
	if err := json.Unmarshal(raw, &pairs); err != nil {
		return nil, fmt.Errorf("model.merges: %v", err)
	}
	flat = make([]string, len(pairs))
	for i, p := range pairs {
		if len(p) != 2 {
			return nil, fmt.Errorf("model.merges[%d]: %d parts", i, len(p))
		}
		flat[i] = p[0] + " " + p[1]
	}
	return flat, nil
}

func isNull(raw json.RawMessage) bool {
	return len(bytes.TrimSpace(raw)) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

// hfNormalizer accepts the normalizers that byte-level BPE models use.
func hfNormalizer(v *Vocab, raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("normalizer: %v", err)
	}
	return hfNormalizerComponent(v, c)
}

func hfNormalizerComponent(v *Vocab, c hfComponent) error {
	switch c.Type {
	case "NFC", "NFKC", "NFD", "NFKD":
		v.Normalizer = c.Type
	case "Sequence":
		for _, n := range c.Normalizers {
			if err := hfNormalizerComponent(v, n); err != nil {
				return err
			}
		}
	default:
		return fmt.Errorf("normalizer %q not supported", c.Type)
	}
	return nil
}

func hfBertNormalizer(v *Vocab, raw json.RawMessage) error {
	v.Lowercase, v.StripAccents = true, true
	if isNull(raw) {
		v.Lowercase, v.StripAccents = false, false
		return nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("normalizer: %v", err)
	}
	if c.Type != "BertNormalizer" {
		return fmt.Errorf("WordPiece normalizer %q not supported", c.Type)
	}
	if c.Lowercase != nil {
		v.Lowercase = *c.Lowercase
	}
	v.StripAccents = v.Lowercase // strip_accents null follows lowercase
	if c.StripAccents != nil {
		v.StripAccents = *c.StripAccents
	}
	return nil
}

// hfPreTokenizer turns the pre-tokenizer into split rules; it reports whether the
// pipeline is byte-level.
func hfPreTokenizer(v *Vocab, raw json.RawMessage) (bool, error) {
	if isNull(raw) {
		return false, nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return false, fmt.Errorf("pre_tokenizer: %v", err)
	}
	return hfPreComponent(v, c)
}

func hfPreComponent(v *Vocab, c hfComponent) (bool, error) {
	switch c.Type {
	case "Sequence":
		byteLevel := false
		for _, p := range c.Pretokenizers {
			bl, err := hfPreComponent(v, p)
			if err != nil {
				return false, err
			}
			byteLevel = byteLevel || bl
		}
		return byteLevel, nil
	case "ByteLevel":
		if c.AddPrefixSpace != nil && *c.AddPrefixSpace {
			v.AddSpacePrefix = true
		}
		if c.UseRegex == nil || *c.UseRegex {
			v.PreSplit = append(v.PreSplit, SplitRule{Pattern: patGPT2HF})
		}
		return true, nil
	case "Split":
		var pat struct {
			Regex  *string `json:"Regex"`
			String *string `json:"String"`
		}
		if err := json.Unmarshal(c.Pattern, &pat); err != nil {
			return false, fmt.Errorf("pre_tokenizer Split pattern: %v", err)
		}
		rule := SplitRule{Behavior: splitBehavior(c.Behavior), Invert: c.Invert}
		switch {
		case pat.Regex != nil:
			rule.Pattern = *pat.Regex
		case pat.String != nil:
			rule.Pattern = regexp.QuoteMeta(*pat.String)
		default:
			return false, errors.New("pre_tokenizer Split: no pattern")
		}
		v.PreSplit = append(v.PreSplit, rule)
	case "Digits":
		p := `\p{N}+`
		if c.Individual {
			p = `\p{N}`
		}
		v.PreSplit = append(v.PreSplit, SplitRule{Pattern: p})
	case "Whitespace":
		v.PreSplit = append(v.PreSplit, SplitRule{Pattern: `\w+|[^\w\s]+`, Behavior: "removed", Invert: true})
	case "WhitespaceSplit":
		v.PreSplit = append(v.PreSplit, SplitRule{Pattern: `\s+`, Behavior: "removed"})
	default:
		return false, fmt.Errorf("pre_tokenizer %q not supported", c.Type)
	}
	return false, nil
}

// splitBehavior maps HF's behaviour names ("Isolated", "MergedWithPrevious" …) to ours.
func splitBehavior(b string) string {
	switch b {
	case "", "Isolated":
		return "isolated"
	case "Removed":
		return "removed"
	case "MergedWithPrevious":
		return "merged_with_previous"
	case "MergedWithNext":
		return "merged_with_next"
	case "Contiguous":
		return "contiguous"
	}
	return b
}

// hfPostProcessor reads which special tokens go before and after the text.
func hfPostProcessor(v *Vocab, raw json.RawMessage, id func(string) int32) error {
	if isNull(raw) {
		return nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("post_processor: %v", err)
	}
	return hfPostComponent(v, c, id)
}

func hfPostComponent(v *Vocab, c hfComponent, id func(string) int32) error {
	switch c.Type {
	case "ByteLevel":
	case "Sequence":
		for _, p := range c.Processors {
			if err := hfPostComponent(v, p, id); err != nil {
				return err
			}
		}
	case "TemplateProcessing":
		seen := false
		for _, it := range c.Single {
			switch {
			case it.Sequence != nil:
				seen = true
			case it.SpecialToken != nil:
				st, ok := c.SpecialTokens[it.SpecialToken.ID]
				tid := id(it.SpecialToken.ID)
				if ok && len(st.IDs) == 1 {
					tid = st.IDs[0]
				}
				if tid < 0 || int(tid) >= len(v.Tokens) {
					return fmt.Errorf("post_processor: special token %q unknown", it.SpecialToken.ID)
				}
				if !seen {
					if v.AddBOS {
						return errors.New("post_processor: more than one token before the text not supported")
					}
					v.BOS, v.AddBOS = tid, true
				} else {
					if v.AddSEP {
						return errors.New("post_processor: more than one token after the text not supported")
					}
					v.SEP, v.AddSEP = tid, true
				}
			}
		}
	case "BertProcessing", "RobertaProcessing":
		tokID := func(raw []json.RawMessage) int32 {
			if len(raw) != 2 {
				return -1
			}
			var n int32
			if json.Unmarshal(raw[1], &n) != nil || n < 0 || int(n) >= len(v.Tokens) {
				return -1
			}
			return n
		}
		v.BOS, v.SEP = tokID(c.Cls), tokID(c.Sep)
		v.AddBOS, v.AddSEP = v.BOS >= 0, v.SEP >= 0
	default:
		return fmt.Errorf("post_processor %q not supported", c.Type)
	}
	return nil
}

// applyTokenizerConfig reads bos/eos tokens and add_bos/add_eos flags.
func applyTokenizerConfig(v *Vocab, data []byte, id func(string) int32) error {
	var cfg struct {
		BOS         json.RawMessage `json:"bos_token"`
		EOS         json.RawMessage `json:"eos_token"`
		UNK         json.RawMessage `json:"unk_token"`
		AddBOSToken *bool           `json:"add_bos_token"`
		AddEOSToken *bool           `json:"add_eos_token"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return err
	}
	tokenOf := func(raw json.RawMessage) (int32, bool) {
		if isNull(raw) {
			return -1, false
		}
		var s string
		if json.Unmarshal(raw, &s) != nil {
			var obj struct {
				Content string `json:"content"`
			}
			if json.Unmarshal(raw, &obj) != nil {
				return -1, false
			}
			s = obj.Content
		}
		t := id(s)
		return t, t >= 0
	}
	if t, ok := tokenOf(cfg.BOS); ok {
		v.BOS = t
	}
	if t, ok := tokenOf(cfg.EOS); ok {
		v.EOS = t
	}
	if t, ok := tokenOf(cfg.UNK); ok && v.UNK < 0 {
		v.UNK = t
	}
	if cfg.AddBOSToken != nil {
		v.AddBOS = *cfg.AddBOSToken && v.BOS >= 0
	}
	if cfg.AddEOSToken != nil {
		v.AddEOS = *cfg.AddEOSToken && v.EOS >= 0
	}
	return nil
}

// eogTexts are end-of-turn tokens that llama.cpp also treats as end of generation.
var eogTexts = []string{"<|eot_id|>", "<|eom_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
	"<|endoftext|>", "<EOT>", "<|EOT|>", "<｜end▁of▁sentence｜>", "<|end_of_text|>"}

// guessEOG adds the usual end-of-turn tokens, when the vocabulary has them as control
// tokens, to the end-of-generation set.
func guessEOG(v *Vocab) {
	for _, s := range eogTexts {
		for i, tok := range v.Tokens {
			if tok == s && (v.Types == nil || TokenType(v.Types[i]) == TypeControl || TokenType(v.Types[i]) == TypeUserDefined) {
				v.EOG = append(v.EOG, int32(i))
				break
			}
		}
	}
}
