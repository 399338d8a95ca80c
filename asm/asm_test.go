package asm

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/narallm/nara/quant"
)

// The references below are the textbook formulas in float64, written apart
// from the kernels so that a kernel bug cannot hide in both.

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// close reports whether got is within tol of want, relative to scale.
func closeTo(got float32, want, scale, tol float64) bool {
	return math.Abs(float64(got)-want) <= tol*max(scale, 1e-30)
}

func TestDot(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		x, y := randVec(r, n), randVec(r, n+3) // y may be longer
		var want, scale float64
		for i := range n {
			want += float64(x[i]) * float64(y[i])
			scale += math.Abs(float64(x[i]) * float64(y[i]))
		}
		if got := Dot(x, y); !closeTo(got, want, scale, 1e-6) {
			t.Errorf("n=%d: Dot = %v, want %v", n, got, want)
		}
	}
	if got := Dot([]float32{1, 2, 3}, []float32{4, 5, 6}); got != 32 {
		t.Errorf("Dot(1 2 3, 4 5 6) = %v, want 32", got)
	}
}

// encode stores v as type typ. The values given are exactly representable
// in it (multiples of 1/64 in a small range), so encoding is exact.
func encode(t *testing.T, v []float32, typ quant.Type) []byte {
	var b []byte
	for _, f := range v {
		switch typ {
		case quant.F32:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		case quant.BF16:
			bits := math.Float32bits(f)
			if bits&0xffff != 0 {
				t.Fatalf("%v is not a bf16 value", f)
			}
			b = binary.LittleEndian.AppendUint16(b, uint16(bits>>16))
		case quant.F16:
			h := quant.F32ToF16(f)
			b = binary.LittleEndian.AppendUint16(b, h)
		}
	}
	return b
}

// exactVec returns n multiples of 1/64 in [-2, 2): exact in f16, bf16, f32.
func exactVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.IntN(256)-128) / 64
	}
	return v
}

func TestMatMul(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, typ := range []quant.Type{quant.F32, quant.F16, quant.BF16} {
		for _, sh := range []struct{ rows, cols, n int }{{1, 1, 1}, {3, 5, 2}, {17, 64, 1}, {64, 33, 7}, {300, 256, 3}} {
			w := exactVec(r, sh.rows*sh.cols)
			x := randVec(r, sh.n*sh.cols)
			wb := encode(t, w, typ)
			// Also run the unaligned path for F32: a copy starting one byte in.
			for _, shift := range []int{0, 1} {
				buf := make([]byte, len(wb)+shift)
				copy(buf[shift:], wb)
				wbs := buf[shift:]
				if err := CheckMatrix(wbs, typ, sh.rows, sh.cols); err != nil {
					t.Fatal(err)
				}
				dst := make([]float32, sh.n*sh.rows)
				MatMul(dst, x, wbs, typ, sh.rows, sh.cols, sh.n)
				for i := range sh.n {
					for o := range sh.rows {
						var want, scale float64
						for c := range sh.cols {
							p := float64(w[o*sh.cols+c]) * float64(x[i*sh.cols+c])
							want += p
							scale += math.Abs(p)
						}
						if got := dst[i*sh.rows+o]; !closeTo(got, want, scale, 1e-6) {
							t.Fatalf("%s %+v shift %d: dst[%d,%d] = %v, want %v", typ, sh, shift, i, o, got, want)
						}
					}
				}
			}
		}
	}
}

func TestCheckMatrix(t *testing.T) {
	w := make([]byte, 4*6)
	if err := CheckMatrix(w, quant.F32, 2, 3); err != nil {
		t.Errorf("F32 [2,3] in 24 bytes: %v", err)
	}
	for _, c := range []struct {
		typ        quant.Type
		rows, cols int
		n          int
	}{
		{quant.F32, 3, 3, 24}, {quant.F32, 2, 3, 23}, {quant.F16, 2, 3, 24}, {quant.F32, 0, 3, 0},
		{quant.Q8_0, 2, 16, 34}, // a row must be whole blocks
		{quant.Type(99), 1, 1, 4},
	} {
		if err := CheckMatrix(make([]byte, c.n), c.typ, c.rows, c.cols); err == nil {
			t.Errorf("CheckMatrix(%d bytes, %s, %d, %d) accepted a bad matrix", c.n, c.typ, c.rows, c.cols)
		}
	}
}

func TestToF32(t *testing.T) {
	// Hand-encoded: 1.5 is 0x3fc00000 (f32), 0x3e00 (f16), 0x3fc0 (bf16);
	// -2 is 0xc0000000, 0xc000, 0xc000.
	cases := []struct {
		typ quant.Type
		b   []byte
	}{
		{quant.F32, []byte{0, 0, 0xc0, 0x3f, 0, 0, 0, 0xc0}},
		{quant.F16, []byte{0, 0x3e, 0, 0xc0}},
		{quant.BF16, []byte{0xc0, 0x3f, 0, 0xc0}},
	}
	for _, c := range cases {
		got := make([]float32, 2)
		ToF32(got, c.b, c.typ)
		if got[0] != 1.5 || got[1] != -2 {
			t.Errorf("%s: got %v, want [1.5 -2]", c.typ, got)
		}
	}
}

