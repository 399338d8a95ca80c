package asm

import "github.com/narallm/nara/quant"

// quantizeActivations quantizes one token's activations to the VecDotType
// t for the integer dot products.
func quantizeActivations(t quant.Type, dst []byte, x []float32) {
	if err := quant.Quantize(t, dst, x); err != nil {
		panic("asm.MatMul: " + err.Error())
	}
}
