package sampler

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// NoToken is what Sample returns when no token may come next: the logit
// bias, the constraint or non-finite logits ruled out every one.
const NoToken int32 = -1

// mirostatM is how many of the best tokens mirostat v1 fits its Zipf
// exponent on (llama.cpp's m).
const mirostatM = 100

// PCG stream constants, one per consumer of randomness, so that switching
// XTC on or off does not change which tokens the draw picks otherwise.
const (
	streamDraw = 0x6e6172612d647261 // "nara-dra"
	streamXTC  = 0x6e6172612d787463 // "nara-xtc"
)

// Option configures New beyond Params: what the sampler may need from the
// model.
type Option func(*options)

type options struct {
	contextLength int
	piece         func(int32) string
	tokenize      func(string) []int32
}

// WithContextLength gives the model's context length, which RepeatLastN and
// DRYPenaltyLastN of -1 stand for (llama.cpp uses the training context).
func WithContextLength(n int) Option {
	return func(o *options) { o.contextLength = n }
}

// WithVocab gives DRY the text of each token (piece, as decoding that one
// token with special tokens rendered) and a tokenizer without BOS or
// special-token parsing, to turn DRYSequenceBreakers into token sequences.
// It is needed only when DRY is on with breakers.
func WithVocab(piece func(id int32) string, tokenize func(text string) []int32) Option {
	return func(o *options) { o.piece, o.tokenize = piece, tokenize }
}

// Sampler picks next tokens from logits with a chain of stages. It keeps
// the history its penalties need, so use one per generated sequence. It is
// not safe for concurrent use.
//
// Randomness comes from PCG generators (math/rand/v2) seeded from the seed,
// one stream for the draw and mirostat and one for XTC's coin: the same
// seed, settings, logits and accepted tokens give the same tokens. (The
// random streams are the same on every platform; the float math in between
// may differ in the last bit between architectures.)
type Sampler struct {
	p     Params
	vocab int
	order []Stage
	seed  uint64

	bias []tokenBias // LogitBias, sorted by id

	drawSrc, xtcSrc *rand.PCG
	drawRNG, xtcRNG *rand.Rand

	pen *penaltyState // nil when the penalties are off
	dry *dryState     // nil when DRY is off

	constraint Constraint
	eog        []int32   // end-of-generation tokens, for the constraint
	eogLogit   []float32 // their logits while the constraint looks

	mu float32 // mirostat's maximum surprise, in bits
	// pendingOK: the last Sample was mirostat's and not yet accepted, so
	// Accept updates mu from the surprise of the taken token in last.
	pendingOK bool

	buf     []Candidate // the candidate list's backing array
	last    []Candidate // the final candidates of the last Sample
	typical typicalScratch
}

type tokenBias struct {
	id   int32
	bias float32
}

// New returns a sampler for a vocabulary of vocabSize tokens. It reports
// settings that are out of range.
func New(p Params, vocabSize int, opts ...Option) (*Sampler, error) {
	if vocabSize <= 0 || vocabSize > math.MaxInt32 {
		return nil, fmt.Errorf("sampler: vocabulary size %d out of range", vocabSize)
	}
	if err := p.validate(vocabSize); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.contextLength < 0 {
		return nil, fmt.Errorf("sampler: context length %d is negative", o.contextLength)
	}
	s := &Sampler{
		p:     p,
		vocab: vocabSize,
		order: slices.Clone(p.Order),
		buf:   make([]Candidate, vocabSize),
	}
	if p.Order == nil {
		s.order = DefaultOrder()
	}
	for id, b := range p.LogitBias {
		s.bias = append(s.bias, tokenBias{id, b})
	}
	slices.SortFunc(s.bias, func(a, b tokenBias) int { return int(a.id - b.id) })

	if err := s.setupPenalties(&o); err != nil {
		return nil, err
	}
	if err := s.setupDRY(&o); err != nil {
		return nil, err
	}
	if slices.Contains(s.order, StageTypicalP) && p.TypicalP > 0 && p.TypicalP < 1 {
		s.typical = typicalScratch{
			order: make([]scored, 0, vocabSize),
			out:   make([]Candidate, 0, vocabSize),
		}
	}

	s.seed = p.Seed
	for s.seed == RandomSeed {
		s.seed = rand.Uint64()
	}
	s.drawSrc = rand.NewPCG(s.seed, streamDraw)
	s.xtcSrc = rand.NewPCG(s.seed, streamXTC)
	s.drawRNG, s.xtcRNG = rand.New(s.drawSrc), rand.New(s.xtcSrc)
	s.mu = 2 * p.MirostatTau
	return s, nil
}

