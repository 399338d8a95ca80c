package quant

import (
	"encoding/binary"
	"math"
)

// K-quants: 256-element super-blocks split into 16 or 8 sub-blocks, each with
// its own small integer scale (and min) that multiplies the super-block's f16
// scale. Layouts (little-endian, packed, in ggml's field order):
//
//	Q2_K (84 B):  scales[16] (low nibble scale, high nibble min) | qs[64] | d | dmin
//	Q3_K (110 B): hmask[32] | qs[64] | scales[12] (16 six-bit scales) | d
//	Q4_K (144 B): d | dmin | scales[12] (8 six-bit scales, 8 mins) | qs[128]
//	Q5_K (176 B): d | dmin | scales[12] | qh[32] | qs[128]
//	Q6_K (210 B): ql[128] | qh[64] | scales[16] int8 | d
//	Q8_K (292 B): d float32 | qs[256] int8 | bsums[16] int16 (sums of 16 qs)
//
// Dequantization is exact up to its last operation: a half scale (11
// significant bits) times a sub-block scale times a level fits in float32's 24
// bits, so only the final add/subtract of a min rounds. The quantizers are
// long float32 computations; as in legacy.go, products that feed a sum are
// wrapped in float32(...) so Go cannot fuse them into an FMA that ggml's
// reference code (built without FMA on x86-64) does not do.

const (
	q2KBytes = 84
	q3KBytes = 110
	q4KBytes = 144
	q5KBytes = 176
	q6KBytes = 210
	q8KBytes = 292
)

// scaleMinK4 unpacks sub-block j's six-bit scale and min from the 12 packed
// bytes of Q4_K/Q5_K (ggml's get_scale_min_k4): the first four of each are
// the low six bits of bytes 0–3 and 4–7; the last four keep their low nibbles
// in bytes 8–11 and their top two bits in the spare top bits of bytes 0–7.
func scaleMinK4(j int, q []byte) (sc, m byte) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0x0f | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// scaleQ3K unpacks Q3_K's sub-block j scale (0..63, stored biased by 32): low
// nibbles in bytes 0–7 (j < 8 low, else high nibble of j-8), top two bits in
// bytes 8–11.
func scaleQ3K(j int, sc []byte) int32 {
	var lo byte
	if j < 8 {
		lo = sc[j] & 0x0f
	} else {
		lo = sc[j-8] >> 4
	}
	hi := (sc[8+j%4] >> (2 * (j / 4))) & 3
	return int32(lo | hi<<4)
}

func dequantizeQ2_K(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*q2KBytes : (i+1)*q2KBytes]
		scales, qs := b[0:16], b[16:80]
		d, dmin := f16At(b[80:]), f16At(b[82:])
		y := dst[i*QK_K : (i+1)*QK_K]
		k, is := 0, 0
		for n := 0; n < 2; n++ {
			q := qs[32*n : 32*n+32]
			for shift := 0; shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					sc := scales[is]
					is++
					dl, ml := d*float32(sc&0x0f), float32(dmin*float32(sc>>4))
					for l := 16 * half; l < 16*half+16; l++ {
						y[k] = float32(dl*float32((q[l]>>shift)&3)) - ml
						k++
					}
				}
			}
		}
	}
}

func dequantizeQ3_K(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*q3KBytes : (i+1)*q3KBytes]
		hm, qs, scales := b[0:32], b[32:96], b[96:108]
		d := f16At(b[108:])
		y := dst[i*QK_K : (i+1)*QK_K]
		k, is := 0, 0
		m := byte(1)
		for n := 0; n < 2; n++ {
			q := qs[32*n : 32*n+32]
			for shift := 0; shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					dl := d * float32(scaleQ3K(is, scales)-32)
					is++
					for l := 16 * half; l < 16*half+16; l++ {
						v := int32((q[l] >> shift) & 3)
						if hm[l]&m == 0 {
							v -= 4
						}
						y[k] = dl * float32(v)
						k++
					}
				}
				m <<= 1
			}
		}
	}
}

