//go:build !noasm

package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
	"golang.org/x/sys/cpu"
)

// Tests of the NEON flavour beyond the shared table test: both forms of the
// integer kernels (SDOT and the ARMv8.0 widening sequence) whatever form the
// CPU registered, raw random blocks, all-extreme quants, every float length up
// to a few vectors, unaligned slices and NaN/Inf.

// neonForm is one way of building the integer kernels.
type neonForm struct {
	name string
	pick func(sdot, widen func(int, *byte, *byte) float32) func(int, *byte, *byte) float32
}

// neonForms lists the forms this CPU can run: the widening one always, SDOT
// when the CPU has the dot-product extension.
func neonForms() []neonForm {
	fs := []neonForm{{"widen", func(_, w func(int, *byte, *byte) float32) func(int, *byte, *byte) float32 { return w }}}
	if cpu.ARM64.HasASIMDDP {
		fs = append(fs, neonForm{"sdot", func(s, _ func(int, *byte, *byte) float32) func(int, *byte, *byte) float32 { return s }})
	}
	return fs
}

// neonExact reports whether the kernel for t must reproduce the Go twin bit
// for bit: the K-quant kernels sum integers exactly and then do the twin's
// float operations in the twin's order.
func neonExact(t quant.Type) bool {
	switch t {
	case quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.Q8_K:
		return true
	}
	return false
}

// neonScaleFields gives the offsets of the float fields in one block of t
// (f16 unless the type is Q8_K, whose d is f32).
func neonScaleFields(t quant.Type) []int {
	switch t {
	case quant.Q4_1, quant.Q5_1, quant.Q8_1, quant.Q4_K, quant.Q5_K:
		return []int{0, 2}
	case quant.Q2_K:
		return []int{80, 82}
	case quant.Q3_K:
		return []int{108}
	case quant.Q6_K:
		return []int{208}
	}
	return []int{0} // Q4_0, Q5_0, Q8_0, IQ4_NL, IQ4_XS (d f16), Q8_K (d f32)
}

// neonSanitize makes every scale of the blocks in b finite and moderate, so
// that products of scales and integer sums stay far from overflow: an f16
// that is Inf/NaN loses its top exponent bit, a Q8_K f32 outside ±1e4 is
// replaced by a small value made from its low bits.
func neonSanitize(t quant.Type, b []byte) {
	tr, _ := t.Traits()
	for blk := 0; blk+tr.BlockBytes <= len(b); blk += tr.BlockBytes {
		for _, off := range neonScaleFields(t) {
			p := b[blk+off:]
			if t == quant.Q8_K {
				v := math.Float32frombits(binary.LittleEndian.Uint32(p))
				if !(math.Abs(float64(v)) <= 1e4) {
					v = float32(binary.LittleEndian.Uint16(p)) / 65536
					binary.LittleEndian.PutUint32(p, math.Float32bits(v))
				}
				continue
			}
			if h := binary.LittleEndian.Uint16(p); h&0x7c00 == 0x7c00 {
				binary.LittleEndian.PutUint16(p, h&^0x4000)
			}
		}
	}
}

// neonTolerance bounds the rounding of any summation order of the block dot:
// Σ|terms| of the products the kernel rounds. For Q4_1/Q5_1 those are
// d_w·d_x·Σq·q8 and m_w·s_x per block, which can cancel, so the min field is
// left out of the dequantized weights and |m_w·s_x| added separately.
func neonTolerance(wt quant.Type, n int, w, x []byte) float64 {
	tr, _ := wt.Traits()
	wq := append([]byte(nil), w...)
	var mag float64
	if wt == quant.Q4_1 || wt == quant.Q5_1 {
		xt, _ := tr.VecDotType.Traits()
		for b := 0; b < n/tr.BlockSize; b++ {
			m := quant.F16ToF32(binary.LittleEndian.Uint16(w[b*tr.BlockBytes+2:]))
			s := quant.F16ToF32(binary.LittleEndian.Uint16(x[b*xt.BlockBytes+2:]))
			mag += math.Abs(float64(m) * float64(s))
			wq[b*tr.BlockBytes+2], wq[b*tr.BlockBytes+3] = 0, 0
		}
	}
	wd, xd := make([]float32, n), make([]float32, n)
	if err := quant.Dequantize(wt, wd, wq); err != nil {
		panic(err)
	}
	if err := quant.Dequantize(tr.VecDotType, xd, x); err != nil {
		panic(err)
	}
	for i := range wd {
		mag += math.Abs(float64(wd[i]) * float64(xd[i]))
	}
	return 1e-5*mag + 1e-30
}

