package gguf

import (
	"fmt"
	"math"
)

// ValueType is the wire type of a metadata value. The numbers are the ones GGUF
// files store.
type ValueType uint32

// The value types. They carry a Type suffix because the unsuffixed names are
// the constructors (String("x"), Uint32(7), …).
const (
	Uint8Type   ValueType = 0
	Int8Type    ValueType = 1
	Uint16Type  ValueType = 2
	Int16Type   ValueType = 3
	Uint32Type  ValueType = 4
	Int32Type   ValueType = 5
	Float32Type ValueType = 6
	BoolType    ValueType = 7
	StringType  ValueType = 8
	ArrayType   ValueType = 9
	Uint64Type  ValueType = 10
	Int64Type   ValueType = 11
	Float64Type ValueType = 12
)

var valueTypeNames = [...]string{
	Uint8Type: "uint8", Int8Type: "int8", Uint16Type: "uint16", Int16Type: "int16",
	Uint32Type: "uint32", Int32Type: "int32", Float32Type: "float32", BoolType: "bool",
	StringType: "string", ArrayType: "array", Uint64Type: "uint64", Int64Type: "int64",
	Float64Type: "float64",
}

// Known reports whether t is one of the thirteen GGUF value types.
func (t ValueType) Known() bool { return t <= Float64Type }

