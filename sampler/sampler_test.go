package sampler

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestMirostatV2(t *testing.T) {
	// Surprises -log2 p of quarter: 1, 2, 2.737, 3.322 bits.
	// tau 1.25 → mu starts at 2.5: keep surprise <= 2.5, tokens 0 and 1
	// → 2/3, 1/3.
	s := mustNew(t, Params{Temp: 1, Mirostat: 2, MirostatTau: 1.25, MirostatEta: 0.1, Seed: 3}, 4)
	expectDist(t, "mirostat v2 mu 2.5", probsAfter(t, s, quarter), map[int32]float64{0: 2. / 3, 1: 1. / 3}, tol)

	// tau 5 → mu 10 keeps all four. After taking token i the update is
	// mu ← mu - eta × (surprise_i - tau):
	//   0: 10 - 0.1 × (1 - 5) = 10.4        1: 10 - 0.1 × (2 - 5) = 10.3
	//   2: 10 - 0.1 × (2.736966 - 5) = 10.226303
	//   3: 10 - 0.1 × (3.321928 - 5) = 10.167807
	wantMu := map[int32]float64{0: 10.4, 1: 10.3, 2: 10.226303, 3: 10.167807}
	for seed := uint64(0); seed < 8; seed++ {
		s := mustNew(t, Params{Temp: 1, Mirostat: 2, MirostatTau: 5, MirostatEta: 0.1, Seed: seed}, 4)
		id := s.Sample(quarter)
		if s.mu != 10 {
			t.Fatalf("mu moved before Accept: %v", s.mu)
		}
		if err := s.Accept(id); err != nil {
			t.Fatal(err)
		}
		if math.Abs(float64(s.mu)-wantMu[id]) > 1e-5 {
			t.Errorf("seed %d: took %d, mu = %v, want %v", seed, id, s.mu, wantMu[id])
		}
		// A second Accept without Sample does not move mu again.
		mu := s.mu
		s.Accept(id)
		if s.mu != mu {
			t.Errorf("second Accept moved mu %v → %v", mu, s.mu)
		}
		s.Reset()
		if s.mu != 10 {
			t.Errorf("Reset: mu = %v, want 10", s.mu)
		}
	}
	// Nothing within mu: the best token alone. tau 0.25 → mu 0.5 < 1.
	s = mustNew(t, Params{Temp: 1, Mirostat: 2, MirostatTau: 0.25, MirostatEta: 0.1}, 4)
	expectDist(t, "mirostat v2 mu 0.5", probsAfter(t, s, quarter), map[int32]float64{0: 1}, tol)
}

func TestMirostatV1(t *testing.T) {
	// Zipf fit on quarter (m = 100 covers all 4): t_i = ln((i+2)/(i+1)),
	// b_i = ln(p_i/p_{i+1}) for i = 0..2:
	//   t = 0.693147, 0.405465, 0.287682; b = 0.693147, 0.510826, 0.405465
	//   Σ t·b = 0.804218, Σ t² = 0.727616 → s = 1.105281, ε = 0.105281
	// k = (ε·2^mu / (1 - 4^-ε))^(1/s), 4^-ε = 0.864200:
	//   mu 10 (tau 5): k = 420.3 → all 4 kept
	//   mu 2 (tau 1):  k = 2.784 → top 2 → 2/3, 1/3
	//   mu 1 (tau 0.5): k = 1.487 → top 1
	cases := []struct {
		tau  float32
		want map[int32]float64
	}{
		{5, map[int32]float64{0: .5, 1: .25, 2: .15, 3: .1}},
		{1, map[int32]float64{0: 2. / 3, 1: 1. / 3}},
		{0.5, map[int32]float64{0: 1}},
	}
	for _, c := range cases {
		s := mustNew(t, Params{Temp: 1, Mirostat: 1, MirostatTau: c.tau, MirostatEta: 0.1}, 4)
		expectDist(t, "mirostat v1", probsAfter(t, s, quarter), c.want, tol)
	}
	// The update: tau 1, mu 2, the kept pair renormalized to 2/3, 1/3:
	// taking token 0 (surprise log2 1.5 = 0.584963) gives
	// mu = 2 - 0.1 × (0.584963 - 1) = 2.041504; token 1 (surprise
	// log2 3 = 1.584963) gives 2 - 0.058496 = 1.941504.
	for seed := uint64(0); seed < 6; seed++ {
		s := mustNew(t, Params{Temp: 1, Mirostat: 1, MirostatTau: 1, MirostatEta: 0.1, Seed: seed}, 4)
		id := s.Sample(quarter)
		s.Accept(id)
		want := map[int32]float64{0: 2.041504, 1: 1.941504}[id]
		if math.Abs(float64(s.mu)-want) > 1e-5 {
			t.Errorf("seed %d: took %d, mu = %v, want %v", seed, id, s.mu, want)
		}
	}
	// Temperature 0 with mirostat: one candidate, greedy.
	s := mustNew(t, Params{Temp: 0, Mirostat: 1, MirostatTau: 5, MirostatEta: 0.1}, 4)
	if got := s.Sample([]float32{1, 3, 3, 0}); got != 1 {
		t.Errorf("mirostat at temp 0 picked %d, want 1", got)
	}
}

