package grammar

import (
	"errors"
	"fmt"
	"strings"
)

// pattern converts a JSON Schema "pattern" (an ECMAScript regular
// expression) to a GBNF expression for the inside of a JSON string. The
// regular expression matches the decoded string, so each character it
// allows is generated in its JSON encoding (" as \", newline as \n, ...).
//
// Supported: literals and escapes, ., classes with ranges and negation,
// \d \w \s \D \W \S, groups ( ), (?: ), (?<name> ), alternation, and the
// quantifiers * + ? {m} {m,} {m,n} (lazy forms match the same strings). ^
// and $ may only begin and end the pattern; without them the match may
// start or end anywhere in the string, as JSON Schema says.
// Backreferences, lookaround and \b are errors.
func (c *converter) pattern(pat, name string) (string, error) {
	rs := []rune(pat)
	anchoredStart, anchoredEnd := false, false
	if len(rs) > 0 && rs[0] == '^' {
		anchoredStart = true
		rs = rs[1:]
	}
	if n := len(rs); n > 0 && rs[n-1] == '$' {
		// An escaped \$ is a literal: count the backslashes before it.
		bs := 0
		for i := n - 2; i >= 0 && rs[i] == '\\'; i-- {
			bs++
		}
		if bs%2 == 0 {
			anchoredEnd = true
			rs = rs[:n-1]
		}
	}
	p := &rxParser{src: rs, c: c, name: name}
	expr, err := p.alternatives()
	if err != nil {
		return "", err
	}
	if p.i < len(p.src) {
		return "", p.errorf("unbalanced )")
	}
	if !anchoredStart {
		expr = c.use("char") + "* " + expr
	}
	if !anchoredEnd {
		expr = expr + " " + c.use("char") + "*"
	}
	return expr, nil
}

type rxParser struct {
	src   []rune
	i     int
	c     *converter
	name  string
	depth int
}

func (p *rxParser) errorf(format string, args ...any) error {
	return fmt.Errorf("at character %d: %s", p.i+1, fmt.Sprintf(format, args...))
}

func (p *rxParser) more() bool { return p.i < len(p.src) }