func (t ValueType) String() string {
	if t.Known() {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("valuetype(%d)", uint32(t))
}

// wireSize is the encoded size of one scalar of type t, 0 for strings and
// arrays (variable length).
func (t ValueType) wireSize() int {
	switch t {
	case Uint8Type, Int8Type, BoolType:
		return 1
	case Uint16Type, Int16Type:
		return 2
	case Uint32Type, Int32Type, Float32Type:
		return 4
	case Uint64Type, Int64Type, Float64Type:
		return 8
	}
	return 0
}

// minWireSize is the smallest encoding of one value of type t: what a count
// of t's must be checked against before anything is allocated.
func (t ValueType) minWireSize() int {
	switch t {
	case StringType:
		return 8 // length
	case ArrayType:
		return 4 + 8 // element type + count
	}
	return t.wireSize()
}

func (t ValueType) isUnsigned() bool {
	return t == Uint8Type || t == Uint16Type || t == Uint32Type || t == Uint64Type
}

func (t ValueType) isSigned() bool {
	return t == Int8Type || t == Int16Type || t == Int32Type || t == Int64Type
}

func (t ValueType) isFloat() bool { return t == Float32Type || t == Float64Type }

// Value is one metadata value with its exact wire type, so that writing a
// parsed file back reproduces it byte for byte.
//
// Scalars keep their bits in a uint64. Arrays keep a typed Go slice ([]uint8,
// []int8, []uint16, []int16, []uint32, []int32, []float32, []bool, []string,
// []uint64, []int64, []float64, or []Value for arrays of arrays) so that a
// 128k-entry vocabulary costs one slice, not 128k boxed interfaces.
//
// The zero Value is "not set"; Write rejects it.
type Value struct {
	typ  ValueType
	elem ValueType // element type when typ == ArrayType
	bits uint64    // numbers and bools
	str  string
	arr  any
	set  bool
}

// Type returns the wire type.
func (v Value) Type() ValueType { return v.typ }

// IsSet reports whether v holds a value (the zero Value does not).
func (v Value) IsSet() bool { return v.set }

// ElemType returns the element type of an array (meaningless for scalars).
func (v Value) ElemType() ValueType { return v.elem }

// Len returns the number of elements of an array, 0 for a scalar.
func (v Value) Len() int {
	if v.typ != ArrayType {
		return 0
	}
	switch a := v.arr.(type) {
	case []uint8:
		return len(a)
	case []int8:
		return len(a)
	case []uint16:
		return len(a)
	case []int16:
		return len(a)
	case []uint32:
		return len(a)
	case []int32:
		return len(a)
	case []float32:
		return len(a)
	case []bool:
		return len(a)
	case []string:
		return len(a)
	case []uint64:
		return len(a)
	case []int64:
		return len(a)
	case []float64:
		return len(a)
	case []Value:
		return len(a)
	}
	return 0
}

// Any returns v as a plain Go value: uint8 … float64, bool, string, and []any
// for arrays (nested arrays give nested []any). It boxes every element, so it is
// for display and tests, not for vocabularies.
func (v Value) Any() any {
	if !v.set {
		return nil
	}
	if v.typ == ArrayType {
		n := v.Len()
		out := make([]any, n)
		for i := range n {
			out[i] = v.index(i).Any()
		}
		return out
	}
	switch v.typ {
	case Uint8Type:
		return uint8(v.bits)
	case Int8Type:
		return int8(v.bits)
	case Uint16Type:
		return uint16(v.bits)
	case Int16Type:
		return int16(v.bits)
	case Uint32Type:
		return uint32(v.bits)
	case Int32Type:
		return int32(v.bits)
	case Float32Type:
		return math.Float32frombits(uint32(v.bits))
	case BoolType:
		return v.bits != 0
	case StringType:
		return v.str
	case Uint64Type:
		return v.bits
	case Int64Type:
		return int64(v.bits)
	case Float64Type:
		return math.Float64frombits(v.bits)
	}
	return nil
}

// index returns element i of an array as a Value.
func (v Value) index(i int) Value {
	switch a := v.arr.(type) {
	case []uint8:
		return Uint8(a[i])
	case []int8:
		return Int8(a[i])
	case []uint16:
		return Uint16(a[i])
	case []int16:
		return Int16(a[i])
	case []uint32:
		return Uint32(a[i])
	case []int32:
		return Int32(a[i])
	case []float32:
		return Float32(a[i])
	case []bool:
		return Bool(a[i])
	case []string:
		return String(a[i])
	case []uint64:
		return Uint64(a[i])
	case []int64:
		return Int64(a[i])
	case []float64:
		return Float64(a[i])
	case []Value:
		return a[i]
	}
	return Value{}
}

// Index returns element i of an array; ok is false for a scalar or an index
// out of range.
func (v Value) Index(i int) (Value, bool) {
	if v.typ != ArrayType || i < 0 || i >= v.Len() {
		return Value{}, false
	}
	return v.index(i), true
}

// Equal reports whether v and w have the same wire type and the same bits
// (so NaN equals a NaN with the same payload, and 0.0 differs from -0.0).
func (v Value) Equal(w Value) bool {
	if v.set != w.set || v.typ != w.typ {
		return false
	}
	if v.typ != ArrayType {
		return v.bits == w.bits && v.str == w.str
	}
	if v.elem != w.elem || v.Len() != w.Len() {
		return false
	}
	for i := range v.Len() {
		if !v.index(i).Equal(w.index(i)) {
			return false
		}
	}
	return true
}

// AsString returns a string value.
func (v Value) AsString() (string, bool) {
	if !v.set || v.typ != StringType {
		return "", false
	}
	return v.str, true
}

// AsUint returns an unsigned integer, or a signed one that is not negative.
func (v Value) AsUint() (uint64, bool) {
	if !v.set {
		return 0, false
	}
	switch {
	case v.typ.isUnsigned():
		return v.bits, true
	case v.typ.isSigned():
		if i := v.signed(); i >= 0 {
			return uint64(i), true
		}
	}
	return 0, false
}

// AsInt returns any integer that fits an int64.
func (v Value) AsInt() (int64, bool) {
	if !v.set {
		return 0, false
	}
	switch {
	case v.typ.isSigned():
		return v.signed(), true
	case v.typ.isUnsigned():
		if v.bits <= math.MaxInt64 {
			return int64(v.bits), true
		}
	}
	return 0, false
}

// AsFloat returns any number as a float64.
func (v Value) AsFloat() (float64, bool) {
	if !v.set {
		return 0, false
	}
	switch {
	case v.typ == Float32Type:
		return float64(math.Float32frombits(uint32(v.bits))), true
	case v.typ == Float64Type:
		return math.Float64frombits(v.bits), true
	case v.typ.isSigned():
		return float64(v.signed()), true
	case v.typ.isUnsigned():
		return float64(v.bits), true
	}
	return 0, false
}

// AsBool returns a bool value.
func (v Value) AsBool() (bool, bool) {
	if !v.set || v.typ != BoolType {
		return false, false
	}
	return v.bits != 0, true
}

// signed sign-extends the stored bits of a signed integer.
func (v Value) signed() int64 {
	switch v.typ {
	case Int8Type:
		return int64(int8(v.bits))
	case Int16Type:
		return int64(int16(v.bits))
	case Int32Type:
		return int64(int32(v.bits))
	}
	return int64(v.bits)
}

// AsStrings returns a copy of an array of strings.
func (v Value) AsStrings() ([]string, bool) {
	a, ok := v.arr.([]string)
	if !v.set || v.typ != ArrayType || !ok {
		return nil, false
	}
	return append([]string(nil), a...), true
}

// AsFloat32s returns a numeric array as float32s (a copy).
func (v Value) AsFloat32s() ([]float32, bool) {
	if !v.set || v.typ != ArrayType {
		return nil, false
	}
	if a, ok := v.arr.([]float32); ok {
		return append([]float32(nil), a...), true
	}
	if !v.elem.isFloat() && !v.elem.isSigned() && !v.elem.isUnsigned() {
		return nil, false
	}
	out := make([]float32, v.Len())
	for i := range out {
		f, _ := v.index(i).AsFloat()
		out[i] = float32(f)
	}
	return out, true
}

// AsInt32s returns an integer array as int32s (a copy); ok is false when an
// element does not fit.
func (v Value) AsInt32s() ([]int32, bool) {
	if !v.set || v.typ != ArrayType {
		return nil, false
	}
	if a, ok := v.arr.([]int32); ok {
		return append([]int32(nil), a...), true
	}
	if !v.elem.isSigned() && !v.elem.isUnsigned() {
		return nil, false
	}
	out := make([]int32, v.Len())
	for i := range out {
		x, ok := v.index(i).AsInt()
		if !ok || x < math.MinInt32 || x > math.MaxInt32 {
			return nil, false
		}
		out[i] = int32(x)
	}
	return out, true
}

// AsArrays returns the elements of an array of arrays.
func (v Value) AsArrays() ([]Value, bool) {
	a, ok := v.arr.([]Value)
	if !v.set || v.typ != ArrayType || !ok {
		return nil, false
	}
	return append([]Value(nil), a...), true
}

// Scalar constructors.

func Uint8(x uint8) Value   { return Value{typ: Uint8Type, bits: uint64(x), set: true} }
func Int8(x int8) Value     { return Value{typ: Int8Type, bits: uint64(uint8(x)), set: true} }
func Uint16(x uint16) Value { return Value{typ: Uint16Type, bits: uint64(x), set: true} }
func Int16(x int16) Value   { return Value{typ: Int16Type, bits: uint64(uint16(x)), set: true} }
func Uint32(x uint32) Value { return Value{typ: Uint32Type, bits: uint64(x), set: true} }
func Int32(x int32) Value   { return Value{typ: Int32Type, bits: uint64(uint32(x)), set: true} }
func Uint64(x uint64) Value { return Value{typ: Uint64Type, bits: x, set: true} }
func Int64(x int64) Value   { return Value{typ: Int64Type, bits: uint64(x), set: true} }
func String(s string) Value { return Value{typ: StringType, str: s, set: true} }

func Float32(x float32) Value {
	return Value{typ: Float32Type, bits: uint64(math.Float32bits(x)), set: true}
}

func Float64(x float64) Value {
	return Value{typ: Float64Type, bits: math.Float64bits(x), set: true}
}

func Bool(b bool) Value {
	v := Value{typ: BoolType, set: true}
	if b {
		v.bits = 1
	}
	return v
}

// Array constructors. Each copies its argument, so the caller may reuse it.

func Uint8s(a []uint8) Value     { return array(Uint8Type, a) }
func Int8s(a []int8) Value       { return array(Int8Type, a) }
func Uint16s(a []uint16) Value   { return array(Uint16Type, a) }
func Int16s(a []int16) Value     { return array(Int16Type, a) }
func Uint32s(a []uint32) Value   { return array(Uint32Type, a) }
func Int32s(a []int32) Value     { return array(Int32Type, a) }
func Float32s(a []float32) Value { return array(Float32Type, a) }
func Bools(a []bool) Value       { return array(BoolType, a) }
func Strings(a []string) Value   { return array(StringType, a) }
func Uint64s(a []uint64) Value   { return array(Uint64Type, a) }
func Int64s(a []int64) Value     { return array(Int64Type, a) }
func Float64s(a []float64) Value { return array(Float64Type, a) }

// Arrays makes an array of arrays. Every element must itself be an array
// (their element types may differ, as GGUF allows); Write checks this.
func Arrays(a []Value) Value { return array(ArrayType, a) }

func array[E any](elem ValueType, a []E) Value {
	return Value{typ: ArrayType, elem: elem, arr: append(make([]E, 0, len(a)), a...), set: true}
}

// check reports what is wrong with a Value built by hand (a zero Value, or an
// array of arrays holding a scalar). depth bounds the nesting.
func (v Value) check(depth int) error {
	if !v.set {
		return fmt.Errorf("value not set")
	}
	if !v.typ.Known() {
		return fmt.Errorf("unknown value type %d", uint32(v.typ))
	}
	if v.typ != ArrayType {
		return nil
	}
	if depth >= maxNesting {
		return fmt.Errorf("arrays nested deeper than %d", maxNesting)
	}
	if v.elem == ArrayType {
		elems, _ := v.arr.([]Value)
		for i, e := range elems {
			if e.typ != ArrayType || !e.set {
				return fmt.Errorf("element %d of an array of arrays is a %v", i, e.typ)
			}
			if err := e.check(depth + 1); err != nil {
				return fmt.Errorf("element %d: %w", i, err)
			}
		}
	}
	return nil
}
