package loader

import (
	"bytes"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/quant"
)

// Every GGUF conversion beside a model directory must describe the same model
// as the directory: the same hyperparameters, the same tensors under the same
// names and shapes, and for f32 files the same bytes — once the converter's
// known rewrites are undone (Q/K rows permuted for llama, Gemma norms stored as
// 1+w). This checks the name map, the shape conventions and both readers
// against a converter nobody here wrote.
func TestGGUFMatchesHFDirectory(t *testing.T) {
	ggufs := fixtures.Glob(t, "models/*.gguf")
	if len(ggufs) == 0 {
		t.Fatal("no GGUF files under models/")
	}
	for _, path := range ggufs {
		base := filepath.Base(path)
		dir := filepath.Join(filepath.Dir(path), strings.SplitN(base, ".", 2)[0])
		t.Run(base, func(t *testing.T) {
			hf, err := Open(dir)
			if err != nil {
				t.Fatalf("open %s: %v", dir, err)
			}
			defer hf.Close()
			g, err := Open(path)
			if err != nil {
				t.Fatalf("open %s: %v", path, err)
			}
			defer g.Close()
			compareConfigs(t, hf.Config, g.Config)
			compareTensors(t, hf, g)
		})
	}
}

func compareConfigs(t *testing.T, hf, g *Config) {
	t.Helper()
	arch := hf.Arch
	if arch == Mistral {
		arch = Llama // the converter writes Mistral as llama
	}
	if g.Arch != arch {
		t.Errorf("arch: gguf %s, hf %s", g.Arch, hf.Arch)
	}
	ints := []struct {
		name  string
		h, gg int
	}{
		{"vocab", hf.VocabSize, g.VocabSize}, {"dim", hf.Dim, g.Dim}, {"ffn", hf.FFNDim, g.FFNDim},
		{"layers", hf.Layers, g.Layers}, {"heads", hf.Heads, g.Heads}, {"kv heads", hf.KVHeads, g.KVHeads},
		{"head dim", hf.HeadDim, g.HeadDim}, {"rope dim", hf.Rope.Dim, g.Rope.Dim},
		{"sliding window", hf.SlidingWindow, g.SlidingWindow}, {"bos", hf.BOS, g.BOS},
		{"eos", hf.EOS[0], g.EOS[0]}, {"context", hf.ContextLen, g.ContextLen},
	}
	for _, c := range ints {
		if c.h != c.gg {
			t.Errorf("%s: gguf %d, hf %d", c.name, c.gg, c.h)
		}
	}
	floats := []struct {
		name  string
		h, gg float64
	}{
		{"rope base", hf.Rope.Theta, g.Rope.Theta}, {"local rope base", hf.RopeLocal.Theta, g.RopeLocal.Theta},
		{"norm eps", float64(hf.NormEps), float64(g.NormEps)},
		{"attn softcap", float64(hf.AttnSoftcap), float64(g.AttnSoftcap)},
		{"final softcap", float64(hf.FinalSoftcap), float64(g.FinalSoftcap)},
		{"attn scale", float64(hf.AttnScale), float64(g.AttnScale)},
		{"embed scale", float64(hf.EmbedScale), float64(g.EmbedScale)},
	}
	for _, c := range floats {
		if math.Abs(c.h-c.gg) > 1e-6*math.Abs(c.h) {
			t.Errorf("%s: gguf %v, hf %v", c.name, c.gg, c.h)
		}
	}
	for l := range hf.Layers {
		if hf.Sliding(l) != g.Sliding(l) {
			t.Errorf("layer %d sliding: gguf %v, hf %v", l, g.Sliding(l), hf.Sliding(l))
		}
	}
	if hf.TiedEmbeddings != g.TiedEmbeddings || hf.Act != g.Act {
		t.Errorf("tied/act: gguf %v/%s, hf %v/%s", g.TiedEmbeddings, g.Act, hf.TiedEmbeddings, hf.Act)
	}
	if hf.NormOffset+0 != map[bool]float32{true: 1, false: 0}[hf.Arch == Gemma2 || hf.Arch == Gemma3] || g.NormOffset != 0 {
		t.Errorf("norm offset: gguf %v, hf %v", g.NormOffset, hf.NormOffset)
	}
	if hf.RopeAdjacent || g.RopeAdjacent != (g.Arch == Llama) {
		t.Errorf("rope pairing: gguf adjacent=%v, hf adjacent=%v", g.RopeAdjacent, hf.RopeAdjacent)
	}
}

