package sampler

import (
	"math"
	"testing"
)

// quarter is the distribution most tests start from: four tokens whose
// softmax is exactly p = 0.5, 0.25, 0.15, 0.1 (logits ln p).
var quarter = logitsOf(0.5, 0.25, 0.15, 0.1)

func logitsOf(ps ...float64) []float32 {
	l := make([]float32, len(ps))
	for i, p := range ps {
		l[i] = float32(math.Log(p))
	}
	return l
}

// only returns Params with every stage off except what set changes, a
// neutral temperature of 1 and the given order.
func only(order []Stage, set func(*Params)) Params {
	p := Params{Temp: 1, Order: order, Seed: 1}
	if order == nil {
		p.Order = []Stage{}
	}
	if set != nil {
		set(&p)
	}
	return p
}

func mustNew(t testing.TB, p Params, vocab int, opts ...Option) *Sampler {
	t.Helper()
	s, err := New(p, vocab, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return s
}

// probsAfter samples once and returns the final distribution by token.
func probsAfter(t testing.TB, s *Sampler, logits []float32) map[int32]float64 {
	t.Helper()
	if id := s.Sample(logits); id == NoToken {
		t.Fatalf("Sample returned NoToken")
	}
	out := map[int32]float64{}
	for _, c := range s.Probs() {
		out[c.ID] = float64(c.P)
	}
	return out
}

// logitsAfter samples once and returns the final logits by token.
func logitsAfter(t testing.TB, s *Sampler, logits []float32) map[int32]float64 {
	t.Helper()
	if id := s.Sample(logits); id == NoToken {
		t.Fatalf("Sample returned NoToken")
	}
	out := map[int32]float64{}
	for _, c := range s.Probs() {
		out[c.ID] = float64(c.Logit)
	}
	return out
}

// expectDist checks that got holds exactly the tokens of want with the
// given values (relative/absolute tolerance tol) and logs the error.
func expectDist(t *testing.T, name string, got, want map[int32]float64, tol float64) {
	t.Helper()
	var worst float64
	for id, w := range want {
		g, ok := got[id]
		if !ok {
			t.Errorf("%s: token %d missing (got %v, want %v)", name, id, got, want)
			continue
		}
		d := math.Abs(g - w)
		if w != 0 {
			d = min(d, d/math.Abs(w))
		}
		worst = max(worst, d)
		if d > tol {
			t.Errorf("%s: token %d = %.6g, want %.6g", name, id, g, w)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("%s: token %d should have been removed (got %v, want %v)", name, id, got, want)
		}
	}
	t.Logf("%s: %d tokens, max error %.2g", name, len(want), worst)
}
