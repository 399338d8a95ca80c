package runtime

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/quant"
)

// conformanceCase is one model file checked against the PyTorch references
// of its HF directory.
type conformanceCase struct {
	name   string  // file or directory name
	model  string  // path given to loader.Open
	refs   string  // the directory's refs.safetensors
	bound  float64 // max relative error allowed; 0: measure and log only
	greedy bool    // greedy.ids must be reproduced exactly
}

// conformanceCases enumerates every model directory with references and
// every GGUF conversion beside it (NAME.TYPE.gguf, compared with NAME/).
// Targets follow the weights' precision: float32 and the bf16 model's own
// weights must match to 1e-4, f16-rounded weights to 3e-3; quantized files
// are measured only.
func conformanceCases(t *testing.T) []conformanceCase {
	var cases []conformanceCase
	for _, dir := range fixtures.ModelDirs(t) {
		refs := filepath.Join(dir, "refs.safetensors")
		if _, err := os.Stat(refs); err != nil {
			continue
		}
		cases = append(cases, conformanceCase{filepath.Base(dir), dir, refs, 1e-4, true})
	}
	for _, g := range fixtures.Glob(t, "models/*.gguf") {
		base := strings.TrimSuffix(filepath.Base(g), ".gguf")
		name, typ, ok := strings.Cut(base, ".")
		if !ok {
			continue
		}
		refs := filepath.Join(filepath.Dir(g), name, "refs.safetensors")
		if _, err := os.Stat(refs); err != nil {
			t.Logf("%s: no %s beside it, skipped", filepath.Base(g), refs)
			continue
		}
		c := conformanceCase{name: filepath.Base(g), model: g, refs: refs}
		switch strings.ToLower(typ) {
		case "f32", "bf16":
			c.bound, c.greedy = 1e-4, true
		case "f16":
			c.bound = 3e-3
		}
		cases = append(cases, c)
	}
	if len(cases) == 0 {
		t.Skip("no models with references under the fixtures")
	}
	return cases
}

// refs is one reference file.
type refs struct{ f *safetensors.File }

func openRefs(t *testing.T, path string) refs {
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return refs{f}
}

func (r refs) has(name string) bool { _, ok := r.f.Tensor(name); return ok }

func (r refs) floats(t *testing.T, name string) []float32 {
	t.Helper()
	ts, ok := r.f.Tensor(name)
	if !ok {
		t.Fatalf("refs: no tensor %q", name)
	}
	out, err := ts.Floats()
	if err != nil {
		t.Fatalf("refs: %v", err)
	}
	return out
}

func (r refs) ids(t *testing.T, name string) []int {
	t.Helper()
	ts, ok := r.f.Tensor(name)
	if !ok {
		t.Fatalf("refs: no tensor %q", name)
	}
	if ts.DType != safetensors.I64 && ts.DType != safetensors.I32 {
		t.Fatalf("refs: %q is %s, want I64 or I32", name, ts.DType)
	}
	v, _ := ts.Ints()
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}

func openModel(t *testing.T, path string) *Model {
	t.Helper()
	lm, err := loader.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lm.Close() })
	m, err := New(lm)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// quantReady reports whether every weight of m can be decoded: quantized
// files need the quant package's dequantizers.
func quantReady(path string) (string, bool) {
	lm, err := loader.Open(path)
	if err != nil {
		return err.Error(), false
	}
	defer lm.Close()
	for _, tn := range lm.Order {
		typ := lm.Tensors[tn].Type
		if tr, ok := typ.Traits(); !ok || tr.Dequantize == nil {
			return fmt.Sprintf("tensor %q is %s, which quant cannot decode yet", tn, typ), false
		}
	}
	return "", true
}

// TestConformance runs input_ids through every model and compares logits
// and hidden states with the PyTorch references.
func TestConformance(t *testing.T) {
	for _, c := range conformanceCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if why, ok := quantReady(c.model); !ok {
				t.Skip(why)
			}
			m := openModel(t, c.model)
			r := openRefs(t, c.refs)
			ids := r.ids(t, "input_ids")

			hidden := map[string][]float32{}
			cache, err := m.NewCache(quant.F32)
			if err != nil {
				t.Fatal(err)
			}
			logits, err := m.Forward(cache, ids, 0, Options{Hidden: func(name string, x []float32) {
				hidden[name] = append([]float32(nil), x...)
			}})
			if err != nil {
				t.Fatal(err)
			}

			bound := "log only"
			if c.bound > 0 {
				bound = fmt.Sprintf("target %.0e", c.bound)
			}
			e := fixtures.RelErr(logits, r.floats(t, "logits"))
			t.Logf("%s: logits rel err %.3e (%s), T=%d", c.name, e, bound, len(ids))
			if c.bound > 0 && !(e <= c.bound) {
				t.Errorf("%s: logits rel err %.3e > %.0e", c.name, e, c.bound)
			}
			for l := -1; l < m.Config.Layers; l++ {
				name := fmt.Sprintf("hidden.layer%d", l)
				if l < 0 {
					name = "hidden.embed"
				}
				if !r.has(name) {
					continue
				}
				e := fixtures.RelErr(hidden[name], r.floats(t, name))
				t.Logf("%s: %s rel err %.3e", c.name, name, e)
				if c.bound > 0 && !(e <= c.bound) {
					t.Errorf("%s: %s rel err %.3e > %.0e", c.name, name, e, c.bound)
				}
			}
		})
	}
}

// TestGreedy reproduces greedy.ids from greedy.prompt with the KV cache:
// the prompt in one call, then one token per call.
func TestGreedy(t *testing.T) {
	for _, c := range conformanceCases(t) {
		if !c.greedy {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := openModel(t, c.model)
			r := openRefs(t, c.refs)
			prompt, want := r.ids(t, "greedy.prompt"), r.ids(t, "greedy.ids")
			got := greedy(t, m, prompt, len(want))
			agree := 0
			for agree < len(want) && got[agree] == want[agree] {
				agree++
			}
			t.Logf("%s: greedy %d/%d ids agree", c.name, agree, len(want))
			if agree != len(want) {
				t.Errorf("%s: greedy ids\n got %v\nwant %v", c.name, got, want)
			}
		})
	}
}

func greedy(t *testing.T, m *Model, prompt []int, n int) []int {
	t.Helper()
	cache, err := m.NewCache(quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := m.Forward(cache, prompt, 0, Options{LastOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var out []int
	for len(out) < n {
		next := argmax(logits)
		out = append(out, next)
		if logits, err = m.Forward(cache, []int{next}, cache.Len(), Options{LastOnly: true}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func argmax(x []float32) int {
	best := 0
	for i, v := range x {
		if v > x[best] {
			best = i
		}
	}
	return best
}
