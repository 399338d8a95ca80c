// Package gguf reads and writes GGUF files, the single-file model format of
// llama.cpp: a header of typed key/value metadata and tensor descriptions,
// followed by an aligned section holding the tensors' bytes.
//
// The reader treats every file as hostile: each count, length, size and offset
// is checked against the bytes actually present before it is used, so a bad
// file gives an error naming the file and the field, never a panic or a huge
// allocation. Tensor data is not copied: TensorInfo.Data is a view into the
// file's memory mapping.
//
// The writer produces GGUF v3 with the layout gguf-py and llama.cpp write, so a
// parsed file written back is identical byte for byte.
package gguf

import (
	"fmt"

	"github.com/narallm/nara/loader/mmap"
	"github.com/narallm/nara/quant"
)

// DefaultAlignment is the data alignment of a file without general.alignment.
const DefaultAlignment = 32

// AlignmentKey is the metadata key that overrides DefaultAlignment.
const AlignmentKey = "general.alignment"

const (
	maxDims    = 8  // ggml uses 4; accept a little more, reject nonsense
	maxNesting = 16 // arrays of arrays deeper than this are not real files
)

// KV is one metadata entry.
type KV struct {
	Key   string
	Value Value
}

// TensorInfo describes one tensor and gives its bytes.
type TensorInfo struct {
	Name   string
	Dims   []uint64   // ggml order: ne[0] first, the innermost (contiguous) dimension
	Type   quant.Type //
	Offset uint64     // relative to the data section
	Data   []byte     // view into the file (no copy), exactly the tensor's bytes
}

// Elements returns the number of elements (the product of Dims; 1 for no dims).
// Parse has checked that it does not overflow.
func (t *TensorInfo) Elements() int64 {
	n := int64(1)
	for _, d := range t.Dims {
		n *= int64(d)
	}
	return n
}

// File is a parsed GGUF file.
type File struct {
	Name       string // path, for messages
	Version    uint32
	Alignment  uint64
	KVs        []KV         // file order
	Tensors    []TensorInfo // file order
	DataOffset uint64       // absolute offset of the data section

	mapping     *mmap.File // nil when parsed from bytes the caller owns
	kvIndex     map[string]int
	tensorIndex map[string]int
}

// Open maps the file at path and parses it. Tensor data stays valid until
// Close.
func Open(path string) (*File, error) {
	m, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf %s: %w", path, err)
	}
	f, err := Parse(path, m.Data)
	if err != nil {
		m.Close()
		return nil, err
	}
	f.mapping = m
	return f, nil
}

// Release tells the OS that tensor bytes b will not be read again soon
// (mmap.File.Release).
func (f *File) Release(b []byte) {
	if f != nil {
		f.mapping.Release(b)
	}
}

// Close releases the mapping made by Open. The tensors' Data must not be used
// afterwards; Close clears them so that a stale use shows up as empty data
// rather than a fault.
func (f *File) Close() error {
	if f == nil || f.mapping == nil {
		return nil
	}
	for i := range f.Tensors {
		f.Tensors[i].Data = nil
	}
	err := f.mapping.Close()
	f.mapping = nil
	return err
}

// Get returns the value stored under key.
func (f *File) Get(key string) (Value, bool) {
	if i, ok := f.kvIndex[key]; ok && i < len(f.KVs) && f.KVs[i].Key == key {
		return f.KVs[i].Value, true
	}
	// The index is missing or stale (KVs edited after Parse): search.
	for _, kv := range f.KVs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return Value{}, false
}

// Tensor returns the tensor called name.
func (f *File) Tensor(name string) (*TensorInfo, bool) {
	if i, ok := f.tensorIndex[name]; ok && i < len(f.Tensors) && f.Tensors[i].Name == name {
		return &f.Tensors[i], true
	}
	for i := range f.Tensors {
		if f.Tensors[i].Name == name {
			return &f.Tensors[i], true
		}
	}
	return nil, false
}

// value returns the value under key, or the zero Value (which converts to
// nothing) when it is missing.
func (f *File) value(key string) Value {
	v, _ := f.Get(key)
	return v
}

// String returns a string value.
func (f *File) String(key string) (string, bool) { return f.value(key).AsString() }

// Uint returns an unsigned integer, or a signed one that is not negative.
func (f *File) Uint(key string) (uint64, bool) { return f.value(key).AsUint() }

// Int returns any integer that fits an int64.
func (f *File) Int(key string) (int64, bool) { return f.value(key).AsInt() }

// Float returns any number as a float64.
func (f *File) Float(key string) (float64, bool) { return f.value(key).AsFloat() }

// Bool returns a bool value.
func (f *File) Bool(key string) (bool, bool) { return f.value(key).AsBool() }

// Strings returns a copy of an array of strings.
func (f *File) Strings(key string) ([]string, bool) { return f.value(key).AsStrings() }

// Float32s returns a numeric array as float32s.
func (f *File) Float32s(key string) ([]float32, bool) { return f.value(key).AsFloat32s() }

// Int32s returns an integer array (token types and the like) as int32s; ok is
// false if an element does not fit.
func (f *File) Int32s(key string) ([]int32, bool) { return f.value(key).AsInt32s() }

// WriterTensors returns the file's tensors in file order, ready for Write.
// Their Data are views into f: f must stay open until Write returns.
func (f *File) WriterTensors() []WriterTensor {
	ts := make([]WriterTensor, len(f.Tensors))
	for i, t := range f.Tensors {
		ts[i] = WriterTensor{Name: t.Name, Type: t.Type, Dims: t.Dims, Data: t.Data}
	}
	return ts
}