// window resolves a "last n tokens" setting: -1 is the context length.
func window(n int, o *options, what string) (int, error) {
	if n != -1 {
		return n, nil
	}
	if o.contextLength == 0 {
		return 0, fmt.Errorf("sampler: %s -1 means the context length, which was not given (WithContextLength)", what)
	}
	return o.contextLength, nil
}

func (s *Sampler) setupPenalties(o *options) error {
	p := &s.p
	if p.RepeatPenalty == 0 {
		p.RepeatPenalty = 1 // the zero Params means off
	}
	if p.RepeatLastN == 0 || (p.RepeatPenalty == 1 && p.FreqPenalty == 0 && p.PresencePenalty == 0) ||
		!slices.Contains(s.order, StagePenalties) {
		return nil
	}
	n, err := window(p.RepeatLastN, o, "repeat last n")
	if err != nil {
		return err
	}
	s.pen = &penaltyState{
		repeat:   p.RepeatPenalty,
		freq:     p.FreqPenalty,
		presence: p.PresencePenalty,
		hist:     newRing(n),
		count:    make([]int32, s.vocab),
		seen:     make([]int32, 0, min(n, s.vocab)),
	}
	return nil
}

func (s *Sampler) setupDRY(o *options) error {
	p := &s.p
	if p.DRYMultiplier == 0 || p.DRYBase < 1 || p.DRYPenaltyLastN == 0 || !slices.Contains(s.order, StageDRY) {
		return nil
	}
	n, err := window(p.DRYPenaltyLastN, o, "DRY penalty last n")
	if err != nil {
		return err
	}
	if o.contextLength > 0 {
		n = min(n, o.contextLength)
	}
	breakers := map[int32][][]int32{}
	if slices.ContainsFunc(p.DRYSequenceBreakers, func(b string) bool { return b != "" }) {
		if o.piece == nil || o.tokenize == nil {
			return errors.New("sampler: DRY sequence breakers need the vocabulary (WithVocab)")
		}
		breakers = dryBreakers(p.DRYSequenceBreakers, s.vocab, o.piece, o.tokenize)
		// The tokenizer is someone else's code: check what it gave.
		for _, tails := range breakers {
			for _, t := range tails {
				for _, id := range t {
					if id < 0 || int(id) >= s.vocab {
						return fmt.Errorf("sampler: DRY breaker tokenized to token %d outside the vocabulary of %d", id, s.vocab)
					}
				}
			}
		}
	}
	s.dry = newDRY(p, n, s.vocab, breakers)
	return nil
}

// Seed returns the seed in use (the one drawn for RandomSeed).
func (s *Sampler) Seed() uint64 { return s.seed }

// SetConstraint makes c (a grammar, a JSON schema; nil for none) decide
// which tokens may come next. It runs before every other stage. The
// sampler itself decides the end-of-generation tokens, those for which
// isEOG is true: they are allowed exactly when c.Done(), whatever c.Apply
// did to them. A constraint has no reset: after Reset, set a fresh one.
func (s *Sampler) SetConstraint(c Constraint, isEOG func(int32) bool) {
	s.constraint = c
	s.eog = s.eog[:0]
	if c == nil || isEOG == nil {
		return
	}
	for id := int32(0); int(id) < s.vocab; id++ {
		if isEOG(id) {
			s.eog = append(s.eog, id)
		}
	}
	s.eogLogit = make([]float32, len(s.eog))
}

// Sample returns the next token for logits (one per vocabulary entry),
// which it does not modify, or NoToken when every token is ruled out. NaN
// and infinite logits count as ruled out. It panics if len(logits) is not
// the vocabulary size, which is a caller's bug. After the first call it
// does not allocate. Tell the sampler which token was taken with Accept.
func (s *Sampler) Sample(logits []float32) int32 {
	if len(logits) != s.vocab {
		panic(fmt.Sprintf("sampler: Sample got %d logits for a vocabulary of %d", len(logits), s.vocab))
	}
	s.pendingOK = false
	s.last = nil
	c := s.buf
	bad := 0
	for i, v := range logits {
		c[i] = Candidate{ID: int32(i), Logit: v}
		if !finite(v) {
			bad++
		}
	}
	if len(s.bias) > 0 || s.constraint != nil || bad > 0 {
		for _, b := range s.bias {
			c[b.id].Logit += b.bias
		}
		if s.constraint != nil {
			s.constrain(c)
		}
		c = dropBanned(c)
		if len(c) == 0 {
			return NoToken
		}
	}
	l := list{c: c}

	if s.p.Mirostat != 0 {
		return s.sampleMirostat(&l)
	}
	for _, st := range s.order {
		s.apply(st, &l)
	}
	if len(l.c) == 0 { // no stage empties the list; this is a safety net
		return NoToken
	}
	i := draw(l.c, l.sorted, s.drawRNG.Float64())
	s.last = l.c
	return l.c[i].ID
}

