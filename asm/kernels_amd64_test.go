//go:build !noasm

package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// Tests of the x86-64 flavours beyond the shared table test: raw random
// blocks (every bit pattern, not only what the quantizers write) with the
// K-quants required bit-identical to the generic twins, every half/bfloat16
// value through the float dots, awkward lengths, unaligned slices, NaN/Inf,
// short slices, and a fuzz target. kernels_linux_amd64_test.go adds the
// guard-page test and CPU-time benchmarks.

// scaleFields lists, per weight type, the byte offsets of its f16 scale
// fields and which of them multiplies a min (a term subtracted or added
// apart from the levels).
var scaleFields = map[quant.Type]struct{ d, min []int }{
	quant.Q4_0:   {d: []int{0}},
	quant.Q4_1:   {d: []int{0}, min: []int{2}},
	quant.Q5_0:   {d: []int{0}},
	quant.Q5_1:   {d: []int{0}, min: []int{2}},
	quant.Q8_0:   {d: []int{0}},
	quant.IQ4_NL: {d: []int{0}},
	quant.Q2_K:   {d: []int{80}, min: []int{82}},
	quant.Q3_K:   {d: []int{108}},
	quant.Q4_K:   {d: []int{0}, min: []int{2}},
	quant.Q5_K:   {d: []int{0}, min: []int{2}},
	quant.Q6_K:   {d: []int{208}},
	quant.IQ4_XS: {d: []int{0}},
}

const (
	f16One    = 0x3C00
	f16MinOne = 0xBC00
)

// rawWeights returns nb blocks of type t filled by fill(i) (byte i), with
// every f16 scale field set to scale(block, field).
func rawWeights(t quant.Type, nb int, fill func(i int) byte, scale func(b, f int) uint16) []byte {
	tr, _ := t.Traits()
	w := make([]byte, nb*tr.BlockBytes)
	for i := range w {
		w[i] = fill(i)
	}
	sf := scaleFields[t]
	for b := range nb {
		blk := w[b*tr.BlockBytes:]
		for f, off := range append(append([]int{}, sf.d...), sf.min...) {
			binary.LittleEndian.PutUint16(blk[off:], scale(b, f))
		}
	}
	return w
}

// rawActivations returns nb blocks of activation type at with quants from
// q(i) and scale d (an f16 bit pattern; Q8_K stores its float32 value), and
// the derived fields the format defines (Q8_1's s = d·Σq, Q8_K's bsums)
// filled in as the quantizers would.
func rawActivations(at quant.Type, nb int, q func(i int) int8, d uint16) []byte {
	tr, _ := at.Traits()
	x := make([]byte, nb*tr.BlockBytes)
	df := quant.F16ToF32(d)
	for b := range nb {
		blk := x[b*tr.BlockBytes : (b+1)*tr.BlockBytes]
		switch at {
		case quant.Q8_0:
			binary.LittleEndian.PutUint16(blk, d)
			for j := range 32 {
				blk[2+j] = byte(q(b*32 + j))
			}
		case quant.Q8_1:
			binary.LittleEndian.PutUint16(blk, d)
			var sum int
			for j := range 32 {
				v := q(b*32 + j)
				blk[4+j] = byte(v)
				sum += int(v)
			}
			binary.LittleEndian.PutUint16(blk[2:], quant.F32ToF16(df*float32(sum)))
		case quant.Q8_K:
			binary.LittleEndian.PutUint32(blk, math.Float32bits(df))
			for g := range 16 {
				var sum int
				for j := range 16 {
					v := q(b*256 + 16*g + j)
					blk[4+16*g+j] = byte(v)
					sum += int(v)
				}
				binary.LittleEndian.PutUint16(blk[260+2*g:], uint16(int16(sum)))
			}
		}
	}
	return x
}

func asmFlavours() []Level {
	var ls []Level
	for _, l := range Available() {
		if l != Generic {
			ls = append(ls, l)
		}
	}
	return ls
}

