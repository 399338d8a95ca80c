//go:build !noasm

package asm

import (
	"sync"

	"github.com/narallm/nara/quant"
)

// addLegacyGemms adds the register-tiled GemmKernels for the 32-element
// block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL) of flavour l to k.
//
// Q4_0 and Q8_0 (and with VNNI all six) get the repacking
// GEMM of gemm_legacy_amd64.s (16 rows per register with VNNI, 8 on AVX2) for blocks of at least tiledMinToks
// tokens; smaller ones (decode) keep the flavour's row dots, which stream
// each weight row once instead of 8 or 16 rows side by side.
func addLegacyGemms(k *Kernels, l Level) {
	var ts map[quant.Type]*tiled
	switch {
	case l == AVX512 && hasVNNI:
		ts = tiledVNNI
	case l == AVX2:
		ts = tiledAVX2
	}
	for t, ti := range ts {
		k.Gemm[t] = ti.gemm(tiledMinToks, laterRowDots(k, t))
	}
}

// laterRowDots is gemmFromVecDot of k.VecDot[t] as it is when called:
// avx512Kernels installs its VNNI row dots only after adding the Gemms.
func laterRowDots(k *Kernels, t quant.Type) GemmKernel {
	return func(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
		vecDot := k.VecDot[t]
		for r := range rows {
			row := w[r*rb : (r+1)*rb]
			for c := range toks {
				dst[c*ldd+r] = vecDot(n, row, x[c*xb:(c+1)*xb])
			}
		}
	}
}

// tiledMinToks is the fewest tokens for which repacking the weight rows
// pays: below it every weight block would be repacked for too few uses.
const tiledMinToks = 4

// tiled is one weight type's repacking GEMM on one instruction set.
type tiled struct {
	t        quant.Type
	rows     int    // rows per register: the repacking's group
	packSize int    // bytes of one repacked block of a group
	off      uint32 // what the repacked weights add to each quant, in every byte
	repack   func(w *byte, rb int, idx *int32, nb int, pack *byte)
	prep     func(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)
	tile     func(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)
	lane     func(r int) int // the register lane that holds row r of a group

	// Decode (fewer than minToks tokens), if not nil: gemv dots one row
	// with one token over a multiple of 4 blocks, rest continues the sum
	// over the row's last blocks. Only Q4_0 has one: on weights streamed
	// from memory it beat the row dot (BenchmarkDecodeGemv; nara bench
	// tg64 on tl-q4_0 23.8–26.3 against 21.2–22.1 t/s), while a Q8_0
	// version and versions taking four rows per call did not.
	gemv func(w, x *byte, nb int, dst *float32)
	rest legacyKernel
}

var (
	tiledVNNI = map[quant.Type]*tiled{
		quant.Q4_0:   {quant.Q4_0, 16, 9 * 64, 0x08080808, repackQ4_0VNNI, prepQ8_0VNNI, gemmTileVNNI, lane16, gemvQ4_0VNNI, dotQ4_0AVX2},
		quant.Q8_0:   {quant.Q8_0, 16, 9 * 64, 0x80808080, repackQ8_0VNNI, prepQ8_0VNNI, gemmTileVNNI, lane16, nil, nil},
		quant.Q5_0:   {quant.Q5_0, 16, 9 * 64, 0x10101010, repackQ5_0VNNI, prepQ8_0VNNI, gemmTileVNNI, lane16, nil, nil},
		quant.Q4_1:   {quant.Q4_1, 16, 10 * 64, 0, repackQ4_1VNNI, prepQ8_1VNNI, gemmTileMinVNNI, lane16, nil, nil},
		quant.Q5_1:   {quant.Q5_1, 16, 10 * 64, 0, repackQ5_1VNNI, prepQ8_1VNNI, gemmTileMinVNNI, lane16, nil, nil},
		quant.IQ4_NL: {quant.IQ4_NL, 16, 9 * 64, 0x80808080, repackIQ4_NLVNNI, prepQ8_0VNNI, gemmTileVNNI, lane16, nil, nil},
	}
	tiledAVX2 = map[quant.Type]*tiled{
		quant.Q4_0: {quant.Q4_0, 8, 9 * 32, 0x08080808, repackQ4_0AVX2, prepQ8_0AVX2, gemmTileQ4_0AVX2, lane8, nil, nil},
		quant.Q8_0: {quant.Q8_0, 8, 9 * 32, 0, repackQ8_0AVX2, prepQ8_0AVX2, gemmTileQ8_0AVX2, lane8, nil, nil},
	}
)

// The repacking transposes 4×4 dwords within 128-bit lanes: row 4i+j of a
// 16-row group lands in lane 4j+i (lane16, packed.go), row 2i+j of an
// 8-row group in 4j+i.
func lane8(r int) int { return r%2*4 + r/2 }

// tiledScratch holds one call's repacked weights and activations; calls
// on different threads take different ones from tiledScratches.
type tiledScratch struct {
	pack   []byte // one row group × nb blocks
	xp, xs []byte // activation quants (32 bytes) and (−off·Σx, d_x) (8 bytes) per token and block
	tail   []byte // the last rows of a matrix whose row count is not a multiple of the group
}

