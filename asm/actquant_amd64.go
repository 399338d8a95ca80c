//go:build !noasm

package asm

import "github.com/narallm/nara/quant"

// The AVX-512 flavour quantizes Q8_0/Q8_1 activations in assembly
// (actquant_amd64.s); the results are quant.QuantizeActivations' bytes.
func init() {
	if flavours[AVX512] == nil {
		return
	}
	actQuantizers[AVX512] = map[quant.Type]func(dst []byte, x []float32){
		quant.Q8_0: func(dst []byte, x []float32) {
			if n := len(x) / 32; n > 0 {
				_ = dst[34*n-1]
				quantQ8_0AVX512(&dst[0], &x[0], n)
			}
		},
		quant.Q8_1: func(dst []byte, x []float32) {
			if n := len(x) / 32; n > 0 {
				_ = dst[36*n-1]
				quantQ8_1AVX512(&dst[0], &x[0], n)
			}
		},
	}
}

// Quantize blocks × 32 floats from x into Q8_0 (34 bytes each) or Q8_1
// (36 bytes) blocks at dst.

//go:noescape
func quantQ8_0AVX512(dst *byte, x *float32, blocks int)

//go:noescape
func quantQ8_1AVX512(dst *byte, x *float32, blocks int)