// evenOnly is a fake constraint: only even tokens may come next, and the
// output may end after done accepted tokens.
type evenOnly struct {
	accepted []int32
	done     int
}

func (e *evenOnly) Apply(c []Candidate) {
	for i := range c {
		if c[i].ID%2 == 1 {
			c[i].Logit = float32(math.Inf(-1))
		}
	}
}

func (e *evenOnly) Accept(id int32) error {
	if id%2 == 1 {
		return errors.New("odd token")
	}
	e.accepted = append(e.accepted, id)
	return nil
}

func (e *evenOnly) Done() bool { return len(e.accepted) >= e.done }

func TestConstraint(t *testing.T) {
	const eog = 3
	isEOG := func(id int32) bool { return id == eog }
	// Token 3 (end of generation, odd: the constraint bans it) is the
	// best, then 1 (odd), then 2, then 0.
	logits := []float32{0, 9, 5, 10, -1, -2}

	s := mustNew(t, Params{}, 6)
	c := &evenOnly{done: 2}
	s.SetConstraint(c, isEOG)
	for step := 0; step < 2; step++ {
		// Not done: EOG and odd tokens are out; greedy takes 2.
		if got := s.Sample(logits); got != 2 {
			t.Fatalf("step %d: got %d, want 2", step, got)
		}
		if err := s.Accept(eog); err == nil {
			t.Fatalf("step %d: Accept(EOG) before the constraint is done: no error", step)
		}
		if err := s.Accept(1); err == nil {
			t.Fatalf("step %d: Accept(1) against the constraint: no error", step)
		}
		if err := s.Accept(2); err != nil {
			t.Fatal(err)
		}
	}
	// Done: EOG is allowed again with its own logit, although Apply banned
	// it, and wins.
	if got := s.Sample(logits); got != eog {
		t.Fatalf("done: got %d, want EOG %d", got, eog)
	}
	if err := s.Accept(eog); err != nil {
		t.Fatalf("Accept(EOG) when done: %v", err)
	}
	if !slices.Equal(c.accepted, []int32{2, 2}) {
		t.Errorf("constraint saw %v, want [2 2] (EOG is not forwarded)", c.accepted)
	}

	// Sampling at temperature 1 never leaves the constraint: over many
	// draws only even tokens appear before done (0, 2, 4 with weights
	// e^0, e^5, e^-1).
	s = mustNew(t, Params{Temp: 1, Order: []Stage{StageTemperature}, Seed: 9}, 6)
	s.SetConstraint(&evenOnly{done: 1 << 30}, isEOG)
	for range 2000 {
		if id := s.Sample(logits); id%2 == 1 {
			t.Fatalf("sampled %d against the constraint", id)
		}
	}
	want := map[int32]float64{}
	z := math.Exp(0) + math.Exp(5) + math.Exp(-1)
	for _, id := range []int32{0, 2, 4} {
		want[id] = math.Exp(float64(logits[id])) / z
	}
	got := map[int32]float64{}
	for _, c := range s.Probs() {
		got[c.ID] = float64(c.P)
	}
	expectDist(t, "constrained distribution", got, want, tol)

	// A constraint that rules out everything leaves nothing.
	s = mustNew(t, Params{}, 2)
	s.SetConstraint(&evenOnly{}, nil)
	if got := s.Sample([]float32{float32(math.Inf(-1)), 1}); got != NoToken {
		t.Errorf("everything ruled out: got %d, want NoToken", got)
	}
	// Removing the constraint restores the plain chain.
	s.SetConstraint(nil, nil)
	if got := s.Sample([]float32{0, 1}); got != 1 {
		t.Errorf("after removing the constraint: got %d, want 1", got)
	}
}

