package quant

import (
	"encoding/binary"
	"math"
)

// The "legacy" 32-element block formats. Layouts (little-endian, packed):
//
//	Q4_0: d f16 | qs[16]            x = (q-8)·d, q = nibble
//	Q4_1: d f16 | m f16 | qs[16]    x = q·d + m
//	Q5_0: d f16 | qh[4] | qs[16]    x = (q-16)·d, q = nibble | bit<<4
//	Q5_1: d f16 | m f16 | qh[4] | qs[16]
//	Q8_0: d f16 | qs[32] int8       x = q·d
//	Q8_1: d f16 | s f16 | qs[32]    s = d·Σq (used by the ·Q4_1/·Q5_1 dots)
//
// Byte j of qs holds element j in its low nibble and element j+16 in its high
// nibble; bit j of qh (a little-endian uint32) is the fifth bit of element j.
//
// Products that feed a sum are wrapped in float32(...): Go may otherwise fuse
// a*b+c into one FMA on some CPUs, and ggml's reference code (built without
// FMA on x86-64) rounds the product first.

const qk = 32 // elements per legacy block

// roundHalfAway is C's roundf: halfway cases away from zero.
func roundHalfAway(f float32) float32 { return float32(math.Round(float64(f))) }

func dequantizeQ4_0(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*18 : i*18+18]
		d := f16At(b)
		qs := b[2:18]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < qk/2; j++ {
			y[j] = float32(int32(qs[j]&0x0f)-8) * d
			y[j+qk/2] = float32(int32(qs[j]>>4)-8) * d
		}
	}
}

func dequantizeQ4_1(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*20 : i*20+20]
		d, m := f16At(b), f16At(b[2:])
		qs := b[4:20]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < qk/2; j++ {
			y[j] = float32(float32(qs[j]&0x0f)*d) + m
			y[j+qk/2] = float32(float32(qs[j]>>4)*d) + m
		}
	}
}

func dequantizeQ5_0(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*22 : i*22+22]
		d := f16At(b)
		qh := binary.LittleEndian.Uint32(b[2:])
		qs := b[6:22]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < qk/2; j++ {
			h0 := byte(qh>>j<<4) & 0x10
			h1 := byte(qh>>(j+12)) & 0x10
			y[j] = float32(int32(qs[j]&0x0f|h0)-16) * d
			y[j+qk/2] = float32(int32(qs[j]>>4|h1)-16) * d
		}
	}
}

func dequantizeQ5_1(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*24 : i*24+24]
		d, m := f16At(b), f16At(b[2:])
		qh := binary.LittleEndian.Uint32(b[4:])
		qs := b[8:24]
		y := dst[i*qk : i*qk+qk]
		for j := 0; j < qk/2; j++ {
			h0 := byte(qh>>j<<4) & 0x10
			h1 := byte(qh>>(j+12)) & 0x10
			y[j] = float32(float32(qs[j]&0x0f|h0)*d) + m
			y[j+qk/2] = float32(float32(qs[j]>>4|h1)*d) + m
		}
	}
}

func dequantizeQ8_0(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*34 : i*34+34]
		d := f16At(b)
		y := dst[i*qk : i*qk+qk]
		for j, q := range b[2:34] {
			y[j] = float32(int8(q)) * d
		}
	}
}

// dequantizeQ8_1 has no counterpart in ggml (Q8_1 only ever holds
// activations); it is q·d like Q8_0, ignoring the stored sum.
func dequantizeQ8_1(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*36 : i*36+36]
		d := f16At(b)
		y := dst[i*qk : i*qk+qk]
		for j, q := range b[4:36] {
			y[j] = float32(int8(q)) * d
		}
	}
}

// absMax returns the element of largest magnitude (the first one on ties) and
// that magnitude, as the ggml quantizers pick it.
func absMax(x []float32) (max, amax float32) {
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, max = a, v
		}
	}
	return max, amax
}

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// minMax returns the smallest and largest element.
func minMax(x []float32) (min, max float32) {
	min, max = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < min {
			min = v
		}
		if v > max {
			max = v
		}
	}
	return min, max
}

// inverse is ggml's `d ? 1.0f/d : 0.0f`.
func inverse(d float32) float32 {
	if d == 0 {
		return 0
	}
	return 1 / d
}

// truncInt8 is C's (int8_t) cast of a float as x86-64 compilers emit it
// (truncate to int32, keep the low byte).
func truncInt8(f float32) int32 { return int32(int8(int32(f))) }

func quantizeQ4_0(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*18 : i*18+18]
		max, _ := absMax(x)
		d := max / -8
		id := inverse(d)
		putF16(b, d)
		for j := 0; j < qk/2; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+qk/2] * id)
			q0 := min(15, truncInt8(x0+8.5))
			q1 := min(15, truncInt8(x1+8.5))
			b[2+j] = byte(q0) | byte(q1)<<4
		}
	}
}

func quantizeQ4_1(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*20 : i*20+20]
		lo, hi := minMax(x)
		d := (hi - lo) / 15
		id := inverse(d)
		putF16(b, d)
		putF16(b[2:], lo)
		for j := 0; j < qk/2; j++ {
			x0 := float32((x[j] - lo) * id)
			x1 := float32((x[j+qk/2] - lo) * id)
			q0 := min(15, truncInt8(x0+0.5))
			q1 := min(15, truncInt8(x1+0.5))
			b[4+j] = byte(q0) | byte(q1)<<4
		}
	}
}

