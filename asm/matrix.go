package asm

import (
	"fmt"

	"github.com/narallm/nara/quant"
)

// CheckMatrix reports whether w can be used as a [rows, cols] matrix of type
// wt by MatMul and ToF32: the type must be one the kernels decode, a row
// must be a whole number of blocks and w must hold exactly rows×cols
// elements.
func CheckMatrix(w []byte, wt quant.Type, rows, cols int) error {
	if !Supported(wt) {
		return fmt.Errorf("tensor type %s is not supported by the kernels", wt)
	}
	if rows <= 0 || cols <= 0 {
		return fmt.Errorf("matrix shape [%d, %d] invalid", rows, cols)
	}
	rb, err := RowBytes(wt, cols)
	if err != nil {
		return err
	}
	if int64(len(w)) != int64(rows)*int64(rb) {
		return fmt.Errorf("%s [%d, %d] needs %d bytes, have %d", wt, rows, cols, int64(rows)*int64(rb), len(w))
	}
	return nil
}

// Supported reports whether the kernels can multiply by weights of type t.
func Supported(t quant.Type) bool {
	switch t {
	case quant.F32, quant.F16, quant.BF16:
		return true
	}
	tr, ok := t.Traits()
	return ok && tr.Dequantize != nil
}

// RowBytes returns the storage size of one row of cols elements of type t.
func RowBytes(t quant.Type, cols int) (int, error) {
	n, err := t.Bytes(int64(cols))
	if err != nil {
		return 0, err
	}
	return int(n), nil
}
