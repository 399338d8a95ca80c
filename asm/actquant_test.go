package asm

import (
	"bytes"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// checkActQuant compares every flavour's activation quantizers with
// quant.QuantizeActivations on x, byte for byte.
func checkActQuant(t *testing.T, x []float32) {
	t.Helper()
	for level, qs := range actQuantizers {
		for typ, q := range qs {
			n, _ := typ.Bytes(int64(len(x)))
			want, got := make([]byte, n), make([]byte, n)
			if err := quant.QuantizeActivations(typ, want, x); err != nil {
				t.Fatal(err)
			}
			q(got, x)
			if !bytes.Equal(got, want) {
				for i := range got {
					if got[i] != want[i] {
						b := i / int(n/int64(len(x)/32))
						t.Fatalf("%s %s: byte %d (block %d) = %#x, want %#x; block input %v", level, typ, i, b, got[i], want[i], x[b*32:b*32+32])
					}
				}
			}
		}
	}
}

func TestActQuantizers(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	for _, n := range []int{32, 64, 2048, 5632} {
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(r.NormFloat64() * math.Pow(10, float64(r.IntN(9)-4)))
		}
		// Blocks with ties (amax 127: multiplier 1), all zeros, one huge
		// value, a negative maximum, and subnormal-sized scales.
		for i := range 32 {
			x[i] = float32(i-16) + 0.5
		}
		x[0] = 127
		if n >= 64 {
			clear(x[32:64])
		}
		if n >= 2048 {
			x[70] = -3e38
			x[100], x[101] = -5, 4
			for i := 128; i < 160; i++ {
				x[i] = float32(r.NormFloat64()) * 1e-40
			}
		}
		checkActQuant(t, x)
	}
	t.Logf("flavours with assembly activation quantizers: %d", len(actQuantizers))
}

// FuzzActQuantizers: random bytes as float32 activations (non-finite
// values replaced), compared byte for byte with the generic twin.
func FuzzActQuantizers(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0x3f})
	f.Add(bytes.Repeat([]byte{0x12, 0x34, 0x56, 0x78}, 40))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := (len(data)/4 + 31) / 32 * 32
		if n == 0 {
			return
		}
		x := make([]float32, n)
		for i := range x {
			if 4*i+4 <= len(data) {
				v := math.Float32frombits(uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24)
				if !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) {
					x[i] = v
				}
			}
		}
		checkActQuant(t, x)
	})
}

func BenchmarkActQuant(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x := make([]float32, 2048)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	for _, level := range Available() {
		for _, typ := range []quant.Type{quant.Q8_0, quant.Q8_1} {
			n, _ := typ.Bytes(int64(len(x)))
			dst := make([]byte, n)
			b.Run(string(level)+"/"+typ.String(), func(b *testing.B) {
				useFlavour(b, level)
				b.SetBytes(4 * int64(len(x)))
				for b.Loop() {
					quantizeActivations(typ, dst, x)
				}
			})
		}
	}
}
