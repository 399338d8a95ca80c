// Package convert writes GGUF files: a model that package loader opened (a
// GGUF file or a Hugging Face directory) requantized or converted with a
// per-tensor type plan, or a model with random weights for benchmarks.
//
// The plan follows llama.cpp's llama-quantize presets (Q4_0 … Q6_K, the K-quant
// mixes, IQ4_NL/IQ4_XS, F16, BF16, F32), and the HF conversion follows its
// convert_hf_to_gguf.py (metadata keys, Q/K row permutation for Llama, Gemma's
// 1+w norms, rope_freqs for Llama 3 scaling, tokenizer.ggml.* from the
// directory's tokenizer files), so that a file written here holds the same
// tensors as llama.cpp's tools would write.
//
// Output is streamed tensor by tensor and, within a tensor, in chunks of rows:
// memory stays near a few chunks per thread whatever the model's size.
package convert

import (
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/quant"
)

// Options adjust a conversion.
type Options struct {
	// Threads quantizing in parallel; 0 means GOMAXPROCS.
	Threads int
	// Progress, when set, is called after each chunk of tensor data is
	// written, with the bytes written so far and the total.
	Progress func(done, total int64)
	// Name is general.name for a file converted from an HF directory (""
	// derives it from the directory's name, as llama.cpp's converter does).
	Name string
}

// source is one tensor to write: its name, its shape and where its elements
// come from. Exactly one of raw (bytes to copy, or to decode) and gen (rows
// computed on demand) describes the data.
type source struct {
	name  string
	shape []int      // row-major, outermost first
	typ   quant.Type // the type of raw, or the natural type of generated data
	// toF32: when the plan keeps this tensor's type, write it as F32 (the
	// converter stores vectors so), not as typ.
	toF32 bool

	raw []byte
	// transform adjusts decoded rows (Gemma's norm offset): rows [lo, hi)
	// are in dst.
	transform func(dst []float32, lo, hi int)
	// rowOf maps an output row to the raw row it comes from (the Q/K
	// permutation); nil is the identity.
	rowOf func(r int) int

	// gen fills dst with rows [lo, hi) (generated models, rope_freqs).
	gen func(dst []float32, lo, hi int)
}

// cols is the length of a row (ggml's ne[0]); rows the number of rows.
func (s *source) cols() int {
	if len(s.shape) == 0 {
		return 1
	}
	return s.shape[len(s.shape)-1]
}

func (s *source) rows() int {
	n := 1
	for _, d := range s.shape[:max(len(s.shape)-1, 0)] {
		n *= d
	}
	return n
}

// keepType is the type the tensor has when the plan does not quantize it.
func (s *source) keepType() quant.Type {
	if s.toF32 {
		return quant.F32
	}
	return s.typ
}

// copyable reports whether the tensor can be written as its stored bytes.
func (s *source) copyable(to quant.Type) bool {
	return s.raw != nil && s.typ == to && s.transform == nil && s.rowOf == nil
}

// readRows decodes rows [lo, hi) into dst as float32.
func (s *source) readRows(dst []float32, lo, hi int) error {
	cols := s.cols()
	if s.gen != nil {
		s.gen(dst[:(hi-lo)*cols], lo, hi)
		return nil
	}
	rb, err := s.typ.Bytes(int64(cols))
	if err != nil {
		return err
	}
	for r := lo; r < hi; r++ {
		src := r
		if s.rowOf != nil {
			src = s.rowOf(r)
		}
		if err := quant.Dequantize(s.typ, dst[(r-lo)*cols:(r-lo+1)*cols], s.raw[int64(src)*rb:int64(src+1)*rb]); err != nil {
			return err
		}
	}
	if s.transform != nil {
		s.transform(dst[:(hi-lo)*cols], lo, hi)
	}
	return nil
}

// ggmlDims turns a row-major shape into GGUF's dims, innermost first.
func ggmlDims(shape []int) []uint64 {
	d := make([]uint64, len(shape))
	for i, n := range shape {
		d[len(shape)-1-i] = uint64(n)
	}
	return d
}

