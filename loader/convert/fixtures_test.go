package convert

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
)

// quantSource returns the file llama-quantize made quant/MODEL.TYPE.gguf
// from: the model's f32 or bf16 GGUF conversion, else its HF directory.
func quantSource(t *testing.T, model string) string {
	t.Helper()
	root := fixtures.Root(t)
	for _, typ := range []string{"f32", "bf16"} {
		p := filepath.Join(root, "models", model+"."+typ+".gguf")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return filepath.Join(root, "models", model)
}

// quantFiles enumerates quant/MODEL.PRESET.gguf with the preset and source.
func quantFiles(t *testing.T) (files, sources []string, presets []Preset) {
	for _, f := range fixtures.Glob(t, "quant/*.gguf") {
		model, typ, ok := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".gguf"), ".")
		if !ok {
			continue
		}
		p, err := ParsePreset(typ)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		files, sources, presets = append(files, f), append(sources, quantSource(t, model)), append(presets, p)
	}
	if len(files) == 0 {
		t.Skip("no quant/*.gguf fixtures")
	}
	return files, sources, presets
}

func openModel(t *testing.T, path string) *loader.Model {
	t.Helper()
	m, err := loader.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestPlanMatchesLlamaQuantize checks that for every llama-quantize output
// in the fixtures, the plan for the same preset and source model picks the
// type llama.cpp picked for every tensor.
func TestPlanMatchesLlamaQuantize(t *testing.T) {
	files, srcs, presets := quantFiles(t)
	for i, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			want := openModel(t, f)
			src := openModel(t, srcs[i])
			plan, err := PlanFor(src, presets[i])
			if err != nil {
				t.Fatal(err)
			}
			mixed := map[string]int{}
			for _, name := range want.Order {
				got, ok := plan[name]
				wt := want.Tensors[name].Type
				mixed[wt.String()]++
				switch {
				case !ok:
					t.Errorf("%s: in llama.cpp's file, not in the plan", name)
				case got != wt:
					t.Errorf("%s: plan %s, llama-quantize %s", name, got, wt)
				}
			}
			if len(plan) != len(want.Order) {
				t.Errorf("plan has %d tensors, the file %d", len(plan), len(want.Order))
			}
			t.Logf("%s from %s: %d tensors agree (types %v)", filepath.Base(f), filepath.Base(srcs[i]), len(want.Order), mixed)
		})
	}
}

// TestQuantizeMatchesLlamaQuantize quantizes each fixture's source with the
// same preset and compares the output with llama-quantize's file: every
// tensor byte for byte, the metadata, and the whole file.
func TestQuantizeMatchesLlamaQuantize(t *testing.T) {
	files, srcs, presets := quantFiles(t)
	for i, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			src := openModel(t, srcs[i])
			var buf bytes.Buffer
			if err := Convert(&buf, src, presets[i], Options{Threads: 2}); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := gguf.Parse("converted", buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			ref, err := gguf.Parse(f, want)
			if err != nil {
				t.Fatal(err)
			}
			same := 0
			for _, rt := range ref.Tensors {
				gt, ok := got.Tensor(rt.Name)
				switch {
				case !ok:
					t.Errorf("%s: missing", rt.Name)
				case gt.Type != rt.Type:
					t.Errorf("%s: type %s, want %s", rt.Name, gt.Type, rt.Type)
				case !bytes.Equal(gt.Data, rt.Data):
					t.Errorf("%s (%s): %d of %d bytes differ", rt.Name, rt.Type, countDiff(gt.Data, rt.Data), len(rt.Data))
				default:
					same++
				}
			}
			compareKVs(t, got.KVs, ref.KVs, nil)
			identical := bytes.Equal(buf.Bytes(), want)
			t.Logf("%s: %d/%d tensors byte-identical, whole file identical: %v (%d bytes)", filepath.Base(f), same, len(ref.Tensors), identical, len(want))
			if !identical && !t.Failed() {
				t.Errorf("tensors and metadata agree but the files differ (layout)")
			}
		})
	}
}

func countDiff(a, b []byte) int {
	if len(a) != len(b) {
		return max(len(a), len(b))
	}
	n := 0
	for i := range a {
		if a[i] != b[i] {
			n++
		}
	}
	return n
}

// compareKVs checks that got has want's keys in want's order with equal
// values, except the keys in skip.
func compareKVs(t *testing.T, got, want []gguf.KV, skip map[string]bool) {
	t.Helper()
	var g, w []gguf.KV
	for _, kv := range got {
		if !skip[kv.Key] {
			g = append(g, kv)
		}
	}
	for _, kv := range want {
		if !skip[kv.Key] {
			w = append(w, kv)
		}
	}
	for i := 0; i < max(len(g), len(w)); i++ {
		switch {
		case i >= len(g):
			t.Errorf("metadata: missing %q", w[i].Key)
		case i >= len(w):
			t.Errorf("metadata: extra %q", g[i].Key)
		case g[i].Key != w[i].Key:
			t.Errorf("metadata %d: key %q, want %q", i, g[i].Key, w[i].Key)
			return
		case !g[i].Value.Equal(w[i].Value):
			t.Errorf("metadata %q: %v, want %v", g[i].Key, clip(g[i].Value.Any()), clip(w[i].Value.Any()))
		}
	}
}

func clip(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
