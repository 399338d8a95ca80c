package grammar

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/sampler"
)

// allowedBy runs Apply over the whole vocabulary (plus EOG) and lists the
// ids left finite. trie selects the vocabulary-trie path or the one token at
// a time path.
func allowedBy(m *Matcher, trie bool) []int32 {
	var ids []int32
	if trie {
		cands := make([]sampler.Candidate, len(m.v.tokens))
		for i := range cands {
			cands[i] = sampler.Candidate{ID: int32(i), Logit: 1}
		}
		// Pad past smallApply with out-of-range ids, which must be masked.
		for len(cands) <= smallApply {
			cands = append(cands, sampler.Candidate{ID: int32(len(cands) + 1_000_000), Logit: 1})
		}
		m.Apply(cands)
		for _, c := range cands {
			if !math.IsInf(float64(c.Logit), -1) {
				ids = append(ids, c.ID)
			}
		}
		return ids
	}
	for i := range m.v.tokens {
		c := []sampler.Candidate{{ID: int32(i), Logit: 1}}
		m.Apply(c)
		if !math.IsInf(float64(c[0].Logit), -1) {
			ids = append(ids, int32(i))
		}
	}
	return ids
}

func mustParse(t testing.TB, src string) *Grammar {
	t.Helper()
	g, err := Parse(src)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return g
}

func TestMatcherMultiCharTokens(t *testing.T) {
	g := mustParse(t, `root ::= "{" [a-z]+ "}"`)
	vocab := [][]byte{
		0: []byte("{"),
		1: []byte("}"),
		2: []byte("ab"),
		3: []byte("{a"),
		4: []byte("b}"),
		5: []byte("x}"),
		6: []byte("}}"),
		7: []byte("{}"),
		8: nil, // a control token: never
		9: []byte("</s>"),
	}
	isEOG := func(id int32) bool { return id == 9 }
	m, err := New(g, vocab, isEOG)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		accept int32
		want   []int32
	}{
		{-1, []int32{0, 3}},      // start: "{" or "{a"
		{3, []int32{1, 2, 4, 5}}, // after "{a": a letter or a closing brace
		{2, []int32{1, 2, 4, 5}}, // "{aab"
		{1, []int32{9}},          // "{aab}": only the end
	}
	for _, s := range steps {
		if s.accept >= 0 {
			if err := m.Accept(s.accept); err != nil {
				t.Fatalf("Accept(%d): %v", s.accept, err)
			}
		}
		for _, trie := range []bool{false, true} {
			if got := allowedBy(m, trie); !slices.Equal(got, s.want) {
				t.Errorf("after %d (trie %v): allowed %v, want %v", s.accept, trie, got, s.want)
			}
		}
	}
	if !m.Done() {
		t.Error("Done is false after a complete sentence")
	}
	if err := m.Accept(9); err != nil {
		t.Errorf("Accept(EOG) at the end: %v", err)
	}
	if err := m.Accept(2); err == nil {
		t.Error("Accept of a letter after } succeeded")
	}
	m.Reset()
	if m.Done() {
		t.Error("Done after Reset")
	}
	if err := m.Accept(9); err == nil {
		t.Error("EOG accepted at the start")
	}
	if err := m.Accept(8); err == nil {
		t.Error("empty token accepted")
	}
	if err := m.Accept(42); err == nil {
		t.Error("out-of-range token accepted")
	}
}

