package chat

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tData
	tVarBegin
	tVarEnd
	tBlockBegin
	tBlockEnd
	tName
	tString
	tInt
	tFloat
	tOp
)

type token struct {
	kind tokKind
	val  string // text, name, operator or decoded string literal
	num  any    // int64 or float64 for number literals
	line int
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of template"
	case tVarEnd:
		return "end of print statement"
	case tBlockEnd:
		return "end of statement block"
	case tVarBegin:
		return "begin of print statement"
	case tBlockBegin:
		return "begin of statement block"
	case tData:
		return "template data"
	case tString:
		return "string"
	case tInt:
		return "integer"
	case tFloat:
		return "float"
	}
	return t.val
}

// lexer splits template source the way jinja2's lexer does with HF's
// options: trim_blocks (drop the first newline after a block or comment tag)
// and lstrip_blocks (drop spaces and tabs before a block or comment tag that
// starts a line), plus the "-" and "+" markers on tags.
type lexer struct {
	src  string
	pos  int
	toks []token
	// lineStarting is true when the text consumed last ended with a newline;
	// jinja2 uses it to decide whether a tag at the very start of the text
	// that follows begins a line.
	lineStarting bool
}

// normalizeSource applies jinja2's preprocessing: every \r\n, \r and \n is a
// newline, and one trailing newline is dropped (keep_trailing_newline=False).
func normalizeSource(src string) string {
	if strings.ContainsRune(src, '\r') {
		src = strings.ReplaceAll(src, "\r\n", "\n")
		src = strings.ReplaceAll(src, "\r", "\n")
	}
	return strings.TrimSuffix(src, "\n")
}

func lex(src string) ([]token, error) {
	l := &lexer{src: normalizeSource(src), lineStarting: true}
	if err := l.run(); err != nil {
		return nil, err
	}
	l.toks = append(l.toks, token{kind: tEOF, line: l.line(len(l.src))})
	return l.toks, nil
}

func (l *lexer) line(pos int) int { return 1 + strings.Count(l.src[:pos], "\n") }

func (l *lexer) fail(pos int, format string, args ...any) error {
	return &Error{Kind: "TemplateSyntaxError", Line: l.line(min(pos, len(l.src))), Message: fmt.Sprintf(format, args...)}
}

func (l *lexer) emitData(text string, at int) {
	if text != "" {
		l.toks = append(l.toks, token{kind: tData, val: text, line: l.line(at)})
	}
}

// nextTag finds the next "{{", "{%" or "{#" at or after pos.
func (l *lexer) nextTag(pos int) int {
	for {
		i := strings.IndexByte(l.src[pos:], '{')
		if i < 0 || pos+i+1 >= len(l.src) {
			return -1
		}
		switch l.src[pos+i+1] {
		case '{', '%', '#':
			return pos + i
		}
		pos += i + 1
	}
}

// stripBefore applies the whitespace control of a tag to the text before it.
func (l *lexer) stripBefore(text string, sign byte, isVariable bool) string {
	if sign == '-' {
		return strings.TrimRightFunc(text, pyIsSpace)
	}
	if sign == '+' || isVariable {
		return text
	}
	lpos := strings.LastIndexByte(text, '\n') + 1
	if lpos > 0 || l.lineStarting {
		rest := text[lpos:]
		if rest != "" && strings.TrimLeftFunc(rest, pyIsSpace) == "" {
			return text[:lpos]
		}
	}
	return text
}

