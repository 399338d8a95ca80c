package convert

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/narallm/nara/quant"
)

// Preset is a file type as llama-quantize names it: the type most weight
// matrices get, and the rules that give some tensors another.
type Preset struct {
	Name     string     // "Q4_K_M", as on llama-quantize's command line
	FileType uint32     // general.file_type (llama.cpp's llama_ftype)
	Base     quant.Type // the type of ordinary weight matrices
}

// presets are llama-quantize's file types that nara can write.
var presets = []Preset{
	{"F32", 0, quant.F32},
	{"F16", 1, quant.F16},
	{"Q4_0", 2, quant.Q4_0},
	{"Q4_1", 3, quant.Q4_1},
	{"Q8_0", 7, quant.Q8_0},
	{"Q5_0", 8, quant.Q5_0},
	{"Q5_1", 9, quant.Q5_1},
	{"Q2_K", 10, quant.Q2_K},
	{"Q3_K_S", 11, quant.Q3_K},
	{"Q3_K_M", 12, quant.Q3_K},
	{"Q3_K_L", 13, quant.Q3_K},
	{"Q4_K_S", 14, quant.Q4_K},
	{"Q4_K_M", 15, quant.Q4_K},
	{"Q5_K_S", 16, quant.Q5_K},
	{"Q5_K_M", 17, quant.Q5_K},
	{"Q6_K", 18, quant.Q6_K},
	{"IQ4_NL", 25, quant.IQ4_NL},
	{"IQ4_XS", 30, quant.IQ4_XS},
	{"BF16", 32, quant.BF16},
}

// presetAliases are the short names llama-quantize also accepts.
var presetAliases = map[string]string{"Q3_K": "Q3_K_M", "Q4_K": "Q4_K_M", "Q5_K": "Q5_K_M"}

// ParsePreset finds a preset by name (case-insensitive; Q4_K means Q4_K_M
// as in llama-quantize).
func ParsePreset(name string) (Preset, error) {
	n := strings.ToUpper(name)
	if a, ok := presetAliases[n]; ok {
		n = a
	}
	for _, p := range presets {
		if p.Name == n {
			return p, nil
		}
	}
	return Preset{}, fmt.Errorf("unknown type %q (have %s)", name, strings.Join(PresetNames(), ", "))
}

// PresetNames lists the preset names.
func PresetNames() []string {
	names := make([]string, len(presets))
	for i, p := range presets {
		names[i] = p.Name
	}
	return names
}

// PlanTensor is what the plan needs to know about one tensor.
type PlanTensor struct {
	Name  string
	Shape []int      // row-major, outermost first (ggml's ne[0] is the last)
	Type  quant.Type // the type it has in the source (kept when not quantized)
}

// PlanModel is what the plan needs to know about the model.
type PlanModel struct {
	Arch    string // GGUF architecture name
	Layers  int
	Heads   int
	KVHeads int
	Tensors []PlanTensor // in file order
}

// Plan chooses the type of every tensor for preset p, following
// llama-quantize's rules (llama.cpp, early 2025) without an importance
// matrix: tensors that are not weight matrices keep their type; token_embd
// and output follow their own rules; the _S/_M/_L mixes give more bits to
// attn_v and ffn_down of some layers; a matrix whose rows are not a whole
// number of blocks falls back to a type whose blocks fit.
//
// The result has one entry per tensor, by name.
func Plan(m PlanModel, p Preset) (map[string]quant.Type, error) {
	s := &planState{m: m, p: p, hasOutput: false}
	for _, t := range m.Tensors {
		switch {
		case t.Name == "output.weight":
			s.hasOutput = true
		case strings.Contains(t.Name, "attn_v.weight"), strings.Contains(t.Name, "attn_qkv.weight"):
			s.nAttnV++
		}
	}
	// llama.cpp counts one attn_v per layer and refuses anything else.
	if s.nAttnV != 0 && s.nAttnV != m.Layers {
		return nil, fmt.Errorf("plan: %d attn_v/attn_qkv tensors for %d layers", s.nAttnV, m.Layers)
	}
	out := make(map[string]quant.Type, len(m.Tensors))
	for _, t := range m.Tensors {
		typ, err := s.typeOf(t)
		if err != nil {
			return nil, err
		}
		out[t.Name] = typ
	}
	return out, nil
}

type planState struct {
	m         PlanModel
	p         Preset
	hasOutput bool
	nAttnV    int
	iAttnV    int // attn_v tensors seen so far (the mixes count them, not layer numbers)
	iFFNDown  int
}

// quantizable is llama-quantize's test for tensors it converts at all:
// matrices (2-D or more) named *weight, except norms and a few small ones.
func quantizable(t PlanTensor) bool {
	n := t.Name
	if len(t.Shape) < 2 || !strings.HasSuffix(n, "weight") || strings.Contains(n, "_norm.weight") {
		return false
	}
	for _, skip := range []string{"ffn_gate_inp.weight", "position_embd.weight", "token_types.weight", "ssm_conv1d.weight", "attn_rel_b.weight"} {
		if strings.Contains(n, skip) {
			return false
		}
	}
	return true
}

