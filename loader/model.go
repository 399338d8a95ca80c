package loader

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/quant"
)

// Tensor is one weight as stored: Data is a view into the mapped file.
type Tensor struct {
	Name  string     // canonical (GGUF) name
	Type  quant.Type // element type of Data
	Shape []int      // row-major, outermost first: an out×in matrix is [out, in]
	Data  []byte
}

// Elems is the number of elements.
func (t *Tensor) Elems() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Model is an opened model file or directory.
type Model struct {
	Path    string
	Format  string // "gguf" or "safetensors"
	Config  *Config
	Tensors map[string]*Tensor
	Order   []string // tensor names in file order

	GGUF *gguf.File       // the GGUF file, for metadata and the tokenizer (nil for HF)
	HF   *safetensors.Set // the HF shards (nil for GGUF)
	Dir  string           // HF directory (tokenizer files, generation config)
}

// Open opens a .gguf file or an HF directory holding config.json and
// model.safetensors (or shards).
func Open(path string) (*Model, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openHF(path)
	}
	return openGGUF(path)
}

// Close releases the mappings. Tensor data must not be used afterwards.
func (m *Model) Close() error {
	var errs []error
	if m.GGUF != nil {
		errs = append(errs, m.GGUF.Close())
	}
	if m.HF != nil {
		errs = append(errs, m.HF.Close())
	}
	return errors.Join(errs...)
}

// Release tells the OS that b, bytes of one of the model's tensors, will
// not be read again soon: their pages leave the process's resident set.
// The runtime calls it for weights it copied into another layout.
func (m *Model) Release(b []byte) {
	if m.GGUF != nil {
		m.GGUF.Release(b)
	}
	if m.HF != nil {
		m.HF.Release(b)
	}
}

// Weight returns tensor name, checking its shape (row-major, outermost first)
// when one is given. The error names the model, the tensor and both shapes.
func (m *Model) Weight(name string, shape ...int) (*Tensor, error) {
	t, ok := m.Tensors[name]
	if !ok {
		return nil, fmt.Errorf("%s: missing tensor %q", m.Path, name)
	}
	if shape != nil && !slices.Equal(t.Shape, shape) {
		return nil, fmt.Errorf("%s: tensor %q has shape %v, the model's config needs %v", m.Path, name, t.Shape, shape)
	}
	return t, nil
}

// Has reports whether the model has tensor name.
func (m *Model) Has(name string) bool { _, ok := m.Tensors[name]; return ok }

func (m *Model) add(t *Tensor) error {
	if _, dup := m.Tensors[t.Name]; dup {
		return fmt.Errorf("%s: two tensors map to %q", m.Path, t.Name)
	}
	m.Tensors[t.Name] = t
	m.Order = append(m.Order, t.Name)
	return nil
}

func openHF(dir string) (*Model, error) {
	cfgPath := filepath.Join(dir, "config.json")
	data, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseHFConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	set, err := safetensors.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	m := &Model{Path: dir, Format: "safetensors", Config: cfg, HF: set, Dir: dir, Tensors: map[string]*Tensor{}}
	for _, st := range set.Tensors() {
		typ, ok := st.DType.QuantType()
		if !ok {
			set.Close()
			return nil, fmt.Errorf("%s: tensor %q: dtype %s is not supported", dir, st.Name, st.DType)
		}
		name, _ := GGUFName(cfg.Arch, st.Name)
		shape := make([]int, len(st.Shape))
		for i, d := range st.Shape {
			shape[i] = int(d)
		}
		if err := m.add(&Tensor{Name: name, Type: typ, Shape: shape, Data: st.Data}); err != nil {
			set.Close()
			return nil, err
		}
	}
	// The checkpoint, not the config default, decides whether the output
	// projection is its own tensor.
	cfg.TiedEmbeddings = !m.Has("output.weight")
	return m, nil
}

func openGGUF(path string) (*Model, error) {
	f, err := gguf.Open(path)
	if err != nil {
		return nil, err
	}
	m := &Model{Path: path, Format: "gguf", GGUF: f, Tensors: map[string]*Tensor{}}
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		shape := make([]int, len(ti.Dims))
		for j, d := range ti.Dims { // ggml lists the innermost dimension first
			shape[len(shape)-1-j] = int(d)
		}
		if err := m.add(&Tensor{Name: ti.Name, Type: ti.Type, Shape: shape, Data: ti.Data}); err != nil {
			f.Close()
			return nil, err
		}
	}
	cfg, err := ggufConfig(f, m)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("gguf %s: %w", path, err)
	}
	m.Config = cfg
	return m, nil
}
