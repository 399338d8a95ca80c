//go:build !noasm

package asm

import "github.com/narallm/nara/quant"

// With AVX-512, Pack uses the gather-and-transpose of the tile kernels'
// repacking (gemm_legacy_amd64.s) for the 32-element types: the Go
// packer moved about 0.7 GB/s on two threads, which made loading a
// 600 MB model take most of a second.
var _ = hasAVX512 && addPackGroupKernels()

func addPackGroupKernels() bool {
	for t, kernel := range map[quant.Type]func(w *byte, rb int, idx *int32, nb int, pack *byte){
		quant.Q4_0: packQ4_0AVX512,
		quant.Q8_0: packQ8_0AVX512,
	} {
		packGroupKernels[t] = func(dst, w []byte, rb int) {
			nb := rb / traits(t).BlockBytes
			_, _ = w[(packRows-1)*rb+nb*traits(t).BlockBytes-1], dst[packRows*nb*traits(t).BlockBytes-1] // the kernel trusts these bounds
			var idx [packRows]int32
			for r := range packRows {
				idx[lane16(r)] = int32(r * rb)
			}
			kernel(&w[0], rb, &idx[0], nb, &dst[0])
		}
	}
	return true
}

//go:noescape
func packQ4_0AVX512(w *byte, rb int, idx *int32, nb int, pack *byte)

//go:noescape
func packQ8_0AVX512(w *byte, rb int, idx *int32, nb int, pack *byte)