func dequantizeQ4_K(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*q4KBytes : (i+1)*q4KBytes]
		d, dmin := f16At(b), f16At(b[2:])
		scales, qs := b[4:16], b[16:144]
		y := dst[i*QK_K : (i+1)*QK_K]
		for j := 0; j < QK_K/64; j++ {
			sc, m := scaleMinK4(2*j, scales)
			d1, m1 := d*float32(sc), float32(dmin*float32(m))
			sc, m = scaleMinK4(2*j+1, scales)
			d2, m2 := d*float32(sc), float32(dmin*float32(m))
			q := qs[32*j : 32*j+32]
			out := y[64*j : 64*j+64]
			for l := 0; l < 32; l++ {
				out[l] = float32(d1*float32(q[l]&0x0f)) - m1
				out[l+32] = float32(d2*float32(q[l]>>4)) - m2
			}
		}
	}
}

func dequantizeQ5_K(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*q5KBytes : (i+1)*q5KBytes]
		d, dmin := f16At(b), f16At(b[2:])
		scales, qh, qs := b[4:16], b[16:48], b[48:176]
		y := dst[i*QK_K : (i+1)*QK_K]
		u1, u2 := byte(1), byte(2)
		for j := 0; j < QK_K/64; j++ {
			sc, m := scaleMinK4(2*j, scales)
			d1, m1 := d*float32(sc), float32(dmin*float32(m))
			sc, m = scaleMinK4(2*j+1, scales)
			d2, m2 := d*float32(sc), float32(dmin*float32(m))
			ql := qs[32*j : 32*j+32]
			out := y[64*j : 64*j+64]
			for l := 0; l < 32; l++ {
				lo, hi := ql[l]&0x0f, ql[l]>>4
				if qh[l]&u1 != 0 {
					lo += 16
				}
				if qh[l]&u2 != 0 {
					hi += 16
				}
				out[l] = float32(d1*float32(lo)) - m1
				out[l+32] = float32(d2*float32(hi)) - m2
			}
			u1 <<= 2
			u2 <<= 2
		}
	}
}

func dequantizeQ6_K(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*q6KBytes : (i+1)*q6KBytes]
		d := f16At(b[208:])
		y := dst[i*QK_K : (i+1)*QK_K]
		for n := 0; n < 2; n++ {
			ql, qh, sc := b[64*n:64*n+64], b[128+32*n:128+32*n+32], b[192+8*n:192+8*n+8]
			out := y[128*n : 128*n+128]
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int32(ql[l]&0x0f|(qh[l]>>0&3)<<4) - 32
				q2 := int32(ql[l+32]&0x0f|(qh[l]>>2&3)<<4) - 32
				q3 := int32(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				q4 := int32(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
				out[l] = d * float32(int8(sc[is])) * float32(q1)
				out[l+32] = d * float32(int8(sc[is+2])) * float32(q2)
				out[l+64] = d * float32(int8(sc[is+4])) * float32(q3)
				out[l+96] = d * float32(int8(sc[is+6])) * float32(q4)
			}
		}
	}
}

func dequantizeQ8_K(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*q8KBytes : (i+1)*q8KBytes]
		d := f32At(b)
		y := dst[i*QK_K : (i+1)*QK_K]
		for j, q := range b[4 : 4+QK_K] {
			y[j] = d * float32(int8(q))
		}
	}
}

// nearestInt is ggml's nearest_int: round to nearest, ties to even, by adding
// 1.5·2²³ so the FPU does the rounding. Valid for |f| ≤ 4194303; beyond that
// (or for NaN) it returns garbage but never panics.
func nearestInt(f float32) int32 {
	v := math.Float32bits(float32(f) + 12582912) // float32(f): never fused into an FMA
	return int32(v&0x007fffff) - 0x00400000
}

// groupMaxEps is ggml's GROUP_MAX_EPS: groups whose largest magnitude is
// below it quantize to all zeros.
const groupMaxEps = 1e-15

func clampInt(v, lo, hi int32) int32 { return max(lo, min(hi, v)) }

// makeQXQuants is ggml's make_qx_quants for rmse_type 1 without importance
// weights (the only way the reference quantizers call it): symmetric levels
// -nmax..nmax-1 for n values, searching 19 scales around nmax/max for the one
// with least x²-weighted error. L gets level+nmax; it returns the scale.
func makeQXQuants(nmax int32, x []float32, L []int8) float32 {
	max, amax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := float32(-nmax) / max
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l + nmax)
		w := v * v
		sumlx += float32(w * v * float32(l))
		suml2 += float32(w * float32(l) * float32(l))
	}
	scale := float32(0)
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := scale * sumlx
	for is := int32(-9); is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = -(float32(nmax) + float32(float32(0.1)*float32(is))) / max
		sumlx, suml2 = 0, 0
		for _, v := range x {
			l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
			w := v * v
			sumlx += float32(w * v * float32(l))
			suml2 += float32(w * float32(l) * float32(l))
		}
		if suml2 > 0 && sumlx*sumlx > float32(best*suml2) {
			for i, v := range x {
				L[i] = int8(nmax + clampInt(nearestInt(iscale*v), -nmax, nmax-1))
			}
			scale = sumlx / suml2
			best = scale * sumlx
		}
	}
	return scale
}