func TestDeterminism(t *testing.T) {
	const vocab, steps = 500, 300
	run := func(seed uint64, reset bool) []int32 {
		p := DefaultParams()
		p.Seed = seed
		p.RepeatPenalty = 1.1
		p.XTCProbability = 0.3
		s := mustNew(t, p, vocab)
		if reset {
			// Using and resetting first must not change the result.
			s.Sample(make([]float32, vocab))
			s.Accept(7)
			s.Reset()
		}
		gen := rand.New(rand.NewPCG(1, 2)) // the same logits for every run
		logits := make([]float32, vocab)
		var out []int32
		for range steps {
			for i := range logits {
				logits[i] = float32(gen.NormFloat64() * 2)
			}
			id := s.Sample(logits)
			s.Accept(id)
			out = append(out, id)
		}
		return out
	}
	a, b, c := run(42, false), run(42, true), run(43, false)
	if !slices.Equal(a, b) {
		t.Errorf("same seed gave different tokens:\n%v\n%v", a[:20], b[:20])
	}
	same := 0
	for i := range a {
		if a[i] == c[i] {
			same++
		}
	}
	t.Logf("seeds 42 and 43 agree on %d of %d tokens", same, steps)
	if same == steps {
		t.Error("different seeds gave the same tokens")
	}
	// RandomSeed draws a seed that Seed reports and that reproduces.
	s := mustNew(t, DefaultParams(), vocab)
	if s.Seed() == RandomSeed {
		t.Error("RandomSeed was not resolved")
	}
}

// TestDrawFrequencies draws 20000 times and compares the counts with the
// distribution by Pearson's chi-square. With a fixed seed the statistic
// is a fixed number; the bounds are the 0.1% critical values, so a correct
// draw passes with a wide margin and a biased one (say, off by one index,
// or ignoring the tail) fails by far.
func TestDrawFrequencies(t *testing.T) {
	const n = 20000
	cases := []struct {
		name  string
		p     Params
		want  []float64
		bound float64 // chi-square 0.1% critical value, len(want)-1 degrees of freedom
	}{
		{"plain", only(nil, nil), []float64{.5, .25, .15, .1}, 16.27},
		{"top-k 3", only([]Stage{StageTopK}, func(p *Params) { p.TopK = 3 }), []float64{.5 / .9, .25 / .9, .15 / .9}, 13.82},
		{"temperature 2", only([]Stage{StageTemperature}, func(p *Params) { p.Temp = 2 }), []float64{.370090, .261693, .202707, .165509}, 16.27},
	}
	for _, c := range cases {
		c.p.Seed = 2024
		s := mustNew(t, c.p, 4)
		counts := make([]int, 4)
		for range n {
			counts[s.Sample(quarter)]++
		}
		var chi2 float64
		for i, w := range c.want {
			e := w * n
			chi2 += (float64(counts[i]) - e) * (float64(counts[i]) - e) / e
		}
		for i := len(c.want); i < 4; i++ {
			if counts[i] != 0 {
				t.Errorf("%s: token %d drawn %d times, should be cut", c.name, i, counts[i])
			}
		}
		t.Logf("%s: counts %v, chi-square %.2f (bound %.2f)", c.name, counts, chi2, c.bound)
		if chi2 > c.bound {
			t.Errorf("%s: chi-square %.2f over %.2f: counts %v, want proportions %v", c.name, chi2, c.bound, counts, c.want)
		}
	}
}

func TestAccept(t *testing.T) {
	s := mustNew(t, DefaultParams(), 10)
	for _, id := range []int32{-1, 10, 1 << 30} {
		if err := s.Accept(id); err == nil {
			t.Errorf("Accept(%d): no error", id)
		}
	}
	if err := s.AcceptPrompt([]int32{1, 2, 10}); err == nil {
		t.Error("AcceptPrompt with token 10 of 10: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("Sample with the wrong number of logits did not panic")
		}
	}()
	s.Sample(make([]float32, 9))
}

