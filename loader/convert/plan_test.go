package convert

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	"github.com/narallm/nara/quant"
)

// llamaPlanModel describes a Llama-shaped model for Plan: layers blocks of
// hidden size dim and feed-forward size ffn, with or without output.weight.
func llamaPlanModel(layers, heads, kvHeads, dim, ffn int, tied bool) PlanModel {
	m := PlanModel{Arch: "llama", Layers: layers, Heads: heads, KVHeads: kvHeads}
	add := func(name string, shape ...int) {
		m.Tensors = append(m.Tensors, PlanTensor{Name: name, Shape: shape, Type: quant.F32})
	}
	hd := dim / heads
	add("token_embd.weight", 1000, dim)
	if !tied {
		add("output.weight", 1000, dim)
	}
	add("output_norm.weight", dim)
	for l := range layers {
		n := func(s string) string { return fmt.Sprintf("blk.%d.%s", l, s) }
		add(n("attn_norm.weight"), dim)
		add(n("attn_q.weight"), dim, dim)
		add(n("attn_k.weight"), kvHeads*hd, dim)
		add(n("attn_v.weight"), kvHeads*hd, dim)
		add(n("attn_output.weight"), dim, dim)
		add(n("ffn_norm.weight"), dim)
		add(n("ffn_gate.weight"), ffn, dim)
		add(n("ffn_up.weight"), ffn, dim)
		add(n("ffn_down.weight"), dim, ffn)
	}
	return m
}

func mustPlan(t *testing.T, m PlanModel, preset string) map[string]quant.Type {
	t.Helper()
	p, err := ParsePreset(preset)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(m, p)
	if err != nil {
		t.Fatal(err)
	}
	return plan
}

