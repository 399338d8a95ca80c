// Package quant describes the tensor element types nara reads and writes: the
// ggml/GGUF block formats (Q4_0 … Q8_K, IQ4_NL, IQ4_XS) and the plain float and
// integer types.
//
// Every type is a row in one traits table. Code that needs to know the size of a
// block, or how to turn a block into floats, reads the table; adding a type means
// adding a row, not touching every switch.
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
type Traits struct {
	Name       string
	BlockSize  int // elements per block
	BlockBytes int // bytes per block
}

// traits is indexed by Type. A zero row (BlockSize 0) is an unknown type.
var traits = [...]Traits{
	F32:     {"F32", 1, 4},
	F16:     {"F16", 1, 2},
	Q4_0:    {"Q4_0", 32, 2 + 16},
	Q4_1:    {"Q4_1", 32, 2 + 2 + 16},
	Q5_0:    {"Q5_0", 32, 2 + 4 + 16},
	Q5_1:    {"Q5_1", 32, 2 + 2 + 4 + 16},
	Q8_0:    {"Q8_0", 32, 2 + 32},
	Q8_1:    {"Q8_1", 32, 2 + 2 + 32},
	Q2_K:    {"Q2_K", QK_K, QK_K/16 + QK_K/4 + 2 + 2},
	Q3_K:    {"Q3_K", QK_K, QK_K/8 + QK_K/4 + 12 + 2},
	Q4_K:    {"Q4_K", QK_K, 2 + 2 + 12 + QK_K/2},
	Q5_K:    {"Q5_K", QK_K, 2 + 2 + 12 + QK_K/8 + QK_K/2},
	Q6_K:    {"Q6_K", QK_K, QK_K/2 + QK_K/4 + QK_K/16 + 2},
	Q8_K:    {"Q8_K", QK_K, 4 + QK_K + QK_K/16*2},
	IQ2_XXS: {"IQ2_XXS", QK_K, 2 + QK_K/8*2},
	IQ2_XS:  {"IQ2_XS", QK_K, 2 + QK_K/8*2 + QK_K/32},
	IQ3_XXS: {"IQ3_XXS", QK_K, 2 + 3*QK_K/8},
	IQ1_S:   {"IQ1_S", QK_K, 2 + QK_K/8 + QK_K/32*2},
	IQ4_NL:  {"IQ4_NL", 32, 2 + 16},
	IQ3_S:   {"IQ3_S", QK_K, 2 + QK_K/4 + QK_K/32 + QK_K/8 + QK_K/64},
	IQ2_S:   {"IQ2_S", QK_K, 2 + QK_K/4 + QK_K/32 + QK_K/32},
	IQ4_XS:  {"IQ4_XS", QK_K, 2 + 2 + QK_K/64 + QK_K/2},
	I8:      {"I8", 1, 1},
	I16:     {"I16", 1, 2},
	I32:     {"I32", 1, 4},
	I64:     {"I64", 1, 8},
	F64:     {"F64", 1, 8},
	IQ1_M:   {"IQ1_M", QK_K, QK_K/8 + QK_K/16 + QK_K/32},
	BF16:    {"BF16", 1, 2},
	TQ1_0:   {"TQ1_0", QK_K, (QK_K-4*QK_K/64)/5 + QK_K/64 + 2},
	TQ2_0:   {"TQ2_0", QK_K, QK_K/4 + 2},
	MXFP4:   {"MXFP4", 32, 1 + 16},
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
