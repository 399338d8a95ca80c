package quant

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// q8Row builds one 32-element activation row from a few set elements.
func q8Row(set map[int]float32) []float32 {
	x := make([]float32, 32)
	for i, v := range set {
		x[i] = v
	}
	return x
}

// TestQuantizeActivationsQ8_0 checks hand-worked blocks: the multiplier is
// 127/amax (not 1/(amax/127)), ties go to even, an all-zero block is zero.
func TestQuantizeActivationsQ8_0(t *testing.T) {
	cases := []struct {
		name  string
		x     []float32
		d     float32      // the scale as stored (half)
		quant map[int]int8 // expected nonzero quants
	}{
		// amax 127: multiplier 1, so x = 0.5, 1.5, 2.5, -0.5, -2.5 are
		// ties; even rounding gives 0, 2, 2, 0, -2 (away from zero would
		// give 1, 2, 3, -1, -3).
		{"ties", q8Row(map[int]float32{0: 127, 1: 0.5, 2: 1.5, 3: 2.5, 4: -0.5, 5: -2.5, 6: 3.49}),
			1, map[int]int8{0: 127, 2: 2, 3: 2, 5: -2, 6: 3}},
		// The largest magnitude is negative: it becomes -127 (symmetric,
		// unlike Q8_K's signed max), d = 254/127 = 2.
		{"negative max", q8Row(map[int]float32{0: -254, 1: 127, 2: 3}),
			2, map[int]int8{0: -127, 1: 64, 2: 2}}, // 127·127/254 = 63.5 → 64 (even), 3·0.5 = 1.5 → 2
		{"zero", q8Row(nil), 0, nil},
		// amax = 1: 127/1 = 127 exactly, 0.3·127 = 38.1 → 38.
		{"fraction", q8Row(map[int]float32{7: 1, 8: 0.3, 9: -0.7}),
			F16ToF32(F32ToF16(1.0 / 127)), map[int]int8{7: 127, 8: 38, 9: -89}},
	}
	for _, c := range cases {
		b := make([]byte, 34)
		if err := QuantizeActivations(Q8_0, b, c.x); err != nil {
			t.Fatal(err)
		}
		if got := f16At(b); got != c.d {
			t.Errorf("%s: d = %v, want %v", c.name, got, c.d)
		}
		for i := range 32 {
			if got, want := int8(b[2+i]), c.quant[i]; got != want {
				t.Errorf("%s: quant[%d] = %d, want %d", c.name, i, got, want)
			}
		}
		t.Logf("%s: d %v, quants %v", c.name, f16At(b), b[2:8])
	}
}

// TestQuantizeActivationsQ8_1: Q8_0's quants, and s = d·Σq with d the
// float32 scale before it is rounded to half.
func TestQuantizeActivationsQ8_1(t *testing.T) {
	// amax 1: d = 1/127; quants 127, 38, -89 (as above) sum to 76, so
	// s = 76/127 rounded to half.
	x := q8Row(map[int]float32{7: 1, 8: 0.3, 9: -0.7})
	b := make([]byte, 36)
	if err := QuantizeActivations(Q8_1, b, x); err != nil {
		t.Fatal(err)
	}
	if got, want := f16At(b[2:]), F16ToF32(F32ToF16(float32(1)/127*76)); got != want {
		t.Errorf("s = %v, want %v", got, want)
	}
	if int8(b[4+7]) != 127 || int8(b[4+8]) != 38 || int8(b[4+9]) != -89 {
		t.Errorf("quants %v, want 127 38 -89 at 7…9", b[4+7:4+10])
	}
	// A tie: 2.5 with amax 127 rounds to 2, and the sum follows the
	// rounded quants (127 + 2 = 129), not the inputs.
	x = q8Row(map[int]float32{0: 127, 1: 2.5})
	if err := QuantizeActivations(Q8_1, b, x); err != nil {
		t.Fatal(err)
	}
	if got := f16At(b[2:]); got != 129 {
		t.Errorf("tie block: s = %v, want 129", got)
	}
}

// TestQuantizeActivationsQ8_K: ggml quantizes K-quant activations with the
// reference quantizer: iscale = -127/max with max the signed element of
// largest magnitude (so max itself always becomes -127), ties to even.
func TestQuantizeActivationsQ8_K(t *testing.T) {
	x := make([]float32, QK_K)
	x[0], x[1], x[17] = -2, 1, 0.5 // max = -2: iscale 63.5, d = 1/63.5
	b := make([]byte, q8KBytes)
	if err := QuantizeActivations(Q8_K, b, x); err != nil {
		t.Fatal(err)
	}
	qs := b[4 : 4+QK_K]
	if int8(qs[0]) != -127 || int8(qs[1]) != 64 || int8(qs[17]) != 32 { // 63.5 → 64 (even), 31.75 → 32
		t.Errorf("quants %d %d %d, want -127 64 32", int8(qs[0]), int8(qs[1]), int8(qs[17]))
	}
	if got := math.Float32frombits(binary.LittleEndian.Uint32(b)); got != 1/float32(63.5) {
		t.Errorf("d = %v, want 1/63.5", got)
	}
	if s0, s1 := bsum(b[4+QK_K:], 0), bsum(b[4+QK_K:], 1); s0 != -63 || s1 != 32 {
		t.Errorf("bsums %d %d, want -63 32", s0, s1)
	}
	// All zero: everything zero.
	clear(x)
	b[7] = 9
	if err := QuantizeActivations(Q8_K, b, x); err != nil {
		t.Fatal(err)
	}
	for i, v := range b {
		if v != 0 {
			t.Fatalf("zero block: byte %d = %d", i, v)
		}
	}
}

