//go:build !noasm

package asm

// x86-64 attention kernels (attn_x86_amd64.s). The flavours are built in
// cpu_amd64.go; init adds these to them and re-selects the active flavour,
// whichever init runs first.
func init() {
	if k := flavours[AVX2]; k != nil {
		k.ExpSub = expSubVec(8, expSubAVX2)
		k.Axpy = axpyVec(axpyAVX2)
		k.AxpyF16 = axpyF16Vec(axpyF16AVX2)
	}
	if k := flavours[AVX512]; k != nil {
		k.ExpSub = expSubVec(16, expSubAVX512)
		k.Axpy = axpyVec(axpyAVX512)
		k.AxpyF16 = axpyF16Vec(axpyF16AVX512)
	}
	if active != nil {
		Use(activeLevel)
	}
}

// Vector exp of x − m into dst for n elements, n a multiple of the vector
// width (8 or 16); returns the sum.

//go:noescape
func expSubAVX2(dst, x *float32, n int, m float32) float32

//go:noescape
func expSubAVX512(dst, x *float32, n int, m float32) float32

// dst[i] += a·x[i] for any n ≥ 0, x float32 or half precision.

//go:noescape
func axpyAVX2(dst, x *float32, n int, a float32)

//go:noescape
func axpyF16AVX2(dst *float32, x *uint16, n int, a float32)

//go:noescape
func axpyAVX512(dst, x *float32, n int, a float32)

//go:noescape
func axpyF16AVX512(dst *float32, x *uint16, n int, a float32)
