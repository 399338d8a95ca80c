package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// Hand-built blocks. The packers below are written from the layout
// descriptions (ggml's block structs), independently of the dequantizers, and
// the expected values come from the format's formula evaluated in float64 on
// scales chosen so that every product is exact (powers of two, a subnormal
// half, zero, negative). A misplaced nibble, high bit or scale changes values.

// Half-precision bit patterns used as scales.
const (
	hZero   = 0x0000
	hOne    = 0x3c00 // 1
	hHalf   = 0x3800 // 0.5
	hTwo    = 0x4000 // 2
	hMinus1 = 0xbc00 // -1
	hMinus4 = 0xc400 // -4
	hSub    = 0x0001 // 2^-24, the smallest subnormal
	hSub3   = 0x0003 // 3·2^-24
)

func le16(b []byte, v uint16) []byte { return binary.LittleEndian.AppendUint16(b, v) }

// levels fills n levels in [lo, hi], starting at lo and ending at hi, with a
// spread of values between.
func levels(n, lo, hi int) []int {
	q := make([]int, n)
	for i := range q {
		q[i] = lo + (i*7+i/5)%(hi-lo+1)
	}
	q[0], q[n-1] = lo, hi
	q[n/2], q[n/2+1] = hi, lo
	return q
}

// nibbles packs 32 4-bit values: byte j holds value j low and j+16 high.
func nibbles(q []int) []byte {
	b := make([]byte, 16)
	for j := range 16 {
		b[j] = byte(q[j]&15) | byte(q[j+16]&15)<<4
	}
	return b
}

// highBits32 packs bit 4 of 32 values into a little-endian uint32.
func highBits32(q []int) []byte {
	var h uint32
	for j, v := range q {
		h |= uint32(v>>4&1) << j
	}
	return binary.LittleEndian.AppendUint32(nil, h)
}

func packQ4_0(d uint16, q []int) []byte { return append(le16(nil, d), nibbles(q)...) }

func packQ4_1(d, m uint16, q []int) []byte {
	return append(le16(le16(nil, d), m), nibbles(q)...)
}

func packQ5_0(d uint16, q []int) []byte {
	return append(append(le16(nil, d), highBits32(q)...), nibbles(q)...)
}

func packQ5_1(d, m uint16, q []int) []byte {
	return append(append(le16(le16(nil, d), m), highBits32(q)...), nibbles(q)...)
}

func packQ8_0(d uint16, q []int) []byte {
	b := le16(nil, d)
	for _, v := range q {
		b = append(b, byte(int8(v)))
	}
	return b
}

// crumbs packs 256 2-bit values as Q2_K/Q3_K do: element e lives in byte
// 32·(e/128) + e%32 at bit 2·((e%128)/32).
func crumbs(q []int) []byte {
	b := make([]byte, 64)
	for e, v := range q {
		b[32*(e/128)+e%32] |= byte(v&3) << (2 * (e % 128 / 32))
	}
	return b
}

func packQ2_K(d, dmin uint16, sc, mn []int, q []int) []byte {
	b := make([]byte, 0, 84)
	for s := range 16 {
		b = append(b, byte(sc[s]|mn[s]<<4))
	}
	b = append(b, crumbs(q)...)
	return le16(le16(b, d), dmin)
}

// packQ3_K takes raw six-bit scales (value+32) and levels -4..3.
func packQ3_K(d uint16, rawScale []int, q []int) []byte {
	hmask := make([]byte, 32)
	low := make([]int, 256)
	for e, v := range q {
		u := v + 4 // 0..7: bit 2 is the hmask bit
		low[e] = u & 3
		if u&4 != 0 {
			hmask[e%32] |= 1 << (e / 32)
		}
	}
	scales := make([]byte, 12)
	for s, r := range rawScale {
		if s < 8 {
			scales[s] |= byte(r & 15)
		} else {
			scales[s-8] |= byte(r&15) << 4
		}
		scales[8+s%4] |= byte(r>>4) << (2 * (s / 4))
	}
	b := append(append(hmask, crumbs(low)...), scales...)
	return le16(b, d)
}

// kScales packs eight six-bit scales and mins the Q4_K/Q5_K way.
func kScales(sc, mn []int) []byte {
	b := make([]byte, 12)
	for s := range 8 {
		if s < 4 {
			b[s] = byte(sc[s])
			b[s+4] = byte(mn[s])
		} else {
			b[s+4] = byte(sc[s]&15 | (mn[s]&15)<<4)
			b[s-4] |= byte(sc[s]>>4) << 6
			b[s] |= byte(mn[s]>>4) << 6
		}
	}
	return b
}

