package quant

import (
	"encoding/binary"
	"math"
	"strings"
	"testing"
)

func TestHelpersValidateSizes(t *testing.T) {
	f := make([]float32, 64)
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"short src", Dequantize(Q4_0, f, make([]byte, 35)), "need 36 bytes, have 35"},
		{"long src", Dequantize(Q4_0, f, make([]byte, 37)), "need 36 bytes, have 37"},
		{"partial block", Dequantize(Q4_K, f, make([]byte, 144)), "not a multiple of the block size"},
		{"unknown type", Dequantize(Type(4), f, nil), "unknown tensor type 4"},
		{"no dequantizer", Dequantize(IQ2_XXS, make([]float32, 256), make([]byte, 66)), "not supported"},
		{"quantize dst", Quantize(Q8_0, make([]byte, 10), f), "need 68 bytes, have 10"},
		{"no quantizer", Quantize(IQ1_S, make([]byte, 50), make([]float32, 256)), "not supported"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, c.err, c.want)
		}
	}
	if err := Dequantize(Q4_0, f, make([]byte, 36)); err != nil {
		t.Errorf("valid sizes: %v", err)
	}
	if err := Dequantize(Q4_0, nil, nil); err != nil {
		t.Errorf("empty: %v", err)
	}

	w, x := make([]byte, 144), make([]byte, 292)
	if _, err := VecDot(Q4_K, 256, w, x); err != nil {
		t.Errorf("valid VecDot: %v", err)
	}
	for name, err := range map[string]error{
		"short activations": func() error { _, err := VecDot(Q4_K, 256, w, x[:291]); return err }(),
		"wrong n":           func() error { _, err := VecDot(Q4_K, 512, w, x); return err }(),
		"negative n":        func() error { _, err := VecDot(Q4_K, -256, w, x); return err }(),
		"no vecdot":         func() error { _, err := VecDot(Q8_1, 32, make([]byte, 36), x); return err }(),
	} {
		if err == nil {
			t.Errorf("VecDot %s: no error", name)
		}
	}
}

// The table is consistent: every type with a VecDot has a VecDotType that can
// be quantized to (so callers can prepare activations), and every dequantizer
// has the block geometry its layout comment gives.
func TestTraitsConsistent(t *testing.T) {
	for _, ty := range Types() {
		tr, _ := ty.Traits()
		if tr.VecDot == nil {
			continue
		}
		at, ok := tr.VecDotType.Traits()
		if !ok || at.Quantize == nil {
			t.Errorf("%v: VecDotType %v has no quantizer", ty, tr.VecDotType)
		}
		if at.BlockSize != tr.BlockSize && tr.BlockSize != 1 {
			t.Errorf("%v: block size %d, activation %v block size %d", ty, tr.BlockSize, tr.VecDotType, at.BlockSize)
		}
		if tr.Dequantize == nil {
			t.Errorf("%v: VecDot without Dequantize", ty)
		}
	}
}

// Activation quantizers on inputs whose results are worked out by hand. Q8_0
// and Q8_1 round halves away from zero (C's roundf); Q8_K uses nearest_int
// (ties to even) with the scale -127/max, max being the signed value of
// largest magnitude.
func TestQuantizeActivationsByHand(t *testing.T) {
	x := make([]float32, 32)
	copy(x, []float32{127, 0.5, -0.5, 1.5, 2.5, -2.5, 126.4})
	q8 := []int8{127, 1, -1, 2, 3, -3, 126}

	b := make([]byte, 34)
	if err := Quantize(Q8_0, b, x); err != nil {
		t.Fatal(err)
	}
	if d := binary.LittleEndian.Uint16(b); d != 0x3c00 {
		t.Errorf("Q8_0 d = %#04x, want 0x3c00 (1.0)", d)
	}
	for i, want := range q8 {
		if got := int8(b[2+i]); got != want {
			t.Errorf("Q8_0 q[%d] = %d, want %d", i, got, want)
		}
	}

	b = make([]byte, 36)
	if err := Quantize(Q8_1, b, x); err != nil {
		t.Fatal(err)
	}
	// s = d·Σq = 127+1-1+2+3-3+126 = 255 → half 0x5bf8.
	if d, s := binary.LittleEndian.Uint16(b), binary.LittleEndian.Uint16(b[2:]); d != 0x3c00 || s != 0x5bf8 {
		t.Errorf("Q8_1 d, s = %#04x, %#04x, want 0x3c00, 0x5bf8", d, s)
	}
	for i, want := range q8 {
		if got := int8(b[4+i]); got != want {
			t.Errorf("Q8_1 q[%d] = %d, want %d", i, got, want)
		}
	}

	xk := make([]float32, 256)
	copy(xk, []float32{-254, 1, -1, 3, 5, 7, -7})
	xk[16] = 254
	b = make([]byte, 292)
	if err := Quantize(Q8_K, b, xk); err != nil {
		t.Fatal(err)
	}
	if d := math.Float32frombits(binary.LittleEndian.Uint32(b)); d != 2 {
		t.Errorf("Q8_K d = %v, want 2", d)
	}
	for i, want := range []int8{-127, 0, 0, 2, 2, 4, -4} {
		if got := int8(b[4+i]); got != want {
			t.Errorf("Q8_K q[%d] = %d, want %d", i, got, want)
		}
	}
	if got := int8(b[4+16]); got != 127 {
		t.Errorf("Q8_K q[16] = %d, want 127", got)
	}
	bsum0 := int16(binary.LittleEndian.Uint16(b[4+256:]))
	bsum1 := int16(binary.LittleEndian.Uint16(b[4+256+2:]))
	if bsum0 != -123 || bsum1 != 127 {
		t.Errorf("Q8_K bsums = %d, %d, want -123, 127", bsum0, bsum1)
	}
}

// Q4_0's reference quantizer by hand: the largest magnitude -8 sets d = 1;
// levels are trunc(x/d + 8.5) capped at 15.
func TestQuantizeQ4_0ByHand(t *testing.T) {
	x := make([]float32, 32)
	copy(x, []float32{-8, 7, 8, 0.5, -0.5, 1.49, -7.6})
	want := []byte{0, 15, 15, 9, 8, 9, 0}
	b := make([]byte, 18)
	if err := Quantize(Q4_0, b, x); err != nil {
		t.Fatal(err)
	}
	if d := binary.LittleEndian.Uint16(b); d != 0x3c00 {
		t.Errorf("d = %#04x, want 0x3c00", d)
	}
	for i, w := range want {
		if got := b[2+i] & 15; got != w {
			t.Errorf("q[%d] = %d, want %d", i, got, w)
		}
	}
	if got := b[2] >> 4; got != 8 { // x[16] = 0 → level 8
		t.Errorf("q[16] = %d, want 8", got)
	}
}
