package grammar

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Parse reads a grammar in GBNF, llama.cpp's grammar syntax, whose start
// rule is "root":
//
//	root   ::= item ("," ws item)*     # comments run to the end of the line
//	item   ::= [a-z]+ | "\"" [^"\\]* "\"" | "x"{2,4} | .
//	ws     ::= [ \t\n]*
//
// A rule ends at the end of its line, except inside parentheses and after
// "|". Rule names are letters, digits, "-" and "_". Strings and classes take
// the escapes \n \r \t \\ \" \[ \] \- \^ \/ \xHH \uHHHH \UHHHHHHHH.
// Repetition is *, +, ?, {m}, {m,} or {m,n} after an item.
//
// Errors are *SyntaxError with the line and column, also for references to
// undefined rules and for left recursion, which the matcher cannot run.
func Parse(src string) (*Grammar, error) {
	p := &parser{src: src, index: map[string]int{}}
	if err := p.grammar(); err != nil {
		return nil, err
	}
	g := &Grammar{rules: p.rules}
	root, ok := p.index["root"]
	if !ok {
		return nil, p.errAt(len(src), "grammar has no root rule")
	}
	g.root = root
	if err := p.resolve(); err != nil {
		return nil, err
	}
	if err := g.compile(); err != nil {
		return nil, p.wrap(err)
	}
	if err := g.checkLeftRecursion(); err != nil {
		return nil, p.wrap(err)
	}
	return g, nil
}

type parser struct {
	src   string
	pos   int
	rules []*srcRule
	index map[string]int
	refs  []*node // every reference, resolved after all rules are read
	depth int
}

// posError is an error at a byte offset, turned into a SyntaxError by wrap.
type posError struct {
	pos int
	msg string
}

func (e *posError) Error() string { return e.msg }

func (p *parser) errAt(pos int, format string, args ...any) error {
	return p.wrap(&posError{pos, fmt.Sprintf(format, args...)})
}

// wrap turns a posError into a SyntaxError with line and column.
func (p *parser) wrap(err error) error {
	pe, ok := err.(*posError)
	if !ok {
		return err
	}
	pos := min(max(pe.pos, 0), len(p.src))
	before := p.src[:pos]
	line := strings.Count(before, "\n") + 1
	col := utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]) + 1
	return &SyntaxError{Line: line, Col: col, Msg: pe.msg}
}

func (p *parser) eof() bool { return p.pos >= len(p.src) }

func (p *parser) peek() byte {
	if p.eof() {
		return 0
	}
	return p.src[p.pos]
}

// space skips blanks and comments, and newlines too when newlines is true.
func (p *parser) space(newlines bool) {
	for !p.eof() {
		switch c := p.src[p.pos]; {
		case c == ' ' || c == '\t':
			p.pos++
		case c == '#':
			for !p.eof() && p.src[p.pos] != '\n' && p.src[p.pos] != '\r' {
				p.pos++
			}
		case (c == '\n' || c == '\r') && newlines:
			p.pos++
		default:
			return
		}
	}
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func (p *parser) name() string {
	start := p.pos
	for !p.eof() && isNameByte(p.src[p.pos]) {
		p.pos++
	}
	return p.src[start:p.pos]
}

func (p *parser) grammar() error {
	p.space(true)
	for !p.eof() {
		if err := p.rule(); err != nil {
			return err
		}
		p.space(true)
	}
	if len(p.rules) == 0 {
		return p.errAt(p.pos, "empty grammar: expected a rule such as root ::= \"...\"")
	}
	return nil
}

func (p *parser) rule() error {
	start := p.pos
	name := p.name()
	if name == "" {
		return p.errAt(p.pos, "expected a rule name, found %s", p.describe())
	}
	p.space(false)
	if !strings.HasPrefix(p.src[p.pos:], "::=") {
		return p.errAt(p.pos, "expected ::= after rule name %q, found %s", name, p.describe())
	}
	p.pos += 3
	p.space(true)
	alts, err := p.alternatives(false)
	if err != nil {
		return err
	}
	if !p.eof() && p.peek() != '\n' && p.peek() != '\r' {
		return p.errAt(p.pos, "unexpected %s in rule %q (a rule ends at the end of its line)", p.describe(), name)
	}
	if _, dup := p.index[name]; dup {
		return p.errAt(start, "rule %q is defined twice", name)
	}
	p.index[name] = len(p.rules)
	p.rules = append(p.rules, &srcRule{name: name, alts: alts, pos: start})
	return nil
}

// describe names the byte at the current position for an error message.
func (p *parser) describe() string {
	if p.eof() {
		return "end of input"
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos:])
	switch r {
	case '\n', '\r':
		return "end of line"
	}
	return fmt.Sprintf("%q", r)
}

