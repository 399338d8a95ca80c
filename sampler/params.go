package sampler

import (
	"fmt"
	"math"
	"strings"
)

// RandomSeed as Params.Seed asks New for a fresh random seed, as llama.cpp's
// LLAMA_DEFAULT_SEED does; Sampler.Seed tells which one was drawn, so that a
// run can be repeated.
const RandomSeed uint64 = math.MaxUint64

// Params are the sampling settings, with llama.cpp's names and meanings
// (common_params_sampling). Start from DefaultParams. The zero Params is valid
// too and means greedy decoding: every stage is off and Temp 0 takes the
// argmax.
type Params struct {
	// Temp divides the logits; <= 0 keeps only the most likely token (ties
	// go to the lowest id), which makes sampling greedy.
	Temp float32
	// DynaTempRange > 0 turns on dynamic temperature: the temperature moves
	// within Temp ± DynaTempRange with the normalized entropy of the
	// candidates raised to DynaTempExp (flat distributions get the high
	// end). 0 disables it.
	DynaTempRange, DynaTempExp float32

	// TopK keeps the K most likely tokens; <= 0 disables it.
	TopK int
	// TopP keeps the most likely tokens whose probabilities add up to at
	// least TopP; 1 disables it.
	TopP float32
	// MinP keeps the tokens at least MinP times as likely as the most
	// likely one; 0 disables it.
	MinP float32
	// TypicalP keeps the tokens whose surprise is closest to the entropy
	// until their probabilities add up to more than TypicalP (locally
	// typical sampling); 1 (or 0) disables it.
	TypicalP float32
	// TopNSigma keeps the tokens whose logit is within TopNSigma standard
	// deviations of the largest; <= 0 disables it.
	TopNSigma float32
	// MinKeep is the least number of tokens top-p, min-p, typical-p and XTC
	// leave (0: at least one).
	MinKeep int

	// RepeatPenalty divides the positive logits and multiplies the
	// negative ones of every token seen in the last RepeatLastN tokens;
	// 1 (or 0) disables it.
	RepeatPenalty float32
	// FreqPenalty is subtracted from a seen token's logit once per time it
	// was seen; PresencePenalty once if it was seen at all. 0 disables them.
	FreqPenalty, PresencePenalty float32
	// RepeatLastN is how many recent tokens the three penalties look at:
	// 0 disables them, -1 means the whole context (WithContextLength).
	RepeatLastN int

	// DRY ("don't repeat yourself") penalizes a token that would extend a
	// sequence already seen in the last DRYPenaltyLastN tokens (-1: the
	// whole context, 0: off) when the repetition would be longer than
	// DRYAllowedLength: by DRYMultiplier × DRYBase^(length − allowed).
	// DRYMultiplier 0 or DRYBase < 1 disable it. A repetition cannot reach
	// back past a sequence breaker; breakers are strings, matched on
	// tokens as llama.cpp does (needs WithVocab).
	DRYMultiplier       float32
	DRYBase             float32
	DRYAllowedLength    int
	DRYPenaltyLastN     int
	DRYSequenceBreakers []string

	// XTC ("exclude top choices"), with probability XTCProbability per
	// token, removes every token at least XTCThreshold likely except the
	// least likely of them. XTCProbability 0 or XTCThreshold > 0.5
	// disable it.
	XTCProbability, XTCThreshold float32

	// Mirostat 1 or 2 replaces the stages from top-k to temperature with
	// temperature then mirostat (v1 with m = 100, or v2), which aims at a
	// surprise of MirostatTau bits per token, learning at rate MirostatEta.
	// The penalties and DRY still run where Order puts them. 0 disables it.
	Mirostat                 int
	MirostatTau, MirostatEta float32

	// LogitBias is added to the logits of its tokens before any stage;
	// -Inf bans a token.
	LogitBias map[int32]float32

	// Seed seeds the random draws (and XTC's coin); RandomSeed picks one.
	Seed uint64

	// Order is the order of the stages, like llama.cpp's --samplers (see
	// ParseStages). nil means DefaultOrder. Logit bias and the constraint
	// always come first and the draw always last.
	Order []Stage
}

