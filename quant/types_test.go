package quant

import "testing"

// The block sizes in bytes are the ones ggml's headers give (sizeof(block_*)),
// written out here as numbers rather than derived, so that a slip in the table's
// arithmetic is caught.
func TestBlockBytesMatchGGML(t *testing.T) {
	want := map[Type][2]int{
		F32: {1, 4}, F16: {1, 2}, BF16: {1, 2},
		Q4_0: {32, 18}, Q4_1: {32, 20}, Q5_0: {32, 22}, Q5_1: {32, 24},
		Q8_0: {32, 34}, Q8_1: {32, 36},
		Q2_K: {256, 84}, Q3_K: {256, 110}, Q4_K: {256, 144}, Q5_K: {256, 176},
		Q6_K: {256, 210}, Q8_K: {256, 292},
		IQ2_XXS: {256, 66}, IQ2_XS: {256, 74}, IQ3_XXS: {256, 98}, IQ1_S: {256, 50},
		IQ4_NL: {32, 18}, IQ3_S: {256, 110}, IQ2_S: {256, 82}, IQ4_XS: {256, 136},
		IQ1_M: {256, 56}, TQ1_0: {256, 54}, TQ2_0: {256, 66}, MXFP4: {32, 17},
	}
	for ty, w := range want {
		tr, ok := ty.Traits()
		if !ok {
			t.Errorf("%v unknown", ty)
			continue
		}
		if tr.BlockSize != w[0] || tr.BlockBytes != w[1] {
			t.Errorf("%s: block %d×%dB, ggml has %d×%dB", tr.Name, tr.BlockSize, tr.BlockBytes, w[0], w[1])
		}
	}
}

func TestBytes(t *testing.T) {
	if n, err := Q4_0.Bytes(64); err != nil || n != 36 {
		t.Errorf("Q4_0.Bytes(64) = %d, %v", n, err)
	}
	for _, bad := range []struct {
		t Type
		n int64
	}{{Q4_0, 33}, {Q4_K, -256}, {Type(4), 32}, {Type(1000), 1}, {F32, 1 << 62}} {
		if _, err := bad.t.Bytes(bad.n); err == nil {
			t.Errorf("%v.Bytes(%d): no error", bad.t, bad.n)
		}
	}
	if ty, ok := ParseType("q4_k"); !ok || ty != Q4_K {
		t.Errorf("ParseType(q4_k) = %v, %v", ty, ok)
	}
}
