package tokenizer

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// wordPiece is BERT's tokenizer: normalize (lowercase, strip accents, drop control
// characters), split at white space and around punctuation and CJK characters, then
// cut each word greedily into the longest vocabulary pieces; a word that cannot be
// cut becomes UNK.
type wordPiece struct {
	t *tokenizer
	// llamaNFD reproduces llama.cpp, which replaces each character by the first
	// character of its canonical decomposition and keeps combining marks; HF
	// decomposes fully and drops the marks (category Mn).
	llamaNFD bool
}

func newWordPiece(t *tokenizer) (*wordPiece, error) {
	return &wordPiece{t: t, llamaNFD: t.v.WordPrefix != ""}, nil
}

// piece is the text a token contributes when decoding: words get a space before them,
// continuations do not.
func (w *wordPiece) piece(s string, ty TokenType) []byte {
	v := &w.t.v
	switch {
	case v.WordPrefix != "" && strings.HasPrefix(s, v.WordPrefix):
		return []byte(" " + s[len(v.WordPrefix):])
	case v.SubwordPrefix != "" && strings.HasPrefix(s, v.SubwordPrefix):
		return []byte(s[len(v.SubwordPrefix):])
	case v.WordPrefix != "" && ty == TypeNormal:
		return []byte(s) // GGUF: unprefixed normal tokens continue a word
	}
	return []byte(" " + s)
}

func isCJK(r rune) bool {
	return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF) ||
		(r >= 0x20000 && r <= 0x2A6DF) || (r >= 0x2A700 && r <= 0x2B73F) ||
		(r >= 0x2B740 && r <= 0x2B81F) || (r >= 0x2B820 && r <= 0x2CEAF) ||
		(r >= 0xF900 && r <= 0xFAFF) || (r >= 0x2F800 && r <= 0x2FA1F)
}

// isBertPunct is BERT's punctuation: Unicode P*, and every ASCII symbol.
func isBertPunct(r rune) bool {
	if r < 0x80 {
		return (r >= 33 && r <= 47) || (r >= 58 && r <= 64) || (r >= 91 && r <= 96) || (r >= 123 && r <= 126)
	}
	return unicode.IsPunct(r)
}

// words normalizes text and splits it into words.
func (w *wordPiece) words(text string) []string {
	v := &w.t.v
	var words []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			words = append(words, cur.String())
			cur.Reset()
		}
	}
	var buf []byte
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		i += n
		if r == 0 || r == utf8.RuneError {
			continue
		}
		if unicode.IsSpace(r) {
			flush()
			continue
		}
		if unicode.Is(unicode.C, r) {
			continue
		}
		// Normalize this character into zero or more characters.
		buf = buf[:0]
		if v.StripAccents {
			d := norm.NFD.PropertiesString(string(r)).Decomposition()
			if len(d) == 0 {
				buf = utf8.AppendRune(buf, r)
			} else if w.llamaNFD {
				first, _ := utf8.DecodeRune(norm.NFD.Bytes(d))
				buf = utf8.AppendRune(buf, first)
			} else {
				for _, c := range string(norm.NFD.Bytes(d)) {
					if !unicode.Is(unicode.Mn, c) {
						buf = utf8.AppendRune(buf, c)
					}
				}
			}
		} else {
			buf = utf8.AppendRune(buf, r)
		}
		if v.StripAccents && !w.llamaNFD && unicode.Is(unicode.Mn, r) {
			continue
		}
		for _, c := range string(buf) {
			if v.Lowercase {
				if w.llamaNFD {
					c = unicode.ToLower(c)
				} else {
					// HF lowercases whole strings (Rust's to_lowercase); one rune
					// at a time gives the same result outside Turkish dotted I.
					for _, lc := range strings.ToLower(string(c)) {
						w.addRune(&cur, lc, flush, &words)
					}
					continue
				}
			}
			w.addRune(&cur, c, flush, &words)
		}
	}
	flush()
	return words
}

func (w *wordPiece) addRune(cur *strings.Builder, c rune, flush func(), words *[]string) {
	if isBertPunct(c) || isCJK(c) {
		flush()
		*words = append(*words, string(c))
		return
	}
	cur.WriteRune(c)
}

func (w *wordPiece) encode(dst []int32, text string, afterSpecial bool, c *encodeCache) []int32 {
	v := &w.t.v
	for _, word := range w.words(text) {
		if v.MaxWordChars > 0 && utf8.RuneCountInString(word) > v.MaxWordChars {
			dst = appendUNK(dst, v.UNK, c)
			continue
		}
		n := len(dst)
		ok := true
		for start := 0; start < len(word); {
			prefix := v.SubwordPrefix
			if start == 0 {
				prefix = v.WordPrefix
			}
			end := len(word)
			if lim := start + w.t.maxTokenLen; end > lim {
				end = lim
				for end > start && !utf8.RuneStart(word[end]) {
					end--
				}
			}
			found := int32(-1)
			for end > start {
				if id, hit := w.t.tokenID[prefix+word[start:end]]; hit {
					found = id
					break
				}
				_, sz := utf8.DecodeLastRuneInString(word[start:end])
				end -= sz
			}
			if found < 0 {
				ok = false
				break
			}
			dst = append(dst, found)
			start = end
		}
		if !ok {
			dst = appendUNK(dst[:n], v.UNK, c)
		}
	}
	return dst
}

// appendUNK appends the unknown token, or notes the loss if there is none.
func appendUNK(dst []int32, unk int32, c *encodeCache) []int32 {
	if unk < 0 {
		c.lost = true
		return dst
	}
	return append(dst, unk)
}
