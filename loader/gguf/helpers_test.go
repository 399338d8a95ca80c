package gguf

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/narallm/nara/quant"
)

// enc assembles GGUF bytes by hand, independently of Write, so that tests can
// build both valid files with known contents and broken ones.
type enc struct{ b []byte }

func (e *enc) u8(x uint8) *enc   { e.b = append(e.b, x); return e }
func (e *enc) u32(x uint32) *enc { e.b = binary.LittleEndian.AppendUint32(e.b, x); return e }
func (e *enc) u64(x uint64) *enc { e.b = binary.LittleEndian.AppendUint64(e.b, x); return e }
func (e *enc) str(s string) *enc { e.u64(uint64(len(s))); e.b = append(e.b, s...); return e }
func (e *enc) raw(p ...byte) *enc {
	e.b = append(e.b, p...)
	return e
}

// header starts a v3 file.
func header(tensors, kvs uint64) *enc {
	e := &enc{b: []byte("GGUF")}
	return e.u32(3).u64(tensors).u64(kvs)
}

// kvU32 appends a uint32 KV.
func (e *enc) kvU32(key string, x uint32) *enc { return e.str(key).u32(uint32(Uint32Type)).u32(x) }

// tensor appends a tensor info.
func (e *enc) tensor(name string, typ quant.Type, offset uint64, dims ...uint64) *enc {
	e.str(name).u32(uint32(len(dims)))
	for _, d := range dims {
		e.u64(d)
	}
	return e.u32(uint32(typ)).u64(offset)
}

// padTo appends zeros up to a multiple of a.
func (e *enc) padTo(a int) *enc {
	for len(e.b)%a != 0 {
		e.b = append(e.b, 0)
	}
	return e
}

// seq returns n bytes 1, 2, 3, … (mod 256): data whose every byte is known.
func seq(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i + 1)
	}
	return b
}

// smallFile is a valid file holding a little of everything; its last tensor
// ends exactly at the end of the file, so every proper prefix is invalid.
func smallFile() []byte {
	e := header(2, 4)
	e.str("general.architecture").u32(uint32(StringType)).str("llama")
	e.kvU32("llama.block_count", 2)
	e.str("tokenizer.ggml.tokens").u32(uint32(ArrayType)).u32(uint32(StringType)).u64(3).str("<s>").str("a").str("")
	e.str("nested").u32(uint32(ArrayType)).u32(uint32(ArrayType)).u64(2).
		u32(uint32(Int16Type)).u64(2).raw(0xff, 0xff, 2, 0). // [-1, 2]
		u32(uint32(BoolType)).u64(1).u8(1)                   // [true]
	e.tensor("b", quant.Q8_0, 0, 32)   // 34 bytes, padded to 64
	e.tensor("a", quant.F32, 64, 4, 2) // 32 bytes, the end of the file
	e.padTo(32)
	e.raw(seq(34)...).padTo(32)
	e.raw(seq(32)...)
	return e.b
}

// mustParse parses data or fails the test.
func mustParse(t testing.TB, name string, data []byte) *File {
	t.Helper()
	f, err := Parse(name, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// mustWrite writes a file or fails the test.
func mustWrite(t testing.TB, kvs []KV, ts []WriterTensor, alignment uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, kvs, ts, alignment); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
