package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// spaceMark is SentencePiece's visible space, U+2581.
const spaceMark = "▁"

// spm is SentencePiece-style BPE: characters are merged pairwise, the pair whose
// merged text is the highest-scoring piece first; pieces that end up outside the
// vocabulary fall back to <0xAB> byte tokens (or UNK).
type spm struct {
	t          *tokenizer
	scores     []float32
	byteTok    [256]int32
	hasBytes   bool
	splitWords bool
}

func newSPM(t *tokenizer) (*spm, error) {
	s := &spm{t: t, scores: t.v.Scores}
	if s.scores == nil {
		return nil, fmt.Errorf("tokenizer: llama (SentencePiece) vocab has no scores")
	}
	for b := 0; b < 256; b++ {
		s.byteTok[b] = -1
		if id, ok := t.tokenID[fmt.Sprintf("<0x%02X>", b)]; ok {
			s.byteTok[b] = id
			s.hasBytes = true
		} else if id, ok := t.tokenID[string([]byte{byte(b)})]; ok && b < 0x80 {
			s.byteTok[b] = id
		}
	}
	// Words (a ▁ and what follows up to the next ▁ after other characters) can be
	// tokenized separately, and cached, if no piece glues a character to a following
	// ▁: then no merge can ever cross such a boundary.
	s.splitWords = true
	for _, tok := range t.v.Tokens {
		if k := strings.Index(tok, spaceMark); k >= 0 {
			rest := tok
			for {
				k = strings.Index(rest, spaceMark)
				if k < 0 {
					break
				}
				if k > 0 && !strings.HasSuffix(rest[:k], spaceMark) {
					s.splitWords = false
					break
				}
				rest = rest[k+len(spaceMark):]
			}
		}
		if !s.splitWords {
			break
		}
	}
	return s, nil
}

// normalize applies SentencePiece's whitespace handling to one fragment: optional
// removal of extra spaces, the dummy prefix, and spaces shown as ▁.
func (s *spm) normalize(text string, afterSpecial bool) []byte {
	v := &s.t.v
	if v.RemoveExtraSpaces {
		text = collapseSpaces(text)
	}
	out := make([]byte, 0, len(text)+len(text)/4+3)
	if text == "" {
		return out
	}
	if v.AddSpacePrefix && afterSpecial {
		out = append(out, spaceMark...)
	}
	for i := 0; i < len(text); i++ {
		if text[i] == ' ' {
			out = append(out, spaceMark...)
		} else {
			out = append(out, text[i])
		}
	}
	return out
}

// collapseSpaces drops leading and trailing spaces and squeezes runs of spaces to
// one, as SentencePiece's remove_extra_whitespaces does.
func collapseSpaces(text string) string {
	if !strings.Contains(text, " ") {
		return text
	}
	var b strings.Builder
	prevSpace := true
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c == ' ' {
			if prevSpace {
				continue
			}
			prevSpace = true
		} else {
			prevSpace = false
		}
		b.WriteByte(c)
	}
	return strings.TrimRight(b.String(), " ")
}

func (s *spm) encode(dst []int32, text string, afterSpecial bool, c *encodeCache) []int32 {
	norm := s.normalize(text, afterSpecial)
	if !s.splitWords {
		return s.encodeWord(dst, norm, nil)
	}
	start := 0
	for i := 3; i+3 <= len(norm); i++ {
		if norm[i] == 0xE2 && norm[i+1] == 0x96 && norm[i+2] == 0x81 &&
			!(norm[i-3] == 0xE2 && norm[i-2] == 0x96 && norm[i-1] == 0x81) {
			dst = s.encodeCached(dst, norm[start:i], c)
			start = i
		}
	}
	return s.encodeCached(dst, norm[start:], c)
}

func (s *spm) encodeCached(dst []int32, word []byte, c *encodeCache) []int32 {
	if c == nil {
		return s.encodeWord(dst, word, nil)
	}
	if ids, ok := c.get(word); ok {
		return append(dst, ids...)
	}
	n := len(dst)
	dst = s.encodeWord(dst, word, c)
	c.put(word, dst[n:])
	return dst
}

// symbol is a piece of the text being merged, in a doubly linked list.
type symbol struct {
	start, end int32
	prev, next int32
}

// spmPair is a candidate merge of two neighbouring symbols.
type spmPair struct {
	left, right int32
	score       float32
	size        int32
}

// encodeWord runs the BPE merges over text and appends the resulting ids.
func (s *spm) encodeWord(dst []int32, text []byte, c *encodeCache) []int32 {
	if len(text) == 0 {
		return dst
	}
	var w *spmWork
	if c != nil {
		w = &c.spm
	} else {
		w = &spmWork{}
	}
	syms := w.syms[:0]
	for i := 0; i < len(text); {
		_, n := utf8.DecodeRune(text[i:])
		syms = append(syms, symbol{start: int32(i), end: int32(i + n), prev: int32(len(syms) - 1), next: int32(len(syms) + 1)})
		i += n
	}
	syms[len(syms)-1].next = -1
	h := w.heap[:0]
	for i := 1; i < len(syms); i++ {
		h = s.tryPair(h, text, syms, int32(i-1), int32(i))
	}
	for len(h) > 0 {
		var p spmPair
		p, h = heapPop(h, spmBefore)
		l, r := &syms[p.left], &syms[p.right]
		// Skip pairs whose symbols have changed since the pair was queued.
		if l.end == l.start || r.end == r.start || (l.end-l.start)+(r.end-r.start) != p.size || l.next != p.right {
			continue
		}
		l.end = r.end
		r.start, r.end = 0, 0
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = p.left
		}
		if l.prev >= 0 {
			h = s.tryPair(h, text, syms, l.prev, p.left)
		}
		if l.next >= 0 {
			h = s.tryPair(h, text, syms, p.left, l.next)
		}
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		piece := text[syms[i].start:syms[i].end]
		if id, ok := s.t.tokenID[string(piece)]; ok {
			dst = append(dst, id)
			continue
		}
		dst = s.fallback(dst, piece, w)
	}
	w.syms, w.heap = syms, h
	return dst
}

// fallback spells a piece that is not in the vocabulary as byte tokens, or UNK when
// the vocabulary has none.
func (s *spm) fallback(dst []int32, piece []byte, w *spmWork) []int32 {
	unk := s.t.v.UNK
	if !s.hasBytes {
		if unk < 0 {
			w.lost = true
			return dst
		}
		return append(dst, unk)
	}
	for _, b := range piece {
		switch {
		case s.byteTok[b] >= 0:
			dst = append(dst, s.byteTok[b])
		case unk >= 0:
			dst = append(dst, unk)
		default:
			w.lost = true
		}
	}
	return dst
}

func (s *spm) tryPair(h []spmPair, text []byte, syms []symbol, left, right int32) []spmPair {
	piece := text[syms[left].start:syms[right].end]
	id, ok := s.t.tokenID[string(piece)]
	if !ok {
		return h
	}
	return heapPush(h, spmPair{left: left, right: right, score: s.scores[id], size: int32(len(piece))}, spmBefore)
}

// spmBefore orders the queue: higher score first, then the leftmost pair.
func spmBefore(a, b *spmPair) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.left < b.left
}

// spmWork is scratch space reused across the words of one Encode call.
type spmWork struct {
	syms []symbol
	heap []spmPair
	lost bool // a byte had no token at all
}
