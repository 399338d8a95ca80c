package grammar

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/narallm/nara/sampler"
)

func TestJSONGrammar(t *testing.T) {
	g := mustParse(t, JSON)
	valid := []string{
		`{}`, `[]`, `0`, `-12.5e+3`, `"a\"b\\c\u00e9\n"`, `true`, `null`,
		`{"a": [1, 2, {"b": null}], "c": "x"}`,
		"{\n  \"k\": [\n    true,\n    false\n  ]\n}",
		`"héllo ✓ 😀"`,
	}
	invalid := []string{
		``, `{`, `{"a"}`, `{"a":}`, `[1,]`, `01`, `1.`, `.5`, `"a`, `"\x"`, `"\u12"`,
		"\"tab\there\"", `{'a': 1}`, `nul`, `[1 2]`, `{"a":1,}`, ` 1`,
	}
	for _, s := range valid {
		if !g.Accepts(s) {
			t.Errorf("JSON grammar rejects %q", s)
		}
		if !json.Valid([]byte(s)) {
			t.Errorf("test case %q is not JSON", s)
		}
	}
	for _, s := range invalid {
		if g.Accepts(s) {
			t.Errorf("JSON grammar accepts %q", s)
		}
	}
	t.Logf("JSON grammar: %d valid and %d invalid texts classified as expected", len(valid), len(invalid))
}