// The K-quant kernels form each super-block's integer sums exactly and then
// do the generic twin's float32 operations in its order, so their results
// must be identical bit for bit. The 32-element kernels also form exact
// block sums but, as ggml, accumulate d_w·d_x·sum in vector lanes: they
// must agree within float rounding of Σ|terms|. Checked on quantizer output
// of every character and on raw random bytes (every level, high bit and
// scale pattern, -128 in both operands), over block counts that exercise
// the four-block loops, their remainders and the AVX-512 hand-over to AVX2.
func TestVecDotExact(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	generic := flavours[Generic]
	// Half scales: ±1, 0, subnormal, large, and random finite ones.
	scale := func() uint16 {
		switch r.IntN(6) {
		case 0:
			return []uint16{f16One, f16MinOne, 0, 0x8000, 0x0001, 0x7BFF}[r.IntN(6)]
		default:
			return finiteHalf(uint16(r.Uint32()))
		}
	}
	for _, level := range asmFlavours() {
		for wt, kernel := range flavours[level].VecDot {
			tr, _ := wt.Traits()
			want := generic.VecDot[wt]
			failures := 0
			check := func(nb int, w, x []byte, what string) {
				n := nb * tr.BlockSize
				g, e := kernel(n, w, x), want(n, w, x)
				if !agrees(wt, n, w, x, g, e) {
					if failures++; failures <= 5 {
						t.Errorf("%s %s nb=%d %s: %v, generic %v", level, wt, nb, what, g, e)
					}
				}
			}
			cases := 0
			for _, nb := range []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 17, 64} {
				n := nb * tr.BlockSize
				for _, kind := range []string{"normal", "large", "tiny", "zero", "extreme", "sparse"} {
					check(nb, quantized(wt, randomFloats(r, n, kind)), quantized(tr.VecDotType, randomFloats(r, n, "normal")), kind)
					cases++
				}
				for _, fill := range []struct {
					name string
					f    func(int) byte
				}{
					{"random bytes", func(int) byte { return byte(r.Uint32()) }},
					{"0xFF bytes", func(int) byte { return 0xFF }},
					{"0x80 bytes", func(int) byte { return 0x80 }},
					{"0x00 bytes", func(int) byte { return 0 }},
				} {
					for _, act := range []struct {
						name string
						q    func(int) int8
					}{
						{"random", func(int) int8 { return int8(r.Uint32()) }},
						{"-128", func(int) int8 { return -128 }},
						{"127", func(int) int8 { return 127 }},
					} {
						w := rawWeights(wt, nb, fill.f, func(b, f int) uint16 { return scale() })
						x := rawActivations(tr.VecDotType, nb, act.q, scale())
						check(nb, w, x, fill.name+", activations "+act.name)
						cases++
					}
				}
			}
			how := "within rounding of"
			if tr.BlockSize == quant.QK_K {
				how = "bit-identical to"
			}
			t.Logf("%s %s: %d cases %s generic", level, wt, cases, how)
		}
	}
}

// Misaligned or partial inputs: the kernels read the blocks from any
// address, and a length that is not a whole number of blocks ignores the
// remainder as the generic twin does. (kernels_linux_amd64_test.go checks
// that nothing is read past the blocks.)
func TestVecDotUnalignedAndPartial(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	generic := flavours[Generic]
	for _, level := range asmFlavours() {
		for wt, kernel := range flavours[level].VecDot {
			tr, _ := wt.Traits()
			xt, _ := tr.VecDotType.Traits()
			const nb = 9 // two quads and one more block
			w := quantized(wt, randomFloats(r, nb*tr.BlockSize, "normal"))
			x := quantized(tr.VecDotType, randomFloats(r, nb*tr.BlockSize, "normal"))
			for shift := 1; shift < 8; shift += 3 {
				wb := make([]byte, len(w)+shift)[shift:]
				xb := make([]byte, len(x)+shift)[shift:]
				copy(wb, w)
				copy(xb, x)
				for _, n := range []int{0, tr.BlockSize - 1, tr.BlockSize, 2*tr.BlockSize + 1, 5*tr.BlockSize - 1, nb * tr.BlockSize} {
					blocks := n / tr.BlockSize
					whole := blocks * tr.BlockSize
					wa, xa := w[:blocks*tr.BlockBytes], x[:blocks*xt.BlockBytes]
					g := kernel(n, wb[:len(wa)], xb[:len(xa)])
					e := generic.VecDot[wt](whole, wa, xa)
					if !agrees(wt, whole, wa, xa, g, e) {
						t.Errorf("%s %s n=%d shift %d: %v, generic %v", level, wt, n, shift, g, e)
					}
				}
			}
		}
	}
}