// kNibbles packs 256 values: element e in byte 32·(e/64) + e%32, low nibble
// for the first 32 of each 64.
func kNibbles(q []int) []byte {
	b := make([]byte, 128)
	for e, v := range q {
		b[32*(e/64)+e%32] |= byte(v&15) << (4 * (e % 64 / 32))
	}
	return b
}

func packQ4_K(d, dmin uint16, sc, mn []int, q []int) []byte {
	return append(append(le16(le16(nil, d), dmin), kScales(sc, mn)...), kNibbles(q)...)
}

func packQ5_K(d, dmin uint16, sc, mn []int, q []int) []byte {
	qh := make([]byte, 32)
	for e, v := range q {
		qh[e%32] |= byte(v>>4&1) << (e / 32)
	}
	b := append(le16(le16(nil, d), dmin), kScales(sc, mn)...)
	return append(append(b, qh...), kNibbles(q)...)
}

// packQ6_K takes levels -32..31. Element e: half n = e/128, l = e%32, group
// g = (e%128)/32; low nibble in ql[64n + l + 32·(g%2)] (high nibble for g ≥
// 2), top two bits in qh[32n + l] at bit 2g.
func packQ6_K(d uint16, sc []int, q []int) []byte {
	ql, qh := make([]byte, 128), make([]byte, 64)
	for e, v := range q {
		u := v + 32
		n, l, g := e/128, e%32, e%128/32
		ql[64*n+l+32*(g%2)] |= byte(u&15) << (4 * (g / 2))
		qh[32*n+l] |= byte(u>>4) << (2 * g)
	}
	b := append(ql, qh...)
	for _, s := range sc {
		b = append(b, byte(int8(s)))
	}
	return le16(b, d)
}

func packQ8_K(d float32, q []int) []byte {
	b := binary.LittleEndian.AppendUint32(nil, math.Float32bits(d))
	for _, v := range q {
		b = append(b, byte(int8(v)))
	}
	for s := range 16 {
		sum := 0
		for _, v := range q[16*s : 16*s+16] {
			sum += v
		}
		b = le16(b, uint16(int16(sum)))
	}
	return b
}

func packIQ4_NL(d uint16, idx []int) []byte { return append(le16(nil, d), nibbles(idx)...) }

func packIQ4_XS(d uint16, rawScale []int, idx []int) []byte {
	var h uint16
	low := make([]byte, 4)
	for s, r := range rawScale {
		low[s/2] |= byte(r&15) << (4 * (s % 2))
		h |= uint16(r>>4) << (2 * s)
	}
	b := append(le16(le16(nil, d), h), low...)
	for g := range 8 {
		b = append(b, nibbles(idx[32*g:32*g+32])...)
	}
	return b
}

// halfF is the float64 value of a half (from its definition, see float_test).
func halfF(h uint16) float64 { return halfValue(h) }

var kvalues = []float64{-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113}

type handCase struct {
	name  string
	t     Type
	block []byte
	want  []float64
}