// Schemas with texts checked by hand: accepted ones are valid (in the key
// order and whitespace the grammar generates; the validator confirms them),
// rejected ones are invalid or in an order the grammar does not generate.
var schemaCases = []struct {
	name, schema   string
	accept, reject []string
}{
	{"primitives", `{"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}, {"type": "integer"}, {"type": "boolean"}, {"type": "null"}]}`,
		[]string{`["a", 1.5, -3, true, null]`, `["", 0, 0, false, null]`},
		[]string{`["a", 1.5, 3.5, true, null]`, `["a", 1, 2, true]`, `[1, 1.5, 3, true, null]`}},
	{"required and optional in order", `{"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "string"}, "c": {"type": "boolean"}}, "required": ["b"], "additionalProperties": false}`,
		[]string{`{"b": "x"}`, `{"b": "x", "a": 1}`, `{"b": "x", "c": true}`, `{"b": "x", "a": 1, "c": false}`},
		[]string{`{}`, `{"a": 1}`, `{"b": "x", "d": 1}`, `{"b": 1}`, `{"a": 1, "b": "x"}`, `{"b": "x", "c": true, "a": 1}`}},
	{"additional properties by default", `{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}`,
		[]string{`{"name": "x"}`, `{"name": "x", "age": 3}`, `{"name": "x", "nam": 1, "names": [1]}`},
		[]string{`{"name": "x", "name": "y"}`, `{"age": 3}`}},
	{"additional properties schema", `{"type": "object", "additionalProperties": {"type": "integer"}}`,
		[]string{`{}`, `{"a": 1}`, `{"a": 1, "b": 2}`},
		[]string{`{"a": "x"}`, `{"a": 1.5}`}},
	{"items and counts", `{"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 3}`,
		[]string{`[1, 2]`, `[1, 2, 3]`},
		[]string{`[]`, `[1]`, `[1, 2, 3, 4]`, `[1, "a"]`}},
	{"at most one item", `{"type": "array", "maxItems": 1}`,
		[]string{`[]`, `[{"x": [1]}]`}, []string{`[1, 2]`}},
	{"enum and const", `{"type": "object", "properties": {"e": {"enum": ["red", 2, null, [1, "x"]]}, "c": {"const": {"k": "v"}}}, "required": ["e", "c"], "additionalProperties": false}`,
		[]string{`{"e": "red", "c": {"k":"v"}}`, `{"e": [1,"x"], "c": {"k":"v"}}`, `{"e": null, "c": {"k":"v"}}`},
		[]string{`{"e": "blue", "c": {"k":"v"}}`, `{"e": 2, "c": {"k": "v"}}`}},
	{"anyOf and type lists", `{"anyOf": [{"type": "integer"}, {"type": "array", "items": {"type": ["string", "null"]}}]}`,
		[]string{`5`, `["a", null]`, `[]`}, []string{`"a"`, `[1]`}},
	{"oneOf", `{"oneOf": [{"type": "boolean"}, {"type": "string", "maxLength": 1}]}`,
		[]string{`true`, `"a"`, `""`}, []string{`"ab"`, `1`}},
	{"allOf of objects with refs", `{"$defs": {"named": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}}, "allOf": [{"$ref": "#/$defs/named"}, {"properties": {"id": {"type": "integer"}}, "required": ["id"]}]}`,
		[]string{`{"name": "x", "id": 1}`, `{"name": "x", "id": 1, "z": 0}`}, []string{`{"name": "x"}`, `{"id": 1, "name": "x"}`, `{"name": "x", "id": "1"}`}},
	{"recursive ref", `{"definitions": {"node": {"type": "object", "properties": {"v": {"type": "integer"}, "kids": {"type": "array", "items": {"$ref": "#/definitions/node"}}}, "required": ["v"], "additionalProperties": false}}, "$ref": "#/definitions/node"}`,
		[]string{`{"v": 1}`, `{"v": 1, "kids": [{"v": 2}, {"v": 3, "kids": []}]}`}, []string{`{"v": 1, "kids": [{}]}`}},
	{"self ref", `{"type": "array", "items": {"anyOf": [{"type": "integer"}, {"$ref": "#"}]}}`,
		[]string{`[1, [2, [[]]]]`}, []string{`[1, ["a"]]`}},
	{"string lengths", `{"type": "string", "minLength": 2, "maxLength": 3}`,
		[]string{`"ab"`, `"abc"`, `"é\n"`}, []string{`"a"`, `"abcd"`}},
	{"formats", `{"type": "array", "prefixItems": [{"type": "string", "format": "date"}, {"type": "string", "format": "time"}, {"type": "string", "format": "date-time"}, {"type": "string", "format": "uuid"}]}`,
		[]string{`["2024-02-29", "23:59:59Z", "2024-01-01T00:00:00.5+05:30", "123e4567-e89b-12d3-a456-426614174000"]`},
		[]string{`["2024-13-01", "10:00:00Z", "2024-01-01T00:00:00Z", "123e4567-e89b-12d3-a456-42661417400"]`, `["2024-01-01", "24:00:00Z", "2024-01-01T00:00:00Z", "123e4567-e89b-12d3-a456-426614174000"]`}},
	{"integer bounds", `{"type": "array", "prefixItems": [{"type": "integer", "minimum": -5, "maximum": 12}, {"type": "integer", "exclusiveMinimum": 99}, {"type": "integer", "maximum": 0}]}`,
		[]string{`[-5, 100, 0]`, `[12, 12345, -7]`, `[0, 100, -1000]`},
		[]string{`[-6, 100, 0]`, `[13, 100, 0]`, `[0, 99, 0]`, `[0, 100, 1]`, `[00, 100, 0]`, `[-0, 100, 0]`}},
	{"pattern", `{"type": "string", "pattern": "^[A-Z]{2}-\\d+(\\.\\d+)?$"}`,
		[]string{`"AB-1"`, `"XY-12.05"`}, []string{`"AB-"`, `"ab-1"`, `"AB-1."`, `"xAB-1"`}},
	{"unanchored pattern", `{"type": "string", "pattern": "ab+c"}`,
		[]string{`"abc"`, `"xxabbbcyy"`}, []string{`"ac"`, `"abx"`}},
	{"pattern escapes in JSON", `{"type": "string", "pattern": "^\"[^\"]*\"\\\\$"}`,
		[]string{`"\"x\"\\"`, `"\"\"\\"`}, []string{`"\"x\\"`, `"x"`}},
	{"keys needing escapes", `{"type": "object", "properties": {"a\"b": {"type": "null"}, "é": {"type": "null"}}, "required": ["a\"b", "é"], "additionalProperties": false}`,
		[]string{`{"a\"b": null, "é": null}`}, []string{`{"ab": null, "é": null}`}},
	{"names that clash", `{"type": "object", "properties": {"root": {"type": "string", "maxLength": 2}, "string": {"type": "integer"}, "value": {"$ref": "#/$defs/root"}}, "required": ["root", "string", "value"], "additionalProperties": false, "$defs": {"root": {"type": "boolean"}}}`,
		[]string{`{"root": "ab", "string": 1, "value": true}`}, []string{`{"root": "abc", "string": 1, "value": true}`, `{"root": "a", "string": "1", "value": true}`, `{"root": "a", "string": 1, "value": 1}`}},
	{"empty schema", `{}`, []string{`1`, `{"a": [true]}`}, []string{`{`}},
	{"true schema", `true`, []string{`"x"`}, []string{`x`}},
}

