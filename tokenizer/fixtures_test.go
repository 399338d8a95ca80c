package tokenizer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/gguf"
)

// casesFile is the shape of spm1024.cases.json, bytebpe1024.cases.json and the model
// directories' tokenizer.cases.json.
type casesFile struct {
	Model     string `json:"model"`
	Tokenizer string `json:"tokenizer"`
	Cases     []struct {
		Text           string  `json:"text"`
		IDs            []int32 `json:"ids"`
		IDsWithBOS     []int32 `json:"ids_with_bos"`
		IDsWithSpecial []int32 `json:"ids_with_special"`
		Decoded        *string `json:"decoded"`
	} `json:"cases"`
}

func readCases(t *testing.T, path string) *casesFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c casesFile
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(c.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return &c
}

// checkCases encodes every case and compares with the reference ids; it returns the
// number of cases that passed.
func checkCases(t *testing.T, name string, tok Tokenizer, c *casesFile, parseSpecial bool) {
	t.Helper()
	pass, total := 0, 0
	for _, cs := range c.Cases {
		variants := []struct {
			want []int32
			opts EncodeOptions
		}{{cs.IDs, EncodeOptions{ParseSpecial: parseSpecial}}}
		if cs.IDsWithBOS != nil {
			variants = append(variants, struct {
				want []int32
				opts EncodeOptions
			}{cs.IDsWithBOS, EncodeOptions{AddSpecial: true, ParseSpecial: parseSpecial}})
		}
		if cs.IDsWithSpecial != nil {
			variants = append(variants, struct {
				want []int32
				opts EncodeOptions
			}{cs.IDsWithSpecial, EncodeOptions{AddSpecial: true, ParseSpecial: parseSpecial}})
		}
		for _, vr := range variants {
			total++
			got, err := tok.Encode(cs.Text, vr.opts)
			if err != nil {
				t.Errorf("%s %q: %v", name, cs.Text, err)
				continue
			}
			if !slices.Equal(got, vr.want) {
				t.Errorf("%s %q (add special %v):\n got  %v\n want %v", name, cs.Text, vr.opts.AddSpecial, got, vr.want)
				continue
			}
			pass++
		}
		// Decode round trip: to the reference's decoded text where it gives one, else
		// (byte-level BPE, which is lossless) to the text itself.
		want := cs.Text
		if cs.Decoded != nil {
			want = *cs.Decoded
		}
		total++
		got, err := tok.Decode(cs.IDs)
		if err != nil || got != want {
			t.Errorf("%s decode %v: got %q (%v), want %q", name, cs.IDs, got, err, want)
			continue
		}
		pass++
	}
	t.Logf("%s: %d/%d encodings and decodings match", name, pass, total)
}

func TestSentencePieceCases(t *testing.T) {
	for _, path := range fixtures.Glob(t, "tokenizers/*.cases.json") {
		c := readCases(t, path)
		if c.Model == "" {
			continue
		}
		tok, err := Load(filepath.Join(filepath.Dir(path), c.Model))
		if err != nil {
			t.Fatalf("%s: %v", c.Model, err)
		}
		checkCases(t, filepath.Base(path), tok, c, false)
	}
}

func TestTokenizerJSONCases(t *testing.T) {
	for _, path := range fixtures.Glob(t, "tokenizers/*.cases.json") {
		c := readCases(t, path)
		if c.Tokenizer == "" {
			continue
		}
		tok, err := Load(filepath.Join(filepath.Dir(path), c.Tokenizer))
		if err != nil {
			t.Fatalf("%s: %v", c.Tokenizer, err)
		}
		// HF tokenizers always splits added tokens out of the text.
		checkCases(t, filepath.Base(path), tok, c, true)
	}
}