func (p *parser) alternatives(nested bool) ([][]*node, error) {
	var alts [][]*node
	for {
		seq, err := p.sequence(nested)
		if err != nil {
			return nil, err
		}
		alts = append(alts, seq)
		if p.peek() != '|' {
			return alts, nil
		}
		p.pos++
		p.space(true)
	}
}

func (p *parser) sequence(nested bool) ([]*node, error) {
	var seq []*node
	for !p.eof() {
		start := p.pos
		c := p.src[p.pos]
		var item *node
		switch {
		case c == '"':
			p.pos++
			var runes []rune
			for {
				if p.eof() {
					return nil, p.errAt(start, "unterminated string")
				}
				if p.peek() == '"' {
					p.pos++
					break
				}
				r, err := p.char()
				if err != nil {
					return nil, err
				}
				runes = append(runes, r)
			}
			item = &node{kind: nodeLiteral, pos: start, runes: runes}
		case c == '[':
			k, err := p.class()
			if err != nil {
				return nil, err
			}
			item = &node{kind: nodeClass, pos: start, cls: k}
		case c == '.':
			p.pos++
			item = &node{kind: nodeClass, pos: start, cls: class{{0, maxRune}}}
		case isNameByte(c):
			item = &node{kind: nodeRef, pos: start, name: p.name()}
			p.refs = append(p.refs, item)
		case c == '(':
			if p.depth >= maxNesting {
				return nil, p.errAt(start, "groups nested deeper than %d", maxNesting)
			}
			p.depth++
			p.pos++
			p.space(true)
			alts, err := p.alternatives(true)
			p.depth--
			if err != nil {
				return nil, err
			}
			if p.peek() != ')' {
				return nil, p.errAt(p.pos, "expected ) to close the ( at %s, found %s", p.where(start), p.describe())
			}
			p.pos++
			item = &node{kind: nodeGroup, pos: start, alts: alts, grouped: -1}
		case c == '*' || c == '+' || c == '?' || c == '{':
			if len(seq) == 0 {
				return nil, p.errAt(start, "%q must follow an item", c)
			}
			lo, hi, err := p.repetition()
			if err != nil {
				return nil, err
			}
			last := seq[len(seq)-1]
			chain := 0
			for n := last; n.kind == nodeRepeat; n = n.sub {
				chain++
			}
			if chain >= maxNesting {
				return nil, p.errAt(start, "more than %d repetitions in a row", maxNesting)
			}
			seq[len(seq)-1] = &node{kind: nodeRepeat, pos: start, sub: last, min: lo, max: hi}
			p.space(nested)
			continue
		default:
			return seq, nil
		}
		seq = append(seq, item)
		p.space(nested)
	}
	return seq, nil
}

// where formats a byte offset as "line L, column C".
func (p *parser) where(pos int) string {
	e := p.wrap(&posError{pos: pos}).(*SyntaxError)
	return fmt.Sprintf("line %d, column %d", e.Line, e.Col)
}