func compareTensors(t *testing.T, hf, g *Model) {
	t.Helper()
	same := 0
	for _, name := range g.Order {
		gt := g.Tensors[name]
		if name == "rope_freqs.weight" {
			continue // carries the HF config's llama3 scaling; checked by the runtime's logits
		}
		ht, ok := hf.Tensors[name]
		if !ok {
			t.Errorf("%s: in the GGUF, not in the HF directory", name)
			continue
		}
		if !slices.Equal(gt.Shape, ht.Shape) {
			t.Errorf("%s: gguf shape %v, hf %v", name, gt.Shape, ht.Shape)
			continue
		}
		if gt.Type != ht.Type || gt.Type != quant.F32 && gt.Type != quant.BF16 {
			continue // converted to another type: only shapes compare
		}
		want := ht.Data
		c := hf.Config
		rowBytes, _ := ht.Type.Bytes(int64(ht.Shape[len(ht.Shape)-1]))
		switch {
		case g.Config.RopeAdjacent && strings.HasSuffix(name, "attn_q.weight"):
			want = permuteAdjacent(want, c.Heads, c.HeadDim, int(rowBytes))
		case g.Config.RopeAdjacent && strings.HasSuffix(name, "attn_k.weight"):
			want = permuteAdjacent(want, c.KVHeads, c.HeadDim, int(rowBytes))
		case hf.Config.NormOffset != 0 && strings.HasSuffix(name, "norm.weight"):
			want = addOne(want)
		}
		if !bytes.Equal(gt.Data, want) {
			t.Errorf("%s: data differs from the HF tensor", name)
			continue
		}
		same++
	}
	for name := range hf.Tensors {
		if !g.Has(name) && !(name == "output.weight" && g.Config.TiedEmbeddings) {
			t.Errorf("%s: in the HF directory, not in the GGUF", name)
		}
	}
	t.Logf("%d tensors, %d compared byte for byte", len(g.Order), same)
}

// permuteAdjacent reorders the rows of each head from (i, i+d/2) pairing to
// adjacent pairs (2i, 2i+1), as llama.cpp's converter does.
func permuteAdjacent(w []byte, heads, headDim, rowBytes int) []byte {
	out := make([]byte, len(w))
	half := headDim / 2
	for h := range heads {
		for i := range half {
			for j := range 2 {
				dst := h*headDim + 2*i + j
				src := h*headDim + j*half + i
				copy(out[dst*rowBytes:(dst+1)*rowBytes], w[src*rowBytes:(src+1)*rowBytes])
			}
		}
	}
	return out
}

func addOne(w []byte) []byte {
	v := f32s(w)
	out := make([]byte, 0, len(w))
	for _, x := range v {
		out = appendF32(out, x+1)
	}
	return out
}

func appendF32(b []byte, x float32) []byte {
	u := math.Float32bits(x)
	return append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
}

// Every model directory and GGUF under the fixtures must open.
func TestOpenEveryModel(t *testing.T) {
	paths := append(fixtures.ModelDirs(t), fixtures.Glob(t, "models/*.gguf")...)
	paths = append(paths, fixtures.Glob(t, "quant/*.gguf")...)
	for _, p := range paths {
		m, err := Open(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		c := m.Config
		t.Logf("%s: %s %s, %d tensors, dim %d, layers %d, heads %d/%d", filepath.Base(p), m.Format, c.Arch, len(m.Tensors), c.Dim, c.Layers, c.Heads, c.KVHeads)
		m.Close()
	}
}
