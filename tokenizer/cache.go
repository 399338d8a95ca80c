package tokenizer

// encodeCache remembers the ids of words already tokenized during one Encode call,
// and holds scratch buffers, so that long natural text costs one BPE run per
// distinct word and no allocation per token. It lives for one call only, which keeps
// Tokenizer safe for concurrent use without locks.
type encodeCache struct {
	words map[string]span
	arena []int32
	spm   spmWork
	bpe   bpeWork
	lost  bool // text the vocabulary cannot represent was dropped
}

type span struct{ off, n int32 }

// cacheMinText is the input size from which building a word cache pays off.
const cacheMinText = 1024

// maxCachedWord keeps pathological inputs (megabytes without a break) out of the map.
const maxCachedWord = 256

func newEncodeCache(textLen int) *encodeCache {
	c := &encodeCache{}
	if textLen >= cacheMinText {
		c.words = make(map[string]span, 1024)
	}
	return c
}

func (c *encodeCache) get(word []byte) ([]int32, bool) {
	if c == nil || c.words == nil {
		return nil, false
	}
	sp, ok := c.words[string(word)]
	if !ok {
		return nil, false
	}
	return c.arena[sp.off : sp.off+sp.n], true
}

func (c *encodeCache) put(word []byte, ids []int32) {
	if c == nil || c.words == nil || len(word) > maxCachedWord {
		return
	}
	c.words[string(word)] = span{off: int32(len(c.arena)), n: int32(len(ids))}
	c.arena = append(c.arena, ids...)
}

func (c *encodeCache) getString(word string) ([]int32, bool) {
	if c == nil || c.words == nil {
		return nil, false
	}
	sp, ok := c.words[word]
	if !ok {
		return nil, false
	}
	return c.arena[sp.off : sp.off+sp.n], true
}

func (c *encodeCache) putString(word string, ids []int32) {
	if c == nil || c.words == nil || len(word) > maxCachedWord {
		return
	}
	c.words[word] = span{off: int32(len(c.arena)), n: int32(len(ids))}
	c.arena = append(c.arena, ids...)
}
