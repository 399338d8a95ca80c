package gguf

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"sort"

	"github.com/narallm/nara/quant"
)

const magic = "GGUF"

// Smallest encodings, used to bound counts before allocating.
const (
	minKVBytes     = 8 + 4 + 1     // key length, value type, one-byte value
	minTensorBytes = 8 + 4 + 4 + 8 // name length, n_dims, type, offset
)

// reader walks the header. Every read checks the bytes left first.
type reader struct {
	data []byte
	off  int
}

func (r *reader) left() int { return len(r.data) - r.off }

func (r *reader) need(n uint64) error {
	if n > uint64(r.left()) {
		return fmt.Errorf("need %d bytes at offset %d but only %d are left", n, r.off, r.left())
	}
	return nil
}

func (r *reader) u32() (uint32, error) {
	if err := r.need(4); err != nil {
		return 0, err
	}
	x := binary.LittleEndian.Uint32(r.data[r.off:])
	r.off += 4
	return x, nil
}

func (r *reader) u64() (uint64, error) {
	if err := r.need(8); err != nil {
		return 0, err
	}
	x := binary.LittleEndian.Uint64(r.data[r.off:])
	r.off += 8
	return x, nil
}

// str reads a length-prefixed string, checking the length against the file
// before copying.
func (r *reader) str() (string, error) {
	n, err := r.u64()
	if err != nil {
		return "", err
	}
	if n > uint64(r.left()) {
		return "", fmt.Errorf("string length %d at offset %d exceeds the %d bytes left", n, r.off-8, r.left())
	}
	s := string(r.data[r.off : r.off+int(n)])
	r.off += int(n)
	return s, nil
}

// Parse parses a GGUF file already in memory. name is used in messages.
// Tensor data are views into data.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Name: name, Alignment: DefaultAlignment}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("gguf %s: "+format, append([]any{name}, args...)...)
	}
	r := &reader{data: data}

	// Header: magic, version, tensor count, kv count.
	if len(data) < 4 || string(data[:4]) != magic {
		if len(data) < 4 {
			return nil, fail("not a GGUF file: only %d bytes", len(data))
		}
		return nil, fail("not a GGUF file: magic %q, want %q", data[:4], magic)
	}
	r.off = 4
	version, err := r.u32()
	if err != nil {
		return nil, fail("version: %v", err)
	}
	switch {
	case version == 2 || version == 3:
	case version == 1:
		return nil, fail("GGUF v1 is not supported")
	case version&0xffff == 0 && bits.ReverseBytes32(version) <= 3:
		// A small version number stored big-endian reads as a huge one.
		return nil, fail("big-endian GGUF (version %d) is not supported", bits.ReverseBytes32(version))
	default:
		return nil, fail("unsupported GGUF version %d", version)
	}
	f.Version = version
	tensorCount, err := r.u64()
	if err != nil {
		return nil, fail("tensor count: %v", err)
	}
	kvCount, err := r.u64()
	if err != nil {
		return nil, fail("kv count: %v", err)
	}
	if kvCount > uint64(r.left()/minKVBytes) {
		return nil, fail("kv count %d: more than the %d bytes left can hold", kvCount, r.left())
	}
	if tensorCount > uint64(r.left()/minTensorBytes) {
		return nil, fail("tensor count %d: more than the %d bytes left can hold", tensorCount, r.left())
	}

	// Metadata.
	f.KVs = make([]KV, 0, kvCount)
	f.kvIndex = make(map[string]int, kvCount)
	for i := range int(kvCount) {
		key, err := r.str()
		if err != nil {
			return nil, fail("kv %d: key: %v", i, err)
		}
		if j, dup := f.kvIndex[key]; dup {
			return nil, fail("kv %d (%q): duplicate key (first at kv %d)", i, key, j)
		}
		typ, err := r.u32()
		if err != nil {
			return nil, fail("kv %d (%q): value type: %v", i, key, err)
		}
		v, err := r.value(ValueType(typ), 0)
		if err != nil {
			return nil, fail("kv %d (%q): %v", i, key, err)
		}
		f.kvIndex[key] = i
		f.KVs = append(f.KVs, KV{key, v})
	}
	if i, ok := f.kvIndex[AlignmentKey]; ok {
		v := f.KVs[i].Value
		if v.Type() != Uint32Type {
			return nil, fail("kv %d (%q): type %v, want uint32", i, AlignmentKey, v.Type())
		}
		a := v.bits
		if a == 0 || a&(a-1) != 0 {
			return nil, fail("kv %d (%q): %d is not a non-zero power of two", i, AlignmentKey, a)
		}
		f.Alignment = a
	}

	// Tensor infos. Re-check the count now that the metadata is behind us.
	if tensorCount > uint64(r.left()/minTensorBytes) {
		return nil, fail("tensor count %d: more than the %d bytes left after the metadata can hold", tensorCount, r.left())
	}
	f.Tensors = make([]TensorInfo, 0, tensorCount)
	f.tensorIndex = make(map[string]int, tensorCount)
	sizes := make([]uint64, 0, tensorCount)
	for i := range int(tensorCount) {
		name, err := r.str()
		if err != nil {
			return nil, fail("tensor %d: name: %v", i, err)
		}
		t, size, err := r.tensorInfo(name, f.Alignment)
		if err != nil {
			return nil, fail("tensor %q: %v", name, err)
		}
		if j, dup := f.tensorIndex[t.Name]; dup {
			return nil, fail("tensor %q: duplicate name (tensors %d and %d)", t.Name, j, i)
		}
		f.tensorIndex[t.Name] = i
		f.Tensors = append(f.Tensors, t)
		sizes = append(sizes, size)
	}

	// Data section: the header end rounded up to the alignment.
	f.DataOffset = alignUp(uint64(r.off), f.Alignment)
	if len(f.Tensors) > 0 && f.DataOffset > uint64(len(data)) {
		// Even empty tensors need the padding a writer puts after the header
		// (files without tensors, like vocabularies, may end after the metadata).
		return nil, fail("data section at offset %d (header end %d aligned to %d) is past the end of the %d-byte file",
			f.DataOffset, r.off, f.Alignment, len(data))
	}
	avail := uint64(len(data)) - min(f.DataOffset, uint64(len(data))) // bytes of the data section present
	for i := range f.Tensors {
		t := &f.Tensors[i]
		size := sizes[i]
		if t.Offset > avail {
			return nil, fail("tensor %q: offset %d past end of file (data section holds %d bytes)", t.Name, t.Offset, avail)
		}
		if size > avail-t.Offset {
			return nil, fail("tensor %q: %d bytes at offset %d run past end of file (data section holds %d bytes)", t.Name, size, t.Offset, avail)
		}
		start := f.DataOffset + t.Offset
		t.Data = data[start : start+size : start+size]
	}
	if err := checkOverlap(f.Tensors); err != nil {
		return nil, fail("%v", err)
	}
	return f, nil
}

