package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// floatWeights stores v as weight type wt (F32, F16 or BF16) at byte
// offset off of the returned slice (to test unaligned rows).
func floatWeights(wt quant.Type, v []float32, off int) []byte {
	b := quantized(wt, v)
	return append(make([]byte, off, off+len(b)), b...)[off:]
}

// genericFloatDot is the generic twin's dot of a stored row with x.
func genericFloatDot(wt quant.Type, w []byte, x []float32) float32 {
	switch wt {
	case quant.F16:
		return dotF16Generic(w, x)
	case quant.BF16:
		return dotBF16Generic(w, x)
	}
	v := make([]float32, len(x))
	toF32Generic(v, w, quant.F32)
	return dotGeneric(v, x)
}

// floatMagnitude is Σ|w_i·x_i|: it bounds the rounding of any order of the
// additions.
func floatMagnitude(wt quant.Type, w []byte, x []float32) float64 {
	v := make([]float32, len(x))
	toF32Generic(v, w, wt)
	var m float64
	for i := range v {
		m += math.Abs(float64(v[i]) * float64(x[i]))
	}
	return m
}

// flavourFloatGemm returns flavour l's FloatGemm for wt, or the one Use
// builds from its row dots when it has none.
func flavourFloatGemm(l Level, wt quant.Type) FloatGemmKernel {
	if f := flavours[l].FloatGemm[wt]; f != nil {
		return f
	}
	return floatGemmFromDots(flavours[l], wt)
}

// checkFloatGemm runs gemm on one shape with dst entries outside the block
// set to a sentinel, and compares every entry with the generic row dot. It
// returns the largest error relative to Σ|w·x|.
func checkFloatGemm(t testing.TB, name string, gemm FloatGemmKernel, wt quant.Type, w []byte, x []float32, rows, cols, toks int) float64 {
	t.Helper()
	esize := 2
	if wt == quant.F32 {
		esize = 4
	}
	rb := cols * esize
	ldd := rows + 3
	dst := make([]float32, toks*ldd)
	const sentinel = -12345.5
	for i := range dst {
		dst[i] = sentinel
	}
	gemm(cols, w, rows, x, toks, dst, ldd)
	worst := 0.0
	for c := range toks {
		for i := rows; i < ldd; i++ {
			if dst[c*ldd+i] != sentinel {
				t.Fatalf("%s: wrote dst[%d] outside the block", name, c*ldd+i)
			}
		}
		xc := x[c*cols : (c+1)*cols]
		for r := range rows {
			wr := w[r*rb : (r+1)*rb]
			want, got := genericFloatDot(wt, wr, xc), dst[c*ldd+r]
			if math.IsNaN(float64(want)) || math.IsInf(float64(want), 0) {
				if !(math.IsNaN(float64(want)) && math.IsNaN(float64(got))) && got != want {
					t.Errorf("%s: dst[tok %d, row %d] = %g, generic %g", name, c, r, got, want)
				}
				continue
			}
			mag := floatMagnitude(wt, wr, xc)
			d := math.Abs(float64(got - want))
			if !(d <= 1e-5*mag+1e-30) {
				t.Errorf("%s: dst[tok %d, row %d] = %g, generic %g (Σ|w·x| %g)", name, c, r, got, want, mag)
			} else if mag > 0 {
				worst = max(worst, d/mag)
			}
		}
	}
	return worst
}

