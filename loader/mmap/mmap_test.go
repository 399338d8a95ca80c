package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	want := bytes.Repeat([]byte("nara"), 5000)
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(m.Data, want) {
		t.Fatal("mapped bytes differ from the file")
	}
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}

	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o644)
	if m, err := Open(empty); err != nil || len(m.Data) != 0 {
		t.Fatalf("empty file: %v", err)
	}
	if _, err := Open(dir); err == nil {
		t.Fatal("directory opened as a file")
	}
	if _, err := Open(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("missing file opened")
	}
}

// TestRelease releases parts of a mapping (unaligned, a heap slice that is
// not part of it, nothing): the bytes still read back as the file's.
func TestRelease(t *testing.T) {
	want := make([]byte, 5*os.Getpagesize()+123)
	for i := range want {
		want[i] = byte(i * 31)
	}
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, want, 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.Release(m.Data[100 : len(m.Data)-50])
	m.Release(m.Data[:0])
	m.Release(bytes.Clone(m.Data[:4096])) // not in the mapping: ignored
	if !bytes.Equal(m.Data, want) {
		t.Fatal("bytes differ from the file after Release")
	}
}

// TestAnonymous: the memory has the size asked for, starts zeroed, holds
// what is written, and is aligned to a huge page where it is mapped.
func TestAnonymous(t *testing.T) {
	for _, size := range []int{0, 1, 3 << 20} {
		b, free, err := Anonymous(size)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != size {
			t.Fatalf("Anonymous(%d): %d bytes", size, len(b))
		}
		for i := range b {
			if b[i] != 0 {
				t.Fatalf("Anonymous(%d): byte %d is %d", size, i, b[i])
			}
			b[i] = byte(i)
		}
		if size > 0 && b[size-1] != byte(size-1) {
			t.Fatal("write lost")
		}
		free()
	}
}
