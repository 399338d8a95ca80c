package convert

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/quant"
)

// QuantizationVersion is general.quantization_version: the revision of the
// block formats (ggml's GGML_QNT_VERSION).
const QuantizationVersion = 2

// Convert writes m to w as a GGUF file with the tensor types preset p plans
// (see Plan). A GGUF source keeps its metadata, with general.file_type and
// general.quantization_version updated as llama-quantize does; an HF
// directory gets the metadata llama.cpp's converter writes. m must stay open
// until Convert returns.
func Convert(w io.Writer, m *loader.Model, p Preset, opt Options) error {
	c, err := prepare(m, p, opt)
	if err != nil {
		return err
	}
	return write(w, c.kvs, c.srcs, c.plan, c.alignment, opt)
}

// PlanFor returns the type Convert would give each of m's output tensors.
func PlanFor(m *loader.Model, p Preset) (map[string]quant.Type, error) {
	srcs, err := sources(m)
	if err != nil {
		return nil, err
	}
	return planSources(m.Config, srcs, p)
}

// conversion is everything write needs.
type conversion struct {
	kvs       []gguf.KV
	srcs      []*source
	plan      map[string]quant.Type
	alignment uint64
}

func prepare(m *loader.Model, p Preset, opt Options) (*conversion, error) {
	srcs, err := sources(m)
	if err != nil {
		return nil, err
	}
	plan, err := planSources(m.Config, srcs, p)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", m.Path, err)
	}
	c := &conversion{srcs: srcs, plan: plan}
	if m.GGUF != nil {
		c.kvs = requantizedKVs(m.GGUF.KVs, p)
		c.alignment = m.GGUF.Alignment
		return c, nil
	}
	var params int64
	for _, s := range srcs {
		params += int64(s.rows()) * int64(s.cols())
	}
	c.kvs, err = hfKVs(m, p, opt.Name, params)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// planSources runs Plan over the tensors to write.
func planSources(c *loader.Config, srcs []*source, p Preset) (map[string]quant.Type, error) {
	pm := PlanModel{Arch: ggufArch(c.Arch), Layers: c.Layers, Heads: c.Heads, KVHeads: c.KVHeads}
	for _, s := range srcs {
		pm.Tensors = append(pm.Tensors, PlanTensor{Name: s.name, Shape: s.shape, Type: s.keepType()})
	}
	return Plan(pm, p)
}

// requantizedKVs copies a GGUF file's metadata the way llama-quantize does:
// everything but split bookkeeping, with the quantization version and file
// type moved to the end with their new values.
func requantizedKVs(in []gguf.KV, p Preset) []gguf.KV {
	var out []gguf.KV
	for _, kv := range in {
		switch {
		case kv.Key == "general.quantization_version", kv.Key == "general.file_type",
			strings.HasPrefix(kv.Key, "split."):
			continue
		}
		out = append(out, kv)
	}
	return append(out,
		gguf.KV{Key: "general.quantization_version", Value: gguf.Uint32(QuantizationVersion)},
		gguf.KV{Key: "general.file_type", Value: gguf.Uint32(p.FileType)})
}

// sources lists the tensors to write for m, in order, with the changes an
// HF checkpoint needs on its way to GGUF.
func sources(m *loader.Model) ([]*source, error) {
	if m.GGUF != nil {
		srcs := make([]*source, 0, len(m.Order))
		for _, name := range m.Order {
			t := m.Tensors[name]
			srcs = append(srcs, &source{name: name, shape: t.Shape, typ: t.Type, raw: t.Data})
		}
		// llama-quantize writes tensors in its loader's order: tensors
		// outside the layers first, then layer by layer, by name within each.
		slices.SortStableFunc(srcs, func(a, b *source) int {
			if la, lb := layerOf(a.name), layerOf(b.name); la != lb {
				return cmp.Compare(la, lb)
			}
			return strings.Compare(a.name, b.name)
		})
		return srcs, nil
	}
	return hfSources(m)
}