// A slice shorter than its blocks panics in the wrapper instead of letting
// the assembly read past it.
func TestVecDotShortSlicePanics(t *testing.T) {
	for _, level := range asmFlavours() {
		for wt, kernel := range flavours[level].VecDot {
			tr, _ := wt.Traits()
			xt, _ := tr.VecDotType.Traits()
			n := 2 * tr.BlockSize
			for _, c := range []struct{ w, x int }{{2*tr.BlockBytes - 1, 2 * xt.BlockBytes}, {2 * tr.BlockBytes, 2*xt.BlockBytes - 1}} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s %s: short slices (%d, %d bytes) did not panic", level, wt, c.w, c.x)
						}
					}()
					kernel(n, make([]byte, c.w), make([]byte, c.x))
				}()
			}
		}
	}
}

// floatCase runs the three float dots of flavour k and the generic twins on
// x and the weights y (as f32, f16 and bf16) and reports disagreements
// beyond rounding.
func checkFloatDots(t *testing.T, level Level, x, y []float32, w16, wb16 []byte, what string) {
	t.Helper()
	k, g := flavours[level], flavours[Generic]
	var mag float64
	for i := range x {
		mag += math.Abs(float64(x[i]) * float64(y[i]))
	}
	tol := 2e-6*mag + 1e-30
	for _, c := range []struct {
		name      string
		got, want float32
	}{
		{"Dot", k.Dot(x, y), g.Dot(x, y)},
		{"DotF16", k.DotF16(w16, x), g.DotF16(w16, x)},
		{"DotBF16", k.DotBF16(wb16, x), g.DotBF16(wb16, x)},
	} {
		if math.Abs(float64(c.got-c.want)) > tol {
			t.Errorf("%s %s %s n=%d: %v, generic %v (Σ|x·y| %g)", level, c.name, what, len(x), c.got, c.want, mag)
		}
	}
}

func halves(y []float32, offset int) (w16, wb16 []byte) {
	w16 = make([]byte, 2*len(y)+offset)[offset:]
	wb16 = make([]byte, 2*len(y)+offset)[offset:]
	for i, v := range y {
		binary.LittleEndian.PutUint16(w16[2*i:], quant.F32ToF16(v))
		binary.LittleEndian.PutUint16(wb16[2*i:], quant.F32ToBF16(v))
	}
	return w16, wb16
}

// Every length from 0 to 300 (each tail of the 8-, 16-, 64- and 128-wide
// loops) plus long rows, at aligned and odd addresses.
func TestFloatDotLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	lengths := []int{1000, 4095, 4096, 4097, 11008}
	for n := range 301 {
		lengths = append(lengths, n)
	}
	for _, level := range asmFlavours() {
		for _, n := range lengths {
			for _, off := range []int{0, 1} {
				x := randomFloats(r, n+off, "normal")[off:]
				y := randomFloats(r, n+off, "normal")[off:]
				w16, wb16 := halves(y, off)
				checkFloatDots(t, level, x, y, w16, wb16, fmt.Sprintf("offset %d", off))
			}
		}
	}
}

// Every half and bfloat16 bit pattern decodes as the generic tables do
// (subnormals, infinities and NaNs included), in the vector loops and in
// the tails: element j of a 72-long row of zeros holds the pattern, x is
// all ones, so the dot is exactly the decoded value.
func TestFloatDotAllHalves(t *testing.T) {
	const n = 72 // 64 (wide loop) + 8
	ones := make([]float32, n)
	for i := range ones {
		ones[i] = 1
	}
	tab := f16Table()
	for _, level := range asmFlavours() {
		k := flavours[level]
		w := make([]byte, 2*n)
		bad := 0
		for h := range 1 << 16 {
			j := h % n
			clear(w)
			binary.LittleEndian.PutUint16(w[2*j:], uint16(h))
			for _, c := range []struct {
				name      string
				got, want float32
			}{
				{"DotF16", k.DotF16(w, ones), tab[h]},
				{"DotBF16", k.DotBF16(w, ones), quant.BF16ToF32(uint16(h))},
			} {
				same := c.got == c.want || (math.IsNaN(float64(c.got)) && math.IsNaN(float64(c.want)))
				if !same && bad < 10 {
					t.Errorf("%s %s pattern %#04x at %d: %v, want %v", level, c.name, h, j, c.got, c.want)
					bad++
				}
			}
		}
	}
}

