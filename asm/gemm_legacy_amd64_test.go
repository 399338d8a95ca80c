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

// tiledTypes are the weight types with a repacking GemmKernel on some
// flavour.
var tiledTypes = []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q5_0, quant.IQ4_NL, quant.Q4_1, quant.Q5_1}

// tiledSets are the repacking kernels this CPU can run, by flavour.
func tiledSets() map[Level]map[quant.Type]*tiled {
	sets := map[Level]map[quant.Type]*tiled{}
	if hasAVX2 {
		sets[AVX2] = tiledAVX2
	}
	if hasVNNI {
		sets[AVX512] = tiledVNNI
	}
	return sets
}

func needAVX2(t testing.TB) {
	if !hasAVX2 {
		t.Skip("CPU has no AVX2")
	}
}

// checkTiled runs the tiled kernel of wt on weights w (rows rows, rb bytes
// apart) and activations x (toks tokens, xb apart) into a dst wider than
// the block, and compares every entry with the generic VecDot; entries
// outside the block must stay NaN.
func checkTiled(t *testing.T, ti *tiled, n int, w []byte, rb, rows int, x []byte, xb, toks int) int {
	t.Helper()
	gemm := ti.gemm(1, func(int, []byte, int, int, []byte, int, int, []float32, int) {
		t.Fatalf("%s %d×%d: went to the row dots", ti.t, rows, toks)
	})
	return checkGemm(t, ti.t, gemm, n, w, rb, rows, x, xb, toks)
}

// checkGemm is checkTiled for any GemmKernel of wt.
func checkGemm(t *testing.T, wt quant.Type, gemm GemmKernel, n int, w []byte, rb, rows int, x []byte, xb, toks int) int {
	t.Helper()
	tr, _ := wt.Traits()
	rowBytes := n / tr.BlockSize * tr.BlockBytes
	xtr, _ := tr.VecDotType.Traits()
	xRowBytes := n / 32 * xtr.BlockBytes
	ldd := rows + 5
	dst := make([]float32, toks*ldd)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	gemm(n, w, rb, rows, x, xb, toks, dst, ldd)
	vecDot := flavours[Generic].VecDot[wt]
	for c := range toks {
		for i := rows; i < ldd; i++ {
			if !math.IsNaN(float64(dst[c*ldd+i])) {
				t.Fatalf("%s %d rows × %d toks: wrote dst[%d] outside the block", wt, rows, toks, c*ldd+i)
			}
		}
		for r := range rows {
			wr, xc := w[r*rb:r*rb+rowBytes], x[c*xb:c*xb+xRowBytes]
			want, got := vecDot(n, wr, xc), dst[c*ldd+r]
			if d := math.Abs(float64(got - want)); !(d <= 1e-5*dotMagnitude(wt, tr.VecDotType, wr, xc)+1e-30) {
				t.Fatalf("%s n=%d %d rows × %d toks: dst[tok %d, row %d] = %g, generic %g", wt, n, rows, toks, c, r, got, want)
			}
		}
	}
	return rows * toks
}

// strided copies rows of rowBytes bytes into rows stride bytes apart
// (the gap filled with 0xAA), to test strides wider than a row.
func strided(b []byte, rows, rowBytes, stride int) []byte {
	out := make([]byte, rows*stride)
	for i := range out {
		out[i] = 0xAA
	}
	for r := range rows {
		copy(out[r*stride:], b[r*rowBytes:(r+1)*rowBytes])
	}
	return out
}