// hfSources maps an HF checkpoint's tensors to what llama.cpp's converter
// writes: rope_freqs first for Llama 3 scaling, then every tensor in file
// order with Q/K rows permuted for Llama and Mistral and Gemma's norms
// stored as 1+w. Vectors and norms become F32 (the plan keeps that type).
func hfSources(m *loader.Model) ([]*source, error) {
	c := m.Config
	var srcs []*source
	if c.Rope.Scaling == "llama3" {
		f := llama3RopeFactors(c)
		srcs = append(srcs, &source{name: "rope_freqs.weight", shape: []int{len(f)}, typ: quant.F32,
			gen: func(dst []float32, lo, hi int) { copy(dst, f) }})
	}
	permute := c.Arch == loader.Llama || c.Arch == loader.Mistral
	gemma := c.Arch == loader.Gemma2 || c.Arch == loader.Gemma3
	for _, name := range m.Order {
		t := m.Tensors[name]
		if strings.Contains(name, "rotary_emb.inv_freq") {
			continue // recomputed from the config, as the converter does
		}
		if !isGGUFName(name) {
			return nil, fmt.Errorf("%s: tensor %q has no GGUF name", m.Path, name)
		}
		switch t.Type {
		case quant.F32, quant.F16, quant.BF16:
		default:
			return nil, fmt.Errorf("%s: tensor %q: dtype %s cannot be converted", m.Path, name, t.Type)
		}
		if len(t.Shape) == 0 {
			return nil, fmt.Errorf("%s: tensor %q is a scalar", m.Path, name)
		}
		if _, err := t.Type.Bytes(int64(t.Elems())); err != nil || int64(len(t.Data)) != int64(t.Elems())*int64(elemBytes(t.Type)) {
			return nil, fmt.Errorf("%s: tensor %q: %d bytes for shape %v", m.Path, name, len(t.Data), t.Shape)
		}
		s := &source{name: name, shape: t.Shape, typ: t.Type, raw: t.Data}
		vector := len(t.Shape) == 1 || strings.HasSuffix(name, "_norm.weight")

		if permute {
			heads := 0
			switch {
			case strings.HasSuffix(name, "attn_q.weight"), strings.HasSuffix(name, "attn_q.bias"):
				heads = c.Heads
			case strings.HasSuffix(name, "attn_k.weight"), strings.HasSuffix(name, "attn_k.bias"):
				heads = c.KVHeads
			}
			if heads > 0 {
				if err := setPermutation(s, heads, m.Path); err != nil {
					return nil, err
				}
			}
		}
		if gemma && strings.HasSuffix(name, "norm.weight") {
			plusOne, prev := addOne(t.Type), s.transform
			s.transform = func(dst []float32, lo, hi int) {
				if prev != nil {
					prev(dst, lo, hi)
				}
				plusOne(dst, lo, hi)
			}
		}
		if vector {
			s.toF32 = true
		}
		srcs = append(srcs, s)
	}
	return srcs, nil
}

// elemBytes is the size of one element of a float type.
func elemBytes(t quant.Type) int {
	tr, _ := t.Traits()
	return tr.BlockBytes
}

// isGGUFName reports whether name is one of the canonical names the loader
// maps HF names to.
func isGGUFName(name string) bool {
	switch name {
	case "token_embd.weight", "output.weight", "output_norm.weight":
		return true
	}
	return layerOf(name) >= 0
}

// setPermutation makes s's rows (or, for a bias, elements) come out in the
// order llama.cpp's converter writes Q and K: within each head, the pair
// (i, i+d/2) that HF's RoPE rotates becomes the adjacent rows (2i, 2i+1).
func setPermutation(s *source, heads int, path string) error {
	n := s.shape[0]
	if heads <= 0 || n%(2*heads) != 0 {
		return fmt.Errorf("%s: tensor %q: %d rows do not split into %d heads of pairs", path, s.name, n, heads)
	}
	hd := n / heads
	half := hd / 2
	// Output row h·hd + 2i + j holds input row h·hd + j·half + i.
	perm := func(r int) int {
		h, k := r/hd, r%hd
		return h*hd + (k%2)*half + k/2
	}
	if len(s.shape) > 1 {
		s.rowOf = perm
		return nil
	}
	tr := s.transform
	s.transform = func(dst []float32, lo, hi int) {
		in := append([]float32(nil), dst[:n]...)
		for r := range n {
			dst[r] = in[perm(r)]
		}
		if tr != nil {
			tr(dst, lo, hi)
		}
	}
	return nil
}

// addOne stores Gemma's norm weight w as 1+w, rounded to the source's type
// as the converter's tensor arithmetic does.
func addOne(t quant.Type) func(dst []float32, lo, hi int) {
	return func(dst []float32, lo, hi int) {
		for i, v := range dst {
			v++
			switch t {
			case quant.F16:
				v = quant.F16ToF32(quant.F32ToF16(v))
			case quant.BF16:
				v = quant.BF16ToF32(quant.F32ToBF16(v))
			}
			dst[i] = v
		}
	}
}

// ggufArch is the general.architecture llama.cpp's converter writes: Mistral
// checkpoints become "llama".
func ggufArch(a loader.Arch) string {
	if a == loader.Mistral {
		return string(loader.Llama)
	}
	return string(a)
}
