package asm

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/narallm/nara/loader/mmap"
	"github.com/narallm/nara/quant"
)

// packedTypes are the types with a packed layout, in a fixed order.
var packedTypes = []quant.Type{quant.Q4_0, quant.Q8_0, quant.Q4_K, quant.Q6_K}

// TestPackLayout checks the 32-element types' layout (legacyFormat)
// against its definition, byte by byte, on a hand-made two-block group:
// each row's bytes are distinct, so a byte in the wrong place is caught.
func TestPackLayout(t *testing.T) {
	for _, wt := range []quant.Type{quant.Q4_0, quant.Q8_0} {
		tr, _ := wt.Traits()
		chunks, xor := map[quant.Type]int{quant.Q4_0: 4, quant.Q8_0: 8}[wt], map[quant.Type]byte{quant.Q8_0: 0x80}[wt]
		const blocks = 2
		rb := blocks * tr.BlockBytes
		w := make([]byte, packRows*rb)
		for i := range w {
			w[i] = byte(i*7 + i/251)
		}
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, packRows, blocks*32); err != nil {
			t.Fatal(err)
		}
		for b := range blocks {
			blk := p[b*packRows*tr.BlockBytes:]
			for r := range packRows {
				row := w[r*rb+b*tr.BlockBytes:]
				L := r%4*4 + r/4 // row 4i+j sits in lane 4j+i
				for k := range chunks {
					for i := range 4 {
						if got, want := blk[64*k+4*L+i], row[2+4*k+i]^xor; got != want {
							t.Fatalf("%s block %d row %d chunk %d byte %d: %#x, want %#x", wt, b, r, k, i, got, want)
						}
					}
				}
				s := 64*chunks + 2*L
				if blk[s] != row[0] || blk[s+1] != row[1] {
					t.Fatalf("%s block %d row %d: scale bytes %x, want %x", wt, b, r, blk[s:s+2], row[:2])
				}
			}
		}
	}
}

// TestPackRoundTrip packs a matrix of each packed type (a few groups,
// bytes from a hash, so NaN and infinite scales too) and checks that
// unpacking gives the rows back and PackedRowF32 decodes every row as
// ToF32 decodes the row-major one, bit for bit.
func TestPackRoundTrip(t *testing.T) {
	for _, wt := range packedTypes {
		tr, _ := wt.Traits()
		const groups, blocks = 3, 3
		cols := blocks * tr.BlockSize
		rb := blocks * tr.BlockBytes
		w := make([]byte, groups*packRows*rb)
		for i := range w {
			w[i] = byte((i * 2654435761) >> 13)
		}
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, groups*packRows, cols); err != nil {
			t.Fatal(err)
		}
		back := make([]byte, len(w))
		for g := range groups {
			unpackGroup(back[g*packRows*rb:], p[g*packRows*rb:(g+1)*packRows*rb], wt, rb)
		}
		if !bytes.Equal(back, w) {
			t.Fatalf("%s: unpackGroup does not invert Pack", wt)
		}
		got, want := make([]float32, cols), make([]float32, cols)
		for r := range groups * packRows {
			PackedRowF32(got, p, wt, cols, r)
			ToF32(want, w[r*rb:(r+1)*rb], wt)
			for i := range got {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%s: PackedRowF32(%d)[%d] = %g, the row decodes to %g", wt, r, i, got[i], want[i])
				}
			}
		}
	}
}

// TestPackChecks: shapes without a packed layout are refused.
func TestPackChecks(t *testing.T) {
	for _, c := range []struct {
		t          quant.Type
		rows, cols int
	}{
		{quant.Q4_0, 15, 64}, {quant.Q4_0, 0, 64}, {quant.Q4_0, 16, 48}, {quant.IQ4_XS, 16, 256}, {quant.F32, 16, 16},
	} {
		rb, _ := RowBytes(c.t, max(c.cols, 1))
		w := make([]byte, max(c.rows, 1)*rb)
		if err := Pack(make([]byte, len(w)), w, c.t, c.rows, c.cols); err == nil {
			t.Errorf("Pack %s %d×%d: no error", c.t, c.rows, c.cols)
		}
	}
	if err := Pack(make([]byte, 10), make([]byte, 16*18), quant.Q4_0, 16, 32); err == nil {
		t.Error("Pack into a short dst: no error")
	}
}