func TestFromJSONSchema(t *testing.T) {
	for _, c := range schemaCases {
		text, err := FromJSONSchema([]byte(c.schema))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		g, err := Parse(text)
		if err != nil {
			t.Errorf("%s: grammar does not parse: %v\n%s", c.name, err, text)
			continue
		}
		var schema any
		if err := json.Unmarshal([]byte(c.schema), &schema); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		for _, s := range c.accept {
			if !g.Accepts(s) {
				t.Errorf("%s: rejects %s\n%s", c.name, s, text)
			}
			// The hand-written texts must themselves be right.
			v, err := decodeJSON(s)
			if err != nil {
				t.Errorf("%s: case %s: %v", c.name, s, err)
			} else if err := validate(schema, v, schema, "#"); err != nil {
				t.Errorf("%s: case %s: %v", c.name, s, err)
			}
		}
		for _, s := range c.reject {
			if g.Accepts(s) {
				t.Errorf("%s: accepts %s\n%s", c.name, s, text)
			}
		}
		t.Logf("%s: %d rules, %d accepted and %d rejected as expected", c.name, strings.Count(text, "::="), len(c.accept), len(c.reject))
	}
}

func TestFromJSONSchemaErrors(t *testing.T) {
	cases := []struct{ schema, contains string }{
		{`{"type": "object"`, "json schema"},
		{`false`, "accepts nothing"},
		{`{"type": "strin"}`, `unknown type "strin"`},
		{`{"$ref": "#/$defs/missing"}`, "no such place"},
		{`{"$ref": "http://example.com/s.json"}`, "only references inside the schema"},
		{`{"type": "array", "minItems": 3, "maxItems": 2}`, "below minItems"},
		{`{"type": "array", "minItems": -1}`, "non-negative integer"},
		{`{"type": "string", "pattern": "(a"}`, "missing )"},
		{`{"type": "string", "pattern": "a\\1"}`, "backreferences"},
		{`{"type": "string", "pattern": "(?=a)"}`, "lookaround"},
		{`{"type": "string", "pattern": "*a"}`, "nothing to repeat"},
		{`{"type": "string", "pattern": "a^b"}`, "start and end"},
		{`{"type": "integer", "minimum": 5, "maximum": 4}`, "no integer"},
		{`{"enum": []}`, "non-empty array"},
		{`{"$defs": {"a": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}`, "itself"},
		{`{"allOf": [{"type": "string"}, {"type": "integer"}]}`, "only object schemas"},
		{`[1]`, "must be an object or a boolean"},
		{`{"allOf": [{"$ref": "#"}, {"type": "object"}]}`, "allOf includes itself"},
		{`{"$defs": {"a": {"allOf": [{"$ref": "#/$defs/b"}]}, "b": {"allOf": [{"$ref": "#/$defs/a"}]}}, "$ref": "#/$defs/a"}`, "allOf includes itself"},
		{`{} {}`, "data after"},
	}
	for _, c := range cases {
		_, err := FromJSONSchema([]byte(c.schema))
		if err == nil || !strings.Contains(err.Error(), c.contains) {
			t.Errorf("FromJSONSchema(%s) = %v, want an error about %q", c.schema, err, c.contains)
			continue
		}
		t.Logf("%s → %v", c.schema, err)
	}
}

