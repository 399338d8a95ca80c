package safetensors

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// rawFile builds a file by hand: the 8-byte length of header, header, data.
// Tests use it to state the expected bytes independently of Write.
func rawFile(header string, data []byte) []byte {
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	out = append(out, header...)
	return append(out, data...)
}

// encode runs Write into memory.
func encode(t testing.TB, ts []WriterTensor, meta map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, ts, meta); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t testing.TB, path string, ts []WriterTensor, meta map[string]string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, encode(t, ts, meta), 0o644); err != nil {
		t.Fatal(err)
	}
}

// writerTensors turns parsed tensors back into writer input.
func writerTensors(ts []Tensor) []WriterTensor {
	out := make([]WriterTensor, len(ts))
	for i, t := range ts {
		out[i] = WriterTensor{Name: t.Name, DType: t.DType, Shape: t.Shape, Data: t.Data}
	}
	return out
}

// sameTensors reports the first difference between two tensor lists,
// compared by name (order is not part of the contract).
func sameTensors(want, got []Tensor) error {
	if len(want) != len(got) {
		return fmt.Errorf("%d tensors, want %d", len(got), len(want))
	}
	byName := make(map[string]*Tensor, len(got))
	for i := range got {
		byName[got[i].Name] = &got[i]
	}
	for _, w := range want {
		g, ok := byName[w.Name]
		if !ok {
			return fmt.Errorf("tensor %q missing", w.Name)
		}
		if g.DType != w.DType {
			return fmt.Errorf("tensor %q: dtype %s, want %s", w.Name, g.DType, w.DType)
		}
		if !slices.Equal(g.Shape, w.Shape) {
			return fmt.Errorf("tensor %q: shape %v, want %v", w.Name, g.Shape, w.Shape)
		}
		if !bytes.Equal(g.Data, w.Data) {
			return fmt.Errorf("tensor %q: data differs", w.Name)
		}
	}
	return nil
}

func sameMetadata(want, got map[string]string) error {
	if len(want) != len(got) {
		return fmt.Errorf("metadata has %d keys, want %d", len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			return fmt.Errorf("metadata %q = %q, want %q", k, g, v)
		}
	}
	return nil
}
