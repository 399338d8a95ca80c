package gguf

import (
	"io"
	"strings"
	"testing"

	"github.com/narallm/nara/quant"
)

func TestSmallFileParses(t *testing.T) {
	data := smallFile()
	f := mustParse(t, "small", data)
	if f.Version != 3 || f.Alignment != 32 || len(f.KVs) != 4 || len(f.Tensors) != 2 {
		t.Fatalf("v%d alignment %d, %d kvs, %d tensors; want v3, 32, 4, 2", f.Version, f.Alignment, len(f.KVs), len(f.Tensors))
	}
	// Header 24 + KVs 45+33+73+59 + tensor infos 33+41 = 308 bytes → data at 320.
	if f.DataOffset != 320 {
		t.Errorf("DataOffset %d, want 320", f.DataOffset)
	}
	b, _ := f.Tensor("b")
	a, _ := f.Tensor("a")
	if b.Type != quant.Q8_0 || len(b.Data) != 34 || b.Data[0] != 1 || b.Data[33] != 34 {
		t.Errorf("tensor b: %v, %d bytes", b.Type, len(b.Data))
	}
	if a.Type != quant.F32 || a.Offset != 64 || len(a.Data) != 32 || &a.Data[0] != &data[320+64] {
		t.Errorf("tensor a: %v at %d, %d bytes, not a view of the input", a.Type, a.Offset, len(a.Data))
	}
	if a.Elements() != 8 || len(a.Dims) != 2 || a.Dims[0] != 4 || a.Dims[1] != 2 {
		t.Errorf("tensor a dims %v", a.Dims)
	}
}

// Every proper prefix of a valid file is an error, never a panic.
func TestTruncated(t *testing.T) {
	data := smallFile()
	for n := range len(data) {
		if f, err := Parse("cut", data[:n:n]); err == nil {
			t.Fatalf("prefix of %d/%d bytes parsed: %d kvs, %d tensors", n, len(data), len(f.KVs), len(f.Tensors))
		}
	}
	t.Logf("%d prefixes rejected", len(data))
}