// TestIntegerRanges checks the range grammars against plain comparison
// for every integer near the bounds.
func TestIntegerRanges(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	bounds := [][2]int64{{0, 0}, {0, 9}, {1, 10}, {-5, 12}, {7, 7}, {-100, -3}, {99, 1000}, {123, 4567}, {-999, 999}, {10, 19}, {0, 100000}}
	for i := 0; i < 20; i++ {
		a, b := rng.Int64N(20000)-10000, rng.Int64N(20000)-10000
		bounds = append(bounds, [2]int64{min(a, b), max(a, b)})
	}
	for _, bd := range bounds {
		g := mustParse(t, "root ::= "+intRange(bd[0], bd[1]))
		probe := map[int64]bool{}
		for _, x := range []int64{bd[0], bd[1]} {
			for d := int64(-12); d <= 12; d++ {
				probe[x+d] = true
			}
		}
		for i := 0; i < 200; i++ {
			probe[rng.Int64N(40000)-20000] = true
		}
		for x := range probe {
			want := x >= bd[0] && x <= bd[1]
			if got := g.Accepts(strconv.FormatInt(x, 10)); got != want {
				t.Errorf("[%d, %d]: %d accepted = %v", bd[0], bd[1], x, got)
			}
		}
		for _, bad := range []string{"-0", "00", "01", "+1", ""} {
			if g.Accepts(bad) {
				t.Errorf("[%d, %d]: accepts %q", bd[0], bd[1], bad)
			}
		}
	}
	t.Logf("%d ranges checked against integer comparison", len(bounds))
}

// TestPatterns compares pattern grammars with Go's regexp on strings, each
// fed JSON-encoded between quotes.
func TestPatterns(t *testing.T) {
	patterns := []string{
		`^\d{3}-\d{4}$`, `^[a-z]+(_[a-z]+)*$`, `^(foo|bar)?baz$`, `^[^a-c]{2}$`, `^a.c$`,
		`colou?r`, `^x{2,}$`, `^[\w.]+@[\w]+\.(com|org)$`, `^[A-F0-9]{2}(:[A-F0-9]{2}){2}$`,
		`^"\\$`, `^\t[^\n]*$`, `^(?:ab){1,2}$`, `^\x41\u00e9$`, `^[-+]?\d+$`, `^[\]\[]+$`,
	}
	probes := []string{
		"", "a", "abc", "a\nc", "a\"c", "555-1234", "55-1234", "foo_bar", "foo__bar", "baz", "foobaz", "barbaz", "qbaz",
		"dd", "ad", "xx", "x", "xxx", "color", "colour", "my colour!", "me.x@y.com", "me@y.net", "AB:CD:EF", "AB:CD",
		"\"\\", "\"", "\tabc", "\ta\nb", "ab", "abab", "ababab", "Aé", "aé", "+12", "-0", "12a", "[]", "][", "é",
		"a\x01c", "a\\c", "xé", "😀😀", "\x7f\x7f",
	}
	for _, p := range patterns {
		text, err := FromJSONSchema([]byte(`{"type": "string", "pattern": ` + jsonQuote(p) + `}`))
		if err != nil {
			t.Errorf("pattern %q: %v", p, err)
			continue
		}
		g := mustParse(t, text)
		// Go's regexp spells \uHHHH as \x{HHHH}.
		re := regexp.MustCompile(regexp.MustCompile(`\\u([0-9a-fA-F]{4})`).ReplaceAllString(p, `\x{$1}`))
		for _, s := range probes {
			encoded := canonicalJSON(t, s)
			want := re.MatchString(s)
			if got := g.Accepts(encoded); got != want {
				t.Errorf("pattern %q on %q (as %s): grammar %v, regexp %v\n%s", p, s, encoded, got, want, text)
			}
		}
	}
	t.Logf("%d patterns × %d strings agree with regexp", len(patterns), len(probes))
}

