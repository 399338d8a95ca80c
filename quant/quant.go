package quant

import "fmt"

// Dequantize converts len(dst) elements of type t from src, which must hold
// exactly their storage size, into dst.
func Dequantize(t Type, dst []float32, src []byte) error {
	tr, err := rowFor(t, "dequantize", len(dst), len(src))
	if err != nil {
		return err
	}
	if tr.Dequantize == nil {
		return fmt.Errorf("dequantize %s: not supported", tr.Name)
	}
	tr.Dequantize(dst, src)
	return nil
}

// Quantize converts src into type t with the reference quantizer; dst must
// have exactly the storage size of len(src) elements.
func Quantize(t Type, dst []byte, src []float32) error {
	tr, err := rowFor(t, "quantize", len(src), len(dst))
	if err != nil {
		return err
	}
	if tr.Quantize == nil {
		return fmt.Errorf("quantize %s: not supported", tr.Name)
	}
	tr.Quantize(dst, src)
	return nil
}

// VecDot returns the dot product of n weights of type t with n activations in
// t's VecDotType (quantize them first with Quantize(tr.VecDotType, ...)).
func VecDot(t Type, n int, w, x []byte) (float32, error) {
	tr, err := rowFor(t, "vecdot", n, len(w))
	if err != nil {
		return 0, err
	}
	if tr.VecDot == nil {
		return 0, fmt.Errorf("vecdot %s: not supported", tr.Name)
	}
	if _, err := rowFor(tr.VecDotType, "vecdot "+tr.Name+" activations", n, len(x)); err != nil {
		return 0, err
	}
	return tr.VecDot(n, w, x), nil
}

// rowFor checks that n elements of t take exactly size bytes.
func rowFor(t Type, op string, n, size int) (Traits, error) {
	tr, ok := t.Traits()
	if !ok {
		return Traits{}, fmt.Errorf("%s: unknown tensor type %d", op, uint32(t))
	}
	want, err := t.Bytes(int64(n))
	if err != nil {
		return Traits{}, fmt.Errorf("%s: %w", op, err)
	}
	if int64(size) != want {
		return Traits{}, fmt.Errorf("%s %s: %d elements need %d bytes, have %d", op, tr.Name, n, want, size)
	}
	return tr, nil
}
