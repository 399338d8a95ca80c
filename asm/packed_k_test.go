package asm

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/narallm/nara/quant"
)

// packedKPlace is where byte j of row r's super-block lands in a packed
// Q4_K or Q6_K block: the layouts of packed_k.go, written out again from
// their description (not from the field tables).
func packedKPlace(t quant.Type, j, r int) int {
	if t == quant.Q4_K {
		switch {
		case j < 2: // d
			return 2*r + j
		case j < 4: // dmin
			return 32 + 2*r + j - 2
		case j < 16: // scale bytes: plane (j−4)/4
			return 64 + 64*((j-4)/4) + 4*r + (j-4)%4
		default: // qs dword (j−16)/4
			return 256 + 64*((j-16)/4) + 4*r + (j-16)%4
		}
	}
	switch {
	case j < 128: // ql: half j/64; first 32 bytes A, then B
		n, q := j/64, j%64
		return 1664*n + 192*(q%32/4) + 64*(q/32) + 4*r + q%4
	case j < 192: // qh: half (j−128)/32
		n, q := (j-128)/32, (j-128)%32
		return 1664*n + 192*(q/4) + 128 + 4*r + q%4
	case j < 208: // scales: half (j−192)/8, pair (j−192)%8/2
		n, q := (j-192)/8, (j-192)%8
		return 1664*n + 1536 + 32*(q/2) + 2*r + q%2
	default: // d
		return 3328 + 2*r + j - 208
	}
}

// TestPackKLayout checks the packed Q4_K and Q6_K layouts byte by byte
// against packedKPlace on a two-super-block group whose bytes are all
// distinct within a block, and that the layout is a permutation.
func TestPackKLayout(t *testing.T) {
	for _, wt := range []quant.Type{quant.Q4_K, quant.Q6_K} {
		tr, _ := wt.Traits()
		bb := tr.BlockBytes
		const blocks = 2
		rb := blocks * bb
		w := make([]byte, packRows*rb)
		for i := range w {
			w[i] = byte(i*7 + i/251)
		}
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, packRows, blocks*tr.BlockSize); err != nil {
			t.Fatal(err)
		}
		for b := range blocks {
			seen := make([]bool, packRows*bb)
			for r := range packRows {
				for j := range bb {
					at := packedKPlace(wt, j, r)
					if seen[at] {
						t.Fatalf("%s: byte %d of row %d lands on a taken byte %d", wt, j, r, at)
					}
					seen[at] = true
					if got, want := p[b*packRows*bb+at], w[r*rb+b*bb+j]; got != want {
						t.Fatalf("%s block %d row %d byte %d: packed byte %d = %#x, want %#x", wt, b, r, j, at, got, want)
					}
				}
			}
		}
	}
}

// packedKCheck runs the active flavour's packed GemmKernel of wt over the
// packed form of w (rows × cols, row-major) against the quantized tokens
// xq and compares each entry with the generic row dot: the integer sums
// are exact, so only float rounding may differ (1e-5 of the sum of the
// terms' magnitudes). It returns the worst error relative to that.
func packedKCheck(t *testing.T, name string, wt quant.Type, w []byte, rows, cols int, xq []byte, toks int) float64 {
	t.Helper()
	tr, _ := wt.Traits()
	rb := len(w) / rows
	xb := len(xq) / toks
	p := make([]byte, len(w))
	if err := Pack(p, w, wt, rows, cols); err != nil {
		t.Fatal(err)
	}
	const ldd = 1000 // entries past rows stay NaN: writes outside the block are caught
	dst := make([]float32, toks*ldd)
	for i := range dst {
		dst[i] = float32(math.NaN())
	}
	active.Packed[wt](cols, p, rb, rows, xq, xb, toks, dst, ldd)
	worst := 0.0
	for c := range toks {
		for r := range ldd {
			got := dst[c*ldd+r]
			if r >= rows {
				if !math.IsNaN(float64(got)) {
					t.Fatalf("%s: %s wrote dst[%d·ldd + %d] past its %d rows", name, wt, c, r, rows)
				}
				continue
			}
			wr, xc := w[r*rb:(r+1)*rb], xq[c*xb:(c+1)*xb]
			want := flavours[Generic].VecDot[wt](cols, wr, xc)
			mag := dotMagnitude(wt, tr.VecDotType, wr, xc)
			d := math.Abs(float64(got) - float64(want))
			if !(d <= 1e-5*mag+1e-30) {
				t.Fatalf("%s: %s %d×%d toks=%d: row %d token %d = %g, generic %g (magnitude %g)", name, wt, rows, cols, toks, r, c, got, want, mag)
			}
			worst = max(worst, d/(mag+1e-30))
		}
	}
	return worst
}

// q8KTokens builds toks Q8_K tokens of nb super-blocks with scale 1 and
// quants q(i) (i the element index), bsums consistent with them.
func q8KTokens(toks, nb int, q func(i int) int8) []byte {
	x := make([]byte, toks*nb*292)
	for c := range toks {
		for b := range nb {
			blk := x[(c*nb+b)*292:][:292]
			binary.LittleEndian.PutUint32(blk, math.Float32bits(1))
			for k := range 16 {
				var s int
				for i := 16 * k; i < 16*k+16; i++ {
					v := q(c*7 + b*256 + i)
					blk[4+i] = byte(v)
					s += int(v)
				}
				binary.LittleEndian.PutUint16(blk[260+2*k:], uint16(int16(s)))
			}
		}
	}
	return x
}