// canonicalJSON encodes s the one way the grammars generate strings:
// escapes only for ", \, control characters and DEL (short forms where JSON
// has them, else \u00xx in lower case). encoding/json checks the result.
func canonicalJSON(t *testing.T, s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteString(`\` + string(r))
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	var back string
	if err := json.Unmarshal([]byte(b.String()), &back); err != nil || back != s {
		t.Fatalf("test encoder: %q → %s → %q (%v)", s, b.String(), back, err)
	}
	return b.String()
}

// sample draws a text from the matcher by random choice among the
// tokens Apply allows. To make generation end, it leans, after a while,
// towards tokens that close strings and containers, and takes the end of
// generation as soon as it is allowed.
func sample(m *Matcher, v fixtureVocab, closer []bool, rng *rand.Rand, budget int) (string, bool, error) {
	m.Reset()
	cands := make([]sampler.Candidate, len(v.tokens))
	var text []byte
	for step := 0; step < budget; step++ {
		for i := range cands {
			cands[i] = sampler.Candidate{ID: int32(i), Logit: 0}
		}
		m.Apply(cands)
		var allowed, closers, eog []int32
		for _, c := range cands {
			if math.IsInf(float64(c.Logit), -1) {
				continue
			}
			if v.isEOG(c.ID) {
				eog = append(eog, c.ID)
				continue
			}
			allowed = append(allowed, c.ID)
			if closer[c.ID] {
				closers = append(closers, c.ID)
			}
		}
		if len(eog) > 0 != m.Done() {
			return string(text), false, fmt.Errorf("EOG allowed = %v but Done = %v after %q", len(eog) > 0, m.Done(), text)
		}
		if len(eog) > 0 && (step > budget/4 || rng.IntN(3) == 0 || len(allowed) == 0) {
			return string(text), true, m.Accept(eog[0])
		}
		if len(allowed) == 0 {
			return string(text), false, fmt.Errorf("no token allowed after %q and the grammar cannot end", text)
		}
		pick := allowed
		if step > budget/4 && len(closers) > 0 && rng.IntN(5) > 0 {
			pick = closers
		}
		id := pick[rng.IntN(len(pick))]
		if err := m.Accept(id); err != nil {
			return string(text), false, fmt.Errorf("Accept(%d %q) after Apply allowed it: %v", id, v.tokens[id], err)
		}
		text = append(text, v.tokens[id]...)
	}
	return string(text), false, nil
}

// TestSchemaSampling generates from every schema case with every fixture
// vocabulary and checks what comes out with encoding/json and the
// independent validator.
func TestSchemaSampling(t *testing.T) {
	vocabs := fixtureVocabs(t)
	if testing.Short() && len(vocabs) > 2 { // the smallest and the largest only
		slices.SortFunc(vocabs, func(a, b fixtureVocab) int { return len(a.tokens) - len(b.tokens) })
		vocabs = []fixtureVocab{vocabs[0], vocabs[len(vocabs)-1]}
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, v := range vocabs {
		// Many samples with the small vocabulary, one with each large one.
		samples := 1
		if len(v.tokens) <= 4096 {
			samples = 8
		}
		vocab, err := NewVocab(v.tokens, v.isEOG)
		if err != nil {
			t.Fatal(err)
		}
		closer := make([]bool, len(v.tokens))
		for id, b := range v.tokens {
			s := strings.TrimSpace(string(b))
			closer[id] = s != "" && strings.Trim(s, `"]}`) == ""
		}
		total, finished := 0, 0
		for _, c := range schemaCases {
			text, err := FromJSONSchema([]byte(c.schema))
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var schema any
			if err := json.Unmarshal([]byte(c.schema), &schema); err != nil {
				t.Fatal(err)
			}
			m, err := vocab.Matcher(mustParse(t, text))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < samples; i++ {
				out, done, err := sample(m, v, closer, rng, 100)
				total++
				if err != nil {
					t.Fatalf("%s / %s: %v", v.name, c.name, err)
				}
				if !done {
					continue
				}
				finished++
				val, err := decodeJSON(out)
				if err != nil {
					t.Errorf("%s / %s: generated %q: not JSON: %v", v.name, c.name, out, err)
					continue
				}
				if err := validate(schema, val, schema, "#"); err != nil {
					t.Errorf("%s / %s: generated %q: %v", v.name, c.name, out, err)
				}
				if i == 0 {
					t.Logf("%s / %s: %.100q", v.name, c.name, out)
				}
			}
		}
		t.Logf("%s (%d tokens): %d of %d samples finished, all valid JSON that validates", v.name, len(v.tokens), finished, total)
		if finished < total/2 {
			t.Errorf("%s: only %d of %d samples finished", v.name, finished, total)
		}
	}
}

