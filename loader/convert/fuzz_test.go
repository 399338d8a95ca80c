package convert

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/quant"
)

// tinyGGUF is a valid one-layer Llama GGUF small enough for a fuzz seed.
func tinyGGUF(tb testing.TB, typ quant.Type) []byte {
	tb.Helper()
	const vocab, dim, ffn, heads = 8, 32, 32, 2
	kvs := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "llama.block_count", Value: gguf.Uint32(1)},
		{Key: "llama.context_length", Value: gguf.Uint32(64)},
		{Key: "llama.embedding_length", Value: gguf.Uint32(dim)},
		{Key: "llama.feed_forward_length", Value: gguf.Uint32(ffn)},
		{Key: "llama.attention.head_count", Value: gguf.Uint32(heads)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: gguf.Float32(1e-5)},
		{Key: "llama.vocab_size", Value: gguf.Uint32(vocab)},
	}
	var ts []gguf.WriterTensor
	add := func(name string, t quant.Type, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		size, err := t.Bytes(int64(n))
		if err != nil {
			tb.Fatal(err)
		}
		data := make([]byte, size)
		if err := quant.Quantize(t, data, x); err != nil {
			tb.Fatal(err)
		}
		ts = append(ts, gguf.WriterTensor{Name: name, Type: t, Dims: ggmlDims(shape), Data: data})
	}
	add("token_embd.weight", typ, vocab, dim)
	add("output_norm.weight", quant.F32, dim)
	add("blk.0.attn_norm.weight", quant.F32, dim)
	add("blk.0.attn_q.weight", typ, dim, dim)
	add("blk.0.attn_k.weight", typ, dim, dim)
	add("blk.0.attn_v.weight", typ, dim, dim)
	add("blk.0.attn_output.weight", typ, dim, dim)
	add("blk.0.ffn_norm.weight", quant.F32, dim)
	add("blk.0.ffn_gate.weight", typ, ffn, dim)
	add("blk.0.ffn_up.weight", typ, ffn, dim)
	add("blk.0.ffn_down.weight", typ, dim, ffn)
	var buf bytes.Buffer
	if err := gguf.Write(&buf, kvs, ts, 0); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzConvert feeds arbitrary files to the loader and whatever it accepts to
// Convert: bad input must give an error, never a panic, whatever the
// preset.
func FuzzConvert(f *testing.F) {
	f.Add(tinyGGUF(f, quant.F32), uint8(0))
	f.Add(tinyGGUF(f, quant.Q8_0), uint8(5))
	f.Add(tinyGGUF(f, quant.F16), uint8(11))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, pick uint8) {
		path := filepath.Join(dir, "in.gguf")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := loader.Open(path)
		if err != nil {
			return
		}
		defer m.Close()
		p := presets[int(pick)%len(presets)]
		if _, err := PlanFor(m, p); err != nil {
			return
		}
		_ = Convert(io.Discard, m, p, Options{Threads: 1})
	})
}

// The tiny seed converts and reads back with the planned types.
func TestTinySeedConverts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiny.gguf")
	if err := os.WriteFile(path, tinyGGUF(t, quant.F32), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := loader.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, _ := ParsePreset("Q8_0")
	var buf bytes.Buffer
	if err := Convert(&buf, m, p, Options{}); err != nil {
		t.Fatal(err)
	}
	f, err := gguf.Parse("out", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	q, _ := f.Tensor("blk.0.attn_q.weight")
	n, _ := f.Tensor("blk.0.ffn_norm.weight")
	if q.Type != quant.Q8_0 || n.Type != quant.F32 {
		t.Errorf("attn_q %s, ffn_norm %s", q.Type, n.Type)
	}
	// Q8_0 of the pattern -3…3 with scale 3/127 decodes exactly to it.
	x := make([]float32, 32*32)
	if err := quant.Dequantize(q.Type, x, q.Data); err != nil {
		t.Fatal(err)
	}
	for i, v := range x {
		if want := float32(i%7) - 3; abs(v-want) > 3.0/127/2 {
			t.Fatalf("element %d: %v, want %v", i, v, want)
		}
	}
}

func abs(x float32) float32 {
	if x < 0 {
		return -x
	}
	return x
}