func TestModelDirTokenizers(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		name := filepath.Base(dir)
		tok, err := Load(dir)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		t.Logf("%s: loaded, %d tokens", name, tok.VocabSize())
		if cp := filepath.Join(dir, "tokenizer.cases.json"); fileExists(cp) {
			checkCases(t, name+"/tokenizer.cases.json", tok, readCases(t, cp), true)
		}
		checkChat(t, dir, tok)
		// Every tokenizer must at least round-trip plain text.
		const text = "Hello world, ROMEO: But soft! 123 ünïcödé\n\tend"
		ids, err := tok.Encode(text, EncodeOptions{})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		back, err := tok.Decode(ids)
		if err != nil || back != text {
			t.Errorf("%s: round trip gave %q (%v)", name, back, err)
		}
	}
}

// checkChat tokenizes the chat prompt of refs.json, when there is one.
func checkChat(t *testing.T, dir string, tok Tokenizer) {
	data, err := os.ReadFile(filepath.Join(dir, "refs.json"))
	if err != nil {
		return
	}
	var refs struct {
		Chat *struct {
			PromptText string  `json:"prompt_text"`
			PromptIDs  []int32 `json:"prompt_ids"`
		} `json:"chat"`
	}
	if err := json.Unmarshal(data, &refs); err != nil {
		t.Errorf("%s: %v", dir, err)
		return
	}
	if refs.Chat == nil {
		return
	}
	got, err := tok.Encode(refs.Chat.PromptText, EncodeOptions{ParseSpecial: true})
	if err != nil {
		t.Errorf("%s chat: %v", dir, err)
		return
	}
	if !slices.Equal(got, refs.Chat.PromptIDs) {
		t.Errorf("%s chat prompt:\n got  %v\n want %v", filepath.Base(dir), got, refs.Chat.PromptIDs)
		return
	}
	t.Logf("%s: chat prompt_text -> %d prompt_ids match", filepath.Base(dir), len(got))
}

// vocabCases reads llama.cpp's .inp/.out pair: cases separated by a marker line, and
// one line of space-separated ids per case.
func vocabCases(t *testing.T, inp string) ([]string, [][]int32) {
	t.Helper()
	in, err := os.ReadFile(inp)
	if err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(strings.TrimSuffix(inp, ".inp") + ".out")
	if err != nil {
		t.Fatal(err)
	}
	const sep = "\n__ggml_vocab_test__\n"
	texts := strings.Split(string(in), sep)
	if texts[len(texts)-1] != "" {
		t.Fatalf("%s: does not end with the case separator", inp)
	}
	texts = texts[:len(texts)-1]
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(texts) {
		t.Fatalf("%s: %d cases but %d output lines", inp, len(texts), len(lines))
	}
	ids := make([][]int32, len(lines))
	for i, l := range lines {
		for _, f := range strings.Fields(l) {
			var id int32
			if err := json.Unmarshal([]byte(f), &id); err != nil {
				t.Fatalf("%s line %d: %v", inp, i+1, err)
			}
			ids[i] = append(ids[i], id)
		}
		if ids[i] == nil {
			ids[i] = []int32{}
		}
	}
	return texts, ids
}

func checkVocabCases(t *testing.T, name string, tok Tokenizer, texts []string, want [][]int32) {
	t.Helper()
	pass := 0
	for i, text := range texts {
		got, err := tok.Encode(text, EncodeOptions{})
		if err != nil {
			t.Errorf("%s %q: %v", name, text, err)
			continue
		}
		if len(got) == 0 {
			got = []int32{}
		}
		if !slices.Equal(got, want[i]) {
			t.Errorf("%s case %d %q:\n got  %v\n want %v", name, i, text, got, want[i])
			continue
		}
		pass++
	}
	t.Logf("%s: %d/%d cases match", name, pass, len(texts))
}

