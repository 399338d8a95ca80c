package asm

import (
	"encoding/binary"
	"math"
	"unsafe"
)

// attnTile is how many cache positions the fused attention scores at once:
// 32 rows of a 128-wide head are 16 KiB of float32 keys, which stay in L1
// while every query head of a GQA group is dotted against them.
const attnTile = 32

// attentionTiled is the fused attention every flavour runs. A job is one
// query position and one KV head: the query heads that share that KV head
// (a GQA group) walk the visible cache rows together, so each key and value
// row is loaded once per group rather than once per query head. The walk
// goes tile by tile: scores of the tile (flavour Dot/DotF16), soft-cap, the
// tile's maximum, exp(score − running max) with the flavour's vector exp
// (ExpSub), one rescale of the running sum when the maximum grew, and the
// weighted value rows added with Axpy/AxpyF16 (online softmax: no score
// matrix, one pass over the cache). The causal mask and the sliding window
// are the bounds of the walk.
func attentionTiled[E float32 | uint16](out, q []float32, n int, keys, values []E, pos0 int, a Attn) {
	hd, group := a.HeadDim, a.Heads/a.KVHeads
	qStride, kvStride := a.Heads*hd, a.KVHeads*hd
	if len(q) < n*qStride || len(out) < n*qStride || len(keys) < (pos0+n)*kvStride || len(values) < (pos0+n)*kvStride {
		panic("asm.Attention: buffers shorter than the shape needs")
	}
	k := active
	parallelRows(n*a.KVHeads, (pos0+n)*hd*group, func(lo, hi int) {
		acc := make([]float32, group*hd)   // running Σ p·v per query head
		score := make([]float32, attnTile) // one head's scores, then exp(score − m)
		prob := make([]float32, group*attnTile)
		runMax, norm := make([]float32, group), make([]float32, group)
		var kbuf []float32 // big-endian hosts only: a decoded key row
		if !nativeLittleEndian {
			kbuf = make([]float32, hd)
		}
		for job := lo; job < hi; job++ {
			t, kvh := job/a.KVHeads, job%a.KVHeads
			pos := pos0 + t
			kvOff := kvh * hd
			h0 := kvh * group // first query head of the group
			first := 0
			if a.Window > 0 {
				first = max(0, pos-a.Window+1)
			}
			clear(acc)
			for g := range group {
				runMax[g], norm[g] = float32(math.Inf(-1)), 0
			}
			for j0 := first; j0 <= pos; j0 += attnTile {
				rows := min(attnTile, pos+1-j0)
				for g := range group {
					qh := q[t*qStride+(h0+g)*hd : t*qStride+(h0+g+1)*hd]
					s := score[:rows]
					for r := range s {
						off := (j0+r)*kvStride + kvOff
						s[r] = dotCacheRow(k, qh, keys[off:off+hd], kbuf) * a.Scale
					}
					tileMax := float32(math.Inf(-1))
					if a.Softcap > 0 {
						for r, v := range s {
							s[r] = a.Softcap * float32(math.Tanh(float64(v/a.Softcap)))
						}
					}
					for _, v := range s {
						tileMax = max(tileMax, v)
					}
					if tileMax > runMax[g] {
						// A new maximum: rescale what was summed under the old one,
						// once per tile rather than once per key.
						c := float32(math.Exp(float64(runMax[g] - tileMax)))
						norm[g] *= c
						scaleGeneric(acc[g*hd:(g+1)*hd], c)
						runMax[g] = tileMax
					}
					norm[g] += k.ExpSub(prob[g*attnTile:g*attnTile+rows], s, runMax[g])
				}
				for r := range rows {
					off := (j0+r)*kvStride + kvOff
					for g := range group {
						axpyCacheRow(k, acc[g*hd:(g+1)*hd], values[off:off+hd], prob[g*attnTile+r])
					}
				}
			}
			for g := range group {
				o := out[t*qStride+(h0+g)*hd : t*qStride+(h0+g+1)*hd]
				inv := 1 / norm[g]
				for i, v := range acc[g*hd : (g+1)*hd] {
					o[i] = v * inv
				}
			}
		}
	})
}

// nativeLittleEndian: the half-precision kernels read a []uint16 cache row
// as little-endian bytes, which is what it is in memory on such hosts.
var nativeLittleEndian = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// dotCacheRow returns q·row for a float32 or half-precision cache row. buf is
// only used (to decode the row) on big-endian hosts.
func dotCacheRow[E float32 | uint16](k *Kernels, q []float32, row []E, buf []float32) float32 {
	switch r := any(row).(type) {
	case []float32:
		return k.Dot(q, r)
	case []uint16:
		if nativeLittleEndian {
			return k.DotF16(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(r))), 2*len(r)), q)
		}
		tab := f16Table()
		for i, h := range r {
			buf[i] = tab[h]
		}
		return k.Dot(q, buf)
	}
	panic("unreachable")
}

// axpyCacheRow adds p·row to acc for a float32 or half-precision row.
func axpyCacheRow[E float32 | uint16](k *Kernels, acc []float32, row []E, p float32) {
	switch r := any(row).(type) {
	case []float32:
		k.Axpy(acc, r, p)
	case []uint16:
		k.AxpyF16(acc, r, p)
	}
}
