//go:build !noasm

package asm

// addKQuantGemms adds the register-tiled GemmKernels for the K-quant
// super-block types (Q2_K … Q6_K, IQ4_XS) of flavour l to k.
func addKQuantGemms(k *Kernels, l Level) {}
