package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/narallm/nara/internal/fixtures"
)

// fuzzTokenizer is one tokenizer under fuzzing and whether Decode inverts Encode.
type fuzzTokenizer struct {
	name       string
	tok        Tokenizer
	roundTrips bool
	spm        bool
	// validOnly: round trip holds for valid UTF-8 only (deepseek-coder lacks some
	// byte tokens and has user-defined tokens spelled like them instead, which
	// decode as the characters, as in llama.cpp and HF).
	validOnly bool
	// lacks lists the bytes the vocabulary has no token for (Falcon has none for
	// control characters and 0xF5-0xFF): text holding them must give an error.
	lacks [256]bool
}

var (
	fuzzOnce  sync.Once
	fuzzToks  []fuzzTokenizer
	fuzzSeeds []string
)

// fuzzTokenizers builds every kind: the hand-made vocabularies, the SentencePiece
// model in testdata, and the fixtures' tokenizers when they are present.
func fuzzTokenizers(t testing.TB) []fuzzTokenizer {
	fuzzOnce.Do(func() {
		fuzzToks = []fuzzTokenizer{
			{name: "tiny-spm", tok: tinySPM(t), roundTrips: true, spm: true},
			{name: "tiny-bpe", tok: tinyBPE(t), roundTrips: true},
			{name: "tiny-wordpiece", tok: tinyWordPiece(t)},
		}
		if tok, err := Load(filepath.Join("testdata", "spm1024.model")); err == nil {
			fuzzToks = append(fuzzToks, fuzzTokenizer{name: "spm1024", tok: tok, roundTrips: true, spm: true})
		} else {
			t.Fatal(err)
		}
		root, ok := fixtures.Find()
		if !ok {
			return
		}
		for _, p := range []struct {
			path                       string
			roundTrips, spm, validOnly bool
		}{
			{"tokenizers/bytebpe1024.tokenizer.json", true, false, false},
			{"models/llama32-tiny/tokenizer.json", true, false, false},
			{"tokenizers/llamacpp-vocab/ggml-vocab-bert-bge.gguf", false, false, false},
			{"tokenizers/llamacpp-vocab/ggml-vocab-deepseek-coder.gguf", true, false, true},
			{"tokenizers/llamacpp-vocab/ggml-vocab-falcon.gguf", true, false, false},
		} {
			if tok, err := Load(filepath.Join(root, p.path)); err == nil {
				fuzzToks = append(fuzzToks, fuzzTokenizer{name: filepath.Base(p.path), tok: tok,
					roundTrips: p.roundTrips, spm: p.spm, validOnly: p.validOnly})
			}
		}
		for i := range fuzzToks {
			for b := 0; b < 256; b++ {
				_, err := fuzzToks[i].tok.Encode(string([]byte{byte(b)}), EncodeOptions{})
				fuzzToks[i].lacks[b] = err != nil
			}
		}
		cases, _ := filepath.Glob(filepath.Join(root, "tokenizers", "*.cases.json"))
		for _, c := range cases {
			data, err := os.ReadFile(c)
			if err != nil {
				continue
			}
			var cf casesFile
			if json.Unmarshal(data, &cf) == nil {
				for _, cs := range cf.Cases {
					fuzzSeeds = append(fuzzSeeds, cs.Text)
				}
			}
		}
	})
	return fuzzToks
}

func FuzzEncode(f *testing.F) {
	toks := fuzzTokenizers(f)
	for _, s := range append(fuzzSeeds, "", " ", "Hello world", "<s>hi</s>", "<|end|>a", "\xff\xfe", "a\u2581b", "é\u0301 你好 😀", "  \n\t x") {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, text string, parseSpecial bool) {
		for _, ft := range toks {
			lacking := false
			for i := 0; i < len(text); i++ {
				lacking = lacking || ft.lacks[text[i]]
			}
			ids, err := ft.tok.Encode(text, EncodeOptions{ParseSpecial: parseSpecial})
			if err != nil {
				if !lacking {
					t.Fatalf("%s: Encode(%q): %v", ft.name, text, err)
				}
				continue
			}
			if lacking && !parseSpecial {
				t.Fatalf("%s: Encode(%q) dropped bytes it has no token for", ft.name, text)
			}
			for _, id := range ids {
				if id < 0 || int(id) >= ft.tok.VocabSize() {
					t.Fatalf("%s: Encode(%q) gave id %d out of range", ft.name, text, id)
				}
			}
			back, err := ft.tok.Decode(ids)
			if err != nil {
				t.Fatalf("%s: Decode: %v", ft.name, err)
			}
			// SentencePiece reads a literal ▁ as a space, so such text cannot round-trip.
			check := ft.roundTrips && !(ft.spm && strings.Contains(text, spaceMark)) &&
				!(ft.validOnly && !utf8.ValidString(text))
			if check && back != text {
				t.Fatalf("%s: Decode(Encode(%q)) = %q", ft.name, text, back)
			}
			// Streaming gives the same text as decoding at once.
			d := ft.tok.NewStreamDecoder()
			var sb strings.Builder
			for _, id := range ids {
				s, err := d.Push(id)
				if err != nil {
					t.Fatal(err)
				}
				sb.WriteString(s)
			}
			sb.WriteString(d.Flush())
			if sb.String() != back {
				t.Fatalf("%s: stream decode %q, Decode %q", ft.name, sb.String(), back)
			}
		}
	})
}