// TestRealVocabAgainstOracle samples from plain grammars with real
// vocabularies, checking Apply on a sample of tokens against the oracle at
// every step, and the finished text against the oracle.
func TestRealVocabAgainstOracle(t *testing.T) {
	grammars := []string{
		`root ::= "[" (item ("," " "? item)*)? "]"
item ::= [0-9]+ | "\"" [^"\\]* "\""`,
		`root ::= ([A-Z] [a-z]* " ")+ "."`,
		`root ::= ("é" | "ß" | "😀" | [а-я] | " ")+ "!"`,
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for _, v := range fixtureVocabs(t) {
		checked := 0
		vocab, err := NewVocab(v.tokens, v.isEOG)
		if err != nil {
			t.Fatal(err)
		}
		for _, src := range grammars {
			g := mustParse(t, src)
			m, err := vocab.Matcher(g)
			if err != nil {
				t.Fatal(err)
			}
			var text []byte
			for step := 0; step < 15; step++ {
				allowed := map[int32]bool{}
				for _, id := range allowedBy(m, true) {
					allowed[id] = true
				}
				var list []int32
				for id := range allowed {
					if !v.isEOG(id) {
						list = append(list, id)
					}
				}
				// A sample of the allowed tokens and of the whole vocabulary.
				var probe []int32
				for i := 0; i < 100 && len(list) > 0; i++ {
					probe = append(probe, list[rng.IntN(len(list))])
				}
				for i := 0; i < 100; i++ {
					probe = append(probe, int32(rng.IntN(len(v.tokens))))
				}
				for _, id := range probe {
					if v.isEOG(id) {
						continue
					}
					want := len(v.tokens[id]) > 0 && oracleViable(g, append(append([]byte{}, text...), v.tokens[id]...))
					if allowed[id] != want {
						t.Fatalf("%s: %q after %q: Apply allows %v, oracle %v", v.name, v.tokens[id], text, allowed[id], want)
					}
					checked++
				}
				if v.eog >= 0 && allowed[v.eog] != oracleComplete(g, text) {
					t.Fatalf("%s: EOG after %q: allowed %v, oracle complete %v", v.name, text, allowed[v.eog], !allowed[v.eog])
				}
				if len(list) == 0 {
					break
				}
				id := list[rng.IntN(len(list))]
				if err := m.Accept(id); err != nil {
					t.Fatal(err)
				}
				text = append(text, v.tokens[id]...)
			}
			if !oracleViable(g, text) {
				t.Errorf("%s: generated %q is not a prefix of the language", v.name, text)
			}
		}
		t.Logf("%s: %d token decisions agree with the oracle", v.name, checked)
	}
}