func TestRMSNorm(t *testing.T) {
	// x = (3, 4): mean square 12.5; with eps 0 the result is x/√12.5 · w.
	x, w := []float32{3, 4}, []float32{1, 2}
	dst := make([]float32, 2)
	RMSNorm(dst, x, w, 0)
	want := []float64{3 / math.Sqrt(12.5), 8 / math.Sqrt(12.5)}
	for i := range want {
		if !closeTo(dst[i], want[i], 1, 1e-6) {
			t.Errorf("RMSNorm = %v, want %v", dst, want)
		}
	}
	r := rand.New(rand.NewPCG(5, 6))
	x, w = randVec(r, 257), randVec(r, 257)
	var ms float64
	for _, v := range x {
		ms += float64(v) * float64(v)
	}
	inv := 1 / math.Sqrt(ms/257+1e-5)
	want2 := make([]float64, len(x))
	for i := range x {
		want2[i] = float64(x[i]) * inv * float64(w[i])
	}
	RMSNorm(x, x, w, 1e-5) // in place
	for i := range x {
		if !closeTo(x[i], want2[i], math.Abs(want2[i]), 1e-5) {
			t.Fatalf("RMSNorm in place [%d] = %v, want %v", i, x[i], want2[i])
		}
	}
}

func TestSoftmax(t *testing.T) {
	x := []float32{1, 2, 3, 1000} // 1000 would overflow a naive exp
	Softmax(x)
	if !closeTo(x[3], 1, 1, 1e-6) || x[0] != 0 {
		t.Errorf("Softmax with a large entry = %v", x)
	}
	x = []float32{0, float32(math.Log(3))}
	Softmax(x)
	if !closeTo(x[0], 0.25, 1, 1e-6) || !closeTo(x[1], 0.75, 1, 1e-6) {
		t.Errorf("Softmax(0, ln 3) = %v, want (0.25, 0.75)", x)
	}
}

func TestActivations(t *testing.T) {
	gate := []float32{-3, -1, 0, 0.5, 2, 10}
	up := []float32{1, 2, 3, 4, 5, 6}
	got := make([]float32, len(gate))
	SiLUMul(got, gate, up)
	for i, g := range gate {
		want := float64(g) / (1 + math.Exp(-float64(g))) * float64(up[i])
		if !closeTo(got[i], want, math.Abs(want), 1e-6) {
			t.Errorf("silu(%v)·%v = %v, want %v", g, up[i], got[i], want)
		}
	}
	// GELU-tanh at known points: gelu(0)=0, gelu(1)≈0.8411920, gelu(-1)≈-0.1588080.
	GELUTanhMul(got[:3], []float32{0, 1, -1}, []float32{1, 1, 2})
	for i, want := range []float64{0, 0.8411920, 2 * -0.1588080} {
		if !closeTo(got[i], want, 1, 1e-6) {
			t.Errorf("GELUTanhMul[%d] = %v, want %v", i, got[i], want)
		}
	}
}

func TestSoftcapAddScale(t *testing.T) {
	x := []float32{0, 30, -1e6}
	Softcap(x, 30)
	if x[0] != 0 || !closeTo(x[1], 30*math.Tanh(1), 30, 1e-6) || !closeTo(x[2], -30, 30, 1e-6) {
		t.Errorf("Softcap = %v", x)
	}
	y := []float32{1, 2}
	Add(y, []float32{3, 4})
	Scale(y, 0.5)
	if y[0] != 2 || y[1] != 3 {
		t.Errorf("Add then Scale = %v, want [2 3]", y)
	}
}

func TestRope(t *testing.T) {
	// Rotating (1, 0) by 90° gives (0, 1); pairs are laid out two ways.
	c, s := []float32{0, 1}, []float32{1, 0} // pair 0 by 90°, pair 1 by 0°
	x := []float32{1, 5, 0, 7, 9}            // half layout: pairs (x0,x2), (x1,x3); x4 untouched
	Rope(x, c, s, false)
	if want := []float32{0, 5, 1, 7, 9}; !slices.Equal(x, want) {
		t.Errorf("half-split Rope = %v, want %v", x, want)
	}
	x = []float32{1, 0, 5, 7, 9} // adjacent layout: pairs (x0,x1), (x2,x3)
	Rope(x, c, s, true)
	if want := []float32{0, 1, 5, 7, 9}; !slices.Equal(x, want) {
		t.Errorf("adjacent Rope = %v, want %v", x, want)
	}
}