func TestParamsValidation(t *testing.T) {
	nan := float32(math.NaN())
	bad := []struct {
		name string
		set  func(*Params)
	}{
		{"NaN temperature", func(p *Params) { p.Temp = nan }},
		{"infinite temperature", func(p *Params) { p.Temp = float32(math.Inf(1)) }},
		{"top-p above 1", func(p *Params) { p.TopP = 1.5 }},
		{"negative min-p", func(p *Params) { p.MinP = -0.1 }},
		{"typical NaN", func(p *Params) { p.TypicalP = nan }},
		{"negative repeat penalty", func(p *Params) { p.RepeatPenalty = -1 }},
		{"repeat last n -2", func(p *Params) { p.RepeatLastN = -2 }},
		{"negative min keep", func(p *Params) { p.MinKeep = -1 }},
		{"mirostat 3", func(p *Params) { p.Mirostat = 3 }},
		{"XTC threshold 2", func(p *Params) { p.XTCThreshold = 2 }},
		{"negative DRY multiplier", func(p *Params) { p.DRYMultiplier = -1 }},
		{"DRY allowed -1", func(p *Params) { p.DRYAllowedLength = -1 }},
		{"bias out of range", func(p *Params) { p.LogitBias = map[int32]float32{100: 1} }},
		{"negative bias id", func(p *Params) { p.LogitBias = map[int32]float32{-1: 1} }},
		{"+Inf bias", func(p *Params) { p.LogitBias = map[int32]float32{1: float32(math.Inf(1))} }},
		{"unknown stage", func(p *Params) { p.Order = []Stage{StageTopK, 99} }},
		{"negative dynatemp", func(p *Params) { p.DynaTempRange = -1 }},
	}
	for _, c := range bad {
		p := DefaultParams()
		c.set(&p)
		if _, err := New(p, 100); err == nil {
			t.Errorf("%s: no error", c.name)
		} else {
			t.Logf("%s: %v", c.name, err)
		}
	}
	if _, err := New(DefaultParams(), 0); err == nil {
		t.Error("vocabulary 0: no error")
	}
	if _, err := New(DefaultParams(), 10, WithContextLength(-5)); err == nil {
		t.Error("negative context length: no error")
	}
	// Valid edge values.
	for _, set := range []func(*Params){
		func(p *Params) { p.LogitBias = map[int32]float32{0: float32(math.Inf(-1))} },
		func(p *Params) { p.Temp = -1 },
		func(p *Params) { p.TopK = -5 },
		func(p *Params) { p.Order = []Stage{} },
		func(p *Params) { p.Order = []Stage{StageTemperature, StageTemperature} },
	} {
		p := DefaultParams()
		set(&p)
		if _, err := New(p, 100); err != nil {
			t.Errorf("valid params rejected: %v", err)
		}
	}
}

func TestDefaults(t *testing.T) {
	// llama.cpp's common_params_sampling defaults, written out.
	p := DefaultParams()
	if p.TopK != 40 || p.TopP != 0.95 || p.MinP != 0.05 || p.TypicalP != 1 || p.Temp != 0.8 ||
		p.RepeatLastN != 64 || p.RepeatPenalty != 1 || p.FreqPenalty != 0 || p.PresencePenalty != 0 ||
		p.DRYMultiplier != 0 || p.DRYBase != 1.75 || p.DRYAllowedLength != 2 || p.DRYPenaltyLastN != -1 ||
		p.XTCProbability != 0 || p.XTCThreshold != 0.1 || p.Mirostat != 0 || p.MirostatTau != 5 ||
		p.MirostatEta != 0.1 || p.DynaTempRange != 0 || p.DynaTempExp != 1 || p.Seed != RandomSeed {
		t.Errorf("defaults differ from llama.cpp's: %+v", p)
	}
	if got := strings.Join(stageStrings(p.Order), ";"); got != "penalties;dry;top_n_sigma;top_k;typ_p;top_p;min_p;xtc;temperature" {
		t.Errorf("default order %s", got)
	}
	if !slices.Equal(p.DRYSequenceBreakers, []string{"\n", ":", "\"", "*"}) {
		t.Errorf("DRY breakers %q", p.DRYSequenceBreakers)
	}
	// The default params need no vocabulary or context length: DRY is off.
	if _, err := New(p, 32000); err != nil {
		t.Error(err)
	}
}

