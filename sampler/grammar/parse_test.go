package grammar

import (
	"errors"
	"strings"
	"testing"
)

// Each case lists strings checked by hand against the grammar.
var acceptCases = []struct {
	name    string
	grammar string
	accept  []string
	reject  []string
}{
	{"literal", `root ::= "abc"`, []string{"abc"}, []string{"", "ab", "abcd", "abd"}},
	{"alternatives", `root ::= "a" | "bc" | ""`, []string{"a", "bc", ""}, []string{"b", "abc", "c"}},
	{"sequence of rules", "root ::= a b\na ::= \"x\"\nb ::= [0-9]", []string{"x0", "x9"}, []string{"x", "0x", "xa"}},
	{"star", `root ::= "a"*`, []string{"", "a", "aaaa"}, []string{"b", "aab"}},
	{"plus", `root ::= "ab"+`, []string{"ab", "abab"}, []string{"", "a", "aba"}},
	{"optional", `root ::= "a"? "b"`, []string{"b", "ab"}, []string{"aab", "a"}},
	{"exact count", `root ::= [0-9]{3}`, []string{"123", "000"}, []string{"12", "1234", ""}},
	{"at least", `root ::= "x"{2,}`, []string{"xx", "xxxxx"}, []string{"", "x"}},
	{"between", `root ::= "x"{2,4}`, []string{"xx", "xxx", "xxxx"}, []string{"x", "xxxxx"}},
	{"at most", `root ::= "x"{0,2} "."`, []string{".", "x.", "xx."}, []string{"xxx."}},
	{"zero times", `root ::= "a" "x"{0} "b"`, []string{"ab"}, []string{"axb"}},
	{"group repeat", `root ::= ("a" | "bc"){2}`, []string{"aa", "abc", "bca", "bcbc"}, []string{"a", "b", "aaa"}},
	{"nested groups", `root ::= ("<" ( "x" | ("y" "z")+ ) ">")*`, []string{"", "<x>", "<yz><x>", "<yzyz>"}, []string{"<>", "<xy>", "<y>"}},
	{"class ranges", `root ::= [a-cx-z_]+`, []string{"abc", "x_z", "_"}, []string{"d", "w", "A"}},
	{"negated class", `root ::= "\"" [^"\\]* "\""`, []string{`""`, `"hello"`, `"héllo ✓"`}, []string{`"a"b"`, `"a\"`, `"`}},
	{"dash at class end", `root ::= [a-]+`, []string{"a-a", "-"}, []string{"b"}},
	{"any char", `root ::= . . "!"`, []string{"ab!", "é✓!", "\x00\n!"}, []string{"a!", "abc!"}},
	{"escapes", `root ::= "\n\t\r\\\"" [\x41] "\u00e9" "\U0001F600" [\[\]]`, []string{"\n\t\r\\\"Aé😀[", "\n\t\r\\\"Aé😀]"}, []string{"\n\t\r\\\"aé😀]"}},
	{"unicode class", `root ::= [ぁ-ゟ]+`, []string{"ひらがな"}, []string{"カ", "a"}},
	{"comments and newlines", "# a comment\nroot ::= item (\n  \",\" # separator\n  item\n)*\nitem ::= [0-9] |\n  \"x\" # after |\n", []string{"1", "1,x,2"}, []string{"1,", ",1"}},
	{"recursion", "root ::= \"(\" root \")\" | \"\"", []string{"", "()", "((()))"}, []string{"(", "())", ")("}},
	{"right recursion list", "root ::= item rest\nrest ::= \",\" item rest | \"\"\nitem ::= [a-z]", []string{"a", "a,b,c"}, []string{"a,", "ab"}},
	{"nullable tail loop", `root ::= ("a"?)* "b"`, []string{"b", "ab", "aaab"}, []string{"", "ba"}},
	{"nullable prefix recursion", "root ::= x root | \"end\"\nx ::= \"-\"?", []string{"end", "--end"}, []string{"-", "end-"}},
	{"name chars", "root ::= my-rule_2\nmy-rule_2 ::= \"ok\"", []string{"ok"}, []string{"o"}},
	{"empty class never matches", `root ::= "a" | []`, []string{"a"}, []string{"", "b"}},
	{"repeat of repeat", `root ::= ("a"{2})+`, []string{"aa", "aaaa"}, []string{"a", "aaa"}},
	{"crlf line ends", "root ::= a\r\na ::= \"q\"\r\n", []string{"q"}, []string{"a"}},
	{"spaces before postfix", `root ::= "a" * "b"`, []string{"b", "aab"}, []string{"a"}},
}

