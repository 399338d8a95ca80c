//go:build !noasm

package asm

// addLegacyGemms adds the register-tiled GemmKernels for the 32-element
// block types (Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL) of flavour l to k.
func addLegacyGemms(k *Kernels, l Level) {}
