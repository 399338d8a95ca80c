package asm

import (
	"encoding/binary"
	"math"
	"sync"
	"unsafe"

	"github.com/narallm/nara/quant"
)

// attnTile is how many cache positions the fused attention scores at once:
// 32 rows of a 128-wide head are 16 KiB of float32 keys, which stay in L1
// while every query head of a GQA group is dotted against them.
const attnTile = 32

// attentionTiled is the fused attention every flavour runs. A job is one
// query position and one KV head: the query heads that share that KV head
// (a GQA group) walk the visible cache rows together, so each key and value
// row is loaded once per group rather than once per query head. The causal
// mask and the sliding window are the bounds of the walk. The two cache
// types take two different walks, each for a reason:
//
// A float32 cache gets the one-pass online softmax (runOnline): tile by
// tile, scores (flavour Dot), soft-cap, the tile's maximum, exp(score −
// running max) with the flavour's vector exp (ExpSub), one rescale of the
// running sum and accumulators when the maximum grew, and the weighted value
// rows added at once (Axpy). The cache is read once and no score row is
// kept, which is the cheapest exact attention; it rounds nothing, and adds
// in the flavour's own order, as there is no llama.cpp default to follow
// (ggml's CPU backend keeps an F16 cache unless told otherwise).
//
// A half-precision cache keeps a row of scores per query head (runHalf):
// scores for all visible keys, the softmax of the row, then one pass over
// the values. That is what lets it follow llama.cpp's arithmetic, which a
// one-pass softmax cannot: ggml's CPU backend rounds the query to half
// precision before q·k and the normalized weights to half precision before
// the product with the values, and the normalizer is only known once every
// score is. It also adds in ggml's (AVX-512 build's) order: q·k as
// dotHalfGGML, Σe as sumGGML, the weighted values as valuesHalf. Measured
// on the quantized conformance files, the weight rounding alone takes
// KL(llama.cpp‖ours) from ~3e-4 to ~1e-5 on llama-small: a logit difference
// of one float32 ulp flips an int8 activation quant now and then, and one
// flip moves the logits of every later position.
func attentionTiled[E float32 | uint16](out, q []float32, n int, keys, values []E, pos0 int, a Attn) {
	qStride, kvStride := a.Heads*a.HeadDim, a.KVHeads*a.HeadDim
	if len(q) < n*qStride || len(out) < n*qStride || len(keys) < (pos0+n)*kvStride || len(values) < (pos0+n)*kvStride {
		panic("asm.Attention: buffers shorter than the shape needs")
	}
	pool := &attnTasksF32
	if _, half := any(keys).([]uint16); half {
		pool = &attnTasksF16
	}
	at := pool.Get().(*attnTask[E])
	*at = attnTask[E]{out: out, q: q, keys: keys, values: values, pos0: pos0, n: n, a: a, k: active, dotHalf: dotHalfGGMLBody[activeLevel], hk: halfKernels[activeLevel]}
	parallelFor(n*a.KVHeads, (pos0+n)*a.HeadDim*(a.Heads/a.KVHeads), at)
	*at = attnTask[E]{} // keep no operands alive in the pool
	pool.Put(at)
}

// attnTask is one Attention call as a pool task; recycled so that a decode
// step allocates nothing.
type attnTask[E float32 | uint16] struct {
	out, q       []float32
	keys, values []E
	pos0, n      int
	a            Attn
	k            *Kernels
	dotHalf      func(k *uint16, q *float32, n int) float32 // the flavour's dotHalfGGML lanes, or nil
	hk           *halfAttnKernels                           // the flavour's half-cache loops, or nil
}

var (
	attnTasksF32 = sync.Pool{New: func() any { return new(attnTask[float32]) }}
	attnTasksF16 = sync.Pool{New: func() any { return new(attnTask[uint16]) }}
)

