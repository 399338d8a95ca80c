package gguf

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/narallm/nara/quant"
)

// The smallest useful file, its bytes written out by hand from the format.
func TestWriteExactBytes(t *testing.T) {
	got := mustWrite(t, []KV{{"a", Uint8(7)}},
		[]WriterTensor{{Name: "t", Type: quant.F32, Dims: []uint64{1}, Data: []byte{1, 2, 3, 4}}}, 32)
	want := "47475546" + "03000000" + // magic, version 3
		"0100000000000000" + "0100000000000000" + // 1 tensor, 1 kv
		"0100000000000000" + "61" + "00000000" + "07" + // "a": uint8 7
		"0100000000000000" + "74" + "01000000" + "0100000000000000" + "00000000" + "0000000000000000" + // "t": 1 dim [1], F32, offset 0
		strings.Repeat("00", 96-71) + // header (71 bytes) padded to 96
		"01020304" + strings.Repeat("00", 28) // data padded to 32
	if h := hex.EncodeToString(got); h != want {
		t.Fatalf("wrote\n%s\nwant\n%s", h, want)
	}
}

// everyValue has one KV of every scalar type, an array of every element type,
// empty arrays, and arrays of arrays (mixed element types, and three deep).
func everyValue() []KV {
	return []KV{
		{"u8", Uint8(200)}, {"i8", Int8(-100)}, {"u16", Uint16(60000)}, {"i16", Int16(-30000)},
		{"u32", Uint32(4000000000)}, {"i32", Int32(-2000000000)}, {"f32", Float32(-1.5)},
		{"bool", Bool(true)}, {"false", Bool(false)}, {"str", String("héllo\x00world")}, {"empty", String("")},
		{"u64", Uint64(math.MaxUint64)}, {"i64", Int64(math.MinInt64)}, {"f64", Float64(math.Pi)},
		{"nan", Float32(float32(math.NaN()))},
		{"a.u8", Uint8s([]uint8{0, 255})}, {"a.i8", Int8s([]int8{-128, 127})},
		{"a.u16", Uint16s([]uint16{1, 65535})}, {"a.i16", Int16s([]int16{-1, 2})},
		{"a.u32", Uint32s([]uint32{3, 4000000000})}, {"a.i32", Int32s([]int32{-5, 6})},
		{"a.f32", Float32s([]float32{0.25, float32(math.Inf(-1))})}, {"a.bool", Bools([]bool{true, false, true})},
		{"a.str", Strings([]string{"<s>", "", "▁the"})}, {"a.u64", Uint64s([]uint64{7, math.MaxUint64})},
		{"a.i64", Int64s([]int64{-8, math.MaxInt64})}, {"a.f64", Float64s([]float64{1e-300, -0.0})},
		{"a.empty", Strings(nil)},
		{"a.nested", Arrays([]Value{Strings([]string{"x", "y"}), Int32s([]int32{1}), Arrays(nil), Float64s(nil)})},
		{"a.deep", Arrays([]Value{Arrays([]Value{Arrays([]Value{Bools([]bool{true})})})})},
	}
}

func everyTensor() []WriterTensor {
	return []WriterTensor{
		{Name: "f32", Type: quant.F32, Dims: []uint64{3, 2}, Data: seq(24)},
		{Name: "q8", Type: quant.Q8_0, Dims: []uint64{64}, Data: seq(68)},
		{Name: "empty", Type: quant.F16, Dims: []uint64{0, 5}},
		{Name: "q4k", Type: quant.Q4_K, Dims: []uint64{256, 1, 1, 1}, WriteTo: func(w io.Writer) error {
			// Two writes, to check that a callback may write in pieces.
			if _, err := w.Write(seq(100)); err != nil {
				return err
			}
			_, err := w.Write(seq(44))
			return err
		}},
		{Name: "scalar", Type: quant.I32, Dims: nil, Data: []byte{9, 0, 0, 0}},
	}
}

