package quant

import (
	"fmt"
	"math"
)

// QuantizeActivations converts one row of activations src into t, the
// VecDotType of some weight type (Q8_0, Q8_1 or Q8_K), the way ggml's CPU
// backend quantizes the other operand of a matrix product; dst must have
// exactly the storage size of len(src) elements.
//
// This is not Quantize: llama-quantize writes Q8_0 weights with the
// reference quantizer (scale d = amax/127, multiplier 1/d, ties rounded away
// from zero), but the x86 build of ggml quantizes activations with its SIMD
// quantize_row_q8_0/q8_1, which multiply by 127/amax and round ties to even
// (_mm256_round_ps), and take Q8_1's sum from the rounded quants. The two
// differ in the last bit of the multiplier and on ties, and every such
// difference moves a quant by one: matching them is what brings our logits
// to within float rounding of llama.cpp's. Q8_K activations go through
// quantize_row_q8_K_ref in ggml as well, so they are Quantize's Q8_K.
func QuantizeActivations(t Type, dst []byte, src []float32) error {
	tr, err := rowFor(t, "quantize activations", len(src), len(dst))
	if err != nil {
		return err
	}
	switch t {
	case Q8_0:
		QuantizeActivationsQ8_0(dst, src)
	case Q8_1:
		QuantizeActivationsQ8_1(dst, src)
	case Q8_K:
		quantizeQ8_K(dst, src)
	default:
		return fmt.Errorf("quantize activations %s: not an activation type (want Q8_0, Q8_1 or Q8_K)", tr.Name)
	}
	return nil
}

// QuantizeActivationsQ8_0 is QuantizeActivations for Q8_0 without the
// checks: len(src) must be a multiple of 32 and len(dst) ≥ 34·len(src)/32.
// Per block: d = amax/127 (stored as half), quants round(x·(127/amax)) with
// ties to even, all zero when amax is 0.
func QuantizeActivationsQ8_0(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		b := dst[i*34 : i*34+34]
		d, id := activationScale(src[i*qk : i*qk+qk])
		putF16(b, d)
		for j, v := range src[i*qk : i*qk+qk] {
			b[2+j] = byte(saturateInt8(cvtInt32(v * id)))
		}
	}
}

// QuantizeActivationsQ8_1 is QuantizeActivations for Q8_1 without the
// checks: len(src) must be a multiple of 32 and len(dst) ≥ 36·len(src)/32.
// The quants are Q8_0's; the second half is the sum of the quants times
// the float32 (not half) d, rounded to half.
//
// The rounding is cvtInt32's; for a block whose amax is so small (below
// about 4e-37) that 127/amax overflows to +Inf, ggml's quants all become
// -128 and its sum wraps, and so do these.
func QuantizeActivationsQ8_1(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		b := dst[i*36 : i*36+36]
		d, id := activationScale(src[i*qk : i*qk+qk])
		putF16(b, d)
		var sum int32
		for j, v := range src[i*qk : i*qk+qk] {
			q := cvtInt32(v * id)
			b[4+j] = byte(saturateInt8(q))
			sum += q // before saturation, wrapping, as ggml adds the int32s
		}
		putF16(b[2:], d*float32(sum))
	}
}

// activationScale returns a block's scale amax/127 and multiplier 127/amax
// (0 for an all-zero block), as ggml's SIMD quantizers compute them.
func activationScale(x []float32) (d, id float32) {
	var amax float32
	for _, v := range x {
		if a := abs32(v); a > amax { // not max(): its NaN and ±0 rules cost a branch each
			amax = a
		}
	}
	d = amax / 127
	if amax != 0 {
		id = 127 / amax
	}
	return d, id
}

// cvtInt32 is _mm256_round_ps(_MM_ROUND_NEAREST) then _mm256_cvtps_epi32:
// round to nearest, ties to even; NaN and values outside the int32 range
// give the "integer indefinite" -2³¹.
func cvtInt32(f float32) int32 {
	if !(abs32(f) < 1<<31) {
		return math.MinInt32
	}
	if abs32(f) <= 4194303 {
		return nearestInt(f) // the common case: cheap and exact here
	}
	return int32(math.RoundToEven(float64(f)))
}

// saturateInt8 is the saturating packs that turn ggml's int32 quants into
// bytes.
func saturateInt8(v int32) int8 { return int8(max(-128, min(127, v))) }
