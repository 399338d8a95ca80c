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
	if flavours[AVX2] != nil {
		dotHalfGGMLBody[AVX2] = dotHalfGGMLAVX2
	}
	if flavours[AVX512] != nil {
		dotHalfGGMLBody[AVX512] = dotHalfGGMLAVX512
		halfKernels[AVX512] = &halfAttnKernels{dots: dotsHalfGGMLAVX512, axpyStrided: axpyStridedF16AVX512, values: valuesHalfAVX512, scores16: scores16HalfAVX512, round: roundHalfAVX512,
			max: maxAVX512, scores16F32: scores16F32AVX512, widen: widenHalfAVX512, sumBlocks: sumBlocks16AVX512, scaleRound: scaleRoundHalfAVX512}
	}
	if active != nil {
		Use(activeLevel)
	}
}

// Σ half(k[i])·q[i] for n a positive multiple of 64, in ggml's order (see
// dotHalfGGML).

//go:noescape
func dotHalfGGMLAVX2(k *uint16, q *float32, n int) float32

//go:noescape
func dotHalfGGMLAVX512(k *uint16, q *float32, n int) float32

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

// The AVX-512 half-cache attention loops (see halfAttnKernels).

//go:noescape
func dotsHalfGGMLAVX512(k *uint16, kStride, rows int, q *float32, n int, out *float32)

//go:noescape
func axpyStridedF16AVX512(acc *float32, v *uint16, vStride int, p *float32, pStride, count, hd int)

//go:noescape
func roundHalfAVX512(x *float32, n int)

//go:noescape
func valuesHalfAVX512(out *float32, v *uint16, vStride int, p *float32, phase, count, hd int, part *float32, heads, pStride, outStride int)

//go:noescape
func scores16HalfAVX512(k *uint16, kStride, blocks int, q *float32, n int, scale float32, out *float32)

// The half-cache softmax loops (attn_softmax_amd64.s; see halfAttnKernels).

//go:noescape
func maxAVX512(x *float32, n int) float32

//go:noescape
func sumBlocks16AVX512(e *float32, blocks int, sum float64) float64

//go:noescape
func scaleRoundHalfAVX512(x *float32, n int, s float32)

//go:noescape
func scores16F32AVX512(k *float32, kStride, blocks int, q *float32, n int, scale float32, out *float32)

//go:noescape
func widenHalfAVX512(dst *float32, src *uint16, srcStride, rows, n int)