// neonCheck compares one kernel result with the Go twin's; it returns the
// error relative to the tolerance (0 for an exact match).
func neonCheck(t *testing.T, what string, wt quant.Type, n int, w, x []byte, got float32) float64 {
	t.Helper()
	tr, _ := wt.Traits()
	want := tr.VecDot(n, w, x)
	if neonExact(wt) {
		if got != want && !(isNaN32(got) && isNaN32(want)) {
			t.Errorf("%s: %g (%#08x), generic %g (%#08x): K-quant kernels must match bit for bit",
				what, got, math.Float32bits(got), want, math.Float32bits(want))
		}
		return 0
	}
	tol := neonTolerance(wt, n, w, x)
	d := math.Abs(float64(got) - float64(want))
	if !(d <= tol) && !(isNaN32(got) && isNaN32(want)) {
		t.Errorf("%s: %g, generic %g (tolerance %g)", what, got, want, tol)
	}
	return d / tol
}

func isNaN32(f float32) bool { return f != f }

// neonRun calls a raw block kernel the way blockDot does.
func neonRun(f func(int, *byte, *byte) float32, nb int, w, x []byte) float32 {
	return f(nb, &w[0], &x[0])
}

func TestNEONRegistered(t *testing.T) {
	if _, ok := flavours[NEON]; !ok {
		t.Fatal("NEON flavour not registered on arm64")
	}
	t.Logf("ASIMD %v, ASIMDDP (SDOT) %v: registered integer kernels use %s",
		cpu.ARM64.HasASIMD, cpu.ARM64.HasASIMDDP, map[bool]string{true: "SDOT", false: "SMULL/SADALP"}[cpu.ARM64.HasASIMDDP])
	for _, d := range neonBlockDots {
		if flavours[NEON].VecDot[d.t] == nil {
			t.Errorf("no NEON kernel registered for %s", d.t)
		}
	}
}

// TestNEONBlockDotForms runs both forms over quantized data, raw random
// blocks and the extreme byte patterns, for several block counts.
func TestNEONBlockDotForms(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, form := range neonForms() {
		for _, d := range neonBlockDots {
			f := form.pick(d.sdot, d.widen)
			tr, _ := d.t.Traits()
			xt, _ := tr.VecDotType.Traits()
			var worst float64
			cases := 0
			for _, nb := range []int{1, 2, 3, 5, 8, 17} {
				n := nb * tr.BlockSize
				check := func(kind string, w, x []byte) {
					what := fmt.Sprintf("%s %s nb=%d %s", form.name, d.t, nb, kind)
					worst = max(worst, neonCheck(t, what, d.t, n, w, x, neonRun(f, nb, w, x)))
					cases++
				}
				for _, kind := range []string{"normal", "extreme"} { // the shared test has the rest
					check("quantized "+kind, quantized(d.t, randomFloats(r, n, kind)), quantized(tr.VecDotType, randomFloats(r, n, "normal")))
				}
				// Raw bytes: every quant pattern, scales made finite.
				w, x := make([]byte, nb*tr.BlockBytes), make([]byte, nb*xt.BlockBytes)
				for range 4 {
					fillRandom(r, w)
					fillRandom(r, x)
					neonSanitize(d.t, w)
					neonSanitize(tr.VecDotType, x)
					check("random bytes", w, x)
				}
				// All quants at one extreme (0x80 = -128 where a byte is a
				// quant, all bits set for packed ones), scales 1.
				for _, wb := range []byte{0x00, 0x7f, 0x80, 0xff, 0x55, 0xaa} {
					for _, xb := range []byte{0x7f, 0x80, 0x81} {
						fillByte(w, wb)
						fillByte(x, xb)
						neonUnitScales(d.t, w)
						neonUnitScales(tr.VecDotType, x)
						check(fmt.Sprintf("bytes %#02x·%#02x", wb, xb), w, x)
					}
				}
			}
			t.Logf("%s %s·%s: %d cases, worst error %.3g of tolerance%s", form.name, d.t, tr.VecDotType, cases, worst,
				map[bool]string{true: " (bit-exact required)"}[neonExact(d.t)])
		}
	}
}

