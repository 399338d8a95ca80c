package asm

import (
	"encoding/binary"
	"fmt"
	"sync"

	"github.com/narallm/nara/quant"
)

// Packed weights: a matrix repacked once, at load time, into the layout the
// decode kernels stream best.
//
// A decode step reads every weight once for one token, so its speed is the
// memory bandwidth a thread can pull while it computes. Row by row, each
// row's kernel call re-prepares the token and the per-block work (nibble
// split, scale conversion) runs once per row. Packed, 16 rows are
// interleaved block by block: one sequential stream feeds 16 dot products,
// the token is prepared once per call, and each block's nibbles and scales
// land straight in the register lanes of the VNNI tile kernel (lane16
// order), so the prompt's GEMM reads the same bytes with no gather.
//
// Each packed type has a packFormat. A packed matrix is its 16-row groups
// one after another, each group its blocks in order, and a packed block
// (16 × BlockBytes bytes, the same as the rows it replaces) holds block b
// of the group's 16 rows in the layout of the type's kernels; so rows
// [16g, 16h) of a packed matrix are bytes [16g·rb, 16h·rb) as in the
// row-major one.
type packFormat struct {
	// pack writes block b of the 16 rows at w (rb bytes apart) into out.
	pack func(out, w []byte, rb, b int)
	// unpack writes row r's block back from the packed block in into blk.
	unpack func(blk, in []byte, r int)
}

// packFormats lists the types that have a packed layout.
var packFormats = map[quant.Type]packFormat{
	quant.Q4_0: legacyFormat(4, 0),
	quant.Q8_0: legacyFormat(8, 0x80),
	quant.Q4_K: q4KFormat, // packed_k.go
	quant.Q6_K: q6KFormat,
}

// legacyFormat is the packed block of a 32-element type whose block is a
// half scale d and then chunks dwords of quants (Q4_0: 4 dwords of
// nibbles, Q8_0: 8 of bytes):
//
//	chunk k (k < chunks), 64 bytes: lane L holds quant dword k of row
//	                                lane16(L), each byte XORed with xor
//	then the 16 half scales d, in lane order
//
// which is the tile kernel's register layout (gemm_legacy_amd64.s) before
// nibble splitting: Q8_0's quants are stored XOR 0x80, the unsigned form
// VPDPBUSD takes.
func legacyFormat(chunks int, xor byte) packFormat {
	x := uint32(xor) * 0x01010101
	return packFormat{
		pack: func(out, w []byte, rb, b int) {
			bb := 2 + 4*chunks
			for L := range packRows {
				blk := w[lane16(L)*rb+b*bb:][:bb]
				for k := range chunks {
					binary.LittleEndian.PutUint32(out[64*k+4*L:], binary.LittleEndian.Uint32(blk[2+4*k:])^x)
				}
				out[64*chunks+2*L], out[64*chunks+2*L+1] = blk[0], blk[1]
			}
		},
		unpack: func(blk, in []byte, r int) {
			L := lane16(r)
			for k := range chunks {
				binary.LittleEndian.PutUint32(blk[2+4*k:], binary.LittleEndian.Uint32(in[64*k+4*L:])^x)
			}
			blk[0], blk[1] = in[64*chunks+2*L], in[64*chunks+2*L+1]
		},
	}
}

// packRows is the number of rows a packed group interleaves.
const packRows = 16

// lane16 is the register lane that holds row r of a 16-row group, and the
// row lane r holds (it is its own inverse): the VNNI tiles transpose 4×4
// dwords within 128-bit lanes, so row 4i+j lands in lane 4j+i.
func lane16(r int) int { return r%4*4 + r/4 }

// grow returns b with length n, reusing its storage when it is big enough.
func grow(b []byte, n int) []byte {
	if cap(b) < n {
		return make([]byte, n)
	}
	return b[:n]
}

// Packs reports whether the active kernels have a packed kernel of their
// own for t (so packing a matrix of t pays): the loader packs at load time
// only then. Every flavour can multiply packed matrices.
func Packs(t quant.Type) bool {
	_, ok := flavours[activeLevel].Packed[t]
	return ok
}

// CanPack reports whether a rows × cols matrix of t has a packed layout.
func CanPack(t quant.Type, rows, cols int) bool {
	tr, _ := t.Traits()
	_, ok := packFormats[t]
	return ok && rows > 0 && rows%packRows == 0 && cols > 0 && cols%tr.BlockSize == 0
}

