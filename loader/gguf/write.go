package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"

	"github.com/narallm/nara/quant"
)

// WriterTensor is one tensor to write: its bytes come either from Data or from
// WriteTo, a callback that must write exactly the tensor's size (so a model can
// be generated or converted tensor by tensor without holding it in memory).
type WriterTensor struct {
	Name    string
	Type    quant.Type
	Dims    []uint64 // ggml order, ne[0] first
	Data    []byte
	WriteTo func(w io.Writer) error
}

// Write writes a GGUF v3 file: the header (metadata and tensor infos) padded
// with zeros to the alignment, then each tensor's bytes padded to the
// alignment, offsets assigned in order. This is the layout gguf-py and
// llama.cpp write. A file without tensors ends right after its metadata, as
// vocabulary-only files do.
//
// alignment 0 means DefaultAlignment. general.alignment is kept in place and
// set to alignment when kvs has it, and appended when alignment is not the
// default, so the file always says what its layout is.
func Write(w io.Writer, kvs []KV, tensors []WriterTensor, alignment uint64) error {
	if alignment == 0 {
		alignment = DefaultAlignment
	}
	if alignment&(alignment-1) != 0 || alignment > math.MaxUint32 {
		return fmt.Errorf("gguf write: alignment %d is not a power of two that fits a uint32", alignment)
	}
	kvs = withAlignment(kvs, alignment)

	seen := make(map[string]int, len(kvs))
	for i, kv := range kvs {
		if j, dup := seen[kv.Key]; dup {
			return fmt.Errorf("gguf write: kv %d (%q): duplicate key (first at kv %d)", i, kv.Key, j)
		}
		seen[kv.Key] = i
		if err := kv.Value.check(0); err != nil {
			return fmt.Errorf("gguf write: kv %d (%q): %v", i, kv.Key, err)
		}
	}

	// Sizes and offsets of the tensors.
	sizes := make([]uint64, len(tensors))
	offsets := make([]uint64, len(tensors))
	names := make(map[string]bool, len(tensors))
	var next uint64
	for i, t := range tensors {
		if names[t.Name] {
			return fmt.Errorf("gguf write: tensor %q: duplicate name", t.Name)
		}
		names[t.Name] = true
		size, err := tensorSize(t)
		if err != nil {
			return fmt.Errorf("gguf write: tensor %q: %v", t.Name, err)
		}
		sizes[i], offsets[i] = size, next
		if next += alignUp(size, alignment); next < size {
			return fmt.Errorf("gguf write: tensor %q: data section overflows", t.Name)
		}
	}

	// The header is built in memory: it is small next to the tensors.
	h := []byte(magic)
	h = binary.LittleEndian.AppendUint32(h, 3)
	h = binary.LittleEndian.AppendUint64(h, uint64(len(tensors)))
	h = binary.LittleEndian.AppendUint64(h, uint64(len(kvs)))
	for _, kv := range kvs {
		h = appendString(h, kv.Key)
		h = binary.LittleEndian.AppendUint32(h, uint32(kv.Value.typ))
		h = appendValue(h, kv.Value)
	}
	for i, t := range tensors {
		h = appendString(h, t.Name)
		h = binary.LittleEndian.AppendUint32(h, uint32(len(t.Dims)))
		for _, d := range t.Dims {
			h = binary.LittleEndian.AppendUint64(h, d)
		}
		h = binary.LittleEndian.AppendUint32(h, uint32(t.Type))
		h = binary.LittleEndian.AppendUint64(h, offsets[i])
	}

	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(h); err != nil {
		return fmt.Errorf("gguf write: header: %w", err)
	}
	if len(tensors) > 0 {
		if err := writeZeros(bw, alignUp(uint64(len(h)), alignment)-uint64(len(h))); err != nil {
			return fmt.Errorf("gguf write: header padding: %w", err)
		}
	}
	for i, t := range tensors {
		if t.WriteTo != nil {
			sw := &sizedWriter{w: bw, left: sizes[i]}
			if err := t.WriteTo(sw); err != nil {
				return fmt.Errorf("gguf write: tensor %q: %w", t.Name, err)
			}
			if sw.left != 0 {
				return fmt.Errorf("gguf write: tensor %q: callback wrote %d bytes, want %d", t.Name, sizes[i]-sw.left, sizes[i])
			}
		} else if _, err := bw.Write(t.Data); err != nil {
			return fmt.Errorf("gguf write: tensor %q: %w", t.Name, err)
		}
		if err := writeZeros(bw, alignUp(sizes[i], alignment)-sizes[i]); err != nil {
			return fmt.Errorf("gguf write: tensor %q: padding: %w", t.Name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("gguf write: %w", err)
	}
	return nil
}

// withAlignment returns kvs with general.alignment consistent with alignment.
func withAlignment(kvs []KV, alignment uint64) []KV {
	out := append([]KV(nil), kvs...)
	for i := range out {
		if out[i].Key == AlignmentKey {
			out[i].Value = Uint32(uint32(alignment))
			return out
		}
	}
	if alignment != DefaultAlignment {
		out = append(out, KV{AlignmentKey, Uint32(uint32(alignment))})
	}
	return out
}

// tensorSize validates t and returns its byte size.
func tensorSize(t WriterTensor) (uint64, error) {
	if !t.Type.Known() {
		return 0, fmt.Errorf("unknown type %d", uint32(t.Type))
	}
	if len(t.Dims) > maxDims {
		return 0, fmt.Errorf("%d dims, at most %d", len(t.Dims), maxDims)
	}
	n := uint64(1)
	for _, d := range t.Dims {
		hi, lo := bits.Mul64(n, d)
		if hi != 0 || lo > math.MaxInt64 {
			return 0, fmt.Errorf("dims %v: element count overflows", t.Dims)
		}
		n = lo
	}
	size, err := t.Type.Bytes(int64(n))
	if err != nil {
		return 0, fmt.Errorf("dims %v: %v", t.Dims, err)
	}
	switch {
	case t.WriteTo != nil && t.Data != nil:
		return 0, errors.New("both Data and WriteTo are set")
	case t.WriteTo == nil && uint64(len(t.Data)) != uint64(size):
		return 0, fmt.Errorf("Data holds %d bytes, %v %v needs %d", len(t.Data), t.Type, t.Dims, size)
	}
	return uint64(size), nil
}

var zeros [4096]byte

// writeZeros writes n zero bytes (alignment padding, up to 2 GiB).
func writeZeros(w io.Writer, n uint64) error {
	for n > 0 {
		k := min(n, uint64(len(zeros)))
		if _, err := w.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}

// sizedWriter passes through at most left bytes and counts them down.
type sizedWriter struct {
	w    io.Writer
	left uint64
}

func (s *sizedWriter) Write(p []byte) (int, error) {
	if uint64(len(p)) > s.left {
		return 0, fmt.Errorf("callback wrote more than the tensor's size (%d more bytes, %d left)", len(p), s.left)
	}
	n, err := s.w.Write(p)
	s.left -= uint64(n)
	return n, err
}

func appendString(b []byte, s string) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(len(s)))
	return append(b, s...)
}

// appendValue encodes v (without its type tag, which the caller writes).
func appendValue(b []byte, v Value) []byte {
	le := binary.LittleEndian
	switch v.typ {
	case StringType:
		return appendString(b, v.str)
	case ArrayType:
		b = le.AppendUint32(b, uint32(v.elem))
		b = le.AppendUint64(b, uint64(v.Len()))
		switch a := v.arr.(type) {
		case []uint8:
			return append(b, a...)
		case []int8:
			return appendEach(b, a, func(b []byte, x int8) []byte { return append(b, byte(x)) })
		case []uint16:
			return appendEach(b, a, le.AppendUint16)
		case []int16:
			return appendEach(b, a, func(b []byte, x int16) []byte { return le.AppendUint16(b, uint16(x)) })
		case []uint32:
			return appendEach(b, a, le.AppendUint32)
		case []int32:
			return appendEach(b, a, func(b []byte, x int32) []byte { return le.AppendUint32(b, uint32(x)) })
		case []float32:
			return appendEach(b, a, func(b []byte, x float32) []byte { return le.AppendUint32(b, math.Float32bits(x)) })
		case []uint64:
			return appendEach(b, a, le.AppendUint64)
		case []int64:
			return appendEach(b, a, func(b []byte, x int64) []byte { return le.AppendUint64(b, uint64(x)) })
		case []float64:
			return appendEach(b, a, func(b []byte, x float64) []byte { return le.AppendUint64(b, math.Float64bits(x)) })
		case []bool:
			return appendEach(b, a, func(b []byte, x bool) []byte {
				if x {
					return append(b, 1)
				}
				return append(b, 0)
			})
		case []string:
			return appendEach(b, a, appendString)
		case []Value:
			// Each inner array is encoded like a top-level array value: its own
			// element type, count and elements.
			return appendEach(b, a, appendValue)
		}
		return b
	}
	switch v.typ.wireSize() {
	case 1:
		return append(b, byte(v.bits))
	case 2:
		return le.AppendUint16(b, uint16(v.bits))
	case 4:
		return le.AppendUint32(b, uint32(v.bits))
	default:
		return le.AppendUint64(b, v.bits)
	}
}

func appendEach[E any](b []byte, a []E, put func([]byte, E) []byte) []byte {
	for _, x := range a {
		b = put(b, x)
	}
	return b
}
