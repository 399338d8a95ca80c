package quant

import (
	"encoding/binary"
	"math"
)

// F16ToF32 converts an IEEE 754 half-precision value to float32. Every half
// value, subnormals included, is exactly representable in float32, so this is
// exact; NaNs keep their sign and payload.
func F16ToF32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	case exp != 0: // normal: rebias the exponent from 15 to 127
		return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half (mant·2⁻²⁴) is a normal float32: shift the mantissa up
	// until its leading one becomes the implicit bit.
	e := uint32(127 - 14)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// F32ToF16 converts a float32 to half precision, rounding to nearest with ties
// to even (what the x86 F16C instruction ggml uses does). Values too large
// become ±inf; NaNs stay NaN (quieted).
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(mant>>13)
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e >= 1 {
		// Normal half: drop 13 mantissa bits with rounding. A carry out of
		// the mantissa correctly bumps the exponent (up to inf).
		h := uint32(e)<<10 | mant>>13
		rem := mant & 0x1fff
		if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	// Subnormal half or zero: the value is m·2^(exp-150) with the implicit
	// bit; in units of 2⁻²⁴ that is m >> (126-exp).
	s := uint(126 - exp)
	if exp == 0 || s > 24 {
		return sign // below half the smallest subnormal: rounds to zero
	}
	m := mant | 0x800000
	h := m >> s
	rem := m & (1<<s - 1)
	half := uint32(1) << (s - 1)
	if rem > half || (rem == half && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

// BF16ToF32 converts a bfloat16 to float32 (exact: bf16 is the top half of a
// float32).
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 converts a float32 to bfloat16 the way ggml does: round to nearest
// even, NaNs forced quiet.
func F32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7fffffff > 0x7f800000 {
		return uint16(u>>16) | 64
	}
	return uint16((u + 0x7fff + (u>>16)&1) >> 16)
}

// f16At reads the little-endian half at b[0:2].
func f16At(b []byte) float32 { return F16ToF32(binary.LittleEndian.Uint16(b)) }

// f32At reads the little-endian float32 at b[0:4].
func f32At(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

func putF16(b []byte, f float32) { binary.LittleEndian.PutUint16(b, F32ToF16(f)) }

func putF32(b []byte, f float32) { binary.LittleEndian.PutUint32(b, math.Float32bits(f)) }

func dequantizeF32(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = f32At(src[4*i:])
	}
}

func quantizeF32(dst []byte, src []float32) {
	for i, v := range src {
		putF32(dst[4*i:], v)
	}
}

func dequantizeF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = f16At(src[2*i:])
	}
}

func quantizeF16(dst []byte, src []float32) {
	for i, v := range src {
		putF16(dst[2*i:], v)
	}
}

func dequantizeBF16(dst []float32, src []byte) {
	for i := range dst {
		dst[i] = BF16ToF32(binary.LittleEndian.Uint16(src[2*i:]))
	}
}

func quantizeBF16(dst []byte, src []float32) {
	for i, v := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], F32ToBF16(v))
	}
}

// The float dot products take F32 activations and accumulate in float64, as
// ggml's scalar ggml_vec_dot_f32/f16/bf16 do (ggml_float is double).

func vecDotF32(n int, w, x []byte) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		sum += float64(float64(f32At(w[4*i:])) * float64(f32At(x[4*i:])))
	}
	return float32(sum)
}

func vecDotF16(n int, w, x []byte) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		sum += float64(float64(f16At(w[2*i:])) * float64(f32At(x[4*i:])))
	}
	return float32(sum)
}

func vecDotBF16(n int, w, x []byte) float32 {
	var sum float64
	for i := 0; i < n; i++ {
		sum += float64(float64(BF16ToF32(binary.LittleEndian.Uint16(w[2*i:]))) * float64(f32At(x[4*i:])))
	}
	return float32(sum)
}