// TestPackedMatMulFlavours runs MatMulPacked on every flavour against the
// generic row dots of the unpacked matrix: decode (1–3 tokens) and prompt
// shapes, group counts that split unevenly among threads, one block or
// many.
func TestPackedMatMulFlavours(t *testing.T) {
	defer Use(Active())
	r := rand.New(rand.NewPCG(31, 32))
	for _, l := range Available() {
		if err := Use(l); err != nil {
			t.Fatal(err)
		}
		for _, wt := range packedTypes {
			tr, _ := wt.Traits()
			worst, checked := 0.0, 0
			for _, shape := range [][3]int{{16, 32, 1}, {16, 128, 2}, {48, 96, 1}, {80, 352, 3}, {64, 2048, 1}, {272, 64, 1}, {32, 160, 4}, {48, 64, 9}, {16, 96, 130}} {
				rows, cols, n := shape[0], shape[1]/32*tr.BlockSize, shape[2]
				kind := []string{"normal", "large", "tiny", "extreme", "sparse"}[checked%5]
				w := quantized(wt, randomFloats(r, rows*cols, kind))
				x := randomFloats(r, n*cols, "normal")
				p := make([]byte, len(w))
				if err := Pack(p, w, wt, rows, cols); err != nil {
					t.Fatal(err)
				}
				got := make([]float32, n*rows)
				MatMulPacked(got, x, p, wt, rows, cols, n)
				rb := len(w) / rows
				xt := tr.VecDotType
				xb, _ := RowBytes(xt, cols)
				xq := make([]byte, n*xb)
				for i := range n {
					quantizeActivations(xt, xq[i*xb:(i+1)*xb], x[i*cols:(i+1)*cols])
				}
				for i := range n {
					for row := range rows {
						wr, xi := w[row*rb:(row+1)*rb], xq[i*xb:(i+1)*xb]
						want := flavours[Generic].VecDot[wt](cols, wr, xi)
						d := math.Abs(float64(got[i*rows+row] - want))
						mag := dotMagnitude(wt, xt, wr, xi)
						if !(d <= 1e-5*mag+1e-30) {
							t.Fatalf("%s %s %d×%d n=%d: [%d,%d] = %g, want %g", l, wt, rows, cols, n, i, row, got[i*rows+row], want)
						}
						worst = max(worst, d/(mag+1e-30))
						checked++
					}
				}
			}
			t.Logf("%s %s (native packed kernel: %v): %d entries, worst error %.2g of the magnitude", l, wt, Packs(wt), checked, worst)
		}
	}
}

// FuzzPackedGemm compares the packed GemmKernel of every flavour with the
// row-major one of generic on fuzzed weights (sanitized to finite scales)
// and activations.
func FuzzPackedGemm(f *testing.F) {
	f.Add(uint8(0), uint8(1), uint8(1), uint8(1), []byte("seed"))
	f.Add(uint8(1), uint8(2), uint8(3), uint8(5), []byte{0xff, 0x7b, 0x00, 0x80})
	f.Fuzz(func(t *testing.T, ti, groups, blocks, toks uint8, data []byte) {
		legacy := []quant.Type{quant.Q4_0, quant.Q8_0} // K-quants: FuzzPackedKGemm
		wt := legacy[int(ti)%len(legacy)]
		tr, _ := wt.Traits()
		rows, nb, n := packRows*(1+int(groups)%4), 1+int(blocks)%9, 1+int(toks)%6
		cols := nb * 32
		rb := nb * tr.BlockBytes
		w := make([]byte, rows*rb)
		for i := range w {
			if len(data) > 0 {
				w[i] = data[i%len(data)] ^ byte(i*37)
			}
		}
		for b := 0; b < len(w); b += tr.BlockBytes {
			w[b+1] &= 0x3b // a finite half scale, |d| < 1
		}
		r := rand.New(rand.NewPCG(uint64(len(data)), uint64(rows)))
		x := randomFloats(r, n*cols, "normal")
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, rows, cols); err != nil {
			t.Fatal(err)
		}
		defer Use(Active())
		var ref []float32
		for _, l := range Available() {
			Use(l)
			got := make([]float32, n*rows)
			MatMulPacked(got, x, p, wt, rows, cols, n)
			if ref == nil {
				ref = make([]float32, n*rows)
				Use(Generic)
				MatMul(ref, x, w, wt, rows, cols, n)
			}
			for i := range got {
				if d := math.Abs(float64(got[i] - ref[i])); !(d <= 1e-4*(math.Abs(float64(ref[i]))+1)) {
					t.Fatalf("%s %s %d×%d n=%d: [%d] = %g, row-major generic %g", l, wt, rows, cols, n, i, got[i], ref[i])
				}
			}
		}
	})
}