// attnScratch is one thread's working memory for a run of jobs.
type attnScratch struct {
	qh    []float32 // the group's queries (rounded to half for a half cache)
	ktile []float32 // half cache: a tile of keys widened to float32
	prob  []float32 // float32 cache: [group][attnTile] exp(score − running max)
	run   []float32 // float32 cache: [2][group] running max, then normalizer
	acc   []float32 // Σ p·v per query head of the group
	score []float32 // [group][visible] scores, then weights
	kbuf  []float32 // big-endian hosts only: a decoded key row
	lanes []float32 // half cache: [group][4][hd] four lanes of value sums
	part  []float32 // half cache: [group][16][hd] the lanes folded by four
	red   []float32 // half cache: [group][hd] the 64 lanes reduced
	rest  []float64 // half cache: [group][hd] the float64 tail of those sums
}

var attnScratches = sync.Pool{New: func() any { return new(attnScratch) }}

func (at *attnTask[E]) run(lo, hi int) {
	s := attnScratches.Get().(*attnScratch)
	defer attnScratches.Put(s)
	if _, half := any(at.keys).([]uint16); half {
		at.runHalf(s, lo, hi)
	} else {
		at.runOnline(s, lo, hi)
	}
}

// runOnline runs jobs lo…hi−1 over a float32 cache with the one-pass
// online softmax (see attentionTiled).
func (at *attnTask[E]) runOnline(s *attnScratch, lo, hi int) {
	a, k := at.a, at.k
	hd, group := a.HeadDim, a.Heads/a.KVHeads
	qStride, kvStride := a.Heads*hd, a.KVHeads*hd
	s.acc, s.score = growF32(s.acc, group*hd), growF32(s.score, attnTile)
	s.prob, s.run = growF32(s.prob, group*attnTile), growF32(s.run, 2*group)
	if !nativeLittleEndian {
		s.kbuf = growF32(s.kbuf, hd)
	}
	runMax, norm := s.run[:group], s.run[group:]
	for job := lo; job < hi; job++ {
		t, kvh := job/a.KVHeads, job%a.KVHeads
		pos := at.pos0 + t
		kvOff := kvh * hd
		h0 := kvh * group // first query head of the group
		first := a.firstVisible(pos)
		clear(s.acc)
		for g := range group {
			runMax[g], norm[g] = float32(math.Inf(-1)), 0
		}
		for j0 := first; j0 <= pos; j0 += attnTile {
			rows := min(attnTile, pos+1-j0)
			for g := range group {
				qh := at.q[t*qStride+(h0+g)*hd : t*qStride+(h0+g+1)*hd]
				sc := s.score[:rows]
				for r := range sc {
					off := (j0+r)*kvStride + kvOff
					sc[r] = dotCacheRow(k, qh, at.keys[off:off+hd], s.kbuf) * a.Scale
				}
				if a.Softcap > 0 {
					for r, v := range sc {
						sc[r] = a.Softcap * float32(math.Tanh(float64(v/a.Softcap)))
					}
				}
				tileMax := float32(math.Inf(-1))
				for _, v := range sc {
					tileMax = max(tileMax, v)
				}
				if tileMax > runMax[g] {
					// A new maximum: rescale what was summed under the old one,
					// once per tile rather than once per key.
					c := float32(math.Exp(float64(runMax[g] - tileMax)))
					norm[g] *= c
					acc := s.acc[g*hd : (g+1)*hd]
					for i := range acc {
						acc[i] *= c
					}
					runMax[g] = tileMax
				}
				norm[g] += k.ExpSub(s.prob[g*attnTile:g*attnTile+rows], sc, runMax[g])
			}
			for r := range rows {
				off := (j0+r)*kvStride + kvOff
				for g := range group {
					if p := s.prob[g*attnTile+r]; p != 0 {
						axpyCacheRow(k, s.acc[g*hd:(g+1)*hd], at.values[off:off+hd], p)
					}
				}
			}
		}
		for g := range group {
			o := at.out[t*qStride+(h0+g)*hd : t*qStride+(h0+g+1)*hd]
			inv := 1 / norm[g]
			for i, v := range s.acc[g*hd : (g+1)*hd] {
				o[i] = v * inv
			}
		}
	}
}