// tensorInfo reads the rest of the description of tensor name (after the
// name) and returns it with its byte size.
func (r *reader) tensorInfo(name string, alignment uint64) (TensorInfo, uint64, error) {
	t := TensorInfo{Name: name}
	nDims, err := r.u32()
	if err != nil {
		return t, 0, fmt.Errorf("n_dims: %v", err)
	}
	if nDims > maxDims {
		return t, 0, fmt.Errorf("n_dims %d exceeds %d", nDims, maxDims)
	}
	t.Dims = make([]uint64, nDims)
	elements := uint64(1)
	for d := range t.Dims {
		n, err := r.u64()
		if err != nil {
			return t, 0, fmt.Errorf("dim %d: %v", d, err)
		}
		t.Dims[d] = n
		hi, lo := bits.Mul64(elements, n)
		if hi != 0 || lo > math.MaxInt64 {
			return t, 0, fmt.Errorf("dims %v: element count overflows", t.Dims[:d+1])
		}
		elements = lo
	}
	typ, err := r.u32()
	if err != nil {
		return t, 0, fmt.Errorf("type: %v", err)
	}
	t.Type = quant.Type(typ)
	if !t.Type.Known() {
		return t, 0, fmt.Errorf("unknown type %d", typ)
	}
	size, err := t.Type.Bytes(int64(elements))
	if err != nil {
		return t, 0, fmt.Errorf("dims %v: %v", t.Dims, err)
	}
	if t.Offset, err = r.u64(); err != nil {
		return t, 0, fmt.Errorf("offset: %v", err)
	}
	if t.Offset%alignment != 0 {
		return t, 0, fmt.Errorf("offset %d is not a multiple of the alignment %d", t.Offset, alignment)
	}
	return t, uint64(size), nil
}