// TestLlama3EncoderJSON runs llama.cpp's llama-bpe vectors through the Llama-3
// encoder.json + vocab.bpe pair.
func TestLlama3EncoderJSON(t *testing.T) {
	for _, enc := range fixtures.Glob(t, "tokenizers/*/encoder.json") {
		dir := filepath.Dir(enc)
		tok, err := Load(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		// llama3-bpe/ holds the vocabulary llama.cpp calls llama-bpe.
		name := strings.ReplaceAll(filepath.Base(dir), "3", "")
		matched := 0
		for _, inp := range fixtures.Glob(t, "tokenizers/llamacpp-vocab/*.gguf.inp") {
			if strings.TrimSuffix(strings.TrimPrefix(filepath.Base(inp), "ggml-vocab-"), ".gguf.inp") != name {
				continue
			}
			matched++
			texts, want := vocabCases(t, inp)
			checkVocabCases(t, filepath.Base(dir)+" vs "+filepath.Base(inp), tok, texts, want)
		}
		if matched == 0 {
			t.Errorf("%s: no llama.cpp vectors found for it", dir)
		}
	}
}

// TestLlamaCppVocabs runs llama.cpp's tokenizer vectors for every vocabulary GGUF.
func TestLlamaCppVocabs(t *testing.T) {
	for _, path := range fixtures.Glob(t, "tokenizers/llamacpp-vocab/*.gguf") {
		inp := path + ".inp"
		if !fileExists(inp) {
			continue
		}
		tok, err := Load(path)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		texts, want := vocabCases(t, inp)
		checkVocabCases(t, filepath.Base(path), tok, texts, want)
	}
}

// TestModelGGUFVocabs loads the vocabulary of every model GGUF. Where it carries the
// same pieces as a SentencePiece model with reference cases (the converter copies
// tokenizer.model into the GGUF), it must reproduce those cases' ids; every one must
// round-trip text.
func TestModelGGUFVocabs(t *testing.T) {
	type spmRef struct {
		v     *Vocab
		cases *casesFile
		name  string
	}
	var refs []spmRef
	for _, path := range fixtures.Glob(t, "tokenizers/*.cases.json") {
		c := readCases(t, path)
		if c.Model == "" {
			continue
		}
		v, err := ReadSentencePiece(filepath.Join(filepath.Dir(path), c.Model))
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, spmRef{v, c, c.Model})
	}
	for _, path := range fixtures.Glob(t, "models/*.gguf") {
		f, err := gguf.Open(path)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		v, err := VocabFromGGUF(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		for _, r := range refs {
			if !slices.Equal(r.v.Tokens, v.Tokens) {
				continue
			}
			// Gemma's conversion turns the dummy prefix off: other cases then.
			if r.v.AddSpacePrefix != v.AddSpacePrefix || r.v.RemoveExtraSpaces != v.RemoveExtraSpaces {
				t.Logf("%s: same pieces as %s but other whitespace flags (add_space_prefix %v); round trip only",
					filepath.Base(path), r.name, v.AddSpacePrefix)
				continue
			}
			tok, err := New(v)
			if err != nil {
				t.Fatal(err)
			}
			// BOS ids differ between conversions (llama32-tiny's points elsewhere),
			// so compare the ids without BOS.
			pass := 0
			for _, cs := range r.cases.Cases {
				got, err := tok.Encode(cs.Text, EncodeOptions{})
				if err != nil || !slices.Equal(got, cs.IDs) {
					t.Errorf("%s %q: got %v (%v), want %v", filepath.Base(path), cs.Text, got, err, cs.IDs)
					continue
				}
				pass++
			}
			t.Logf("%s: same pieces as %s, %d/%d of its cases match", filepath.Base(path), r.name, pass, len(r.cases.Cases))
		}
		tok, err := Load(path)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		const text = "First Citizen:\nBefore we proceed any further, hear me speak."
		ids, err := tok.Encode(text, EncodeOptions{})
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(path), err)
			continue
		}
		back, err := tok.Decode(ids)
		if err != nil || back != text {
			t.Errorf("%s: round trip gave %q (%v)", filepath.Base(path), back, err)
		}
		t.Logf("%s: %d tokens, %d ids for the probe text, round trip ok", filepath.Base(path), tok.VocabSize(), len(ids))
	}
}
