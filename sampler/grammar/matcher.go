package grammar

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/narallm/nara/sampler"
)

// Matcher constrains a generation to a grammar; it implements
// sampler.Constraint. It is not safe for concurrent use: give each
// generation its own (a Grammar or a Vocab may be shared).
type Matcher struct {
	g  *Grammar
	e  *engine
	v  *Vocab
	st state

	allowed []bool   // scratch for Apply: per token
	frames  []tframe // scratch for the trie walk
}

var _ sampler.Constraint = (*Matcher)(nil)

// Vocab is a model's vocabulary indexed for matching. Build it once per
// model and make a Matcher per generation from it.
type Vocab struct {
	tokens [][]byte
	eog    []bool
	trie   trie
}

// NewVocab indexes a vocabulary given as the bytes each token id decodes
// to. A token with no bytes (a control token) is never allowed; isEOG
// (which may be nil) marks the end-of-generation tokens, allowed only where
// the grammar can end. The slices are kept, not copied.
func NewVocab(tokens [][]byte, isEOG func(int32) bool) (*Vocab, error) {
	if len(tokens) > math.MaxInt32 {
		return nil, fmt.Errorf("grammar: vocabulary of %d tokens is too large", len(tokens))
	}
	eog := make([]bool, len(tokens))
	if isEOG != nil {
		for i := range eog {
			eog[i] = isEOG(int32(i))
		}
	}
	return &Vocab{tokens: tokens, eog: eog, trie: buildTrie(tokens, eog)}, nil
}

// Matcher returns a matcher at the start of g.
func (v *Vocab) Matcher(g *Grammar) (*Matcher, error) {
	if g == nil {
		return nil, errors.New("grammar: Matcher with a nil grammar")
	}
	e, err := newEngine(g)
	if err != nil {
		return nil, err
	}
	return &Matcher{g: g, e: e, v: v, st: state{set: e.start}, allowed: make([]bool, len(v.tokens))}, nil
}

// smallApply is the candidate count up to which Apply checks tokens one by
// one instead of walking the whole vocabulary trie.
const smallApply = 256

// New returns a matcher at the start of g for a vocabulary given as the
// bytes each token id decodes to: NewVocab, then Matcher. Use a Vocab to
// index a model's vocabulary once for many generations.
func New(g *Grammar, vocab [][]byte, isEOG func(int32) bool) (*Matcher, error) {
	if g == nil {
		return nil, errors.New("grammar: New with a nil grammar")
	}
	v, err := NewVocab(vocab, isEOG)
	if err != nil {
		return nil, err
	}
	return v.Matcher(g)
}

// Reset moves the matcher back to the start of the grammar.
func (m *Matcher) Reset() { m.st = state{set: m.e.start} }

// Done reports whether the text accepted so far is a whole sentence of the
// grammar, so that generation may end here.
func (m *Matcher) Done() bool { return m.st.u8.need == 0 && m.e.accepting(m.st.set) }

// Apply sets the logit of every candidate that cannot come next to -Inf:
// tokens whose bytes do not continue the grammar, unknown ids, empty tokens,
// and end-of-generation tokens unless Done.
func (m *Matcher) Apply(cands []sampler.Candidate) {
	done := m.Done()
	var allowed func(id int32) bool
	if len(cands) <= smallApply {
		allowed = func(id int32) bool {
			_, ok, _ := m.e.feed(m.st, m.v.tokens[id])
			return ok && len(m.v.tokens[id]) > 0
		}
	} else {
		m.walk()
		allowed = func(id int32) bool { return m.allowed[id] }
	}
	for i := range cands {
		id := cands[i].ID
		ok := false
		switch {
		case id < 0 || int(id) >= len(m.v.tokens):
		case m.v.eog[id]:
			ok = done
		default:
			ok = allowed(id)
		}
		if !ok {
			cands[i].Logit = float32(math.Inf(-1))
			cands[i].P = 0
		}
	}
}