// makeQ3Quants is ggml's make_q3_quants with do_rmse: levels -nmax..nmax-1,
// then up to five passes that move single values to another level when that
// lowers the x²-weighted error. L gets level+nmax; it returns the scale.
func makeQ3Quants(nmax int32, x []float32, L []int8) float32 {
	max, amax := absMax(x)
	if amax < groupMaxEps {
		clear(L)
		return 0
	}
	iscale := float32(-nmax) / max
	var sumlx, suml2 float32
	for i, v := range x {
		l := clampInt(nearestInt(iscale*v), -nmax, nmax-1)
		L[i] = int8(l)
		w := v * v
		sumlx += float32(w * v * float32(l))
		suml2 += float32(w * float32(l) * float32(l))
	}
	for itry := 0; itry < 5; itry++ {
		changed := 0
		for i, v := range x {
			w := v * v
			li := float32(L[i])
			slx := sumlx - float32(w*v*li)
			if slx > 0 {
				sl2 := suml2 - float32(w*li*li)
				nl := clampInt(nearestInt(v*sl2/slx), -nmax, nmax-1)
				if nl != int32(L[i]) {
					slx += float32(w * v * float32(nl))
					sl2 += float32(w * float32(nl) * float32(nl))
					if sl2 > 0 && slx*slx*suml2 > float32(sumlx*sumlx*sl2) {
						L[i] = int8(nl)
						sumlx, suml2 = slx, sl2
						changed++
					}
				}
			}
		}
		if changed == 0 {
			break
		}
	}
	for i := range L {
		L[i] += int8(nmax)
	}
	if suml2 > 0 {
		return sumlx / suml2
	}
	return 0
}

