package grammar

import (
	"math"
	"testing"

	"github.com/narallm/nara/sampler"
)

// fuzzVocab is a small vocabulary with multi-byte, partial-UTF-8 and empty
// tokens; id 0 ends generation.
var fuzzVocab = [][]byte{
	[]byte("<eos>"), []byte("a"), []byte("b"), []byte("ab"), []byte("{"), []byte("}"), []byte("\""),
	[]byte(" "), []byte("\n"), []byte("0"), []byte("12"), {0xC3}, {0xA9}, []byte("é"), {0xF0, 0x9F},
	{0x98, 0x80}, []byte("x\"}"), nil, {0xFF}, []byte("-"), []byte(","), []byte("["), []byte("]"),
}

// FuzzParse feeds arbitrary text to the parser. A grammar that parses must
// also run: the matcher may refuse it for its limits, but must not panic,
// and every token Apply allows must then be accepted.
func FuzzParse(f *testing.F) {
	for _, c := range acceptCases {
		f.Add(c.grammar)
	}
	f.Add(JSON)
	f.Add("root ::= \"a\" | [^\\x00-\\x1F]{2,5} (\"\\u00e9\" | .)* x\nx ::= \"\"")
	f.Add("root ::= ((\"a\"?){0,3})* \"b\"")
	f.Add("root ::= r \"x\"\nr ::= r \"y\" | \"z\"")
	f.Fuzz(func(t *testing.T, src string) {
		g, err := Parse(src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		m, err := New(g, fuzzVocab, func(id int32) bool { return id == 0 })
		if err != nil {
			return // over the matcher's limits
		}
		for step := 0; step < 8; step++ {
			cands := make([]sampler.Candidate, len(fuzzVocab))
			for i := range cands {
				cands[i].ID = int32(i)
			}
			m.Apply(cands)
			next := int32(-1)
			for _, c := range cands {
				if !math.IsInf(float64(c.Logit), -1) {
					next = c.ID
				}
			}
			if next < 0 {
				return
			}
			if err := m.Accept(next); err != nil {
				t.Fatalf("Apply allowed %q but Accept says %v", fuzzVocab[next], err)
			}
			if next == 0 {
				return
			}
		}
	})
}

// FuzzFromJSONSchema feeds arbitrary schemas to the converter: it may
// refuse them, but what it returns must be a grammar that parses (the
// converter checks that itself, so here it must not panic).
func FuzzFromJSONSchema(f *testing.F) {
	for _, c := range schemaCases {
		f.Add(c.schema)
	}
	f.Add(`{"type": "string", "pattern": "^(a|b[^c-e]{1,3})+\\d?$"}`)
	f.Add(`{"type": "object", "properties": {"k": {"type": "integer", "minimum": -10, "exclusiveMaximum": 100}}}`)
	f.Fuzz(func(t *testing.T, schema string) {
		text, err := FromJSONSchema([]byte(schema))
		if err != nil {
			return
		}
		if _, err := Parse(text); err != nil {
			t.Fatalf("converted grammar does not parse: %v\n%s", err, text)
		}
	})
}

// FuzzMatchOracle compares the matcher with the independent oracle on
// arbitrary small grammars and texts: whether the text is a sentence, and
// (when every rule can match something) whether it can still become one.
func FuzzMatchOracle(f *testing.F) {
	for _, c := range acceptCases {
		for _, s := range append(append([]string{}, c.accept...), c.reject...) {
			f.Add(c.grammar, s)
		}
	}
	f.Add("root ::= a \"!\" | b \"?\"\na ::= b | \"y\"\nb ::= a", "y?")
	f.Fuzz(func(t *testing.T, src, text string) {
		if len(src) > 200 || len(text) > 12 {
			return
		}
		g, err := Parse(src)
		if err != nil || !smallRepeats(g) {
			return
		}
		e, err := newEngine(g)
		if err != nil {
			return
		}
		st, ok, err := e.feed(state{set: e.start}, []byte(text))
		if err != nil {
			return
		}
		complete := ok && st.u8.need == 0 && e.accepting(st.set)
		if want := oracleComplete(g, []byte(text)); complete != want {
			t.Fatalf("grammar %q, text %q: matcher complete %v, oracle %v", src, text, complete, want)
		}
		if productive(g) {
			if want := oracleViable(g, []byte(text)); ok != want {
				t.Fatalf("grammar %q, text %q: matcher viable %v, oracle %v", src, text, ok, want)
			}
		}
	})
}

// smallRepeats reports whether every repetition count is small enough for
// the oracle, which counts copies one by one.
func smallRepeats(g *Grammar) bool {
	var walk func(seqs [][]*node) bool
	walk = func(seqs [][]*node) bool {
		for _, seq := range seqs {
			for _, n := range seq {
				for n.kind == nodeRepeat {
					if n.min > 20 || n.max > 20 {
						return false
					}
					n = n.sub
				}
				if n.kind == nodeGroup && !walk(n.alts) {
					return false
				}
			}
		}
		return true
	}
	for _, r := range g.rules {
		if !walk(r.alts) {
			return false
		}
	}
	return true
}

// productive reports whether every rule can match some string (the
// oracle's viability answer assumes so).
func productive(g *Grammar) bool {
	prod := make([]bool, len(g.rules))
	var item func(n *node) bool
	var alts func(seqs [][]*node) bool
	item = func(n *node) bool {
		switch n.kind {
		case nodeLiteral:
			return true
		case nodeClass:
			return len(n.cls) > 0
		case nodeRef:
			return prod[n.rule]
		case nodeGroup:
			return alts(n.alts)
		case nodeRepeat:
			return n.min == 0 || item(n.sub)
		}
		return false
	}
	alts = func(seqs [][]*node) bool {
		for _, seq := range seqs {
			all := true
			for _, n := range seq {
				all = all && item(n)
			}
			if all {
				return true
			}
		}
		return false
	}
	for changed := true; changed; {
		changed = false
		for i, r := range g.rules {
			if !prod[i] && alts(r.alts) {
				prod[i], changed = true, true
			}
		}
	}
	// Groups inside rules must be productive too, or a stack may survive
	// in a dead branch.
	var deep func(seqs [][]*node) bool
	deep = func(seqs [][]*node) bool {
		for _, seq := range seqs {
			for _, n := range seq {
				for n.kind == nodeRepeat {
					n = n.sub
				}
				if !item(n) || n.kind == nodeGroup && !deep(n.alts) {
					return false
				}
			}
		}
		return true
	}
	for i, r := range g.rules {
		if !prod[i] || !deep(r.alts) {
			return false
		}
	}
	return true
}