// runHalf runs jobs lo…hi−1 over a half-precision cache, keeping each
// head's row of scores (see attentionTiled).
func (at *attnTask[E]) runHalf(s *attnScratch, lo, hi int) {
	a, k := at.a, at.k
	hd, group := a.HeadDim, a.Heads/a.KVHeads
	qStride, kvStride := a.Heads*hd, a.KVHeads*hd
	keys := any(at.keys).([]uint16)
	s.qh = growF32(s.qh, group*hd)
	for job := lo; job < hi; job++ {
		t, kvh := job/a.KVHeads, job%a.KVHeads
		pos := at.pos0 + t
		kvOff := kvh * hd
		h0 := kvh * group // first query head of the group
		first := a.firstVisible(pos)
		seen := pos + 1 - first
		s.score = growF32(s.score, group*seen)

		qh := s.qh
		copy(qh, at.q[t*qStride+h0*hd:t*qStride+(h0+group)*hd])
		at.roundHalf(qh)
		// Scores, one tile of keys at a time for the whole group.
		for j0 := first; j0 <= pos; j0 += attnTile {
			rows := min(attnTile, pos+1-j0)
			if at.hk != nil && hd%64 == 0 {
				// The whole tile for each head in one call.
				off := j0*kvStride + kvOff
				blocks := 0
				if at.hk.scores16 != nil {
					blocks = rows / 16
				}
				// With several heads per KV head, the tile's keys are widened
				// once: converting them per head cost as much as the products.
				widened := blocks > 0 && group > 1 && at.hk.widen != nil
				if widened {
					s.ktile = growF32(s.ktile, 16*blocks*hd)
					at.hk.widen(&s.ktile[0], &keys[off], kvStride, 16*blocks, hd)
				}
				for g := range group {
					sc := s.score[g*seen+j0-first : g*seen+j0-first+rows]
					switch {
					case widened:
						at.hk.scores16F32(&s.ktile[0], hd, blocks, &qh[g*hd], hd, a.Scale, &sc[0])
					case blocks > 0:
						at.hk.scores16(&keys[off], kvStride, blocks, &qh[g*hd], hd, a.Scale, &sc[0])
					}
					if rest := sc[16*blocks:]; len(rest) > 0 {
						at.hk.dots(&keys[off+16*blocks*kvStride], kvStride, len(rest), &qh[g*hd], hd, &rest[0])
						for i := range rest {
							rest[i] *= a.Scale
						}
					}
				}
				continue
			}
			for r := range rows {
				off := (j0+r)*kvStride + kvOff
				for g := range group {
					d := dotHalfGGML(at.dotHalf, qh[g*hd:(g+1)*hd], keys[off:off+hd])
					s.score[g*seen+j0-first+r] = d * a.Scale
				}
			}
		}
		// Softmax of each head's row; the weights, rounded to half, end up
		// in score.
		for g := range group {
			sc := s.score[g*seen : (g+1)*seen]
			if a.Softcap > 0 {
				for r, v := range sc {
					sc[r] = a.Softcap * float32(math.Tanh(float64(v/a.Softcap)))
				}
			}
			k.ExpSub(sc, sc, at.rowMax(sc))
			at.scaleRoundHalf(sc, float32(1/at.sumGGML(sc, first)))
		}
		at.valuesHalf(s, t, kvh, first, seen)
	}
}

