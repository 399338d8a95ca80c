package runtime

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
)

// synthetic builds an in-memory Llama-shaped model with random float32
// weights, for tests that must run without the fixtures.
func synthetic(t testing.TB, arch loader.Arch) *loader.Model {
	t.Helper()
	c := &loader.Config{
		Arch: arch, VocabSize: 50, Dim: 16, FFNDim: 24, Layers: 2, Heads: 4, KVHeads: 2, HeadDim: 4,
		ContextLen: 64, NormEps: 1e-5, Act: loader.SiLU,
		Rope: loader.Rope{Theta: 10000, Dim: 4}, RopeLocal: loader.Rope{Theta: 10000, Dim: 4},
		AttnScale: 0.5, EmbedScale: 1, LayerSliding: []bool{false, false}, BOS: 1,
	}
	m := &loader.Model{Path: "synthetic-" + string(arch), Format: "test", Config: c, Tensors: map[string]*loader.Tensor{}}
	r := rand.New(rand.NewPCG(1, 1))
	add := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		data := make([]byte, 0, 4*n)
		for range n {
			data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(r.NormFloat64()*0.3)))
		}
		m.Tensors[name] = &loader.Tensor{Name: name, Type: quant.F32, Shape: shape, Data: data}
		m.Order = append(m.Order, name)
	}
	D, q, kv := c.Dim, c.Heads*c.HeadDim, c.KVHeads*c.HeadDim
	add("token_embd.weight", c.VocabSize, D)
	add("output_norm.weight", D)
	add("output.weight", c.VocabSize, D)
	for l := range c.Layers {
		p := fmt.Sprintf("blk.%d.", l)
		add(p+"attn_norm.weight", D)
		add(p+"attn_q.weight", q, D)
		add(p+"attn_k.weight", kv, D)
		add(p+"attn_v.weight", kv, D)
		add(p+"attn_output.weight", D, q)
		add(p+"ffn_norm.weight", D)
		add(p+"ffn_gate.weight", c.FFNDim, D)
		add(p+"ffn_up.weight", c.FFNDim, D)
		add(p+"ffn_down.weight", D, c.FFNDim)
	}
	return m
}

func newSynthetic(t *testing.T) *Model {
	m, err := New(synthetic(t, loader.Llama))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(m *loader.Model)
		wants []string // substrings of the error
	}{
		{"missing tensor", func(m *loader.Model) { delete(m.Tensors, "blk.1.ffn_down.weight") },
			[]string{`"blk.1.ffn_down.weight"`, "missing"}},
		{"wrong shape", func(m *loader.Model) { m.Tensors["blk.0.attn_k.weight"].Shape = []int{16, 8} },
			[]string{`"blk.0.attn_k.weight"`, "[16 8]", "[8 16]"}},
		{"wrong norm length", func(m *loader.Model) { m.Tensors["output_norm.weight"].Shape = []int{15} },
			[]string{`"output_norm.weight"`, "[15]", "[16]"}},
		{"data shorter than shape", func(m *loader.Model) {
			w := m.Tensors["blk.0.attn_q.weight"]
			w.Data = w.Data[:len(w.Data)-4]
		}, []string{`"blk.0.attn_q.weight"`, "bytes"}},
		{"unsupported type", func(m *loader.Model) { m.Tensors["output.weight"].Type = quant.I32 },
			[]string{`"output.weight"`, "I32"}},
		{"unknown architecture", func(m *loader.Model) { m.Config.Arch = "gpt2" }, []string{`"gpt2"`}},
		{"qwen3 without q norm", func(m *loader.Model) { m.Config.Arch = loader.Qwen3 }, []string{`"blk.0.attn_q_norm.weight"`}},
	}
	for _, c := range cases {
		lm := synthetic(t, loader.Llama)
		c.edit(lm)
		_, err := New(lm)
		if err == nil {
			t.Errorf("%s: New accepted the model", c.name)
			continue
		}
		for _, w := range c.wants {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not mention %s", c.name, err, w)
			}
		}
	}
}

