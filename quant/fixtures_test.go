package quant_test

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/quant"
)

// maxRelRMS is the largest acceptable RMS error of a dequantized tensor
// relative to the RMS of the float original, per type. They follow from the
// number of levels: a format with 2^b levels per (sub-)block has a step of
// about range/2^b, and the RMS of a uniform rounding error is step/√12, so
// the bounds are about 1.5/2^b; 2/2^b for the symmetric Q4_0/Q5_0, which
// spend levels on the side opposite the block's extreme (Q8 and the floats
// are far below theirs). A wrong unpacking (misplaced nibble, scale or high
// bit) gives errors of order 1.
var maxRelRMS = map[quant.Type]float64{
	quant.F32: 0, quant.F16: 1e-3, quant.BF16: 4e-3,
	quant.Q8_0: 0.01, quant.Q8_1: 0.01, quant.Q8_K: 0.02,
	quant.Q6_K: 0.025, quant.Q5_1: 0.05, quant.Q5_K: 0.05, quant.Q5_0: 0.0625,
	quant.Q4_1: 0.1, quant.Q4_K: 0.1, quant.IQ4_NL: 0.1, quant.IQ4_XS: 0.1, quant.Q4_0: 0.125,
	quant.Q3_K: 0.2, quant.Q2_K: 0.4,
}

// requantBlocks is how many blocks of each fixture tensor the requantization
// check covers (the reference quantizers are slow; every tensor and type is
// still covered).
const requantBlocks = 64

// referenceFor returns the highest-precision GGUF conversion of the model a
// quantized fixture was made from: models/<model>.{f32,bf16,f16}.gguf.
func referenceFor(t *testing.T, root, model string) string {
	for _, ext := range []string{"f32", "bf16", "f16"} {
		p := filepath.Join(root, "models", model+"."+ext+".gguf")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return ""
}

type typeErr struct {
	se, ss  float64
	tensors int
}

// Every tensor of every quantized fixture (llama-quantize's files in quant/
// and the converter's Q8_0/F16/BF16 files in models/) dequantizes to within its type's
// quantization error of the float original, and our reference quantizer run
// on that original reproduces the file's blocks byte for byte.
func TestFixtureTensors(t *testing.T) {
	root := fixtures.Root(t)
	var files []string
	for _, pat := range []string{"quant/*.gguf", "models/*.q8_0.gguf", "models/*.f16.gguf", "models/*.bf16.gguf"} {
		files = append(files, fixtures.Glob(t, pat)...)
	}
	if len(files) == 0 {
		t.Skip("no quantized GGUF fixtures")
	}
	var mu sync.Mutex
	perType := map[quant.Type]*typeErr{}
	t.Run("files", func(t *testing.T) {
		for _, path := range files {
			base := filepath.Base(path)
			model, _, _ := strings.Cut(base, ".")
			t.Run(base, func(t *testing.T) {
				t.Parallel()
				refPath := referenceFor(t, root, model)
				if refPath == "" || refPath == path {
					t.Skipf("no higher-precision GGUF of %s in models/", model)
				}
				qf, err := gguf.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer qf.Close()
				rf, err := gguf.Open(refPath)
				if err != nil {
					t.Fatal(err)
				}
				defer rf.Close()
				for i := range qf.Tensors {
					ti := &qf.Tensors[i]
					rt, ok := rf.Tensor(ti.Name)
					if !ok {
						t.Errorf("%s: tensor %q not in %s", base, ti.Name, filepath.Base(refPath))
						continue
					}
					se, ss := checkTensor(t, base, ti, rt)
					mu.Lock()
					e := perType[ti.Type]
					if e == nil {
						e = &typeErr{}
						perType[ti.Type] = e
					}
					e.se += se
					e.ss += ss
					e.tensors++
					mu.Unlock()
				}
			})
		}
	})
	var types []quant.Type
	for ty := range perType {
		types = append(types, ty)
	}
	sort.Slice(types, func(i, j int) bool { return types[i] < types[j] })
	for _, ty := range types {
		e := perType[ty]
		t.Logf("%-7v %4d tensors  relative RMS error %.4g", ty, e.tensors, math.Sqrt(e.se/e.ss))
	}
}

// checkTensor compares one quantized tensor with its float original and
// returns the summed squared error and squared reference.
func checkTensor(t *testing.T, file string, ti, rt *gguf.TensorInfo) (se, ss float64) {
	t.Helper()
	n := ti.Elements()
	if rt.Elements() != n {
		t.Errorf("%s %s: %d elements, reference has %d", file, ti.Name, n, rt.Elements())
		return 0, 0
	}
	got := make([]float32, n)
	if err := quant.Dequantize(ti.Type, got, ti.Data); err != nil {
		t.Errorf("%s %s: %v", file, ti.Name, err)
		return 0, 0
	}
	ref := make([]float32, n)
	if err := quant.Dequantize(rt.Type, ref, rt.Data); err != nil {
		t.Errorf("%s %s reference: %v", file, ti.Name, err)
		return 0, 0
	}
	for i := range got {
		d := float64(got[i]) - float64(ref[i])
		se += d * d
		ss += float64(ref[i]) * float64(ref[i])
	}
	rel := math.Sqrt(se / ss)
	bound, ok := maxRelRMS[ti.Type]
	if !ok {
		t.Errorf("%s %s: no error bound for type %v", file, ti.Name, ti.Type)
	} else if !(rel <= bound) {
		t.Errorf("%s %s (%v): relative RMS error %.4g > %.4g", file, ti.Name, ti.Type, rel, bound)
	}

	// Requantize the first blocks of the original and compare bytes.
	tr, _ := ti.Type.Traits()
	if tr.Quantize == nil || ti.Type == rt.Type {
		return se, ss
	}
	blocks := min(int(n)/tr.BlockSize, requantBlocks)
	out := make([]byte, blocks*tr.BlockBytes)
	if err := quant.Quantize(ti.Type, out, ref[:blocks*tr.BlockSize]); err != nil {
		t.Errorf("%s %s: %v", file, ti.Name, err)
		return se, ss
	}
	for b := 0; b < blocks; b++ {
		lo, hi := b*tr.BlockBytes, (b+1)*tr.BlockBytes
		if !bytes.Equal(out[lo:hi], ti.Data[lo:hi]) {
			t.Errorf("%s %s (%v): block %d requantized\n got % x\nwant % x", file, ti.Name, ti.Type, b, out[lo:hi], ti.Data[lo:hi])
			break
		}
	}
	return se, ss
}
