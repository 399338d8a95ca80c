package quant

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

// halfValue decodes a half from its definition (sign, 5-bit exponent biased
// by 15, 10-bit fraction; exponent 0 is subnormal, 31 is inf/NaN), in float64.
func halfValue(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, f := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * math.Ldexp(f, -24)
	case 31:
		if f == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	}
	return sign * math.Ldexp(1+f/1024, e-15)
}

func TestF16ToF32AllValues(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		got, want := F16ToF32(h), halfValue(h)
		if math.IsNaN(want) {
			if !math.IsNaN(float64(got)) {
				t.Errorf("F16ToF32(%#04x) = %v, want NaN", h, got)
			}
			continue
		}
		if float64(got) != want || math.Signbit(float64(got)) != math.Signbit(want) {
			t.Errorf("F16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
	// A few by hand: 1, -2, the largest normal, the smallest subnormal.
	for h, want := range map[uint16]float32{0x3c00: 1, 0xc000: -2, 0x7bff: 65504, 0x0001: 0x1p-24, 0x03ff: 1023 * 0x1p-24} {
		if got := F16ToF32(h); got != want {
			t.Errorf("F16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
}

// nearestHalf finds the round-to-nearest-even half of f by searching the
// sorted finite non-negative halves (independently of F32ToF16's bit logic).
func nearestHalf(f float32, pos []uint16) uint16 {
	var sign uint16
	a := float64(f)
	if a < 0 || (a == 0 && math.Signbit(a)) {
		sign, a = 0x8000, -a
	}
	// Rounding overflows to inf from the midpoint between 65504 and 65536.
	if a >= 65520 {
		return sign | 0x7c00
	}
	i := sort.Search(len(pos), func(i int) bool { return halfValue(pos[i]) >= a })
	if i == len(pos) {
		return sign | 0x7c00
	}
	if halfValue(pos[i]) == a || i == 0 {
		return sign | pos[i]
	}
	lo, hi := pos[i-1], pos[i]
	dlo, dhi := a-halfValue(lo), halfValue(hi)-a
	switch {
	case dlo < dhi:
		return sign | lo
	case dhi < dlo:
		return sign | hi
	case lo&1 == 0:
		return sign | lo
	}
	return sign | hi
}

func TestF32ToF16(t *testing.T) {
	var pos []uint16 // finite non-negative halves in increasing order
	for h := uint16(0); h < 0x7c00; h++ {
		pos = append(pos, h)
	}
	// Every half converts back to itself.
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		if math.IsNaN(halfValue(h)) {
			if got := F32ToF16(F16ToF32(h)); got&0x7c00 != 0x7c00 || got&0x3ff == 0 {
				t.Errorf("NaN %#04x came back as %#04x", h, got)
			}
			continue
		}
		if got := F32ToF16(F16ToF32(h)); got != h {
			t.Errorf("F32ToF16(F16ToF32(%#04x)) = %#04x", h, got)
		}
	}
	// Midpoints between neighbours go to the even one; a hair above goes up.
	for _, h := range pos[:len(pos)-1] {
		mid := float32((halfValue(h) + halfValue(h+1)) / 2) // exact in float32
		want := h
		if h&1 == 1 {
			want = h + 1
		}
		if got := F32ToF16(mid); got != want {
			t.Fatalf("F32ToF16(%v) (midpoint of %#04x and next) = %#04x, want %#04x", mid, h, got, want)
		}
		if got := F32ToF16(math.Nextafter32(mid, 1e9)); got != h+1 {
			t.Fatalf("F32ToF16(just above midpoint of %#04x) = %#04x", h, got)
		}
	}
	// Random float32s across the whole range, against the search.
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		f := math.Float32frombits(r.Uint32())
		if math.IsNaN(float64(f)) {
			continue
		}
		if i%2 == 0 { // half of them in the half range, where it matters
			f = float32(r.NormFloat64() * math.Pow(2, float64(r.IntN(44)-28)))
		}
		if got, want := F32ToF16(f), nearestHalf(f, pos); got != want {
			t.Fatalf("F32ToF16(%g) = %#04x, want %#04x", f, got, want)
		}
	}
	for f, want := range map[float32]uint16{65519.99: 0x7bff, 65520: 0x7c00, 1e10: 0x7c00, -1e-10: 0x8000, 0x1p-25: 0, 0x1.000002p-25: 1} {
		if got := F32ToF16(f); got != want {
			t.Errorf("F32ToF16(%g) = %#04x, want %#04x", f, got, want)
		}
	}
}

func TestBF16(t *testing.T) {
	for h, want := range map[uint16]float32{0x3f80: 1, 0xc000: -2, 0x0001: 0x1p-133, 0x7f80: float32(math.Inf(1))} {
		if got := BF16ToF32(h); got != want {
			t.Errorf("BF16ToF32(%#04x) = %v, want %v", h, got, want)
		}
	}
	for _, c := range []struct {
		in   uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // tie, even stays
		{0x3f818000, 0x3f82}, // tie, odd rounds up
		{0x3f808001, 0x3f81}, // above the tie
		{0x7f7fffff, 0x7f80}, // largest float rounds to inf
		{0x7f800001, 0x7fc0}, // signalling NaN made quiet
		{0xff800000, 0xff80}, // -inf
	} {
		if got := F32ToBF16(math.Float32frombits(c.in)); got != c.want {
			t.Errorf("F32ToBF16(%#08x) = %#04x, want %#04x", c.in, got, c.want)
		}
	}
}