// A NaN anywhere makes the dot NaN; an infinity makes it infinite.
func TestFloatDotNaNInf(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	for _, level := range asmFlavours() {
		k := flavours[level]
		for _, n := range []int{1, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129, 300} {
			for _, at := range []int{0, n / 2, n - 1} {
				x, y := make([]float32, n), make([]float32, n)
				for i := range x {
					x[i], y[i] = 1, 0.5
				}
				y[at] = nan
				w16, wb16 := halves(y, 0)
				for name, got := range map[string]float32{"Dot": k.Dot(x, y), "DotF16": k.DotF16(w16, x), "DotBF16": k.DotBF16(wb16, x)} {
					if !math.IsNaN(float64(got)) {
						t.Errorf("%s %s n=%d NaN at %d: %v", level, name, n, at, got)
					}
				}
				y[at] = inf
				w16, wb16 = halves(y, 0)
				for name, got := range map[string]float32{"Dot": k.Dot(x, y), "DotF16": k.DotF16(w16, x), "DotBF16": k.DotBF16(wb16, x)} {
					if !math.IsInf(float64(got), 1) {
						t.Errorf("%s %s n=%d +Inf at %d: %v", level, name, n, at, got)
					}
				}
			}
		}
	}
}

// fuzzTypes are the weight types the fuzz target picks from.
var fuzzTypes = []quant.Type{quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.IQ4_NL,
	quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS}

// finiteHalf turns an f16 bit pattern into a finite one (an infinity or NaN
// loses its top exponent bit).
func finiteHalf(h uint16) uint16 {
	if h&0x7C00 == 0x7C00 {
		h &^= 0x4000
	}
	return h
}

// sanitizeBlocks makes raw fuzz bytes valid input: finite weight scales,
// finite activation scales and the activation's derived fields (Q8_1's s,
// Q8_K's d as a float32 and bsums) consistent with its quants, as every
// activation the quantizers write is.
func sanitizeBlocks(wt quant.Type, w, x []byte) {
	tr, _ := wt.Traits()
	xt, _ := tr.VecDotType.Traits()
	nb := len(w) / tr.BlockBytes
	sf := scaleFields[wt]
	for b := range nb {
		blk := w[b*tr.BlockBytes:]
		for _, off := range append(append([]int{}, sf.d...), sf.min...) {
			binary.LittleEndian.PutUint16(blk[off:], finiteHalf(binary.LittleEndian.Uint16(blk[off:])))
		}
	}
	for b := range nb {
		blk := x[b*xt.BlockBytes : (b+1)*xt.BlockBytes]
		switch tr.VecDotType {
		case quant.Q8_0:
			binary.LittleEndian.PutUint16(blk, finiteHalf(binary.LittleEndian.Uint16(blk)))
		case quant.Q8_1:
			d := finiteHalf(binary.LittleEndian.Uint16(blk))
			binary.LittleEndian.PutUint16(blk, d)
			var sum int
			for _, q := range blk[4:36] {
				sum += int(int8(q))
			}
			binary.LittleEndian.PutUint16(blk[2:], quant.F32ToF16(quant.F16ToF32(d)*float32(sum)))
		case quant.Q8_K:
			d := quant.F16ToF32(finiteHalf(binary.LittleEndian.Uint16(blk)))
			binary.LittleEndian.PutUint32(blk, math.Float32bits(d))
			for g := range 16 {
				var sum int
				for _, q := range blk[4+16*g : 4+16*g+16] {
					sum += int(int8(q))
				}
				binary.LittleEndian.PutUint16(blk[260+2*g:], uint16(int16(sum)))
			}
		}
	}
}

// agrees reports whether a kernel's result g matches the generic twin's e:
// bit for bit for the super-block types, else within 1e-5 of the bound of
// the partial sums any order of additions forms.
func agrees(wt quant.Type, n int, w, x []byte, g, e float32) bool {
	tr, _ := wt.Traits()
	if tr.BlockSize == quant.QK_K {
		return math.Float32bits(g) == math.Float32bits(e)
	}
	// An infinite scale product (Q8_1's s rounds to ±Inf past 65504) makes
	// both sums infinite or NaN alike, whatever the order.
	if math.IsNaN(float64(e)) {
		return math.IsNaN(float64(g))
	}
	if math.IsInf(float64(e), 0) {
		return g == e
	}
	return math.Abs(float64(g-e)) <= 1e-5*legacyBound(wt, n, w, x)+1e-30
}