// TestTiledGemmEdges covers the tile kernel's own edges: row counts around
// the 16-row register (partial masks, several row groups), token counts
// around the 8-token tile and its one-token tail, one or several blocks,
// strides wider than a row.
func TestTiledGemmEdges(t *testing.T) {
	needAVX2(t)
	r := rand.New(rand.NewPCG(21, 22))
	for level, set := range tiledSets() {
		for wt, ti := range set {
			tr, _ := wt.Traits()
			checked := 0
			for _, blocks := range []int{1, 2, 5} {
				n := blocks * 32
				for _, rows := range []int{1, 7, 8, 9, 15, 16, 17, 32, 33} {
					for _, toks := range []int{1, 2, 3, 4, 5, 7, 8, 9, 16, 19} {
						kind := []string{"normal", "large", "tiny", "zero", "extreme", "sparse"}[(rows+toks)%6]
						rowBytes := blocks * tr.BlockBytes
						w := quantized(wt, randomFloats(r, rows*n, kind))
						x := quantized(tr.VecDotType, randomFloats(r, toks*n, "normal"))
						rb, xb := rowBytes, len(x)/toks
						if toks%2 == 1 { // wider strides
							rb, xb = rowBytes+7, xb+3
							w, x = strided(w, rows, rowBytes, rb), strided(x, toks, xb-3, xb)
						}
						checked += checkTiled(t, ti, n, w, rb, rows, x, xb, toks)
					}
				}
			}
			t.Logf("%s %s: %d entries agree with generic", level, wt, checked)
		}
	}
}

// TestTiledGemmExtremes checks hand-computed values where every integer
// operand is at its limit (the sums must not saturate): scales 1.0, all
// weights at their most negative level, activations all −128 or all 127.
func TestTiledGemmExtremes(t *testing.T) {
	needAVX2(t)
	const blocks, rows, toks = 4, 16, 8
	n := blocks * 32
	for _, c := range []struct {
		wt      quant.Type
		wq      byte    // every weight quant byte
		wLevel  float64 // its value
		xq      int8
		perElem float64
	}{
		{quant.Q4_0, 0x00, -8, -128, 1024},
		{quant.Q4_0, 0xFF, 7, -128, -896},
		{quant.Q8_0, 0x80, -128, -127, 16256}, // activations are ±127 at most
		{quant.Q8_0, 0x80, -128, 127, -16256},
		{quant.Q8_0, 0x7F, 127, 127, 16129},
		{quant.Q8_0, 0x81, -127, -127, 16129},
	} {
		tr, _ := c.wt.Traits()
		w := make([]byte, rows*blocks*tr.BlockBytes)
		for b := 0; b < rows*blocks; b++ {
			blk := w[b*tr.BlockBytes : (b+1)*tr.BlockBytes]
			binary.LittleEndian.PutUint16(blk, 0x3C00) // 1.0
			for i := 2; i < len(blk); i++ {
				blk[i] = c.wq
			}
		}
		x := make([]byte, toks*blocks*34)
		for b := 0; b < toks*blocks; b++ {
			blk := x[b*34 : (b+1)*34]
			binary.LittleEndian.PutUint16(blk, 0x3C00)
			for i := 2; i < 34; i++ {
				blk[i] = byte(c.xq)
			}
		}
		if got := c.wLevel * float64(c.xq); got != c.perElem {
			t.Fatalf("bad case: %v·%v = %v", c.wLevel, c.xq, got)
		}
		for level, set := range tiledSets() {
			dst := make([]float32, rows*toks)
			set[c.wt].gemm(1, nil)(n, w, blocks*tr.BlockBytes, rows, x, blocks*34, toks, dst, rows)
			want := float32(c.perElem * float64(n))
			for i, got := range dst {
				if got != want {
					t.Fatalf("%s %s weights %#x, x %d: dst[%d] = %g, want %g", level, c.wt, c.wq, c.xq, i, got, want)
				}
			}
			t.Logf("%s %s weights %#x, x %d: all %d entries = %g", level, c.wt, c.wq, c.xq, len(dst), want)
		}
	}
}

// sanitizeScales rewrites the first halves f16 values of every block (its
// scale, and min or sum) to finite values in ±[2⁻⁴, 2⁴) so random bytes
// make valid blocks.
func sanitizeScales(b []byte, blockBytes, halves int) {
	for i := 0; i+blockBytes <= len(b); i += blockBytes {
		for j := range halves {
			h := binary.LittleEndian.Uint16(b[i+2*j:])
			exp := 11 + (h>>10)&7 // biased exponent 11..18
			binary.LittleEndian.PutUint16(b[i+2*j:], h&0x83FF|exp<<10)
		}
	}
}