// constrain lets the constraint rule tokens out, then allows the
// end-of-generation tokens only where it is done.
func (s *Sampler) constrain(c []Candidate) {
	for i, id := range s.eog {
		s.eogLogit[i] = c[id].Logit
	}
	s.constraint.Apply(c)
	done := s.constraint.Done()
	for i, id := range s.eog {
		at := int(id)
		if c[at].ID != id {
			// The constraint broke its contract and moved candidates.
			at = slices.IndexFunc(c, func(x Candidate) bool { return x.ID == id })
		}
		if done {
			c[at].Logit = s.eogLogit[i]
		} else {
			c[at].Logit = float32(math.Inf(-1))
		}
	}
}

// dropBanned removes, in place and keeping the order, the candidates whose
// logit is -Inf, +Inf or NaN, so that no stage has to reason about them
// (top-k counts only tokens that may be chosen, entropies stay finite).
func dropBanned(c []Candidate) []Candidate {
	n := 0
	for i := range c {
		if finite(c[i].Logit) {
			if n != i {
				c[n] = c[i]
			}
			n++
		}
	}
	return c[:n]
}

// apply runs one stage.
func (s *Sampler) apply(st Stage, l *list) {
	p := &s.p
	switch st {
	case StagePenalties:
		if s.pen != nil {
			s.pen.apply(l)
		}
	case StageDRY:
		if s.dry != nil {
			s.dry.apply(l)
		}
	case StageTopNSigma:
		topNSigma(l, p.TopNSigma)
	case StageTopK:
		topK(l, p.TopK)
	case StageTypicalP:
		typicalP(l, p.TypicalP, p.MinKeep, &s.typical)
	case StageTopP:
		topP(l, p.TopP, p.MinKeep)
	case StageMinP:
		minP(l, p.MinP, p.MinKeep)
	case StageXTC:
		xtc(l, p.XTCProbability, p.XTCThreshold, p.MinKeep, s.xtcRNG)
	case StageTemperature:
		if p.DynaTempRange > 0 {
			dynamicTemperature(l, p.Temp, p.DynaTempRange, p.DynaTempExp)
		} else {
			temperature(l, p.Temp)
		}
	}
}

// sampleMirostat runs the penalties and DRY where the order puts them,
// then temperature and mirostat in place of the other stages, as llama.cpp
// chains them.
func (s *Sampler) sampleMirostat(l *list) int32 {
	for _, st := range s.order {
		if st == StagePenalties || st == StageDRY {
			s.apply(st, l)
		}
	}
	temperature(l, s.p.Temp)
	if s.p.Mirostat == 1 {
		mirostatV1(l, s.mu, s.vocab)
	} else {
		mirostatV2(l, s.mu)
	}
	i := draw(l.c, l.sorted, s.drawRNG.Float64())
	s.last = l.c
	s.pendingOK = true
	return l.c[i].ID
}

// mirostatV1 keeps the k best candidates, k chosen so that the expected
// surprise is mu bits, assuming the candidates follow Zipf's law with an
// exponent fitted on the best mirostatM of them. n is the vocabulary size.
func mirostatV1(l *list, mu float32, n int) {
	softmax(l.c, l.sorted)
	m := min(mirostatM, len(l.c))
	if !l.sorted {
		sortTop(l.c, m)
	}
	// Least-squares fit of log(p_i/p_{i+1}) = s·log((i+2)/(i+1)).
	var sumTB, sumTT float64
	for i := 0; i < m-1; i++ {
		t := math.Log(float64(i+2) / float64(i+1))
		b := math.Log(float64(l.c[i].P) / float64(l.c[i+1].P))
		sumTB += t * b
		sumTT += t * t
	}
	sHat := sumTB / sumTT
	eps := sHat - 1
	k := math.Pow(eps*math.Exp2(float64(mu))/(1-math.Pow(float64(n), -eps)), 1/sHat)
	// A degenerate fit (one candidate, s = 1, a zero probability) gives
	// NaN or Inf; llama.cpp then ends up keeping one token.
	keep := 1
	if k >= 1 && k < float64(len(l.c)) {
		keep = int(k)
	} else if k >= float64(len(l.c)) {
		keep = len(l.c)
	}
	if keep <= m {
		l.c = l.c[:keep]
		l.sorted = true
	} else {
		topK(l, keep)
	}
	softmax(l.c, true)
}

