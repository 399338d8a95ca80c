package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

// f32s encodes float32 values little-endian.
func f32s(vs ...float32) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
	}
	return b
}

// The expected bytes below are written out by hand from the format: they are
// what the reference writer produces for the same input (sorted keys, compact
// JSON, spaces to a multiple of 8).
func TestWriteKnownBytes(t *testing.T) {
	cases := []struct {
		name    string
		tensors []WriterTensor
		meta    map[string]string
		want    []byte
	}{
		{
			name: "empty",
			want: rawFile("{}      ", nil),
		},
		{
			name: "metadata only",
			meta: map[string]string{"framework": "pt"},
			want: rawFile(`{"__metadata__":{"framework":"pt"}}     `, nil),
		},
		{
			name:    "one f32 tensor, header already a multiple of 8",
			tensors: []WriterTensor{{Name: "attn.0", DType: F32, Shape: []int64{1, 2, 3}, Data: f32s(0, 1, 2, 3, 4, 5)}},
			want:    rawFile(`{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}`, f32s(0, 1, 2, 3, 4, 5)),
		},
		{
			name:    "one f32 tensor, padded",
			tensors: []WriterTensor{{Name: "attn0", DType: F32, Shape: []int64{1, 1, 2, 3}, Data: f32s(0, 1, 2, 3, 4, 5)}},
			want:    rawFile(`{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       `, f32s(0, 1, 2, 3, 4, 5)),
		},
		{
			name: "sorted by name, metadata first and sorted, scalar and empty tensors",
			tensors: []WriterTensor{
				{Name: "b", DType: I8, Shape: []int64{3}, Data: []byte{1, 2, 3}},
				{Name: "a", DType: U16, Shape: []int64{}, Data: []byte{9, 8}},
				{Name: "c", DType: F64, Shape: []int64{0, 4}, Data: nil},
			},
			meta: map[string]string{"z": "1", "a": "2"},
			want: rawFile(`{"__metadata__":{"a":"2","z":"1"},`+
				`"a":{"dtype":"U16","shape":[],"data_offsets":[0,2]},`+
				`"b":{"dtype":"I8","shape":[3],"data_offsets":[2,5]},`+
				`"c":{"dtype":"F64","shape":[0,4],"data_offsets":[5,5]}}       `,
				[]byte{9, 8, 1, 2, 3}),
		},
		{
			name:    "escaping like serde_json: quote, backslash, controls; <>& and UTF-8 as is",
			tensors: []WriterTensor{{Name: "q\"b\\s\n\t\x01\x1f<&>é\x7f", DType: BOOL, Shape: []int64{1}, Data: []byte{1}}},
			want:    rawFile(`{"q\"b\\s\n\t\u0001\u001f<&>é`+"\x7f"+`":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}}     `, []byte{1}),
		},
	}
	for _, c := range cases {
		got := encode(t, c.tensors, c.meta)
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
			continue
		}
		f, err := Parse(c.name, got)
		if err != nil {
			t.Errorf("%s: parse back: %v", c.name, err)
			continue
		}
		var want []Tensor
		for _, w := range c.tensors {
			want = append(want, Tensor{Name: w.Name, DType: w.DType, Shape: w.Shape, Data: w.Data})
		}
		if err := sameTensors(want, f.Tensors); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		if err := sameMetadata(c.meta, f.Metadata); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
		t.Logf("%s: %d bytes, %d tensors", c.name, len(got), len(f.Tensors))
	}
}

// Every dtype with values that exercise all bytes, plus metadata, survives
// write → parse bit for bit.
func TestSyntheticRoundTrip(t *testing.T) {
	var in []WriterTensor
	var want []Tensor
	for i, d := range []DType{F32, F16, BF16, F64, I64, I32, I16, I8, U8, U16, U32, U64, BOOL, F8_E4M3, F8_E5M2} {
		shape := []int64{2, int64(i + 1)}
		data := make([]byte, 2*(i+1)*d.Size())
		for j := range data {
			data[j] = byte(j*37 + i*11 + 255)
		}
		name := "layer." + strings.ToLower(string(d))
		in = append(in, WriterTensor{Name: name, DType: d, Shape: shape, Data: data})
		want = append(want, Tensor{Name: name, DType: d, Shape: shape, Data: data})
	}
	meta := map[string]string{"format": "pt", "note": "ünïcode \"quoted\"\n", "": "empty key"}
	f, err := Parse("synthetic", encode(t, in, meta))
	if err != nil {
		t.Fatal(err)
	}
	if err := sameTensors(want, f.Tensors); err != nil {
		t.Fatal(err)
	}
	if err := sameMetadata(meta, f.Metadata); err != nil {
		t.Fatal(err)
	}
	// Tensors come back in file order, which Write makes name order.
	for i := 1; i < len(f.Tensors); i++ {
		if f.Tensors[i-1].Name >= f.Tensors[i].Name {
			t.Errorf("tensor %d %q not after %q", i, f.Tensors[i].Name, f.Tensors[i-1].Name)
		}
	}
	for _, w := range want {
		if got, ok := f.Tensor(w.Name); !ok || got.DType != w.DType {
			t.Errorf("Tensor(%q) = %v, %v", w.Name, got, ok)
		}
	}
	if _, ok := f.Tensor("absent"); ok {
		t.Error("Tensor(absent) found something")
	}
	t.Logf("%d dtypes round-tripped", len(want))
}

func TestWriteRejects(t *testing.T) {
	ok := WriterTensor{Name: "x", DType: F32, Shape: []int64{2}, Data: make([]byte, 8)}
	cases := []struct {
		name    string
		tensors []WriterTensor
		meta    map[string]string
		wantErr string
	}{
		{"short data", []WriterTensor{{Name: "x", DType: F32, Shape: []int64{3}, Data: make([]byte, 8)}}, nil, "needs 12"},
		{"unknown dtype", []WriterTensor{{Name: "x", DType: "F7", Shape: []int64{2}, Data: make([]byte, 8)}}, nil, "unknown dtype"},
		{"negative dim", []WriterTensor{{Name: "x", DType: F32, Shape: []int64{-2}, Data: nil}}, nil, "negative"},
		{"overflow", []WriterTensor{{Name: "x", DType: F32, Shape: []int64{1 << 62}, Data: nil}}, nil, "overflow"},
		{"duplicate", []WriterTensor{ok, ok}, nil, "twice"},
		{"reserved name", []WriterTensor{{Name: "__metadata__", DType: U8, Shape: []int64{0}}}, nil, "reserved"},
		{"bad utf-8 name", []WriterTensor{{Name: "\xff", DType: U8, Shape: []int64{0}}}, nil, "UTF-8"},
		{"bad utf-8 metadata", nil, map[string]string{"k": "\xfe"}, "UTF-8"},
	}
	for _, c := range cases {
		var buf bytes.Buffer
		err := Write(&buf, c.tensors, c.meta)
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.wantErr)
			continue
		}
		if buf.Len() != 0 {
			t.Errorf("%s: wrote %d bytes before failing", c.name, buf.Len())
		}
		t.Logf("%s: %v", c.name, err)
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestWritePassesWriterErrors(t *testing.T) {
	ts := []WriterTensor{{Name: "x", DType: U8, Shape: []int64{1}, Data: []byte{1}}}
	for n := 0; n < 3; n++ {
		if err := Write(&failWriter{n: n}, ts, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("failing after %d writes: error %v", n, err)
		}
	}
}