// FuzzSplitters checks the hand-written pre-tokenizers against regexp2.
func FuzzSplitters(f *testing.F) {
	for _, s := range []string{"Hello world's  foo\n\n bar 123!!", "I'M 12345 \"q\"\n\n  x", "\xff ab", " \u00a0x", "a\r\n\r\n b"} {
		f.Add(s)
	}
	type pair struct {
		hand, general splitStage
	}
	var pairs []pair
	for _, pc := range []struct {
		pattern string
		hand    splitStage
	}{{patGPT2HF, gpt2Split{}}, {patLlama3HF, llama3Split{3}}, {patQwen2HF, llama3Split{1}}} {
		g, err := compileRegexSplit(pc.pattern, "isolated", false)
		if err != nil {
			f.Fatal(err)
		}
		pairs = append(pairs, pair{pc.hand, g})
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			// regexp2 sees U+FFFD where we see a byte; both are "other" characters,
			// but U+FFFD can stand for several bytes: compare valid text only.
			return
		}
		for _, p := range pairs {
			a, b := p.hand.split(s, nil), p.general.split(s, nil)
			if !slices.Equal(a, b) {
				t.Fatalf("%T on %q: hand %v, regexp2 %v", p.hand, s, a, b)
			}
		}
	})
}

func FuzzParseSentencePiece(f *testing.F) {
	model, err := os.ReadFile(filepath.Join("testdata", "spm1024.model"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(model)
	f.Add(model[:len(model)/2])
	f.Add([]byte{0x0a, 0x05, 0x0a, 0x01, 'a', 0x18, 0x01})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseSentencePiece(data)
		if err != nil {
			return
		}
		tok, err := New(v)
		if err != nil {
			return
		}
		// Any vocabulary may lack bytes (an error then); it must not panic.
		ids, err := tok.Encode("Hello wörld \xff", EncodeOptions{AddSpecial: true, ParseSpecial: true})
		checkIDs(t, tok, ids, err)
	})
}

func FuzzParseTokenizerJSON(f *testing.F) {
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]},"pre_tokenizer":{"type":"ByteLevel"}}`))
	f.Add([]byte(`{"model":{"type":"WordPiece","vocab":{"[UNK]":0,"a":1,"##b":2},"unk_token":"[UNK]"},"normalizer":{"type":"BertNormalizer"}}`))
	f.Add([]byte(`{"added_tokens":[{"id":5,"content":"<x>","special":true}],"model":{"type":"BPE","vocab":{"a":0},"merges":[["a","a"]]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\s+(?!\\S)"},"behavior":"MergedWithNext"},{"type":"ByteLevel","use_regex":false}]},"post_processor":{"type":"TemplateProcessing","single":[{"SpecialToken":{"id":"<x>"}},{"Sequence":{"id":"A"}}]}}`))
	f.Add([]byte(`{"model":{"type":"BPE","vocab":{"a":4000000000}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := ParseTokenizerJSON(data, nil)
		if err != nil {
			return
		}
		tok, err := New(v)
		if err != nil {
			return
		}
		ids, err := tok.Encode("a ab\xff <x>", EncodeOptions{AddSpecial: true, ParseSpecial: true})
		checkIDs(t, tok, ids, err)
	})
}

// checkIDs fails when Encode succeeded with ids out of range or they do not decode.
func checkIDs(t *testing.T, tok Tokenizer, ids []int32, err error) {
	if err != nil {
		return
	}
	for _, id := range ids {
		if id < 0 || int(id) >= tok.VocabSize() {
			t.Fatalf("id %d out of range [0,%d)", id, tok.VocabSize())
		}
	}
	if _, err := tok.Decode(ids); err != nil {
		t.Fatal(err)
	}
}