// mirostatV2 keeps the candidates whose surprise -log2 p is at most mu
// (the best one if none), sorted.
func mirostatV2(l *list, mu float32) {
	softmax(l.c, l.sorted)
	minP := float32(math.Exp2(-float64(mu)))
	kept := 0
	for i := range l.c {
		if l.c[i].P >= minP {
			kept++
		}
	}
	if kept == 0 {
		topK(l, 1)
	} else {
		l.keepIf(func(c *Candidate) bool { return c.P >= minP })
		l.sort()
	}
	softmax(l.c, true)
}

// Probs returns the candidates the last Sample drew from, with their
// probabilities, or nil when it found none. The slice is the sampler's and
// changes with the next Sample.
func (s *Sampler) Probs() []Candidate { return s.last }

// Accept records that token id was taken: it goes into the penalties' and
// DRY's history, updates mirostat's target, and advances the constraint.
// An end-of-generation token is not passed to the constraint; it is an
// error while the constraint is not done. On error nothing is recorded.
func (s *Sampler) Accept(id int32) error {
	if id < 0 || int(id) >= s.vocab {
		return fmt.Errorf("sampler: accepted token %d outside the vocabulary of %d", id, s.vocab)
	}
	if s.constraint != nil {
		if slices.Contains(s.eog, id) {
			if !s.constraint.Done() {
				return fmt.Errorf("sampler: end-of-generation token %d before the constraint is done", id)
			}
		} else if err := s.constraint.Accept(id); err != nil {
			return fmt.Errorf("sampler: constraint rejected token %d: %w", id, err)
		}
	}
	s.record(id)
	if s.pendingOK {
		s.pendingOK = false
		// Mirostat steers mu toward tau by the surprise of the token
		// taken. llama.cpp does this as it samples; doing it here gives
		// the same result when the sampled token is accepted.
		for _, c := range s.last {
			if c.ID == id && c.P > 0 {
				surprise := -float32(math.Log2(float64(c.P)))
				s.mu -= s.p.MirostatEta * (surprise - s.p.MirostatTau)
				break
			}
		}
	}
	return nil
}

// AcceptPrompt records tokens already in the context (the prompt) in the
// history of the penalties and DRY, as llama.cpp's tools do, without
// passing them to the constraint or to mirostat.
func (s *Sampler) AcceptPrompt(ids []int32) error {
	for _, id := range ids {
		if id < 0 || int(id) >= s.vocab {
			return fmt.Errorf("sampler: prompt token %d outside the vocabulary of %d", id, s.vocab)
		}
	}
	for _, id := range ids {
		s.record(id)
	}
	return nil
}

func (s *Sampler) record(id int32) {
	if s.pen != nil {
		s.pen.accept(id)
	}
	if s.dry != nil {
		s.dry.hist.push(id)
	}
}

// Reset forgets the history, restores mirostat's starting point and
// restarts the random streams from the seed (a fresh one for RandomSeed,
// as llama.cpp does), for a new sequence. The constraint stays as it is.
func (s *Sampler) Reset() {
	if s.pen != nil {
		s.pen.reset()
	}
	if s.dry != nil {
		s.dry.hist.clear()
	}
	if s.p.Seed == RandomSeed {
		s.seed = rand.Uint64()
		for s.seed == RandomSeed {
			s.seed = rand.Uint64()
		}
	}
	s.drawSrc.Seed(s.seed, streamDraw)
	s.xtcSrc.Seed(s.seed, streamXTC)
	s.mu = 2 * s.p.MirostatTau
	s.pendingOK = false
	s.last = nil
}

// penaltyState is the history behind the repetition, frequency and
// presence penalties.
type penaltyState struct {
	repeat, freq, presence float32
	hist                   ring
	count                  []int32 // per token: times in hist
	seen                   []int32 // the tokens with count > 0
}

func (p *penaltyState) accept(id int32) {
	if old, full := p.hist.push(id); full {
		p.count[old]--
		if p.count[old] == 0 {
			i := slices.Index(p.seen, old)
			p.seen[i] = p.seen[len(p.seen)-1]
			p.seen = p.seen[:len(p.seen)-1]
		}
	}
	p.count[id]++
	if p.count[id] == 1 {
		p.seen = append(p.seen, id)
	}
}

func (p *penaltyState) reset() {
	for _, id := range p.seen {
		p.count[id] = 0
	}
	p.seen = p.seen[:0]
	p.hist.clear()
}

// apply penalizes every candidate seen in the window. It keeps the order
// of the list but not its ranking.
func (p *penaltyState) apply(l *list) {
	if direct(l.c, p.seen) {
		for _, id := range p.seen {
			penalize(&l.c[id], p.count[id], p.repeat, p.freq, p.presence)
		}
	} else {
		for i := range l.c {
			if n := p.count[l.c[i].ID]; n > 0 {
				penalize(&l.c[i], n, p.repeat, p.freq, p.presence)
			}
		}
	}
	l.sorted = false
}
