package sampler

import (
	"math"
	"testing"
)

// Every expected distribution below is worked out by hand from quarter's
// probabilities p = (0.5, 0.25, 0.15, 0.1) for tokens 0..3.

const tol = 1e-4

func TestTopK(t *testing.T) {
	// Top-2 keeps tokens 0 and 1: 0.5/0.75, 0.25/0.75.
	s := mustNew(t, only([]Stage{StageTopK}, func(p *Params) { p.TopK = 2 }), 4)
	expectDist(t, "top-k 2", probsAfter(t, s, quarter), map[int32]float64{0: 2. / 3, 1: 1. / 3}, tol)

	// k larger than the vocabulary, and k <= 0, keep everything.
	for _, k := range []int{9, 0, -1} {
		s := mustNew(t, only([]Stage{StageTopK}, func(p *Params) { p.TopK = k }), 4)
		expectDist(t, "top-k all", probsAfter(t, s, quarter), map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}, tol)
	}
}

func TestTopP(t *testing.T) {
	cases := []struct {
		name    string
		p       float32
		minKeep int
		want    map[int32]float64
	}{
		// Cumulative sums: 0.5, 0.75, 0.9, 1.0. Top-p keeps up to the
		// first sum >= p.
		{"p 0.7", 0.7, 0, map[int32]float64{0: .5 / .75, 1: .25 / .75}},
		{"p 0.8", 0.8, 0, map[int32]float64{0: .5 / .9, 1: .25 / .9, 2: .15 / .9}},
		{"p 0.3", 0.3, 0, map[int32]float64{0: 1}},
		{"p 0.3 keep 3", 0.3, 3, map[int32]float64{0: .5 / .9, 1: .25 / .9, 2: .15 / .9}},
		{"p 1 off", 1, 0, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
	}
	for _, c := range cases {
		s := mustNew(t, only([]Stage{StageTopP}, func(p *Params) { p.TopP, p.MinKeep = c.p, c.minKeep }), 4)
		expectDist(t, "top-p "+c.name, probsAfter(t, s, quarter), c.want, tol)
	}
}

// TestTopPLongList covers the partial sort of a long unsorted list, both
// when the nucleus fits in the first 256 and when it does not.
func TestTopPLongList(t *testing.T) {
	const n = 2000
	// Uniform over 2000 tokens: each has p = 0.0005. Top-p 0.3001 needs
	// 601 of them (600 make 0.3); ties go to the lowest ids, so 0..600.
	flat := make([]float32, n)
	s := mustNew(t, only([]Stage{StageTopP}, func(p *Params) { p.TopP = 0.3001 }), n)
	s.Sample(flat)
	got := s.Probs()
	if len(got) != 601 {
		t.Fatalf("uniform top-p 0.3001 kept %d tokens, want 601", len(got))
	}
	for i, c := range got {
		if c.ID != int32(i) {
			t.Fatalf("kept[%d] = token %d, want %d", i, c.ID, i)
		}
	}

	// Three tokens hold almost all the mass: logits 10, 9, 8 at ids 1500,
	// 7, 300, the rest 0. p ∝ e^10, e^9, e^8 and 1997 × 1:
	// total = 22026.47 + 8103.08 + 2980.96 + 1997 = 35107.51, so the
	// first two make 0.8582 and top-p 0.8 keeps ids 1500 and 7 with
	// 22026.47/30129.55 = 0.73106, 0.26894.
	peaked := make([]float32, n)
	peaked[1500], peaked[7], peaked[300] = 10, 9, 8
	s = mustNew(t, only([]Stage{StageTopP}, func(p *Params) { p.TopP = 0.8 }), n)
	expectDist(t, "peaked top-p", probsAfter(t, s, peaked), map[int32]float64{1500: 0.731059, 7: 0.268941}, tol)
	t.Logf("uniform top-p kept %d of %d", len(got), n)
}

func TestMinP(t *testing.T) {
	cases := []struct {
		name    string
		p       float32
		minKeep int
		want    map[int32]float64
	}{
		// Min-p keeps p_i >= p × 0.5.
		{"0.4 (>= 0.2)", 0.4, 0, map[int32]float64{0: .5 / .75, 1: .25 / .75}},
		{"0.25 (>= 0.125)", 0.25, 0, map[int32]float64{0: .5 / .9, 1: .25 / .9, 2: .15 / .9}},
		{"0.9 (>= 0.45)", 0.9, 0, map[int32]float64{0: 1}},
		{"0.9 keep 3", 0.9, 3, map[int32]float64{0: .5 / .9, 1: .25 / .9, 2: .15 / .9}},
		{"0 off", 0, 0, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
	}
	for _, c := range cases {
		s := mustNew(t, only([]Stage{StageMinP}, func(p *Params) { p.MinP, p.MinKeep = c.p, c.minKeep }), 4)
		expectDist(t, "min-p "+c.name, probsAfter(t, s, quarter), c.want, tol)
	}
}

func TestTypicalP(t *testing.T) {
	// Entropy H = -Σ p ln p = 0.34657 + 0.34657 + 0.28457 + 0.23026
	// = 1.20797. Surprises -ln p = 0.69315, 1.38629, 1.89712, 2.30259, so
	// |surprise - H| = 0.51483, 0.17832, 0.68915, 1.09461: the most
	// typical token is 1, then 0, 2, 3. Typical-p adds probabilities in
	// that order until the sum exceeds p:
	//   p 0.5: 0.25, then 0.75 > 0.5 → {1, 0} → 1/3, 2/3
	//   p 0.2: 0.25 > 0.2 → {1} alone, dropping the most likely token.
	//   p 0.8: 0.25, 0.75, 0.90 > 0.8 → {1, 0, 2}
	cases := []struct {
		name string
		p    float32
		want map[int32]float64
	}{
		{"0.5", 0.5, map[int32]float64{1: 1. / 3, 0: 2. / 3}},
		{"0.2", 0.2, map[int32]float64{1: 1}},
		{"0.8", 0.8, map[int32]float64{1: .25 / .9, 0: .5 / .9, 2: .15 / .9}},
	}
	for _, c := range cases {
		s := mustNew(t, only([]Stage{StageTypicalP}, func(p *Params) { p.TypicalP = c.p }), 4)
		expectDist(t, "typical "+c.name, probsAfter(t, s, quarter), c.want, tol)
	}
	// Order of the result is by typicality: token 1 first.
	s := mustNew(t, only([]Stage{StageTypicalP}, func(p *Params) { p.TypicalP = 0.5 }), 4)
	s.Sample(quarter)
	if got := s.Probs(); got[0].ID != 1 || got[1].ID != 0 {
		t.Errorf("typical order = %v, want token 1 then 0", got)
	}
}

func TestTemperature(t *testing.T) {
	// Temperature T turns p_i into p_i^(1/T) / Σ p_j^(1/T).
	// T 0.5: p² = .25, .0625, .0225, .01, sum .345
	//   → .724638, .181159, .065217, .028986
	// T 2: √p = .707107, .5, .387298, .316228, sum 1.910633
	//   → .370090, .261693, .202707, .165509
	cases := []struct {
		temp float32
		want map[int32]float64
	}{
		{0.5, map[int32]float64{0: .724638, 1: .181159, 2: .065217, 3: .028986}},
		{2, map[int32]float64{0: .370090, 1: .261693, 2: .202707, 3: .165509}},
		{1, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
	}
	for _, c := range cases {
		s := mustNew(t, only([]Stage{StageTemperature}, func(p *Params) { p.Temp = c.temp }), 4)
		expectDist(t, "temperature", probsAfter(t, s, quarter), c.want, tol)
	}
}

func TestDynamicTemperature(t *testing.T) {
	// H = 1.207974 (see TestTypicalP), maximum entropy ln 4 = 1.386294, so
	// the normalized entropy is h = 0.871369. Temp 1 ± 0.5 maps it to
	// 0.5 + (1.5 - 0.5) × h^exp:
	//   exp 1: T = 1.371369 → p^(1/T) normalized
	//          = .429529, .259109, .178530, .132833
	//   exp 2: T = 0.5 + 0.759284 = 1.259284
	//          → .446493, .257493, .171631, .124383
	cases := []struct {
		exp  float32
		want map[int32]float64
	}{
		{1, map[int32]float64{0: .429529, 1: .259109, 2: .178530, 3: .132833}},
		{2, map[int32]float64{0: .446493, 1: .257493, 2: .171631, 3: .124383}},
	}
	for _, c := range cases {
		s := mustNew(t, only([]Stage{StageTemperature}, func(p *Params) {
			p.Temp, p.DynaTempRange, p.DynaTempExp = 1, 0.5, c.exp
		}), 4)
		expectDist(t, "dynatemp", probsAfter(t, s, quarter), c.want, tol)
	}
	// Range reaching below zero clamps the low end at 0: Temp 0.2 ± 1
	// → [0, 1.2], T = 1.2 × 0.871369 = 1.045643 → p^0.956350 normalized.
	s := mustNew(t, only([]Stage{StageTemperature}, func(p *Params) {
		p.Temp, p.DynaTempRange, p.DynaTempExp = 0.2, 1, 1
	}), 4)
	want := map[int32]float64{}
	var sum float64
	for i, p := range []float64{.5, .25, .15, .1} {
		want[int32(i)] = math.Pow(p, 1/1.045643)
		sum += want[int32(i)]
	}
	for i := range want {
		want[i] /= sum
	}
	expectDist(t, "dynatemp clamped", probsAfter(t, s, quarter), want, tol)
}

func TestGreedy(t *testing.T) {
	cases := []struct {
		name   string
		logits []float32
		want   int32
	}{
		{"max", []float32{1, 3, 2, 0}, 1},
		{"tie goes to lowest id", []float32{1, 3, 3, 2}, 1},
		{"all equal", []float32{5, 5, 5, 5, 5}, 0},
		{"negative", []float32{-7, -3, -3.5, -3}, 1},
		{"banned max", []float32{float32(math.Inf(-1)), 2, float32(math.NaN()), 1}, 1},
	}
	for _, c := range cases {
		for _, name := range []string{"zero Params", "default chain"} {
			p := Params{}
			if name == "default chain" {
				p = DefaultParams()
				p.Temp = 0
			}
			s := mustNew(t, p, len(c.logits))
			for range 3 {
				if got := s.Sample(c.logits); got != c.want {
					t.Errorf("%s, %s: got %d, want %d", c.name, name, got, c.want)
				}
			}
			if pr := s.Probs(); len(pr) != 1 || pr[0].P != 1 {
				t.Errorf("%s, %s: greedy leaves %v, want one token with P 1", c.name, name, pr)
			}
		}
	}
	// Greedy at the top-k boundary: top-k 2 of logits with a three-way tie
	// keeps ids 1 and 2, and temperature 0 picks 1.
	s := mustNew(t, only([]Stage{StageTopK, StageTemperature}, func(p *Params) { p.TopK, p.Temp = 2, 0 }), 5)
	if got := s.Sample([]float32{0, 4, 4, 4, 1}); got != 1 {
		t.Errorf("tie at top-k: got %d, want 1", got)
	}
}

func TestXTC(t *testing.T) {
	cases := []struct {
		name      string
		threshold float32
		minKeep   int
		want      map[int32]float64
	}{
		// Threshold 0.2: tokens 0 (0.5) and 1 (0.25) are above it; XTC
		// removes all but the least likely of them, token 0, leaving
		// 0.25, 0.15, 0.1 → 0.5, 0.3, 0.2.
		{"0.2", 0.2, 0, map[int32]float64{1: .5, 2: .3, 3: .2}},
		// Threshold 0.12: tokens 0, 1, 2 reach it; 0 and 1 go, leaving
		// 0.15, 0.1 → 0.6, 0.4.
		{"0.12", 0.12, 0, map[int32]float64{2: .6, 3: .4}},
		// Threshold 0.3: only token 0 is above, nothing to remove.
		{"0.3", 0.3, 0, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
		// Above 0.5 disables XTC.
		{"0.6 off", 0.6, 0, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
		// Removing token 0 would leave 3 < min keep 4.
		{"0.2 keep 4", 0.2, 4, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
	}
	for _, c := range cases {
		s := mustNew(t, only([]Stage{StageXTC}, func(p *Params) {
			p.XTCProbability, p.XTCThreshold, p.MinKeep = 1, c.threshold, c.minKeep
		}), 4)
		expectDist(t, "xtc "+c.name, probsAfter(t, s, quarter), c.want, tol)
	}

	// With probability 0.5 the coin removes token 0 about half the time:
	// over 4000 steps the count is Binomial(4000, 0.5), mean 2000, sd 31.6.
	s := mustNew(t, only([]Stage{StageXTC}, func(p *Params) {
		p.XTCProbability, p.XTCThreshold, p.Seed = 0.5, 0.2, 42
	}), 4)
	removed := 0
	const steps = 4000
	for range steps {
		s.Sample(quarter)
		if s.Probs()[0].ID != 0 {
			removed++
		}
	}
	t.Logf("xtc probability 0.5: acted %d of %d times", removed, steps)
	if removed < 2000-160 || removed > 2000+160 {
		t.Errorf("xtc with probability 0.5 acted %d of %d times", removed, steps)
	}
}

func TestTopNSigma(t *testing.T) {
	// Logits 3, 2, 0, -1: mean 1, deviations 2, 1, -1, -2, variance
	// (4+1+1+4)/4 = 2.5, σ = 1.581139. n = 1 keeps logits >= 3 - 1.581 =
	// 1.419: tokens 0 and 1, softmax of (3, 2) = 0.731059, 0.268941.
	// n = 2 keeps >= -0.162278: tokens 0, 1, 2 → e^3, e^2, 1 over 28.474
	// = .705385, .259496, .035119.
	logits := []float32{3, 2, 0, -1}
	s := mustNew(t, only([]Stage{StageTopNSigma}, func(p *Params) { p.TopNSigma = 1 }), 4)
	expectDist(t, "top-n-sigma 1", probsAfter(t, s, logits), map[int32]float64{0: .731059, 1: .268941}, tol)
	s = mustNew(t, only([]Stage{StageTopNSigma}, func(p *Params) { p.TopNSigma = 2 }), 4)
	expectDist(t, "top-n-sigma 2", probsAfter(t, s, logits), map[int32]float64{0: .705385, 1: .259496, 2: .035119}, tol)
}

func TestPenalties(t *testing.T) {
	// Logits 2, -1, 0.5, 1, 0.25; history 0 1 0 4 (token 0 twice, 1 and 4
	// once). Repeat 2, frequency 0.5, presence 0.25:
	//   token 0: 2 > 0 so 2/2 = 1, minus 2×0.5 + 0.25 → -0.25
	//   token 1: -1 <= 0 so -1×2 = -2, minus 0.5 + 0.25 → -2.75
	//   token 4: 0.25/2 = 0.125, minus 0.75 → -0.625
	//   tokens 2, 3 unseen: 0.5, 1
	logits := []float32{2, -1, 0.5, 1, 0.25}
	set := func(p *Params) {
		p.RepeatPenalty, p.FreqPenalty, p.PresencePenalty, p.RepeatLastN = 2, 0.5, 0.25, 64
	}
	s := mustNew(t, only([]Stage{StagePenalties}, set), 5)
	for _, id := range []int32{0, 1, 0, 4} {
		if err := s.Accept(id); err != nil {
			t.Fatal(err)
		}
	}
	want := map[int32]float64{0: -0.25, 1: -2.75, 2: 0.5, 3: 1, 4: -0.625}
	expectDist(t, "penalties", logitsAfter(t, s, logits), want, 1e-6)

	// The same through the other path: token 2 banned, so the list is no
	// longer the whole vocabulary in id order.
	s = mustNew(t, only([]Stage{StagePenalties}, func(p *Params) {
		set(p)
		p.LogitBias = map[int32]float32{2: float32(math.Inf(-1))}
	}), 5)
	if err := s.AcceptPrompt([]int32{0, 1, 0, 4}); err != nil {
		t.Fatal(err)
	}
	delete(want, 2)
	expectDist(t, "penalties, compacted list", logitsAfter(t, s, logits), want, 1e-6)

	// A window of 2 sees only the last two tokens, 0 and 4, once each:
	//   token 0: 2/2 - 0.75 = 0.25; token 1 unpenalized: -1;
	//   token 4: 0.125 - 0.75 = -0.625.
	s = mustNew(t, only([]Stage{StagePenalties}, func(p *Params) { set(p); p.RepeatLastN = 2 }), 5)
	for _, id := range []int32{0, 1, 0, 4} {
		if err := s.Accept(id); err != nil {
			t.Fatal(err)
		}
	}
	expectDist(t, "penalties window 2", logitsAfter(t, s, logits),
		map[int32]float64{0: 0.25, 1: -1, 2: 0.5, 3: 1, 4: -0.625}, 1e-6)

	// Reset forgets the history.
	s.Reset()
	expectDist(t, "penalties after reset", logitsAfter(t, s, logits),
		map[int32]float64{0: 2, 1: -1, 2: 0.5, 3: 1, 4: 0.25}, 1e-6)

	// -1 means the context length, which must then be given.
	if _, err := New(only([]Stage{StagePenalties}, func(p *Params) { set(p); p.RepeatLastN = -1 }), 5); err == nil {
		t.Error("repeat last n -1 without a context length: no error")
	}
	s = mustNew(t, only([]Stage{StagePenalties}, func(p *Params) { set(p); p.RepeatLastN = -1 }), 5, WithContextLength(3))
	for _, id := range []int32{0, 1, 0, 4} {
		s.Accept(id)
	}
	// Window 3: 1, 0, 4 once each → token 0: 1 - 0.75 = 0.25, token 1:
	// -2 - 0.75 = -2.75, token 4: -0.625.
	expectDist(t, "penalties window = context", logitsAfter(t, s, logits),
		map[int32]float64{0: 0.25, 1: -2.75, 2: 0.5, 3: 1, 4: -0.625}, 1e-6)
}

func TestLogitBias(t *testing.T) {
	ninf := float32(math.Inf(-1))
	// Banning token 0 makes greedy pick 1; a +3 bias on token 3 (ln 0.1
	// + 3 = 0.697 > ln 0.5 = -0.693) makes it the best.
	s := mustNew(t, Params{LogitBias: map[int32]float32{0: ninf}}, 4)
	if got := s.Sample(quarter); got != 1 {
		t.Errorf("banned 0: got %d, want 1", got)
	}
	s = mustNew(t, Params{LogitBias: map[int32]float32{3: 3}}, 4)
	if got := s.Sample(quarter); got != 3 {
		t.Errorf("bias +3 on 3: got %d, want 3", got)
	}
	// Biases shift the distribution: a bias of ln 2 on token 3 doubles
	// its weight: 0.5, 0.25, 0.15, 0.2 over 1.1.
	s = mustNew(t, only(nil, func(p *Params) { p.LogitBias = map[int32]float32{3: float32(math.Ln2)} }), 4)
	expectDist(t, "bias ln 2", probsAfter(t, s, quarter),
		map[int32]float64{0: .5 / 1.1, 1: .25 / 1.1, 2: .15 / 1.1, 3: .2 / 1.1}, tol)
	// Banning everything leaves nothing to sample.
	s = mustNew(t, Params{LogitBias: map[int32]float32{0: ninf, 1: ninf, 2: ninf, 3: ninf}}, 4)
	if got := s.Sample(quarter); got != NoToken {
		t.Errorf("all banned: got %d, want NoToken", got)
	}
	// Sample does not modify the caller's logits.
	before := append([]float32(nil), quarter...)
	s = mustNew(t, DefaultParams(), 4)
	s.Sample(quarter)
	for i := range quarter {
		if quarter[i] != before[i] {
			t.Fatalf("Sample modified logits[%d]", i)
		}
	}
}

func TestDefaultChain(t *testing.T) {
	// Defaults on quarter: top-k 40 keeps all four; top-p 0.95 too
	// (0.9 < 0.95 until the last); min-p 0.05 keeps p >= 0.025, all;
	// temperature 0.8 gives p^1.25 normalized:
	// .420448, .176777, .093362, .056234 over .746821
	// → .562993, .236709, .124998, .075299.
	s := mustNew(t, DefaultParams(), 4)
	expectDist(t, "default chain", probsAfter(t, s, quarter),
		map[int32]float64{0: .562993, 1: .236709, 2: .124998, 3: .075299}, tol)
	// With p = 0.6, 0.36, 0.035, 0.005 top-p 0.95 stops at token 1
	// (0.6 + 0.36 = 0.96), min-p keeps both (0.36 >= 0.03), temperature
	// 0.8: 0.6^1.25 = .528067, 0.36^1.25 = .278855 → .654422, .345578.
	s = mustNew(t, DefaultParams(), 4)
	expectDist(t, "default chain truncating", probsAfter(t, s, logitsOf(0.6, 0.36, 0.035, 0.005)),
		map[int32]float64{0: .654422, 1: .345578}, tol)
}
