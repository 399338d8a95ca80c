package asm

import "math"

// Pure-Go twins of the attention kernels (the generic flavour).

// attentionGeneric is the entry point asm.go calls; the tiled driver in
// attention.go runs every flavour, its inner loops taken from the active one.
func attentionGeneric[E float32 | uint16](out, q []float32, n int, keys, values []E, pos0 int, a Attn) {
	attentionTiled(out, q, n, keys, values, pos0, a)
}

// expSubGeneric rounds float64 math.Exp of the float32 difference, so it is
// the correctly rounded reference the SIMD versions are measured against.
func expSubGeneric(dst, x []float32, m float32) float32 {
	dst = dst[:len(x)]
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		dst[i] = e
		sum += e
	}
	return sum
}

func axpyGeneric(dst, x []float32, a float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += a * x[i]
	}
}

// axpyF16Generic rounds each a·x + dst once (FMA), as the assembly does:
// the half-cache attention relies on it to add like ggml.
func axpyF16Generic(dst []float32, x []uint16, a float32) {
	x = x[:len(dst)]
	tab := f16Table()
	for i := range dst {
		dst[i] = fma32(a, tab[x[i]], dst[i])
	}
}