// TestQuantizeActivationsTinyBlock: when 127/amax overflows to +Inf
// (amax 1e-38 here), ggml's conversion of ±Inf and of 0·Inf = NaN gives
// -2³¹ for every element, saturated to -128, and Q8_1's sum of 32 of them
// wraps to 0 (32·-2³¹ = -2³⁶ ≡ 0 mod 2³²).
func TestQuantizeActivationsTinyBlock(t *testing.T) {
	x := q8Row(map[int]float32{0: 1e-38, 1: -5e-39})
	b := make([]byte, 36)
	if err := QuantizeActivations(Q8_1, b, x); err != nil {
		t.Fatal(err)
	}
	for i, q := range b[4:] {
		if int8(q) != -128 {
			t.Fatalf("quant %d = %d, want -128", i, int8(q))
		}
	}
	if s := binary.LittleEndian.Uint16(b[2:]); s != 0 {
		t.Errorf("s = %#04x, want 0", s)
	}
}

func TestQuantizeActivationsErrors(t *testing.T) {
	if err := QuantizeActivations(Q4_0, make([]byte, 18), make([]float32, 32)); err == nil {
		t.Error("Q4_0 is not an activation type: no error")
	}
	if err := QuantizeActivations(Q8_0, make([]byte, 33), make([]float32, 32)); err == nil {
		t.Error("short destination: no error")
	}
	if err := QuantizeActivations(Q8_0, make([]byte, 34), make([]float32, 31)); err == nil {
		t.Error("partial block: no error")
	}
}

// FuzzQuantizeActivations: any finite input quantizes without panicking,
// every quant is in [-127, 127] and within half a step of x/d (as computed
// from the float32 scale), and Q8_1's sum matches its quants.
func FuzzQuantizeActivations(f *testing.F) {
	f.Add(uint64(1), float32(1))
	f.Add(uint64(7), float32(1e-30))
	f.Add(uint64(9), float32(3e38))
	f.Fuzz(func(t *testing.T, seed uint64, scale float32) {
		if math.IsNaN(float64(scale)) || math.IsInf(float64(scale), 0) {
			return
		}
		r := rand.New(rand.NewPCG(seed, 3))
		x := make([]float32, 64)
		for i := range x {
			x[i] = float32(r.NormFloat64()) * scale
			if r.IntN(8) == 0 {
				x[i] = float32(r.IntN(255)-127) * scale / 2 // ties at some scales
			}
		}
		b := make([]byte, 72)
		if err := QuantizeActivations(Q8_1, b, x); err != nil {
			t.Fatal(err)
		}
		for blk := range 2 {
			xb, bb := x[blk*32:(blk+1)*32], b[blk*36:(blk+1)*36]
			var amax float32
			for _, v := range xb {
				amax = max(amax, float32(math.Abs(float64(v))))
			}
			if math.IsInf(float64(amax), 0) {
				continue
			}
			var sum int32
			for i, v := range xb {
				q := int32(int8(bb[4+i]))
				sum += q
				if amax == 0 {
					if q != 0 {
						t.Fatalf("zero block quant %d", q)
					}
					continue
				}
				if e := math.Abs(float64(v)*127/float64(amax) - float64(q)); e > 0.5+1e-4 {
					t.Fatalf("x %v amax %v: quant %d is %.4f steps off", v, amax, q, e)
				}
			}
			if want := F16ToF32(F32ToF16(amax / 127 * float32(sum))); f16At(bb[2:]) != want && !math.IsNaN(float64(want)) {
				t.Fatalf("s = %v, want %v", f16At(bb[2:]), want)
			}
		}
	})
}

// BenchmarkQuantizeActivations: one 2048-wide token (TinyLlama's hidden
// size) per op; SetBytes is the float32 input.
func BenchmarkQuantizeActivations(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 2048)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for _, t := range []Type{Q8_0, Q8_1, Q8_K} {
		n, _ := t.Bytes(int64(len(x)))
		dst := make([]byte, n)
		b.Run(t.String(), func(b *testing.B) {
			b.SetBytes(4 * int64(len(x)))
			for b.Loop() {
				QuantizeActivations(t, dst, x)
			}
		})
	}
}
