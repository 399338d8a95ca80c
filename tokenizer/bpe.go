package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// bpe is BPE with a ranked merge list (GPT-2 and descendants). In the byte-level
// form every byte of a word is first mapped to a printable character (GPT-2's
// bytes_to_unicode table), so any input is covered by the 256 byte tokens.
type bpe struct {
	t            *tokenizer
	byteLevel    bool
	ignoreMerges bool
	pre          *preTokenizer
	// merges maps a pair of token ids to its rank (high 32 bits) and merged token id.
	merges  map[uint64]uint64
	byteTok [256]int32 // byte-level: token of each byte; otherwise <0xAB> fallback
}

func pairKey(a, b int32) uint64 { return uint64(uint32(a))<<32 | uint64(uint32(b)) }

func newBPE(t *tokenizer) (*bpe, error) {
	v := &t.v
	b := &bpe{t: t, byteLevel: true, ignoreMerges: v.IgnoreMerges}
	var err error
	b.pre, err = newPreTokenizer(v.Pre, v.PreSplit)
	if err != nil {
		return nil, err
	}
	for c := 0; c < 256; c++ {
		b.byteTok[c] = -1
		if id, ok := t.tokenID[string(byteToRune[c])]; ok {
			b.byteTok[c] = id
		}
	}
	b.merges = make(map[uint64]uint64, len(v.Merges))
	for rank, m := range v.Merges {
		left, right, ok := strings.Cut(m, " ")
		if !ok {
			return nil, fmt.Errorf("tokenizer: merge %d %q is not two tokens", rank, m)
		}
		l, okl := t.tokenID[left]
		r, okr := t.tokenID[right]
		res, okm := t.tokenID[left+right]
		if !okl || !okr || !okm {
			continue // a merge that cannot produce a token never applies
		}
		k := pairKey(l, r)
		if _, dup := b.merges[k]; !dup {
			b.merges[k] = uint64(rank)<<32 | uint64(uint32(res))
		}
	}
	return b, nil
}

// byteToRune is GPT-2's bytes_to_unicode: printable Latin-1 bytes stand for
// themselves, the rest are moved to U+0100 onwards in byte order.
var byteToRune [256]rune
var runeToByte = map[rune]byte{}

func init() {
	next := rune(256)
	for c := 0; c < 256; c++ {
		if (c >= '!' && c <= '~') || (c >= 0xA1 && c <= 0xAC) || (c >= 0xAE && c <= 0xFF) {
			byteToRune[c] = rune(c)
		} else {
			byteToRune[c] = next
			next++
		}
		runeToByte[byteToRune[c]] = byte(c)
	}
}

// byteLevelDecode turns a byte-level token's text back into the bytes it stands for.
func byteLevelDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if b, ok := runeToByte[r]; ok {
			out = append(out, b)
		} else {
			out = utf8.AppendRune(out, r)
		}
	}
	return out
}

func (b *bpe) encode(dst []int32, text string, afterSpecial bool, c *encodeCache) []int32 {
	if b.t.v.AddSpacePrefix && !strings.HasPrefix(text, " ") {
		text = " " + text
	}
	w := &c.bpe
	w.words, w.scratch = b.pre.split(text, w.words[:0], w.scratch)
	words := w.words
	for _, sp := range words {
		word := text[sp.start:sp.end]
		if ids, ok := c.getString(word); ok {
			dst = append(dst, ids...)
			continue
		}
		n := len(dst)
		dst = b.encodeWord(dst, word, w)
		c.putString(word, dst[n:])
	}
	w.words = words
	return dst
}

type bpeSymbol struct {
	id         int32
	start, end int32
	prev, next int32
}

// bpePair is a queued merge of two neighbouring symbols, with the ids they had then.
type bpePair struct {
	left, right     int32
	rank            int32
	result          int32
	leftID, rightID int32
}

// bpeBefore orders the queue: lowest rank first, then the leftmost pair.
func bpeBefore(a, b *bpePair) bool {
	if a.rank != b.rank {
		return a.rank < b.rank
	}
	return a.left < b.left
}

