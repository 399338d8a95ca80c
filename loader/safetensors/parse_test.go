package safetensors

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// small is a valid two-tensor file written out by hand.
var small = rawFile(
	`{"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},"a":{"dtype":"I16","shape":[1,2],"data_offsets":[0,4]}}  `,
	[]byte{1, 0, 0xff, 0xff, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0})

func TestParseHandWritten(t *testing.T) {
	f, err := Parse("small", small)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Tensors) != 2 || f.Metadata["format"] != "pt" || len(f.Metadata) != 1 {
		t.Fatalf("got %d tensors, metadata %v", len(f.Tensors), f.Metadata)
	}
	// File order is offset order, not header order.
	a, b := f.Tensors[0], f.Tensors[1]
	if a.Name != "a" || a.DType != I16 || !slices.Equal(a.Shape, []int64{1, 2}) || a.NumElements() != 2 {
		t.Errorf("first tensor %+v", a)
	}
	if v := [2]int16{int16(binary.LittleEndian.Uint16(a.Data)), int16(binary.LittleEndian.Uint16(a.Data[2:]))}; v != [2]int16{1, -1} {
		t.Errorf("a = %v, want [1 -1]", v)
	}
	if b.Name != "b" || b.DType != F32 || len(b.Data) != 8 {
		t.Fatalf("second tensor %+v", b)
	}
	if v0, v1 := math.Float32frombits(binary.LittleEndian.Uint32(b.Data)), math.Float32frombits(binary.LittleEndian.Uint32(b.Data[4:])); v0 != 1 || v1 != -2 {
		t.Errorf("b = [%v %v], want [1 -2]", v0, v1)
	}
	if cap(a.Data) != len(a.Data) {
		t.Errorf("Data cap %d > len %d: appending would overwrite the next tensor", cap(a.Data), len(a.Data))
	}
	if q, ok := b.DType.QuantType(); !ok || q.String() != "F32" {
		t.Errorf("F32.QuantType() = %v, %v", q, ok)
	}
}