// TestFloatGemmFlavours checks every flavour's FloatGemm against the generic
// row dots over every tile edge: rows 1…9 (tiles of 3 and 4), tokens 1…13
// (tiles of 4 and 6, and the one-token kernel), cols around the vector
// widths (8, 16) including 0, unaligned weight rows and activations, and
// data of every kind.
func TestFloatGemmFlavours(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	kinds := []string{"normal", "large", "tiny", "zero", "extreme", "sparse"}
	colsList := []int{0, 1, 7, 8, 15, 16, 17, 33, 100}
	for _, level := range Available() {
		for _, wt := range floatTypes {
			gemm := flavourFloatGemm(level, wt)
			worst, cases := 0.0, 0
			for rows := 1; rows <= 9; rows++ {
				for toks := 1; toks <= 13; toks++ {
					cols := colsList[(rows*13+toks)%len(colsList)]
					kind := kinds[(rows+toks)%len(kinds)]
					off := (rows + toks) % 3 // misaligns F32 rows and the activations
					w := floatWeights(wt, randomFloats(r, rows*cols, kind), off)
					x := append(make([]float32, off), randomFloats(r, toks*cols, "normal")...)[off:]
					name := fmt.Sprintf("%s %s %d rows × %d cols × %d toks (%s)", level, wt, rows, cols, toks, kind)
					worst = max(worst, checkFloatGemm(t, name, gemm, wt, w, x, rows, cols, toks))
					cases++
				}
			}
			// Longer rows and blocks: several row blocks, the main loops.
			for _, s := range []struct{ rows, cols, toks int }{{37, 2048 + 5, 14}, {130, 600, 7}, {64, 4096, 1}} {
				w := floatWeights(wt, randomFloats(r, s.rows*s.cols, "normal"), 0)
				x := randomFloats(r, s.toks*s.cols, "normal")
				name := fmt.Sprintf("%s %s %d rows × %d cols × %d toks", level, wt, s.rows, s.cols, s.toks)
				worst = max(worst, checkFloatGemm(t, name, gemm, wt, w, x, s.rows, s.cols, s.toks))
				cases++
			}
			t.Logf("%s %s: %d shapes agree, worst |Δ|/Σ|w·x| = %.3g", level, wt, cases, worst)
		}
	}
}

// TestFloatGemmNonFinite checks that an infinity or NaN in one weight row
// reaches that row's sums (as in the generic twin) and no other's, also
// from the scalar tail.
func TestFloatGemmNonFinite(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 24))
	const rows, toks = 9, 7
	for _, cols := range []int{40, 35} {
		for _, level := range Available() {
			for _, wt := range floatTypes {
				v := randomFloats(r, rows*cols, "normal")
				v[1*cols+3] = float32(math.Inf(1))
				v[4*cols+cols-1] = float32(math.Inf(-1))
				v[6*cols+17] = float32(math.NaN())
				w := floatWeights(wt, v, 0)
				x := randomFloats(r, toks*cols, "normal")
				for c := range toks {
					x[c*cols+3] = 1 + float32(c) // a definite sign for the infinity
					x[c*cols+cols-1] = 2
				}
				checkFloatGemm(t, fmt.Sprintf("%s %s cols %d", level, wt, cols), flavourFloatGemm(level, wt), wt, w, x, rows, cols, toks)
			}
		}
	}
}

// TestFloatMatMul checks the float path of MatMul (rows shared among
// threads, then tiled) for every flavour against the generic row dots.
func TestFloatMatMul(t *testing.T) {
	defer Use(activeLevel)
	r := rand.New(rand.NewPCG(25, 26))
	const rows, cols, n = 203, 300, 13
	x := randomFloats(r, n*cols, "normal")
	for _, wt := range floatTypes {
		w := floatWeights(wt, randomFloats(r, rows*cols, "normal"), 0)
		for _, level := range Available() {
			Use(level)
			got := make([]float32, n*rows)
			MatMul(got, x, w, wt, rows, cols, n)
			for c := range n {
				for row := range rows {
					wr, xc := w[row*cols*len(w)/(rows*cols):], x[c*cols:(c+1)*cols]
					want := genericFloatDot(wt, wr, xc)
					if d := math.Abs(float64(got[c*rows+row] - want)); !(d <= 1e-5*floatMagnitude(wt, wr, xc)) {
						t.Fatalf("%s %s: dst[tok %d, row %d] = %g, generic %g", level, wt, c, row, got[c*rows+row], want)
					}
				}
			}
		}
	}
}