func handCases() []handCase {
	var cs []handCase
	add := func(name string, t Type, block []byte, want func(e int) float64, n int) {
		w := make([]float64, n)
		for e := range w {
			w[e] = want(e)
		}
		cs = append(cs, handCase{name, t, block, w})
	}
	// Legacy formats: every scale kind against levels covering min and max.
	for _, d := range []uint16{hMinus1, hTwo, hSub3, hZero} {
		// The min is tiny where the scale is, so that sums stay exact.
		m := uint16(hMinus4)
		if math.Abs(halfF(d)) < 1e-6 {
			m = hSub
		}
		q4, q5, q8 := levels(32, 0, 15), levels(32, 0, 31), levels(32, -128, 127)
		add("Q4_0", Q4_0, packQ4_0(d, q4), func(e int) float64 { return float64(q4[e]-8) * halfF(d) }, 32)
		add("Q4_1", Q4_1, packQ4_1(d, m, q4), func(e int) float64 { return float64(q4[e])*halfF(d) + halfF(m) }, 32)
		add("Q5_0", Q5_0, packQ5_0(d, q5), func(e int) float64 { return float64(q5[e]-16) * halfF(d) }, 32)
		add("Q5_1", Q5_1, packQ5_1(d, m, q5), func(e int) float64 { return float64(q5[e])*halfF(d) + halfF(m) }, 32)
		add("Q8_0", Q8_0, packQ8_0(d, q8), func(e int) float64 { return float64(q8[e]) * halfF(d) }, 32)
		idx := levels(32, 0, 15)
		add("IQ4_NL", IQ4_NL, packIQ4_NL(d, idx), func(e int) float64 { return kvalues[idx[e]] * halfF(d) }, 32)
	}
	// K-quants: sub-block scales and mins all different (so a scale applied
	// to the wrong sub-block shows), including zero and the maxima.
	sc16, mn16 := levels(16, 0, 15), levels(16, 0, 15)
	sc8, mn8 := levels(8, 0, 63), levels(8, 0, 63)
	raw16 := levels(16, 0, 63) // Q3_K / IQ4_XS six-bit scales, value = raw-32
	for _, d := range []uint16{hHalf, hMinus1, hSub} {
		dmin := uint16(hTwo)
		if d == hSub {
			dmin = hSub3 // keeps d·sc·q - dmin·m exact
		}
		q2, q3, q4, q5 := levels(256, 0, 3), levels(256, -4, 3), levels(256, 0, 15), levels(256, 0, 31)
		q6, q8 := levels(256, -32, 31), levels(256, -128, 127)
		add("Q2_K", Q2_K, packQ2_K(d, dmin, sc16, mn16, q2), func(e int) float64 {
			return halfF(d)*float64(sc16[e/16]*q2[e]) - halfF(dmin)*float64(mn16[e/16])
		}, 256)
		add("Q3_K", Q3_K, packQ3_K(d, raw16, q3), func(e int) float64 {
			return halfF(d) * float64((raw16[e/16]-32)*q3[e])
		}, 256)
		add("Q4_K", Q4_K, packQ4_K(d, dmin, sc8, mn8, q4), func(e int) float64 {
			return halfF(d)*float64(sc8[e/32]*q4[e]) - halfF(dmin)*float64(mn8[e/32])
		}, 256)
		add("Q5_K", Q5_K, packQ5_K(d, dmin, sc8, mn8, q5), func(e int) float64 {
			return halfF(d)*float64(sc8[e/32]*q5[e]) - halfF(dmin)*float64(mn8[e/32])
		}, 256)
		sc6 := levels(16, -128, 127)
		add("Q6_K", Q6_K, packQ6_K(d, sc6, q6), func(e int) float64 {
			return halfF(d) * float64(sc6[e/16]*q6[e])
		}, 256)
		idx := levels(256, 0, 15)
		add("IQ4_XS", IQ4_XS, packIQ4_XS(d, raw16[:8], idx), func(e int) float64 {
			return halfF(d) * float64(raw16[e/32]-32) * kvalues[idx[e]]
		}, 256)
		dk := float32(halfF(d)) * 3
		add("Q8_K", Q8_K, packQ8_K(dk, q8), func(e int) float64 { return float64(dk) * float64(q8[e]) }, 256)
	}
	return cs
}

func TestDequantizeHandBuilt(t *testing.T) {
	for _, c := range handCases() {
		tr, _ := c.t.Traits()
		if len(c.block) != tr.BlockBytes {
			t.Fatalf("%s: packed %d bytes, block is %d", c.name, len(c.block), tr.BlockBytes)
		}
		got := make([]float32, len(c.want))
		if err := Dequantize(c.t, got, c.block); err != nil {
			t.Fatal(err)
		}
		bad := 0
		for e, w := range c.want {
			if float64(got[e]) != w {
				if bad < 3 {
					t.Errorf("%s d=%#04x: element %d = %v, want %v", c.name, binary.LittleEndian.Uint16(c.block), e, got[e], w)
				}
				bad++
			}
		}
		if bad == 0 {
			t.Logf("%s scale %#04x: %d elements exact", c.name, binary.LittleEndian.Uint16(c.block), len(c.want))
		}
	}
}