func TestParseAccepts(t *testing.T) {
	cases := []struct {
		name    string
		file    []byte
		tensors int
	}{
		{"empty header object", rawFile("{}", nil), 0},
		{"padded with JSON whitespace", rawFile("{} \t\r\n", nil), 0},
		{"metadata null", rawFile(`{"__metadata__":null}`, nil), 0},
		{"empty metadata", rawFile(`{"__metadata__":{}}`, nil), 0},
		{"scalar", rawFile(`{"s":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}`, []byte{7}), 1},
		{"zero-size tensors share an offset", rawFile(`{"z2":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"z1":{"dtype":"F64","shape":[3,0],"data_offsets":[0,0]}}`, nil), 2},
		{"zero dim after a huge one", rawFile(`{"z":{"dtype":"F32","shape":[4611686018427387904,0],"data_offsets":[0,0]}}`, nil), 1},
		{"unknown field in a tensor is ignored", rawFile(`{"x":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"extra":[{"k":1}]}}`, []byte{1}), 1},
		{"fields in any order", rawFile(`{"x":{"data_offsets":[0,2],"shape":[2],"dtype":"I8"}}`, []byte{1, 2}), 1},
		{"escaped name", rawFile(`{"a\u00e9\n":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}), 1},
	}
	for _, c := range cases {
		f, err := Parse(c.name, c.file)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(f.Tensors) != c.tensors {
			t.Errorf("%s: %d tensors, want %d", c.name, len(f.Tensors), c.tensors)
		}
		t.Logf("%s: ok, %d tensors", c.name, len(f.Tensors))
	}
	f, _ := Parse("escaped", rawFile(`{"a\u00e9\n":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, []byte{1}))
	if _, ok := f.Tensor("aé\n"); !ok {
		t.Errorf("escaped name not decoded")
	}
}

// TestParseHostile feeds broken files; each must fail with an error that
// names the file and says what is wrong.
func TestParseHostile(t *testing.T) {
	header := func(n uint64, rest string) []byte {
		return append(binary.LittleEndian.AppendUint64(nil, n), rest...)
	}
	one := func(info string, data []byte) []byte { return rawFile(`{"t":`+info+`}`, data) }
	four := make([]byte, 4)
	cases := []struct {
		name    string
		file    []byte
		wantErr string
	}{
		{"empty file", nil, "too short"},
		{"header length 2^60", header(1<<60, "{}"), "over the limit"},
		{"header length 2^64-1", header(math.MaxUint64, "{}"), "over the limit"},
		{"header length just over the limit", header(maxHeaderBytes+1, "{}"), "over the limit"},
		{"header length past end of file", header(100, "{}"), "past end of file"},
		{"empty header", rawFile("", nil), "does not start with '{'"},
		{"not JSON", rawFile(`{"t":`, nil), "not valid JSON"},
		{"JSON array", rawFile(`[]`, nil), "does not start with '{'"},
		{"leading space", rawFile(` {}`, nil), "does not start with '{'"},
		{"trailing garbage", rawFile(`{} x`, nil), "not valid JSON"},
		{"two objects", rawFile(`{}{}`, nil), "not valid JSON"},
		{"NUL padding", rawFile("{}\x00\x00", nil), "not valid JSON"},
		{"invalid UTF-8", rawFile("{\"\xff\":1}", nil), "UTF-8"},
		{"tensor not an object", one(`[1]`, nil), "want an object"},
		{"unknown dtype", one(`{"dtype":"F7","shape":[1],"data_offsets":[0,4]}`, four), `unknown dtype "F7"`},
		{"dtype is case-sensitive", one(`{"dtype":"f32","shape":[1],"data_offsets":[0,4]}`, four), `unknown dtype "f32"`},
		{"dtype not a string", one(`{"dtype":4,"shape":[1],"data_offsets":[0,4]}`, four), "dtype: want a string"},
		{"negative shape", one(`{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}`, four), "shape: -1 is not"},
		{"float shape", one(`{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}`, four), "shape: 1.0 is not"},
		{"exponent shape", one(`{"dtype":"F32","shape":[1e0],"data_offsets":[0,4]}`, four), "shape: 1e0 is not"},
		{"shape past int64", one(`{"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,4]}`, four), "is not a non-negative 64-bit integer"},
		{"shape not an array", one(`{"dtype":"F32","shape":4,"data_offsets":[0,4]}`, four), "shape: want"},
		{"nested shape", one(`{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}`, four), "shape: want a non-negative integer"},
		{"string in shape", one(`{"dtype":"F32","shape":["1"],"data_offsets":[0,4]}`, four), "shape: want a non-negative integer"},
		{"missing dtype", one(`{"shape":[1],"data_offsets":[0,4]}`, four), "missing dtype"},
		{"missing shape", one(`{"dtype":"F32","data_offsets":[0,4]}`, four), "missing shape"},
		{"missing offsets", one(`{"dtype":"F32","shape":[1]}`, four), "missing data_offsets"},
		{"field given twice", one(`{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}`, four), "dtype given twice"},
		{"three offsets", one(`{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}`, four), "want [begin, end]"},
		{"negative offset", one(`{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}`, four), "data_offsets: -4 is not"},
		{"offsets past end of data", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,8]}`, four), `tensor "t": data_offsets [0,8] past end of the 4-byte data buffer`},
		{"end before begin", one(`{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"u":{"dtype":"U8","shape":[0],"data_offsets":[4,3]}`, four), `tensor "u": data_offsets [4,3] end before they begin`},
		{"first tensor not at 0", one(`{"dtype":"F32","shape":[1],"data_offsets":[4,8]}`, make([]byte, 8)), `tensor "t": data_offsets [4,8]: the first tensor must begin at 0`},
		{"gap", rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}}`, make([]byte, 5)), `tensor "b": data_offsets [3,5] leave a gap after the previous tensor, which ends at 2`},
		{"overlap", rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, make([]byte, 3)), `tensor "b": data_offsets [1,3] overlap the previous tensor, which ends at 2`},
		{"same range twice", rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, make([]byte, 2)), `tensor "b": data_offsets [0,2] overlap`},
		{"size mismatch", one(`{"dtype":"F32","shape":[2],"data_offsets":[0,4]}`, four), `tensor "t": data_offsets [0,4] hold 4 bytes, but F32 [2] needs 8`},
		{"element count overflow", one(`{"dtype":"U8","shape":[4294967296,4294967296,0],"data_offsets":[0,0]}`, nil), "element count overflows"},
		{"byte size overflow", one(`{"dtype":"F64","shape":[4611686018427387904],"data_offsets":[0,0]}`, nil), "size overflows"},
		{"data after the last tensor", one(`{"dtype":"F32","shape":[1],"data_offsets":[0,4]}`, make([]byte, 5)), "data buffer is 5 bytes but the tensors end at 4"},
		{"data but no tensors", rawFile(`{}`, four), "data buffer is 4 bytes but the tensors end at 0"},
		{"duplicate name", rawFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, make([]byte, 2)), `tensor "a": name given twice`},
		{"duplicate metadata", rawFile(`{"__metadata__":{},"__metadata__":{}}`, nil), "__metadata__ given twice"},
		{"duplicate metadata key", rawFile(`{"__metadata__":{"k":"1","k":"2"}}`, nil), `key "k" given twice`},
		{"non-string metadata value", rawFile(`{"__metadata__":{"k":1}}`, nil), `__metadata__: key "k": value must be a string, got number 1`},
		{"nested metadata value", rawFile(`{"__metadata__":{"k":{"x":"y"}}}`, nil), `value must be a string, got an object`},
		{"metadata array", rawFile(`{"__metadata__":["k"]}`, nil), "want an object of strings"},
		{"metadata string", rawFile(`{"__metadata__":"pt"}`, nil), "want an object of strings"},
	}
	for _, c := range cases {
		f, err := Parse("bad.safetensors", c.file)
		if err == nil {
			t.Errorf("%s: parsed (%d tensors), want error containing %q", c.name, len(f.Tensors), c.wantErr)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "safetensors bad.safetensors: ") || !strings.Contains(msg, c.wantErr) {
			t.Errorf("%s: error %q, want one naming the file and containing %q", c.name, msg, c.wantErr)
			continue
		}
		t.Logf("%s: %s", c.name, msg)
	}
}