// valuesHalf writes the output of job (t, kvh) for a half cache from the
// weights in s.score, adding in the order of ggml's F16 dot product over
// the positions (ggml_vec_dot_f16 on AVX-512, the values being a row of
// the transposed V cache there): position j goes into lane j mod 64 of 64
// float32 partial sums, with FMA, for the positions below nKV rounded down
// to 64; the rest into a float64 tail. nKV is the cache length llama.cpp
// attends over, this call's last position rounded up to its padding of 32
// (masked positions add zero weights). The 64 lanes are reduced as
// reduce64 does: lanes l, l+16, l+32, l+48 first, so they are computed four
// at a time (rows of s.lanes, with the flavour's AxpyF16, an FMA per
// element) and folded into 16 partial rows (s.part) at once.
func (at *attnTask[E]) valuesHalf(s *attnScratch, t, kvh, first, seen int) {
	a, k := at.a, at.k
	hd, group := a.HeadDim, a.Heads/a.KVHeads
	qStride, kvStride := a.Heads*hd, a.KVHeads*hd
	values := any(at.values).([]uint16)
	pos := first + seen - 1
	nKV := (at.pos0 + at.n + 31) &^ 31
	np := nKV &^ 63
	weight := func(g, j int) float32 { return s.score[g*seen+j-first] }

	s.rest = growF64(s.rest, group*hd)
	clear(s.rest)
	// s.red[g·hd+i]: the 64 lanes of head g reduced at column i.
	s.red = growF32(s.red, group*hd)
	switch {
	case np == 0:
	case at.hk != nil && at.hk.values != nil && hd%64 == 0:
		// One call per head: lanes and fold in registers. Both measured
		// slower in BenchmarkAttentionPrefill: the kernel taking the whole
		// group at once (each lane's value rows read once for all heads,
		// heads·4 KiB of folded lanes stored), and the value rows widened
		// to float32 once for the group as the keys are.
		s.part = growF32(s.part, 16*64)
		count := max(0, min(pos+1, np)-first)
		if count == 0 {
			clear(s.red)
			break
		}
		for g := range group {
			at.hk.values(&s.red[g*hd], &values[first*kvStride+kvh*hd], kvStride, &s.score[g*seen], first&63, count, hd, &s.part[0], 1, seen, hd)
		}
	default:
		s.lanes = growF32(s.lanes, group*4*hd)
		s.part = growF32(s.part, group*16*hd)
		for l := range 16 {
			clear(s.lanes)
			for quarter := range 4 {
				if at.hk != nil && hd%16 == 0 {
					// Positions j ≡ l+16·quarter (mod 64) in [first, min(pos+1, np)).
					j0 := l + 16*quarter
					if j0 < first {
						j0 += (first - j0 + 63) / 64 * 64
					}
					if end := min(pos+1, np); j0 < end {
						count := (end - j0 + 63) / 64
						for g := range group {
							at.hk.axpyStrided(&s.lanes[(g*4+quarter)*hd], &values[j0*kvStride+kvh*hd], 64*kvStride,
								&s.score[g*seen+j0-first], 64, count, hd)
						}
					}
					continue
				}
				for j := l + 16*quarter; j <= pos && j < np; j += 64 {
					if j < first {
						continue
					}
					row := values[j*kvStride+kvh*hd : j*kvStride+(kvh+1)*hd]
					for g := range group {
						if p := weight(g, j); p != 0 {
							k.AxpyF16(s.lanes[(g*4+quarter)*hd:(g*4+quarter+1)*hd], row, p)
						}
					}
				}
			}
			for g := range group {
				a0, a1 := s.lanes[(g*4)*hd:(g*4+1)*hd], s.lanes[(g*4+1)*hd:(g*4+2)*hd]
				a2, a3 := s.lanes[(g*4+2)*hd:(g*4+3)*hd], s.lanes[(g*4+3)*hd:(g*4+4)*hd]
				x := s.part[(g*16+l)*hd : (g*16+l+1)*hd]
				for i := range x {
					x[i] = (a0[i] + a2[i]) + (a1[i] + a3[i])
				}
			}
		}
		for g := range group {
			for i := range hd {
				var x [16]float32
				for l := range x {
					x[l] = s.part[(g*16+l)*hd+i]
				}
				s.red[g*hd+i] = reduce16(&x)
			}
		}
	}
	tab := f16Table()
	for j := max(first, np); j <= pos; j++ {
		row := values[j*kvStride+kvh*hd : j*kvStride+(kvh+1)*hd]
		for g := range group {
			p := weight(g, j)
			if p == 0 {
				continue
			}
			rest := s.rest[g*hd : (g+1)*hd]
			for i, h := range row {
				rest[i] += float64(p * tab[h]) // exact: both are halves
			}
		}
	}
	for g := range group {
		o := at.out[t*qStride+(kvh*group+g)*hd : t*qStride+(kvh*group+g+1)*hd]
		for i := range o {
			sum := s.rest[g*hd+i]
			if np > 0 {
				sum = float64(s.red[g*hd+i]) + sum
			}
			o[i] = float32(sum)
		}
	}
}

