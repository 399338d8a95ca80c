// Package quant describes the tensor element types nara reads and writes: the
// ggml/GGUF block formats (Q4_0 … Q8_K, IQ4_NL, IQ4_XS) and the plain float and
// integer types.
//
// Every type is a row in one traits table. Code that needs to know the size of a
// block, or how to turn a block into floats, reads the table; adding a type means
// adding a row, not touching every switch.
//
// For F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q2_K…Q8_K, IQ4_NL and
// IQ4_XS the table also holds pure-Go reference code, written to match
// llama.cpp's ggml-quants.c: a dequantizer (bit-exact), a quantizer (producing the
// same bytes as llama-quantize without an importance matrix), and a dot product
// against activations quantized to the type ggml pairs with it (Q8_0, Q8_1 or
// Q8_K; F32 for the float types). They are deliberately plain: they are the
// twins that faster kernels are tested against.
package quant

import (
	"fmt"
	"math"
	"strings"
)

// Type is a ggml element type. The numeric values are the ones GGUF files store,
// so they must never change.
type Type uint32

const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
)

// QK_K is the super-block size of the K-quants and most IQ types.
const QK_K = 256

// Traits is one row of the table.
//
// The function fields are nil where nara has no implementation for the type.
// They do not check lengths: use the package functions Dequantize, Quantize
// and VecDot, which validate sizes against the table first.
type Traits struct {
	Name       string
	BlockSize  int // elements per block
	BlockBytes int // bytes per block

	// Dequantize turns len(dst)/BlockSize blocks of src into floats,
	// bit-exact with llama.cpp's dequantize_row_* (same float32 operations in
	// the same order).
	Dequantize func(dst []float32, src []byte)

	// Quantize is the reference quantizer: it fills len(src)/BlockSize
	// blocks of dst as llama-quantize does without an importance matrix
	// (quantize_row_*_ref; for IQ4_NL/IQ4_XS quantize_iq4_* with its 7
	// trial scales).
	Quantize func(dst []byte, src []float32)

	// VecDotType is the type the other operand of VecDot must be in: the
	// activation format ggml quantizes to for this weight type (Q8_0, Q8_1,
	// Q8_K), or F32 for the float weight types. Meaningful only when VecDot
	// is set.
	VecDotType Type

	// VecDot returns the dot product of n weights w (n/BlockSize blocks of
	// this type) with n activations x in VecDotType, accumulating integer
	// products in integers where ggml does.
	VecDot func(n int, w, x []byte) float32
}