func TestMatcherPartialUTF8(t *testing.T) {
	// é is C3 A9, è is C3 A8, ✓ is E2 9C 93, 😀 is F0 9F 98 80.
	g := mustParse(t, `root ::= "é" "x" | "😀"`)
	vocab := [][]byte{
		0:  {0xC3},             // é cut after its first byte: may become é
		1:  {0xA9},             // é's last byte alone
		2:  {0xC3, 0xA9},       // é
		3:  {0xA9, 'x'},        // end of é, then x
		4:  []byte("x"),        // x
		5:  {0xC3, 0xA8},       // è: wrong letter
		6:  {0xE2, 0x9C},       // the start of ✓: no
		7:  {0xF0},             // start of any four-byte character: may be 😀
		8:  {0xF0, 0x9F},       // still may be 😀
		9:  {0x9F, 0x98, 0x80}, // the rest of 😀
		10: {0xF0, 0x90},       // a four-byte character below 😀's block
		11: {0xFF},             // never valid UTF-8
		12: {0xC0},             // only overlong forms start with C0
		13: {0x98, 0x80},       // after F0 9F: the rest of 😀
		14: []byte("EOS"),
	}
	isEOG := func(id int32) bool { return id == 14 }
	m, err := New(g, vocab, isEOG)
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, want []int32) {
		t.Helper()
		for _, trie := range []bool{false, true} {
			if got := allowedBy(m, trie); !slices.Equal(got, want) {
				t.Errorf("%s (trie %v): allowed %v, want %v", when, trie, got, want)
			}
		}
	}
	check("start", []int32{0, 2, 7, 8})
	if err := m.Accept(0); err != nil {
		t.Fatal(err)
	}
	if m.Done() {
		t.Error("Done in the middle of a character")
	}
	check("after C3", []int32{1, 3})
	if err := m.Accept(3); err != nil {
		t.Fatal(err)
	}
	check("after éx", []int32{14})

	m.Reset()
	if err := m.Accept(8); err != nil {
		t.Fatal(err)
	}
	check("after F0 9F", []int32{13})
	if err := m.Accept(5); err == nil {
		t.Error("è accepted in the middle of 😀")
	}
	if err := m.Accept(13); err != nil {
		t.Fatal(err)
	}
	check("after 😀", []int32{14})
	if !m.Done() {
		t.Error("not Done after 😀")
	}
}

// toyVocab makes a vocabulary from the characters a grammar uses, as
// single characters, pairs and triples, some cut in the middle of a UTF-8
// sequence, plus an EOG token at id 0.
func toyVocab(rng *rand.Rand, alphabet []string, n int) [][]byte {
	vocab := [][]byte{[]byte("<eos>")}
	seen := map[string]bool{}
	add := func(b []byte) {
		if len(b) > 0 && !seen[string(b)] {
			seen[string(b)] = true
			vocab = append(vocab, b)
		}
	}
	for _, a := range alphabet {
		add([]byte(a))
		if len(a) > 1 { // the character's bytes split two ways
			add([]byte(a)[:1])
			add([]byte(a)[1:])
		}
	}
	for len(vocab) < n {
		var b []byte
		for k := 1 + rng.IntN(4); k > 0; k-- {
			b = append(b, alphabet[rng.IntN(len(alphabet))]...)
		}
		if rng.IntN(4) == 0 { // cut somewhere, maybe mid-character
			b = b[rng.IntN(len(b)):]
			if len(b) > 1 {
				b = b[:1+rng.IntN(len(b)-1)]
			}
		}
		add(b)
	}
	return vocab
}