// FuzzTiledGemm compares the tiled kernels with the generic VecDot on
// random bytes taken as weight and activation blocks.
func FuzzTiledGemm(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint8(16), uint8(4), []byte{1, 2, 3})
	f.Add(uint8(1), uint8(3), uint8(17), uint8(9), []byte{0xFF, 0x80, 0x7F, 0})
	f.Add(uint8(0), uint8(2), uint8(33), uint8(8), []byte{0x00})
	f.Add(uint8(4), uint8(4), uint8(20), uint8(12), []byte{0x00, 0x3C, 0xFF, 0x7B})
	f.Add(uint8(5), uint8(5), uint8(15), uint8(1), []byte{0x10, 0x20, 0x30})
	f.Fuzz(func(t *testing.T, typ, blocks, rows, toks uint8, data []byte) {
		needAVX2(t)
		wt := tiledTypes[int(typ)%len(tiledTypes)]
		tr, _ := wt.Traits()
		nb := 1 + int(blocks)%6
		nr := 1 + int(rows)%40
		nt := 1 + int(toks)%20
		n := nb * 32
		xtr, _ := tr.VecDotType.Traits()
		w, x := fuzzBlocks(data, nr*nb*tr.BlockBytes, nt*nb*xtr.BlockBytes, 7)
		// Finite scales (and mins, and Q8_1's sums); activation quants are
		// ±127 at most, as the quantizer writes them (cpu_amd64.go).
		halves := 1
		if tr.VecDotType == quant.Q8_1 {
			halves = 2
		}
		sanitizeScales(w, tr.BlockBytes, halves)
		sanitizeScales(x, xtr.BlockBytes, halves)
		for i := range x {
			if i%xtr.BlockBytes >= 2*halves && x[i] == 0x80 {
				x[i] = 0x81
			}
		}
		for _, set := range tiledSets() {
			if ti := set[wt]; ti != nil {
				checkTiled(t, ti, n, w, nb*tr.BlockBytes, nr, x, nb*xtr.BlockBytes, nt)
			}
		}
	})
}

// BenchmarkTiledGemm compares, in one run, the row-dot wrapper each
// flavour had before (one VecDot per row × token) with its tiled kernel on
// MatMul's block shape (gemmRows rows, 2048-element rows).
func BenchmarkTiledGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(13, 14))
	const n = 2048
	for _, toks := range []int{1, 2, 4, 8, gemmToks} {
		for _, wt := range tiledTypes {
			tr, _ := wt.Traits()
			w := quantized(wt, randomFloats(r, gemmRows*n, "normal"))
			x := quantized(tr.VecDotType, randomFloats(r, toks*n, "normal"))
			dst := make([]float32, toks*gemmRows)
			for _, level := range []Level{AVX512, AVX2} {
				ti := tiledSets()[level][wt]
				if ti == nil {
					continue
				}
				for _, k := range []struct {
					name string
					gemm GemmKernel
				}{
					{"rowdots", gemmFromVecDot(flavours[level].VecDot[wt])},
					{"tiled", ti.gemm(1, nil)},
				} {
					b.Run(fmt.Sprintf("toks=%d/%s/%s/%s", toks, level, wt, k.name), func(b *testing.B) {
						b.SetBytes(int64(len(w)))
						for b.Loop() {
							k.gemm(n, w, len(w)/gemmRows, gemmRows, x, len(x)/toks, toks, dst, gemmRows)
						}
					})
				}
			}
		}
	}
}

// TestTiledSmallCallsUseFlavourRowDots checks that decode-sized calls of
// a flavour's tiled Gemm reach that flavour's own VecDot (avx512Kernels
// sets its VNNI row dots after the Gemms are built).
func TestTiledSmallCallsUseFlavourRowDots(t *testing.T) {
	for level, set := range tiledSets() {
		k := flavours[level]
		for wt := range set {
			saved, calls := k.VecDot[wt], 0
			k.VecDot[wt] = func(n int, w, x []byte) float32 { calls++; return saved(n, w, x) }
			tr, _ := wt.Traits()
			xtr, _ := tr.VecDotType.Traits()
			w := make([]byte, 3*tr.BlockBytes)
			x := make([]byte, xtr.BlockBytes)
			dst := make([]float32, 3)
			k.Gemm[wt](32, w, tr.BlockBytes, 3, x, xtr.BlockBytes, 1, dst, 3)
			k.VecDot[wt] = saved
			if calls != 3 {
				t.Errorf("%s %s: 1-token Gemm made %d calls to the flavour's VecDot, want 3", level, wt, calls)
			}
		}
	}
}