func TestHostile(t *testing.T) {
	const huge = 1 << 60
	cases := []struct {
		name string
		data []byte
		want []string // substrings the error must contain
	}{
		{"empty", nil, []string{"not a GGUF file"}},
		{"wrong magic", append([]byte("GGML"), header(0, 0).b[4:]...), []string{"magic", `"GGML"`}},
		{"v1", (&enc{b: []byte("GGUF")}).u32(1).u32(0).u32(0).b, []string{"GGUF v1 is not supported"}},
		{"big-endian", (&enc{b: []byte("GGUF")}).raw(0, 0, 0, 3).raw(make([]byte, 16)...).b, []string{"big-endian"}},
		{"version 4", (&enc{b: []byte("GGUF")}).u32(4).u64(0).u64(0).b, []string{"unsupported GGUF version 4"}},
		{"no counts", []byte("GGUF\x03\x00\x00\x00"), []string{"tensor count"}},
		{"huge kv count", header(0, 1<<63).b, []string{"kv count 9223372036854775808"}},
		{"huge tensor count", header(1<<40, 0).b, []string{"tensor count 1099511627776"}},
		{"tensor count beyond metadata", header(1, 1).str("s").u32(uint32(StringType)).str(strings.Repeat("x", 40)).b,
			[]string{"tensor count 1", "after the metadata"}},
		{"huge key length", header(0, 1).u64(huge).raw(make([]byte, 16)...).b, []string{"kv 0: key", "string length 1152921504606846976"}},
		{"huge string value", header(0, 1).str("name").u32(uint32(StringType)).u64(huge).b,
			[]string{`kv 0 ("name")`, "string length 1152921504606846976"}},
		{"huge array count", header(0, 1).str("arr").u32(uint32(ArrayType)).u32(uint32(Uint32Type)).u64(1 << 62).u32(1).b,
			[]string{`kv 0 ("arr")`, "array count 4611686018427387904"}},
		{"huge string array count", header(0, 1).str("toks").u32(uint32(ArrayType)).u32(uint32(StringType)).u64(1 << 40).str("x").b,
			[]string{`kv 0 ("toks")`, "array count 1099511627776"}},
		{"huge string in array", header(0, 1).str("toks").u32(uint32(ArrayType)).u32(uint32(StringType)).u64(2).str("x").u64(huge).b,
			[]string{`kv 0 ("toks")`, "element 1", "string length 1152921504606846976"}},
		{"huge nested count", header(0, 1).str("n").u32(uint32(ArrayType)).u32(uint32(ArrayType)).u64(1).
			u32(uint32(Uint8Type)).u64(huge).b, []string{`kv 0 ("n")`, "element 0", "array count 1152921504606846976"}},
		{"unknown value type", header(0, 1).str("a").u32(13).u32(0).b, []string{`kv 0 ("a")`, "unknown value type 13"}},
		{"array of unknown type", header(0, 1).str("a").u32(uint32(ArrayType)).u32(99).u64(0).b,
			[]string{`kv 0 ("a")`, "unknown value type 99"}},
		{"bool 2", header(0, 1).str("b").u32(uint32(BoolType)).u8(2).b, []string{`kv 0 ("b")`, "bool value 2"}},
		{"truncated value", header(0, 1).str("x").u32(uint32(Float64Type)).u32(0).b, []string{`kv 0 ("x")`, "float64 value"}},
		{"nested too deep", deepArray(20), []string{`kv 0 ("deep")`, "nested deeper"}},
		{"duplicate key", header(0, 2).kvU32("a", 1).kvU32("a", 2).b, []string{`kv 1 ("a")`, "duplicate key"}},
		{"alignment 0", header(0, 1).kvU32(AlignmentKey, 0).b, []string{`kv 0 ("general.alignment")`, "0 is not a non-zero power of two"}},
		{"alignment 3", header(0, 1).kvU32(AlignmentKey, 3).b, []string{`kv 0 ("general.alignment")`, "3 is not a non-zero power of two"}},
		{"alignment uint64", header(0, 1).str(AlignmentKey).u32(uint32(Uint64Type)).u64(32).b,
			[]string{`kv 0 ("general.alignment")`, "type uint64, want uint32"}},
		{"huge tensor name", header(1, 0).u64(huge).raw(make([]byte, 24)...).b, []string{"tensor 0: name", "string length"}},
		{"too many dims", header(1, 0).tensor("t", quant.F32, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1).b, []string{`tensor "t"`, "n_dims 9 exceeds 8"}},
		{"dims overflow", header(1, 0).tensor("t", quant.F32, 0, 1<<32, 1<<32).b, []string{`tensor "t"`, "dims [4294967296 4294967296]", "overflows"}},
		{"size overflow", header(1, 0).tensor("t", quant.F32, 0, 1<<62).b, []string{`tensor "t"`, "overflow"}},
		{"unknown type", header(1, 0).str("t").u32(1).u64(4).u32(99).u64(0).b, []string{`tensor "t"`, "unknown type 99"}},
		{"partial block", header(1, 0).tensor("t", quant.Q8_0, 0, 33).b, []string{`tensor "t"`, "not a multiple of the block size"}},
		{"misaligned offset", header(1, 0).tensor("t", quant.F32, 3, 1).padTo(32).raw(make([]byte, 64)...).b,
			[]string{`tensor "t"`, "offset 3 is not a multiple of the alignment 32"}},
		{"offset past EOF", header(1, 0).tensor("t", quant.F32, 1024, 1).padTo(32).raw(make([]byte, 32)...).b,
			[]string{`tensor "t"`, "offset 1024 past end of file"}},
		{"data past EOF", header(1, 0).tensor("t", quant.F32, 0, 16).padTo(32).raw(make([]byte, 32)...).b,
			[]string{`tensor "t"`, "64 bytes at offset 0 run past end of file"}},
		{"duplicate tensor", header(2, 0).tensor("t", quant.F32, 0, 8).tensor("t", quant.F32, 32, 8).padTo(32).raw(make([]byte, 64)...).b,
			[]string{`tensor "t"`, "duplicate name"}},
		{"overlap", header(2, 0).tensor("t", quant.F32, 0, 16).tensor("u", quant.F32, 32, 8).padTo(32).raw(make([]byte, 64)...).b,
			[]string{`tensor "u"`, `overlap tensor "t"`}},
		{"no header padding", header(1, 0).tensor("t", quant.F32, 0, 0).b, []string{"data section at offset 64", "past the end of the 57-byte file"}},
		{"truncated tensor info", header(1, 0).str("t").u32(2).u64(4).raw(0, 0, 0).b, []string{`tensor "t"`, "dim 1"}},
	}
	for _, c := range cases {
		_, err := Parse("evil.gguf", c.data)
		if err == nil {
			t.Errorf("%s: parsed", c.name)
			continue
		}
		msg := err.Error()
		if !strings.HasPrefix(msg, "gguf evil.gguf: ") {
			t.Errorf("%s: error %q does not name the file", c.name, msg)
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: error %q lacks %q", c.name, msg, w)
			}
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// deepArray is a file whose one KV nests arrays depth levels deep.
func deepArray(depth int) []byte {
	e := header(0, 1).str("deep").u32(uint32(ArrayType))
	for range depth {
		e.u32(uint32(ArrayType)).u64(1)
	}
	return e.u32(uint32(Uint8Type)).u64(0).b
}

// Zero-sized tensors are legal and hold no bytes; nested arrays a little below
// the limit parse.
func TestEdgeCasesAccepted(t *testing.T) {
	data := header(2, 0).tensor("empty", quant.F32, 0, 0, 4).tensor("one", quant.F32, 0, 8).padTo(32).raw(seq(32)...).b
	f := mustParse(t, "edge", data)
	if e, _ := f.Tensor("empty"); len(e.Data) != 0 || e.Elements() != 0 {
		t.Errorf("empty tensor has %d bytes", len(e.Data))
	}
	if o, _ := f.Tensor("one"); len(o.Data) != 32 || o.Data[31] != 32 {
		t.Errorf("tensor one: %d bytes", len(o.Data))
	}
	// deepArray(n) has n+1 levels of arrays: the deepest the limit allows.
	g := mustParse(t, "deep", deepArray(maxNesting-1))
	v, _ := g.Get("deep")
	for range maxNesting - 1 {
		if v.Type() != ArrayType || v.Len() != 1 {
			t.Fatalf("nesting: %v of %d", v.Type(), v.Len())
		}
		v, _ = v.Index(0)
	}
	if v.Type() != ArrayType || v.ElemType() != Uint8Type || v.Len() != 0 {
		t.Fatalf("innermost: %v of %v × %d", v.Type(), v.ElemType(), v.Len())
	}
	// The writer allows exactly the same depth.
	nested := Uint8s(nil)
	for range maxNesting - 1 {
		nested = Arrays([]Value{nested})
	}
	if err := Write(io.Discard, []KV{{"deep", nested}}, nil, 0); err != nil {
		t.Errorf("writing %d levels: %v", maxNesting, err)
	}
	if err := Write(io.Discard, []KV{{"deep", Arrays([]Value{nested})}}, nil, 0); err == nil {
		t.Errorf("wrote %d levels", maxNesting+1)
	}
	// A v2 file is read like v3.
	v2 := header(0, 1).kvU32("a", 7).b
	v2[4] = 2
	if h := mustParse(t, "v2", v2); h.Version != 2 {
		t.Errorf("version %d", h.Version)
	} else if x, ok := h.Uint("a"); !ok || x != 7 {
		t.Errorf("v2 value %d %v", x, ok)
	}
}
