package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
)

// The file names Hugging Face uses for a model's weights.
const (
	SingleFile = "model.safetensors"
	IndexFile  = "model.safetensors.index.json"
)

// maxIndexBytes bounds the index JSON we are willing to read; real ones are
// tens of kilobytes.
const maxIndexBytes = 100_000_000

// Set is a model's weights as Hugging Face stores them: one model.safetensors,
// or shards listed by model.safetensors.index.json.
type Set struct {
	Dir   string
	Files []*File // one per shard, sorted by file name

	byName map[string]*Tensor
}

// OpenDir opens the weights in dir. When model.safetensors.index.json is
// there it is followed and checked: every shard it names must exist inside
// dir, every tensor it lists must be in the shard it names, and no tensor may
// be in two shards. Tensors a shard holds but the index does not list are
// served too, as transformers loads whole shards. Otherwise dir must hold
// model.safetensors.
//
// Shards may be symbolic links (as in the Hugging Face cache); only the names
// in the index are kept from climbing out of dir.
func OpenDir(dir string) (*Set, error) {
	indexPath := filepath.Join(dir, IndexFile)
	if _, err := os.Stat(indexPath); err == nil {
		return openIndexed(dir, indexPath)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	f, err := Open(filepath.Join(dir, SingleFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("safetensors %s: neither %s nor %s is there", dir, IndexFile, SingleFile)
	}
	if err != nil {
		return nil, err
	}
	s := &Set{Dir: dir, Files: []*File{f}}
	if err := s.buildIndex(); err != nil { // cannot fail for one file; kept for symmetry
		s.Close()
		return nil, err
	}
	return s, nil
}

func openIndexed(dir, indexPath string) (*Set, error) {
	weightMap, err := readIndex(indexPath)
	if err != nil {
		return nil, err
	}
	// Shard names are cleaned so that "a.safetensors" and "./a.safetensors"
	// are one file, not two files holding the same tensors.
	shardOf := make(map[string]string, len(weightMap))
	var shards []string
	seen := make(map[string]bool)
	for tensor, shard := range weightMap {
		if !filepath.IsLocal(shard) {
			return nil, fmt.Errorf("safetensors index %s: tensor %q: shard name %q is not a file inside the directory", indexPath, tensor, shard)
		}
		clean := filepath.Clean(filepath.FromSlash(shard))
		shardOf[tensor] = clean
		if !seen[clean] {
			seen[clean] = true
			shards = append(shards, clean)
		}
	}
	sort.Strings(shards)

	s := &Set{Dir: dir}
	files := make(map[string]*File, len(shards))
	for _, shard := range shards {
		f, err := Open(filepath.Join(dir, shard))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("safetensors index %s: shard %q: %w", indexPath, shard, err)
		}
		s.Files = append(s.Files, f)
		files[shard] = f
	}
	// Report the first bad entry in name order so the error is stable.
	names := make([]string, 0, len(weightMap))
	for name := range weightMap {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := files[shardOf[name]].Tensor(name); !ok {
			s.Close()
			return nil, fmt.Errorf("safetensors index %s: weight_map: tensor %q is not in shard %q", indexPath, name, weightMap[name])
		}
	}
	if err := s.buildIndex(); err != nil {
		s.Close()
		return nil, fmt.Errorf("safetensors index %s: %w", indexPath, err)
	}
	return s, nil
}

// readIndex returns the weight_map of an index file, rejecting a tensor
// listed twice (which encoding/json would silently collapse).
func readIndex(path string) (map[string]string, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("safetensors index %s: %w", path, err)
	}
	if len(data) > maxIndexBytes {
		return nil, fmt.Errorf("safetensors index %s: larger than %d bytes", path, maxIndexBytes)
	}
	if !json.Valid(data) {
		return nil, fmt.Errorf("safetensors index %s: not valid JSON", path)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("safetensors index %s: %w", path, err)
	}
	var weightMap map[string]string
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, fmt.Errorf("safetensors index %s: %w", path, err)
		}
		if key != "weight_map" {
			var skip json.RawMessage // "metadata" and anything else
			if err := dec.Decode(&skip); err != nil {
				return nil, fmt.Errorf("safetensors index %s: %s: %w", path, key, err)
			}
			continue
		}
		if weightMap != nil {
			return nil, fmt.Errorf("safetensors index %s: weight_map given twice", path)
		}
		if weightMap, err = parseWeightMap(dec); err != nil {
			return nil, fmt.Errorf("safetensors index %s: weight_map: %w", path, err)
		}
	}
	if len(weightMap) == 0 {
		return nil, fmt.Errorf("safetensors index %s: weight_map is missing or empty", path)
	}
	return weightMap, nil
}

func parseWeightMap(dec *json.Decoder) (map[string]string, error) {
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	m := make(map[string]string)
	for dec.More() {
		name, err := objectKey(dec)
		if err != nil {
			return nil, err
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		shard, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("tensor %q: shard must be a string, got %s", name, describe(tok))
		}
		if prev, dup := m[name]; dup {
			return nil, fmt.Errorf("tensor %q listed twice (in %q and %q)", name, prev, shard)
		}
		m[name] = shard
	}
	_, err := dec.Token() // the closing '}'
	return m, err
}

// buildIndex maps every tensor of every file by name; a name in two files is
// an error.
func (s *Set) buildIndex() error {
	s.byName = make(map[string]*Tensor)
	owner := make(map[string]*File)
	for _, f := range s.Files {
		for i := range f.Tensors {
			t := &f.Tensors[i]
			if prev, dup := owner[t.Name]; dup {
				return fmt.Errorf("tensor %q is in two shards: %s and %s", t.Name, prev.Name, f.Name)
			}
			owner[t.Name] = f
			s.byName[t.Name] = t
		}
	}
	return nil
}

// Tensor finds a tensor by name in any shard.
func (s *Set) Tensor(name string) (*Tensor, bool) {
	t, ok := s.byName[name]
	return t, ok
}

// Tensors returns every tensor of every shard, sorted by name.
func (s *Set) Tensors() []*Tensor {
	ts := make([]*Tensor, 0, len(s.byName))
	for _, t := range s.byName {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Name < ts[j].Name })
	return ts
}

// Release tells the OS that tensor bytes b will not be read again soon
// (mmap.File.Release); b may be in any shard.
func (s *Set) Release(b []byte) {
	for _, f := range s.Files {
		f.mm.Release(b)
	}
}

// Close closes every shard.
func (s *Set) Close() error {
	var errs []error
	for _, f := range s.Files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
