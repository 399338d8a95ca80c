//go:build !noasm

package asm

import (
	"encoding/binary"
	"math"
	"unsafe"

	"github.com/narallm/nara/quant"
)

// Register-tiled products against float weights (F32, F16, BF16) for the
// AVX2 and AVX-512 flavours; the assembly is in gemm_float_amd64.s.
//
// A tile kernel dots R weight rows with C activation tokens at once, each
// weight vector converted once and each activation vector loaded once per
// step, so the FMAs outnumber the loads (AVX-512: 4 rows × 6 tokens in 24
// zmm accumulators; AVX2: 3 × 4 in 12 ymm). Decoding (one token) uses a
// 4-row kernel that streams the rows at memory speed. floatTiler.gemm cuts
// a product into such tiles: a block of rows small enough to stay in L2
// while every token tile goes by, the tokens in tiles of C, and within them
// the rows in tiles of R. It points surplus rows or tokens of an edge tile at
// the last real one and stores that tile through a scratch tile; the last
// cols mod (vector width) elements are added in Go.

// floatTile is the argument block of one kernel call (offsets T_* in the
// assembly).
type floatTile struct {
	w   [4]unsafe.Pointer // weight rows
	x   [6]unsafe.Pointer // activation tokens (float32)
	dst unsafe.Pointer    // sums of token c at dst + c·ldd, R of them
	ldd int               // bytes
	n   int               // bytes of each weight row to read: whole vectors
}

// Tile kernels: rows × tokens in the name; they trust the tile.

//go:noescape
func tileF32x4x6AVX512(t *floatTile)

//go:noescape
func tileF16x4x6AVX512(t *floatTile)

//go:noescape
func tileBF16x4x6AVX512(t *floatTile)

//go:noescape
func tileF32x4x1AVX512(t *floatTile)

//go:noescape
func tileF16x4x1AVX512(t *floatTile)

//go:noescape
func tileBF16x4x1AVX512(t *floatTile)

//go:noescape
func tileF32x3x4AVX2(t *floatTile)

//go:noescape
func tileF16x3x4AVX2(t *floatTile)

//go:noescape
func tileBF16x3x4AVX2(t *floatTile)

//go:noescape
func tileF32x4x1AVX2(t *floatTile)

//go:noescape
func tileF16x4x1AVX2(t *floatTile)

//go:noescape
func tileBF16x4x1AVX2(t *floatTile)

// floatKernel is one tile kernel and its shape.
type floatKernel struct {
	rows, toks int
	id         floatKernelID
}

// floatKernelID names a tile kernel. Calls go through a switch rather than
// a func value: the compiler then sees that the tile does not escape, and
// keeps it on the stack.
type floatKernelID uint8

const (
	f32x4x6AVX512 floatKernelID = iota
	f16x4x6AVX512
	bf16x4x6AVX512
	f32x4x1AVX512
	f16x4x1AVX512
	bf16x4x1AVX512
	f32x3x4AVX2
	f16x3x4AVX2
	bf16x3x4AVX2
	f32x4x1AVX2
	f16x4x1AVX2
	bf16x4x1AVX2
)

func (id floatKernelID) run(t *floatTile) {
	switch id {
	case f32x4x6AVX512:
		tileF32x4x6AVX512(t)
	case f16x4x6AVX512:
		tileF16x4x6AVX512(t)
	case bf16x4x6AVX512:
		tileBF16x4x6AVX512(t)
	case f32x4x1AVX512:
		tileF32x4x1AVX512(t)
	case f16x4x1AVX512:
		tileF16x4x1AVX512(t)
	case bf16x4x1AVX512:
		tileBF16x4x1AVX512(t)
	case f32x3x4AVX2:
		tileF32x3x4AVX2(t)
	case f16x3x4AVX2:
		tileF16x3x4AVX2(t)
	case bf16x3x4AVX2:
		tileBF16x3x4AVX2(t)
	case f32x4x1AVX2:
		tileF32x4x1AVX2(t)
	case f16x4x1AVX2:
		tileF16x4x1AVX2(t)
	case bf16x4x1AVX2:
		tileBF16x4x1AVX2(t)
	}
}

// floatTiler is the FloatGemmKernel of one weight type and flavour.
type floatTiler struct {
	wt    quant.Type
	esize int // bytes per weight element
	vec   int // elements per vector step
	tile  floatKernel
	gemv  floatKernel // one token
}

// l2Budget is the bytes of weights a row block may take: with the
// activations of one token tile it stays in a core's L2 (1 MiB on Zen 4)
// while the token tiles go by.
const l2Budget = 256 << 10