// TestPackedKExtremes: every quant at the top or bottom of its range, the
// sub-block scales (and mins) at their largest, activations at ±127 and
// −128, so that a saturating or overflowing integer sum would show; on
// every flavour, decode and prompt token counts.
func TestPackedKExtremes(t *testing.T) {
	defer Use(Active())
	const rows, nb = 32, 3
	cols := nb * 256
	type pattern struct {
		name string
		q    func(i int) int8
	}
	xs := []pattern{
		{"x=-128", func(int) int8 { return -128 }},
		{"x=127", func(int) int8 { return 127 }},
		{"x=±", func(i int) int8 { return int8(127 - 255*(i%2)) }},
	}
	// Each row a fill of its block's quant bytes and scale bytes; d (and
	// dmin) 1.0.
	fills := []struct {
		quants, scales byte
	}{{0xFF, 0xFF}, {0x00, 0xFF}, {0xFF, 0x80}, {0x00, 0x80}, {0xFF, 0x7F}, {0xF0, 0x3F}}
	for _, l := range Available() {
		if err := Use(l); err != nil {
			t.Fatal(err)
		}
		for _, wt := range []quant.Type{quant.Q4_K, quant.Q6_K} {
			tr, _ := wt.Traits()
			w := make([]byte, rows*nb*tr.BlockBytes)
			for r := range rows {
				f := fills[r%len(fills)]
				for b := range nb {
					blk := w[(r*nb+b)*tr.BlockBytes:][:tr.BlockBytes]
					if wt == quant.Q4_K {
						binary.LittleEndian.PutUint16(blk[0:], 0x3C00) // d = 1
						binary.LittleEndian.PutUint16(blk[2:], 0x3C00) // dmin = 1
						for i := 4; i < 16; i++ {
							blk[i] = f.scales
						}
						for i := 16; i < 144; i++ {
							blk[i] = f.quants
						}
					} else {
						for i := range 192 {
							blk[i] = f.quants
						}
						for i := 192; i < 208; i++ {
							blk[i] = f.scales
						}
						binary.LittleEndian.PutUint16(blk[208:], 0x3C00)
					}
				}
			}
			worst := 0.0
			for _, x := range xs {
				for _, toks := range []int{1, 9} {
					worst = max(worst, packedKCheck(t, string(l)+" "+x.name, wt, w, rows, cols, q8KTokens(toks, nb, x.q), toks))
				}
			}
			t.Logf("%s %s extremes: worst error %.2g of the magnitude", l, wt, worst)
		}
	}
}

// FuzzPackedKGemm compares every flavour's packed Q4_K and Q6_K
// GemmKernel with the generic row dots on fuzzed super-blocks (half
// scales sanitized to finite values, |d| < 1; every other byte as fuzzed)
// and random Q8_K tokens: 1–3 tokens (decode), up to 19 (the prompt's
// tiles and the tokens left over).
func FuzzPackedKGemm(f *testing.F) {
	f.Add(uint8(0), uint8(0), uint8(0), uint8(0), []byte("seed"))
	f.Add(uint8(1), uint8(1), uint8(2), uint8(9), []byte{0xff, 0x7b, 0x00, 0x80})
	f.Add(uint8(0), uint8(3), uint8(1), uint8(16), []byte{0xff})
	f.Add(uint8(1), uint8(2), uint8(3), uint8(2), []byte{0x00, 0x80, 0x3f, 0xc0, 0x55})
	f.Fuzz(func(t *testing.T, ti, groups, blocks, toks uint8, data []byte) {
		wt := []quant.Type{quant.Q4_K, quant.Q6_K}[ti%2]
		tr, _ := wt.Traits()
		rows, nb, n := packRows*(1+int(groups)%3), 1+int(blocks)%4, 1+int(toks)%19
		cols := nb * tr.BlockSize
		bb := tr.BlockBytes
		w := make([]byte, rows*nb*bb)
		for i := range w {
			if len(data) > 0 {
				w[i] = data[i%len(data)] ^ byte(i*37)
			}
		}
		for b := 0; b < len(w); b += bb {
			if wt == quant.Q4_K {
				w[b+1] &= 0x3b // d and dmin: finite, |·| < 1
				w[b+3] &= 0x3b
			} else {
				w[b+209] &= 0x3b
			}
		}
		r := rand.New(rand.NewPCG(uint64(len(data)), uint64(rows)))
		x := randomFloats(r, n*cols, "normal")
		xb, _ := RowBytes(quant.Q8_K, cols)
		xq := make([]byte, n*xb)
		for c := range n {
			quantizeActivations(quant.Q8_K, xq[c*xb:(c+1)*xb], x[c*cols:(c+1)*cols])
		}
		defer Use(Active())
		for _, l := range Available() {
			Use(l)
			packedKCheck(t, string(l), wt, w, rows, cols, xq, n)
		}
	})
}
