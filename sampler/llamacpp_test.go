package sampler

import (
	"fmt"
	"testing"
)

// TestLlamaCppCases checks the stages against the expected distributions
// in llama.cpp's own tests/test-sampling.cpp: inputs are probabilities
// (logits ln p), results are by token id. Where llama.cpp's test reads
// probabilities before renormalizing (XTC, typical) the values here are
// renormalized over what is kept.
func TestLlamaCppCases(t *testing.T) {
	inc := []float64{0.1, 0.2, 0.3, 0.4}
	m := func(kv ...float64) map[int32]float64 {
		out := map[int32]float64{}
		for i := 0; i < len(kv); i += 2 {
			out[int32(kv[i])] = kv[i+1]
		}
		return out
	}
	type tc struct {
		probs []float64
		stage Stage
		set   func(*Params)
		hist  []int32
		want  map[int32]float64
	}
	cases := []tc{
		{inc, StageTemperature, func(p *Params) { p.Temp = 1 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageTemperature, func(p *Params) { p.Temp = 0 }, nil, m(3, 1)},
		{inc, StageTemperature, func(p *Params) { p.Temp, p.DynaTempExp = 1, 1 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageTopK, func(p *Params) { p.TopK = 1 }, nil, m(3, 1)},
		{inc, StageTopK, func(p *Params) { p.TopK = 3 }, nil, m(3, .44444, 2, .33333, 1, .22222)},
		{inc, StageTopK, func(p *Params) { p.TopK = 4 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageTopK, func(p *Params) { p.TopK = 0 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageTopP, func(p *Params) { p.TopP = 0 }, nil, m(3, 1)},
		{inc, StageTopP, func(p *Params) { p.TopP = 0.7 }, nil, m(3, .571429, 2, .428571)},
		{inc, StageTopP, func(p *Params) { p.TopP = 0.8 }, nil, m(3, .44444, 2, .33333, 1, .22222)},
		{inc, StageTopP, func(p *Params) { p.TopP = 1 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0.24 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0.26 }, nil, m(1, .2/.9, 2, .3/.9, 3, .4/.9)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0.49 }, nil, m(1, .2/.9, 2, .3/.9, 3, .4/.9)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0.51 }, nil, m(2, .3/.7, 3, .4/.7)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0.74 }, nil, m(2, .3/.7, 3, .4/.7)},
		{inc, StageMinP, func(p *Params) { p.MinP = 0.76 }, nil, m(3, 1)},
		{inc, StageMinP, func(p *Params) { p.MinP = 1 }, nil, m(3, 1)},
		// XTC on 0.4, 0.3, 0.2, 0.1 (ids 0..3), coin always taken.
		{[]float64{.4, .3, .2, .1}, StageXTC, func(p *Params) { p.XTCProbability, p.XTCThreshold = 1, 0.09 }, nil, m(3, 1)},
		{[]float64{.4, .3, .2, .1}, StageXTC, func(p *Params) { p.XTCProbability, p.XTCThreshold = 1, 0.19 }, nil, m(2, 2./3, 3, 1./3)},
		{[]float64{.4, .3, .2, .1}, StageXTC, func(p *Params) { p.XTCProbability, p.XTCThreshold = 1, 0.29 }, nil, m(1, .5, 2, 1./3, 3, 1./6)},
		{[]float64{.4, .3, .2, .1}, StageXTC, func(p *Params) { p.XTCProbability, p.XTCThreshold = 1, 0.39 }, nil, m(0, .4, 1, .3, 2, .2, 3, .1)},
		{[]float64{.97, .01, .01, .01}, StageTypicalP, func(p *Params) { p.TypicalP = 0.5 }, nil, m(0, 1)},
		{[]float64{.4, .2, .2, .2}, StageTypicalP, func(p *Params) { p.TypicalP = 0.5 }, nil, m(1, 1./3, 2, 1./3, 3, 1./3)},
		{inc, StageTopNSigma, func(p *Params) { p.TopNSigma = 1 }, nil, m(2, .428571, 3, .571429)},
		{inc, StageTopNSigma, func(p *Params) { p.TopNSigma = 0 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
		{inc, StageTopNSigma, func(p *Params) { p.TopNSigma = 3 }, nil, m(0, .1, 1, .2, 2, .3, 3, .4)},
	}
	flat5 := []float64{.2, .2, .2, .2, .2}
	pen := func(repeat, freq, presence float32, n int) func(*Params) {
		return func(p *Params) {
			p.RepeatPenalty, p.FreqPenalty, p.PresencePenalty, p.RepeatLastN = repeat, freq, presence, n
		}
	}
	cases = append(cases,
		tc{flat5, StagePenalties, pen(50, 0, 0, 1), []int32{0}, m(0, 0, 1, .25, 2, .25, 3, .25, 4, .25)},
		tc{flat5, StagePenalties, pen(50, 0, 0, 3), []int32{0, 1, 2}, m(0, 0, 1, 0, 2, 0, 3, .5, 4, .5)},
		tc{flat5, StagePenalties, pen(50, 0, 0, 5), []int32{0, 1, 2, 0, 0}, m(0, 0, 1, 0, 2, 0, 3, .5, 4, .5)},
		tc{flat5, StagePenalties, pen(1, 5, 5, 1), []int32{0}, m(0, .000011, 1, .249997, 2, .249997, 3, .249997, 4, .249997)},
		tc{flat5, StagePenalties, pen(1, 5, 5, 3), []int32{0, 1, 2}, m(0, .000023, 1, .000023, 2, .000023, 3, .499966, 4, .499966)},
		tc{flat5, StagePenalties, pen(1, 5, 5, 5), []int32{0, 1, 2, 0, 0}, m(0, 0, 1, .000023, 2, .000023, 3, .499977, 4, .499977)},
	)
	dry := func(mult, base float32, allowed, lastN int) func(*Params) {
		return func(p *Params) {
			p.DRYMultiplier, p.DRYBase, p.DRYAllowedLength, p.DRYPenaltyLastN = mult, base, allowed, lastN
		}
	}
	cases = append(cases,
		tc{[]float64{.25, .25, .25, .25}, StageDRY, dry(1, 1.1, 2, 4), []int32{0, 1}, m(0, .25, 1, .25, 2, .25, 3, .25)},
		tc{[]float64{.25, .25, .25, .25}, StageDRY, dry(1, 1.1, 2, 5), []int32{0, 1, 2, 0, 1}, m(0, .296923, 1, .296923, 2, .109232, 3, .296923)},
		tc{flat5, StageDRY, dry(2, 1.1, 2, 5), []int32{0, 1, 2, 0, 1}, m(0, .241818, 1, .241818, 2, .032727, 3, .241818, 4, .241818)},
		tc{flat5, StageDRY, dry(1, 1.1, 4, 7), []int32{0, 1, 2, 3, 4, 0, 1}, m(0, .2, 1, .2, 2, .2, 3, .2, 4, .2)},
	)
	for i, c := range cases {
		s := mustNew(t, only([]Stage{c.stage}, c.set), len(c.probs))
		for _, id := range c.hist {
			if err := s.Accept(id); err != nil {
				t.Fatal(err)
			}
		}
		expectDist(t, fmt.Sprintf("case %d %v", i, c.stage), probsAfter(t, s, logitsOf(c.probs...)), c.want, 2e-5)
	}

	// DRY with the single-token breaker 3 (a vocabulary whose token 3 is
	// "\n"): 0 1 3 4 0 1 — the repetition "0 1" was followed by 3, a
	// breaker, which is never penalized: unchanged.
	v := charVocab{"a", "b", "c", "\n", "d"}
	s := mustNew(t, only([]Stage{StageDRY}, func(p *Params) {
		dry(1, 1.1, 2, 6)(p)
		p.DRYSequenceBreakers = []string{"\n"}
	}), 5, WithVocab(v.piece, v.tokenize))
	for _, id := range []int32{0, 1, 3, 4, 0, 1} {
		s.Accept(id)
	}
	expectDist(t, "dry breaker", probsAfter(t, s, logitsOf(flat5...)), m(0, .2, 1, .2, 2, .2, 3, .2, 4, .2), 2e-5)
}