func fillRandom(r *rand.Rand, b []byte) {
	for i := range b {
		b[i] = byte(r.Uint32())
	}
}

func fillByte(b []byte, v byte) {
	for i := range b {
		b[i] = v
	}
}

// neonUnitScales sets every scale field of the blocks in b to 1.
func neonUnitScales(t quant.Type, b []byte) {
	tr, _ := t.Traits()
	for blk := 0; blk+tr.BlockBytes <= len(b); blk += tr.BlockBytes {
		for _, off := range neonScaleFields(t) {
			if t == quant.Q8_K {
				binary.LittleEndian.PutUint32(b[blk+off:], math.Float32bits(1))
			} else {
				binary.LittleEndian.PutUint16(b[blk+off:], 0x3c00)
			}
		}
	}
}

// TestNEONBlockDotLengths checks that the Kernels entries ignore a partial
// block (as the twins do), return 0 for no blocks, and read no further than
// the blocks asked for: the data sits at the very end of its allocation.
func TestNEONBlockDotLengths(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	k := flavours[NEON]
	for _, d := range neonBlockDots {
		tr, _ := d.t.Traits()
		f := k.VecDot[d.t]
		if got := f(0, nil, nil); got != 0 {
			t.Errorf("%s n=0: %g", d.t, got)
		}
		if got := f(tr.BlockSize-1, nil, nil); got != 0 {
			t.Errorf("%s n=%d: %g", d.t, tr.BlockSize-1, got)
		}
		n := 3 * tr.BlockSize
		w := quantized(d.t, randomFloats(r, n, "normal"))
		x := quantized(tr.VecDotType, randomFloats(r, n, "normal"))
		want := tr.VecDot(n, w, x)
		if got := f(n+tr.BlockSize/2, w, x); !neonClose(got, want) {
			t.Errorf("%s n=%d+half a block: %g, generic %g", d.t, n, got, want)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: short weight slice did not panic", d.t)
				}
			}()
			f(n, w[:len(w)-1], x)
		}()
	}
}

func neonClose(a, b float32) bool {
	return math.Abs(float64(a-b)) <= 1e-5*(1+math.Abs(float64(b)))
}

// TestNEONFloatDots covers every length up to 80 and some larger ones, at
// every alignment of the slices (the assembly uses unaligned loads).
func TestNEONFloatDots(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	k, g := flavours[NEON], flavours[Generic]
	lengths := []int{}
	for n := 0; n <= 80; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 127, 128, 129, 255, 1000, 4099)
	var worst float64
	for _, n := range lengths {
		for off := range 4 {
			xs, ys := randomFloats(r, n+off, "normal"), randomFloats(r, n+off, "normal")
			x, y := xs[off:], ys[off:]
			w16, wb16 := make([]byte, 2*n+off), make([]byte, 2*n+off)
			var mag float64
			for i := range x {
				binary.LittleEndian.PutUint16(w16[off+2*i:], quant.F32ToF16(y[i]))
				binary.LittleEndian.PutUint16(wb16[off+2*i:], quant.F32ToBF16(y[i]))
				mag += math.Abs(float64(x[i]) * float64(y[i]))
			}
			tol := 1e-5*mag + 1e-30
			for _, c := range []struct {
				name      string
				got, want float32
			}{
				{"Dot", k.Dot(x, y), g.Dot(x, y)},
				{"DotF16", k.DotF16(w16[off:], x), g.DotF16(w16[off:], x)},
				{"DotBF16", k.DotBF16(wb16[off:], x), g.DotBF16(wb16[off:], x)},
			} {
				d := math.Abs(float64(c.got - c.want))
				if d > tol {
					t.Errorf("%s n=%d offset %d: %g, generic %g", c.name, n, off, c.got, c.want)
				}
				worst = max(worst, d/tol)
			}
		}
	}
	t.Logf("%d lengths × 4 alignments × 3 kernels, worst error %.3g of tolerance", len(lengths), worst)
}