func stageStrings(st []Stage) []string {
	var out []string
	for _, s := range st {
		out = append(out, s.String())
	}
	return out
}

func TestParseStages(t *testing.T) {
	got, err := ParseStages("penalties;dry;top_n_sigma;top_k;typ_p;top_p;min_p;xtc;temperature")
	if err != nil || !slices.Equal(got, DefaultOrder()) {
		t.Errorf("canonical names: %v, %v", got, err)
	}
	got, err = ParseStages("top-k, nucleus;typical;min-p;temp")
	if want := []Stage{StageTopK, StageTopP, StageTypicalP, StageMinP, StageTemperature}; err != nil || !slices.Equal(got, want) {
		t.Errorf("alternative names: %v, %v, want %v", got, err, want)
	}
	if _, err := ParseStages("top_k;bogus"); err == nil {
		t.Error("unknown name: no error")
	}
	got, err = ParseStageChars("edskypmxt")
	if err != nil || !slices.Equal(got, DefaultOrder()) {
		t.Errorf("letters: %v, %v", got, err)
	}
	if _, err := ParseStageChars("kq"); err == nil {
		t.Error("unknown letter: no error")
	}
	if s := Stage(0).String(); s != "Stage(0)" {
		t.Errorf("invalid stage prints %q", s)
	}
}

func TestNoAllocations(t *testing.T) {
	const vocab = 32000
	logits := make([]float32, vocab)
	gen := rand.New(rand.NewPCG(7, 7))
	for i := range logits {
		logits[i] = float32(gen.NormFloat64() * 3)
	}
	// A vocabulary for DRY's breakers: token i is the letter i%26, and
	// token 26 is a newline.
	piece := func(id int32) string {
		if id == 26 {
			return "\n"
		}
		return string(rune('a' + id%26))
	}
	tokenize := func(s string) []int32 { return []int32{int32(s[0]-'a') % 26} }

	everything := DefaultParams()
	everything.Seed = 1
	everything.RepeatPenalty, everything.FreqPenalty, everything.PresencePenalty = 1.1, 0.1, 0.1
	everything.DRYMultiplier, everything.DRYPenaltyLastN = 0.8, 128
	everything.TypicalP, everything.XTCProbability, everything.DynaTempRange = 0.9, 0.5, 0.3
	everything.TopNSigma = 3
	everything.LogitBias = map[int32]float32{5: -2, 9: float32(math.Inf(-1))}
	cases := map[string]Params{"default": DefaultParams(), "everything": everything}
	for _, m := range []int{1, 2} {
		p := DefaultParams()
		p.Mirostat = m
		p.RepeatPenalty = 1.1
		cases["mirostat "+string(rune('0'+m))] = p
	}
	noTopK := DefaultParams()
	noTopK.TopK = 0
	cases["no top-k"] = noTopK
	cases["greedy"] = Params{}
	for name, p := range cases {
		s := mustNew(t, p, vocab, WithVocab(piece, tokenize))
		step := func() {
			id := s.Sample(logits)
			s.Accept(id)
		}
		for range 140 { // warm-up fills the histories (windows 64 and 128)
			step()
		}
		if n := testing.AllocsPerRun(20, step); n != 0 {
			t.Errorf("%s: %v allocations per Sample+Accept", name, n)
		} else {
			t.Logf("%s: 0 allocations per Sample+Accept", name)
		}
	}
	// With a constraint (one that does not allocate itself).
	s := mustNew(t, DefaultParams(), vocab)
	s.SetConstraint(&countingEven{}, func(id int32) bool { return id == 26 })
	step := func() { s.Accept(s.Sample(logits)) }
	for range 10 {
		step()
	}
	if n := testing.AllocsPerRun(50, step); n != 0 {
		t.Errorf("constrained: %v allocations per Sample+Accept", n)
	}
}

// countingEven allows even tokens and counts what it accepts.
type countingEven struct{ n int }

func (c *countingEven) Apply(cands []Candidate) { (&evenOnly{}).Apply(cands) }
func (c *countingEven) Accept(int32) error      { c.n++; return nil }
func (c *countingEven) Done() bool              { return c.n > 5 }
