package gguf

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// FuzzParse feeds arbitrary bytes to Parse. Whatever it accepts must be
// self-consistent: every tensor is a view of the input at DataOffset+Offset,
// and writing the file back and parsing that gives the same metadata and
// tensors.
func FuzzParse(f *testing.F) {
	f.Add(smallFile())
	var buf bytes.Buffer
	if err := Write(&buf, everyValue(), everyTensor(), 64); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(header(0, 1).kvU32(AlignmentKey, 16).b)
	f.Add(deepArray(3))
	// The head of a real vocabulary file, when the fixtures are present.
	if _, ok := fixtures.Find(); ok {
		if files := fixtures.Glob(f, "tokenizers/llamacpp-vocab/*.gguf"); len(files) > 0 {
			if data, err := os.ReadFile(files[0]); err == nil {
				f.Add(data[:min(len(data), 4096)])
			}
		}
	}

	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		for _, ti := range p.Tensors {
			start := p.DataOffset + ti.Offset
			if start > uint64(len(data)) || uint64(len(ti.Data)) > uint64(len(data))-start {
				t.Fatalf("tensor %q: %d bytes at %d outside the %d-byte input", ti.Name, len(ti.Data), start, len(data))
			}
			if len(ti.Data) > 0 && &ti.Data[0] != &data[start] {
				t.Fatalf("tensor %q: Data is not the input at %d", ti.Name, start)
			}
		}
		var out bytes.Buffer
		if err := Write(&out, p.KVs, p.WriterTensors(), p.Alignment); err != nil {
			t.Fatalf("parsed file does not write back: %v", err)
		}
		q, err := Parse("rewritten", out.Bytes())
		if err != nil {
			t.Fatalf("rewritten file does not parse: %v", err)
		}
		if len(q.KVs) != len(p.KVs) || len(q.Tensors) != len(p.Tensors) || q.Alignment != p.Alignment {
			t.Fatalf("rewrite: %d kvs, %d tensors, alignment %d; was %d, %d, %d",
				len(q.KVs), len(q.Tensors), q.Alignment, len(p.KVs), len(p.Tensors), p.Alignment)
		}
		for i := range p.KVs {
			if q.KVs[i].Key != p.KVs[i].Key || !q.KVs[i].Value.Equal(p.KVs[i].Value) {
				t.Fatalf("kv %d (%q) changed in the rewrite", i, p.KVs[i].Key)
			}
		}
		for i, a := range p.Tensors {
			b := q.Tensors[i]
			if a.Name != b.Name || a.Type != b.Type || !slices.Equal(a.Dims, b.Dims) || !bytes.Equal(a.Data, b.Data) {
				t.Fatalf("tensor %d (%q) changed in the rewrite", i, a.Name)
			}
		}
	})
}
