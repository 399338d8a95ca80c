package asm

import "encoding/binary"

// Packed K-quant super-blocks (packed.go): the 16 rows' super-block b is
// cut into fields, each field into units (dwords or words), and unit i of
// the 16 rows is stored side by side, row r at unit offset r. A dword
// field then gives one 64-byte register per unit with row r in dword lane
// r (the lane order of the K tiles, gemm_k_amd64.s), a word field 32 bytes
// that VCVTPH2PS or VPMOVSXBW widen into the same lanes. The bytes are
// the file's, moved: nothing is unpacked per row, and a packed block is
// the size of the rows it replaces. The fields lie in the order the decode
// kernel reads them, so that it streams each block front to back (the
// hardware prefetcher then keeps up: interleaved streams within the block
// halved the Q6_K kernel's bandwidth from memory).
//
// Q4_K (144-byte rows, 2304-byte packed block):
//
//	[0, 32)      d:      16 halves, row order
//	[32, 64)     dmin:   16 halves, row order
//	[64, 256)    scales: plane p < 3 at 64 + 64p, dword lane r = scale
//	                     bytes 4p…4p+3 of row r (ggml's six-bit packing)
//	[256, 2304)  qs:     chunk k < 32 at 256 + 64k, dword lane r = qs dword k
//	                     of row r (low nibbles: elements 64⌊k/8⌋ + 4(k mod 8)
//	                     + 0…3, high nibbles the same + 32)
//
// Q6_K (210-byte rows, 3360-byte packed block), in two halves of 128
// elements (n = 0, 1) at 1664n:
//
//	step s < 8 at 1664n + 192s: three chunks, dword lane r =
//	                     ql dword 16n+s, ql dword 16n+8+s, qh dword 8n+s of row r
//	scales at 1664n + 1536: pair m < 4 at +32m, word lane r = scales
//	                     8n+2m, 8n+2m+1 of row r (VPMOVSXBW: a dword per row)
//	then d at 3328: 16 halves, row order.
var (
	q4KFormat = transposedFormat(144,
		packField{src: 0, n: 2, unit: 2, dst: 0},
		packField{src: 2, n: 2, unit: 2, dst: 32},
		packField{src: 4, n: 12, unit: 4, dst: 64, stride: 64},
		packField{src: 16, n: 128, unit: 4, dst: 256, stride: 64})
	q6KFormat = transposedFormat(210,
		packField{src: 0, n: 32, unit: 4, dst: 0, stride: 192},
		packField{src: 32, n: 32, unit: 4, dst: 64, stride: 192},
		packField{src: 128, n: 32, unit: 4, dst: 128, stride: 192},
		packField{src: 192, n: 8, unit: 2, dst: 1536, stride: 32},
		packField{src: 64, n: 32, unit: 4, dst: 1664, stride: 192},
		packField{src: 96, n: 32, unit: 4, dst: 1728, stride: 192},
		packField{src: 160, n: 32, unit: 4, dst: 1792, stride: 192},
		packField{src: 200, n: 8, unit: 2, dst: 3200, stride: 32},
		packField{src: 208, n: 2, unit: 2, dst: 3328})
)

// packField is one field of a row's block: n bytes from src, stored as
// units of unit bytes, unit i of row r at dst + stride·i + unit·r.
type packField struct{ src, n, unit, dst, stride int }

// transposedFormat is the packFormat of blocks of bb bytes cut into
// fields (which must cover the block).
func transposedFormat(bb int, fields ...packField) packFormat {
	return packFormat{
		pack: func(out, w []byte, rb, b int) {
			for r := range packRows {
				blk := w[r*rb+b*bb:][:bb]
				for _, f := range fields {
					for i := range f.n / f.unit {
						moveUnit(out[f.dst+f.stride*i+f.unit*r:], blk[f.src+f.unit*i:], f.unit)
					}
				}
			}
		},
		unpack: func(blk, in []byte, r int) {
			for _, f := range fields {
				for i := range f.n / f.unit {
					moveUnit(blk[f.src+f.unit*i:], in[f.dst+f.stride*i+f.unit*r:], f.unit)
				}
			}
		},
	}
}

// moveUnit copies a 2- or 4-byte unit (one load and store: packing runs
// over every weight at load time).
func moveUnit(dst, src []byte, unit int) {
	if unit == 4 {
		binary.LittleEndian.PutUint32(dst, binary.LittleEndian.Uint32(src))
	} else {
		binary.LittleEndian.PutUint16(dst, binary.LittleEndian.Uint16(src))
	}
}
