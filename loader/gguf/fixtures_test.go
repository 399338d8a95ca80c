package gguf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// fixtureGGUFs lists every GGUF file in the fixture tree.
func fixtureGGUFs(t testing.TB) []string {
	var files []string
	for _, pat := range []string{"models/*.gguf", "quant/*.gguf", "tokenizers/llamacpp-vocab/*.gguf"} {
		files = append(files, fixtures.Glob(t, pat)...)
	}
	if len(files) == 0 {
		t.Skip("no GGUF fixtures found")
	}
	return files
}

// Every fixture parses, and writing it back with its own metadata, tensors and
// alignment reproduces the file byte for byte.
func TestFixturesRoundTrip(t *testing.T) {
	for _, path := range fixtureGGUFs(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			f, err := Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			orig, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: v%d, %d kvs, %d tensors, alignment %d, data at %d", name, f.Version, len(f.KVs), len(f.Tensors), f.Alignment, f.DataOffset)

			var buf bytes.Buffer
			if err := Write(&buf, f.KVs, f.WriterTensors(), f.Alignment); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			if !bytes.Equal(got, orig) {
				i := 0
				for i < len(got) && i < len(orig) && got[i] == orig[i] {
					i++
				}
				t.Fatalf("rewritten file differs from the original at byte %d (lengths %d and %d)", i, len(got), len(orig))
			}
			t.Logf("%s: round trip identical (%d bytes)", name, len(orig))
		})
	}
}

// The GGUF conversions of the fixture models agree with the HF config.json
// beside them (written by transformers, not by the converter).
func TestFixtureModelsMatchConfig(t *testing.T) {
	checked := 0
	for _, path := range fixtures.Glob(t, "models/*.gguf") {
		base := filepath.Base(path)
		dir := filepath.Join(filepath.Dir(path), strings.SplitN(base, ".", 2)[0])
		raw, err := os.ReadFile(filepath.Join(dir, "config.json"))
		if err != nil {
			t.Logf("%s: no config.json beside it, skipped", base)
			continue
		}
		var cfg struct {
			HiddenSize int64 `json:"hidden_size"`
			Layers     int64 `json:"num_hidden_layers"`
			Heads      int64 `json:"num_attention_heads"`
			Vocab      int64 `json:"vocab_size"`
		}
		if err := json.Unmarshal(raw, &cfg); err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		arch, ok := f.String("general.architecture")
		if !ok {
			t.Errorf("%s: no general.architecture", base)
			f.Close()
			continue
		}
		for key, want := range map[string]int64{
			arch + ".embedding_length":     cfg.HiddenSize,
			arch + ".block_count":          cfg.Layers,
			arch + ".attention.head_count": cfg.Heads,
		} {
			got, ok := f.Int(key)
			if !ok || got != want {
				t.Errorf("%s: %s = %d (present %v), config.json says %d", base, key, got, ok, want)
			}
		}
		emb, ok := f.Tensor("token_embd.weight")
		if !ok {
			t.Errorf("%s: no token_embd.weight", base)
		} else if len(emb.Dims) != 2 || int64(emb.Dims[0]) != cfg.HiddenSize || int64(emb.Dims[1]) != cfg.Vocab {
			t.Errorf("%s: token_embd.weight dims %v, want [%d %d]", base, emb.Dims, cfg.HiddenSize, cfg.Vocab)
		}
		if toks, ok := f.Strings("tokenizer.ggml.tokens"); !ok || int64(len(toks)) != cfg.Vocab {
			t.Errorf("%s: %d tokens (present %v), vocab_size %d", base, len(toks), ok, cfg.Vocab)
		}
		t.Logf("%s: %s hidden %d, %d layers, vocab %d agree with config.json", base, arch, cfg.HiddenSize, cfg.Layers, cfg.Vocab)
		checked++
		f.Close()
	}
	if checked == 0 {
		t.Skip("no model GGUF with a config.json")
	}
}

// Every token id in llama.cpp's expected tokenizations indexes the vocabulary
// of the GGUF beside it, and the three token arrays have one entry per token.
func TestFixtureVocabs(t *testing.T) {
	for _, path := range fixtures.Glob(t, "tokenizers/llamacpp-vocab/*.gguf") {
		base := filepath.Base(path)
		f, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		toks, ok := f.Strings("tokenizer.ggml.tokens")
		if !ok || len(toks) == 0 {
			t.Errorf("%s: no tokenizer.ggml.tokens", base)
		}
		if types, ok := f.Int32s("tokenizer.ggml.token_type"); ok && len(types) != len(toks) {
			t.Errorf("%s: %d token types for %d tokens", base, len(types), len(toks))
		}
		if scores, ok := f.Float32s("tokenizer.ggml.scores"); ok && len(scores) != len(toks) {
			t.Errorf("%s: %d scores for %d tokens", base, len(scores), len(toks))
		}
		out, err := os.ReadFile(path + ".out")
		if err == nil {
			maxID := int64(-1)
			for _, field := range strings.Fields(string(out)) {
				var id int64
				if err := json.Unmarshal([]byte(field), &id); err != nil {
					t.Fatalf("%s.out: %q: %v", base, field, err)
				}
				maxID = max(maxID, id)
			}
			if maxID >= int64(len(toks)) {
				t.Errorf("%s: .out uses id %d, vocabulary has %d tokens", base, maxID, len(toks))
			}
			t.Logf("%s: %d tokens, largest id in .out %d", base, len(toks), maxID)
		}
		f.Close()
	}
}

func readLargest(b *testing.B, files []string) (string, []byte) {
	var best string
	var size int64 = -1
	for _, p := range files {
		if st, err := os.Stat(p); err == nil && st.Size() > size {
			best, size = p, st.Size()
		}
	}
	data, err := os.ReadFile(best)
	if err != nil {
		b.Fatal(err)
	}
	return best, data
}

func benchParse(b *testing.B, path string, data []byte) {
	b.Logf("%s: %d bytes", filepath.Base(path), len(data))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(path, data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParse parses the largest fixture GGUF (its header; the tensors are
// only bounds-checked views).
func BenchmarkParse(b *testing.B) {
	path, data := readLargest(b, fixtureGGUFs(b))
	benchParse(b, path, data)
}

// BenchmarkParseVocab parses the largest vocabulary-only fixture: all string
// arrays, the hot path of a real model's header.
func BenchmarkParseVocab(b *testing.B) {
	files := fixtures.Glob(b, "tokenizers/llamacpp-vocab/*.gguf")
	if len(files) == 0 {
		b.Skip("no vocab fixtures")
	}
	path, data := readLargest(b, files)
	benchParse(b, path, data)
}
