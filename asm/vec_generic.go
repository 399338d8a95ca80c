package asm

import (
	"encoding/binary"
	"math"

	"github.com/narallm/nara/quant"
)

// dotGeneric sums in four lanes, as SIMD code will, which is also a little
// more accurate than one running sum.
func dotGeneric(x, y []float32) float32 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// ToF16 rounds x to IEEE half precision into dst[:len(x)] (nearest, ties
// to even, as quant.F32ToF16): the F16 KV cache's stores.
func ToF16(dst []uint16, x []float32) { active.ToF16(dst[:len(x)], x) }

// vecExps holds each flavour's vector exp (the one inside its SiLUMul),
// for the tests that measure it against math.Exp.
var vecExps = map[Level]func(dst, x []float32){}

func rmsNormGo(dst, x, w []float32, eps float32) {
	dst, w = dst[:len(x)], w[:len(x)]
	inv := rmsScale(dotGeneric(x, x), len(x), eps)
	for i := range x {
		dst[i] = w[i] * (x[i] * inv)
	}
}

// rmsScale is RMSNorm's 1/sqrt(mean(x²) + eps) from Σx² over n elements,
// one expression for every flavour so that only the sum's order differs.
func rmsScale(sumSquares float32, n int, eps float32) float32 {
	return float32(1 / math.Sqrt(float64(sumSquares/float32(n)+eps)))
}

func softmaxGeneric(x []float32) {
	if len(x) == 0 {
		return
	}
	m := x[0]
	for _, v := range x[1:] {
		m = max(m, v)
	}
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		x[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range x {
		x[i] *= inv
	}
}

// siluMulGo rounds float64 math.Exp to float32: the correctly rounded
// exponential the vector ones are measured against.
func siluMulGo(dst, gate, up []float32) {
	gate, up = gate[:len(dst)], up[:len(dst)]
	for i, g := range gate {
		dst[i] = g / (1 + float32(math.Exp(float64(-g)))) * up[i]
	}
}

// geluTanhMulGeneric: gelu(g) ≈ g/2 · (1 + tanh(√(2/π) · (g + 0.044715 g³))).
func geluTanhMulGeneric(dst, gate, up []float32) {
	const c = 0.7978845608028654 // √(2/π)
	for i, g := range gate {
		x := float64(g)
		dst[i] = float32(0.5*x*(1+math.Tanh(c*(x+0.044715*x*x*x)))) * up[i]
	}
}

func toF16Go(dst []uint16, x []float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		dst[i] = quant.F32ToF16(v)
	}
}

func addGo(dst, x []float32) {
	x = x[:len(dst)]
	for i := range dst {
		dst[i] += x[i]
	}
}

func scaleGeneric(x []float32, s float32) {
	for i := range x {
		x[i] *= s
	}
}

func softcapGeneric(x []float32, c float32) {
	for i, v := range x {
		x[i] = c * float32(math.Tanh(float64(v/c)))
	}
}

func ropeGeneric(x, cos, sin []float32, adjacent bool) {
	half := len(cos)
	for i := range half {
		a, b := i, i+half
		if adjacent {
			a, b = 2*i, 2*i+1
		}
		x0, x1 := x[a], x[b]
		x[a] = x0*cos[i] - x1*sin[i]
		x[b] = x1*cos[i] + x0*sin[i]
	}
}

// dotF16Generic dots a row of half-precision weights with float32 x, adding
// in the same order as dotGeneric so every float path rounds alike.
func dotF16Generic(w []byte, x []float32) float32 {
	tab := f16Table()
	w = w[:2*len(x)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += tab[binary.LittleEndian.Uint16(w[2*i:])] * x[i]
		s1 += tab[binary.LittleEndian.Uint16(w[2*i+2:])] * x[i+1]
		s2 += tab[binary.LittleEndian.Uint16(w[2*i+4:])] * x[i+2]
		s3 += tab[binary.LittleEndian.Uint16(w[2*i+6:])] * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += tab[binary.LittleEndian.Uint16(w[2*i:])] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// dotBF16Generic dots a row of bfloat16 weights with float32 x (a bfloat16 is
// the top half of a float32).
func dotBF16Generic(w []byte, x []float32) float32 {
	w = w[:2*len(x)]
	bf := func(i int) float32 { return math.Float32frombits(uint32(binary.LittleEndian.Uint16(w[2*i:])) << 16) }
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += bf(i) * x[i]
		s1 += bf(i+1) * x[i+1]
		s2 += bf(i+2) * x[i+2]
		s3 += bf(i+3) * x[i+3]
	}
	for ; i < len(x); i++ {
		s0 += bf(i) * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}