// makeQKX2Quants is ggml's make_qkx2_quants: asymmetric levels 0..nmax with a
// min, fitting scale and min by weighted least squares over nstep+1 trial
// scales and keeping the one with least weighted error (absolute when useMAD,
// else squared). L gets the levels; it returns the scale and -min.
func makeQKX2Quants(nmax int32, x, weights []float32, L, Laux []uint8,
	rmin, rdelta float32, nstep int, useMAD bool) (scale, negMin float32) {
	min, max := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < len(x); i++ {
		if x[i] < min {
			min = x[i]
		}
		if x[i] > max {
			max = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if min > 0 {
		min = 0
	}
	if max == min {
		clear(L)
		return 0, -min
	}
	errOf := func(diff float32) float32 {
		if useMAD {
			return abs32(diff)
		}
		return diff * diff
	}
	iscale := float32(nmax) / (max - min)
	scale = 1 / iscale
	var bestErr float32
	for i, v := range x {
		L[i] = uint8(clampInt(nearestInt(iscale*(v-min)), 0, nmax))
		diff := float32(scale*float32(L[i])) + min - v
		bestErr += float32(weights[i] * errOf(diff))
	}
	if nstep < 1 {
		return scale, -min
	}
	for is := 0; is <= nstep; is++ {
		iscale = (rmin + float32(rdelta*float32(is)) + float32(nmax)) / (max - min)
		var sumL, sumL2, sumXL float32
		for i, v := range x {
			l := clampInt(nearestInt(iscale*(v-min)), 0, nmax)
			Laux[i] = uint8(l)
			w := weights[i]
			fl := float32(l)
			sumL += float32(w * fl)
			sumL2 += float32(w * fl * fl)
			sumXL += float32(w * fl * v)
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var cur float32
			for i, v := range x {
				diff := float32(thisScale*float32(Laux[i])) + thisMin - v
				cur += float32(weights[i] * errOf(diff))
			}
			if cur < bestErr {
				copy(L, Laux[:len(L)])
				bestErr, scale, min = cur, thisScale, thisMin
			}
		}
	}
	return scale, -min
}

func quantizeQ2_K(dst []byte, src []float32) {
	var (
		L       [QK_K]uint8
		laux    [16]uint8
		weights [16]float32
		mins    [QK_K / 16]float32
		scales  [QK_K / 16]float32
	)
	const q4scale = 15
	for i := 0; i < len(src)/QK_K; i++ {
		x := src[i*QK_K : (i+1)*QK_K]
		b := dst[i*q2KBytes : (i+1)*q2KBytes]
		bscales, qs := b[0:16], b[16:80]
		var maxScale, maxMin float32
		for j := 0; j < QK_K/16; j++ {
			xs := x[16*j : 16*j+16]
			for l, v := range xs {
				weights[l] = abs32(v)
			}
			scales[j], mins[j] = makeQKX2Quants(3, xs, weights[:], L[16*j:16*j+16], laux[:], -0.5, 0.1, 15, true)
			if scales[j] > maxScale {
				maxScale = scales[j]
			}
			if mins[j] > maxMin {
				maxMin = mins[j]
			}
		}
		if maxScale > 0 {
			iscale := q4scale / maxScale
			for j := range scales {
				bscales[j] = byte(nearestInt(iscale * scales[j]))
			}
			putF16(b[80:], maxScale/q4scale)
		} else {
			clear(bscales)
			putF16(b[80:], 0)
		}
		if maxMin > 0 {
			iscale := q4scale / maxMin
			for j := range mins {
				bscales[j] |= byte(nearestInt(iscale*mins[j]) << 4)
			}
			putF16(b[82:], maxMin/q4scale)
		} else {
			putF16(b[82:], 0)
		}
		d, dmin := f16At(b[80:]), f16At(b[82:])
		for j := 0; j < QK_K/16; j++ {
			dj := d * float32(bscales[j]&0x0f)
			if dj == 0 {
				continue
			}
			dm := float32(dmin * float32(bscales[j]>>4))
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = uint8(clampInt(nearestInt((x[16*j+ii]+dm)/dj), 0, 3))
			}
		}
		for j := 0; j < QK_K; j += 128 {
			for l := 0; l < 32; l++ {
				qs[j/4+l] = L[j+l] | L[j+l+32]<<2 | L[j+l+64]<<4 | L[j+l+96]<<6
			}
		}
	}
}

func quantizeQ3_K(dst []byte, src []float32) {
	var (
		L      [QK_K]int8
		scales [QK_K / 16]float32
	)
	for i := 0; i < len(src)/QK_K; i++ {
		x := src[i*QK_K : (i+1)*QK_K]
		b := dst[i*q3KBytes : (i+1)*q3KBytes]
		hmask, qs, bscales := b[0:32], b[32:96], b[96:108]
		var maxScale, amax float32
		for j := 0; j < QK_K/16; j++ {
			scales[j] = makeQ3Quants(4, x[16*j:16*j+16], L[16*j:16*j+16])
			if a := abs32(scales[j]); a > amax {
				amax, maxScale = a, scales[j]
			}
		}
		clear(bscales)
		if maxScale != 0 {
			iscale := -32 / maxScale
			for j := 0; j < QK_K/16; j++ {
				// ggml stores nearest_int into an int8 before clamping.
				l := byte(clampInt(int32(int8(nearestInt(iscale*scales[j]))), -32, 31) + 32)
				if j < 8 {
					bscales[j] = l & 0x0f
				} else {
					bscales[j-8] |= (l & 0x0f) << 4
				}
				bscales[j%4+8] |= (l >> 4) << (2 * (j / 4))
			}
			putF16(b[108:], 1/iscale)
		} else {
			putF16(b[108:], 0)
		}
		d := f16At(b[108:])
		for j := 0; j < QK_K/16; j++ {
			dj := d * float32(scaleQ3K(j, bscales)-32)
			if dj == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/dj), -4, 3) + 4)
			}
		}
		// The high bit of element j goes to bit j/32 of hmask[j%32].
		clear(hmask)
		for j := 0; j < QK_K; j++ {
			if L[j] > 3 {
				hmask[j%32] |= 1 << (j / 32)
				L[j] -= 4
			}
		}
		for j := 0; j < QK_K; j += 128 {
			for l := 0; l < 32; l++ {
				qs[j/4+l] = byte(L[j+l]) | byte(L[j+l+32])<<2 | byte(L[j+l+64])<<4 | byte(L[j+l+96])<<6
			}
		}
	}
}