func TestAccepts(t *testing.T) {
	for _, c := range acceptCases {
		g, err := Parse(c.grammar)
		if err != nil {
			t.Errorf("%s: Parse: %v", c.name, err)
			continue
		}
		for _, s := range c.accept {
			if !g.Accepts(s) {
				t.Errorf("%s: rejects %q, want accepted", c.name, s)
			}
		}
		for _, s := range c.reject {
			if g.Accepts(s) {
				t.Errorf("%s: accepts %q, want rejected", c.name, s)
			}
		}
		t.Logf("%s: %d accepted, %d rejected as expected", c.name, len(c.accept), len(c.reject))
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		src       string
		line, col int
		contains  string
	}{
		{"", 1, 1, "empty grammar"},
		{"# only a comment\n", 2, 1, "empty grammar"},
		{`root ::= "abc`, 1, 10, "unterminated string"},
		{"root ::= [a-z", 1, 10, "unterminated character class"},
		{"root ::= foo", 1, 10, `undefined rule "foo"`},
		{"root ::= \"a\"\nitem ::= \"b\" bar", 2, 14, `undefined rule "bar"`},
		{"item ::= \"a\"", 1, 13, "no root rule"},
		{"root := \"a\"", 1, 6, "expected ::="},
		{"root ::= (\"a\" | \"b\"", 1, 20, "expected )"},
		{"root ::= \"a\" )", 1, 14, "unexpected ')'"},
		{"root ::= * \"a\"", 1, 10, "must follow an item"},
		{"root ::= \"a\"{3,1}", 1, 13, "maximum below its minimum"},
		{"root ::= \"a\"{x}", 1, 14, "expected a number"},
		{"root ::= \"a\"{2", 1, 15, "expected }"},
		{"root ::= \"\\q\"", 1, 11, `unknown escape \q`},
		{"root ::= \"\\x4\"", 1, 11, "2 hex digits"},
		{"root ::= \"\\U00110000\"", 1, 11, "beyond Unicode"},
		{"root ::= [z-a]", 1, 11, "reversed"},
		{"root ::= \"a\"\nroot ::= \"b\"", 2, 1, "defined twice"},
		{"root ::= root \"a\" | \"b\"", 1, 1, `rule "root" is left-recursive`},
		{"root ::= a\na ::= b \"x\"\nb ::= \"y\"? a", 2, 1, "left-recursive"},
		{"root ::= \"a\"{2000000}", 1, 13, "larger than"},
		{"root ::= \"ab\"{0,600000}", 1, 14, "larger than"},
		{"  ::= \"a\"", 1, 3, "expected a rule name"},
		{"root ::= \"é\" ~", 1, 14, "unexpected '~'"},
		{"root ::= \"\xff\"", 1, 11, "invalid UTF-8"},
		{"root ::= " + strings.Repeat("(", 600) + "\"a\"" + strings.Repeat(")", 600), 1, 510, "nested deeper"},
	}
	for _, c := range cases {
		_, err := Parse(c.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%.40q) = %v, want a SyntaxError", c.src, err)
			continue
		}
		if se.Line != c.line || se.Col != c.col || !strings.Contains(se.Msg, c.contains) {
			t.Errorf("Parse(%.40q) = %v, want line %d, column %d: ...%s...", c.src, err, c.line, c.col, c.contains)
			continue
		}
		t.Logf("%.40q → %v", c.src, err)
	}
}

// The grammars llama.cpp ships with are a good syntax workout; these are
// written here in the same style (not copied).
func TestRealisticGrammars(t *testing.T) {
	arith := `
root  ::= expr
expr  ::= term (space [-+*/] space term)*
term  ::= num | "(" space expr space ")"
num   ::= [0-9]+
space ::= " "?
`
	g, err := Parse(arith)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"1", "1 + 2", "(1+2) * 3", "((4))"} {
		if !g.Accepts(s) {
			t.Errorf("arithmetic rejects %q", s)
		}
	}
	for _, s := range []string{"1 +", "(1", "1 2", "+1"} {
		if g.Accepts(s) {
			t.Errorf("arithmetic accepts %q", s)
		}
	}
}