// refScores returns query t's head-h scores against cache positions
// 0…pos in float64: scaled, soft-capped, and −Inf where masked (outside the
// sliding window).
func refScores(q, keys []float32, a Attn, t, h, pos int) []float64 {
	hd, kv := a.HeadDim, h/(a.Heads/a.KVHeads)
	scores := make([]float64, pos+1)
	for j := range scores {
		var s float64
		for i := range hd {
			s += float64(q[(t*a.Heads+h)*hd+i]) * float64(keys[(j*a.KVHeads+kv)*hd+i])
		}
		s *= float64(a.Scale)
		if a.Softcap > 0 {
			s = float64(a.Softcap) * math.Tanh(s/float64(a.Softcap))
		}
		if a.Window > 0 && pos-j >= a.Window {
			s = math.Inf(-1)
		}
		scores[j] = s
	}
	return scores
}

// refAttention builds the full score matrix with explicit masks: the way
// the model's Python reference computes attention.
func refAttention(q []float32, n int, keys, values []float32, pos0 int, a Attn) []float64 {
	hd := a.HeadDim
	out := make([]float64, n*a.Heads*hd)
	for t := range n {
		pos := pos0 + t
		for h := range a.Heads {
			kv := h / (a.Heads / a.KVHeads)
			scores := refScores(q, keys, a, t, h, pos)
			m := math.Inf(-1)
			for _, s := range scores {
				m = max(m, s)
			}
			var sum float64
			for j := range scores {
				scores[j] = math.Exp(scores[j] - m)
				sum += scores[j]
			}
			for j, p := range scores {
				for i := range hd {
					out[(t*a.Heads+h)*hd+i] += p / sum * float64(values[(j*a.KVHeads+kv)*hd+i])
				}
			}
		}
	}
	return out
}

func TestAttention(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	shapes := []Attn{
		{Heads: 1, KVHeads: 1, HeadDim: 4, Scale: 0.5},
		{Heads: 4, KVHeads: 2, HeadDim: 16, Scale: 0.25},                          // GQA
		{Heads: 4, KVHeads: 1, HeadDim: 8, Scale: 0.35},                           // MQA
		{Heads: 4, KVHeads: 2, HeadDim: 16, Scale: 0.25, Softcap: 1.5, Window: 5}, // Gemma 2 style
	}
	for _, a := range shapes {
		for _, run := range []struct{ pos0, n int }{{0, 1}, {0, 9}, {6, 1}, {6, 4}} {
			total := run.pos0 + run.n
			q := randVec(r, run.n*a.Heads*a.HeadDim)
			// Keys and values exact in f16, so both caches hold the same numbers.
			keys, values := exactVec(r, total*a.KVHeads*a.HeadDim), exactVec(r, total*a.KVHeads*a.HeadDim)
			want := refAttention(q, run.n, keys, values, run.pos0, a)

			got := make([]float32, len(want))
			Attention(got, q, run.n, keys, values, run.pos0, a)
			k16, v16 := make([]uint16, len(keys)), make([]uint16, len(values))
			for i := range keys {
				k16[i], v16[i] = quant.F32ToF16(keys[i]), quant.F32ToF16(values[i])
			}
			got16 := make([]float32, len(want))
			AttentionF16(got16, q, run.n, k16, v16, run.pos0, a)
			// A half cache follows ggml: query and weights rounded to half
			// (attention_test.go), up to a weight rounded the other way.
			want16, slack := refAttentionHalf(q, run.n, keys, values, run.pos0, a, attnWeightErr)
			for i := range want {
				if !closeTo(got[i], want[i], 1, 1e-5) || !closeTo(got16[i], want16[i], 1, 1e-5+slack[i/a.HeadDim]) {
					t.Fatalf("%+v pos0=%d n=%d: out[%d] = %v (f16 cache %v), want %v (f16 cache %v)", a, run.pos0, run.n, i, got[i], got16[i], want[i], want16[i])
				}
			}
		}
	}
}

func BenchmarkMatMul(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	for _, typ := range []quant.Type{quant.F32, quant.F16, quant.BF16} {
		for _, n := range []int{1, 16} {
			rows, cols := 1024, 1024
			w := encodeBench(exactVec(r, rows*cols), typ)
			x := randVec(r, n*cols)
			dst := make([]float32, n*rows)
			b.Run(typ.String()+"/n="+strconv.Itoa(n), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					MatMul(dst, x, w, typ, rows, cols, n)
				}
			})
		}
	}
}

func encodeBench(v []float32, typ quant.Type) []byte {
	var b []byte
	for _, f := range v {
		switch typ {
		case quant.F32:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(f))
		case quant.F16:
			b = binary.LittleEndian.AppendUint16(b, quant.F32ToF16(f))
		case quant.BF16:
			b = binary.LittleEndian.AppendUint16(b, uint16(math.Float32bits(f)>>16))
		}
	}
	return b
}
