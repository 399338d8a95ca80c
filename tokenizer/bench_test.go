package tokenizer

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// benchEncode encodes text/war-and-peace.txt with the tokenizer at the fixture path.
func benchEncode(b *testing.B, vocab string) {
	root := fixtures.Root(b)
	text, err := os.ReadFile(filepath.Join(root, "text", "war-and-peace.txt"))
	if err != nil {
		b.Skip(err)
	}
	tok, err := Load(filepath.Join(root, vocab))
	if err != nil {
		b.Fatal(err)
	}
	s := string(text)
	b.SetBytes(int64(len(s)))
	b.ResetTimer()
	var n int
	for i := 0; i < b.N; i++ {
		ids, err := tok.Encode(s, EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(ids)
	}
	b.ReportMetric(float64(n), "tokens")
}

func BenchmarkEncodeSPMLlama(b *testing.B) {
	benchEncode(b, "tokenizers/llamacpp-vocab/ggml-vocab-llama-spm.gguf")
}

func BenchmarkEncodeSPM1024(b *testing.B) { benchEncode(b, "tokenizers/spm1024.model") }

func BenchmarkEncodeLlama3BPE(b *testing.B) { benchEncode(b, "tokenizers/llama3-bpe") }
