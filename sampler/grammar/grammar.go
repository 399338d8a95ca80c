// Package grammar constrains generation to a formal language: GBNF grammars
// (llama.cpp's grammar syntax) and JSON Schemas converted to GBNF.
//
// Parse reads a grammar into rules over Unicode code points; FromJSONSchema
// writes the grammar for a schema, and JSON is the grammar of any JSON
// value. A Vocab indexes a model's vocabulary (each token as the bytes it
// decodes to) once; its Matcher, or New in one step, returns a Matcher for
// one generation, which implements sampler.Constraint: Apply masks the
// tokens whose bytes cannot continue the text generated so far, Accept moves
// past the chosen token, and Done says whether the grammar may end here, the
// only place an end-of-generation token is allowed.
//
// The matcher follows llama.cpp's design: its state is a set of stacks, each
// a path through the rules whose top is the character class that must match
// next; a stack that has been popped empty means the text so far is a whole
// sentence of the grammar. Tokens may end in the middle of a UTF-8 sequence;
// the matcher keeps the partial code point between tokens and allows such a
// token only if some stack can match a character that starts with those
// bytes. Stacks and stack sets are interned, and the step from a set on a
// code point is computed once and cached, so the work done for one position
// is reused by every token that passes through the same state (in effect a
// DFA built lazily). Apply walks a trie of the vocabulary, dropping a
// subtree as soon as its prefix fails.
package grammar

import "fmt"

// Limits that keep a hostile grammar from using unbounded time or memory.
const (
	maxNesting  = 500     // nested groups in the source
	maxRepeat   = 1 << 20 // the numbers in {m,n}
	maxElements = 1 << 20 // grammar elements once repetitions are expanded
	maxStacks   = 1 << 13 // stacks alive at one position
	maxExpand   = 1 << 16 // stacks pushed to reach the next characters
)

// SyntaxError is a malformed grammar: what is wrong and where (1-based line
// and column, in characters).
type SyntaxError struct {
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

// Grammar is a parsed and checked grammar, ready for matching. It is
// immutable and may be shared by any number of matchers.
type Grammar struct {
	// The source rules, as parsed.
	rules []*srcRule
	root  int

	// The compiled form: every alternative of every rule is a run of elems
	// ended by an elemEnd; groups and repetitions became generated rules.
	elems   []elem
	crules  []crule
	classes []class
	croot   int32
}

// srcRule is one `name ::= alternatives` of the source.
type srcRule struct {
	name string
	alts [][]*node
	pos  int // byte offset of the name, for errors
}

type nodeKind uint8

const (
	nodeLiteral nodeKind = iota // a string: runes in order
	nodeClass                   // [..] or [^..] or .
	nodeRef                     // a rule name
	nodeGroup                   // ( alternatives )
	nodeRepeat                  // sub{min,max}
)

// node is one item of a sequence in the source.
type node struct {
	kind    nodeKind
	pos     int    // byte offset in the source, for errors
	runes   []rune // literal
	cls     class  // class (already normalized to positive ranges)
	name    string // ref
	rule    int    // ref, once resolved
	alts    [][]*node
	sub     *node
	min     int
	max     int // -1: no upper bound
	grouped int // compiled rule id of a group, set once compiled (-1 before)
}

// runeRange is an inclusive range of code points.
type runeRange struct{ lo, hi rune }

// class is a set of code points as sorted, disjoint, non-adjacent ranges.
type class []runeRange

const maxRune = 0x10FFFF

// normalize sorts and merges the ranges and, for a negated class, returns the
// complement, so that matching never needs to know about negation.
func normalize(rs []runeRange, negated bool) class {
	s := append([]runeRange(nil), rs...)
	// Insertion sort: classes in grammars are short.
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].lo < s[j-1].lo; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	var out class
	for _, r := range s {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi+1 {
			if r.hi > out[n-1].hi {
				out[n-1].hi = r.hi
			}
			continue
		}
		out = append(out, r)
	}
	if !negated {
		return out
	}
	var comp class
	next := rune(0)
	for _, r := range out {
		if r.lo > next {
			comp = append(comp, runeRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= maxRune {
		comp = append(comp, runeRange{next, maxRune})
	}
	return comp
}

// contains reports whether c is in the class.
func (k class) contains(c rune) bool {
	lo, hi := 0, len(k)
	for lo < hi {
		m := (lo + hi) / 2
		switch {
		case c < k[m].lo:
			hi = m
		case c > k[m].hi:
			lo = m + 1
		default:
			return true
		}
	}
	return false
}

// overlaps reports whether some code point in [lo, hi] is in the class.
func (k class) overlaps(lo, hi rune) bool {
	for _, r := range k {
		if r.hi >= lo {
			return r.lo <= hi
		}
	}
	return false
}

type elemKind uint8

const (
	elemEnd  elemKind = iota // end of an alternative
	elemChar                 // match one code point of classes[arg]
	elemRef                  // expand rule crules[arg]
)

type elem struct {
	kind elemKind
	arg  int32
}

// crule is a compiled rule: the start of each alternative in elems.
type crule struct {
	owner int32 // the source rule it came from
	pos   int   // source offset of what it came from
	alts  []int32
}
