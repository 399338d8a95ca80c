//go:build !noasm

package asm

import (
	"sync"
	"unsafe"

	"github.com/narallm/nara/quant"
)

// addKQuantGemms adds the register-tiled GemmKernels for the K-quant
// super-block types (Q2_K … Q6_K, IQ4_XS) of flavour l to k.
//
// Q4_K, Q5_K and Q6_K get the eight-token kernels of gemm_k_amd64.s (AVX2,
// and AVX-512 with VNNI): each row's super-block is unpacked once for
// eight tokens, and each token's activations are read from L1 for every
// row. With VNNI, blocks of at least kPackMinToks tokens of Q4_K and Q6_K
// instead repack sixteen rows at a time for the row-interleaved VPDPBUSD
// kernels (gemmPacked). Tokens beyond a multiple of eight (and decode, one
// token) take the flavour's row dot, which streams each row once.
func addKQuantGemms(k *Kernels, l Level) {
	switch {
	case l == AVX512 && hasVNNI:
		// avx512Kernels installs the VNNI row dots after this call: name
		// them.
		for t, dot := range map[quant.Type]superKernel{quant.Q4_K: dotQ4_KVNNI, quant.Q5_K: dotQ5_KVNNI, quant.Q6_K: dotQ6_KVNNI} {
			k.Gemm[t] = kGemm(t, l, superDot(t, dot))
		}
	case l == AVX2:
		for _, t := range []quant.Type{quant.Q4_K, quant.Q5_K, quant.Q6_K} {
			k.Gemm[t] = kGemm(t, l, k.VecDot[t])
		}
	}
}

// kGemmRows and kGemmToks are the most rows and the tokens of one kernel
// call: the kernel accumulates into a kGemmRows × kGemmToks array.
const (
	kGemmRows = 16
	kGemmToks = 8
)

// kGemmTile adds to out[8r+c] the dot product of nb ≥ 1 super-blocks of
// row r (at w + r·rb) with token c (at x + c·xb), for r < rows ≤ kGemmRows
// and c < kGemmToks, with flavour l's kernel for t. (A switch rather than a
// func value, so that out stays on the caller's stack.)
func kGemmTile(l Level, t quant.Type, w *byte, rb, rows int, x *byte, xb, nb int, out *float32) {
	switch {
	case l == AVX512 && t == quant.Q4_K:
		gemmQ4_KVNNI8(w, rb, rows, x, xb, nb, out)
	case l == AVX512 && t == quant.Q5_K:
		gemmQ5_KVNNI8(w, rb, rows, x, xb, nb, out)
	case l == AVX512 && t == quant.Q6_K:
		gemmQ6_KVNNI8(w, rb, rows, x, xb, nb, out)
	case l == AVX2 && t == quant.Q4_K:
		gemmQ4_KAVX2x8(w, rb, rows, x, xb, nb, out)
	case l == AVX2 && t == quant.Q5_K:
		gemmQ5_KAVX2x8(w, rb, rows, x, xb, nb, out)
	case l == AVX2 && t == quant.Q6_K:
		gemmQ6_KAVX2x8(w, rb, rows, x, xb, nb, out)
	default:
		panic("asm: no tiled kernel for " + t.String())
	}
}

// kGemm returns flavour l's GemmKernel for K-quant type t: its tile kernel
// over groups of eight tokens, rowDot over the tokens left.
func kGemm(t quant.Type, l Level, rowDot func(n int, w, x []byte) float32) GemmKernel {
	wBytes, xBytes, size := blockSizes(t)
	return func(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
		nb := n / size
		if nb <= 0 {
			for c := range toks {
				clear(dst[c*ldd : c*ldd+rows])
			}
			return
		}
		// The kernel trusts these bounds.
		_, _, _ = w[(rows-1)*rb+nb*wBytes-1], x[(toks-1)*xb+nb*xBytes-1], dst[(toks-1)*ldd+rows-1]
		if rb < nb*wBytes || xb < nb*xBytes || ldd < rows {
			panic("asm: Gemm block shape does not fit its slices")
		}
		c := 0
		if l == AVX512 && (t == quant.Q4_K || t == quant.Q6_K) && toks >= kPackMinToks {
			c = gemmPacked(t, nb, w, rb, rows, x, xb, toks, dst, ldd)
		}
		for ; c+kGemmToks <= toks; c += kGemmToks {
			for r0 := 0; r0 < rows; r0 += kGemmRows {
				nr := min(kGemmRows, rows-r0)
				var out [kGemmRows * kGemmToks]float32
				kGemmTile(l, t, &w[r0*rb], rb, nr, &x[c*xb], xb, nb, &out[0])
				for r := range nr {
					for j := range kGemmToks {
						dst[(c+j)*ldd+r0+r] = out[r*kGemmToks+j]
					}
				}
			}
		}
		for ; c < toks; c++ {
			xc := x[c*xb : c*xb+nb*xBytes]
			for r := range rows {
				dst[c*ldd+r] = rowDot(n, w[r*rb:r*rb+nb*wBytes], xc)
			}
		}
	}
}