// TestPlanRules checks llama-quantize's rules that the fixture files do not
// exercise (every shape there is a multiple of 256, with 2 or 6 layers and
// GQA 2). Each expectation is worked out from llama.cpp's
// llama_tensor_get_type for the model described.
func TestPlanRules(t *testing.T) {
	cases := []struct {
		name   string
		model  PlanModel
		preset string
		want   map[string]quant.Type
	}{
		{"tied embeddings take the output's Q6_K", llamaPlanModel(2, 4, 4, 256, 512, true), "Q4_0",
			map[string]quant.Type{"token_embd.weight": quant.Q6_K, "blk.0.attn_q.weight": quant.Q4_0, "output_norm.weight": quant.F32}},
		{"Q8_0 keeps the output at Q8_0", llamaPlanModel(2, 4, 4, 256, 512, false), "Q8_0",
			map[string]quant.Type{"output.weight": quant.Q8_0, "token_embd.weight": quant.Q8_0}},
		{"rows of 320: K-quants fall back to 32-blocks", llamaPlanModel(8, 4, 4, 320, 640, false), "Q4_K_M",
			map[string]quant.Type{
				"blk.1.attn_q.weight":   quant.Q5_0, // Q4_K → Q5_0
				"blk.0.attn_v.weight":   quant.Q8_0, // use_more_bits(0, 8): Q6_K → Q8_0
				"blk.0.ffn_down.weight": quant.Q8_0, // ffn_down rows are 640: Q6_K → Q8_0
				"blk.1.ffn_down.weight": quant.Q5_0,
				"output.weight":         quant.Q8_0, // the output rule itself picks Q8_0
				"token_embd.weight":     quant.Q5_0,
			}},
		{"rows of 320: Q5_K → Q5_1", llamaPlanModel(2, 4, 4, 320, 640, false), "Q5_K_S",
			map[string]quant.Type{"blk.0.attn_q.weight": quant.Q5_1}},
		{"rows of 320: Q3_K → IQ4_NL", llamaPlanModel(2, 4, 4, 320, 640, false), "Q3_K_S",
			map[string]quant.Type{"blk.0.attn_q.weight": quant.IQ4_NL}},
		{"rows of 320: IQ4_XS → IQ4_NL", llamaPlanModel(2, 4, 4, 320, 640, false), "IQ4_XS",
			map[string]quant.Type{"blk.0.attn_k.weight": quant.IQ4_NL}},
		{"rows of 40: no block fits, F16", llamaPlanModel(2, 4, 4, 40, 80, false), "Q4_K_M",
			map[string]quant.Type{"blk.0.attn_q.weight": quant.F16, "output.weight": quant.F16}},
		{"Q3_K_L", llamaPlanModel(4, 4, 4, 256, 512, false), "Q3_K_L",
			map[string]quant.Type{"blk.3.attn_v.weight": quant.Q5_K, "blk.2.ffn_down.weight": quant.Q5_K,
				"blk.1.attn_output.weight": quant.Q5_K, "blk.1.attn_q.weight": quant.Q3_K}},
		{"Q3_K_M over 32 layers", llamaPlanModel(32, 4, 4, 256, 512, false), "Q3_K_M",
			map[string]quant.Type{"blk.0.attn_v.weight": quant.Q5_K, "blk.1.attn_v.weight": quant.Q5_K, "blk.2.attn_v.weight": quant.Q4_K,
				"blk.1.ffn_down.weight": quant.Q5_K, "blk.2.ffn_down.weight": quant.Q4_K, "blk.9.attn_output.weight": quant.Q4_K}},
		{"Q4_K_M over 32 layers: use_more_bits", llamaPlanModel(32, 4, 4, 256, 512, false), "Q4_K_M",
			map[string]quant.Type{"blk.3.attn_v.weight": quant.Q6_K, "blk.4.attn_v.weight": quant.Q4_K, "blk.6.attn_v.weight": quant.Q6_K,
				"blk.7.ffn_down.weight": quant.Q4_K, "blk.9.ffn_down.weight": quant.Q6_K, "blk.27.ffn_down.weight": quant.Q6_K,
				"blk.26.ffn_down.weight": quant.Q4_K, "blk.28.ffn_down.weight": quant.Q6_K}},
		{"Q4_K_S: first 4 attn_v and first eighth of ffn_down", llamaPlanModel(16, 4, 4, 256, 512, false), "Q4_K_S",
			map[string]quant.Type{"blk.3.attn_v.weight": quant.Q5_K, "blk.4.attn_v.weight": quant.Q4_K,
				"blk.1.ffn_down.weight": quant.Q5_K, "blk.2.ffn_down.weight": quant.Q4_K}},
		{"Q2_K with GQA 8", llamaPlanModel(2, 32, 4, 2048, 512, false), "Q2_K",
			map[string]quant.Type{"blk.0.attn_v.weight": quant.Q4_K, "blk.0.ffn_down.weight": quant.Q3_K,
				"blk.0.attn_output.weight": quant.Q3_K, "blk.0.ffn_up.weight": quant.Q2_K}},
		{"Q2_K with GQA 2", llamaPlanModel(2, 8, 4, 256, 512, false), "Q2_K",
			map[string]quant.Type{"blk.0.attn_v.weight": quant.Q3_K}},
		{"IQ4_NL with GQA 8 bumps attn_v", llamaPlanModel(2, 32, 4, 2048, 512, false), "IQ4_NL",
			map[string]quant.Type{"blk.0.attn_v.weight": quant.Q5_K, "blk.0.attn_q.weight": quant.IQ4_NL}},
		{"80-layer Llama (70B): attn_v gets Q5_K", llamaPlanModel(80, 8, 1, 256, 512, false), "Q3_K_S",
			map[string]quant.Type{"blk.40.attn_v.weight": quant.Q5_K, "blk.40.attn_q.weight": quant.Q3_K}},
		{"F16 converts every matrix, keeps vectors", llamaPlanModel(2, 4, 4, 40, 80, false), "F16",
			map[string]quant.Type{"token_embd.weight": quant.F16, "output.weight": quant.F16, "blk.1.ffn_down.weight": quant.F16,
				"blk.1.ffn_norm.weight": quant.F32}},
	}
	for _, c := range cases {
		plan := mustPlan(t, c.model, c.preset)
		for name, want := range c.want {
			if got := plan[name]; got != want {
				t.Errorf("%s (%s): %s is %s, want %s", c.name, c.preset, name, got, want)
			}
		}
	}
}

// Phi-3's fused attn_qkv counts as the layer's attn_v and has its own rule.
func TestPlanFusedQKV(t *testing.T) {
	m := PlanModel{Arch: "phi3", Layers: 2, Heads: 4, KVHeads: 4}
	for l := range 2 {
		m.Tensors = append(m.Tensors,
			PlanTensor{Name: fmt.Sprintf("blk.%d.attn_qkv.weight", l), Shape: []int{768, 256}},
			PlanTensor{Name: fmt.Sprintf("blk.%d.ffn_up.weight", l), Shape: []int{1024, 256}})
	}
	plan := mustPlan(t, m, "Q4_K_M")
	if plan["blk.0.attn_qkv.weight"] != quant.Q5_K || plan["blk.1.ffn_up.weight"] != quant.Q4_K {
		t.Errorf("plan %v", plan)
	}
}

