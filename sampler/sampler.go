// Package sampler turns a model's logits into the next token: a chain of
// stages with llama.cpp's semantics and default order (logit bias, penalties,
// DRY, top-k, typical-p, top-p, min-p, XTC, temperature, then a seeded draw),
// greedy decoding, mirostat, and constraints such as grammars.
//
// A Sampler runs, for each token:
//
//	logits → logit bias → constraint → the stages in Params.Order → draw
//
// The default order is llama.cpp's: penalties, DRY, top-n-sigma, top-k,
// typical-p, top-p, min-p, XTC, temperature. Each stage is a small function
// over the candidate list (see stages.go); stages that are switched off by
// their setting do nothing. Temperature <= 0 keeps only the most likely
// token (ties: lowest id), which makes the draw greedy. Mirostat replaces
// every stage but the penalties and DRY with temperature and its own
// truncation.
//
// Tokens ruled out (logit -Inf, by the bias or the constraint) leave the
// list before the stages run, so no stage ever counts or picks them.
package sampler

// Candidate is one token still in the running, with its logit and, once a
// stage has normalized them, its probability.
type Candidate struct {
	ID    int32
	Logit float32
	P     float32
}

// Constraint restricts which tokens may come next: a grammar or a JSON
// schema. The chain asks it before sampling and tells it what was chosen.
type Constraint interface {
	// Apply sets the logit of every candidate that may not come next to
	// -Inf (it must not reorder or remove candidates).
	Apply(cands []Candidate)
	// Accept advances the constraint past token id, which Apply allowed.
	Accept(id int32) error
	// Done reports whether the output may end here: only then may an
	// end-of-generation token be sampled. The Sampler enforces this itself
	// (see Sampler.SetConstraint) and never passes end-of-generation tokens
	// to Accept, so a constraint need not know which tokens those are.
	Done() bool
}
