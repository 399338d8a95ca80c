package grammar

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Helpers that write GBNF source text, shared by the JSON Schema and
// regular-expression converters.

// literal writes s as a GBNF string.
func literal(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7F:
			fmt.Fprintf(&b, `\x%02X`, r)
		case r == utf8.RuneError || r >= 0xD800 && r <= 0xDFFF:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// classChar writes one code point for use inside [...].
func classChar(r rune) string {
	switch {
	case r == ']' || r == '[' || r == '\\' || r == '-' || r == '^':
		return `\` + string(r)
	case r == '\n':
		return `\n`
	case r == '\r':
		return `\r`
	case r == '\t':
		return `\t`
	case r < 0x20 || r == 0x7F:
		return fmt.Sprintf(`\x%02X`, r)
	case r > 0xFFFF && !unicode.IsPrint(r):
		return fmt.Sprintf(`\U%08X`, r)
	case r >= 0x80 && !unicode.IsPrint(r), r == utf8.RuneError:
		return fmt.Sprintf(`\u%04X`, r)
	}
	return string(r)
}

// classText writes ranges as a GBNF class.
func classText(k class) string {
	var b strings.Builder
	b.WriteByte('[')
	for _, r := range k {
		b.WriteString(classChar(r.lo))
		if r.hi > r.lo {
			if r.hi > r.lo+1 {
				b.WriteByte('-')
			}
			b.WriteString(classChar(r.hi))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// rulesText writes root first and the other rules sorted by name, one per
// line.
func rulesText(rules map[string]string) string {
	var names []string
	for n := range rules {
		if n != "root" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	if body, ok := rules["root"]; ok {
		fmt.Fprintf(&b, "root ::= %s\n", body)
	}
	for _, n := range names {
		fmt.Fprintf(&b, "%s ::= %s\n", n, rules[n])
	}
	return b.String()
}