// sumGGML returns Σe as ggml's softmax adds a row of exponentials that
// starts at cache position 0 (e holds positions first, first+1, …; the
// masked ones before are zeros): each 16 positions from 0 summed in float32
// by halves (as _mm512_reduce_add_ps), those sums added in float64. blocks,
// the flavour's loop over whole blocks (sumBlocks16AVX512's contract), may
// be nil.
func sumGGML(e []float32, first int, blocks func(e *float32, n int, sum float64) float64) float64 {
	var sum float64
	end := first + len(e)
	partial := func(c int) { // the block from c, positions outside e as zeros
		var x [16]float32
		for l := range x {
			if j := c + l - first; j >= 0 && j < len(e) {
				x[l] = e[j]
			}
		}
		sum += float64(reduce16(&x))
	}
	c := first &^ 15
	if c < first {
		partial(c)
		c += 16
	}
	if n := (end - c) / 16; n > 0 {
		if blocks != nil {
			sum = blocks(&e[c-first], n, sum)
		} else {
			for i := range n {
				sum += float64(reduce16((*[16]float32)(e[c-first+16*i:])))
			}
		}
		c += 16 * n
	}
	if c < end {
		partial(c)
	}
	return sum
}

// rowMax is the largest score of a non-empty row (with the flavour's
// assembly when it has one).
func (at *attnTask[E]) rowMax(x []float32) float32 {
	if at.hk != nil && at.hk.max != nil {
		return at.hk.max(&x[0], len(x))
	}
	m := float32(math.Inf(-1))
	for _, v := range x {
		m = max(m, v)
	}
	return m
}

// sumGGML is sumGGML with the flavour's block loop when it has one.
func (at *attnTask[E]) sumGGML(e []float32, first int) float64 {
	if at.hk != nil {
		return sumGGML(e, first, at.hk.sumBlocks)
	}
	return sumGGML(e, first, nil)
}

// scaleRoundHalf multiplies x by s and rounds the products to half
// precision: the softmax's weights as ggml hands them to the values.
func (at *attnTask[E]) scaleRoundHalf(x []float32, s float32) {
	if at.hk != nil && at.hk.scaleRound != nil {
		at.hk.scaleRound(&x[0], len(x), s)
		return
	}
	for i := range x {
		x[i] *= s
	}
	at.roundHalf(x)
}

// dotHalfGGML returns q·k as ggml_vec_dot_f16 computes it on AVX-512 (the
// build llama.cpp's reference logits come from): over the first len(q)
// rounded down to 64 elements, element i goes into lane i mod 64 of 64
// float32 partial sums, with FMA, reduced by reduce64; the remaining
// elements are added in float64 (for a 32-wide head, all of them). q is
// already rounded to half precision, so every product is exact.
//
// body is the flavour's assembly for the lanes (dotHalfGGMLBody), or nil.
func dotHalfGGML(body func(k *uint16, q *float32, n int) float32, q []float32, k []uint16) float32 {
	tab := f16Table()
	k = k[:len(q)]
	np := len(q) &^ 63
	var sum float64
	if np > 0 && body != nil {
		sum = float64(body(&k[0], &q[0], np))
	} else if np > 0 {
		var acc [64]float32
		for i := 0; i < np; i += 64 {
			for l := range acc {
				acc[l] = fma32(tab[k[i+l]], q[i+l], acc[l])
			}
		}
		sum = float64(reduce64(&acc))
	}
	for i := np; i < len(q); i++ {
		sum += float64(tab[k[i]] * q[i])
	}
	return float32(sum)
}