// quantizeQ45K is the shared body of the Q4_K and Q5_K reference quantizers:
// it fills d, dmin and the packed scales of block b and the levels L (0..nmax)
// of the 256 values x.
func quantizeQ45K(b []byte, x []float32, L *[QK_K]uint8, nmax int32, rmin float32, nstep int) {
	var (
		laux    [32]uint8
		weights [32]float32
		mins    [QK_K / 32]float32
		scales  [QK_K / 32]float32
	)
	var maxScale, maxMin float32
	for j := 0; j < QK_K/32; j++ {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += float32(v * v)
		}
		avX := float32(math.Sqrt(float64(sumX2 / 32)))
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j], mins[j] = makeQKX2Quants(nmax, xs, weights[:], L[32*j:32*j+32], laux[:], rmin, 0.1, nstep, false)
		// Not the max builtin: ggml's comparisons skip NaNs, max keeps them.
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMin {
			maxMin = mins[j]
		}
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	bscales := b[4:16]
	for j := 0; j < QK_K/32; j++ {
		ls := min(63, uint8(nearestInt(invScale*scales[j])))
		lm := min(63, uint8(nearestInt(invMin*mins[j])))
		if j < 4 {
			bscales[j] = ls
			bscales[j+4] = lm
		} else {
			bscales[j+4] = ls&0x0f | (lm&0x0f)<<4
			bscales[j-4] |= (ls >> 4) << 6
			bscales[j] |= (lm >> 4) << 6
		}
	}
	putF16(b, maxScale/63)
	putF16(b[2:], maxMin/63)
	d, dmin := f16At(b), f16At(b[2:])
	for j := 0; j < QK_K/32; j++ {
		sc, m := scaleMinK4(j, bscales)
		dj := d * float32(sc)
		if dj == 0 {
			continue
		}
		dm := float32(dmin * float32(m))
		for ii := 0; ii < 32; ii++ {
			L[32*j+ii] = uint8(clampInt(nearestInt((x[32*j+ii]+dm)/dj), 0, nmax))
		}
	}
}

func quantizeQ4_K(dst []byte, src []float32) {
	var L [QK_K]uint8
	for i := 0; i < len(src)/QK_K; i++ {
		b := dst[i*q4KBytes : (i+1)*q4KBytes]
		quantizeQ45K(b, src[i*QK_K:(i+1)*QK_K], &L, 15, -1, 20)
		q := b[16:144]
		for j := 0; j < QK_K; j += 64 {
			for l := 0; l < 32; l++ {
				q[j/2+l] = L[j+l] | L[j+l+32]<<4
			}
		}
	}
}

func quantizeQ5_K(dst []byte, src []float32) {
	var L [QK_K]uint8
	for i := 0; i < len(src)/QK_K; i++ {
		b := dst[i*q5KBytes : (i+1)*q5KBytes]
		quantizeQ45K(b, src[i*QK_K:(i+1)*QK_K], &L, 31, -0.5, 15)
		qh, ql := b[16:48], b[48:176]
		clear(qh)
		m1, m2 := byte(1), byte(2)
		for n := 0; n < QK_K; n += 64 {
			for j := 0; j < 32; j++ {
				l1, l2 := L[n+j], L[n+j+32]
				if l1 > 15 {
					l1 -= 16
					qh[j] |= m1
				}
				if l2 > 15 {
					l2 -= 16
					qh[j] |= m2
				}
				ql[n/2+j] = l1 | l2<<4
			}
			m1 <<= 2
			m2 <<= 2
		}
	}
}

func quantizeQ6_K(dst []byte, src []float32) {
	var (
		L      [QK_K]int8
		scales [QK_K / 16]float32
	)
	for i := 0; i < len(src)/QK_K; i++ {
		x := src[i*QK_K : (i+1)*QK_K]
		b := dst[i*q6KBytes : (i+1)*q6KBytes]
		var maxScale, maxAbsScale float32
		for ib := 0; ib < QK_K/16; ib++ {
			scales[ib] = makeQXQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
			if a := abs32(scales[ib]); a > maxAbsScale {
				maxAbsScale, maxScale = a, scales[ib]
			}
		}
		if maxAbsScale < groupMaxEps {
			clear(b)
			continue
		}
		iscale := -128 / maxScale
		putF16(b[208:], 1/iscale)
		bscales := b[192:208]
		for ib := range scales {
			bscales[ib] = byte(int8(min(127, nearestInt(iscale*scales[ib]))))
		}
		d := f16At(b[208:])
		for j := 0; j < QK_K/16; j++ {
			dj := d * float32(int8(bscales[j]))
			if dj == 0 {
				continue
			}
			for ii := 0; ii < 16; ii++ {
				L[16*j+ii] = int8(clampInt(nearestInt(x[16*j+ii]/dj), -32, 31) + 32)
			}
		}
		for n := 0; n < 2; n++ {
			ql, qh := b[64*n:64*n+64], b[128+32*n:128+32*n+32]
			Ln := L[128*n : 128*n+128]
			for l := 0; l < 32; l++ {
				q1, q2, q3, q4 := byte(Ln[l]), byte(Ln[l+32]), byte(Ln[l+64]), byte(Ln[l+96])
				ql[l] = q1&0x0f | (q3&0x0f)<<4
				ql[l+32] = q2&0x0f | (q4&0x0f)<<4
				qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
			}
		}
	}
}

