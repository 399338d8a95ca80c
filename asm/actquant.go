package asm

import "github.com/narallm/nara/quant"

// quantizeActivations quantizes one token's activations to the VecDotType
// t for the integer dot products, as ggml's CPU backend does
// (quant.QuantizeActivations), so that the products match llama.cpp's. A
// flavour may do it in assembly (actQuantizers) with the same bytes.
func quantizeActivations(t quant.Type, dst []byte, x []float32) {
	if q := actQuantizers[activeLevel][t]; q != nil && len(x)%32 == 0 && len(dst) == len(x)/32*actBlockBytes(t) {
		q(dst, x)
		return
	}
	if err := quant.QuantizeActivations(t, dst, x); err != nil {
		panic("asm.MatMul: " + err.Error())
	}
}

// actQuantizers[level][t] quantizes whole 32-element blocks of activations
// to t exactly as quant.QuantizeActivations does; len(dst) is checked by the
// caller.
var actQuantizers = map[Level]map[quant.Type]func(dst []byte, x []float32){}

func actBlockBytes(t quant.Type) int {
	tr, _ := t.Traits()
	return tr.BlockBytes
}