// halfAttnKernels are a flavour's assembly for the half-cache loops, each
// computing exactly what the Go code beside its call does (same roundings,
// same order), only without a call per row:
//   - dots: out[r] = dotHalfGGML lanes of key row r (n a positive multiple
//     of 64, rows ≥ 1, strides in elements);
//   - axpyStrided: one lane of valuesHalf, acc[i] += p[c·pStride]·v[c·vStride+i]
//     with FMA for c < count in order (hd a multiple of 16);
//   - scores16 (may be nil): dots of 16·blocks rows, each times scale;
//     scores16F32 the same of keys widened to float32 by widen (rows of
//     n halves, a multiple of 16, to contiguous float32 rows), both nil
//     or neither;
//   - values (may be nil): all of valuesHalf's lanes for the heads of a
//     group, folded and reduced to one float32 per column (hd a multiple
//     of 64; weights and results of head g at g·pStride and g·outStride,
//     part scratch of heads·16·64 floats);
//   - max, sumBlocks, scaleRound (may be nil): rowMax, sumGGML's whole
//     blocks, scaleRoundHalf;
//   - round: roundHalf.
type halfAttnKernels struct {
	max         func(x *float32, n int) float32
	sumBlocks   func(e *float32, n int, sum float64) float64
	scaleRound  func(x *float32, n int, s float32)
	scores16    func(k *uint16, kStride, blocks int, q *float32, n int, scale float32, out *float32)
	scores16F32 func(k *float32, kStride, blocks int, q *float32, n int, scale float32, out *float32)
	widen       func(dst *float32, src *uint16, srcStride, rows, n int)
	values      func(out *float32, v *uint16, vStride int, p *float32, phase, count, hd int, part *float32, heads, pStride, outStride int)
	dots        func(k *uint16, kStride, rows int, q *float32, n int, out *float32)
	axpyStrided func(acc *float32, v *uint16, vStride int, p *float32, pStride, count, hd int)
	round       func(x *float32, n int)
}

var halfKernels = map[Level]*halfAttnKernels{}

// dotHalfGGMLBody holds the flavours' assembly for dotHalfGGML's lanes
// (n a positive multiple of 64); the generic flavour has none. A map by
// level rather than a Kernels field: only this file's caller uses it, and
// it must give the same bits in every flavour.
var dotHalfGGMLBody = map[Level]func(k *uint16, q *float32, n int) float32{}

// reduce64 adds 64 lanes the way ggml reduces its four 16-wide AVX-512
// accumulators: a0+a2 and a1+a3, then their sum, then the 16 lanes by
// halves (8, 4, then 2 pairs).
func reduce64(a *[64]float32) float32 {
	var x [16]float32
	for l := range x {
		x[l] = (a[l] + a[32+l]) + (a[16+l] + a[48+l])
	}
	return reduce16(&x)
}

// reduce16 is _mm512_reduce_add_ps's order (as GCC expands it): upper and
// lower halves added, down to two lanes.
func reduce16(x *[16]float32) float32 {
	var y [8]float32
	for l := range y {
		y[l] = x[8+l] + x[l]
	}
	z0, z1, z2, z3 := y[4]+y[0], y[5]+y[1], y[6]+y[2], y[7]+y[3]
	return (z0 + z2) + (z1 + z3)
}

// fma32 is a·b+c rounded once to float32 (float64 FMA: a·b of two float32s
// is exact in float64, so only the rare double rounding of the sum differs).
func fma32(a, b, c float32) float32 {
	return float32(math.FMA(float64(a), float64(b), float64(c)))
}

// growF64 is growF32 for float64s.
func growF64(b []float64, n int) []float64 {
	if cap(b) < n {
		return make([]float64, n, n+n/4)
	}
	return b[:n]
}

// growF32 returns b resliced to n elements, reallocated when too small.
func growF32(b []float32, n int) []float32 {
	if cap(b) < n {
		return make([]float32, n, n+n/4)
	}
	return b[:n]
}

// roundHalf is roundHalf with the flavour's assembly when it has one.
func (at *attnTask[E]) roundHalf(x []float32) {
	if at.hk != nil && len(x) > 0 {
		at.hk.round(&x[0], len(x))
		return
	}
	roundHalf(x)
}

// roundHalf rounds every element to the nearest half-precision value (ties
// to even), as ggml's conversion of an operand to F16 does.
func roundHalf(x []float32) {
	tab := f16Table()
	for i, v := range x {
		x[i] = tab[quant.F32ToF16(v)]
	}
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

// firstVisible returns the first cache position a query at pos attends
// to: 0, or the start of its sliding window.
func (a Attn) firstVisible(pos int) int {
	if a.Window > 0 {
		return max(0, pos-a.Window+1)
	}
	return 0
}
