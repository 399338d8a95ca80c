//go:build !noasm

package asm

import "github.com/narallm/nara/quant"

// With AVX-512, Pack uses the gather-and-transpose of the tile kernels'
// repacking (gemm_legacy_amd64.s) for the 32-element types: the Go
// packer moved about 0.7 GB/s on two threads, which made loading a
// 600 MB model take most of a second.
var _ = hasAVX512 && addPackGroupKernels()

func addPackGroupKernels() bool {
	packGroupKernels[quant.Q4_0] = asmGroupPacker(quant.Q4_0, lane16, packQ4_0AVX512)
	packGroupKernels[quant.Q8_0] = asmGroupPacker(quant.Q8_0, lane16, packQ8_0AVX512)
	return true
}

// asmGroupPacker wraps an assembly packer of 16 rows into packGroup's
// signature: it checks the bounds the kernel trusts and passes the rows'
// offsets, row r's at idx[lane(r)].
func asmGroupPacker(t quant.Type, lane func(r int) int, kernel func(w *byte, rb int, idx *int32, nb int, dst *byte)) func(dst, w []byte, rb int) {
	bb := traits(t).BlockBytes
	return func(dst, w []byte, rb int) {
		nb := rb / bb
		_, _ = w[(packRows-1)*rb+nb*bb-1], dst[packRows*nb*bb-1] // the kernel trusts these bounds
		var idx [packRows]int32
		for r := range packRows {
			idx[lane(r)] = int32(r * rb)
		}
		kernel(&w[0], rb, &idx[0], nb, &dst[0])
	}
}

//go:noescape
func packQ4_0AVX512(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func packQ8_0AVX512(w *byte, rb int, idx *int32, nb int, pack *byte)