func (l *lexer) run() error {
	src := l.src
	for l.pos < len(src) {
		start := l.nextTag(l.pos)
		if start < 0 {
			l.emitData(src[l.pos:], l.pos)
			return nil
		}
		text := src[l.pos:start]
		kind := src[start+1]
		if kind == '%' {
			if end, sign, ok := l.rawBegin(start); ok {
				l.emitData(l.stripBefore(text, sign, false), l.pos)
				l.lineStarting = src[end-1] == '\n'
				if err := l.raw(end); err != nil {
					return err
				}
				continue
			}
		}
		var sign byte
		after := start + 2
		if after < len(src) && (src[after] == '-' || src[after] == '+') {
			sign = src[after]
			after++
		}
		l.emitData(l.stripBefore(text, sign, kind == '{'), l.pos)
		l.lineStarting = false
		switch kind {
		case '#':
			if err := l.comment(after); err != nil {
				return err
			}
		case '{':
			l.toks = append(l.toks, token{kind: tVarBegin, line: l.line(start)})
			if err := l.tag(after, false); err != nil {
				return err
			}
		case '%':
			l.toks = append(l.toks, token{kind: tBlockBegin, line: l.line(start)})
			if err := l.tag(after, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// skipSpace returns the position after the whitespace starting at pos.
func (l *lexer) skipSpace(pos int) int {
	for pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[pos:])
		if !pyIsSpace(r) {
			break
		}
		pos += n
	}
	return pos
}

// closeTag consumes a block or comment end ("%}" or "#}") at pos with its
// marker, and returns the position after it and its trailing whitespace.
func (l *lexer) closeTag(pos int, sign byte, width int) int {
	end := pos + width
	switch sign {
	case '-':
		end = l.skipSpace(end)
	case '+':
	default:
		if end < len(l.src) && l.src[end] == '\n' { // trim_blocks
			end++
		}
	}
	return end
}

func (l *lexer) comment(pos int) error {
	j := strings.Index(l.src[pos:], "#}")
	if j < 0 {
		return l.fail(pos, "Missing end of comment tag")
	}
	at := pos + j
	var sign byte
	width := 2
	if at > pos && (l.src[at-1] == '-' || l.src[at-1] == '+') {
		sign = l.src[at-1]
		at--
		width = 3
	}
	l.pos = l.closeTag(at, sign, width)
	l.lineStarting = l.src[l.pos-1] == '\n'
	return nil
}

// rawBegin matches "{% raw %}" (with markers) at pos.
func (l *lexer) rawBegin(pos int) (end int, sign byte, ok bool) {
	p := pos + 2
	if p < len(l.src) && (l.src[p] == '-' || l.src[p] == '+') {
		sign = l.src[p]
		p++
	}
	p = l.skipSpace(p)
	if !strings.HasPrefix(l.src[p:], "raw") {
		return 0, 0, false
	}
	p = l.skipSpace(p + 3)
	switch {
	case strings.HasPrefix(l.src[p:], "-%}"):
		return l.skipSpace(p + 3), sign, true
	case strings.HasPrefix(l.src[p:], "%}"):
		return p + 2, sign, true
	}
	return 0, 0, false
}

// raw emits the text up to the matching "{% endraw %}" unchanged.
func (l *lexer) raw(pos int) error {
	for search := pos; ; {
		i := strings.Index(l.src[search:], "{%")
		if i < 0 {
			return l.fail(pos, "Missing end of raw directive")
		}
		at := search + i
		p := at + 2
		var sign byte
		if p < len(l.src) && (l.src[p] == '-' || l.src[p] == '+') {
			sign = l.src[p]
			p++
		}
		p = l.skipSpace(p)
		if !strings.HasPrefix(l.src[p:], "endraw") {
			search = at + 2
			continue
		}
		p = l.skipSpace(p + 6)
		var endSign byte
		width := 2
		switch {
		case strings.HasPrefix(l.src[p:], "+%}"), strings.HasPrefix(l.src[p:], "-%}"):
			endSign, width = l.src[p], 3
		case strings.HasPrefix(l.src[p:], "%}"):
		default:
			search = at + 2
			continue
		}
		l.emitData(l.stripBefore(l.src[pos:at], sign, false), pos)
		l.pos = l.closeTag(p, endSign, width)
		l.lineStarting = l.src[l.pos-1] == '\n'
		return nil
	}
}

// tag lexes the inside of a {{ }} or {% %} tag starting at pos.
func (l *lexer) tag(pos int, block bool) error {
	src := l.src
	var balance []byte
	for {
		if pos >= len(src) {
			l.pos = pos
			return nil // the parser reports the missing end
		}
		if len(balance) == 0 {
			if block {
				switch {
				case strings.HasPrefix(src[pos:], "+%}"), strings.HasPrefix(src[pos:], "-%}"):
					return l.endTag(pos, l.closeTag(pos, src[pos], 3), tBlockEnd)
				case strings.HasPrefix(src[pos:], "%}"):
					return l.endTag(pos, l.closeTag(pos, 0, 2), tBlockEnd)
				}
			} else {
				switch {
				case strings.HasPrefix(src[pos:], "-}}"):
					return l.endTag(pos, l.skipSpace(pos+3), tVarEnd)
				case strings.HasPrefix(src[pos:], "}}"):
					return l.endTag(pos, pos+2, tVarEnd)
				}
			}
		}
		if end := l.skipSpace(pos); end > pos {
			pos = end
			continue
		}
		tok, end, err := l.scanToken(pos)
		if err != nil {
			return err
		}
		if tok.kind == tOp {
			switch tok.val {
			case "{":
				balance = append(balance, '}')
			case "(":
				balance = append(balance, ')')
			case "[":
				balance = append(balance, ']')
			case "}", ")", "]":
				if len(balance) == 0 {
					return l.fail(pos, "unexpected %s", pyRepr(tok.val))
				}
				want := balance[len(balance)-1]
				balance = balance[:len(balance)-1]
				if tok.val[0] != want {
					return l.fail(pos, "unexpected %s, expected %s", pyRepr(tok.val), pyRepr(string(want)))
				}
			}
		}
		l.toks = append(l.toks, tok)
		pos = end
	}
}

func (l *lexer) endTag(at, end int, kind tokKind) error {
	l.toks = append(l.toks, token{kind: kind, line: l.line(at)})
	l.pos = end
	l.lineStarting = l.src[end-1] == '\n'
	return nil
}

var operators2 = []string{"//", "**", "==", "!=", ">=", "<="}

const operators1 = "+-/*%~[](){}><=.:|,;"

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// scanToken reads one name, number, string or operator at pos.
func (l *lexer) scanToken(pos int) (token, int, error) {
	src := l.src
	line := l.line(pos)
	c := src[pos]
	if isDigit(c) {
		if end, ok := l.scanFloat(pos); ok {
			text := strings.ReplaceAll(src[pos:end], "_", "")
			f, err := strconv.ParseFloat(text, 64)
			if err != nil && !isRangeErr(err) {
				return token{}, 0, l.fail(pos, "invalid float %q", text)
			}
			return token{kind: tFloat, num: f, val: text, line: line}, end, nil
		}
		end := l.scanInt(pos)
		text := strings.ReplaceAll(src[pos:end], "_", "")
		i, err := strconv.ParseInt(text, 0, 64)
		if err != nil {
			return token{}, 0, l.fail(pos, "integer literal %s out of range", text)
		}
		return token{kind: tInt, num: i, val: text, line: line}, end, nil
	}
	if r, n := utf8.DecodeRuneInString(src[pos:]); r == '_' || unicode.IsLetter(r) {
		end := pos + n
		for end < len(src) {
			r, n := utf8.DecodeRuneInString(src[end:])
			if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r) && !unicode.Is(unicode.Mc, r) && !unicode.Is(unicode.Nl, r) && !unicode.Is(unicode.Pc, r) {
				break
			}
			end += n
		}
		return token{kind: tName, val: src[pos:end], line: line}, end, nil
	}
	if c == '\'' || c == '"' {
		end := pos + 1
		for end < len(src) && src[end] != c {
			if src[end] == '\\' {
				end++
			}
			end++
		}
		if end < len(src) {
			s, err := unescapeString(src[pos+1 : end])
			if err != nil {
				return token{}, 0, l.fail(pos, "%v", err)
			}
			return token{kind: tString, val: s, line: line}, end + 1, nil
		}
	}
	for _, op := range operators2 {
		if strings.HasPrefix(src[pos:], op) {
			return token{kind: tOp, val: op, line: line}, pos + 2, nil
		}
	}
	if strings.IndexByte(operators1, c) >= 0 {
		return token{kind: tOp, val: src[pos : pos+1], line: line}, pos + 1, nil
	}
	r, _ := utf8.DecodeRuneInString(src[pos:])
	return token{}, 0, l.fail(pos, "unexpected char %s at %d", pyRepr(string(r)), pos)
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// digitRun matches (\d+_)*\d+ at pos and returns its end, or pos.
func (l *lexer) digitRun(pos int, isDigitFn func(byte) bool) int {
	src := l.src
	if pos >= len(src) || !isDigitFn(src[pos]) {
		return pos
	}
	end := pos
	for end < len(src) {
		if isDigitFn(src[end]) {
			end++
			continue
		}
		if src[end] == '_' && end+1 < len(src) && isDigitFn(src[end+1]) {
			end++
			continue
		}
		break
	}
	return end
}

// scanFloat matches jinja2's float literal: digits with a fraction, an
// exponent or both, not directly after a dot (so that x.0.1 is two lookups).
func (l *lexer) scanFloat(pos int) (int, bool) {
	src := l.src
	if pos > 0 && src[pos-1] == '.' {
		return 0, false
	}
	q := l.digitRun(pos, isDigit)
	hasFrac := false
	if q+1 < len(src) && src[q] == '.' && isDigit(src[q+1]) {
		q = l.digitRun(q+1, isDigit)
		hasFrac = true
	}
	if q < len(src) && (src[q] == 'e' || src[q] == 'E') {
		r := q + 1
		if r < len(src) && (src[r] == '+' || src[r] == '-') {
			r++
		}
		if r < len(src) && isDigit(src[r]) {
			return l.digitRun(r, isDigit), true
		}
	}
	return q, hasFrac
}

// scanInt matches jinja2's integer literal (binary, octal, hex or decimal,
// with single underscores between digits).
func (l *lexer) scanInt(pos int) int {
	src := l.src
	if src[pos] == '0' && pos+1 < len(src) {
		var ok func(byte) bool
		switch src[pos+1] {
		case 'b', 'B':
			ok = func(c byte) bool { return c == '0' || c == '1' }
		case 'o', 'O':
			ok = func(c byte) bool { return c >= '0' && c <= '7' }
		case 'x', 'X':
			ok = func(c byte) bool {
				return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
			}
		}
		if ok != nil {
			// (_?digit)+ after the prefix
			end := pos + 2
			for end < len(src) {
				if ok(src[end]) {
					end++
				} else if src[end] == '_' && end+1 < len(src) && ok(src[end+1]) {
					end += 2
				} else {
					break
				}
			}
			if end > pos+2 {
				return end
			}
		}
	}
	if src[pos] == '0' {
		// 0(_?0)*
		end := pos + 1
		for end < len(src) {
			if src[end] == '0' {
				end++
			} else if src[end] == '_' && end+1 < len(src) && src[end+1] == '0' {
				end += 2
			} else {
				break
			}
		}
		return end
	}
	return l.digitRun(pos, isDigit)
}

// unescapeString decodes a string literal body as jinja2 does: Python's
// unicode-escape applied after non-ASCII characters were backslash-escaped.
func unescapeString(s string) (string, error) {
	if !strings.ContainsRune(s, '\\') {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(s) {
			return "", fmt.Errorf("\\ at end of string")
		}
		i++
		c = s[i]
		switch c {
		case '\n':
			i++
		case '\\', '\'', '"':
			b.WriteByte(c)
			i++
		case 'a':
			b.WriteByte('\a')
			i++
		case 'b':
			b.WriteByte('\b')
			i++
		case 'f':
			b.WriteByte('\f')
			i++
		case 'n':
			b.WriteByte('\n')
			i++
		case 'r':
			b.WriteByte('\r')
			i++
		case 't':
			b.WriteByte('\t')
			i++
		case 'v':
			b.WriteByte('\v')
			i++
		case '0', '1', '2', '3', '4', '5', '6', '7':
			v, n := 0, 0
			for n < 3 && i < len(s) && s[i] >= '0' && s[i] <= '7' {
				v = v*8 + int(s[i]-'0')
				i++
				n++
			}
			b.WriteRune(rune(v))
		case 'x', 'u', 'U':
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[c]
			if i+1+width > len(s) {
				return "", fmt.Errorf("truncated \\%cXX escape", c)
			}
			v, err := strconv.ParseUint(s[i+1:i+1+width], 16, 32)
			if err != nil || strings.ContainsAny(s[i+1:i+1+width], "+-_") {
				return "", fmt.Errorf("truncated \\%cXX escape", c)
			}
			if v > unicode.MaxRune {
				return "", fmt.Errorf("illegal Unicode character")
			}
			b.WriteRune(rune(v)) // lone surrogates become U+FFFD
			i += 1 + width
		case 'N':
			return "", fmt.Errorf("\\N{...} escapes are not supported")
		default:
			// Unknown escapes stay as written. A non-ASCII character after
			// the backslash was turned into its own escape first, so the
			// backslash pairs with that escape's backslash and the escape
			// text comes out literally.
			if c >= utf8.RuneSelf {
				r, n := utf8.DecodeRuneInString(s[i:])
				switch {
				case r < 0x100:
					fmt.Fprintf(&b, `\x%02x`, r)
				case r < 0x10000:
					fmt.Fprintf(&b, `\u%04x`, r)
				default:
					fmt.Fprintf(&b, `\U%08x`, r)
				}
				i += n
			} else {
				b.WriteByte('\\')
				b.WriteByte(c)
				i++
			}
		}
	}
	return b.String(), nil
}

// pyIsSpace is Python's str.isspace for one character (also what \s matches
// in jinja2's lexer).
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f)
}
