package tokenizer

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// Pre-tokenization cuts text into words before BPE, with the regular expressions the
// models were trained with. The common GPT-2 and Llama-3 style patterns need
// look-ahead (\s+(?!\S)), which Go's regexp lacks, so they run as hand-written
// splitters; look-ahead-free patterns use Go's regexp (with \s widened to Unicode
// white space, as in the reference engines), and anything else regexp2.

// Well-known patterns, in llama.cpp's and in tokenizer.json's spelling.
const (
	patGPT2       = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`
	patGPT2HF     = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	patLlama3     = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patLlama3HF   = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patQwen2      = `(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patQwen2HF    = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patDeepseekLL = `\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\x{1F7D}ᾀ-ᾴᾶ-ᾼ\x{1FBE}ῂ-ῄῆ-ῌῐ-\x{1FD3}ῖ-\x{1FDB}ῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\x{2126}ℨ\x{212A}-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+`
	patCJK        = `[一-龥ࠀ-一가-퟿]+`
	patBloom      = ` ?[^(\s|.,!?…。，、।۔،)]+`
	patGPT4o      = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patTekken     = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	patDeepseekV3 = `[!"#$%&'()*+,\-./:;<=>?@\[\\\]^_` + "`" + `{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// preTokenizerRegexes maps GGUF tokenizer.ggml.pre names to the expressions llama.cpp
// applies, in order.
var preTokenizerRegexes = map[string][]string{
	"default":          {`[\p{P}\$\+<=>\^~\|]+`, patGPT2, `\p{N}+`, `[0-9][0-9][0-9]`},
	"llama3":           {patLlama3},
	"llama-v3":         {patLlama3},
	"llama-bpe":        {patLlama3},
	"falcon3":          {patLlama3},
	"dbrx":             {patLlama3},
	"smaug-bpe":        {patLlama3},
	"chatglm-bpe":      {patLlama3},
	"deepseek-llm":     {"[\r\n]", patDeepseekLL, `\s?[!-/:-~！-／：-～‘-‟　-。]+`, `\s+$`, patCJK, `\p{N}+`},
	"deepseek-v3":      {`\p{N}{1,3}`, `[一-龥぀-ゟ゠-ヿ]+`, patDeepseekV3},
	"deepseek-coder":   {"[\r\n]", `\s?\p{L}+`, `\s?\p{P}+`, patCJK, `\p{N}`},
	"falcon":           {`[\p{P}\$\+<=>\^~\|` + "`" + `]+`, patGPT2, `[0-9][0-9][0-9]`},
	"starcoder":        {`\p{N}`, patGPT2},
	"refact":           {`\p{N}`, patGPT2},
	"command-r":        {`\p{N}`, patGPT2},
	"smollm":           {`\p{N}`, patGPT2},
	"codeshell":        {`\p{N}`, patGPT2},
	"exaone":           {`\p{N}`, patGPT2},
	"minerva-7b":       {`\p{N}`, patGPT2},
	"gpt-2":            {patGPT2},
	"phi-2":            {patGPT2},
	"roberta-bpe":      {patGPT2},
	"mpt":              {patGPT2},
	"olmo":             {patGPT2},
	"jais":             {patGPT2},
	"trillion":         {patGPT2},
	"qwen2":            {patQwen2},
	"deepseek-r1-qwen": {patQwen2},
	"megrez":           {patQwen2},
	"stablelm2":        {patQwen2},
	"poro-chat":        {patBloom},
	"bloom":            {patBloom},
	"gpt3-finnish":     {patBloom},
	"viking":           {patBloom, `\p{N}`},
	"tekken":           {patTekken},
	"gpt-4o":           {patGPT4o},
}

// span is a piece [start, end) of a string.
type textSpan struct{ start, end int }

// splitStage cuts s into pieces, appending them in order. Parts of s in no piece are
// dropped (HF's Removed behaviour); the hand-written stages cover all of s.
type splitStage interface {
	split(s string, dst []textSpan) []textSpan
}

// preTokenizer applies its stages one after the other, each to every piece the
// previous stage produced.
type preTokenizer struct {
	stages []splitStage
}

// newPreTokenizer compiles the expressions of a named pre-tokenizer, or the explicit
// rules when not nil.
func newPreTokenizer(name string, rules []SplitRule) (*preTokenizer, error) {
	if rules == nil {
		if name == "" {
			name = "default"
		}
		regexes, ok := preTokenizerRegexes[name]
		if !ok {
			return nil, fmt.Errorf("tokenizer: unknown pre-tokenizer %q", name)
		}
		for _, re := range regexes {
			rules = append(rules, SplitRule{Pattern: re})
		}
	}
	p := &preTokenizer{}
	for _, r := range rules {
		b := r.Behavior
		if b == "" {
			b = "isolated"
		}
		st, err := compileSplit(r.Pattern, b, r.Invert)
		if err != nil {
			return nil, err
		}
		p.stages = append(p.stages, st)
	}
	return p, nil
}

// usesIgnoreMerges lists the pre-tokenizers for which llama.cpp emits a word that is
// itself a token without running merges (Llama-3's tokenizer.json says ignore_merges).
func usesIgnoreMerges(pre string) bool {
	switch pre {
	case "llama3", "llama-v3", "llama-bpe", "falcon3":
		return true
	}
	return false
}

// split appends the words of text to dst.
func (p *preTokenizer) split(text string, dst, scratch []textSpan) ([]textSpan, []textSpan) {
	if len(p.stages) == 0 {
		return append(dst, textSpan{0, len(text)}), scratch
	}
	start := len(dst)
	dst = p.stages[0].split(text, dst)
	for _, st := range p.stages[1:] {
		scratch = append(scratch[:0], dst[start:]...)
		dst = dst[:start]
		for _, sp := range scratch {
			n := len(dst)
			dst = st.split(text[sp.start:sp.end], dst)
			for i := n; i < len(dst); i++ {
				dst[i].start += sp.start
				dst[i].end += sp.start
			}
		}
	}
	return dst, scratch
}

// compileSplit builds the stage for one expression with an HF split behaviour
// ("isolated", "removed", "merged_with_previous", "merged_with_next", "contiguous").
func compileSplit(pattern, behavior string, invert bool) (splitStage, error) {
	if behavior == "isolated" && !invert {
		switch pattern {
		case patGPT2, patGPT2HF:
			return gpt2Split{}, nil
		case patLlama3, patLlama3HF:
			return llama3Split{maxDigits: 3}, nil
		case patQwen2, patQwen2HF:
			return llama3Split{maxDigits: 1}, nil
		}
	}
	return compileRegexSplit(pattern, behavior, invert)
}

// compileRegexSplit builds a stage that runs pattern with a regex engine: Go's when
// it can, regexp2 otherwise.
func compileRegexSplit(pattern, behavior string, invert bool) (splitStage, error) {
	var m matcher
	if goPat, ok := toGoRegexp(pattern); ok {
		re, err := regexp.Compile(goPat)
		if err == nil {
			m = goMatcher{re}
		}
	}
	if m == nil {
		re, err := regexp2.Compile(pattern, regexp2.Unicode)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: pre-tokenizer regex %q: %v", pattern, err)
		}
		m = regexp2Matcher{re}
	}
	switch behavior {
	case "isolated", "removed", "merged_with_previous", "merged_with_next", "contiguous":
	default:
		return nil, fmt.Errorf("tokenizer: split behaviour %q not supported", behavior)
	}
	return regexSplit{m: m, behavior: behavior, invert: invert}, nil
}

// White space as the reference engines see \s: Unicode White_Space.
const wsClass = `\t\n\v\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`

// toGoRegexp rewrites a pattern for Go's regexp, or reports that it needs features
// Go lacks (look-around, back references, possessive quantifiers).
func toGoRegexp(p string) (string, bool) {
	if strings.Contains(p, "(?=") || strings.Contains(p, "(?!") || strings.Contains(p, "(?<") ||
		strings.Contains(p, "++") || strings.Contains(p, "?+") || strings.Contains(p, "*+") {
		return "", false
	}
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p):
			n := p[i+1]
			i++
			switch {
			case n == 's' && inClass:
				b.WriteString(wsClass)
			case n == 's':
				b.WriteString("[" + wsClass + "]")
			case n == 'S' && inClass:
				return "", false
			case n == 'S':
				b.WriteString("[^" + wsClass + "]")
			case n >= '1' && n <= '9':
				return "", false // back reference
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is a literal.
			if i+1 < len(p) && p[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(p) && p[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case c == ']' && inClass:
			inClass = false
			b.WriteByte(c)
		case c == '[' && inClass:
			b.WriteString(`\[`)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), true
}

// matcher finds the matches of one expression in a string, as byte offsets.
type matcher interface {
	matches(s string) [][2]int
}

type goMatcher struct{ re *regexp.Regexp }

func (m goMatcher) matches(s string) [][2]int {
	idx := m.re.FindAllStringIndex(s, -1)
	out := make([][2]int, len(idx))
	for i, x := range idx {
		out[i] = [2]int{x[0], x[1]}
	}
	return out
}

type regexp2Matcher struct{ re *regexp2.Regexp }

func (m regexp2Matcher) matches(s string) [][2]int {
	// regexp2 works on runes; map rune offsets back to bytes.
	runes := []rune(s)
	byteAt := make([]int, len(runes)+1)
	off := 0
	for i := range runes {
		byteAt[i] = off
		off += runeLenAt(s, off)
	}
	byteAt[len(runes)] = len(s)
	var out [][2]int
	mt, err := m.re.FindRunesMatch(runes)
	for err == nil && mt != nil {
		if mt.Length > 0 {
			out = append(out, [2]int{byteAt[mt.Index], byteAt[mt.Index+mt.Length]})
		}
		mt, err = m.re.FindNextMatch(mt)
	}
	return out
}

// runeLenAt is the length of the rune at s[i:], 1 for an invalid byte (which []rune
// turns into one U+FFFD).
func runeLenAt(s string, i int) int {
	_, n := utf8.DecodeRuneInString(s[i:])
	return n
}

// regexSplit is an HF Split pre-tokenizer (or one llama.cpp expression, isolated).
type regexSplit struct {
	m        matcher
	behavior string
	invert   bool
}

func (r regexSplit) split(s string, dst []textSpan) []textSpan {
	type part struct {
		sp    textSpan
		match bool
	}
	var parts []part
	prev := 0
	for _, m := range r.m.matches(s) {
		if m[1] == m[0] {
			continue
		}
		if m[0] > prev {
			parts = append(parts, part{textSpan{prev, m[0]}, r.invert})
		}
		parts = append(parts, part{textSpan{m[0], m[1]}, !r.invert})
		prev = m[1]
	}
	if prev < len(s) {
		parts = append(parts, part{textSpan{prev, len(s)}, r.invert})
	}
	switch r.behavior {
	case "isolated":
		for _, p := range parts {
			dst = append(dst, p.sp)
		}
	case "removed":
		for _, p := range parts {
			if !p.match {
				dst = append(dst, p.sp)
			}
		}
	case "merged_with_previous":
		for i, p := range parts {
			if p.match && i > 0 && !parts[i-1].match {
				dst[len(dst)-1].end = p.sp.end
			} else {
				dst = append(dst, p.sp)
			}
		}
	case "merged_with_next":
		for i := 0; i < len(parts); i++ {
			p := parts[i]
			if p.match && i+1 < len(parts) && !parts[i+1].match {
				dst = append(dst, textSpan{p.sp.start, parts[i+1].sp.end})
				i++
			} else {
				dst = append(dst, p.sp)
			}
		}
	case "contiguous":
		for i, p := range parts {
			if p.match && i > 0 && parts[i-1].match {
				dst[len(dst)-1].end = p.sp.end
			} else {
				dst = append(dst, p.sp)
			}
		}
	}
	return dst
}

// Character classes the splitters test.
const (
	clsLetter = 1 << iota
	clsNumber
	clsSpace
)

var asciiClass [128]uint8

func init() {
	for c := 0; c < 128; c++ {
		asciiClass[c] = classOfSlow(rune(c))
	}
}

func classOfSlow(r rune) uint8 {
	switch {
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsNumber
	case unicode.IsSpace(r):
		return clsSpace
	}
	return 0
}

// runeAt decodes the rune at s[i:] and its class. An invalid byte counts as one
// character of no class (neither letter, number nor space).
func runeAt(s string, i int) (rune, int, uint8) {
	c := s[i]
	if c < utf8.RuneSelf {
		return rune(c), 1, asciiClass[c]
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	if r == utf8.RuneError && n == 1 {
		return -1, 1, 0
	}
	return r, n, classOfSlow(r)
}

// contraction reports the length of an English contraction ('s 't 're 've 'm 'll 'd)
// at s[i:], which starts with an apostrophe.
func contraction(s string, i int, anyCase bool) int {
	if i+1 >= len(s) {
		return 0
	}
	lower := func(c byte) byte {
		if anyCase && c >= 'A' && c <= 'Z' {
			return c + 32
		}
		return c
	}
	switch lower(s[i+1]) {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v':
		if i+2 < len(s) && lower(s[i+2]) == 'e' {
			return 3
		}
	case 'l':
		if i+2 < len(s) && lower(s[i+2]) == 'l' {
			return 3
		}
	}
	return 0
}

// spaceRun returns the end of the white-space run starting at i, and the start of its
// last character.
func spaceRun(s string, i int) (end, last int) {
	end, last = i, i
	for end < len(s) {
		_, n, c := runeAt(s, end)
		if c != clsSpace {
			break
		}
		last = end
		end += n
	}
	return end, last
}

// gpt2Split is 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+.
type gpt2Split struct{}

func (gpt2Split) split(s string, dst []textSpan) []textSpan {
	for i := 0; i < len(s); {
		start := i
		r, n, c := runeAt(s, i)
		if r == '\'' {
			if k := contraction(s, i, false); k > 0 {
				dst = append(dst, textSpan{i, i + k})
				i += k
				continue
			}
		}
		if r == ' ' && i+n < len(s) {
			if _, n2, c2 := runeAt(s, i+n); c2 != clsSpace {
				i += n
				n, c = n2, c2
			}
		}
		if c != clsSpace {
			// A run of letters, of numbers, or of anything else but white space.
			i += n
			for i < len(s) {
				_, n2, c2 := runeAt(s, i)
				if c2 != c || (c == 0 && c2 == clsSpace) {
					break
				}
				i += n2
			}
			dst = append(dst, textSpan{start, i})
			continue
		}
		end, last := spaceRun(s, i)
		if end < len(s) && last > i {
			end = last // leave the last space to prefix the next word
		}
		dst = append(dst, textSpan{start, end})
		i = end
	}
	return dst
}

// llama3Split is the Llama-3 pattern (maxDigits 3) or Qwen2's (maxDigits 1):
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
type llama3Split struct{ maxDigits int }

func (l llama3Split) split(s string, dst []textSpan) []textSpan {
	for i := 0; i < len(s); {
		start := i
		r, n, c := runeAt(s, i)
		if r == '\'' {
			if k := contraction(s, i, true); k > 0 {
				dst = append(dst, textSpan{i, i + k})
				i += k
				continue
			}
		}
		// [^\r\n\p{L}\p{N}]?\p{L}+
		j := i
		if c != clsLetter && c != clsNumber && r != '\r' && r != '\n' && i+n < len(s) {
			if _, _, c2 := runeAt(s, i+n); c2 == clsLetter {
				j = i + n
			}
		}
		if c == clsLetter || j > i {
			i = j
			for i < len(s) {
				_, n2, c2 := runeAt(s, i)
				if c2 != clsLetter {
					break
				}
				i += n2
			}
			dst = append(dst, textSpan{start, i})
			continue
		}
		// \p{N}{1,maxDigits}
		if c == clsNumber {
			for k := 0; k < l.maxDigits && i < len(s); k++ {
				_, n2, c2 := runeAt(s, i)
				if c2 != clsNumber {
					break
				}
				i += n2
			}
			dst = append(dst, textSpan{start, i})
			continue
		}
		// ' ?[^\s\p{L}\p{N}]+[\r\n]*'
		j = i
		if r == ' ' && i+n < len(s) {
			if _, _, c2 := runeAt(s, i+n); c2 == 0 {
				j = i + n
			}
		}
		if c == 0 || j > i {
			i = j
			for i < len(s) {
				_, n2, c2 := runeAt(s, i)
				if c2 != 0 {
					break
				}
				i += n2
			}
			for i < len(s) && (s[i] == '\r' || s[i] == '\n') {
				i++
			}
			dst = append(dst, textSpan{start, i})
			continue
		}
		// White space: \s*[\r\n]+ | \s+(?!\S) | \s+
		end, last := spaceRun(s, i)
		lastNL := -1
		for k := i; k < end; k++ {
			if s[k] == '\r' || s[k] == '\n' {
				lastNL = k
			}
		}
		switch {
		case lastNL >= 0:
			end = lastNL + 1
		case end < len(s) && last > i:
			end = last
		}
		dst = append(dst, textSpan{start, end})
		i = end
	}
	return dst
}