// TestNEONFloatSpecials: NaN anywhere gives NaN, ±Inf against a positive
// weight gives ±Inf, Inf·0 gives NaN — at positions in the vector body and
// in the scalar tail.
func TestNEONFloatSpecials(t *testing.T) {
	k := flavours[NEON]
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, n := range []int{1, 3, 4, 17, 35, 64, 67} {
		for _, pos := range []int{0, n / 2, n - 1} {
			for _, c := range []struct {
				name    string
				xv, yv  float32
				wantNaN bool
				wantInf float32
			}{
				{"NaN", nan, 1, true, 0},
				{"+Inf", inf, 1, false, 1},
				{"-Inf", -inf, 1, false, -1},
				{"Inf·0", inf, 0, true, 0},
			} {
				x, y := make([]float32, n), make([]float32, n)
				for i := range x {
					x[i], y[i] = 0.5, 0.25
				}
				x[pos], y[pos] = c.xv, c.yv
				w16, wb16 := make([]byte, 2*n), make([]byte, 2*n)
				for i := range y {
					binary.LittleEndian.PutUint16(w16[2*i:], quant.F32ToF16(y[i]))
					binary.LittleEndian.PutUint16(wb16[2*i:], quant.F32ToBF16(y[i]))
				}
				for _, r := range []struct {
					kernel string
					got    float32
				}{{"Dot", k.Dot(x, y)}, {"DotF16", k.DotF16(w16, x)}, {"DotBF16", k.DotBF16(wb16, x)}} {
					ok := isNaN32(r.got) == c.wantNaN
					if !c.wantNaN {
						ok = ok && math.IsInf(float64(r.got), int(c.wantInf))
					}
					if !ok {
						t.Errorf("%s %s n=%d at %d: %g", r.kernel, c.name, n, pos, r.got)
					}
				}
			}
		}
	}
	// Weights that are themselves Inf/NaN (half and bfloat16 encodings).
	x := []float32{1, 1, 1, 1, 1, 1, 1, 1, 1}
	for _, c := range []struct {
		name    string
		h, b    uint16
		wantNaN bool
	}{{"+Inf", 0x7c00, 0x7f80, false}, {"NaN", 0x7e00, 0x7fc0, true}} {
		for pos := range x {
			w16, wb16 := make([]byte, 2*len(x)), make([]byte, 2*len(x))
			binary.LittleEndian.PutUint16(w16[2*pos:], c.h)
			binary.LittleEndian.PutUint16(wb16[2*pos:], c.b)
			for _, got := range []float32{k.DotF16(w16, x), k.DotBF16(wb16, x)} {
				if isNaN32(got) != c.wantNaN || (!c.wantNaN && !math.IsInf(float64(got), 1)) {
					t.Errorf("weight %s at %d: %g", c.name, pos, got)
				}
			}
		}
	}
}

// TestNEONHalfWidening checks the conversion of every finite half and
// bfloat16 value, subnormals included, in the vector body and the tail: a
// one-hot x picks out exactly the converted weight.
func TestNEONHalfWidening(t *testing.T) {
	k := flavours[NEON]
	const n = 19 // sixteen in the vector loop, three in the scalar tail
	w16, wb16 := make([]byte, 2*n), make([]byte, 2*n)
	x := make([]float32, n)
	bad := 0
	for h := 0; h < 1<<16; h++ {
		pos := h % n
		x[pos] = 1
		binary.LittleEndian.PutUint16(w16[2*pos:], uint16(h))
		binary.LittleEndian.PutUint16(wb16[2*pos:], uint16(h))
		if h&0x7c00 != 0x7c00 {
			if got, want := k.DotF16(w16, x), quant.F16ToF32(uint16(h)); got != want && bad < 10 {
				t.Errorf("half %#04x: %g, want %g", h, got, want)
				bad++
			}
		}
		if h&0x7f80 != 0x7f80 {
			if got, want := k.DotBF16(wb16, x), quant.BF16ToF32(uint16(h)); got != want && bad < 10 {
				t.Errorf("bfloat16 %#04x: %g, want %g", h, got, want)
				bad++
			}
		}
		x[pos] = 0
		binary.LittleEndian.PutUint16(w16[2*pos:], 0)
		binary.LittleEndian.PutUint16(wb16[2*pos:], 0)
	}
}

