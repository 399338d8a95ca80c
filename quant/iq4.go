package quant

import "encoding/binary"

// Non-linear 4-bit formats: each nibble indexes a fixed table of 16 levels
// (denser near zero) instead of being a linear level.
//
//	IQ4_NL (18 B per 32):   d f16 | qs[16]
//	IQ4_XS (136 B per 256): d f16 | scales_h u16 | scales_l[4] | qs[128]
//
// IQ4_XS has eight 32-element sub-blocks with six-bit scales (biased by 32):
// low nibble in scales_l[ib/2] (low nibble for even ib), top two bits at bit
// 2·ib of scales_h. In both, qs byte j of a 32-element group holds element j
// low and element j+16 high.

// iq4Values is ggml's kvalues_iq4nl.
var iq4Values = [16]int8{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

const (
	iq4NLBytes = 18
	iq4XSBytes = 136
)

func dequantizeIQ4_NL(dst []float32, src []byte) {
	for i := 0; i < len(dst)/qk; i++ {
		b := src[i*iq4NLBytes : (i+1)*iq4NLBytes]
		d := f16At(b)
		qs := b[2:18]
		y := dst[i*qk : (i+1)*qk]
		for j := 0; j < 16; j++ {
			y[j] = d * float32(iq4Values[qs[j]&0x0f])
			y[j+16] = d * float32(iq4Values[qs[j]>>4])
		}
	}
}

// iq4XSScale returns sub-block ib's six-bit scale minus its bias of 32.
func iq4XSScale(b []byte, ib int) int32 {
	h := binary.LittleEndian.Uint16(b[2:])
	ls := int32(b[4+ib/2]>>(4*(ib%2))&0x0f) | int32(h>>(2*ib)&3)<<4
	return ls - 32
}

func dequantizeIQ4_XS(dst []float32, src []byte) {
	for i := 0; i < len(dst)/QK_K; i++ {
		b := src[i*iq4XSBytes : (i+1)*iq4XSBytes]
		d := f16At(b)
		for ib := 0; ib < QK_K/32; ib++ {
			dl := d * float32(iq4XSScale(b, ib))
			qs := b[8+16*ib : 8+16*ib+16]
			y := dst[i*QK_K+32*ib : i*QK_K+32*ib+32]
			for j := 0; j < 16; j++ {
				y[j] = dl * float32(iq4Values[qs[j]&0x0f])
				y[j+16] = dl * float32(iq4Values[qs[j]>>4])
			}
		}
	}
}

// bestIQ4Index returns the index of the table level nearest to x (the upper
// one on an exact tie), comparing 2x with sums of neighbours so the midpoints
// are exact.
func bestIQ4Index(x float32) uint8 {
	x2 := float32(x) + float32(x) // conversions: never fused into an FMA
	idx := 0
	for step := 8; step > 0; step >>= 1 {
		j := idx + step
		if x2 >= float32(int32(iq4Values[j-1])+int32(iq4Values[j])) {
			idx = j
		}
	}
	return uint8(idx)
}

// quantizeIQ4Block is ggml's quantize_row_iq4_nl_impl without importance
// weights (weights x²) and with ntry = 7, as llama-quantize runs it for both
// IQ4_NL and IQ4_XS. x holds one block (32 values for IQ4_NL, 256 for
// IQ4_XS); it writes d, the IQ4_XS scales when there are several sub-blocks,
// and the packed nibbles qs.
func quantizeIQ4Block(x []float32, b []byte, qs []byte) {
	const (
		blockSize = 32
		ntry      = 7
	)
	var (
		L      [QK_K]uint8
		scales [QK_K / 32]float32
	)
	nsub := len(x) / blockSize
	var maxScale, amaxScale float32
	for ib := 0; ib < nsub; ib++ {
		xb := x[ib*blockSize : (ib+1)*blockSize]
		Lb := L[ib*blockSize : (ib+1)*blockSize]
		max, amax := absMax(xb)
		if amax < groupMaxEps {
			scales[ib] = 0
			clear(Lb)
			continue
		}
		d := -max / float32(iq4Values[0])
		id := 1 / d
		var sumqx, sumq2 float32
		for j, v := range xb {
			l := bestIQ4Index(id * v)
			Lb[j] = l
			q := float32(iq4Values[l])
			w := v * v
			sumqx += float32(w * q * v)
			sumq2 += float32(w * q * q)
		}
		d = 0
		if sumq2 > 0 {
			d = sumqx / sumq2
		}
		best := d * sumqx
		for itry := -ntry; itry <= ntry; itry++ {
			id = float32(itry+int(iq4Values[0])) / max
			sumqx, sumq2 = 0, 0
			for _, v := range xb {
				q := float32(iq4Values[bestIQ4Index(id*v)])
				w := v * v
				sumqx += float32(w * q * v)
				sumq2 += float32(w * q * q)
			}
			if sumq2 > 0 && sumqx*sumqx > float32(best*sumq2) {
				d = sumqx / sumq2
				best = d * sumqx
			}
		}
		scales[ib] = d
		if a := abs32(d); a > amaxScale {
			amaxScale, maxScale = a, d
		}
	}
	if nsub > 1 {
		var scalesH uint16
		scalesL := b[4:8]
		clear(scalesL)
		d := -maxScale / 32
		putF16(b, d)
		id := inverse(d)
		for ib := 0; ib < nsub; ib++ {
			l := clampInt(nearestInt(id*scales[ib]), -32, 31)
			dl := d * float32(l)
			idl := inverse(dl)
			for j, v := range x[ib*blockSize : (ib+1)*blockSize] {
				L[ib*blockSize+j] = bestIQ4Index(idl * v)
			}
			l += 32
			scalesL[ib/2] |= byte(l&0x0f) << (4 * (ib % 2))
			scalesH |= uint16(l>>4) << (2 * ib)
		}
		binary.LittleEndian.PutUint16(b[2:], scalesH)
	} else {
		putF16(b, scales[0])
		id := inverse(scales[0])
		for j, v := range x {
			L[j] = bestIQ4Index(id * v)
		}
	}
	for i := 0; i < len(x)/32; i++ {
		for j := 0; j < 16; j++ {
			qs[16*i+j] = L[32*i+j] | L[32*i+16+j]<<4
		}
	}
}

func quantizeIQ4_NL(dst []byte, src []float32) {
	for i := 0; i < len(src)/qk; i++ {
		b := dst[i*iq4NLBytes : (i+1)*iq4NLBytes]
		quantizeIQ4Block(src[i*qk:(i+1)*qk], b, b[2:18])
	}
}

func quantizeIQ4_XS(dst []byte, src []float32) {
	for i := 0; i < len(src)/QK_K; i++ {
		b := dst[i*iq4XSBytes : (i+1)*iq4XSBytes]
		quantizeIQ4Block(src[i*QK_K:(i+1)*QK_K], b, b[8:136])
	}
}

func vecDotIQ4_NL(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/qk; i++ {
		wb, xb := w[i*iq4NLBytes:(i+1)*iq4NLBytes], x[i*34:i*34+34]
		qs, q8 := wb[2:18], xb[2:34]
		var sumi int32
		for j := 0; j < 16; j++ {
			sumi += int32(int8(q8[j])) * int32(iq4Values[qs[j]&0x0f])
			sumi += int32(int8(q8[j+16])) * int32(iq4Values[qs[j]>>4])
		}
		d := f16At(xb) * f16At(wb)
		sumf += float32(d * float32(sumi))
	}
	return sumf
}

func vecDotIQ4_XS(n int, w, x []byte) float32 {
	var sumf float32
	for i := 0; i < n/QK_K; i++ {
		wb := w[i*iq4XSBytes : (i+1)*iq4XSBytes]
		yd, q8, _ := q8KBlock(x[i*q8KBytes : (i+1)*q8KBytes])
		d4d8 := f16At(wb) * yd
		for ib := 0; ib < QK_K/32; ib++ {
			qs := wb[8+16*ib : 8+16*ib+16]
			a := q8[32*ib : 32*ib+32]
			var sumi int32
			for j := 0; j < 16; j++ {
				sumi += int32(int8(a[j])) * int32(iq4Values[qs[j]&0x0f])
				sumi += int32(int8(a[j+16])) * int32(iq4Values[qs[j]>>4])
			}
			dl := d4d8 * float32(iq4XSScale(wb, ib))
			sumf += float32(dl * float32(sumi))
		}
	}
	return sumf
}
