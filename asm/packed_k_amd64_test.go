//go:build !noasm

package asm

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/narallm/nara/loader/mmap"
	"github.com/narallm/nara/quant"
)

// BenchmarkPackedKGemv runs the packed K GEMVs over 16 super-blocks of
// groups 16-row groups: L2-resident and memory-sized weights.
func BenchmarkPackedKGemv(b *testing.B) {
	if !hasVNNI {
		b.Skip("no AVX-512 VNNI")
	}
	const nb = 16
	x := make([]byte, nb*292)
	for i := range x {
		x[i] = byte(i * 7)
	}
	for _, groups := range []int{4, 64, 1024} {
		dst := make([]float32, groups*packRows)
		for _, p := range packedKKernelsVNNI {
			wBytes, _, _ := blockSizes(p.t)
			w := make([]byte, groups*packRows*nb*wBytes)
			for i := range w {
				w[i] = byte(i * 2654435761 >> 13)
			}
			b.Run(fmt.Sprintf("%s/groups=%d", p.t, groups), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					p.gemv(&w[0], nb, &x[0], groups, &dst[0])
				}
			})
		}
	}
}

// BenchmarkPackedKGemvMemory streams about 96 MiB of packed Q4_K or Q6_K
// (three times L3) from huge pages through the decode GEMV on one
// thread, next to a plain read of the same bytes: how close the kernel
// comes to the memory's bandwidth. The quants are random bytes; the
// halves d (and Q4_K's dmin) are set to a normal number, so that no
// subnormal or NaN slows the float tail.
func BenchmarkPackedKGemvMemory(b *testing.B) {
	if !hasVNNI {
		b.Skip("no AVX-512 VNNI")
	}
	const nb, size = 16, 96 << 20
	x := make([]byte, nb*292)
	for i := range x {
		x[i] = byte(i * 7)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for _, p := range packedKKernelsVNNI {
		wBytes, _, _ := blockSizes(p.t)
		groupBytes := packRows * nb * wBytes
		groups := size / groupBytes
		w, free, err := mmap.Anonymous(groups * groupBytes)
		if err != nil {
			b.Fatal(err)
		}
		for i := 0; i+8 <= len(w); i += 8 {
			binary.LittleEndian.PutUint64(w[i:], r.Uint64())
		}
		blockBytes := packRows * wBytes
		halves := []int{3328} // Q6_K: d
		if p.t == quant.Q4_K {
			halves = []int{0, 32} // d, dmin
		}
		for blk := 0; blk < len(w); blk += blockBytes {
			for _, h := range halves {
				for row := range packRows {
					binary.LittleEndian.PutUint16(w[blk+h+2*row:], 0x2C00) // 1/16
				}
			}
		}
		dst := make([]float32, groups*packRows)
		f := unsafe.Slice((*float32)(unsafe.Pointer(&w[0])), len(w)/4)
		b.Run(fmt.Sprintf("%s/gemv", p.t), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				p.gemv(&w[0], nb, &x[0], groups, &dst[0])
			}
		})
		b.Run(fmt.Sprintf("%s/read", p.t), func(b *testing.B) {
			b.SetBytes(int64(len(w)))
			for b.Loop() {
				Dot(f, f)
			}
		})
		free()
	}
}

// BenchmarkPackedKPrompt compares the GemmKernel of a prompt block (128
// quantized tokens, 256 rows × 2048, one thread) packed against
// row-major: the packed tiles build their pack from packed super-blocks,
// the row-major ones gather and transpose it.
func BenchmarkPackedKPrompt(b *testing.B) {
	const rows, cols, toks = 256, 2048, 128
	r := rand.New(rand.NewPCG(3, 4))
	xb, _ := RowBytes(quant.Q8_K, cols)
	x := quantized(quant.Q8_K, randomFloats(r, toks*cols, "normal"))
	dst := make([]float32, toks*rows)
	for _, wt := range []quant.Type{quant.Q4_K, quant.Q6_K} {
		w := quantized(wt, randomFloats(r, rows*cols, "normal"))
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, rows, cols); err != nil {
			b.Fatal(err)
		}
		rb := len(w) / rows
		for _, packed := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/packed=%v", wt, packed), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					if packed {
						active.Packed[wt](cols, p, rb, rows, x, xb, toks, dst, rows)
					} else {
						active.Gemm[wt](cols, w, rb, rows, x, xb, toks, dst, rows)
					}
				}
			})
		}
	}
}
