package grammar

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/gguf"
)

// A vocabulary from the fixtures, as the bytes each token decodes to.
type fixtureVocab struct {
	name   string
	tokens [][]byte
	eog    int32 // -1 when the vocabulary has none
}

func (v fixtureVocab) isEOG(id int32) bool { return id == v.eog }

// gpt2Bytes maps the characters byte-level BPE vocabularies are written in
// back to bytes: printable Latin-1 bytes stand for themselves and the others
// were moved, in order, to U+0100 and up.
func gpt2Bytes() map[rune]byte {
	m := map[rune]byte{}
	next := rune(256)
	for b := 0; b < 256; b++ {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			m[rune(b)] = byte(b)
		} else {
			m[next] = byte(b)
			next++
		}
	}
	return m
}

func decodeByteLevel(t testing.TB, piece string, table map[rune]byte) []byte {
	var out []byte
	for _, r := range piece {
		b, ok := table[r]
		if !ok {
			t.Fatalf("byte-level token %q holds %q, which stands for no byte", piece, r)
		}
		out = append(out, b)
	}
	return out
}

var byteToken = regexp.MustCompile(`^<0x([0-9A-Fa-f]{2})>$`)

// ggufVocab reads a GGUF's vocabulary: SentencePiece pieces (▁ is a space,
// <0xHH> a byte) or byte-level BPE tokens; control and unknown tokens get no
// text. ok is false for tokenizers this test does not decode (WordPiece).
func ggufVocab(t testing.TB, path string) (fixtureVocab, bool) {
	f, err := gguf.Open(path)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer f.Close()
	model, _ := f.String("tokenizer.ggml.model")
	tokens, ok := f.Strings("tokenizer.ggml.tokens")
	if !ok {
		t.Fatalf("%s: no tokenizer.ggml.tokens", path)
	}
	types, _ := f.Int32s("tokenizer.ggml.token_type")
	v := fixtureVocab{name: filepath.Base(path), tokens: make([][]byte, len(tokens)), eog: -1}
	if eos, ok := f.Uint("tokenizer.ggml.eos_token_id"); ok && eos < uint64(len(tokens)) {
		v.eog = int32(eos)
	}
	table := gpt2Bytes()
	for i, s := range tokens {
		typ := int32(1)
		if i < len(types) {
			typ = types[i]
		}
		switch {
		case typ == 2 || typ == 3 || typ == 5: // unknown, control, unused
			continue
		case model == "llama" && typ == 6:
			m := byteToken.FindStringSubmatch(s)
			if m == nil {
				t.Fatalf("%s: byte token %d is %q", path, i, s)
			}
			b, _ := strconv.ParseUint(m[1], 16, 8)
			v.tokens[i] = []byte{byte(b)}
		case model == "llama":
			v.tokens[i] = []byte(strings.ReplaceAll(s, "▁", " "))
		case model == "gpt2":
			if typ == 4 { // user-defined: written as plain text
				v.tokens[i] = []byte(s)
			} else {
				v.tokens[i] = decodeByteLevel(t, s, table)
			}
		default:
			return v, false
		}
	}
	return v, true
}

// hfByteLevelVocab reads a tokenizer.json whose model vocabulary is
// byte-level BPE; added special tokens get no text.
func hfByteLevelVocab(t testing.TB, path string) fixtureVocab {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tj struct {
		Added []struct {
			ID      int    `json:"id"`
			Content string `json:"content"`
			Special bool   `json:"special"`
		} `json:"added_tokens"`
		Model struct {
			Vocab map[string]int `json:"vocab"`
		} `json:"model"`
	}
	if err := json.Unmarshal(data, &tj); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	n := 0
	for _, id := range tj.Model.Vocab {
		n = max(n, id+1)
	}
	v := fixtureVocab{name: filepath.Base(path), tokens: make([][]byte, n), eog: -1}
	special := map[int]string{}
	for _, a := range tj.Added {
		if a.Special {
			special[a.ID] = a.Content
		}
	}
	table := gpt2Bytes()
	for piece, id := range tj.Model.Vocab {
		if id < 0 {
			t.Fatalf("%s: negative id for %q", path, piece)
		}
		if content, ok := special[id]; ok {
			if content == "<|endoftext|>" {
				v.eog = int32(id)
			}
			continue
		}
		v.tokens[id] = decodeByteLevel(t, piece, table)
	}
	return v
}

// fixtureVocabs enumerates every vocabulary the fixtures hold that this
// test can decode.
func fixtureVocabs(t testing.TB) []fixtureVocab {
	var out []fixtureVocab
	for _, p := range fixtures.Glob(t, "tokenizers/*.tokenizer.json") {
		out = append(out, hfByteLevelVocab(t, p))
	}
	for _, p := range fixtures.Glob(t, "tokenizers/llamacpp-vocab/*.gguf") {
		if v, ok := ggufVocab(t, p); ok {
			out = append(out, v)
		} else {
			t.Logf("%s: not a SentencePiece or byte-level BPE vocabulary; skipped", filepath.Base(p))
		}
	}
	if len(out) == 0 {
		t.Skip("no vocabularies in the fixtures")
	}
	return out
}

// largestVocab is the biggest fixture vocabulary, for speed tests.
func largestVocab(t testing.TB) fixtureVocab {
	vs := fixtureVocabs(t)
	best := vs[0]
	for _, v := range vs {
		if len(v.tokens) > len(best.tokens) {
			best = v
		}
	}
	return best
}
