// Package safetensors reads and writes the safetensors tensor format that
// Hugging Face models are shipped in.
//
// A file is an 8-byte little-endian header length N, N bytes of JSON header,
// then the data buffer. The header maps each tensor name to its dtype, shape
// and [begin, end) byte range in the data buffer, plus an optional
// "__metadata__" map of strings. Tensor data is little-endian, row-major.
//
// Parsing applies the reference implementation's rules (header at most 100 MB,
// known dtypes, tensors tiling the data buffer from 0 with no gap or overlap,
// sizes matching shapes), and one stricter rule: a name given twice is an error
// rather than silently keeping the last one. Parsed tensors are views into the
// file's bytes; nothing is copied.
package safetensors

import (
	"encoding/binary"
	"fmt"
	"math"
	"sort"

	"github.com/narallm/nara/loader/mmap"
	"github.com/narallm/nara/quant"
)

// maxHeaderBytes is the reference parser's limit on the JSON header.
const maxHeaderBytes = 100_000_000

// metadataKey is the header key that holds the string→string metadata rather
// than a tensor.
const metadataKey = "__metadata__"

// DType is a safetensors element type, spelled as in the header.
type DType string

// The element types of the safetensors format.
const (
	F32     DType = "F32"
	F16     DType = "F16"
	BF16    DType = "BF16"
	F64     DType = "F64"
	I64     DType = "I64"
	I32     DType = "I32"
	I16     DType = "I16"
	I8      DType = "I8"
	U8      DType = "U8"
	U16     DType = "U16"
	U32     DType = "U32"
	U64     DType = "U64"
	BOOL    DType = "BOOL"
	F8_E4M3 DType = "F8_E4M3"
	F8_E5M2 DType = "F8_E5M2"
)

var dtypeSizes = map[DType]int{
	F32: 4, F16: 2, BF16: 2, F64: 8,
	I64: 8, I32: 4, I16: 2, I8: 1,
	U8: 1, U16: 2, U32: 4, U64: 8,
	BOOL: 1, F8_E4M3: 1, F8_E5M2: 1,
}

// Size returns the bytes per element, or 0 for an unknown dtype.
func (d DType) Size() int { return dtypeSizes[d] }

// QuantType returns the ggml type with the same element layout. Only the
// types ggml has (floats and signed integers) map; the rest report false.
func (d DType) QuantType() (quant.Type, bool) {
	switch d {
	case F32:
		return quant.F32, true
	case F16:
		return quant.F16, true
	case BF16:
		return quant.BF16, true
	case F64:
		return quant.F64, true
	case I64:
		return quant.I64, true
	case I32:
		return quant.I32, true
	case I16:
		return quant.I16, true
	case I8:
		return quant.I8, true
	}
	return 0, false
}

// Tensor is one tensor of a file.
type Tensor struct {
	Name  string
	DType DType
	Shape []int64 // as in the header: outermost first
	Data  []byte  // view into the file's bytes, no copy
}

// Floats decodes an F32 tensor into a new slice.
func (t *Tensor) Floats() ([]float32, error) {
	if t.DType != F32 {
		return nil, fmt.Errorf("safetensors: tensor %q is %s, not F32", t.Name, t.DType)
	}
	out := make([]float32, len(t.Data)/4)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(t.Data[4*i:]))
	}
	return out, nil
}

// Ints decodes a signed integer tensor (I64, I32, I16 or I8) into a new slice.
func (t *Tensor) Ints() ([]int64, error) {
	size := t.DType.Size()
	switch t.DType {
	case I64, I32, I16, I8:
	default:
		return nil, fmt.Errorf("safetensors: tensor %q is %s, not a signed integer type", t.Name, t.DType)
	}
	out := make([]int64, len(t.Data)/size)
	for i := range out {
		b := t.Data[i*size:]
		switch t.DType {
		case I64:
			out[i] = int64(binary.LittleEndian.Uint64(b))
		case I32:
			out[i] = int64(int32(binary.LittleEndian.Uint32(b)))
		case I16:
			out[i] = int64(int16(binary.LittleEndian.Uint16(b)))
		case I8:
			out[i] = int64(int8(b[0]))
		}
	}
	return out, nil
}