// legacyBound (w and x exactly n/block size blocks) is Σ|d_w·q·d_x·y| over
// the elements (the levels without Q4_1's
// and Q5_1's min) plus Σ|m·s| over the blocks: every partial sum of the
// 32-element kernels and twins is within it.
func legacyBound(wt quant.Type, n int, w, x []byte) float64 {
	tr, _ := wt.Traits()
	xd, wd := make([]float32, n), make([]float32, n)
	if err := quant.Dequantize(tr.VecDotType, xd, x); err != nil {
		panic(err)
	}
	wz := append([]byte{}, w...)
	for _, off := range scaleFields[wt].min {
		for b := 0; b < n/tr.BlockSize; b++ {
			binary.LittleEndian.PutUint16(wz[b*tr.BlockBytes+off:], 0)
		}
	}
	if err := quant.Dequantize(wt, wd, wz); err != nil {
		panic(err)
	}
	var bound float64
	for i := range wd {
		bound += math.Abs(float64(wd[i]) * float64(xd[i]))
	}
	if tr.VecDotType == quant.Q8_1 {
		for b := 0; b < n/tr.BlockSize; b++ {
			m := quant.F16ToF32(binary.LittleEndian.Uint16(w[b*tr.BlockBytes+2:]))
			s := quant.F16ToF32(binary.LittleEndian.Uint16(x[b*36+2:]))
			bound += math.Abs(float64(m) * float64(s))
		}
	}
	return bound
}

// FuzzVecDotAMD64 feeds raw bytes as weight and activation blocks of a
// chosen type (scales made finite, activation sums made consistent) and
// requires every x86-64 flavour to agree with the generic twin as
// TestVecDotExact does.
func FuzzVecDotAMD64(f *testing.F) {
	r := rand.New(rand.NewPCG(17, 18))
	for i, wt := range fuzzTypes {
		tr, _ := wt.Traits()
		xt, _ := tr.VecDotType.Traits()
		seed := make([]byte, 3*(tr.BlockBytes+xt.BlockBytes))
		for j := range seed {
			seed[j] = byte(r.Uint32())
		}
		f.Add(uint8(i), seed)
	}
	generic := flavours[Generic]
	f.Fuzz(func(t *testing.T, typ uint8, data []byte) {
		wt := fuzzTypes[int(typ)%len(fuzzTypes)]
		tr, _ := wt.Traits()
		xt, _ := tr.VecDotType.Traits()
		nb := min(len(data)/(tr.BlockBytes+xt.BlockBytes), 9)
		if nb == 0 {
			return
		}
		n := nb * tr.BlockSize
		w := append([]byte{}, data[:nb*tr.BlockBytes]...)
		x := append([]byte{}, data[nb*tr.BlockBytes:nb*(tr.BlockBytes+xt.BlockBytes)]...)
		sanitizeBlocks(wt, w, x)
		want := generic.VecDot[wt](n, w, x)
		for _, level := range asmFlavours() {
			kernel := flavours[level].VecDot[wt]
			if kernel == nil {
				continue
			}
			if got := kernel(n, w, x); !agrees(wt, n, w, x, got, want) {
				t.Errorf("%s %s nb=%d: %v, generic %v", level, wt, nb, got, want)
			}
		}
	})
}

func BenchmarkFloatDot(b *testing.B) {
	r := rand.New(rand.NewPCG(19, 20))
	const n = 4096
	x, y := randomFloats(r, n, "normal"), randomFloats(r, n, "normal")
	w16, wb16 := halves(y, 0)
	for _, level := range Available() {
		k := flavours[level]
		b.Run(fmt.Sprintf("%s/F32", level), func(b *testing.B) {
			b.SetBytes(4 * n)
			for b.Loop() {
				k.Dot(x, y)
			}
		})
		b.Run(fmt.Sprintf("%s/F16", level), func(b *testing.B) {
			b.SetBytes(2 * n)
			for b.Loop() {
				k.DotF16(w16, x)
			}
		})
		b.Run(fmt.Sprintf("%s/BF16", level), func(b *testing.B) {
			b.SetBytes(2 * n)
			for b.Loop() {
				k.DotBF16(wb16, x)
			}
		})
	}
}

// BenchmarkMemoryRead measures this machine's single-core read bandwidth
// from DRAM (a 256 MiB buffer, far past any cache) with the fastest float
// dot: the ceiling the matrix kernels meet on weights that do not fit in
// cache.
func BenchmarkMemoryRead(b *testing.B) {
	buf := make([]float32, 64<<20)
	for i := range buf {
		buf[i] = 1
	}
	k := flavours[Available()[0]]
	b.SetBytes(int64(4 * len(buf)))
	for b.Loop() {
		k.Dot(buf, buf)
	}
}