var tiledScratches = sync.Pool{New: func() any { return new(tiledScratch) }}

// gemm returns the GemmKernel: the call's activations are prepared once,
// then each group of rows is repacked and multiplied with all tokens.
// Calls with fewer than minToks tokens go to small.
func (ti *tiled) gemm(minToks int, small GemmKernel) GemmKernel {
	wBytes, xBytes, size := blockSizes(ti.t)
	group := ti.rows
	return func(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
		nb := n / size
		if toks < minToks && ti.gemv != nil && nb >= 4 {
			ti.decode(n, w, rb, rows, x, xb, toks, dst, ldd)
			return
		}
		if toks < minToks || nb <= 0 {
			small(n, w, rb, rows, x, xb, toks, dst, ldd)
			return
		}
		// The kernels trust these bounds; full row groups read group rows
		// rb apart (as int32 offsets).
		_, _, _ = w[(rows-1)*rb+nb*wBytes-1], x[(toks-1)*xb+nb*xBytes-1], dst[(toks-1)*ldd+rows-1]
		if rb < nb*wBytes || xb < nb*xBytes || ldd < rows || int64(group)*int64(rb) > 1<<31-1 {
			panic("asm: Gemm block shape does not fit its slices")
		}
		s := tiledScratches.Get().(*tiledScratch)
		s.pack = grow(s.pack, nb*ti.packSize)
		s.xp = grow(s.xp, nb*toks*32)
		s.xs = grow(s.xs, nb*toks*8)
		ti.prep(&x[0], xb, toks, nb, ti.off, &s.xp[0], &s.xs[0])
		// Offsets of the rows in lane order, for the scale gather.
		var idx [16]int32
		for r := range group {
			idx[ti.lane(r)] = int32(r * rb)
		}
		for r0 := 0; r0 < rows; r0 += group {
			nr := min(group, rows-r0)
			if nr == group {
				ti.repack(&w[r0*rb], rb, &idx[0], nb, &s.pack[0])
			} else {
				// The last rows, padded with zero blocks to a full group.
				rowBytes := nb * wBytes
				s.tail = grow(s.tail, group*rowBytes)
				clear(s.tail)
				for r := range nr {
					copy(s.tail[r*rowBytes:(r+1)*rowBytes], w[(r0+r)*rb:])
				}
				var tailIdx [16]int32
				for r := range group {
					tailIdx[ti.lane(r)] = int32(r * rowBytes)
				}
				ti.repack(&s.tail[0], rowBytes, &tailIdx[0], nb, &s.pack[0])
			}
			ti.tile(&s.pack[0], nb, &s.xp[0], &s.xs[0], toks, &dst[r0], ldd, nr)
		}
		tiledScratches.Put(s)
	}
}

// decode is the GemmKernel for few tokens: ti.gemv on each row, streamed
// once per token, and ti.rest on the row's last nb mod 4 blocks.
func (ti *tiled) decode(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
	wBytes, xBytes, size := blockSizes(ti.t)
	nb := n / size
	quads := nb &^ 3
	// The kernels trust these bounds.
	_, _, _ = w[(rows-1)*rb+nb*wBytes-1], x[(toks-1)*xb+nb*xBytes-1], dst[(toks-1)*ldd+rows-1]
	if rb < nb*wBytes || xb < nb*xBytes || ldd < rows {
		panic("asm: Gemm block shape does not fit its slices")
	}
	for c := range toks {
		xc, out := x[c*xb:], dst[c*ldd:]
		for r := range rows {
			ti.gemv(&w[r*rb], &xc[0], quads, &out[r])
			if quads < nb {
				out[r] = ti.rest(&w[r*rb+quads*wBytes], &xc[quads*xBytes], nb-quads, out[r])
			}
		}
	}
}

// Assembly in gemm_legacy_amd64.s. repack* write nb repacked blocks of one
// row group (rb bytes apart, idx their offsets in lane order); prep*
// copy toks activation rows block-major into xp with (−off·Σx, d_x) per
// block in xs; the tile kernels write dst[c·ldd + r] for r < rows,
// c < toks.

//go:noescape
func repackQ4_0VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func repackQ5_0VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func repackIQ4_NLVNNI(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func repackQ4_1VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func repackQ5_1VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func prepQ8_1VNNI(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)

//go:noescape
func gemmTileMinVNNI(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)

//go:noescape
func repackQ8_0VNNI(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func prepQ8_0VNNI(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)

//go:noescape
func gemmTileVNNI(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)

//go:noescape
func gemvQ4_0VNNI(w, x *byte, nb int, dst *float32)

//go:noescape
func repackQ4_0AVX2(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func repackQ8_0AVX2(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func prepQ8_0AVX2(x *byte, xb, toks, nb int, off uint32, xp, xs *byte)

//go:noescape
func gemmTileQ4_0AVX2(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)

//go:noescape
func gemmTileQ8_0AVX2(pack *byte, nb int, xp, xs *byte, toks int, dst *float32, ldd, rows int)