// Accept moves past token id. It fails, leaving the matcher unchanged, when
// the token cannot come next.
func (m *Matcher) Accept(id int32) error {
	if id < 0 || int(id) >= len(m.v.tokens) {
		return fmt.Errorf("grammar: token %d is outside the vocabulary of %d", id, len(m.v.tokens))
	}
	if m.v.eog[id] {
		if !m.Done() {
			return fmt.Errorf("grammar: end-of-generation token %d before the grammar is complete", id)
		}
		return nil
	}
	b := m.v.tokens[id]
	if len(b) == 0 {
		return fmt.Errorf("grammar: token %d has no text", id)
	}
	st, ok, err := m.e.feed(m.st, b)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("grammar: token %d %q does not continue the grammar", id, b)
	}
	m.st = st
	m.st.set = m.e.compact(m.st.set)
	return nil
}

// walk fills m.allowed by walking the vocabulary trie from the current
// state: a subtree is dropped as soon as its prefix fails, and tokens that
// share a prefix share the work.
func (m *Matcher) walk() {
	clear(m.allowed)
	t := &m.v.trie
	m.frames = append(m.frames[:0], tframe{node: 0, st: m.st})
	for len(m.frames) > 0 {
		f := m.frames[len(m.frames)-1]
		m.frames = m.frames[:len(m.frames)-1]
		first, end := t.first[f.node], t.first[f.node]+t.count[f.node]
		for child := first; child < end; child++ {
			st := f.st
			u, cp, r := st.u8.feed(t.label[child])
			switch r {
			case feedInvalid:
				continue
			case feedPartial:
				lo, hi, _ := u.bounds()
				if !m.e.canMatch(st.set, lo, hi) {
					continue
				}
				st.u8 = u
			case feedComplete:
				next := m.e.step(st.set, cp)
				if next <= setDead {
					continue
				}
				st = state{set: next}
			}
			for _, id := range t.toks[t.tokStart[child]:t.tokStart[child+1]] {
				m.allowed[id] = true
			}
			if t.count[child] > 0 {
				m.frames = append(m.frames, tframe{node: child, st: st})
			}
		}
	}
}

type tframe struct {
	node int32
	st   state
}

// trie holds the vocabulary's byte strings. The children of node n are the
// nodes first[n] .. first[n]+count[n]-1, reached by the bytes label[child];
// the tokens spelled by the path to node n are toks[tokStart[n]:tokStart[n+1]].
type trie struct {
	first, count []int32
	label        []byte
	tokStart     []int32
	toks         []int32
}

// buildTrie indexes every token with text that is not end-of-generation.
func buildTrie(vocab [][]byte, eog []bool) trie {
	var ids []int32
	for i, b := range vocab {
		if len(b) > 0 && !eog[i] {
			ids = append(ids, int32(i))
		}
	}
	slices.SortFunc(ids, func(a, b int32) int { return bytes.Compare(vocab[a], vocab[b]) })

	// Breadth first: nodes are numbered in the order they are queued, so
	// siblings are contiguous and tokens are appended in node order.
	type span struct{ lo, hi, depth int }
	t := trie{label: []byte{0}}
	queue := []span{{0, len(ids), 0}}
	for n := 0; n < len(queue); n++ {
		s := queue[n]
		t.tokStart = append(t.tokStart, int32(len(t.toks)))
		i := s.lo
		for i < s.hi && len(vocab[ids[i]]) == s.depth {
			t.toks = append(t.toks, ids[i])
			i++
		}
		t.first = append(t.first, int32(len(queue)))
		children := 0
		for i < s.hi {
			b := vocab[ids[i]][s.depth]
			j := i + 1
			for j < s.hi && vocab[ids[j]][s.depth] == b {
				j++
			}
			queue = append(queue, span{i, j, s.depth + 1})
			t.label = append(t.label, b)
			children++
			i = j
		}
		t.count = append(t.count, int32(children))
	}
	t.tokStart = append(t.tokStart, int32(len(t.toks)))
	return t
}
