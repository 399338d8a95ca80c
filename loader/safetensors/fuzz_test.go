package safetensors

import (
	"bytes"
	"testing"
	"unsafe"
)

// FuzzParse checks that Parse never panics and that whatever it accepts is
// sound: every tensor's Data lies inside the input and has the size its
// dtype and shape call for, and writing the file back out and parsing it
// again gives the same tensors and metadata.
func FuzzParse(f *testing.F) {
	f.Add(small)
	f.Add(rawFile("{}", nil))
	f.Add(rawFile(`{"__metadata__":null,"z":{"dtype":"F64","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"BOOL","shape":[],"data_offsets":[0,1]}}`, []byte{1}))
	f.Add(rawFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, make([]byte, 4)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", data)
		if err != nil {
			return
		}
		lo := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
		hi := lo + uintptr(len(data))
		for _, ts := range file.Tensors {
			size, err := byteSize(ts.DType, ts.Shape)
			if err != nil || int64(len(ts.Data)) != size {
				t.Fatalf("tensor %q: %d bytes for %s %v (%v)", ts.Name, len(ts.Data), ts.DType, ts.Shape, err)
			}
			if len(ts.Data) == 0 {
				continue
			}
			p := uintptr(unsafe.Pointer(unsafe.SliceData(ts.Data)))
			if p < lo || p+uintptr(len(ts.Data)) > hi {
				t.Fatalf("tensor %q: data outside the input", ts.Name)
			}
		}
		var buf bytes.Buffer
		if err := Write(&buf, writerTensors(file.Tensors), file.Metadata); err != nil {
			t.Fatalf("write back: %v", err)
		}
		again, err := Parse("rewritten", buf.Bytes())
		if err != nil {
			t.Fatalf("parse rewritten: %v", err)
		}
		if err := sameTensors(file.Tensors, again.Tensors); err != nil {
			t.Fatal(err)
		}
		if err := sameMetadata(file.Metadata, again.Metadata); err != nil {
			t.Fatal(err)
		}
	})
}