// quantizeQ8_K is ggml's quantize_row_q8_K_ref: scale -127/max (max the
// signed value of largest magnitude), round to nearest even, and store the
// sums of each 16 quants for the min terms of the K-quant dot products.
func quantizeQ8_K(dst []byte, src []float32) {
	for i := 0; i < len(src)/QK_K; i++ {
		x := src[i*QK_K : (i+1)*QK_K]
		b := dst[i*q8KBytes : (i+1)*q8KBytes]
		max, amax := absMax(x)
		if amax == 0 {
			// ggml leaves bsums untouched here; zero them so the block is
			// fully defined.
			clear(b)
			continue
		}
		iscale := -127 / max
		qs := b[4 : 4+QK_K]
		for j, v := range x {
			qs[j] = byte(int8(min(127, nearestInt(iscale*v))))
		}
		for j := 0; j < QK_K/16; j++ {
			var sum int32
			for _, q := range qs[16*j : 16*j+16] {
				sum += int32(int8(q))
			}
			binary.LittleEndian.PutUint16(b[4+QK_K+2*j:], uint16(int16(sum)))
		}
		putF32(b, 1/iscale)
	}
}

// q8KBlock splits a Q8_K block into its scale, quants and 16-element sums.
func q8KBlock(b []byte) (d float32, qs []byte, bsums []byte) {
	return f32At(b), b[4 : 4+QK_K], b[4+QK_K : q8KBytes]
}

func bsum(bsums []byte, j int) int32 {
	return int32(int16(binary.LittleEndian.Uint16(bsums[2*j:])))
}

func vecDotQ2_K(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wb := w[i*q2KBytes : (i+1)*q2KBytes]
		yd, q8, bsums := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		scales, qs := wb[0:16], wb[16:80]
		var summs int32
		for j := 0; j < 16; j++ {
			summs += bsum(bsums, j) * int32(scales[j]>>4)
		}
		dall := yd * f16At(wb[80:])
		dmin := yd * f16At(wb[82:])
		var isum int32
		is, k := 0, 0
		for n := 0; n < 2; n++ {
			q2 := qs[32*n : 32*n+32]
			for shift := 0; shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					var s int32
					for l := 16 * half; l < 16*half+16; l++ {
						s += int32(int8(q8[k])) * int32((q2[l]>>shift)&3)
						k++
					}
					isum += int32(scales[is]&0x0f) * s
					is++
				}
			}
		}
		sumf += float32(float32(dall*float32(isum)) - float32(dmin*float32(summs)))
	}
	return sumf
}

func vecDotQ3_K(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wb := w[i*q3KBytes : (i+1)*q3KBytes]
		yd, q8, _ := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		hm, qs, scales := wb[0:32], wb[32:96], wb[96:108]
		var isum int32
		is, k := 0, 0
		m := byte(1)
		for n := 0; n < 2; n++ {
			q3 := qs[32*n : 32*n+32]
			for shift := 0; shift < 8; shift += 2 {
				for half := 0; half < 2; half++ {
					var s int32
					for l := 16 * half; l < 16*half+16; l++ {
						v := int32((q3[l] >> shift) & 3)
						if hm[l]&m == 0 {
							v -= 4
						}
						s += int32(int8(q8[k])) * v
						k++
					}
					isum += (scaleQ3K(is, scales) - 32) * s
					is++
				}
				m <<= 1
			}
		}
		sumf += float32(f16At(wb[108:]) * yd * float32(isum))
	}
	return sumf
}

