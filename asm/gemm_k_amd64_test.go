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

// kGemmCase is one flavour's tiled kernel for one K-quant type.
type kGemmCase struct {
	level Level
	wt    quant.Type
	gemm  GemmKernel
}

func (c kGemmCase) String() string { return fmt.Sprintf("%s/%s", c.level, c.wt) }

// kGemmCases lists the tiled K-quant kernels this CPU can run (skipping
// the test when there are none).
func kGemmCases(t testing.TB) []kGemmCase {
	var cs []kGemmCase
	for _, l := range []Level{AVX512, AVX2} {
		for _, wt := range kGemmTypes(l) {
			cs = append(cs, kGemmCase{l, wt, flavours[l].Gemm[wt]})
		}
	}
	if len(cs) == 0 {
		t.Skip("no tiled K-quant kernel on this CPU")
	}
	return cs
}

// kGemmTypes lists the K-quant types with a tiled kernel in flavour l.
func kGemmTypes(l Level) []quant.Type {
	k, ok := flavours[l]
	if !ok {
		return nil
	}
	var ts []quant.Type
	for _, wt := range []quant.Type{quant.Q2_K, quant.Q3_K, quant.Q4_K, quant.Q5_K, quant.Q6_K, quant.IQ4_XS} {
		probe := &Kernels{VecDot: k.VecDot, Gemm: map[quant.Type]GemmKernel{}}
		addKQuantGemms(probe, l)
		if probe.Gemm[wt] != nil {
			ts = append(ts, wt)
		}
	}
	return ts
}

// checkKGemm runs gemm over one shape and compares every entry with the
// generic VecDot. The tiled kernels do the generic twin's float operations
// in its order, so the results must be bit-identical (NaN where it is NaN).
func checkKGemm(t *testing.T, name string, gemm GemmKernel, wt quant.Type, n, rows, toks int, w, x []byte) {
	t.Helper()
	tr, _ := wt.Traits()
	vecDot := flavours[Generic].VecDot[wt]
	rb, xb := len(w)/rows, len(x)/toks
	ldd := rows + 2
	dst := make([]float32, toks*ldd)
	for i := range dst {
		dst[i] = -7.5 // sentinel: entries outside the block must keep it
	}
	gemm(n, w, rb, rows, x, xb, toks, dst, ldd)
	bad := 0
	for c := range toks {
		for r := range ldd {
			got := dst[c*ldd+r]
			if r >= rows {
				if got != -7.5 {
					t.Fatalf("%s %s %d×%d: wrote dst[tok %d, %d] outside the block", name, wt, rows, toks, c, r)
				}
				continue
			}
			want := vecDot(n, w[r*rb:r*rb+n/tr.BlockSize*tr.BlockBytes], x[c*xb:(c+1)*xb])
			same := math.Float32bits(got) == math.Float32bits(want) || (got != got && want != want)
			if !same && bad < 5 {
				t.Errorf("%s %s n=%d %d rows × %d toks: dst[tok %d, row %d] = %g, generic %g", name, wt, n, rows, toks, c, r, got, want)
			}
			if !same {
				bad++
			}
		}
	}
}

// TestKGemmTileEdges checks the AVX-512 K-quant kernels bit for bit
// against the generic twin on the edges of their tiles: 1…33 rows (the
// kernel takes 16 at a time), token counts around multiples of eight (the
// rest go to the row dot), one and several super-blocks, and row and token
// strides wider than the data.
func TestKGemmTileEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for _, kc := range kGemmCases(t) {
		wt := kc.wt
		tr, _ := wt.Traits()
		xtr, _ := tr.VecDotType.Traits()
		for _, s := range []struct{ blocks, rows, toks int }{
			{1, 1, 8}, {1, 16, 8}, {2, 17, 8}, {3, 15, 9}, {1, 33, 16}, {4, 5, 15}, {2, 16, 24}, {5, 7, 23}, {1, 2, 7},
			// Decode shapes (row dots).
			{1, 4, 1}, {2, 9, 1}, {3, 16, 3}, {1, 3, 1}, {2, 33, 1}, {6, 7, 2},
		} {
			for _, kind := range []string{"normal", "large", "tiny", "zero", "extreme", "sparse"} {
				n := s.blocks * tr.BlockSize
				// Pad rows and tokens with a spare block so the strides
				// differ from the data's length.
				wRow, xRow := (s.blocks+1)*tr.BlockBytes, (s.blocks+1)*xtr.BlockBytes
				w := make([]byte, s.rows*wRow)
				for i := range s.rows {
					copy(w[i*wRow:], quantized(wt, randomFloats(r, n, kind)))
				}
				x := make([]byte, s.toks*xRow)
				for i := range s.toks {
					copy(x[i*xRow:], quantized(tr.VecDotType, randomFloats(r, n, "normal")))
				}
				checkKGemm(t, kc.String()+" "+kind, kc.gemm, wt, n, s.rows, s.toks, w, x)
			}
		}
		t.Logf("%s: tile edges bit-identical to generic", kc)
	}
}