func (p *rxParser) alternatives() (string, error) {
	var alts []string
	for {
		seq, err := p.sequence()
		if err != nil {
			return "", err
		}
		alts = append(alts, seq)
		if !p.more() || p.src[p.i] != '|' {
			break
		}
		p.i++
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	return "(" + strings.Join(alts, " | ") + ")", nil
}

func (p *rxParser) sequence() (string, error) {
	var items []string
	for p.more() && p.src[p.i] != '|' && p.src[p.i] != ')' {
		atom, err := p.atom()
		if err != nil {
			return "", err
		}
		if lo, hi, ok, err := p.quantifier(); err != nil {
			return "", err
		} else if ok {
			atom = repeat(atom, lo, hi)
		}
		items = append(items, atom)
	}
	if len(items) == 0 {
		return `""`, nil
	}
	return strings.Join(items, " "), nil
}

func (p *rxParser) atom() (string, error) {
	r := p.src[p.i]
	switch r {
	case '(':
		if p.depth >= maxNesting {
			return "", p.errorf("groups nested deeper than %d", maxNesting)
		}
		p.i++
		if p.peekString("?:") {
			p.i += 2
		} else if p.peekString("?<") && !p.peekString("?<=") && !p.peekString("?<!") || p.peekString("?P<") {
			for p.more() && p.src[p.i] != '>' {
				p.i++
			}
			p.i++
		} else if p.more() && p.src[p.i] == '?' {
			return "", p.errorf("lookaround and other (? groups are not supported")
		}
		p.depth++
		inner, err := p.alternatives()
		p.depth--
		if err != nil {
			return "", err
		}
		if !p.more() || p.src[p.i] != ')' {
			return "", p.errorf("missing )")
		}
		p.i++
		return "(" + inner + ")", nil
	case '[':
		k, err := p.class()
		if err != nil {
			return "", err
		}
		return p.encode(k), nil
	case '.':
		p.i++
		return p.encode(normalize([]runeRange{{'\n', '\n'}, {'\r', '\r'}, {0x2028, 0x2029}}, true)), nil
	case '\\':
		k, err := p.escape(false)
		if err != nil {
			return "", err
		}
		return p.encode(k), nil
	case '*', '+', '?':
		return "", p.errorf("%q has nothing to repeat", r)
	case '{':
		if _, _, n := p.peekQuantifier(); n > 0 {
			return "", p.errorf("{ has nothing to repeat")
		}
	case '^', '$':
		return "", p.errorf("%q is only supported at the start and end of the pattern", r)
	}
	p.i++
	return p.encode(class{{r, r}}), nil
}

func (p *rxParser) peekString(s string) bool {
	rs := []rune(s)
	if p.i+len(rs) > len(p.src) {
		return false
	}
	return string(p.src[p.i:p.i+len(rs)]) == s
}

// quantifier reads a quantifier after an atom, if any.
func (p *rxParser) quantifier() (lo, hi int, ok bool, err error) {
	if !p.more() {
		return 0, 0, false, nil
	}
	switch p.src[p.i] {
	case '*':
		lo, hi, ok = 0, -1, true
		p.i++
	case '+':
		lo, hi, ok = 1, -1, true
		p.i++
	case '?':
		lo, hi, ok = 0, 1, true
		p.i++
	case '{':
		var n int
		lo, hi, n = p.peekQuantifier()
		if n == 0 {
			return 0, 0, false, nil
		}
		ok = true
		p.i += n
		if lo > maxRepeat || hi > maxRepeat {
			return 0, 0, false, p.errorf("repetition count larger than %d", maxRepeat)
		}
		if hi >= 0 && hi < lo {
			return 0, 0, false, p.errorf("repetition {%d,%d} has its maximum below its minimum", lo, hi)
		}
	default:
		return 0, 0, false, nil
	}
	if p.more() && p.src[p.i] == '?' { // lazy: same strings
		p.i++
	}
	if p.more() {
		if _, _, n := p.peekQuantifier(); n > 0 || strings.ContainsRune("*+?", p.src[p.i]) {
			return 0, 0, false, p.errorf("%q has nothing to repeat", p.src[p.i])
		}
	}
	return lo, hi, ok, nil
}

func hexValue(h rune) rune {
	switch {
	case h >= '0' && h <= '9':
		return h - '0'
	case h >= 'a' && h <= 'f':
		return h - 'a' + 10
	case h >= 'A' && h <= 'F':
		return h - 'A' + 10
	}
	return -1
}

// peekQuantifier parses {m}, {m,} or {m,n} at the current position without
// moving, returning its length in runes (0 when it is not one).
func (p *rxParser) peekQuantifier() (lo, hi, n int) {
	j := p.i
	if j >= len(p.src) || p.src[j] != '{' {
		return 0, 0, 0
	}
	j++
	num := func() (int, bool) {
		v, digits := 0, 0
		for j < len(p.src) && p.src[j] >= '0' && p.src[j] <= '9' {
			if v <= maxRepeat {
				v = v*10 + int(p.src[j]-'0')
			}
			j++
			digits++
		}
		return v, digits > 0
	}
	lo, ok := num()
	if !ok {
		return 0, 0, 0
	}
	hi = lo
	if j < len(p.src) && p.src[j] == ',' {
		j++
		hi = -1
		if v, ok := num(); ok {
			hi = v
		}
	}
	if j >= len(p.src) || p.src[j] != '}' {
		return 0, 0, 0
	}
	return lo, hi, j + 1 - p.i
}

var (
	classDigit = class{{'0', '9'}}
	classWord  = normalize([]runeRange{{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}}, false)
	classSpace = normalize([]runeRange{{'\t', '\r'}, {' ', ' '}, {0xA0, 0xA0}, {0x1680, 0x1680},
		{0x2000, 0x200A}, {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000}, {0xFEFF, 0xFEFF}}, false)
)

var errShorthandRange = errors.New("a class shorthand cannot end a range")

// escape reads a backslash escape as a set of characters.
func (p *rxParser) escape(inClass bool) (class, error) {
	p.i++ // backslash
	if !p.more() {
		return nil, p.errorf("pattern ends with a backslash")
	}
	r := p.src[p.i]
	p.i++
	one := func(r rune) (class, error) { return class{{r, r}}, nil }
	switch r {
	case 'd':
		return classDigit, nil
	case 'D':
		return complement(classDigit), nil
	case 'w':
		return classWord, nil
	case 'W':
		return complement(classWord), nil
	case 's':
		return classSpace, nil
	case 'S':
		return complement(classSpace), nil
	case 'n':
		return one('\n')
	case 'r':
		return one('\r')
	case 't':
		return one('\t')
	case 'f':
		return one('\f')
	case 'v':
		return one('\v')
	case '0':
		return one(0)
	case 'b':
		if inClass {
			return one('\b')
		}
		return nil, p.errorf(`\b (word boundary) is not supported`)
	case 'B':
		return nil, p.errorf(`\B is not supported`)
	case 'x', 'u':
		n := 2
		if r == 'u' {
			n = 4
		}
		if p.i+n > len(p.src) {
			return nil, p.errorf(`\%c needs %d hex digits`, r, n)
		}
		v := rune(0)
		for _, h := range p.src[p.i : p.i+n] {
			d := hexValue(h)
			if d < 0 {
				return nil, p.errorf(`\%c needs %d hex digits`, r, n)
			}
			v = v<<4 | d
		}
		p.i += n
		return one(v)
	}
	if r >= '1' && r <= '9' {
		return nil, p.errorf("backreferences are not supported")
	}
	if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
		return nil, p.errorf(`unknown escape \%c`, r)
	}
	return one(r)
}

