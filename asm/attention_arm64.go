//go:build !noasm

package asm

// arm64 attention kernels (attn_neon_arm64.s). The flavour is built in
// kernels_arm64.go; init adds these to it and re-selects the active
// flavour, whichever init runs first.
func init() {
	if k := flavours[NEON]; k != nil {
		k.ExpSub = expSubVec(4, expSubNEON)
		k.Axpy = axpyVec(axpyNEON)
		k.AxpyF16 = axpyF16Vec(axpyF16NEON)
	}
	if active != nil {
		Use(activeLevel)
	}
}

// Vector exp of x − m into dst for n (a multiple of 4) elements; returns
// the sum.
//
//go:noescape
func expSubNEON(dst, x *float32, n int, m float32) float32

// dst[i] += a·x[i] for any n ≥ 0, x float32 or half precision.

//go:noescape
func axpyNEON(dst, x *float32, n int, a float32)

//go:noescape
func axpyF16NEON(dst *float32, x *uint16, n int, a float32)