// decodeKernels are the tiled kernels with a decode GEMV this CPU runs.
func decodeKernels() []*tiled {
	if !hasVNNI {
		return nil
	}
	var ks []*tiled
	for _, t := range []quant.Type{quant.Q4_0, quant.Q4_1, quant.Q5_0, quant.Q5_1, quant.Q8_0, quant.IQ4_NL} {
		if ti := tiledVNNI[t]; ti.gemv != nil {
			ks = append(ks, ti)
		}
	}
	return ks
}

// decodeGemm is ti's GemmKernel as decode calls it.
func decodeGemm(ti *tiled) GemmKernel {
	return ti.gemm(tiledMinToks, gemmFromVecDot(flavours[Generic].VecDot[ti.t]))
}

// TestDecodeGemvEdges covers the decode kernel's edges: several rows,
// blocks around its four-block step (the last blocks go to
// the row kernel), one to three tokens, strides wider than a row, random
// and extreme blocks.
func TestDecodeGemvEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, ti := range decodeKernels() {
		wt := ti.t
		tr, _ := wt.Traits()
		xtr, _ := tr.VecDotType.Traits()
		checked := 0
		for _, nb := range []int{1, 3, 4, 5, 7, 8, 12, 13, 64} {
			n := nb * 32
			for _, rows := range []int{1, 3, 4, 5, 8, 11, 16} {
				for _, toks := range []int{1, 2, 3} {
					for _, kind := range []string{"normal", "extreme"} {
						w := quantized(wt, randomFloats(r, rows*n, kind))
						x := quantized(tr.VecDotType, randomFloats(r, toks*n, kind))
						rowBytes, xRow := nb*tr.BlockBytes, nb*xtr.BlockBytes
						rb, xb := rowBytes, xRow
						if rows%2 == 1 {
							rb, xb = rowBytes+tr.BlockBytes+3, xRow+5
							w, x = strided(w, rows, rowBytes, rb), strided(x, toks, xRow, xb)
						}
						checked += checkGemm(t, wt, decodeGemm(ti), n, w, rb, rows, x, xb, toks)
					}
				}
			}
		}
		t.Logf("%s: %d decode entries match the generic VecDot", wt, checked)
	}
}

// TestDecodeGemvMaxQuants: weights and activations at their extreme quants
// (every nibble 15 or 0, Q8_0 ±127 and −128, activations ±127) with unit
// scales, where the offset corrections are largest; exact integers expected.
func TestDecodeGemvMaxQuants(t *testing.T) {
	for _, ti := range decodeKernels() {
		wt := ti.t
		tr, _ := wt.Traits()
		xtr, _ := tr.VecDotType.Traits()
		const nb, rows = 8, 4
		for _, wq := range []byte{0x00, 0xFF, 0x7F, 0x80, 0x0F} {
			for _, xq := range []byte{0x7F, 0x81} {
				w := make([]byte, rows*nb*tr.BlockBytes)
				for i := range w {
					if i%tr.BlockBytes < 2 {
						binary.LittleEndian.PutUint16(w[i-i%tr.BlockBytes:], 0x3C00) // 1.0
					} else {
						w[i] = wq
					}
				}
				x := make([]byte, nb*xtr.BlockBytes)
				for i := range x {
					if i%xtr.BlockBytes < 2 {
						binary.LittleEndian.PutUint16(x[i-i%xtr.BlockBytes:], 0x3C00)
					} else {
						x[i] = xq
					}
				}
				dst := make([]float32, rows)
				decodeGemm(ti)(nb*32, w, nb*tr.BlockBytes, rows, x, nb*xtr.BlockBytes, 1, dst, rows)
				// Hand-computed: one element's weight times its activation, times n.
				var wv float64
				if wt == quant.Q4_0 {
					wv = float64(int(wq&0x0F)-8+int(wq>>4)-8) / 2
				} else {
					wv = float64(int8(wq))
				}
				want := wv * float64(int8(xq)) * nb * 32
				for i, got := range dst {
					if float64(got) != want {
						t.Errorf("%s w=%#x x=%#x: row %d = %g, want %g", wt, wq, xq, i, got, want)
					}
				}
			}
		}
	}
}