func vecDotQ4_K(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wb := w[i*q4KBytes : (i+1)*q4KBytes]
		yd, q8, bsums := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		scales, qs := wb[4:16], wb[16:144]
		var isum, summs int32
		for j := 0; j < QK_K/64; j++ {
			sc1, m1 := scaleMinK4(2*j, scales)
			sc2, m2 := scaleMinK4(2*j+1, scales)
			q := qs[32*j : 32*j+32]
			a, b := q8[64*j:64*j+32], q8[64*j+32:64*j+64]
			var s1, s2 int32
			for l := 0; l < 32; l++ {
				s1 += int32(q[l]&0x0f) * int32(int8(a[l]))
				s2 += int32(q[l]>>4) * int32(int8(b[l]))
			}
			isum += int32(sc1)*s1 + int32(sc2)*s2
			summs += int32(m1)*(bsum(bsums, 4*j)+bsum(bsums, 4*j+1)) +
				int32(m2)*(bsum(bsums, 4*j+2)+bsum(bsums, 4*j+3))
		}
		d := f16At(wb) * yd
		dmin := f16At(wb[2:]) * yd
		sumf += float32(float32(d*float32(isum)) - float32(dmin*float32(summs)))
	}
	return sumf
}

func vecDotQ5_K(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wb := w[i*q5KBytes : (i+1)*q5KBytes]
		yd, q8, bsums := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		scales, qh, qs := wb[4:16], wb[16:48], wb[48:176]
		var isum, summs int32
		u1, u2 := byte(1), byte(2)
		for j := 0; j < QK_K/64; j++ {
			sc1, m1 := scaleMinK4(2*j, scales)
			sc2, m2 := scaleMinK4(2*j+1, scales)
			q := qs[32*j : 32*j+32]
			a, b := q8[64*j:64*j+32], q8[64*j+32:64*j+64]
			var s1, s2 int32
			for l := 0; l < 32; l++ {
				lo, hi := int32(q[l]&0x0f), int32(q[l]>>4)
				if qh[l]&u1 != 0 {
					lo += 16
				}
				if qh[l]&u2 != 0 {
					hi += 16
				}
				s1 += lo * int32(int8(a[l]))
				s2 += hi * int32(int8(b[l]))
			}
			isum += int32(sc1)*s1 + int32(sc2)*s2
			summs += int32(m1)*(bsum(bsums, 4*j)+bsum(bsums, 4*j+1)) +
				int32(m2)*(bsum(bsums, 4*j+2)+bsum(bsums, 4*j+3))
			u1 <<= 2
			u2 <<= 2
		}
		d := f16At(wb) * yd
		dmin := f16At(wb[2:]) * yd
		sumf += float32(float32(d*float32(isum)) - float32(dmin*float32(summs)))
	}
	return sumf
}

func vecDotQ6_K(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wb := w[i*q6KBytes : (i+1)*q6KBytes]
		yd, q8, _ := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		var isum int32
		for n := 0; n < 2; n++ {
			ql, qh, sc := wb[64*n:64*n+64], wb[128+32*n:128+32*n+32], wb[192+8*n:192+8*n+8]
			a := q8[128*n : 128*n+128]
			var s [8]int32 // one sum per 16-element sub-block
			for l := 0; l < 32; l++ {
				is := l / 16
				q1 := int32(ql[l]&0x0f|(qh[l]>>0&3)<<4) - 32
				q2 := int32(ql[l+32]&0x0f|(qh[l]>>2&3)<<4) - 32
				q3 := int32(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
				q4 := int32(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
				s[is] += q1 * int32(int8(a[l]))
				s[is+2] += q2 * int32(int8(a[l+32]))
				s[is+4] += q3 * int32(int8(a[l+64]))
				s[is+6] += q4 * int32(int8(a[l+96]))
			}
			for j := range s {
				isum += int32(int8(sc[j])) * s[j]
			}
		}
		sumf += float32(f16At(wb[208:]) * yd * float32(isum))
	}
	return sumf
}

// vecDotQ8_K has no ggml counterpart (Q8_K is an activation format); it is
// here so that every type with a quantizer can be dotted.
func vecDotQ8_K(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wd, wq, _ := q8KBlock(w[i*q8KBytes : (i+1)*q8KBytes])
		xd, xq, _ := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		var isum int32
		for j := range wq {
			isum += int32(int8(wq[j])) * int32(int8(xq[j]))
		}
		sumf += float32(wd * xd * float32(isum))
	}
	return sumf
}