//go:noescape
func gemmQ4_KVNNI8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)

//go:noescape
func gemmQ5_KVNNI8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)

//go:noescape
func gemmQ6_KVNNI8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)

//go:noescape
func gemmQ4_KAVX2x8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)

//go:noescape
func gemmQ5_KAVX2x8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)

//go:noescape
func gemmQ6_KAVX2x8(w *byte, rb, rows int, x *byte, xb, nb int, out *float32)

// The row-interleaved Q4_K and Q6_K kernels (gemm_k_amd64.s): sixteen
// rows are repacked per call, k4PackBytes or k6PackBytes per super-block,
// which pays from kPackMinToks tokens on.
const (
	k4PackBytes  = 3200
	k6PackBytes  = 5696
	kPackMinToks = 16
)

// kPacks recycles the repacking buffers of concurrent calls.
var kPacks = sync.Pool{New: func() any { return new([]byte) }}

// gemmPacked runs the row-interleaved AVX-512 kernel of t (Q4_K or Q6_K)
// over the first toks − toks mod 8 tokens of a block (shapes checked by
// the caller) and returns how many tokens it did.
func gemmPacked(t quant.Type, nb int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) int {
	if int64(kGemmRows-1)*int64(rb) > 1<<31-1 {
		return 0 // the gather offsets are int32
	}
	size := k4PackBytes
	if t == quant.Q6_K {
		size = k6PackBytes
	}
	bp := kPacks.Get().(*[]byte)
	defer kPacks.Put(bp)
	if cap(*bp) < nb*size {
		*bp = make([]byte, nb*size)
	}
	pack := (*bp)[:nb*size]
	done := toks - toks%kGemmToks
	for r0 := 0; r0 < rows; r0 += kGemmRows {
		nr := min(kGemmRows, rows-r0)
		// Rows past the block repeat its last row: read, never stored.
		var idx [kGemmRows]int32
		for r := range idx {
			idx[r] = int32(min(r, nr-1) * rb)
		}
		if t == quant.Q6_K {
			repackQ6_K16(&w[r0*rb], &idx[0], nb, &pack[0])
		} else {
			repackQ4_K16(&w[r0*rb], &idx[0], nb, &pack[0])
		}
		// Prefetch the next sixteen rows, a slice per token group, while
		// these compute: a thread's next block is usually the next rows
		// (MatMul hands out consecutive blocks), which the hardware
		// prefetcher does not fetch ahead across the call. They may lie
		// past this block's slice, but only within its capacity: a
		// pointer past the end of the allocation is invalid in Go
		// (checkptr caught one under -race).
		all := w[:cap(w)]
		share := (kGemmRows*rb/max(done/kGemmToks, 1) + 63) &^ 63
		for c := 0; c < done; c += kGemmToks {
			if off := (r0+kGemmRows)*rb + c/kGemmToks*share; off < len(all) {
				prefetchL2(unsafe.Pointer(&all[off]), min(share, len(all)-off))
			}
			var out [kGemmToks * kGemmRows]float32
			if t == quant.Q6_K {
				gemmQ6_KPack8(&pack[0], nb, &x[c*xb], xb, &out[0])
			} else {
				gemmQ4_KPack8(&pack[0], nb, &x[c*xb], xb, &out[0])
			}
			for j := range kGemmToks {
				copy(dst[(c+j)*ldd+r0:(c+j)*ldd+r0+nr], out[j*kGemmRows:j*kGemmRows+nr])
			}
		}
	}
	return done
}

//go:noescape
func prefetchL2(p unsafe.Pointer, n int)

//go:noescape
func repackQ4_K16(w *byte, idx *int32, nb int, pack *byte)

//go:noescape
func gemmQ4_KPack8(pack *byte, nb int, x *byte, xb int, out *float32)

//go:noescape
func repackQ6_K16(w *byte, idx *int32, nb int, pack *byte)

//go:noescape
func gemmQ6_KPack8(pack *byte, nb int, x *byte, xb int, out *float32)