// write → parse gives back what was written; parse → write gives the same
// bytes.
func TestWriteParseWrite(t *testing.T) {
	for _, alignment := range []uint64{32, 64, 1} {
		kvs, ts := everyValue(), everyTensor()
		first := mustWrite(t, kvs, ts, alignment)
		f := mustParse(t, "synthetic", first)
		if f.Alignment != alignment {
			t.Errorf("alignment %d, want %d", f.Alignment, alignment)
		}
		wantKVs := len(kvs)
		if alignment != DefaultAlignment {
			wantKVs++ // general.alignment appended
			if a, ok := f.Uint(AlignmentKey); !ok || a != alignment {
				t.Errorf("general.alignment %d %v", a, ok)
			}
		}
		if len(f.KVs) != wantKVs {
			t.Fatalf("%d kvs, want %d", len(f.KVs), wantKVs)
		}
		for i, kv := range kvs {
			if f.KVs[i].Key != kv.Key || !f.KVs[i].Value.Equal(kv.Value) {
				t.Errorf("kv %d: got %q=%v, wrote %q=%v", i, f.KVs[i].Key, f.KVs[i].Value.Any(), kv.Key, kv.Value.Any())
			}
		}
		var offset uint64
		for i, w := range ts {
			g := f.Tensors[i]
			want := w.Data
			if w.WriteTo != nil {
				want = append(seq(100), seq(44)...)
			}
			if g.Name != w.Name || g.Type != w.Type || len(g.Dims) != len(w.Dims) || !bytes.Equal(g.Data, want) {
				t.Errorf("tensor %d: got %q %v %v %d bytes", i, g.Name, g.Type, g.Dims, len(g.Data))
			}
			if g.Offset != offset {
				t.Errorf("tensor %q: offset %d, want %d", g.Name, g.Offset, offset)
			}
			offset += (uint64(len(want)) + alignment - 1) / alignment * alignment
		}
		if f.DataOffset+offset != uint64(len(first)) {
			t.Errorf("file is %d bytes, want data at %d + %d", len(first), f.DataOffset, offset)
		}
		second := mustWrite(t, f.KVs, f.WriterTensors(), f.Alignment)
		if !bytes.Equal(first, second) {
			t.Errorf("alignment %d: rewrite differs", alignment)
		}
		t.Logf("alignment %d: %d bytes, %d kvs, %d tensors round trip", alignment, len(first), len(f.KVs), len(f.Tensors))
	}
}

// An existing general.alignment is updated in place, not duplicated.
func TestWriteAlignmentKV(t *testing.T) {
	kvs := []KV{{"x", Uint8(1)}, {AlignmentKey, Uint32(32)}, {"y", Uint8(2)}}
	f := mustParse(t, "a", mustWrite(t, kvs, everyTensor(), 128))
	if len(f.KVs) != 3 || f.KVs[1].Key != AlignmentKey || f.Alignment != 128 {
		t.Fatalf("kvs %v, alignment %d", f.KVs, f.Alignment)
	}
	if kvs[1].Value.bits != 32 {
		t.Error("Write modified the caller's kvs")
	}
	for _, ti := range f.Tensors {
		if ti.Offset%128 != 0 || f.DataOffset%128 != 0 {
			t.Errorf("tensor %q at %d+%d", ti.Name, f.DataOffset, ti.Offset)
		}
	}
}

