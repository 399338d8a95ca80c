//go:build unix

package mmap

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

func mapFile(f *os.File, size int) ([]byte, func() error, error) {
	data, err := unix.Mmap(int(f.Fd()), 0, size, unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, err
	}
	return data, func() error { return unix.Munmap(data) }, nil
}

// release drops the process's pages of b, a page-aligned part of a
// read-only file mapping.
func release(b []byte) { _ = unix.Madvise(b, unix.MADV_DONTNEED) }

// hugePage is the size of a transparent huge page on the platforms that
// matter here (x86-64, arm64 with 4 KiB pages).
const hugePage = 2 << 20

// Anonymous returns size bytes of fresh zeroed memory outside the Go heap,
// backed by transparent huge pages where the kernel allows it (madvise
// mode), and the function that frees it. Weights that kernels stream every
// token live there: with 4 KiB pages each page starts with a TLB miss and
// the hardware prefetcher stops at every page boundary (measured: tg64 on
// a Q4_0 model 24.3 → 28.5 t/s for the same bytes).
func Anonymous(size int) ([]byte, func(), error) {
	if size <= 0 {
		return []byte{}, func() {}, nil
	}
	n := (size + hugePage - 1) / hugePage * hugePage
	raw, err := unix.Mmap(-1, 0, n+hugePage, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, nil, fmt.Errorf("allocating %d bytes: %w", size, err)
	}
	off := int(-uintptr(unsafe.Pointer(&raw[0])) & (hugePage - 1)) // to a huge-page boundary
	data := raw[off : off+n]
	_ = unix.Madvise(data, unix.MADV_HUGEPAGE) // advice: ignored where THP is off
	return data[:size:size], func() { _ = unix.Munmap(raw) }, nil
}