// FuzzDecodeGemv compares the decode kernels with the generic VecDot on
// random bytes taken as weight and activation blocks.
func FuzzDecodeGemv(f *testing.F) {
	f.Add(uint8(0), uint8(4), uint8(4), uint8(1), []byte{1, 2, 3})
	f.Add(uint8(1), uint8(5), uint8(7), uint8(2), []byte{0xFF, 0x80, 0x7F, 0})
	f.Add(uint8(0), uint8(9), uint8(9), uint8(3), []byte{0x00, 0x3C})
	f.Fuzz(func(t *testing.T, typ, blocks, rows, toks uint8, data []byte) {
		ks := decodeKernels()
		if len(ks) == 0 {
			t.Skip("no decode kernel on this CPU")
		}
		ti := ks[int(typ)%len(ks)]
		tr, _ := ti.t.Traits()
		xtr, _ := tr.VecDotType.Traits()
		nb := 1 + int(blocks)%20
		nr := 1 + int(rows)%12
		nt := 1 + int(toks)%(tiledMinToks-1)
		w, x := fuzzBlocks(data, nr*nb*tr.BlockBytes, nt*nb*xtr.BlockBytes, 9)
		sanitizeScales(w, tr.BlockBytes, 1)
		sanitizeScales(x, xtr.BlockBytes, 1)
		for i := range x {
			if i%xtr.BlockBytes >= 2 && x[i] == 0x80 {
				x[i] = 0x81
			}
		}
		checkGemm(t, ti.t, decodeGemm(ti), nb*32, w, nb*tr.BlockBytes, nr, x, nb*xtr.BlockBytes, nt)
	})
}

// BenchmarkDecodeGemv streams a weight matrix of 16384 rows × 4096
// elements (38 MB as Q4_0: past this CPU's L2 and L3) through one token:
// the flavour's old row dots against the decode kernel, one MatMul-sized
// block (gemvRows rows) per call, as decode runs it.
func BenchmarkDecodeGemv(b *testing.B) {
	r := rand.New(rand.NewPCG(15, 16))
	const n, rows = 4096, 16384
	for _, ti := range decodeKernels() {
		tr, _ := ti.t.Traits()
		// Random quants with finite scales (quantizing 64M floats would
		// take longer than the benchmark).
		w := make([]byte, rows*n/32*tr.BlockBytes)
		for i := range w {
			w[i] = byte(r.Uint32())
		}
		sanitizeScales(w, tr.BlockBytes, 1)
		x := quantized(tr.VecDotType, randomFloats(r, n, "normal"))
		dst := make([]float32, rows)
		rb := len(w) / rows
		for _, k := range []struct {
			name string
			gemm GemmKernel
		}{
			{"rowdots", gemmFromVecDot(flavours[AVX512].VecDot[ti.t])},
			{"gemv", ti.gemm(tiledMinToks, nil)},
		} {
			b.Run(fmt.Sprintf("%s/%s", ti.t, k.name), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					for r0 := 0; r0 < rows; r0 += gemvRows {
						k.gemm(n, w[r0*rb:], rb, gemvRows, x, len(x), 1, dst[r0:], rows)
					}
				}
			})
		}
	}
}

// fuzzBlocks returns wBytes of weights and xBytes of activations: the fuzzer's
// data first, then bytes from a generator seeded by its length.
func fuzzBlocks(data []byte, wBytes, xBytes int, seed uint64) (w, x []byte) {
	w, x = make([]byte, wBytes), make([]byte, xBytes)
	src := rand.New(rand.NewPCG(uint64(len(data)), seed))
	for i := range w {
		w[i] = byte(src.Uint32())
	}
	for i := range x {
		x[i] = byte(src.Uint32())
	}
	copy(w, data)
	if len(data) > len(w) {
		copy(x, data[len(w):])
	}
	return w, x
}
