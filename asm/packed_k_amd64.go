//go:build !noasm

package asm

import (
	"unsafe"

	"github.com/narallm/nara/quant"
)

// packedKVNNI is the packed GemmKernel (packed.go, packed_k.go) of Q4_K or
// Q6_K on AVX-512 VNNI. Decoding, gemv streams the call's groups once per
// token, reading the Q8_K token as it is (nothing to prepare). For a
// prompt each 16-row group is turned into the pack of the row-major
// path's row-interleaved tile (gemmQ4_KPack8, gemmQ6_KPack8) by loads and
// vector ops, and that tile takes eight tokens at a time; the tokens left
// over take gemv.
type packedKVNNI struct {
	t        quant.Type
	packSize int // bytes of one super-block of the tile's pack
	gemv     func(w *byte, nb int, x *byte, groups int, dst *float32)
	repack   func(w *byte, nb int, pack *byte)
}

var packedKKernelsVNNI = []*packedKVNNI{
	{quant.Q4_K, k4PackBytes, gemvPackedQ4_KVNNI, repackPackedQ4_KVNNI},
	{quant.Q6_K, k6PackBytes, gemvPackedQ6_KVNNI, repackPackedQ6_KVNNI},
}

// tile runs the row-interleaved tile of p's type: a switch rather than a
// func value, so that out stays on the caller's stack (through a func
// value it escaped: a heap allocation per eight tokens, about 10% of a
// prompt block's time in BenchmarkPackedKPrompt).
func (p *packedKVNNI) tile(pack *byte, nb int, x *byte, xb int, out *float32) {
	if p.t == quant.Q6_K {
		gemmQ6_KPack8(pack, nb, x, xb, out)
	} else {
		gemmQ4_KPack8(pack, nb, x, xb, out)
	}
}

func (p *packedKVNNI) gemm(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
	nb := packedBlocks(p.t, n, w, rb, rows, x, xb, toks, dst, ldd)
	if nb == 0 {
		for c := range toks {
			clear(dst[c*ldd : c*ldd+rows])
		}
		return
	}
	groups := rows / packRows
	done := 0
	if toks >= kGemmToks {
		done = toks - toks%kGemmToks
		bp := kPacks.Get().(*[]byte)
		*bp = grow(*bp, nb*p.packSize)
		pack := *bp
		groupBytes := packRows * rb
		// Each token group's tile also prefetches a share of the next
		// group (as gemmPacked does): the repacking of the next group
		// then reads from L2.
		share := (groupBytes/(done/kGemmToks) + 63) &^ 63
		for g := range groups {
			p.repack(&w[g*groupBytes], nb, &pack[0])
			for c := 0; c < done; c += kGemmToks {
				if off := (g+1)*groupBytes + c/kGemmToks*share; g+1 < groups && off < rows*rb {
					prefetchL2(unsafe.Pointer(&w[off]), share)
				}
				var out [kGemmToks * kGemmRows]float32
				p.tile(&pack[0], nb, &x[c*xb], xb, &out[0])
				for j := range kGemmToks {
					copy(dst[(c+j)*ldd+g*packRows:(c+j)*ldd+(g+1)*packRows], out[j*kGemmRows:])
				}
			}
		}
		kPacks.Put(bp)
	}
	for c := done; c < toks; c++ {
		p.gemv(&w[0], nb, &x[c*xb], groups, &dst[c*ldd])
	}
}

// With AVX-512, Pack uses gathers for Q4_K and Q6_K (packQ4_KAVX512,
// packQ6_KAVX512): packing tl-q4_k_m in Go added about 2 s to the load.
var _ = hasAVX512 && addPackKGroupKernels()

func addPackKGroupKernels() bool {
	rowOrder := func(r int) int { return r } // the K tiles' lanes
	packGroupKernels[quant.Q4_K] = asmGroupPacker(quant.Q4_K, rowOrder, func(w *byte, _ int, idx *int32, nb int, dst *byte) {
		packQ4_KAVX512(w, idx, nb, dst)
	})
	packGroupKernels[quant.Q6_K] = asmGroupPacker(quant.Q6_K, rowOrder, func(w *byte, _ int, idx *int32, nb int, dst *byte) {
		packQ6_KAVX512(w, idx, nb, dst)
	})
	return true
}

// Assembly in packed_k_amd64.s.

//go:noescape
func packQ4_KAVX512(w *byte, idx *int32, nb int, dst *byte)

//go:noescape
func packQ6_KAVX512(w *byte, idx *int32, nb int, dst *byte)

//go:noescape
func gemvPackedQ4_KVNNI(w *byte, nb int, x *byte, groups int, dst *float32)

//go:noescape
func gemvPackedQ6_KVNNI(w *byte, nb int, x *byte, groups int, dst *float32)

//go:noescape
func repackPackedQ4_KVNNI(w *byte, nb int, pack *byte)

//go:noescape
func repackPackedQ6_KVNNI(w *byte, nb int, pack *byte)
