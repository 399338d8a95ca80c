//go:build !unix

package mmap

import (
	"errors"
	"os"
)

func mapFile(*os.File, int) ([]byte, func() error, error) {
	return nil, nil, errors.New("mmap not supported on this platform")
}

func release([]byte) {}

// Anonymous returns size bytes of zeroed memory (here: on the Go heap).
func Anonymous(size int) ([]byte, func(), error) {
	return make([]byte, max(size, 0)), func() {}, nil
}
