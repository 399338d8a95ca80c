package grammar

import (
	"testing"

	"github.com/narallm/nara/sampler"
)

// benchApply measures Apply over a whole real vocabulary with the matcher
// first moved past prefix.
func benchApply(b *testing.B, src, prefix string) {
	v := largestVocab(b)
	g := mustParse(b, src)
	m, err := New(g, v.tokens, v.isEOG)
	if err != nil {
		b.Fatal(err)
	}
	st, ok, err := m.e.feed(m.st, []byte(prefix))
	if !ok || err != nil {
		b.Fatalf("prefix %q rejected (%v)", prefix, err)
	}
	m.st = st
	cands := make([]sampler.Candidate, len(v.tokens))
	b.Logf("%s: %d tokens", v.name, len(v.tokens))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range cands {
			cands[j] = sampler.Candidate{ID: int32(j), Logit: 1}
		}
		m.Apply(cands)
	}
}

// Inside a JSON string almost every token is allowed: the worst case for
// the trie walk.
func BenchmarkApplyJSONString(b *testing.B) { benchApply(b, JSON, `{"name": "Jo`) }

// After a key only a few tokens fit.
func BenchmarkApplyJSONAfterKey(b *testing.B) { benchApply(b, JSON, `{"name"`) }

// Inside a value whose length is counted: each character is a new state.
func BenchmarkApplyCountedString(b *testing.B) {
	benchApply(b, `root ::= "\"" [^"\\]{0,200} "\""`, `"ab`)
}
