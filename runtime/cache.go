package runtime

import (
	"fmt"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/quant"
)

// Cache is the key/value cache of one sequence: for every layer, the keys
// (after RoPE) and values of every position run so far, one row of
// KVHeads·HeadDim per position. It grows as positions are added.
type Cache struct {
	typ   quant.Type // F32 or F16
	kvDim int
	max   int // positions allowed (the model's context length), 0: no limit
	n     int // positions filled

	k, v     [][]float32 // per layer, when typ is F32
	k16, v16 [][]uint16  // per layer, when typ is F16

	work workspace // Forward's activations, kept for the next call
}

// workspace holds Forward's activation buffers, grown to the largest batch
// seen, so that a decode step allocates nothing.
type workspace struct {
	x, xb, q, k, v, att, gate, up []float32
	cos, sin                      []float32 // RoPE angles [T, pairs]
	cosLocal, sinLocal            []float32 // the same for sliding layers' rope
}

// grow returns (*buf)[:n], reallocating *buf first when it is too small. The
// contents are not kept: every Forward step overwrites what it reads.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// NewCache returns an empty cache for m holding keys and values as typ:
// quant.F16 (DefaultKV: half the memory and the attention's reads, as
// llama.cpp does) or quant.F32 (exact, for comparisons with references).
func (m *Model) NewCache(typ quant.Type) (*Cache, error) {
	c := &Cache{typ: typ, kvDim: m.Config.KVHeads * m.Config.HeadDim, max: m.Config.ContextLen}
	L := m.Config.Layers
	switch typ {
	case quant.F32:
		c.k, c.v = make([][]float32, L), make([][]float32, L)
	case quant.F16:
		c.k16, c.v16 = make([][]uint16, L), make([][]uint16, L)
	default:
		return nil, fmt.Errorf("KV cache type %s is not supported (F32 or F16)", typ)
	}
	return c, nil
}

// Len returns the number of positions the cache holds.
func (c *Cache) Len() int { return c.n }

// reserve makes room for positions [0, n).
func (c *Cache) reserve(n int) {
	size := n * c.kvDim
	for l := range c.k {
		c.k[l], c.v[l] = growTo(c.k[l], size), growTo(c.v[l], size)
	}
	for l := range c.k16 {
		c.k16[l], c.v16[l] = growTo(c.k16[l], size), growTo(c.v16[l], size)
	}
}

func growTo[E any](s []E, n int) []E {
	if len(s) >= n {
		return s
	}
	if cap(s) >= n {
		return s[:n]
	}
	// Double, so that token-by-token generation copies O(n) in total.
	t := make([]E, n, max(n, 2*cap(s)))
	copy(t, s)
	return t
}

// store writes the key and value rows of positions pos … pos+len/kvDim-1
// of layer l.
func (c *Cache) store(l, pos int, k, v []float32) {
	off := pos * c.kvDim
	if c.typ == quant.F32 {
		copy(c.k[l][off:], k)
		copy(c.v[l][off:], v)
		return
	}
	asm.ToF16(c.k16[l][off:], k)
	asm.ToF16(c.v16[l][off:], v)
}

// Type returns the type the cache holds keys and values in (F32 or F16).
func (c *Cache) Type() quant.Type { return c.typ }

// Bytes returns the memory the cache's keys and values take, as allocated
// (it grows by doubling, so up to twice what Len positions need).
func (c *Cache) Bytes() int64 {
	var n int64
	for l := range c.k {
		n += 4 * int64(cap(c.k[l])+cap(c.v[l]))
	}
	for l := range c.k16 {
		n += 2 * int64(cap(c.k16[l])+cap(c.v16[l]))
	}
	return n
}