func (s *planState) typeOf(t PlanTensor) (quant.Type, error) {
	if !quantizable(t) {
		return t.Type, nil
	}
	typ := s.p.Base
	if bs, _ := typ.Traits(); bs.BlockSize == 1 {
		return typ, nil // float presets have no mixes and no fallbacks
	}
	typ = s.mix(t, typ)
	// Rows must be whole blocks; otherwise llama.cpp picks a type with
	// smaller blocks, and F16 when even those do not fit.
	cols := t.Shape[len(t.Shape)-1]
	if tr, _ := typ.Traits(); cols%tr.BlockSize != 0 {
		switch typ {
		case quant.Q2_K, quant.Q3_K, quant.IQ4_XS:
			typ = quant.IQ4_NL
		case quant.Q4_K:
			typ = quant.Q5_0
		case quant.Q5_K:
			typ = quant.Q5_1
		case quant.Q6_K:
			typ = quant.Q8_0
		}
		if tr, _ := typ.Traits(); cols%tr.BlockSize != 0 {
			typ = quant.F16
		}
	}
	return typ, nil
}

// useMoreBits picks the layers the _M mixes favour: the first and last
// eighth, and every third layer in between.
func useMoreBits(i, n int) bool {
	return i < n/8 || i >= 7*n/8 || (i-n/8)%3 == 2
}

// mix applies the preset's per-tensor rules to a matrix whose default is typ.
func (s *planState) mix(t PlanTensor, typ quant.Type) quant.Type {
	name, ftype := t.Name, s.p.Name
	falcon := s.m.Arch == "falcon"
	gqa := 1
	if s.m.KVHeads > 0 {
		gqa = s.m.Heads / s.m.KVHeads
	}
	// Only 80-layer Llamas are "70B" to llama.cpp's model typing.
	is70B := s.m.Arch == "llama" && s.m.Layers == 80

	switch {
	case name == "output.weight" || (!s.hasOutput && name == "token_embd.weight"):
		cols := t.Shape[len(t.Shape)-1]
		if tr, _ := typ.Traits(); falcon || cols%tr.BlockSize != 0 {
			return quant.Q8_0
		}
		if typ != quant.Q8_0 {
			return quant.Q6_K
		}
		return typ

	case name == "token_embd.weight":
		return typ // only the IQ1/IQ2/IQ3 presets change it

	case strings.Contains(name, "attn_v.weight"):
		switch {
		case ftype == "Q2_K":
			typ = pick(gqa >= 4, quant.Q4_K, quant.Q3_K)
		case ftype == "Q3_K_M":
			typ = pick(s.iAttnV < 2, quant.Q5_K, quant.Q4_K)
		case ftype == "Q3_K_L":
			typ = quant.Q5_K
		case (ftype == "IQ4_NL" || ftype == "IQ4_XS") && gqa >= 4:
			typ = quant.Q5_K
		case (ftype == "Q4_K_M" || ftype == "Q5_K_M") && useMoreBits(s.iAttnV, s.nAttnV):
			typ = quant.Q6_K
		case ftype == "Q4_K_S" && s.iAttnV < 4:
			typ = quant.Q5_K
		}
		if is70B && (typ == quant.Q3_K || typ == quant.Q4_K) {
			// 8 query heads share each attn_v row: more bits cost little.
			typ = quant.Q5_K
		}
		s.iAttnV++
		return typ

	case strings.Contains(name, "ffn_down"):
		i, n := s.iFFNDown, s.m.Layers
		s.iFFNDown++
		switch {
		case ftype == "Q2_K":
			return quant.Q3_K
		case ftype == "Q3_K_M":
			if i < n/16 {
				return quant.Q5_K
			}
			if !falcon || useMoreBits(i, n) {
				return quant.Q4_K
			}
			return quant.Q3_K
		case ftype == "Q3_K_L":
			return pick(falcon, quant.Q4_K, quant.Q5_K)
		case ftype == "Q4_K_M":
			if falcon {
				if i < n/16 {
					return quant.Q6_K
				}
				return pick(useMoreBits(i, n), quant.Q5_K, quant.Q4_K)
			}
			if useMoreBits(i, n) {
				return quant.Q6_K
			}
		case i < n/8 && (ftype == "IQ4_NL" || ftype == "IQ4_XS"):
			return quant.Q5_K
		case ftype == "Q5_K_M" && useMoreBits(i, n):
			return quant.Q6_K
		case ftype == "Q4_K_S" && !falcon && i < n/8:
			return quant.Q5_K
		}
		return typ

	case strings.Contains(name, "attn_output.weight"):
		if falcon {
			return pick(ftype == "Q3_K_L", quant.Q4_K, typ)
		}
		switch ftype {
		case "Q2_K":
			return quant.Q3_K
		case "Q3_K_M":
			return quant.Q4_K
		case "Q3_K_L":
			return quant.Q5_K
		}
		return typ

	case strings.Contains(name, "attn_qkv.weight"):
		switch ftype {
		case "Q3_K_M", "Q3_K_L":
			return quant.Q4_K
		case "Q4_K_M":
			return quant.Q5_K
		case "Q5_K_M":
			return quant.Q6_K
		}
		return typ
	}
	return typ
}

func pick(cond bool, a, b quant.Type) quant.Type {
	if cond {
		return a
	}
	return b
}

// layerOf returns N for a tensor named blk.N.*, or -1.
func layerOf(name string) int {
	rest, ok := strings.CutPrefix(name, "blk.")
	if !ok {
		return -1
	}
	num, _, ok := strings.Cut(rest, ".")
	if !ok {
		return -1
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return -1
	}
	return n
}
