package runtime

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/quant"
)

// TestForwardDecodeAllocs checks that a decode step — one token, logits of
// the last position into the caller's slice — allocates nothing of its own.
// The only allocations allowed are those asm.Attention makes, measured here
// for the same shape and counted once per layer; the count of matrix
// products, norms and activations is zero.
func TestForwardDecodeAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts mean nothing under -race: sync.Pool drops items at random")
	}
	for _, path := range fixtures.Glob(t, "models/*.gguf") {
		name := filepath.Base(path)
		for _, kv := range []quant.Type{quant.F32, quant.F16} {
			t.Run(name+"/"+kv.String(), func(t *testing.T) {
				m := openModel(t, path)
				cfg := m.Config
				c, err := m.NewCache(kv)
				if err != nil {
					t.Fatal(err)
				}
				prompt := []int{1, 2, 3, 4, 5, 6, 7}
				logits, err := m.Forward(c, prompt, 0, Options{LastOnly: true})
				if err != nil {
					t.Fatal(err)
				}
				want := slices.Clone(logits)
				pos := len(prompt) - 1
				step := func() {
					// Re-run the last position: the cache holds as much as
					// before, so its growth (amortized doubling) is not counted.
					logits, err = m.Forward(c, prompt[pos:], pos, Options{LastOnly: true, Logits: logits})
					if err != nil {
						t.Fatal(err)
					}
				}
				got := testing.AllocsPerRun(20, step)

				// What attention allocates by itself, at the same position.
				hd := cfg.HeadDim
				q := make([]float32, cfg.Heads*hd)
				out := make([]float32, len(q))
				keys := make([]float32, (pos+1)*cfg.KVHeads*hd)
				keys16 := make([]uint16, len(keys))
				shape := asm.Attn{Heads: cfg.Heads, KVHeads: cfg.KVHeads, HeadDim: hd, Scale: 1}
				perLayer := testing.AllocsPerRun(20, func() {
					if kv == quant.F16 {
						asm.AttentionF16(out, q, 1, keys16, keys16, pos, shape)
					} else {
						asm.Attention(out, q, 1, keys, keys, pos, shape)
					}
				})
				allowed := perLayer * float64(cfg.Layers)
				t.Logf("%s, %s KV cache: %.1f allocations per decode step (attention alone: %.1f per layer × %d layers)", name, kv, got, perLayer, cfg.Layers)
				if got > allowed {
					t.Errorf("a decode step allocates %.1f times, want ≤ %.1f (attention's)", got, allowed)
				}
				// Reusing the buffers must not change the result.
				if d := fixtures.RelErr(logits, want); d != 0 {
					t.Errorf("logits after %d reruns differ from the first run (relative error %g)", 21, d)
				}
			})
		}
	}
}