// NumElements returns the product of the shape (1 for a scalar).
func (t *Tensor) NumElements() int64 {
	n := int64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// File is a parsed safetensors file.
type File struct {
	Name     string
	Metadata map[string]string // nil when the header has no __metadata__
	Tensors  []Tensor          // sorted by data offset (file order)

	index map[string]int // name → position in Tensors
	mm    *mmap.File     // nil when parsed from caller's bytes
}

// Open maps the file at path and parses it. The tensors' Data stay valid
// until Close.
func Open(path string) (*File, error) {
	mm, err := mmap.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Parse(path, mm.Data)
	if err != nil {
		mm.Close()
		return nil, err
	}
	f.mm = mm
	return f, nil
}

// Close releases the mapping of a file made by Open. Tensor data must not be
// used afterwards. It is a no-op for files made by Parse.
func (f *File) Close() error {
	if f == nil || f.mm == nil {
		return nil
	}
	err := f.mm.Close()
	f.mm = nil
	return err
}

// Tensor finds a tensor by name.
func (f *File) Tensor(name string) (*Tensor, bool) {
	i, ok := f.index[name]
	if !ok {
		return nil, false
	}
	return &f.Tensors[i], true
}

// Parse parses a whole safetensors file held in data; name is used in errors.
// The returned tensors' Data alias data.
func Parse(name string, data []byte) (*File, error) {
	if len(data) < 8 {
		return nil, fmt.Errorf("safetensors %s: %d bytes is too short to hold the 8-byte header length", name, len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("safetensors %s: header length %d is over the limit of %d bytes", name, n, maxHeaderBytes)
	}
	if n > uint64(len(data)-8) {
		return nil, fmt.Errorf("safetensors %s: header length %d past end of file (%d bytes)", name, n, len(data))
	}
	buf := data[8+n:]
	h, err := parseHeader(data[8 : 8+n])
	if err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", name, err)
	}
	if err := checkLayout(h.tensors, int64(len(buf))); err != nil {
		return nil, fmt.Errorf("safetensors %s: %w", name, err)
	}
	f := &File{
		Name:     name,
		Metadata: h.metadata,
		Tensors:  make([]Tensor, len(h.tensors)),
		index:    make(map[string]int, len(h.tensors)),
	}
	for i, e := range h.tensors {
		f.Tensors[i] = Tensor{
			Name:  e.name,
			DType: e.dtype,
			Shape: e.shape,
			// A full slice expression: appending to one tensor's Data must
			// never overwrite the next tensor.
			Data: buf[e.begin:e.end:e.end],
		}
		f.index[e.name] = i
	}
	return f, nil
}

// checkLayout sorts the tensors by offset and checks that their byte ranges
// tile the data buffer exactly and match their shapes.
func checkLayout(ts []tensorInfo, bufLen int64) error {
	sort.SliceStable(ts, func(i, j int) bool {
		a, b := ts[i], ts[j]
		if a.begin != b.begin {
			return a.begin < b.begin
		}
		if a.end != b.end {
			return a.end < b.end
		}
		return a.name < b.name
	})
	var pos int64 // where the next tensor must begin
	for _, t := range ts {
		switch {
		case t.begin > pos && pos == 0:
			return fmt.Errorf("tensor %q: data_offsets [%d,%d]: the first tensor must begin at 0", t.name, t.begin, t.end)
		case t.begin > pos:
			return fmt.Errorf("tensor %q: data_offsets [%d,%d] leave a gap after the previous tensor, which ends at %d", t.name, t.begin, t.end, pos)
		case t.begin < pos:
			return fmt.Errorf("tensor %q: data_offsets [%d,%d] overlap the previous tensor, which ends at %d", t.name, t.begin, t.end, pos)
		case t.end < t.begin:
			return fmt.Errorf("tensor %q: data_offsets [%d,%d] end before they begin", t.name, t.begin, t.end)
		case t.end > bufLen:
			return fmt.Errorf("tensor %q: data_offsets [%d,%d] past end of the %d-byte data buffer", t.name, t.begin, t.end, bufLen)
		}
		size, err := byteSize(t.dtype, t.shape)
		if err != nil {
			return fmt.Errorf("tensor %q: %w", t.name, err)
		}
		if t.end-t.begin != size {
			return fmt.Errorf("tensor %q: data_offsets [%d,%d] hold %d bytes, but %s %v needs %d",
				t.name, t.begin, t.end, t.end-t.begin, t.dtype, t.shape, size)
		}
		pos = t.end
	}
	if pos != bufLen {
		return fmt.Errorf("data buffer is %d bytes but the tensors end at %d", bufLen, pos)
	}
	return nil
}

// byteSize returns the storage size of a tensor, failing when the dtype is
// unknown, a dimension is negative, or the size overflows an int64.
func byteSize(d DType, shape []int64) (int64, error) {
	es := int64(d.Size())
	if es == 0 {
		return 0, fmt.Errorf("unknown dtype %q", string(d))
	}
	n := int64(1)
	for _, dim := range shape {
		if dim < 0 {
			return 0, fmt.Errorf("shape %v: negative dimension %d", shape, dim)
		}
		// Multiply left to right like the reference, so [huge, huge, 0]
		// is an overflow but [huge, 0] is not.
		if dim != 0 && n > math.MaxInt64/dim {
			return 0, fmt.Errorf("shape %v: element count overflows", shape)
		}
		n *= dim
	}
	if n > math.MaxInt64/es {
		return 0, fmt.Errorf("shape %v: %s size overflows", shape, d)
	}
	return n * es, nil
}
