package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"unicode/utf8"
)

// WriterTensor is one tensor to write.
type WriterTensor struct {
	Name  string
	DType DType
	Shape []int64
	Data  []byte // little-endian, row-major; length must match DType and Shape
}

// headerAlign is the multiple the header is padded to with spaces, so that
// the data buffer (and every 8-byte-or-smaller element in it) is aligned when
// the file is mapped; the reference writer does the same.
const headerAlign = 8

// Write writes a safetensors file: header keys in sorted order (__metadata__
// first, omitted when metadata is empty), tensor data in that same order.
// It checks every tensor before writing anything.
func Write(w io.Writer, tensors []WriterTensor, metadata map[string]string) error {
	order := make([]int, len(tensors))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return tensors[order[a]].Name < tensors[order[b]].Name })

	var hdr bytes.Buffer
	hdr.WriteByte('{')
	if len(metadata) > 0 {
		keys := make([]string, 0, len(metadata))
		for k, v := range metadata {
			if !utf8.ValidString(k) || !utf8.ValidString(v) {
				return fmt.Errorf("safetensors write: %s %q: not valid UTF-8", metadataKey, k)
			}
			keys = append(keys, k)
		}
		sort.Strings(keys)
		writeString(&hdr, metadataKey)
		hdr.WriteString(":{")
		for i, k := range keys {
			if i > 0 {
				hdr.WriteByte(',')
			}
			writeString(&hdr, k)
			hdr.WriteByte(':')
			writeString(&hdr, metadata[k])
		}
		hdr.WriteByte('}')
	}
	var offset int64
	for i, idx := range order {
		t := &tensors[idx]
		if err := checkWriterTensor(t); err != nil {
			return fmt.Errorf("safetensors write: tensor %q: %w", t.Name, err)
		}
		if i > 0 && tensors[order[i-1]].Name == t.Name {
			return fmt.Errorf("safetensors write: tensor %q: name given twice", t.Name)
		}
		if i > 0 || len(metadata) > 0 {
			hdr.WriteByte(',')
		}
		writeString(&hdr, t.Name)
		hdr.WriteString(`:{"dtype":`)
		writeString(&hdr, string(t.DType))
		hdr.WriteString(`,"shape":[`)
		for j, d := range t.Shape {
			if j > 0 {
				hdr.WriteByte(',')
			}
			hdr.WriteString(strconv.FormatInt(d, 10))
		}
		end := offset + int64(len(t.Data))
		fmt.Fprintf(&hdr, `],"data_offsets":[%d,%d]}`, offset, end)
		offset = end
	}
	hdr.WriteByte('}')
	for hdr.Len()%headerAlign != 0 {
		hdr.WriteByte(' ')
	}
	if hdr.Len() > maxHeaderBytes {
		return fmt.Errorf("safetensors write: header of %d bytes is over the limit of %d", hdr.Len(), maxHeaderBytes)
	}

	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(hdr.Len()))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr.Bytes()); err != nil {
		return err
	}
	for _, idx := range order {
		if _, err := w.Write(tensors[idx].Data); err != nil {
			return err
		}
	}
	return nil
}

func checkWriterTensor(t *WriterTensor) error {
	if t.Name == metadataKey {
		return fmt.Errorf("the name %s is reserved for metadata", metadataKey)
	}
	if !utf8.ValidString(t.Name) {
		return errors.New("name is not valid UTF-8")
	}
	size, err := byteSize(t.DType, t.Shape)
	if err != nil {
		return err
	}
	if int64(len(t.Data)) != size {
		return fmt.Errorf("data is %d bytes, but %s %v needs %d", len(t.Data), t.DType, t.Shape, size)
	}
	return nil
}

// writeString writes s as a JSON string the way the reference writer (Rust's
// serde_json) does: only '"', '\\' and control characters are escaped, and
// non-ASCII text is written as is. encoding/json would also escape <, > and &,
// which is valid but makes different bytes.
func writeString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xf])
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}