// traits is indexed by Type. A zero row (BlockSize 0) is an unknown type.
var traits = [...]Traits{
	F32: {Name: "F32", BlockSize: 1, BlockBytes: 4,
		Dequantize: dequantizeF32, Quantize: quantizeF32, VecDotType: F32, VecDot: vecDotF32},
	F16: {Name: "F16", BlockSize: 1, BlockBytes: 2,
		Dequantize: dequantizeF16, Quantize: quantizeF16, VecDotType: F32, VecDot: vecDotF16},
	Q4_0: {Name: "Q4_0", BlockSize: 32, BlockBytes: 2 + 16,
		Dequantize: dequantizeQ4_0, Quantize: quantizeQ4_0, VecDotType: Q8_0, VecDot: vecDotQ4_0},
	Q4_1: {Name: "Q4_1", BlockSize: 32, BlockBytes: 2 + 2 + 16,
		Dequantize: dequantizeQ4_1, Quantize: quantizeQ4_1, VecDotType: Q8_1, VecDot: vecDotQ4_1},
	Q5_0: {Name: "Q5_0", BlockSize: 32, BlockBytes: 2 + 4 + 16,
		Dequantize: dequantizeQ5_0, Quantize: quantizeQ5_0, VecDotType: Q8_0, VecDot: vecDotQ5_0},
	Q5_1: {Name: "Q5_1", BlockSize: 32, BlockBytes: 2 + 2 + 4 + 16,
		Dequantize: dequantizeQ5_1, Quantize: quantizeQ5_1, VecDotType: Q8_1, VecDot: vecDotQ5_1},
	Q8_0: {Name: "Q8_0", BlockSize: 32, BlockBytes: 2 + 32,
		Dequantize: dequantizeQ8_0, Quantize: quantizeQ8_0, VecDotType: Q8_0, VecDot: vecDotQ8_0},
	Q8_1: {Name: "Q8_1", BlockSize: 32, BlockBytes: 2 + 2 + 32,
		Dequantize: dequantizeQ8_1, Quantize: quantizeQ8_1},
	Q2_K: {Name: "Q2_K", BlockSize: QK_K, BlockBytes: QK_K/16 + QK_K/4 + 2 + 2,
		Dequantize: dequantizeQ2_K, Quantize: quantizeQ2_K, VecDotType: Q8_K, VecDot: vecDotQ2_K},
	Q3_K: {Name: "Q3_K", BlockSize: QK_K, BlockBytes: QK_K/8 + QK_K/4 + 12 + 2,
		Dequantize: dequantizeQ3_K, Quantize: quantizeQ3_K, VecDotType: Q8_K, VecDot: vecDotQ3_K},
	Q4_K: {Name: "Q4_K", BlockSize: QK_K, BlockBytes: 2 + 2 + 12 + QK_K/2,
		Dequantize: dequantizeQ4_K, Quantize: quantizeQ4_K, VecDotType: Q8_K, VecDot: vecDotQ4_K},
	Q5_K: {Name: "Q5_K", BlockSize: QK_K, BlockBytes: 2 + 2 + 12 + QK_K/8 + QK_K/2,
		Dequantize: dequantizeQ5_K, Quantize: quantizeQ5_K, VecDotType: Q8_K, VecDot: vecDotQ5_K},
	Q6_K: {Name: "Q6_K", BlockSize: QK_K, BlockBytes: QK_K/2 + QK_K/4 + QK_K/16 + 2,
		Dequantize: dequantizeQ6_K, Quantize: quantizeQ6_K, VecDotType: Q8_K, VecDot: vecDotQ6_K},
	Q8_K: {Name: "Q8_K", BlockSize: QK_K, BlockBytes: 4 + QK_K + QK_K/16*2,
		Dequantize: dequantizeQ8_K, Quantize: quantizeQ8_K, VecDotType: Q8_K, VecDot: vecDotQ8_K},
	IQ2_XXS: {Name: "IQ2_XXS", BlockSize: QK_K, BlockBytes: 2 + QK_K/8*2},
	IQ2_XS:  {Name: "IQ2_XS", BlockSize: QK_K, BlockBytes: 2 + QK_K/8*2 + QK_K/32},
	IQ3_XXS: {Name: "IQ3_XXS", BlockSize: QK_K, BlockBytes: 2 + 3*QK_K/8},
	IQ1_S:   {Name: "IQ1_S", BlockSize: QK_K, BlockBytes: 2 + QK_K/8 + QK_K/32*2},
	IQ4_NL: {Name: "IQ4_NL", BlockSize: 32, BlockBytes: 2 + 16,
		Dequantize: dequantizeIQ4_NL, Quantize: quantizeIQ4_NL, VecDotType: Q8_0, VecDot: vecDotIQ4_NL},
	IQ3_S: {Name: "IQ3_S", BlockSize: QK_K, BlockBytes: 2 + QK_K/4 + QK_K/32 + QK_K/8 + QK_K/64},
	IQ2_S: {Name: "IQ2_S", BlockSize: QK_K, BlockBytes: 2 + QK_K/4 + QK_K/32 + QK_K/32},
	IQ4_XS: {Name: "IQ4_XS", BlockSize: QK_K, BlockBytes: 2 + 2 + QK_K/64 + QK_K/2,
		Dequantize: dequantizeIQ4_XS, Quantize: quantizeIQ4_XS, VecDotType: Q8_K, VecDot: vecDotIQ4_XS},
	I8:    {Name: "I8", BlockSize: 1, BlockBytes: 1},
	I16:   {Name: "I16", BlockSize: 1, BlockBytes: 2},
	I32:   {Name: "I32", BlockSize: 1, BlockBytes: 4},
	I64:   {Name: "I64", BlockSize: 1, BlockBytes: 8},
	F64:   {Name: "F64", BlockSize: 1, BlockBytes: 8},
	IQ1_M: {Name: "IQ1_M", BlockSize: QK_K, BlockBytes: QK_K/8 + QK_K/16 + QK_K/32},
	BF16: {Name: "BF16", BlockSize: 1, BlockBytes: 2,
		Dequantize: dequantizeBF16, Quantize: quantizeBF16, VecDotType: F32, VecDot: vecDotBF16},
	TQ1_0: {Name: "TQ1_0", BlockSize: QK_K, BlockBytes: (QK_K-4*QK_K/64)/5 + QK_K/64 + 2},
	TQ2_0: {Name: "TQ2_0", BlockSize: QK_K, BlockBytes: QK_K/4 + 2},
	MXFP4: {Name: "MXFP4", BlockSize: 32, BlockBytes: 1 + 16},
}

// Known reports whether t is a type nara knows the layout of.
func (t Type) Known() bool { return int(t) < len(traits) && traits[t].BlockSize != 0 }

// Traits returns t's row of the table; ok is false for an unknown type.
func (t Type) Traits() (tr Traits, ok bool) {
	if !t.Known() {
		return Traits{}, false
	}
	return traits[t], true
}

func (t Type) String() string {
	if t.Known() {
		return traits[t].Name
	}
	return fmt.Sprintf("type(%d)", uint32(t))
}

// ParseType finds a type by its name (case-insensitive), as llama.cpp spells it.
func ParseType(name string) (Type, bool) {
	for i, tr := range traits {
		if tr.BlockSize != 0 && strings.EqualFold(tr.Name, name) {
			return Type(i), true
		}
	}
	return 0, false
}

// Types lists every known type in table order.
func Types() []Type {
	var ts []Type
	for i, tr := range traits {
		if tr.BlockSize != 0 {
			ts = append(ts, Type(i))
		}
	}
	return ts
}

// Bytes returns the storage size of n elements of type t. It fails when t is
// unknown, n is negative, n is not a whole number of blocks, or the size does
// not fit in an int64: callers use it to validate sizes read from files.
func (t Type) Bytes(n int64) (int64, error) {
	tr, ok := t.Traits()
	if !ok {
		return 0, fmt.Errorf("unknown tensor type %d", uint32(t))
	}
	if n < 0 {
		return 0, fmt.Errorf("negative element count %d", n)
	}
	bs := int64(tr.BlockSize)
	if n%bs != 0 {
		return 0, fmt.Errorf("%s: %d elements is not a multiple of the block size %d", tr.Name, n, bs)
	}
	blocks := n / bs
	if blocks > math.MaxInt64/int64(tr.BlockBytes) {
		return 0, fmt.Errorf("%s: %d elements overflow the size", tr.Name, n)
	}
	return blocks * int64(tr.BlockBytes), nil
}
