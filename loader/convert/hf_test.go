package convert

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/runtime"
)

// converterFiles enumerates models/NAME.TYPE.gguf written by llama.cpp's
// convert_hf_to_gguf.py from models/NAME/.
func converterFiles(t *testing.T) (files, dirs []string, presets []Preset) {
	for _, f := range fixtures.Glob(t, "models/*.gguf") {
		name, typ, ok := strings.Cut(strings.TrimSuffix(filepath.Base(f), ".gguf"), ".")
		dir := filepath.Join(filepath.Dir(f), name)
		if !ok {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "config.json")); err != nil {
			continue
		}
		p, err := ParsePreset(typ)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		files, dirs, presets = append(files, f), append(dirs, dir), append(presets, p)
	}
	if len(files) == 0 {
		t.Skip("no converted GGUFs beside HF directories")
	}
	return files, dirs, presets
}

// TestConvertMatchesConverter converts each HF directory that has a
// llama.cpp conversion beside it, with the same output type, and compares:
// every tensor's type and shape, the bytes of float tensors, and the
// metadata (except general.name and the like, which the converter derived
// from the name of the directory it ran on). The converter's own Q8_0 (the
// q8_0 files) rounds as llama-quantize's does, so those match too.
func TestConvertMatchesConverter(t *testing.T) {
	files, dirs, presets := converterFiles(t)
	for i, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			hf := openModel(t, dirs[i])
			var buf bytes.Buffer
			if err := Convert(&buf, hf, presets[i], Options{Threads: 1}); err != nil {
				t.Fatal(err)
			}
			got, err := gguf.Parse("converted", buf.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			ref, err := gguf.Open(f)
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()

			same := 0
			for _, rt := range ref.Tensors {
				gt, ok := got.Tensor(rt.Name)
				switch {
				case !ok:
					t.Errorf("%s: missing", rt.Name)
				case gt.Type != rt.Type || !slices.Equal(gt.Dims, rt.Dims):
					t.Errorf("%s: %s %v, converter %s %v", rt.Name, gt.Type, gt.Dims, rt.Type, rt.Dims)
				case bytes.Equal(gt.Data, rt.Data):
					same++
				default:
					t.Errorf("%s (%s): %d of %d bytes differ", rt.Name, rt.Type, countDiff(gt.Data, rt.Data), len(rt.Data))
				}
			}
			if len(got.Tensors) != len(ref.Tensors) {
				t.Errorf("%d tensors, converter %d", len(got.Tensors), len(ref.Tensors))
			} else {
				for j := range ref.Tensors {
					if got.Tensors[j].Name != ref.Tensors[j].Name {
						t.Errorf("tensor %d is %s, converter's %s: order differs", j, got.Tensors[j].Name, ref.Tensors[j].Name)
						break
					}
				}
			}

			skip := map[string]bool{"general.name": true, "general.finetune": true, "general.basename": true}
			gm, _ := got.String("tokenizer.ggml.model")
			rm, _ := ref.String("tokenizer.ggml.model")
			if gm != rm {
				// llama32-tiny's GGUF carries a SentencePiece vocabulary made
				// for it, not its directory's tokenizer.json (fixture notes).
				t.Logf("tokenizer %q vs the converter's %q: tokenizer.* not compared", gm, rm)
				for _, kv := range append(got.KVs, ref.KVs...) {
					if strings.HasPrefix(kv.Key, "tokenizer.") {
						skip[kv.Key] = true
					}
				}
			}
			compareKVs(t, got.KVs, ref.KVs, skip)
			t.Logf("%s from %s: %d/%d tensors byte-identical; %d metadata keys compared",
				filepath.Base(f), filepath.Base(dirs[i]), same, len(ref.Tensors), len(ref.KVs)-len(skip))
		})
	}
}

// TestConvertedLogits converts every HF model directory to a GGUF of its own
// float type and runs it: the logits must match the directory's PyTorch
// references as closely as the runtime's own conformance bound (1e-4
// relative), so the metadata and tensor layout are read back as meant, for
// architectures that have no llama.cpp conversion in the fixtures too.
func TestConvertedLogits(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		refs := filepath.Join(dir, "refs.safetensors")
		if _, err := os.Stat(refs); err != nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			hf := openModel(t, dir)
			emb, err := hf.Weight("token_embd.weight")
			if err != nil {
				t.Fatal(err)
			}
			// The same float type keeps the weights exact (and a bf16 model
			// recognizable: its references were computed with bf16 RoPE
			// frequencies, which the runtime reproduces for bf16 files).
			preset, err := ParsePreset(emb.Type.String())
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "model.gguf")
			w, err := os.Create(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := Convert(w, hf, preset, Options{}); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			rf, err := safetensors.Open(refs)
			if err != nil {
				t.Fatal(err)
			}
			defer rf.Close()
			ids, want := refInts(t, rf, "input_ids"), refFloats(t, rf, "logits")

			got := runLogits(t, out, ids)
			e := fixtures.RelErr(got, want)
			t.Logf("%s: converted to %s GGUF, logits rel err %.3e vs PyTorch (T=%d)", filepath.Base(dir), preset.Name, e, len(ids))
			if !(e <= 1e-4) {
				t.Errorf("logits rel err %.3e > 1e-4", e)
			}
			// llama.cpp's conversion of the same type, when there is one,
			// must give the very same logits.
			ref := filepath.Join(filepath.Dir(dir), filepath.Base(dir)+"."+strings.ToLower(preset.Name)+".gguf")
			if _, err := os.Stat(ref); err == nil {
				if d := fixtures.RelErr(runLogits(t, ref, ids), got); d != 0 {
					t.Errorf("logits differ from %s's by %.3e (relative)", filepath.Base(ref), d)
				} else {
					t.Logf("%s: logits identical to %s's", filepath.Base(dir), filepath.Base(ref))
				}
			}
		})
	}
}

func runLogits(t *testing.T, path string, ids []int) []float32 {
	t.Helper()
	lm, err := loader.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Close()
	m, err := runtime.New(lm)
	if err != nil {
		t.Fatal(err)
	}
	cache, err := m.NewCache(quant.F32)
	if err != nil {
		t.Fatal(err)
	}
	logits, err := m.Forward(cache, ids, 0, runtime.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return logits
}

func refFloats(t *testing.T, f *safetensors.File, name string) []float32 {
	t.Helper()
	ts, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("refs: no tensor %q", name)
	}
	out, err := ts.Floats()
	if err != nil {
		t.Fatalf("refs: %v", err)
	}
	return out
}

func refInts(t *testing.T, f *safetensors.File, name string) []int {
	t.Helper()
	ts, ok := f.Tensor(name)
	if !ok || ts.DType != safetensors.I64 {
		t.Fatalf("refs: no I64 tensor %q", name)
	}
	v, _ := ts.Ints()
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