func complement(k class) class { return normalize(k, true) }

// class reads [...] or [^...].
func (p *rxParser) class() (class, error) {
	p.i++ // [
	negated := false
	if p.more() && p.src[p.i] == '^' {
		negated = true
		p.i++
	}
	var rs []runeRange
	for {
		if !p.more() {
			return nil, p.errorf("missing ]")
		}
		if p.src[p.i] == ']' {
			p.i++
			break
		}
		lo, set, err := p.classAtom()
		if err != nil {
			return nil, err
		}
		if set != nil {
			rs = append(rs, set...)
			continue
		}
		hi := lo
		if p.i+1 < len(p.src) && p.src[p.i] == '-' && p.src[p.i+1] != ']' {
			p.i++
			h, set, err := p.classAtom()
			if err != nil {
				return nil, err
			}
			if set != nil {
				return nil, p.errorf("%v", errShorthandRange)
			}
			if h < lo {
				return nil, p.errorf("range %q-%q is reversed", lo, h)
			}
			hi = h
		}
		rs = append(rs, runeRange{lo, hi})
	}
	return normalize(rs, negated), nil
}

// classAtom reads one class member: a character, or a shorthand set.
func (p *rxParser) classAtom() (rune, class, error) {
	if p.src[p.i] != '\\' {
		r := p.src[p.i]
		p.i++
		return r, nil, nil
	}
	k, err := p.escape(true)
	if err != nil {
		return 0, nil, err
	}
	if len(k) == 1 && k[0].lo == k[0].hi {
		return k[0].lo, nil, nil
	}
	return 0, k, nil
}

// encode is a GBNF item generating any character of k as it appears
// inside a JSON string: most as themselves, ", \ and control characters as
// escapes. Big alternations become a rule of their own.
func (p *rxParser) encode(k class) string {
	special := class{{0, 0x1F}, {'"', '"'}, {'\\', '\\'}, {0x7F, 0x7F}}
	var alts []string
	if raw := intersect(k, complement(special)); len(raw) == 1 && raw[0].lo == raw[0].hi {
		alts = append(alts, literal(string(raw[0].lo)))
	} else if len(raw) > 0 {
		alts = append(alts, classText(raw))
	}
	var ctl [2][]rune // \u000X and \u001X forms, by their last digit
	for _, r := range []rune{'"', '\\', '\b', '\f', '\n', '\r', '\t'} {
		if k.contains(r) {
			alts = append(alts, literal(jsonChar(r)))
		}
	}
	for r := rune(0); r < 0x20; r++ {
		if k.contains(r) && len(jsonChar(r)) == 6 {
			ctl[r>>4] = append(ctl[r>>4], r&0xF)
		}
	}
	for hi, digits := range ctl {
		if len(digits) == 0 {
			continue
		}
		var set []runeRange
		for _, d := range digits {
			set = append(set, runeRange{rune("0123456789abcdef"[d]), rune("0123456789abcdef"[d])})
		}
		alts = append(alts, literal(fmt.Sprintf(`\u00%d`, hi))+" "+classText(normalize(set, false)))
	}
	if k.contains(0x7F) {
		alts = append(alts, literal(`\u007f`))
	}
	switch len(alts) {
	case 0:
		return "[]" // nothing: the pattern cannot match here
	case 1:
		return alts[0]
	}
	return p.c.add(p.name+"-char", strings.Join(alts, " | "))
}

// intersect is the set of code points in both a and b.
func intersect(a, b class) class {
	var out class
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		lo, hi := max(a[i].lo, b[j].lo), min(a[i].hi, b[j].hi)
		if lo <= hi {
			out = append(out, runeRange{lo, hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}