func (ft *floatTiler) gemm(cols int, w []byte, rows int, x []float32, toks int, dst []float32, ldd int) {
	if rows <= 0 || toks <= 0 {
		return
	}
	rb := cols * ft.esize
	if cols <= 0 {
		for c := range toks {
			clear(dst[c*ldd : c*ldd+rows])
		}
		return
	}
	// Check once what the kernels will read and write.
	_, _, _ = w[rows*rb-1], x[toks*cols-1], dst[(toks-1)*ldd+rows-1]
	main := cols - cols%ft.vec
	t := floatTile{n: main * ft.esize}
	var scratch [24]float32

	// Row blocks of about l2Budget bytes, a whole number of tiles.
	r := max(ft.tile.rows, ft.gemv.rows)
	blocks := max(1, (rows*rb+l2Budget/2)/l2Budget)
	blockRows := ((rows+blocks-1)/blocks + r - 1) / r * r
	if toks == 1 {
		blockRows = rows
	}
	for b0 := 0; b0 < rows; b0 += blockRows {
		b1 := min(rows, b0+blockRows)
		for c0 := 0; c0 < toks; {
			k := ft.tile
			if toks-c0 == 1 {
				k = ft.gemv
			}
			nc := min(k.toks, toks-c0)
			for c := range k.toks {
				t.x[c] = unsafe.Pointer(&x[(c0+min(c, nc-1))*cols])
			}
			for r0 := b0; r0 < b1; r0 += k.rows {
				nr := min(k.rows, b1-r0)
				for i := range k.rows {
					t.w[i] = unsafe.Pointer(&w[(r0+min(i, nr-1))*rb])
				}
				edge := nr < k.rows || nc < k.toks
				if edge {
					t.dst, t.ldd = unsafe.Pointer(&scratch[0]), 4*4
				} else {
					t.dst, t.ldd = unsafe.Pointer(&dst[c0*ldd+r0]), 4*ldd
				}
				k.id.run(&t)
				if edge {
					for c := range nc {
						copy(dst[(c0+c)*ldd+r0:(c0+c)*ldd+r0+nr], scratch[4*c:4*c+nr])
					}
				}
				if main < cols {
					for c := range nc {
						xc := x[(c0+c)*cols : (c0+c+1)*cols]
						for i := range nr {
							dst[(c0+c)*ldd+r0+i] += floatTail(ft.wt, w[(r0+i)*rb+main*ft.esize:(r0+i+1)*rb], xc[main:])
						}
					}
				}
			}
			c0 += nc
		}
	}
}

// floatTail returns Σ w[i]·x[i] over the few (< 16) elements past the
// kernels' last whole vector, w stored as wt.
func floatTail(wt quant.Type, w []byte, x []float32) float32 {
	var s float32
	for i := range x {
		var v float32
		switch wt {
		case quant.F16:
			v = f16Table()[binary.LittleEndian.Uint16(w[2*i:])]
		case quant.BF16:
			v = quant.BF16ToF32(binary.LittleEndian.Uint16(w[2*i:]))
		default:
			v = math.Float32frombits(binary.LittleEndian.Uint32(w[4*i:]))
		}
		s += v * x[i]
	}
	return s
}

// floatGemms lists the tiled float kernels of each x86 flavour: the prompt
// tile (rows × tokens of accumulators) and the decode GEMV, per weight type.
var floatGemms = map[Level]struct {
	kernel map[quant.Type][2]floatKernelID
	tile   floatKernel
	gemv   floatKernel
	vec    int // float32 lanes
}{
	AVX2: {map[quant.Type][2]floatKernelID{
		quant.F32:  {f32x3x4AVX2, f32x4x1AVX2},
		quant.F16:  {f16x3x4AVX2, f16x4x1AVX2},
		quant.BF16: {bf16x3x4AVX2, bf16x4x1AVX2},
	}, floatKernel{rows: 3, toks: 4}, floatKernel{rows: 4, toks: 1}, 8},
	AVX512: {map[quant.Type][2]floatKernelID{
		quant.F32:  {f32x4x6AVX512, f32x4x1AVX512},
		quant.F16:  {f16x4x6AVX512, f16x4x1AVX512},
		quant.BF16: {bf16x4x6AVX512, bf16x4x1AVX512},
	}, floatKernel{rows: 4, toks: 6}, floatKernel{rows: 4, toks: 1}, 16},
}

// addFloatGemms gives flavour l's kernels k their tiled float products.
func addFloatGemms(k *Kernels, l Level) {
	f := floatGemms[l]
	k.FloatGemm = map[quant.Type]FloatGemmKernel{}
	for wt, fns := range f.kernel {
		ft := &floatTiler{wt: wt, esize: 2, vec: f.vec, tile: f.tile, gemv: f.gemv}
		if wt == quant.F32 {
			ft.esize = 4
		}
		ft.tile.id, ft.gemv.id = fns[0], fns[1]
		k.FloatGemm[wt] = ft.gemm
	}
}