// BenchmarkPackedDecode measures a decode step's product (one token) over
// a 4096 × 4096 matrix on one thread, packed against row-major with the
// same flavour: bytes are weight bytes.
func BenchmarkPackedDecode(b *testing.B) {
	defer SetThreads(Threads())
	SetThreads(1)
	const rows, cols = 4096, 4096
	r := rand.New(rand.NewPCG(1, 2))
	x := randomFloats(r, cols, "normal")
	dst := make([]float32, rows)
	for _, wt := range packedTypes {
		w := quantized(wt, randomFloats(r, rows*cols, "normal"))
		p := make([]byte, len(w))
		if err := Pack(p, w, wt, rows, cols); err != nil {
			b.Fatal(err)
		}
		for _, packed := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/%s/packed=%v", Active(), wt, packed), func(b *testing.B) {
				b.SetBytes(int64(len(w)))
				for b.Loop() {
					if packed {
						MatMulPacked(dst, x, p, wt, rows, cols, 1)
					} else {
						MatMul(dst, x, w, wt, rows, cols, 1)
					}
				}
			})
		}
	}
}

// TestPackGroupKernels checks each assembly group packer against the Go
// one (packFormat), byte for byte, over block counts and row strides
// wider than a row.
func TestPackGroupKernels(t *testing.T) {
	if len(packGroupKernels) == 0 {
		t.Skip("no assembly group packer on this CPU/build")
	}
	r := rand.New(rand.NewPCG(41, 42))
	for wt, kernel := range packGroupKernels {
		bb := traits(wt).BlockBytes
		for _, nb := range []int{1, 2, 3, 64, 176} {
			for _, pad := range []int{0, 5} {
				rb := nb*bb + pad
				w := make([]byte, packRows*rb)
				for i := range w {
					w[i] = byte(r.Uint32())
				}
				got, want := make([]byte, packRows*nb*bb), make([]byte, packRows*nb*bb)
				kernel(got, w, rb)
				packGroupGo(want, w, wt, rb)
				if !bytes.Equal(got, want) {
					t.Fatalf("%s nb=%d rb=%d: assembly packer differs from packFormat", wt, nb, rb)
				}
			}
		}
		t.Logf("%s: assembly group packer agrees with packFormat", wt)
	}
}

// BenchmarkPackedDecodeMemory streams a packed Q4_0 matrix far larger than
// the caches (72 MiB, in huge-page memory as the runtime packs it) through
// a decode step on 1 and 2 threads, next to a plain read of the same bytes
// with the float dot kernel: the share of read bandwidth the decode
// kernel reaches. Bytes are weight bytes.
func BenchmarkPackedDecodeMemory(b *testing.B) {
	defer SetThreads(Threads())
	const rows, cols = 65536, 2048
	r := rand.New(rand.NewPCG(1, 2))
	x := randomFloats(r, cols, "normal")
	dst := make([]float32, rows)
	w := quantized(quant.Q4_0, randomFloats(r, rows*cols, "normal"))
	p, free, err := mmap.Anonymous(len(w))
	if err != nil {
		b.Fatal(err)
	}
	defer free()
	if err := Pack(p, w, quant.Q4_0, rows, cols); err != nil {
		b.Fatal(err)
	}
	f := unsafe.Slice((*float32)(unsafe.Pointer(&p[0])), len(p)/4)
	for _, threads := range []int{1, 2} {
		SetThreads(threads)
		b.Run(fmt.Sprintf("threads=%d/decode", threads), func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				MatMulPacked(dst, x, p, quant.Q4_0, rows, cols, 1)
			}
		})
		b.Run(fmt.Sprintf("threads=%d/read", threads), func(b *testing.B) {
			b.SetBytes(int64(len(p)))
			for b.Loop() {
				Parallel(threads, func(lo, hi int) {
					for t := lo; t < hi; t++ {
						part := f[len(f)*t/threads : len(f)*(t+1)/threads]
						Dot(part, part)
					}
				})
			}
		})
	}
}