// repetition reads *, +, ? or {m}, {m,}, {m,n}; max is -1 for no bound.
func (p *parser) repetition() (lo, hi int, err error) {
	start := p.pos
	c := p.src[p.pos]
	p.pos++
	switch c {
	case '*':
		return 0, -1, nil
	case '+':
		return 1, -1, nil
	case '?':
		return 0, 1, nil
	}
	p.space(false)
	lo, ok := p.integer()
	if !ok {
		return 0, 0, p.errAt(p.pos, "expected a number after {, found %s", p.describe())
	}
	p.space(false)
	hi = lo
	if p.peek() == ',' {
		p.pos++
		p.space(false)
		hi = -1
		if n, ok := p.integer(); ok {
			hi = n
		}
		p.space(false)
	}
	if p.peek() != '}' {
		return 0, 0, p.errAt(p.pos, "expected } to close the repetition, found %s", p.describe())
	}
	p.pos++
	if lo > maxRepeat || hi > maxRepeat {
		return 0, 0, p.errAt(start, "repetition count larger than %d", maxRepeat)
	}
	if hi >= 0 && hi < lo {
		return 0, 0, p.errAt(start, "repetition {%d,%d} has its maximum below its minimum", lo, hi)
	}
	return lo, hi, nil
}

// integer reads decimal digits, saturating above maxRepeat.
func (p *parser) integer() (int, bool) {
	n, digits := 0, 0
	for !p.eof() && p.peek() >= '0' && p.peek() <= '9' {
		if n <= maxRepeat {
			n = n*10 + int(p.peek()-'0')
		}
		p.pos++
		digits++
	}
	return n, digits > 0
}

// char reads one character of a string or class, with its escapes.
func (p *parser) char() (rune, error) {
	start := p.pos
	if p.peek() != '\\' {
		r, size := utf8.DecodeRuneInString(p.src[p.pos:])
		if r == utf8.RuneError && size == 1 {
			return 0, p.errAt(start, "invalid UTF-8 in grammar")
		}
		p.pos += size
		return r, nil
	}
	p.pos++
	if p.eof() {
		return 0, p.errAt(start, "unterminated escape")
	}
	c := p.src[p.pos]
	p.pos++
	switch c {
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case '\\', '"', '[', ']', '-', '^', '/':
		return rune(c), nil
	case 'x':
		return p.hex(start, 2)
	case 'u':
		return p.hex(start, 4)
	case 'U':
		return p.hex(start, 8)
	}
	r, _ := utf8.DecodeRuneInString(p.src[p.pos-1:])
	return 0, p.errAt(start, "unknown escape \\%c", r)
}

func (p *parser) hex(start, n int) (rune, error) {
	var v uint64
	for i := 0; i < n; i++ {
		if p.eof() {
			return 0, p.errAt(start, "escape needs %d hex digits", n)
		}
		c := p.src[p.pos]
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, p.errAt(start, "escape needs %d hex digits", n)
		}
		v = v<<4 | uint64(d)
		p.pos++
	}
	if v > maxRune {
		return 0, p.errAt(start, "code point U+%X is beyond Unicode", v)
	}
	return rune(v), nil
}

// class reads [...] or [^...].
func (p *parser) class() (class, error) {
	start := p.pos
	p.pos++ // [
	negated := false
	if p.peek() == '^' {
		negated = true
		p.pos++
	}
	var rs []runeRange
	for {
		if p.eof() {
			return nil, p.errAt(start, "unterminated character class")
		}
		if p.peek() == ']' {
			p.pos++
			break
		}
		at := p.pos
		lo, err := p.char()
		if err != nil {
			return nil, err
		}
		hi := lo
		if p.pos+1 < len(p.src) && p.src[p.pos] == '-' && p.src[p.pos+1] != ']' {
			p.pos++
			if hi, err = p.char(); err != nil {
				return nil, err
			}
			if hi < lo {
				return nil, p.errAt(at, "character range %q-%q is reversed", lo, hi)
			}
		}
		rs = append(rs, runeRange{lo, hi})
	}
	return normalize(rs, negated), nil
}

// resolve links every reference to its rule.
func (p *parser) resolve() error {
	for _, ref := range p.refs {
		i, ok := p.index[ref.name]
		if !ok {
			return p.errAt(ref.pos, "undefined rule %q", ref.name)
		}
		ref.rule = i
	}
	return nil
}