// TestKGemmExtremes feeds every byte pattern's worst case: all quants and
// scales at their maximum (Q4_K levels 15, scales and mins 63; Q6_K levels
// 63, scales −128) against activations of −128 and 127, where int16 pair
// sums and int32 lanes are closest to overflowing.
func TestKGemmExtremes(t *testing.T) {
	for _, kc := range kGemmCases(t) {
		wt := kc.wt
		tr, _ := wt.Traits()
		xtr, _ := tr.VecDotType.Traits()
		const blocks, rows = 3, 17
		n := blocks * tr.BlockSize
		for _, fill := range []byte{0xFF, 0x80, 0x7F, 0x00} {
			w := make([]byte, rows*blocks*tr.BlockBytes)
			for i := range w {
				w[i] = fill
			}
			// Keep the half scales finite: d = 1, dmin = 0.5 (Q4_K) or
			// d = 1 (Q6_K).
			for b := 0; b < rows*blocks; b++ {
				blk := w[b*tr.BlockBytes : (b+1)*tr.BlockBytes]
				switch wt {
				case quant.Q6_K:
					binary.LittleEndian.PutUint16(blk[208:], 0x3C00)
				default:
					binary.LittleEndian.PutUint16(blk[0:], 0x3C00)
					binary.LittleEndian.PutUint16(blk[2:], 0x3800)
				}
			}
			for _, y := range []int8{-128, 127, -1} {
				toks := 8 + int(y)&1 // 9 tokens also run the decode kernels
				x := make([]byte, toks*blocks*xtr.BlockBytes)
				for b := 0; b < toks*blocks; b++ {
					blk := x[b*xtr.BlockBytes : (b+1)*xtr.BlockBytes]
					binary.LittleEndian.PutUint32(blk, math.Float32bits(0.25))
					for i := 4; i < 260; i++ {
						blk[i] = byte(y)
					}
					for j := 0; j < 16; j++ {
						binary.LittleEndian.PutUint16(blk[260+2*j:], uint16(int16(16*int(y))))
					}
				}
				checkKGemm(t, fmt.Sprintf("%s fill %#x y %d", kc, fill, y), kc.gemm, wt, n, rows, toks, w, x)
			}
		}
		t.Logf("%s: extreme blocks bit-identical to generic", kc)
	}
}

// FuzzKGemm treats random bytes as K-quant weight rows and Q8_K
// activations (half scales and d_x made finite, bsums recomputed so the
// activation blocks are well-formed) and compares the tiled kernels with
// the generic VecDot entry by entry.
func FuzzKGemm(f *testing.F) {
	f.Add(uint8(0), uint8(1), []byte{1, 2, 3})
	f.Add(uint8(1), uint8(17), []byte{0xFF, 0x80, 0x7F, 0})
	f.Add(uint8(2), uint8(9), []byte("super-blocks"))
	f.Fuzz(func(t *testing.T, which, shape uint8, seed []byte) {
		cs := kGemmCases(t)
		kc := cs[int(which)%len(cs)]
		wt := kc.wt
		tr, _ := wt.Traits()
		xtr, _ := tr.VecDotType.Traits()
		rows, toks, blocks := 1+int(shape)%19, 1+int(shape/19)%16, 1+int(shape)%3
		n := blocks * tr.BlockSize
		src := rand.New(rand.NewPCG(uint64(len(seed)), fnv(seed)))
		w := make([]byte, rows*blocks*tr.BlockBytes)
		for i := range w {
			w[i] = byte(src.Uint32())
		}
		for i := range seed {
			w[i%len(w)] ^= seed[i]
		}
		for b := 0; b < rows*blocks; b++ {
			blk := w[b*tr.BlockBytes : (b+1)*tr.BlockBytes]
			for _, off := range halfScaleOffsets(wt) {
				blk[off+1] &= 0xBB // exponent below 31: finite, not huge
			}
		}
		x := make([]byte, toks*blocks*xtr.BlockBytes)
		for b := 0; b < toks*blocks; b++ {
			blk := x[b*xtr.BlockBytes : (b+1)*xtr.BlockBytes]
			binary.LittleEndian.PutUint32(blk, math.Float32bits(float32(src.NormFloat64())))
			for i := 4; i < 260; i++ {
				blk[i] = byte(src.Uint32())
			}
			for j := 0; j < 16; j++ {
				var s int
				for i := 0; i < 16; i++ {
					s += int(int8(blk[4+16*j+i]))
				}
				binary.LittleEndian.PutUint16(blk[260+2*j:], uint16(int16(s)))
			}
		}
		checkKGemm(t, "fuzz "+kc.String(), kc.gemm, wt, n, rows, toks, w, x)
	})
}

