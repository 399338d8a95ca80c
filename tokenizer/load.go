package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/narallm/nara/loader/gguf"
)

// Load opens a tokenizer from whatever path names: a .gguf file (vocabulary-only
// files included), an HF directory (tokenizer.json, else tokenizer.model, else
// encoder.json + vocab.bpe), a tokenizer.json, a tokenizer.model, or an encoder.json
// with vocab.bpe beside it.
func Load(path string) (Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		for _, c := range []string{"tokenizer.json", "tokenizer.model", "encoder.json"} {
			if p := filepath.Join(path, c); fileExists(p) {
				return Load(p)
			}
		}
		return nil, fmt.Errorf("tokenizer: %s holds no tokenizer.json, tokenizer.model or encoder.json", path)
	}
	base := strings.ToLower(filepath.Base(path))
	switch {
	case strings.HasSuffix(base, ".gguf"):
		f, err := gguf.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return FromGGUF(f)
	case base == "encoder.json":
		return FromEncoderJSON(path, filepath.Join(filepath.Dir(path), "vocab.bpe"))
	case strings.HasSuffix(base, ".json"):
		return FromTokenizerJSON(path)
	case strings.HasSuffix(base, ".model"):
		return FromSentencePiece(path)
	}
	// Unknown name: sniff the content.
	head := make([]byte, 8)
	if fh, err := os.Open(path); err == nil {
		n, _ := fh.Read(head)
		fh.Close()
		head = head[:n]
	}
	switch {
	case bytes.HasPrefix(head, []byte("GGUF")):
		f, err := gguf.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return FromGGUF(f)
	case bytes.HasPrefix(bytes.TrimSpace(head), []byte("{")):
		return FromTokenizerJSON(path)
	}
	return FromSentencePiece(path)
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}

// FromEncoderJSON loads the original GPT-2 style pair: encoder.json (token → rank)
// and vocab.bpe (merges in priority order). The pair says nothing about the
// pre-tokenizer: vocabularies of 100k tokens or more are taken to be the
// cl100k/Llama-3 family (Llama-3 pattern), smaller ones GPT-2. Use
// ReadEncoderJSON to choose.
func FromEncoderJSON(encoder, vocabBPE string) (Tokenizer, error) {
	v, err := ReadEncoderJSON(encoder, vocabBPE, "")
	if err != nil {
		return nil, err
	}
	t, err := New(v)
	if err != nil {
		return nil, fmt.Errorf("encoder.json %s: %w", encoder, err)
	}
	return t, nil
}

// ReadEncoderJSON reads an encoder.json + vocab.bpe pair with the named
// pre-tokenizer (GGUF names: "gpt-2", "llama-bpe", …; "" guesses by size).
func ReadEncoderJSON(encoder, vocabBPE, pre string) (*Vocab, error) {
	data, err := readLimited(encoder)
	if err != nil {
		return nil, err
	}
	var ranks map[string]int64
	if err := json.Unmarshal(data, &ranks); err != nil {
		return nil, fmt.Errorf("encoder.json %s: %v", encoder, err)
	}
	limit := int64(len(ranks)) + 1024
	maxID := int64(-1)
	for tok, id := range ranks {
		if id < 0 || id >= limit {
			return nil, fmt.Errorf("encoder.json %s: token %q id %d out of range", encoder, tok, id)
		}
		maxID = max(maxID, id)
	}
	v := &Vocab{Model: "gpt2", BOS: -1, EOS: -1, UNK: -1, PAD: -1, SEP: -1}
	v.Tokens = make([]string, maxID+1)
	v.Types = make([]int32, maxID+1)
	for i := range v.Types {
		v.Types[i] = int32(TypeUnused)
	}
	for tok, id := range ranks {
		v.Tokens[id] = tok
		v.Types[id] = int32(TypeNormal)
		// <|endoftext|> and friends are control tokens, not text.
		if strings.HasPrefix(tok, "<|") && strings.HasSuffix(tok, "|>") {
			v.Types[id] = int32(TypeControl)
		}
	}
	if id, ok := ranks["<|endoftext|>"]; ok {
		v.BOS, v.EOS = int32(id), int32(id)
	}

	mf, err := os.Open(vocabBPE)
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	sc := bufio.NewScanner(mf)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		s := strings.TrimRight(sc.Text(), "\r")
		if s == "" || (line == 1 && strings.HasPrefix(s, "#version")) {
			continue
		}
		if strings.Count(s, " ") != 1 {
			return nil, fmt.Errorf("vocab.bpe %s: line %d: %q is not two tokens", vocabBPE, line, s)
		}
		v.Merges = append(v.Merges, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("vocab.bpe %s: %v", vocabBPE, err)
	}
	if pre == "" {
		pre = "gpt-2"
		if len(v.Tokens) >= 100000 {
			pre = "llama-bpe"
		}
	}
	v.Pre = pre
	v.IgnoreMerges = usesIgnoreMerges(pre)
	guessEOG(v)
	return v, nil
}