func TestPlanRejectsOddAttnV(t *testing.T) {
	m := llamaPlanModel(2, 4, 4, 256, 512, false)
	m.Tensors = append(m.Tensors, PlanTensor{Name: "blk.2.attn_v.weight", Shape: []int{256, 256}})
	p, _ := ParsePreset("Q4_K_M")
	if _, err := Plan(m, p); err == nil {
		t.Errorf("3 attn_v tensors for 2 layers: no error")
	}
}

func TestParsePreset(t *testing.T) {
	for in, want := range map[string]string{"q4_k_m": "Q4_K_M", "Q4_K": "Q4_K_M", "bf16": "BF16", "IQ4_XS": "IQ4_XS"} {
		p, err := ParsePreset(in)
		if err != nil || p.Name != want {
			t.Errorf("ParsePreset(%q) = %q, %v; want %q", in, p.Name, err, want)
		}
	}
	// llama.cpp's llama_ftype numbers, as general.file_type stores them.
	for name, ft := range map[string]uint32{"F32": 0, "F16": 1, "Q4_0": 2, "Q8_0": 7, "Q2_K": 10, "Q4_K_M": 15, "Q6_K": 18, "IQ4_NL": 25, "IQ4_XS": 30, "BF16": 32} {
		if p, _ := ParsePreset(name); p.FileType != ft {
			t.Errorf("%s: file type %d, want %d", name, p.FileType, ft)
		}
	}
	if _, err := ParsePreset("Q3"); err == nil {
		t.Errorf("ParsePreset(Q3): no error")
	}
}

// The permutation moves HF's rotate-half pairs (i, i+d/2) to adjacent rows
// (2i, 2i+1) within each head: for two heads of 4 rows, output rows come
// from input rows 0 2 1 3 | 4 6 5 7.
func TestPermutation(t *testing.T) {
	want := []float32{0, 2, 1, 3, 4, 6, 5, 7}
	// As a matrix [8, 2]: rows are permuted.
	rows := make([]byte, 8*2*4)
	for r := range 8 {
		for c := range 2 {
			putF32(rows[(r*2+c)*4:], float32(r))
		}
	}
	s := &source{name: "blk.0.attn_q.weight", shape: []int{8, 2}, typ: quant.F32, raw: rows}
	if err := setPermutation(s, 2, "test"); err != nil {
		t.Fatal(err)
	}
	got := make([]float32, 16)
	if err := s.readRows(got, 0, 8); err != nil {
		t.Fatal(err)
	}
	for r := range 8 {
		if got[2*r] != want[r] || got[2*r+1] != want[r] {
			t.Errorf("matrix row %d holds input row %v, want %v", r, got[2*r], want[r])
		}
	}
	// As a bias [8]: elements are permuted.
	bias := make([]byte, 8*4)
	for i := range 8 {
		putF32(bias[4*i:], float32(i))
	}
	b := &source{name: "blk.0.attn_q.bias", shape: []int{8}, typ: quant.F32, raw: bias}
	if err := setPermutation(b, 2, "test"); err != nil {
		t.Fatal(err)
	}
	gb := make([]float32, 8)
	if err := b.readRows(gb, 0, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		if gb[i] != want[i] {
			t.Errorf("bias %d holds input %v, want %v", i, gb[i], want[i])
		}
	}
	if err := setPermutation(&source{name: "x", shape: []int{6, 2}}, 2, "test"); err == nil {
		t.Errorf("6 rows into 2 heads of pairs: no error")
	}
}

func TestSizeLabel(t *testing.T) {
	// Labels of the fixture conversions and of well-known models.
	for n, want := range map[int64]string{217408: "217K", 164160: "164K", 5_250_000: "5.2M", 1_100_048_384: "1.1B", 6_738_415_616: "6.7B", 999: "1.0K"} {
		if got := sizeLabel(n); got != want {
			t.Errorf("sizeLabel(%d) = %q, want %q", n, got, want)
		}
	}
}

func putF32(b []byte, v float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(v)) }