// neonFuzzOne dots blocks made from data (repeated to length, scales
// sanitized) with every form of the kernel sel picks.
func neonFuzzOne(t *testing.T, sel, blocks uint8, data []byte) {
	d := neonBlockDots[int(sel)%len(neonBlockDots)]
	tr, _ := d.t.Traits()
	xt, _ := tr.VecDotType.Traits()
	nb := 1 + int(blocks)%8
	w, x := make([]byte, nb*tr.BlockBytes), make([]byte, nb*xt.BlockBytes)
	if len(data) > 0 {
		for i := range w {
			w[i] = data[i%len(data)]
		}
		for i := range x {
			x[i] = data[(len(w)+i)%len(data)] ^ byte(i*131)
		}
	}
	neonSanitize(d.t, w)
	neonSanitize(tr.VecDotType, x)
	for _, form := range neonForms() {
		got := neonRun(form.pick(d.sdot, d.widen), nb, w, x)
		neonCheck(t, fmt.Sprintf("%s %s nb=%d", form.name, d.t, nb), d.t, nb*tr.BlockSize, w, x, got)
	}
}

func FuzzVecDotNEON(f *testing.F) {
	f.Add(uint8(0), uint8(0), []byte{})
	f.Add(uint8(1), uint8(3), []byte{0xff})
	f.Add(uint8(2), uint8(7), []byte{0x80, 0x7f, 0x01, 0x3c})
	for i := range neonBlockDots {
		f.Add(uint8(i), uint8(i), []byte(fmt.Sprintf("seed %d: some bytes for %s", i, neonBlockDots[i].t)))
	}
	f.Fuzz(func(t *testing.T, sel, blocks uint8, data []byte) {
		neonFuzzOne(t, sel, blocks, data)
	})
}

// TestNEONRandomBytes runs the fuzz body over random inputs: coverage-guided
// fuzzing needs to start worker processes, which qemu-user cannot do
// without binfmt_misc, so this is what runs under emulation.
func TestNEONRandomBytes(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const runs = 3000
	for range runs {
		data := make([]byte, 1+r.IntN(600))
		fillRandom(r, data)
		neonFuzzOne(t, uint8(r.Uint32()), uint8(r.Uint32()), data)
	}
	t.Logf("%d random inputs × %d forms", runs, len(neonForms()))
}

// BenchmarkNEON times both forms of every integer kernel and the float dots
// over 4096 elements; SetBytes is the weight bytes read per call. Under qemu
// the numbers say nothing about hardware speed.
func BenchmarkNEON(b *testing.B) {
	r := rand.New(rand.NewPCG(19, 20))
	const n = 4096
	for _, form := range neonForms() {
		for _, d := range neonBlockDots {
			tr, _ := d.t.Traits()
			w := quantized(d.t, randomFloats(r, n, "normal"))
			x := quantized(tr.VecDotType, randomFloats(r, n, "normal"))
			f := form.pick(d.sdot, d.widen)
			b.Run(fmt.Sprintf("%s/%s", form.name, d.t), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					neonRun(f, n/tr.BlockSize, w, x)
				}
			})
		}
	}
	x, y := randomFloats(r, n, "normal"), randomFloats(r, n, "normal")
	w16 := quantized(quant.F16, y)
	wb16 := quantized(quant.BF16, y)
	b.Run("float/F32", func(b *testing.B) {
		b.SetBytes(4 * n)
		for b.Loop() {
			dotNEON(y, x)
		}
	})
	b.Run("float/F16", func(b *testing.B) {
		b.SetBytes(2 * n)
		for b.Loop() {
			dotF16NEON(w16, x)
		}
	})
	b.Run("float/BF16", func(b *testing.B) {
		b.SetBytes(2 * n)
		for b.Loop() {
			dotBF16NEON(wb16, x)
		}
	})
}