func TestParseEveryPrefix(t *testing.T) {
	for n := 0; n < len(small); n++ {
		if _, err := Parse("prefix", small[:n]); err == nil {
			t.Errorf("prefix of %d/%d bytes parsed", n, len(small))
		}
	}
	if _, err := Parse("whole", small); err != nil {
		t.Fatalf("whole file: %v", err)
	}
	t.Logf("all %d proper prefixes rejected", len(small))
}

func TestDType(t *testing.T) {
	sizes := map[DType]int{
		F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1,
		U8: 1, U16: 2, U32: 4, U64: 8, BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
		"F7": 0, "": 0, "f32": 0,
	}
	for d, want := range sizes {
		if got := d.Size(); got != want {
			t.Errorf("%q.Size() = %d, want %d", d, got, want)
		}
	}
	// The ggml names are the same words; the byte sizes must agree too.
	for _, d := range []DType{F32, F16, BF16, F64, I64, I32, I16, I8} {
		q, ok := d.QuantType()
		if !ok || q.String() != string(d) {
			t.Errorf("%s.QuantType() = %v, %v", d, q, ok)
			continue
		}
		if n, err := q.Bytes(3); err != nil || n != int64(3*d.Size()) {
			t.Errorf("%s: ggml size of 3 elements %d, %v; want %d", d, n, err, 3*d.Size())
		}
	}
	for _, d := range []DType{U8, U16, U32, U64, BOOL, F8_E4M3, F8_E5M2, "F7"} {
		if q, ok := d.QuantType(); ok {
			t.Errorf("%s.QuantType() = %v, want none", d, q)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := Open(t.TempDir() + "/absent.safetensors"); err == nil || !strings.Contains(err.Error(), "absent.safetensors") {
		t.Errorf("missing file: %v", err)
	}
}

// Floats and Ints decode little-endian values worked out by hand.
func TestDecodeValues(t *testing.T) {
	f32 := &Tensor{Name: "f", DType: F32, Data: []byte{0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0}} // 1, -2
	if v, err := f32.Floats(); err != nil || len(v) != 2 || v[0] != 1 || v[1] != -2 {
		t.Errorf("Floats = %v, %v; want [1 -2]", v, err)
	}
	cases := []struct {
		dt   DType
		data []byte
		want []int64
	}{
		{I64, []byte{0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 5, 0, 0, 0, 0, 0, 0, 0}, []int64{-2, 5}},
		{I32, []byte{0xff, 0xff, 0xff, 0xff, 0, 1, 0, 0}, []int64{-1, 256}},
		{I16, []byte{0x00, 0x80}, []int64{-32768}},
		{I8, []byte{0x7f, 0x80}, []int64{127, -128}},
	}
	for _, c := range cases {
		v, err := (&Tensor{Name: "i", DType: c.dt, Data: c.data}).Ints()
		if err != nil || len(v) != len(c.want) {
			t.Errorf("%s: Ints = %v, %v; want %v", c.dt, v, err, c.want)
			continue
		}
		for i := range v {
			if v[i] != c.want[i] {
				t.Errorf("%s: Ints = %v; want %v", c.dt, v, c.want)
				break
			}
		}
	}
	if _, err := (&Tensor{Name: "u", DType: U8, Data: []byte{1}}).Ints(); err == nil {
		t.Error("Ints of U8: no error")
	}
	if _, err := (&Tensor{Name: "x", DType: I64}).Floats(); err == nil {
		t.Error("Floats of I64: no error")
	}
}