// halfScaleOffsets returns where a K-quant block keeps its half scales.
func halfScaleOffsets(t quant.Type) []int {
	switch t {
	case quant.Q6_K:
		return []int{208}
	case quant.Q3_K:
		return []int{108}
	case quant.Q2_K:
		return []int{80, 82}
	case quant.IQ4_XS:
		return []int{0}
	}
	return []int{0, 2} // Q4_K, Q5_K
}

func fnv(b []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range b {
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// BenchmarkKGemm compares, in one run, each flavour's tiled K-quant kernels with its
// row-dot wrapper the flavour had before (gemmFromVecDot of its VecDot), on
// MatMul's block shape with 2048-element rows. Bytes are weight bytes.
func BenchmarkKGemm(b *testing.B) {
	r := rand.New(rand.NewPCG(23, 24))
	const n = 2048
	for _, toks := range []int{1, 8, gemmToks} {
		for _, kc := range kGemmCases(b) {
			wt := kc.wt
			tr, _ := wt.Traits()
			w := quantized(wt, randomFloats(r, gemmRows*n, "normal"))
			x := quantized(tr.VecDotType, randomFloats(r, toks*n, "normal"))
			dst := make([]float32, toks*gemmRows)
			for _, v := range []struct {
				name string
				gemm GemmKernel
			}{
				{"rowdot", gemmFromVecDot(flavours[kc.level].VecDot[wt])},
				{"tiled", kc.gemm},
			} {
				b.Run(fmt.Sprintf("toks=%d/%s/%s/%s", toks, kc.level, wt, v.name), func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						v.gemm(n, w, len(w)/gemmRows, gemmRows, x, len(x)/toks, toks, dst, gemmRows)
					}
				})
			}
		}
	}
}

// BenchmarkKGemmStream streams a 16 MB K-quant matrix (more than the
// caches) past 1 token (decode) and 64 tokens (a prompt's block), 16 rows
// per Gemm call as MatMul cuts it, on one thread, so the weights come from
// memory as they do in a model: the tiled kernels against the flavour's
// row-dot wrapper, in one run. MB/s is weight bytes.
func BenchmarkKGemmStream(b *testing.B) {
	r := rand.New(rand.NewPCG(25, 26))
	const n, blockRows = 2048, 16
	for _, toks := range []int{1, gemmToks} {
		for _, kc := range kGemmCases(b) {
			wt := kc.wt
			tr, _ := wt.Traits()
			row := quantized(wt, randomFloats(r, n, "normal"))
			rows := (16 << 20) / len(row) / blockRows * blockRows
			w := make([]byte, rows*len(row))
			for i := range rows {
				copy(w[i*len(row):], row)
			}
			x := quantized(tr.VecDotType, randomFloats(r, toks*n, "normal"))
			dst := make([]float32, toks*rows)
			rb := len(row)
			for _, v := range []struct {
				name string
				gemm GemmKernel
			}{
				{"rowdot", gemmFromVecDot(flavours[kc.level].VecDot[wt])},
				{"tiled", kc.gemm},
			} {
				b.Run(fmt.Sprintf("toks=%d/%s/%s/%s", toks, kc.level, wt, v.name), func(b *testing.B) {
					b.SetBytes(int64(len(w)))
					for b.Loop() {
						for r0 := 0; r0 < rows; r0 += blockRows {
							v.gemm(n, w[r0*rb:(r0+blockRows)*rb], rb, blockRows, x, len(x)/toks, toks, dst[r0:], rows)
						}
					}
				})
			}
		}
	}
}
