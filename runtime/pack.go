package runtime

import (
	"fmt"
	goruntime "runtime"

	"github.com/narallm/nara/asm"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/mmap"
)

// PackWeights says whether New repacks weight matrices into the kernels'
// packed layout (asm.Pack) when the active kernels have packed versions.
// Packing copies those matrices once, at load, into memory backed by huge
// pages, and releases their pages of the mapped file, so the resident
// size stays that of the file. A decode step then streams each matrix as
// one sequence that feeds 16 rows at a time (measured: tg on a Q4_0 model
// about 1.6× faster). Set it to false before New to run every weight
// straight from the mapping.
var PackWeights = true

// packSlice is about how many bytes of a matrix pack does at a time.
const packSlice = 8 << 20

// pack repacks m's matrices that the active kernels multiply faster
// packed. The embeddings are packed only when they are also the classifier
// (tied); lookups then decode rows from the packed layout.
func (m *Model) pack(lm *loader.Model) error {
	if !PackWeights {
		return nil
	}
	var ws []*matrix
	for l := range m.layers {
		L := &m.layers[l]
		ws = append(ws, &L.wq, &L.wk, &L.wv, &L.wo, &L.wGate, &L.wUp, &L.wDown)
	}
	ws = append(ws, &m.output)
	total := 0
	n := 0
	for _, w := range ws {
		if asm.Packs(w.typ) && asm.CanPack(w.typ, w.rows, w.cols) {
			ws[n] = w
			n++
			total += len(w.data)
		}
	}
	ws = ws[:n]
	if n == 0 {
		return nil
	}
	mem, free, err := mmap.Anonymous(total)
	if err != nil {
		return fmt.Errorf("%s: packing weights: %w", lm.Path, err)
	}
	goruntime.AddCleanup(m, func(free func()) { free() }, free)
	for _, w := range ws {
		dst := mem[:len(w.data):len(w.data)]
		mem = mem[len(w.data):]
		// A slice of rows at a time, each released as soon as it is
		// packed: the process then holds at most packSlice bytes of a
		// matrix twice, not the whole matrix (a tied 128k-vocabulary
		// classifier is 200 MB).
		rb := len(w.data) / w.rows
		step := max(16, packSlice/rb/16*16)
		for r0 := 0; r0 < w.rows; r0 += step {
			r1 := min(r0+step, w.rows)
			if err := asm.Pack(dst[r0*rb:r1*rb], w.data[r0*rb:r1*rb], w.typ, r1-r0, w.cols); err != nil {
				return fmt.Errorf("%s: %w", lm.Path, err)
			}
			lm.Release(w.data[r0*rb : r1*rb])
		}
		lm.Release(w.data) // the pages the slices shared
		w.data, w.packed = dst, true
		m.packedBytes += len(dst)
	}
	if m.output.packed && m.Config.TiedEmbeddings {
		m.embed = m.output
	}
	return nil
}

// PackedBytes is how many weight bytes New copied into the packed layout
// (0 when nothing was packed).
func (m *Model) PackedBytes() int { return m.packedBytes }