// DefaultParams returns llama.cpp's defaults: temperature 0.8, top-k 40,
// top-p 0.95, min-p 0.05, penalties over the last 64 tokens but switched
// off, DRY, XTC and mirostat off, a random seed and the default order.
func DefaultParams() Params {
	return Params{
		Temp:                0.8,
		DynaTempRange:       0,
		DynaTempExp:         1,
		TopK:                40,
		TopP:                0.95,
		MinP:                0.05,
		TypicalP:            1,
		TopNSigma:           -1,
		RepeatPenalty:       1,
		RepeatLastN:         64,
		DRYMultiplier:       0,
		DRYBase:             1.75,
		DRYAllowedLength:    2,
		DRYPenaltyLastN:     -1,
		DRYSequenceBreakers: []string{"\n", ":", "\"", "*"},
		XTCProbability:      0,
		XTCThreshold:        0.1,
		Mirostat:            0,
		MirostatTau:         5,
		MirostatEta:         0.1,
		Seed:                RandomSeed,
		Order:               DefaultOrder(),
	}
}

// Stage is one step of the chain.
type Stage uint8

// The stages, in llama.cpp's default order.
const (
	StagePenalties   Stage = iota + 1 // repetition, frequency and presence penalties
	StageDRY                          // DRY repetition penalty
	StageTopNSigma                    // top-n-sigma
	StageTopK                         // top-k
	StageTypicalP                     // locally typical sampling
	StageTopP                         // top-p (nucleus)
	StageMinP                         // min-p
	StageXTC                          // exclude top choices
	StageTemperature                  // temperature, dynamic or not
)

// DefaultOrder is llama.cpp's default sampler order.
func DefaultOrder() []Stage {
	return []Stage{StagePenalties, StageDRY, StageTopNSigma, StageTopK,
		StageTypicalP, StageTopP, StageMinP, StageXTC, StageTemperature}
}

// stageNames are llama.cpp's canonical names and one-letter codes.
var stageNames = [...]struct {
	name string
	char byte
}{
	StagePenalties:   {"penalties", 'e'},
	StageDRY:         {"dry", 'd'},
	StageTopNSigma:   {"top_n_sigma", 's'},
	StageTopK:        {"top_k", 'k'},
	StageTypicalP:    {"typ_p", 'y'},
	StageTopP:        {"top_p", 'p'},
	StageMinP:        {"min_p", 'm'},
	StageXTC:         {"xtc", 'x'},
	StageTemperature: {"temperature", 't'},
}

// stageAltNames are the other spellings llama.cpp's --samplers accepts.
var stageAltNames = map[string]Stage{
	"top-k": StageTopK, "top-p": StageTopP, "nucleus": StageTopP,
	"top-n-sigma": StageTopNSigma, "typical-p": StageTypicalP,
	"typical": StageTypicalP, "typ-p": StageTypicalP, "typ": StageTypicalP,
	"min-p": StageMinP, "temp": StageTemperature,
}

func (s Stage) valid() bool { return s >= StagePenalties && s <= StageTemperature }

// String returns llama.cpp's canonical name of the stage.
func (s Stage) String() string {
	if !s.valid() {
		return fmt.Sprintf("Stage(%d)", uint8(s))
	}
	return stageNames[s].name
}

// ParseStages reads a stage order the way llama.cpp's --samplers does:
// names separated by ';' (',' works too), e.g. "top_k;top_p;temperature".
// Besides the canonical names (see Stage.String) it takes llama.cpp's
// alternatives: top-k, top-p, nucleus, top-n-sigma, typical-p, typical,
// typ-p, typ, min-p, temp. Unlike llama.cpp it reports unknown names
// instead of skipping them.
func ParseStages(s string) ([]Stage, error) {
	var out []Stage
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		name := strings.ToLower(strings.TrimSpace(f))
		if name == "" {
			continue
		}
		st, ok := stageAltNames[name]
		if !ok {
			for i := range stageNames {
				if Stage(i).valid() && stageNames[i].name == name {
					st, ok = Stage(i), true
					break
				}
			}
		}
		if !ok {
			return nil, fmt.Errorf("sampler: unknown stage %q in %q", f, s)
		}
		out = append(out, st)
	}
	return out, nil
}

