package runtime_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/runtime"
)

// refLogits reads the float32 logits [T, V] of a refs.safetensors file.
func refLogits(t *testing.T, path string) []float32 {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ts, ok := f.Tensor("logits")
	if !ok {
		t.Fatalf("%s: no logits", path)
	}
	out, err := ts.Floats()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return out
}

// An embedding is the vector the classifier turns into logits, so the
// classifier applied to it must give the reference logits: of the last
// position for last-token pooling, and (the classifier being linear) their
// mean over positions for mean pooling.
func TestEmbedRefs(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		refs := filepath.Join(dir, "refs.safetensors")
		if _, err := os.Stat(refs); err != nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			lm, err := loader.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer lm.Close()
			m, err := runtime.New(lm)
			if err != nil {
				t.Fatal(err)
			}
			c := m.Config
			if c.FinalSoftcap > 0 {
				t.Skip("soft-capped logits are not linear in the embedding")
			}
			name := "output.weight"
			if c.TiedEmbeddings {
				name = "token_embd.weight"
			}
			w, err := lm.Weight(name, c.VocabSize, c.Dim)
			if err != nil {
				t.Fatal(err)
			}
			V, D := c.VocabSize, c.Dim
			out := make([]float32, V*D)
			asm.ToF32(out, w.Data, w.Type)
			classify := func(e []float32) []float32 {
				logits := make([]float32, V)
				for v := range V {
					var s float64
					for i, x := range e {
						s += float64(out[v*D+i]) * float64(x)
					}
					logits[v] = float32(s)
				}
				return logits
			}

			ids := refIDs(t, refs, "input_ids")
			want := refLogits(t, refs)
			T := len(ids)
			mean := make([]float32, V)
			for p := range T {
				for v := range V {
					mean[v] += want[p*V+v] / float32(T)
				}
			}
			for _, tc := range []struct {
				name string
				opt  runtime.EmbedOptions
				want []float32
			}{
				{"last", runtime.EmbedOptions{Pooling: runtime.PoolLast, Batch: 7}, want[(T-1)*V:]},
				{"mean", runtime.EmbedOptions{Pooling: runtime.PoolMean, Batch: 7}, mean},
			} {
				e, err := m.Embed(context.Background(), ids, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				got := classify(e)
				var d, mx float64
				for v := range V {
					d = max(d, math.Abs(float64(got[v]-tc.want[v])))
					mx = max(mx, math.Abs(float64(tc.want[v])))
				}
				t.Logf("%s: %s pooling: classifier(embedding) vs reference logits: rel err %.2e", filepath.Base(dir), tc.name, d/mx)
				if !(d/mx <= 1e-5) {
					t.Errorf("%s pooling: rel err %.2e > 1e-5", tc.name, d/mx)
				}

				// Normalized: the same direction, unit length.
				tc.opt.Normalize = true
				n, err := m.Embed(context.Background(), ids, tc.opt)
				if err != nil {
					t.Fatal(err)
				}
				var ss, dot float64
				for i := range n {
					ss += float64(n[i]) * float64(n[i])
					dot += float64(n[i]) * float64(e[i])
				}
				var es float64
				for _, x := range e {
					es += float64(x) * float64(x)
				}
				if math.Abs(ss-1) > 1e-5 || math.Abs(dot/math.Sqrt(es)-1) > 1e-5 {
					t.Errorf("%s normalized: |e|² = %g, cos = %g", tc.name, ss, dot/math.Sqrt(es))
				}
			}
		})
	}
}

func TestEmbedText(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		if filepath.Base(dir) != "shakespeare-llama-5m" {
			continue
		}
		lm, err := runtime.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer lm.Close()
		ctx := context.Background()
		embed := func(s string) []float32 {
			e, err := lm.Embed(ctx, s, runtime.EmbedOptions{Normalize: true})
			if err != nil {
				t.Fatal(err)
			}
			return e
		}
		cos := func(a, b []float32) (s float64) {
			for i := range a {
				s += float64(a[i]) * float64(b[i])
			}
			return s
		}
		a, b := embed("ROMEO:\nO, she doth teach the torches to burn bright!"), embed("ROMEO:\nO, she doth teach the torches to burn bright!")
		if c := cos(a, b); math.Abs(c-1) > 1e-6 {
			t.Errorf("the same text twice: cos %g", c)
		}
		if _, err := lm.Embed(ctx, "x", runtime.EmbedOptions{Pooling: 7}); err == nil {
			t.Error("unknown pooling accepted")
		}
		if _, err := lm.Model.Embed(ctx, nil, runtime.EmbedOptions{}); err == nil {
			t.Error("no tokens accepted")
		}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := lm.Embed(cctx, "x", runtime.EmbedOptions{}); err == nil {
			t.Error("cancelled context accepted")
		}
	}
}