// Pack writes the rows × cols matrix w of type t (row-major, as in GGUF)
// into dst (len(w) bytes) in the packed layout.
func Pack(dst, w []byte, t quant.Type, rows, cols int) error {
	if !CanPack(t, rows, cols) {
		return fmt.Errorf("asm.Pack: no packed layout for a %d×%d %s matrix", rows, cols, t)
	}
	rb, err := RowBytes(t, cols)
	if err != nil || len(w) != rows*rb || len(dst) != len(w) {
		return fmt.Errorf("asm.Pack: %d×%d %s matrix of %d bytes into %d", rows, cols, t, len(w), len(dst))
	}
	Parallel(rows/packRows, func(lo, hi int) {
		for g := lo; g < hi; g++ {
			packGroup(dst[g*packRows*rb:(g+1)*packRows*rb], w[g*packRows*rb:], t, rb)
		}
	})
	return nil
}

// packGroupKernels holds, per type, an assembly version of packGroup
// where the CPU has one (packed_legacy_amd64.go).
var packGroupKernels = map[quant.Type]func(dst, w []byte, rb int){}

// packGroup packs 16 rows of w (rb bytes apart) into dst.
func packGroup(dst, w []byte, t quant.Type, rb int) {
	if k := packGroupKernels[t]; k != nil && int64(packRows)*int64(rb) <= 1<<31-1 {
		k(dst, w, rb) // its row offsets are int32
		return
	}
	packGroupGo(dst, w, t, rb)
}

// packGroupGo is packGroup in Go, from the type's packFormat.
func packGroupGo(dst, w []byte, t quant.Type, rb int) {
	f, bb := packFormats[t], traits(t).BlockBytes
	pb := packRows * bb
	for b := range rb / bb {
		f.pack(dst[b*pb:(b+1)*pb], w, rb, b)
	}
}

// unpackGroup is packGroup's inverse: 16 rows of rb bytes into dst.
func unpackGroup(dst, p []byte, t quant.Type, rb int) {
	f, bb := packFormats[t], traits(t).BlockBytes
	pb := packRows * bb
	for b := range rb / bb {
		for r := range packRows {
			f.unpack(dst[r*rb+b*bb:r*rb+(b+1)*bb], p[b*pb:(b+1)*pb], r)
		}
	}
}

// PackedRowF32 decodes row r of the packed rows × cols matrix p of type t
// into dst (cols floats): an embedding lookup in a matrix that is also the
// (tied) classifier. It allocates nothing.
func PackedRowF32(dst []float32, p []byte, t quant.Type, cols, r int) {
	f, tr := packFormats[t], traits(t)
	bb, rb := tr.BlockBytes, cols/tr.BlockSize*tr.BlockBytes
	pb := packRows * bb
	group := p[r/packRows*packRows*rb : (r/packRows+1)*packRows*rb]
	s := unpackScratches.Get().(*[]byte) // not a local array: it would escape to the dequantizer
	*s = grow(*s, rb)
	for b := range cols / tr.BlockSize {
		f.unpack((*s)[b*bb:(b+1)*bb], group[b*pb:(b+1)*pb], r%packRows)
	}
	toF32Generic(dst[:cols], *s, t)
	unpackScratches.Put(s)
}

func traits(t quant.Type) quant.Traits { tr, _ := t.Traits(); return tr }

// unpackingGemm is the packed GemmKernel of a flavour without one: each
// 16-row group is unpacked to rows and handed to the flavour's Gemm.
func unpackingGemm(t quant.Type, gemm GemmKernel) GemmKernel {
	return func(n int, w []byte, rb, rows int, x []byte, xb, toks int, dst []float32, ldd int) {
		s := unpackScratches.Get().(*[]byte)
		*s = grow(*s, packRows*rb)
		for r0 := 0; r0 < rows; r0 += packRows {
			unpackGroup(*s, w[r0*rb:(r0+packRows)*rb], t, rb)
			gemm(n, *s, rb, packRows, x, xb, toks, dst[r0:], ldd)
		}
		unpackScratches.Put(s)
	}
}

var unpackScratches = sync.Pool{New: func() any { return new([]byte) }}

// fillPacked gives k (a merged flavour, whose Packed map Use made) a
// packed GemmKernel for every packed type it lacks one for, from its
// row-major Gemm.
func fillPacked(k *Kernels) {
	for t := range packFormats {
		if k.Packed[t] == nil {
			k.Packed[t] = unpackingGemm(t, k.Gemm[t])
		}
	}
}