func TestForwardBadInput(t *testing.T) {
	m := newSynthetic(t)
	c, err := m.NewCache(quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []struct {
		tokens []int
		pos    int
	}{
		{[]int{1, 50}, 0},    // id = vocab size
		{[]int{-1}, 0},       // negative id
		{nil, 0},             // nothing to run
		{[]int{1}, 1},        // position past the cache
		{[]int{1}, -1},       // negative position
		{make([]int, 65), 0}, // past the context length
	} {
		if _, err := m.Forward(c, bad.tokens, bad.pos, Options{}); err == nil {
			t.Errorf("Forward(%v, pos %d) succeeded", bad.tokens, bad.pos)
		} else {
			t.Logf("Forward(%d tokens, pos %d): %v", len(bad.tokens), bad.pos, err)
		}
	}
	if c.Len() != 0 {
		t.Errorf("failed calls changed the cache: Len %d", c.Len())
	}
	if _, err := m.NewCache(quant.Q8_0); err == nil {
		t.Errorf("NewCache(Q8_0) succeeded")
	}
	other, _ := New(synthetic(t, loader.Llama))
	other.Config.KVHeads = 4 // a differently shaped model
	oc, _ := other.NewCache(quant.F32)
	if _, err := m.Forward(oc, []int{1}, 0, Options{}); err == nil {
		t.Errorf("Forward accepted another model's cache")
	}
}

// TestIdentityLayers checks the skeleton of Forward against a value computed
// by hand: with every projection zero, attention and feed-forward add
// nothing, so logits = W_out · rmsnorm(embedding).
func TestIdentityLayers(t *testing.T) {
	lm := synthetic(t, loader.Llama)
	for name, w := range lm.Tensors {
		if strings.HasPrefix(name, "blk.") && !strings.HasSuffix(name, "norm.weight") {
			clear(w.Data)
		}
	}
	m, err := New(lm)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := m.NewCache(quant.F32)
	logits, err := m.Forward(c, []int{3, 7}, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	f32 := func(name string, i int) float64 {
		return float64(math.Float32frombits(binary.LittleEndian.Uint32(lm.Tensors[name].Data[4*i:])))
	}
	D, V := 16, 50
	for row, tok := range []int{3, 7} {
		var ss float64
		for i := range D {
			ss += f32("token_embd.weight", tok*D+i) * f32("token_embd.weight", tok*D+i)
		}
		inv := 1 / math.Sqrt(ss/float64(D)+1e-5)
		for v := range V {
			var want float64
			for i := range D {
				want += f32("output.weight", v*D+i) * f32("token_embd.weight", tok*D+i) * inv * f32("output_norm.weight", i)
			}
			if got := float64(logits[row*V+v]); math.Abs(got-want) > 1e-5*(1+math.Abs(want)) {
				t.Fatalf("token %d logit %d = %v, want %v", tok, v, got, want)
			}
		}
	}
}

// batchModels is every model directory of the fixtures plus the synthetic
// model, for tests that compare the runtime with itself.
func batchModels(t *testing.T) map[string]*Model {
	models := map[string]*Model{"synthetic": newSynthetic(t)}
	if _, ok := fixtures.Find(); ok {
		for _, dir := range fixtures.ModelDirs(t) {
			models[filepath.Base(dir)] = openModel(t, dir)
		}
	}
	return models
}

// testTokens returns n valid token ids.
func testTokens(m *Model, n int) []int {
	r := rand.New(rand.NewPCG(uint64(n), 7))
	ids := make([]int, n)
	for i := range ids {
		ids[i] = r.IntN(m.Vocab())
	}
	return ids
}

// TestBatchedPrefillMatchesSteps feeds the same tokens in one call, one token
// per call and in uneven chunks; the logits must agree to rounding (they are
// computed by the same kernels per position, so in fact exactly).
func TestBatchedPrefillMatchesSteps(t *testing.T) {
	for name, m := range batchModels(t) {
		ids := testTokens(m, 40)
		V := m.Vocab()
		run := func(chunk int) []float32 {
			c, err := m.NewCache(quant.F32)
			if err != nil {
				t.Fatal(err)
			}
			var all []float32
			for pos := 0; pos < len(ids); pos += chunk {
				end := min(pos+chunk, len(ids))
				logits, err := m.Forward(c, ids[pos:end], pos, Options{})
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, logits...)
			}
			return all
		}
		batch := run(len(ids))
		for _, chunk := range []int{1, 7} {
			e := fixtures.RelErr(run(chunk), batch)
			t.Logf("%s: chunks of %d vs one batch: rel err %.3e", name, chunk, e)
			if !(e <= 1e-6) {
				t.Errorf("%s: chunks of %d differ from one batch by %.3e", name, chunk, e)
			}
		}
		// LastOnly returns the last row of the same logits.
		c, _ := m.NewCache(quant.F32)
		last, err := m.Forward(c, ids, 0, Options{LastOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if e := fixtures.RelErr(last, batch[(len(ids)-1)*V:]); !(e <= 1e-6) {
			t.Errorf("%s: LastOnly differs from the last row by %.3e", name, e)
		}
		// Rewinding: run the last token again at its position.
		again, err := m.Forward(c, ids[len(ids)-1:], len(ids)-1, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if e := fixtures.RelErr(again, batch[(len(ids)-1)*V:]); !(e <= 1e-6) {
			t.Errorf("%s: re-running the last position differs by %.3e", name, e)
		}
	}
}

// TestF16Cache runs the reference inputs with a half-precision KV cache: the
// keys and values are rounded, so the logits move a little.
func TestF16Cache(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		m := openModel(t, dir)
		r := openRefs(t, filepath.Join(dir, "refs.safetensors"))
		c, err := m.NewCache(quant.F16)
		if err != nil {
			t.Fatal(err)
		}
		// Attention is causal, so a prefix of the input has the same
		// reference logits: 64 positions keep the test quick.
		ids := r.ids(t, "input_ids")
		ids = ids[:min(len(ids), 64)]
		logits, err := m.Forward(c, ids, 0, Options{})
		if err != nil {
			t.Fatal(err)
		}
		e := fixtures.RelErr(logits, r.floats(t, "logits")[:len(logits)])
		t.Logf("%s: f16 KV cache: logits rel err %.3e", filepath.Base(dir), e)
		if !(e <= 3e-3) {
			t.Errorf("%s: f16 KV cache: logits rel err %.3e > 3e-3", filepath.Base(dir), e)
		}
	}
}

func FuzzForward(f *testing.F) {
	f.Add([]byte{1, 2, 3}, 0, 1)
	f.Add([]byte{49, 0, 255}, 2, 3)
	f.Add([]byte{}, 0, 0)
	m, err := New(synthetic(f, loader.Llama))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte, pos, prefill int) {
		// Token ids from bytes (some past the vocabulary of 50), at a
		// position that may be invalid: errors are fine, panics are not.
		c, _ := m.NewCache(quant.F32)
		if prefill > 0 && prefill < 64 {
			if _, err := m.Forward(c, make([]int, prefill), 0, Options{}); err != nil {
				t.Fatal(err)
			}
		}
		ids := make([]int, len(raw))
		for i, b := range raw {
			ids[i] = int(b) - 4
		}
		logits, err := m.Forward(c, ids, pos, Options{})
		if err == nil && len(logits) != len(ids)*m.Vocab() {
			t.Fatalf("%d logits for %d tokens", len(logits), len(ids))
		}
	})
}
