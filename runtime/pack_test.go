package runtime

import (
	"path/filepath"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/quant"
)

// TestPackedMatchesMapped runs every GGUF fixture twice, with its weights
// packed (when the active kernels pack any of its types) and straight from
// the mapping, one token per call (the decode kernels) and as one batch
// (the prompt kernels). Batches go through the same tile kernels either way
// and must agree to 1e-6. One token at a time the packed GEMV adds its
// blocks in another float order than the row dots, and a last-bit
// difference can flip an int8 activation quant a few positions later:
// measured up to 8e-6 (shakespeare Q4_0); a layout error gives O(1).
func TestPackedMatchesMapped(t *testing.T) {
	paths := append(fixtures.Glob(t, "models/*.gguf"), fixtures.Glob(t, "quant/*.gguf")...)
	defer func(old bool) { PackWeights = old }(PackWeights)
	packedAny := false
	for _, path := range paths {
		name := filepath.Base(path)
		if why, ok := quantReady(path); !ok {
			t.Logf("%s: skipped: %s", name, why)
			continue
		}
		PackWeights = true
		packed := openModel(t, path)
		if packed.PackedBytes() == 0 {
			continue
		}
		packedAny = true
		PackWeights = false
		mapped := openModel(t, path)
		ids := testTokens(mapped, 24)
		for _, chunk := range []int{1, len(ids)} {
			run := func(m *Model) []float32 {
				c, err := m.NewCache(quant.F32)
				if err != nil {
					t.Fatal(err)
				}
				var all []float32
				for pos := 0; pos < len(ids); pos += chunk {
					logits, err := m.Forward(c, ids[pos:min(pos+chunk, len(ids))], pos, Options{})
					if err != nil {
						t.Fatal(err)
					}
					all = append(all, logits...)
				}
				return all
			}
			e := fixtures.RelErr(run(packed), run(mapped))
			t.Logf("%s (%d of its weight bytes packed), chunks of %d: packed vs mapped rel err %.3e", name, packed.PackedBytes(), chunk, e)
			if tol := map[bool]float64{true: 1e-4, false: 1e-6}[chunk == 1]; !(e <= tol) {
				t.Errorf("%s, chunks of %d: packed weights differ from mapped ones by %.3e", name, chunk, e)
			}
		}
	}
	if !packedAny {
		t.Logf("the active kernels pack no fixture's weights: nothing compared")
	}
}