func quantizeQ5_0(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*22 : i*22+22]
		max, _ := absMax(x)
		d := max / -16
		id := inverse(d)
		putF16(b, d)
		var qh uint32
		for j := 0; j < qk/2; j++ {
			x0 := float32(x[j] * id)
			x1 := float32(x[j+qk/2] * id)
			q0 := byte(min(31, truncInt8(x0+16.5)))
			q1 := byte(min(31, truncInt8(x1+16.5)))
			b[6+j] = q0&0x0f | (q1&0x0f)<<4
			qh |= uint32(q0&0x10) >> 4 << j
			qh |= uint32(q1&0x10) >> 4 << (j + qk/2)
		}
		binary.LittleEndian.PutUint32(b[2:], qh)
	}
}

func quantizeQ5_1(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*24 : i*24+24]
		lo, hi := minMax(x)
		d := (hi - lo) / 31
		id := inverse(d)
		putF16(b, d)
		putF16(b[2:], lo)
		var qh uint32
		for j := 0; j < qk/2; j++ {
			x0 := float32((x[j] - lo) * id)
			x1 := float32((x[j+qk/2] - lo) * id)
			// ggml casts straight to uint8 here, without a clamp.
			q0 := byte(int32(x0 + 0.5))
			q1 := byte(int32(x1 + 0.5))
			b[8+j] = q0&0x0f | (q1&0x0f)<<4
			qh |= uint32(q0&0x10) >> 4 << j
			qh |= uint32(q1&0x10) >> 4 << (j + qk/2)
		}
		binary.LittleEndian.PutUint32(b[4:], qh)
	}
}

func quantizeQ8_0(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*34 : i*34+34]
		_, amax := absMax(x)
		d := amax / 127
		id := inverse(d)
		putF16(b, d)
		for j, v := range x {
			b[2+j] = byte(int8(int32(roundHalfAway(v * id))))
		}
	}
}

func quantizeQ8_1(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		x := src[i*qk : i*qk+qk]
		b := dst[i*36 : i*36+36]
		_, amax := absMax(x)
		d := amax / 127
		id := inverse(d)
		putF16(b, d)
		var sum int32
		for j, v := range x {
			q := int8(int32(roundHalfAway(v * id)))
			b[4+j] = byte(q)
			sum += int32(q)
		}
		putF16(b[2:], float32(sum)*d)
	}
}

// Dot products of weight blocks with Q8_0/Q8_1 activation blocks: integer sums
// inside a block, then one float multiply-add per block, in ggml's order.

func vecDotQ4_0(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/qk; i++ {
		wb, xb := w[i*18:i*18+18], x[i*34:i*34+34]
		qs, q8 := wb[2:18], xb[2:34]
		var sumi int32
		for j := 0; j < qk/2; j++ {
			sumi += (int32(qs[j]&0x0f) - 8) * int32(int8(q8[j]))
			sumi += (int32(qs[j]>>4) - 8) * int32(int8(q8[j+qk/2]))
		}
		sumf += float32(float32(sumi) * f16At(wb) * f16At(xb))
	}
	return sumf
}

func vecDotQ4_1(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/qk; i++ {
		wb, xb := w[i*20:i*20+20], x[i*36:i*36+36]
		qs, q8 := wb[4:20], xb[4:36]
		var sumi int32
		for j := 0; j < qk/2; j++ {
			sumi += int32(qs[j]&0x0f) * int32(int8(q8[j]))
			sumi += int32(qs[j]>>4) * int32(int8(q8[j+qk/2]))
		}
		dd := f16At(wb) * f16At(xb)
		sumf += float32(float32(dd*float32(sumi)) + float32(f16At(wb[2:])*f16At(xb[2:])))
	}
	return sumf
}

func vecDotQ5_0(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/qk; i++ {
		wb, xb := w[i*22:i*22+22], x[i*34:i*34+34]
		qh := binary.LittleEndian.Uint32(wb[2:])
		qs, q8 := wb[6:22], xb[2:34]
		var sumi int32
		for j := 0; j < qk/2; j++ {
			h0 := byte(qh>>j<<4) & 0x10
			h1 := byte(qh>>(j+12)) & 0x10
			sumi += (int32(qs[j]&0x0f|h0) - 16) * int32(int8(q8[j]))
			sumi += (int32(qs[j]>>4|h1) - 16) * int32(int8(q8[j+qk/2]))
		}
		sumf += float32(f16At(wb) * f16At(xb) * float32(sumi))
	}
	return sumf
}

func vecDotQ5_1(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/qk; i++ {
		wb, xb := w[i*24:i*24+24], x[i*36:i*36+36]
		qh := binary.LittleEndian.Uint32(wb[4:])
		qs, q8 := wb[8:24], xb[4:36]
		var sumi int32
		for j := 0; j < qk/2; j++ {
			h0 := byte(qh>>j<<4) & 0x10
			h1 := byte(qh>>(j+12)) & 0x10
			sumi += int32(qs[j]&0x0f|h0) * int32(int8(q8[j]))
			sumi += int32(qs[j]>>4|h1) * int32(int8(q8[j+qk/2]))
		}
		dd := f16At(wb) * f16At(xb)
		sumf += float32(float32(dd*float32(sumi)) + float32(f16At(wb[2:])*f16At(xb[2:])))
	}
	return sumf
}

func vecDotQ8_0(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/qk; i++ {
		wb, xb := w[i*34:i*34+34], x[i*34:i*34+34]
		var sumi int32
		for j := 0; j < qk; j++ {
			sumi += int32(int8(wb[2+j])) * int32(int8(xb[2+j]))
		}
		sumf += float32(float32(sumi) * (f16At(wb) * f16At(xb)))
	}
	return sumf
}