// bpeWork is scratch space reused across words.
type bpeWork struct {
	words   []textSpan
	scratch []textSpan
	syms    []bpeSymbol
	heap    []bpePair
	enc     []byte
	lost    bool // a byte had no token at all
}

func (b *bpe) encodeWord(dst []int32, word string, w *bpeWork) []int32 {
	if len(word) == 0 {
		return dst
	}
	if b.ignoreMerges {
		if id, ok := b.t.tokenID[b.spelled(word, w)]; ok {
			return append(dst, id)
		}
	}
	syms := w.syms[:0]
	if b.byteLevel {
		for i := 0; i < len(word); i++ {
			syms = append(syms, bpeSymbol{id: b.byteTok[word[i]], start: int32(i), end: int32(i + 1), prev: int32(i - 1), next: int32(i + 1)})
		}
	} else {
		for i := 0; i < len(word); {
			_, n := utf8.DecodeRuneInString(word[i:])
			id, ok := b.t.tokenID[word[i:i+n]]
			if !ok {
				id = -1
			}
			syms = append(syms, bpeSymbol{id: id, start: int32(i), end: int32(i + n), prev: int32(len(syms) - 1), next: int32(len(syms) + 1)})
			i += n
		}
	}
	syms[len(syms)-1].next = -1
	if len(syms) == 1 {
		w.syms = syms
		return b.emit(dst, word, syms, w)
	}
	h := w.heap[:0]
	for i := 1; i < len(syms); i++ {
		h = b.tryPair(h, syms, int32(i-1), int32(i))
	}
	for len(h) > 0 {
		var p bpePair
		p, h = heapPop(h, bpeBefore)
		l, r := &syms[p.left], &syms[p.right]
		if l.id != p.leftID || r.id != p.rightID || l.next != p.right {
			continue // stale: one side has merged since the pair was queued
		}
		l.id = p.result
		l.end = r.end
		l.next = r.next
		r.id = -2 // dead
		if r.next >= 0 {
			syms[r.next].prev = p.left
		}
		if l.prev >= 0 {
			h = b.tryPair(h, syms, l.prev, p.left)
		}
		if l.next >= 0 {
			h = b.tryPair(h, syms, p.left, l.next)
		}
	}
	w.syms, w.heap = syms, h
	return b.emit(dst, word, syms, w)
}

func (b *bpe) emit(dst []int32, word string, syms []bpeSymbol, w *bpeWork) []int32 {
	for i := int32(0); i >= 0; i = syms[i].next {
		s := syms[i]
		if s.id >= 0 {
			dst = append(dst, s.id)
			continue
		}
		// Not in the vocabulary: byte fallback if the vocabulary has it, else UNK.
		for k := s.start; k < s.end; k++ {
			if id := b.fallbackByte(word[k]); id >= 0 {
				dst = append(dst, id)
			} else {
				w.lost = true
			}
		}
	}
	return dst
}

func (b *bpe) fallbackByte(c byte) int32 {
	if !b.byteLevel {
		if id, ok := b.t.tokenID[fmt.Sprintf("<0x%02X>", c)]; ok {
			return id
		}
	}
	return b.t.v.UNK
}

// spelled is word in the vocabulary's spelling (byte-level characters).
func (b *bpe) spelled(word string, w *bpeWork) string {
	if !b.byteLevel {
		return word
	}
	w.enc = w.enc[:0]
	for i := 0; i < len(word); i++ {
		w.enc = utf8.AppendRune(w.enc, byteToRune[word[i]])
	}
	return string(w.enc)
}

func (b *bpe) tryPair(h []bpePair, syms []bpeSymbol, left, right int32) []bpePair {
	l, r := syms[left].id, syms[right].id
	if l < 0 || r < 0 {
		return h
	}
	m, ok := b.merges[pairKey(l, r)]
	if !ok {
		return h
	}
	return heapPush(h, bpePair{left: left, right: right, rank: int32(m >> 32), result: int32(uint32(m)), leftID: l, rightID: r}, bpeBefore)
}
