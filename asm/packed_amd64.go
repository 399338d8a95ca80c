//go:build !noasm

package asm

import "github.com/narallm/nara/quant"

// packedVNNI is the packed GemmKernel (packed.go) of a type on AVX-512
// VNNI. Decoding, the token is prepared once per call and gemv streams the
// call's groups; for a prompt each group's blocks go straight into the
// tile kernel's pack (no gather, no transpose) and the tile kernel of the
// row-major path does the rest, so both paths give the same sums as the
// row-major tiles do.
type packedVNNI struct {
	ti     *tiled // the row-major tiles: prep, tile, packSize, off
	repack func(w *byte, nb int, pack *byte)
	gemv   func(w *byte, nb int, xp, xs *byte, groups int, dst *float32)
}

var packedKernelsVNNI = map[quant.Type]*packedVNNI{
	quant.Q4_0: {tiledVNNI[quant.Q4_0], repackPackedQ4_0VNNI, gemvPackedQ4_0VNNI},
	quant.Q8_0: {tiledVNNI[quant.Q8_0], repackPackedQ8_0VNNI, gemvPackedQ8_0VNNI},
}

// addPackedGemms adds the packed kernels of flavour l to k.
func addPackedGemms(k *Kernels, l Level) {
	if l != AVX512 || !hasVNNI {
		return
	}
	k.Packed = map[quant.Type]GemmKernel{}
	for t, p := range packedKernelsVNNI {
		k.Packed[t] = p.gemm
	}
	for _, p := range packedKKernelsVNNI { // packed_k_amd64.go
		k.Packed[p.t] = p.gemm
	}
}

// packedBlocks returns the blocks per row of a packed Gemm call on n
// elements of type t, after checking that the slices hold what the
// kernels will read: they trust these bounds. It returns 0 when a row has
// no whole block.
func packedBlocks(t quant.Type, n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) int {
	wBytes, xBytes, size := blockSizes(t)
	nb := n / size
	if nb <= 0 {
		return 0
	}
	_, _, _ = w[rows*rb-1], x[(toks-1)*xb+nb*xBytes-1], dst[(toks-1)*ldd+rows-1]
	if rows%packRows != 0 || rb != nb*wBytes || xb < nb*xBytes || ldd < rows {
		panic("asm: packed Gemm block shape does not fit its slices")
	}
	return nb
}

func (p *packedVNNI) gemm(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
	ti := p.ti
	nb := packedBlocks(ti.t, n, w, rb, rows, x, xb, toks, dst, ldd)
	if nb == 0 {
		return
	}
	s := tiledScratches.Get().(*tiledScratch)
	defer tiledScratches.Put(s)
	groups := rows / packRows
	if toks < tiledMinToks {
		s.xp, s.xs = grow(s.xp, nb*32), grow(s.xs, nb*8)
		for c := range toks {
			ti.prep(&x[c*xb], xb, 1, nb, ti.off, &s.xp[0], &s.xs[0])
			p.gemv(&w[0], nb, &s.xp[0], &s.xs[0], groups, &dst[c*ldd])
		}
		return
	}
	s.pack = grow(s.pack, nb*ti.packSize)
	s.xp, s.xs = grow(s.xp, nb*toks*32), grow(s.xs, nb*toks*8)
	ti.prep(&x[0], xb, toks, nb, ti.off, &s.xp[0], &s.xs[0])
	for g := range groups {
		p.repack(&w[g*packRows*rb], nb, &s.pack[0])
		ti.tile(&s.pack[0], nb, &s.xp[0], &s.xs[0], toks, &dst[g*packRows], ldd, packRows)
	}
}

// Assembly in gemm_legacy_amd64.s.

//go:noescape
func repackPackedQ4_0VNNI(w *byte, nb int, pack *byte)

//go:noescape
func repackPackedQ8_0VNNI(w *byte, nb int, pack *byte)

//go:noescape
func gemvPackedQ4_0VNNI(w *byte, nb int, xp, xs *byte, groups int, dst *float32)

//go:noescape
func gemvPackedQ8_0VNNI(w *byte, nb int, xp, xs *byte, groups int, dst *float32)