// ParseStageChars reads a stage order given as one letter per stage, like
// llama.cpp's --sampling-seq: e penalties, d dry, s top-n-sigma, k top-k,
// y typical-p, p top-p, m min-p, x xtc, t temperature. "edskypmxt" is the
// default order.
func ParseStageChars(seq string) ([]Stage, error) {
	out := make([]Stage, 0, len(seq))
	for i := 0; i < len(seq); i++ {
		found := false
		for st := range stageNames {
			if Stage(st).valid() && stageNames[st].char == seq[i] {
				out = append(out, Stage(st))
				found = true
				break
			}
		}
		if !found {
			return nil, fmt.Errorf("sampler: unknown stage letter %q at %d in %q", seq[i], i, seq)
		}
	}
	return out, nil
}

// finite reports whether f is neither infinite nor NaN: f - f is NaN
// exactly for those, and this is the cheapest test in a hot loop.
func finite(f float32) bool { return f-f == 0 }

// validate checks the settings against a vocabulary of n tokens.
func (p *Params) validate(n int) error {
	type check struct {
		name string
		v    float32
		lo   float32 // inclusive
		hi   float32 // inclusive
	}
	inf := float32(math.Inf(1))
	checks := []check{
		{"temperature", p.Temp, -inf, inf},
		{"dynatemp range", p.DynaTempRange, 0, inf},
		{"dynatemp exponent", p.DynaTempExp, 0, inf},
		{"top-p", p.TopP, 0, 1},
		{"min-p", p.MinP, 0, 1},
		{"typical-p", p.TypicalP, 0, 1},
		{"top-n-sigma", p.TopNSigma, -inf, inf},
		{"repeat penalty", p.RepeatPenalty, 0, inf},
		{"frequency penalty", p.FreqPenalty, -inf, inf},
		{"presence penalty", p.PresencePenalty, -inf, inf},
		{"DRY multiplier", p.DRYMultiplier, 0, inf},
		{"DRY base", p.DRYBase, 0, inf},
		{"XTC probability", p.XTCProbability, 0, 1},
		{"XTC threshold", p.XTCThreshold, 0, 1},
		{"mirostat tau", p.MirostatTau, 0, inf},
		{"mirostat eta", p.MirostatEta, 0, inf},
	}
	for _, c := range checks {
		// Infinite bounds stand for "any finite value".
		if !finite(c.v) || c.v < c.lo || c.v > c.hi {
			if c.lo == -inf && c.hi == inf {
				return fmt.Errorf("sampler: %s %v is not a finite number", c.name, c.v)
			}
			if c.hi == inf {
				return fmt.Errorf("sampler: %s %v must be a finite number >= %v", c.name, c.v, c.lo)
			}
			return fmt.Errorf("sampler: %s %v is outside [%v, %v]", c.name, c.v, c.lo, c.hi)
		}
	}
	switch {
	case p.MinKeep < 0:
		return fmt.Errorf("sampler: min keep %d is negative", p.MinKeep)
	case p.RepeatLastN < -1:
		return fmt.Errorf("sampler: repeat last n %d must be >= -1", p.RepeatLastN)
	case p.DRYPenaltyLastN < -1:
		return fmt.Errorf("sampler: DRY penalty last n %d must be >= -1", p.DRYPenaltyLastN)
	case p.DRYAllowedLength < 0:
		return fmt.Errorf("sampler: DRY allowed length %d is negative", p.DRYAllowedLength)
	case p.Mirostat < 0 || p.Mirostat > 2:
		return fmt.Errorf("sampler: mirostat %d is not 0, 1 or 2", p.Mirostat)
	}
	for id, b := range p.LogitBias {
		if id < 0 || int(id) >= n {
			return fmt.Errorf("sampler: logit bias for token %d outside the vocabulary of %d", id, n)
		}
		if math.IsNaN(float64(b)) || math.IsInf(float64(b), 1) {
			return fmt.Errorf("sampler: logit bias for token %d is %v (only finite values and -Inf)", id, b)
		}
	}
	for i, st := range p.Order {
		if !st.valid() {
			return fmt.Errorf("sampler: order[%d]: unknown stage %d", i, uint8(st))
		}
	}
	return nil
}