// checkOverlap rejects tensors that share bytes. Empty tensors hold no bytes
// and cannot overlap anything.
func checkOverlap(ts []TensorInfo) error {
	var order []int
	for i := range ts {
		if len(ts[i].Data) > 0 {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool { return ts[order[a]].Offset < ts[order[b]].Offset })
	for k := 1; k < len(order); k++ {
		p, q := &ts[order[k-1]], &ts[order[k]]
		if end := p.Offset + uint64(len(p.Data)); end > q.Offset {
			return fmt.Errorf("tensor %q: bytes [%d, %d) of the data section overlap tensor %q at [%d, %d)",
				q.Name, q.Offset, q.Offset+uint64(len(q.Data)), p.Name, p.Offset, end)
		}
	}
	return nil
}

func alignUp(x, a uint64) uint64 { return (x + a - 1) &^ (a - 1) }

// value reads one value of type typ. depth counts enclosing arrays.
func (r *reader) value(typ ValueType, depth int) (Value, error) {
	if !typ.Known() {
		return Value{}, fmt.Errorf("unknown value type %d", uint32(typ))
	}
	switch typ {
	case StringType:
		s, err := r.str()
		if err != nil {
			return Value{}, err
		}
		return String(s), nil
	case ArrayType:
		return r.array(depth)
	}
	size := typ.wireSize()
	if err := r.need(uint64(size)); err != nil {
		return Value{}, fmt.Errorf("%v value: %v", typ, err)
	}
	b := r.data[r.off : r.off+size]
	r.off += size
	v := Value{typ: typ, set: true}
	switch size {
	case 1:
		v.bits = uint64(b[0])
	case 2:
		v.bits = uint64(binary.LittleEndian.Uint16(b))
	case 4:
		v.bits = uint64(binary.LittleEndian.Uint32(b))
	case 8:
		v.bits = binary.LittleEndian.Uint64(b)
	}
	if typ == BoolType && v.bits > 1 {
		return Value{}, fmt.Errorf("bool value %d is neither 0 nor 1", v.bits)
	}
	return v, nil
}

// array reads an array's element type, count and elements into a typed slice.
func (r *reader) array(depth int) (Value, error) {
	et, err := r.u32()
	if err != nil {
		return Value{}, fmt.Errorf("array element type: %v", err)
	}
	elem := ValueType(et)
	if !elem.Known() {
		return Value{}, fmt.Errorf("array of unknown value type %d", et)
	}
	count, err := r.u64()
	if err != nil {
		return Value{}, fmt.Errorf("array count: %v", err)
	}
	// Every element takes at least minWireSize bytes: bound the count by what
	// is left before allocating anything.
	if count > uint64(r.left()/elem.minWireSize()) {
		return Value{}, fmt.Errorf("array count %d of %v exceeds what the %d bytes left can hold", count, elem, r.left())
	}
	n := int(count)
	v := Value{typ: ArrayType, elem: elem, set: true}
	size := elem.wireSize()
	b := r.data[r.off:]
	switch elem {
	case Uint8Type:
		v.arr = append([]uint8(nil), b[:n]...)
	case Int8Type:
		v.arr = decode(b, n, 1, func(p []byte) int8 { return int8(p[0]) })
	case Uint16Type:
		v.arr = decode(b, n, 2, binary.LittleEndian.Uint16)
	case Int16Type:
		v.arr = decode(b, n, 2, func(p []byte) int16 { return int16(binary.LittleEndian.Uint16(p)) })
	case Uint32Type:
		v.arr = decode(b, n, 4, binary.LittleEndian.Uint32)
	case Int32Type:
		v.arr = decode(b, n, 4, func(p []byte) int32 { return int32(binary.LittleEndian.Uint32(p)) })
	case Float32Type:
		v.arr = decode(b, n, 4, func(p []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(p)) })
	case Uint64Type:
		v.arr = decode(b, n, 8, binary.LittleEndian.Uint64)
	case Int64Type:
		v.arr = decode(b, n, 8, func(p []byte) int64 { return int64(binary.LittleEndian.Uint64(p)) })
	case Float64Type:
		v.arr = decode(b, n, 8, func(p []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(p)) })
	case BoolType:
		a := make([]bool, n)
		for i := range a {
			if b[i] > 1 {
				return Value{}, fmt.Errorf("element %d: bool value %d is neither 0 nor 1", i, b[i])
			}
			a[i] = b[i] == 1
		}
		v.arr = a
	case StringType:
		a, err := r.strings(n)
		if err != nil {
			return Value{}, err
		}
		v.arr = a
	case ArrayType:
		if depth+1 >= maxNesting {
			return Value{}, fmt.Errorf("arrays nested deeper than %d", maxNesting)
		}
		a := make([]Value, n)
		for i := range a {
			if a[i], err = r.array(depth + 1); err != nil {
				return Value{}, fmt.Errorf("element %d: %v", i, err)
			}
		}
		v.arr = a
	}
	r.off += n * size // fixed-size elements (strings and arrays advanced r themselves)
	return v, nil
}

// decode reads n fixed-size elements from b; the caller has checked that b
// holds them.
func decode[E any](b []byte, n, size int, get func([]byte) E) []E {
	a := make([]E, n)
	for i := range a {
		a[i] = get(b[i*size:])
	}
	return a
}

// strings reads n strings. They are validated in a first pass, then sliced out
// of one copy of their bytes: a 128k-token vocabulary costs two allocations,
// not 128k.
func (r *reader) strings(n int) ([]string, error) {
	start := r.off
	for i := range n {
		l, err := r.u64()
		if err != nil {
			return nil, fmt.Errorf("element %d: string length: %v", i, err)
		}
		if l > uint64(r.left()) {
			return nil, fmt.Errorf("element %d: string length %d at offset %d exceeds the %d bytes left", i, l, r.off-8, r.left())
		}
		r.off += int(l)
	}
	region := string(r.data[start:r.off])
	a := make([]string, n)
	o := 0
	for i := range a {
		l := int(binary.LittleEndian.Uint64(r.data[start+o:]))
		a[i] = region[o+8 : o+8+l]
		o += 8 + l
	}
	return a, nil
}
