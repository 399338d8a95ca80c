package convert

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/tokenizer"
)

func generate(t *testing.T, s Shape, preset string, seed uint64, threads int) []byte {
	t.Helper()
	p, err := ParsePreset(preset)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Generate(&buf, s, p, seed, Options{Threads: threads}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestGenerateSmall writes the small shape, loads it back, checks the
// hyperparameters, the vocabulary and the weight statistics, and runs a
// forward pass.
func TestGenerateSmall(t *testing.T) {
	s, err := ParseShape("small")
	if err != nil {
		t.Fatal(err)
	}
	for _, preset := range []string{"F32", "Q4_K_M"} {
		t.Run(preset, func(t *testing.T) {
			data := generate(t, s, preset, 7, 2)
			path := filepath.Join(t.TempDir(), "small.gguf")
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			lm, err := loader.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer lm.Close()
			c := lm.Config
			if c.VocabSize != s.Vocab || c.Dim != s.Dim || c.FFNDim != s.FFN || c.Layers != s.Layers ||
				c.Heads != s.Heads || c.KVHeads != s.KVHeads || c.ContextLen != s.Context || c.Rope.Theta != s.Theta {
				t.Errorf("config read back %+v, shape %+v", c, s)
			}
			if preset == "F32" {
				// N(0, 0.02): with 524288 samples the sample standard
				// deviation is within 0.1% and the mean within 1e-4.
				e, _ := lm.Weight("token_embd.weight")
				x := make([]float32, e.Elems())
				if err := quant.Dequantize(e.Type, x, e.Data); err != nil {
					t.Fatal(err)
				}
				var sum, sq float64
				for _, v := range x {
					sum += float64(v)
					sq += float64(v) * float64(v)
				}
				mean := sum / float64(len(x))
				std := math.Sqrt(sq/float64(len(x)) - mean*mean)
				t.Logf("token_embd: mean %.2e, std %.5f (want 0, %.2f)", mean, std, weightStd)
				if math.Abs(mean) > 1e-4 || math.Abs(std-weightStd) > 3e-3*weightStd {
					t.Errorf("token_embd mean %g std %g, want 0 and %g", mean, std, weightStd)
				}
			} else {
				// llama.cpp's Q4_K_M with 4 layers: attn_v and ffn_down get
				// Q6_K in layers 2 ((i − 4/8) mod 3 = 2) and 3 (i ≥ 7·4/8),
				// Q4_K in 0 and 1; output Q6_K.
				want := map[string]quant.Type{
					"blk.0.attn_q.weight": quant.Q4_K, "blk.0.attn_v.weight": quant.Q4_K, "blk.1.ffn_down.weight": quant.Q4_K,
					"blk.2.attn_v.weight": quant.Q6_K, "blk.3.ffn_down.weight": quant.Q6_K, "output.weight": quant.Q6_K,
					"token_embd.weight": quant.Q4_K, "blk.3.ffn_norm.weight": quant.F32,
				}
				for name, typ := range want {
					if w, err := lm.Weight(name); err != nil || w.Type != typ {
						t.Errorf("%s: %v, want %s", name, w.Type, typ)
					}
				}
			}

			tok, err := tokenizer.FromGGUF(lm.GGUF)
			if err != nil {
				t.Fatal(err)
			}
			text := "Hello world, the cat sat."
			ids, err := tok.Encode(text, tokenizer.EncodeOptions{AddSpecial: true})
			if err != nil {
				t.Fatal(err)
			}
			back, err := tok.Decode(ids[1:])
			if err != nil || back != text {
				t.Errorf("decode(encode(%q)) = %q, %v", text, back, err)
			}

			m, err := runtime.New(lm)
			if err != nil {
				t.Fatal(err)
			}
			cache, err := m.NewCache(quant.F32)
			if err != nil {
				t.Fatal(err)
			}
			in := make([]int, len(ids))
			for i, id := range ids {
				in[i] = int(id)
			}
			logits, err := m.Forward(cache, in, 0, runtime.Options{LastOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			var maxAbs float64
			for _, v := range logits {
				if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
					t.Fatalf("logit %v", v)
				}
				maxAbs = max(maxAbs, math.Abs(float64(v)))
			}
			t.Logf("%s: %d bytes, %d tokens for %q, max |logit| %.3f", preset, len(data), len(ids), text, maxAbs)
			if maxAbs == 0 {
				t.Errorf("all logits are zero")
			}
		})
	}
}

// TestGenerateDeterministic: the same seed gives the same file whatever the
// thread count; another seed gives other weights.
func TestGenerateDeterministic(t *testing.T) {
	s, _ := ParseShape("small")
	s.Layers = 1
	a := generate(t, s, "Q8_0", 1, 1)
	b := generate(t, s, "Q8_0", 1, 3)
	c := generate(t, s, "Q8_0", 2, 1)
	if !bytes.Equal(a, b) {
		t.Errorf("seed 1 with 1 and 3 threads: files differ")
	}
	if bytes.Equal(a, c) {
		t.Errorf("seeds 1 and 2 give the same file")
	}
}

// TestGenerateBPE builds a reduced Llama-3.2-style model (byte-level BPE
// vocabulary, tied embeddings, rope_freqs) and checks that it loads, that
// the tokenizer round-trips text and that the specials sit where Llama 3
// puts them.
func TestGenerateBPE(t *testing.T) {
	s, _ := ParseShape("llama32-1b")
	s.Vocab, s.Dim, s.FFN, s.Layers, s.Heads, s.KVHeads = 1280, 128, 256, 1, 4, 2
	data := generate(t, s, "Q8_0", 3, 2)
	f, err := gguf.Parse("bpe", data)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Tensor("output.weight"); ok {
		t.Errorf("tied model has output.weight")
	}
	rf, ok := f.Tensor("rope_freqs.weight")
	if !ok || rf.Type != quant.F32 {
		t.Fatalf("rope_freqs missing or not F32")
	}
	tok, err := tokenizer.FromGGUF(f)
	if err != nil {
		t.Fatal(err)
	}
	if tok.BOS() != 1024 || tok.TokenText(1024) != "<|begin_of_text|>" || tok.TokenText(1024+9) != "<|eot_id|>" {
		t.Errorf("BOS %d %q, eot %q", tok.BOS(), tok.TokenText(tok.BOS()), tok.TokenText(1024+9))
	}
	text := "Hello world!\n  Numbers 12345 and ünïcödé."
	ids, err := tok.Encode(text, tokenizer.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	back, err := tok.Decode(ids)
	if err != nil || back != text {
		t.Errorf("decode(encode(%q)) = %q, %v", text, back, err)
	}
	t.Logf("%d-token BPE vocabulary: %q → %d ids", tok.VocabSize(), text, len(ids))
}