func TestWriteErrors(t *testing.T) {
	ok := WriterTensor{Name: "t", Type: quant.F32, Dims: []uint64{2}, Data: seq(8)}
	boom := errors.New("boom")
	cases := []struct {
		name      string
		kvs       []KV
		ts        []WriterTensor
		alignment uint64
		want      string
	}{
		{"alignment 3", nil, nil, 3, "alignment 3"},
		{"alignment 2^33", nil, nil, 1 << 33, "alignment 8589934592"},
		{"duplicate key", []KV{{"a", Uint8(1)}, {"a", Uint8(2)}}, nil, 32, `kv 1 ("a"): duplicate key`},
		{"unset value", []KV{{"a", Value{}}}, nil, 32, `kv 0 ("a"): value not set`},
		{"scalar in array of arrays", []KV{{"a", Arrays([]Value{Uint8(1)})}}, nil, 32, `kv 0 ("a"): element 0`},
		{"duplicate tensor", nil, []WriterTensor{ok, ok}, 32, `tensor "t": duplicate name`},
		{"unknown type", nil, []WriterTensor{{Name: "u", Type: 99, Dims: []uint64{1}, Data: seq(4)}}, 32, `tensor "u": unknown type 99`},
		{"short data", nil, []WriterTensor{{Name: "s", Type: quant.F32, Dims: []uint64{3}, Data: seq(8)}}, 32, `tensor "s": Data holds 8 bytes`},
		{"partial block", nil, []WriterTensor{{Name: "p", Type: quant.Q4_0, Dims: []uint64{16}, Data: seq(9)}}, 32, `tensor "p": dims [16]`},
		{"overflow", nil, []WriterTensor{{Name: "o", Type: quant.F32, Dims: []uint64{1 << 40, 1 << 40}}}, 32, `tensor "o": dims`},
		{"both", nil, []WriterTensor{{Name: "b", Type: quant.F32, Dims: []uint64{1}, Data: seq(4),
			WriteTo: func(io.Writer) error { return nil }}}, 32, `tensor "b": both Data and WriteTo`},
		{"callback short", nil, []WriterTensor{{Name: "c", Type: quant.F32, Dims: []uint64{4},
			WriteTo: func(w io.Writer) error { _, err := w.Write(seq(15)); return err }}}, 32, `tensor "c": callback wrote 15 bytes, want 16`},
		{"callback long", nil, []WriterTensor{{Name: "c", Type: quant.F32, Dims: []uint64{4},
			WriteTo: func(w io.Writer) error { _, err := w.Write(seq(17)); return err }}}, 32, `tensor "c": callback wrote more`},
		{"callback error", nil, []WriterTensor{{Name: "c", Type: quant.F32, Dims: []uint64{4},
			WriteTo: func(w io.Writer) error { return boom }}}, 32, `tensor "c": boom`},
	}
	for _, c := range cases {
		err := Write(io.Discard, c.kvs, c.ts, c.alignment)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// Typed getters convert where the value fits and refuse where it does not.
func TestGetters(t *testing.T) {
	f := mustParse(t, "getters", mustWrite(t, everyValue(), nil, 32))
	if s, ok := f.String("str"); !ok || s != "héllo\x00world" {
		t.Errorf("String: %q %v", s, ok)
	}
	if _, ok := f.String("u8"); ok {
		t.Error("String of a uint8")
	}
	if _, ok := f.String("missing"); ok {
		t.Error("String of a missing key")
	}
	for key, want := range map[string]uint64{"u8": 200, "u16": 60000, "u32": 4000000000, "u64": math.MaxUint64} {
		if x, ok := f.Uint(key); !ok || x != want {
			t.Errorf("Uint(%s) = %d %v, want %d", key, x, ok, want)
		}
	}
	for _, key := range []string{"i8", "i16", "i32", "i64", "f32", "bool", "str"} {
		if x, ok := f.Uint(key); ok {
			t.Errorf("Uint(%s) = %d for a negative or non-integer value", key, x)
		}
	}
	for key, want := range map[string]int64{"i8": -100, "i16": -30000, "i32": -2000000000, "i64": math.MinInt64, "u32": 4000000000} {
		if x, ok := f.Int(key); !ok || x != want {
			t.Errorf("Int(%s) = %d %v, want %d", key, x, ok, want)
		}
	}
	if x, ok := f.Int("u64"); ok {
		t.Errorf("Int of MaxUint64 = %d", x)
	}
	for key, want := range map[string]float64{"f32": -1.5, "f64": math.Pi, "i16": -30000, "u8": 200} {
		if x, ok := f.Float(key); !ok || x != want {
			t.Errorf("Float(%s) = %v %v, want %v", key, x, ok, want)
		}
	}
	if _, ok := f.Float("str"); ok {
		t.Error("Float of a string")
	}
	if b, ok := f.Bool("bool"); !ok || !b {
		t.Errorf("Bool: %v %v", b, ok)
	}
	if b, ok := f.Bool("false"); !ok || b {
		t.Errorf("Bool(false): %v %v", b, ok)
	}
	if _, ok := f.Bool("u8"); ok {
		t.Error("Bool of a uint8")
	}
	if s, ok := f.Strings("a.str"); !ok || !reflect.DeepEqual(s, []string{"<s>", "", "▁the"}) {
		t.Errorf("Strings: %q %v", s, ok)
	}
	if s, ok := f.Strings("a.empty"); !ok || len(s) != 0 {
		t.Errorf("Strings of an empty array: %q %v", s, ok)
	}
	if _, ok := f.Strings("a.u8"); ok {
		t.Error("Strings of a uint8 array")
	}
	if x, ok := f.Float32s("a.f32"); !ok || !reflect.DeepEqual(x, []float32{0.25, float32(math.Inf(-1))}) {
		t.Errorf("Float32s: %v %v", x, ok)
	}
	if x, ok := f.Float32s("a.i16"); !ok || !reflect.DeepEqual(x, []float32{-1, 2}) {
		t.Errorf("Float32s of int16s: %v %v", x, ok)
	}
	if _, ok := f.Float32s("a.str"); ok {
		t.Error("Float32s of strings")
	}
	if x, ok := f.Int32s("a.i32"); !ok || !reflect.DeepEqual(x, []int32{-5, 6}) {
		t.Errorf("Int32s: %v %v", x, ok)
	}
	if x, ok := f.Int32s("a.u8"); !ok || !reflect.DeepEqual(x, []int32{0, 255}) {
		t.Errorf("Int32s of uint8s: %v %v", x, ok)
	}
	if x, ok := f.Int32s("a.u32"); ok {
		t.Errorf("Int32s of uint32s past MaxInt32: %v", x)
	}
	if _, ok := f.Int32s("a.f32"); ok {
		t.Error("Int32s of floats")
	}
	// Returned slices are copies.
	s, _ := f.Strings("a.str")
	s[0] = "changed"
	if again, _ := f.Strings("a.str"); again[0] != "<s>" {
		t.Error("Strings returned the stored slice")
	}
	v, _ := f.Get("a.nested")
	want := []any{[]any{"x", "y"}, []any{int32(1)}, []any{}, []any{}}
	if got := v.Any(); !reflect.DeepEqual(got, want) {
		t.Errorf("Any of nested arrays: %#v", got)
	}
	if v.Type() != ArrayType || v.ElemType() != ArrayType || v.Len() != 4 {
		t.Errorf("nested: %v of %v × %d", v.Type(), v.ElemType(), v.Len())
	}
	inner, _ := v.AsArrays()
	if inner[1].ElemType() != Int32Type || inner[3].ElemType() != Float64Type {
		t.Errorf("inner element types %v %v", inner[1].ElemType(), inner[3].ElemType())
	}
	if x, _ := f.Get("i8"); x.Any() != int8(-100) {
		t.Errorf("Any of int8: %#v", x.Any())
	}
	if ti, ok := f.Tensor("missing"); ok || ti != nil {
		t.Error("Tensor of a missing name")
	}
}

func TestValueEqual(t *testing.T) {
	nan := Float32(float32(math.NaN()))
	cases := []struct {
		a, b Value
		want bool
	}{
		{Uint32(1), Uint32(1), true},
		{Uint32(1), Int32(1), false}, // same number, different wire type
		{nan, nan, true},
		{Float64(0), Float64(math.Copysign(0, -1)), false},
		{Strings([]string{"a"}), Strings([]string{"a"}), true},
		{Strings(nil), Uint8s(nil), false}, // empty arrays differ by element type
		{Arrays([]Value{Int8s([]int8{1})}), Arrays([]Value{Int8s([]int8{2})}), false},
		{Value{}, Uint8(0), false},
	}
	for i, c := range cases {
		if got := c.a.Equal(c.b); got != c.want {
			t.Errorf("case %d: Equal = %v", i, got)
		}
	}
}