// FuzzFloatGemm feeds arbitrary bytes as weights and activations (values
// that are not finite, or so large that sums could overflow, are made
// finite and smaller) and compares every flavour with the generic row dots.
func FuzzFloatGemm(f *testing.F) {
	f.Add([]byte{1, 4, 6, 16, 0x3c, 0x00, 0xbc, 0x00, 0x7b, 0xff, 0x00, 0x01})
	f.Add([]byte{0, 5, 7, 17, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
	f.Add([]byte{2, 9, 13, 33, 0x80, 0x3f, 0x00, 0xc0, 0xff, 0x7f, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 5 {
			return
		}
		wt := floatTypes[int(data[0])%len(floatTypes)]
		rows, toks, cols := 1+int(data[1])%9, 1+int(data[2])%13, int(data[3])%41
		data = data[4:]
		byteAt := func(i int) byte { return data[i%len(data)] }
		esize := 2
		if wt == quant.F32 {
			esize = 4
		}
		w := make([]byte, rows*cols*esize)
		for i := range w {
			w[i] = byteAt(i)
		}
		for i := 0; i < len(w); i += esize {
			switch wt {
			case quant.F16:
				h := binary.LittleEndian.Uint16(w[i:])
				if h>>10&0x1f == 0x1f {
					h &^= 0x4000 // an exponent below the maximum: finite
				}
				binary.LittleEndian.PutUint16(w[i:], h)
			case quant.BF16:
				binary.LittleEndian.PutUint16(w[i:], uint16(sanitizeF32(uint32(binary.LittleEndian.Uint16(w[i:]))<<16)>>16))
			default:
				binary.LittleEndian.PutUint32(w[i:], sanitizeF32(binary.LittleEndian.Uint32(w[i:])))
			}
		}
		x := make([]float32, toks*cols)
		for i := range x {
			b := uint32(byteAt(len(w)+4*i)) | uint32(byteAt(len(w)+4*i+1))<<8 | uint32(byteAt(len(w)+4*i+2))<<16 | uint32(byteAt(len(w)+4*i+3))<<24
			x[i] = math.Float32frombits(sanitizeF32(b))
		}
		for _, level := range Available() {
			checkFloatGemm(t, fmt.Sprintf("%s %s %d×%d×%d", level, wt, rows, cols, toks), flavourFloatGemm(level, wt), wt, w, x, rows, cols, toks)
		}
	})
}

// sanitizeF32 makes float32 bits finite and below 2⁶⁰ in magnitude, so no
// sum of products of two of them over a fuzzed row (< 2⁶ terms below 2¹²⁰)
// overflows.
func sanitizeF32(b uint32) uint32 {
	if e := b >> 23 & 0xff; e >= 127+60 {
		b = b&^(0xff<<23) | (127+59)<<23
	}
	return b
}

// BenchmarkFloatGemm compares, per flavour and float type, the row dot
// products (one per row × token: the former float path) with the tiled
// kernels on a 64-row × 2048-column block: decode (1 token) and prompt
// (64 tokens). Bytes are weight bytes.
func BenchmarkFloatGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(27, 28))
	const rows, cols = 64, 2048
	for _, toks := range []int{1, 64} {
		x := randomFloats(r, toks*cols, "normal")
		dst := make([]float32, toks*rows)
		for _, level := range Available() {
			for _, wt := range floatTypes {
				w := floatWeights(wt, randomFloats(r, rows*cols, "normal"), 0)
				for _, kernel := range []struct {
					name string
					gemm FloatGemmKernel
				}{{"rowdot", floatGemmFromDots(flavours[level], wt)}, {"tiled", flavourFloatGemm(level, wt)}} {
					if kernel.name == "tiled" && level == Generic {
						continue // the same as rowdot
					}
					b.Run(fmt.Sprintf("toks=%d/%s/%s/%s", toks, level, wt, kernel.name), func(b *testing.B) {
						b.SetBytes(int64(len(w)))
						for b.Loop() {
							kernel.gemm(cols, w, rows, x, toks, dst, rows)
						}
						b.ReportMetric(float64(2*rows*cols*toks)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					})
				}
			}
		}
	}
}
