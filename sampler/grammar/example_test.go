package grammar_test

import (
	"fmt"
	"math"
	"strings"

	"github.com/narallm/nara/sampler"
	"github.com/narallm/nara/sampler/grammar"
)

func ExampleParse() {
	g, err := grammar.Parse(`
root   ::= answer "."
answer ::= "yes" | "no" | "maybe" ", " [0-9]{1,2} "%"
`)
	if err != nil {
		panic(err)
	}
	fmt.Println(g.Accepts("yes."), g.Accepts("maybe, 40%."), g.Accepts("maybe."))

	_, err = grammar.Parse("root ::= item\nitem ::= \"x\" | (\"y\"")
	fmt.Println(err)
	// Output:
	// true true false
	// line 2, column 20: expected ) to close the ( at line 2, column 16, found end of input
}

func ExampleNew() {
	g, _ := grammar.Parse(`root ::= "{" [a-z]+ "}"`)
	vocab := [][]byte{[]byte("</s>"), []byte("{"), []byte("{a"), []byte("bc"), []byte("}"), []byte("x}")}
	isEOG := func(id int32) bool { return id == 0 }
	m, _ := grammar.New(g, vocab, isEOG)

	show := func() {
		cands := make([]sampler.Candidate, len(vocab))
		for i := range cands {
			cands[i] = sampler.Candidate{ID: int32(i)}
		}
		m.Apply(cands)
		var allowed []string
		for _, c := range cands {
			if !math.IsInf(float64(c.Logit), -1) {
				allowed = append(allowed, fmt.Sprintf("%q", vocab[c.ID]))
			}
		}
		fmt.Println(strings.Join(allowed, " "))
	}
	show()
	m.Accept(2) // "{a"
	show()
	m.Accept(5) // "x}"
	show()
	fmt.Println(m.Done())
	// Output:
	// "{" "{a"
	// "bc" "}" "x}"
	// "</s>"
	// true
}

func ExampleFromJSONSchema() {
	text, err := grammar.FromJSONSchema([]byte(`{
		"type": "object",
		"properties": {"name": {"type": "string"}, "age": {"type": "integer", "minimum": 0}},
		"required": ["name"],
		"additionalProperties": false
	}`))
	if err != nil {
		panic(err)
	}
	g, _ := grammar.Parse(text)
	fmt.Println(g.Accepts(`{"name": "Ada", "age": 36}`))
	fmt.Println(g.Accepts(`{"name": "Ada"}`))
	fmt.Println(g.Accepts(`{"name": "Ada", "age": -1}`))
	fmt.Println(g.Accepts(`{"age": 36}`))
	// Output:
	// true
	// true
	// false
	// false
}