// Random blocks with "messy" scales (full 11-bit half mantissas). Every
// product in these formats is exact in float32 (an 11-bit half scale times a
// sub-scale of at most 8 bits times a level of at most 7 bits fits in 24
// bits), so llama.cpp's result is the exact value rounded once to float32 by
// its final add or subtract, whatever the order of the products and whether or
// not a compiler fuses them. The expected value is therefore the formula
// evaluated exactly in float64 (exponents kept close enough for that) and
// rounded to float32 once.
func TestDequantizeRandomBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 7))
	half := func() uint16 { // sign, exponent 2^-5..2^5, any mantissa
		return uint16(r.IntN(2))<<15 | uint16(10+r.IntN(11))<<10 | uint16(r.IntN(1024))
	}
	rnd := func(n, lo, hi int) []int {
		q := make([]int, n)
		for i := range q {
			q[i] = lo + r.IntN(hi-lo+1)
		}
		return q
	}
	check := func(name string, ty Type, block []byte, want func(e int) float64) {
		tr, _ := ty.Traits()
		got := make([]float32, tr.BlockSize)
		if err := Dequantize(ty, got, block); err != nil {
			t.Fatal(err)
		}
		for e := range got {
			if w := float32(want(e)); got[e] != w {
				t.Fatalf("%s element %d = %v, want %v", name, e, got[e], w)
			}
		}
	}
	for range 200 {
		d, m := half(), half()
		df, mf := halfF(d), halfF(m)
		q4, q5, q8 := rnd(32, 0, 15), rnd(32, 0, 31), rnd(32, -128, 127)
		check("Q4_0", Q4_0, packQ4_0(d, q4), func(e int) float64 { return float64(q4[e]-8) * df })
		check("Q4_1", Q4_1, packQ4_1(d, m, q4), func(e int) float64 { return float64(q4[e])*df + mf })
		check("Q5_0", Q5_0, packQ5_0(d, q5), func(e int) float64 { return float64(q5[e]-16) * df })
		check("Q5_1", Q5_1, packQ5_1(d, m, q5), func(e int) float64 { return float64(q5[e])*df + mf })
		check("Q8_0", Q8_0, packQ8_0(d, q8), func(e int) float64 { return float64(q8[e]) * df })
		check("IQ4_NL", IQ4_NL, packIQ4_NL(d, q4), func(e int) float64 { return kvalues[q4[e]] * df })

		sc16, mn16, sc8, mn8 := rnd(16, 0, 15), rnd(16, 0, 15), rnd(8, 0, 63), rnd(8, 0, 63)
		raw16, sc6 := rnd(16, 0, 63), rnd(16, -128, 127)
		k2, k3, k4, k5, k6 := rnd(256, 0, 3), rnd(256, -4, 3), rnd(256, 0, 15), rnd(256, 0, 31), rnd(256, -32, 31)
		k8 := rnd(256, -127, 127)
		check("Q2_K", Q2_K, packQ2_K(d, m, sc16, mn16, k2), func(e int) float64 {
			return df*float64(sc16[e/16]*k2[e]) - mf*float64(mn16[e/16])
		})
		check("Q3_K", Q3_K, packQ3_K(d, raw16, k3), func(e int) float64 { return df * float64((raw16[e/16]-32)*k3[e]) })
		check("Q4_K", Q4_K, packQ4_K(d, m, sc8, mn8, k4), func(e int) float64 {
			return df*float64(sc8[e/32]*k4[e]) - mf*float64(mn8[e/32])
		})
		check("Q5_K", Q5_K, packQ5_K(d, m, sc8, mn8, k5), func(e int) float64 {
			return df*float64(sc8[e/32]*k5[e]) - mf*float64(mn8[e/32])
		})
		check("Q6_K", Q6_K, packQ6_K(d, sc6, k6), func(e int) float64 { return df * float64(sc6[e/16]*k6[e]) })
		check("IQ4_XS", IQ4_XS, packIQ4_XS(d, raw16[:8], k4), func(e int) float64 {
			return df * float64(raw16[e/32]-32) * kvalues[k4[e]]
		})
		d8 := float32(r.NormFloat64())
		check("Q8_K", Q8_K, packQ8_K(d8, k8), func(e int) float64 { return float64(d8) * float64(k8[e]) })
	}
}

func TestDequantizeSpecialValues(t *testing.T) {
	// Inf and NaN scales propagate (no panic, no masking).
	got := make([]float32, 32)
	if err := Dequantize(Q8_0, got, packQ8_0(0x7c00, levels(32, -3, 3))); err != nil {
		t.Fatal(err)
	}
	for e, q := range levels(32, -3, 3) {
		switch {
		case q == 0 && !math.IsNaN(float64(got[e])):
			t.Errorf("0·inf = %v, want NaN", got[e])
		case q > 0 && !math.IsInf(float64(got[e]), 1), q < 0 && !math.IsInf(float64(got[e]), -1):
			t.Errorf("%d·inf = %v", q, got[e])
		}
	}
}
