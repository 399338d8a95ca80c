package quant

import (
	"encoding/binary"
	"math"
	"testing"
)

// typesWith returns the types whose row has the given function.
func typesWith(has func(Traits) bool) []Type {
	var ts []Type
	for _, ty := range Types() {
		if tr, _ := ty.Traits(); has(tr) {
			ts = append(ts, ty)
		}
	}
	return ts
}

func fuzzSeeds(f *testing.F) {
	f.Add(uint8(0), []byte{})
	f.Add(uint8(2), make([]byte, 18))
	f.Add(uint8(9), []byte("\xff\x7b\x01\x00\x80\x7f\xff\xff\x00\x7c\x00\xfc\x01\x7c\x00\x00\x00\x00\x00"))
	for i, ty := range Types() {
		tr, _ := ty.Traits()
		b := make([]byte, tr.BlockBytes*2)
		for j := range b {
			b[j] = byte(j*37 + i)
		}
		f.Add(uint8(i), b)
	}
}

// Arbitrary bytes dequantize without panicking (NaN and inf are fine: they
// are what such bytes mean).
func FuzzDequantize(f *testing.F) {
	fuzzSeeds(f)
	types := typesWith(func(tr Traits) bool { return tr.Dequantize != nil })
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		ty := types[int(sel)%len(types)]
		tr, _ := ty.Traits()
		blocks := len(data) / tr.BlockBytes
		dst := make([]float32, blocks*tr.BlockSize)
		if err := Dequantize(ty, dst, data[:blocks*tr.BlockBytes]); err != nil {
			t.Fatal(err)
		}
		if len(data)%tr.BlockBytes != 0 && Dequantize(ty, dst, data) == nil {
			t.Fatalf("%v: %d bytes for %d elements accepted", ty, len(data), len(dst))
		}
	})
}

// Arbitrary weight and activation bytes dot without panicking.
func FuzzVecDot(f *testing.F) {
	fuzzSeeds(f)
	types := typesWith(func(tr Traits) bool { return tr.VecDot != nil })
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		ty := types[int(sel)%len(types)]
		tr, _ := ty.Traits()
		at, _ := tr.VecDotType.Traits()
		// As many blocks as data fills for the weights; the activations
		// reuse the bytes cyclically.
		n := len(data) / tr.BlockBytes * tr.BlockSize
		w := data[:n/tr.BlockSize*tr.BlockBytes]
		x := make([]byte, n/at.BlockSize*at.BlockBytes)
		for i := range x {
			if len(data) > 0 {
				x[i] = data[(i*7)%len(data)]
			}
		}
		if _, err := VecDot(ty, n, w, x); err != nil {
			t.Fatal(err)
		}
	})
}

// Arbitrary floats (NaN, inf, huge, subnormal) quantize without panicking,
// and inputs of moderate size never give NaN. (Beyond about 1e5 the half
// scales overflow to inf and 0·inf gives NaN, in llama.cpp too.)
func FuzzQuantize(f *testing.F) {
	fuzzSeeds(f)
	types := typesWith(func(tr Traits) bool { return tr.Quantize != nil && tr.Dequantize != nil })
	f.Fuzz(func(t *testing.T, sel uint8, data []byte) {
		ty := types[int(sel)%len(types)]
		tr, _ := ty.Traits()
		x := make([]float32, len(data)/4/tr.BlockSize*tr.BlockSize)
		finite := true
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			if a := math.Abs(float64(x[i])); !(a < 1e4) {
				finite = false
			}
		}
		q := make([]byte, len(x)/tr.BlockSize*tr.BlockBytes)
		if err := Quantize(ty, q, x); err != nil {
			t.Fatal(err)
		}
		y := make([]float32, len(x))
		if err := Dequantize(ty, y, q); err != nil {
			t.Fatal(err)
		}
		if !finite {
			return
		}
		for i, v := range y {
			if math.IsNaN(float64(v)) {
				t.Fatalf("%v: finite input %v (element %d) came back as NaN", ty, x[i], i)
			}
		}
	})
}