// TestMatcherAgainstOracle walks random paths through each grammar with a
// toy vocabulary; at every step the tokens Apply allows must be exactly the
// ones whose text the independent oracle finds viable, and Done must agree
// with the oracle's completeness.
func TestMatcherAgainstOracle(t *testing.T) {
	cases := []struct {
		name, grammar string
		alphabet      []string
	}{
		{"list", `root ::= "[" (item ("," " "? item)*)? "]"
item ::= [0-9]+ | "\"" [^"\\]* "\""`, []string{"[", "]", ",", " ", "1", "2", "0", "\"", "a", "é", "\\", "✓"}},
		{"counted", `root ::= "<" [a-c]{2,4} ">" ("!"{0,3})`, []string{"<", ">", "a", "b", "c", "d", "!"}},
		{"nested parens", `root ::= ("(" root ")")* "."`, []string{"(", ")", "."}},
		{"unicode", `root ::= ([α-ω] | "😀" | [^\x00-\x7F]{2})+ "."`, []string{"α", "β", "ω", "😀", "✓", "é", ".", "a", "Ω"}},
		{"any and optional", `root ::= (. "-"?){1,3} ";"`, []string{"a", "-", ";", "é", "😀", "\n"}},
		{"nullable loops", "root ::= (\"a\"? \"b\"?)* \"!\"\n", []string{"a", "b", "!"}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range cases {
		g := mustParse(t, c.grammar)
		vocab := toyVocab(rng, c.alphabet, 120)
		isEOG := func(id int32) bool { return id == 0 }
		m, err := New(g, vocab, isEOG)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		checked, sentences := 0, 0
		for walk := 0; walk < 12; walk++ {
			m.Reset()
			var text []byte
			for step := 0; step < 30; step++ {
				done := oracleComplete(g, text)
				if m.Done() != done {
					t.Fatalf("%s: after %q Done() = %v, oracle %v", c.name, text, m.Done(), done)
				}
				var want []int32
				if done {
					want = append(want, 0)
				}
				for id := 1; id < len(vocab); id++ {
					if oracleViable(g, append(slices.Clip(text), vocab[id]...)) {
						want = append(want, int32(id))
					}
				}
				for _, trie := range []bool{false, true} {
					got := allowedBy(m, trie)
					if !slices.Equal(got, want) {
						t.Fatalf("%s: after %q (trie %v):\n got  %s\n want %s", c.name, text, trie, show(vocab, got), show(vocab, want))
					}
				}
				checked++
				if len(want) == 0 || len(want) == 1 && want[0] == 0 {
					break
				}
				var id int32
				for id == 0 {
					id = want[rng.IntN(len(want))]
				}
				if err := m.Accept(id); err != nil {
					t.Fatalf("%s: Accept(%q) after %q: %v", c.name, vocab[id], text, err)
				}
				text = append(text, vocab[id]...)
			}
			if oracleComplete(g, text) {
				sentences++
			}
		}
		t.Logf("%s: %d positions checked token by token against the oracle, %d walks ended on a sentence", c.name, checked, sentences)
	}
}

func show(vocab [][]byte, ids []int32) string {
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%q ", vocab[id])
	}
	return b.String()
}

// TestCompaction rebuilds the matcher's tables at every step of a
// generation, as a long generation does when they grow large, and checks
// that nothing changes: the same tokens are allowed as by a matcher that
// never rebuilt, and Done agrees.
func TestCompaction(t *testing.T) {
	g := mustParse(t, JSON)
	rng := rand.New(rand.NewPCG(9, 10))
	vocab := toyVocab(rng, []string{"{", "}", "[", "]", "\"", ":", ",", " ", "1", "0", "-", ".", "e", "a", "é", "t", "r", "u", "n", "l", "f", "s"}, 150)
	isEOG := func(id int32) bool { return id == 0 }
	plain, err := New(g, vocab, isEOG)
	if err != nil {
		t.Fatal(err)
	}
	rebuilt, err := New(g, vocab, isEOG)
	if err != nil {
		t.Fatal(err)
	}
	steps := 0
	for walk := 0; walk < 5; walk++ {
		plain.Reset()
		rebuilt.Reset()
		for step := 0; step < 40; step++ {
			rebuilt.st.set = rebuilt.e.rebuildAround(rebuilt.st.set)
			want, got := allowedBy(plain, true), allowedBy(rebuilt, true)
			if !slices.Equal(got, want) {
				t.Fatalf("after rebuilding: allowed %s, want %s", show(vocab, got), show(vocab, want))
			}
			if plain.Done() != rebuilt.Done() {
				t.Fatal("Done differs after rebuilding")
			}
			steps++
			if len(want) == 0 || want[len(want)-1] == 0 && len(want) == 1 {
				break
			}
			id := want[rng.IntN(len(want))]
			if id == 0 {
				break
			}
			if err := plain.Accept(id); err != nil {
				t.Fatal(err)
			}
			if err := rebuilt.Accept(id); err != nil {
				t.Fatal(err)
			}
		}
	}
	t.Logf("%d steps agree with tables rebuilt at every step", steps)
}

// TestLimits checks that grammars beyond the matcher's limits fail cleanly.
func TestLimits(t *testing.T) {
	// Twenty thousand optional items in a row: as many ways to go on.
	g := mustParse(t, `root ::= ("x"?){0,20000} "y"`)
	if _, err := New(g, [][]byte{[]byte("x")}, nil); err == nil {
		t.Error("New accepted a grammar with 20000 live stacks")
	} else {
		t.Logf("20000 live stacks: %v", err)
	}
	if g.Accepts("xy") {
		t.Error("Accepts on a grammar over the limits")
	}
	// Deep but unambiguous nesting is fine.
	g = mustParse(t, `root ::= "(" root ")" | "."`)
	text := strings.Repeat("(", 3000) + "." + strings.Repeat(")", 3000)
	if !g.Accepts(text) {
		t.Error("3000 nested parentheses rejected")
	}
	if g.Accepts(text + ")") {
		t.Error("unbalanced parentheses accepted")
	}
}
