// Package mmap maps a whole file read-only into memory. Model weights are used
// straight from the mapping: nothing is copied, and pages the OS has cached are
// shared between processes.
package mmap

import (
	"fmt"
	"os"
	"unsafe"
)

// File is a read-only view of a whole file.
type File struct {
	Name string
	Data []byte // the file's bytes; valid until Close
	// unmap releases Data. nil when Data is an ordinary heap copy.
	unmap func() error
}

// Open maps name. On platforms without mmap (or when mapping fails for a
// reason other than a bad file) the file is read into memory instead.
func Open(name string) (*File, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", name)
	}
	size := st.Size()
	if size == 0 {
		return &File{Name: name, Data: []byte{}}, nil
	}
	if int64(int(size)) != size {
		return nil, fmt.Errorf("%s: %d bytes is too large to map", name, size)
	}
	if data, unmap, err := mapFile(f, int(size)); err == nil {
		return &File{Name: name, Data: data, unmap: unmap}, nil
	}
	data := make([]byte, size)
	if _, err := f.ReadAt(data, 0); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &File{Name: name, Data: data}, nil
}

// Release tells the OS that the process will not read b, a part of Data,
// again soon: the whole pages inside b leave the resident set (they stay in
// the page cache, and a later read maps them back). Weights that were
// copied into another layout are released so the process does not hold
// both. A no-op for a heap copy, or for b outside Data.
func (m *File) Release(b []byte) {
	if m == nil || m.unmap == nil || len(b) == 0 || len(m.Data) == 0 {
		return
	}
	base, p := uintptr(unsafe.Pointer(&m.Data[0])), uintptr(unsafe.Pointer(&b[0]))
	if p < base || p-base+uintptr(len(b)) > uintptr(len(m.Data)) {
		return
	}
	page := uintptr(os.Getpagesize())
	lo, hi := (p-base+page-1)/page*page, (p-base+uintptr(len(b)))/page*page
	if lo < hi {
		release(m.Data[lo:hi])
	}
}

// Close releases the mapping. Slices of Data must not be used afterwards.
func (m *File) Close() error {
	if m == nil || m.unmap == nil {
		return nil
	}
	err := m.unmap()
	m.unmap, m.Data = nil, nil
	return err
}