// chunkElems is about how many elements one worker converts at a time.
const chunkElems = 1 << 18

// write writes a GGUF file holding srcs converted to the planned types.
func write(w io.Writer, kvs []gguf.KV, srcs []*source, plan map[string]quant.Type, alignment uint64, opt Options) error {
	threads := opt.Threads
	if threads <= 0 {
		threads = runtime.GOMAXPROCS(0)
	}
	var total, done int64
	tensors := make([]gguf.WriterTensor, len(srcs))
	for i, s := range srcs {
		to, ok := plan[s.name]
		if !ok {
			return fmt.Errorf("convert: tensor %q has no planned type", s.name)
		}
		n := int64(s.rows()) * int64(s.cols())
		size, err := to.Bytes(n)
		if err != nil {
			return fmt.Errorf("convert: tensor %q %v as %s: %w", s.name, s.shape, to, err)
		}
		if tr, _ := to.Traits(); tr.Quantize == nil {
			if !s.copyable(to) {
				return fmt.Errorf("convert: tensor %q: nara cannot write type %s", s.name, to)
			}
		}
		if s.raw != nil && !s.copyable(to) {
			if tr, _ := s.typ.Traits(); tr.Dequantize == nil {
				return fmt.Errorf("convert: tensor %q: nara cannot read type %s to convert it to %s", s.name, s.typ, to)
			}
		}
		total += size
		t := gguf.WriterTensor{Name: s.name, Type: to, Dims: ggmlDims(s.shape)}
		if s.copyable(to) {
			t.WriteTo = func(w io.Writer) error {
				if _, err := w.Write(s.raw); err != nil {
					return err
				}
				done += size
				if opt.Progress != nil {
					opt.Progress(done, total)
				}
				return nil
			}
		} else {
			t.WriteTo = func(w io.Writer) error {
				return convertTensor(w, s, to, threads, func(n int64) {
					done += n
					if opt.Progress != nil {
						opt.Progress(done, total)
					}
				})
			}
		}
		tensors[i] = t
	}
	return gguf.Write(w, kvs, tensors, alignment)
}

// convertTensor writes s as type to. Chunks of rows are converted by up to
// threads workers at once and written in order, so memory stays at one
// chunk per worker.
func convertTensor(w io.Writer, s *source, to quant.Type, threads int, wrote func(int64)) error {
	rows, cols := s.rows(), s.cols()
	if rows == 0 || cols == 0 {
		return nil // an empty tensor: nothing to write
	}
	rb, err := to.Bytes(int64(cols))
	if err != nil {
		return err
	}
	per := max(1, chunkElems/cols) // rows per chunk
	type chunk struct {
		lo, hi int
		f32    []float32
		out    []byte
		err    error
	}
	work := make([]chunk, threads)
	for i := range work {
		work[i].f32 = make([]float32, min(per, rows)*cols)
		work[i].out = make([]byte, min(per, rows)*int(rb))
	}
	for lo := 0; lo < rows; lo += per * threads {
		var wg sync.WaitGroup
		batch := work[:0]
		for k := range threads {
			a := lo + k*per
			if a >= rows {
				break
			}
			c := &work[k]
			c.lo, c.hi = a, min(a+per, rows)
			batch = work[:k+1]
			wg.Go(func() {
				n := c.hi - c.lo
				f := c.f32[:n*cols]
				if c.err = s.readRows(f, c.lo, c.hi); c.err == nil {
					c.err = quant.Quantize(to, c.out[:n*int(rb)], f)
				}
			})
		}
		wg.Wait()
		for _, c := range batch {
			if c.err != nil {
				return c.err
			}
			size := (c.hi - c.lo) * int(rb)
			if _, err := w.Write(c.out[:size]); err != nil {
				return err
			}
			wrote(int64(size))
		}
	}
	return nil
}
