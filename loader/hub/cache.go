package hub

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// cache is one repo's part of the cache directory (layout in the package
// comment).
type cache struct {
	dir string // ROOT/ORG/NAME
}

func newCache(root, repo string) cache {
	return cache{dir: filepath.Join(root, filepath.FromSlash(repo))}
}

func (c cache) snapshot(commit string) string {
	return filepath.Join(c.dir, "snapshots", commit)
}

func (c cache) file(commit, path string) string {
	return filepath.Join(c.snapshot(commit), filepath.FromSlash(path))
}

func (c cache) part(commit, path string) string {
	return filepath.Join(c.dir, "partial", commit, filepath.FromSlash(path)) + ".part"
}

func (c cache) lock(commit, path string) string {
	return filepath.Join(c.dir, "partial", commit, filepath.FromSlash(path)) + ".lock"
}

func (c cache) refPath(rev string) string {
	// PathEscape turns '/' (refs/pr/1) into %2F, so a ref is one file.
	return filepath.Join(c.dir, "refs", url.PathEscape(rev))
}

func (c cache) manifestPath(commit string) string {
	return filepath.Join(c.dir, "manifests", commit+".json")
}

// manifest is the repo's listing at one commit, kept so that a reference
// can be resolved, and unchanged files found, without the network.
type manifest struct {
	Repo   string  `json:"repo"`
	Commit string  `json:"commit"`
	Files  []entry `json:"files"`
}

func (c cache) writeManifest(repo, commit string, files []entry) error {
	data, err := json.MarshalIndent(manifest{Repo: repo, Commit: commit, Files: files}, "", " ")
	if err != nil {
		return err
	}
	return writeAtomic(c.manifestPath(commit), data)
}

// readManifest reads and re-checks a manifest: the cache may have been
// edited or damaged, and its paths become file names.
func (c cache) readManifest(commit string) ([]entry, error) {
	p := c.manifestPath(commit)
	data, err := readLimited(p, maxTreeBytes)
	if err != nil {
		return nil, err
	}
	var m manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	for _, e := range m.Files {
		if !validPath(e.Path) || e.Size < 0 || (e.SHA256 != "" && !isHex(e.SHA256, 64)) || (e.OID != "" && !isHex(e.OID, 40)) {
			return nil, fmt.Errorf("%s: bad entry for %q", p, clean(e.Path, 200))
		}
	}
	return m.Files, nil
}

func (c cache) writeRef(rev, commit string) error {
	return writeAtomic(c.refPath(rev), []byte(commit+"\n"))
}

// commitOf is the commit rev names: itself for a commit id, else the one
// recorded at the last pull.
func (c cache) commitOf(rev string) (string, bool) {
	if isCommit(rev) {
		return rev, true
	}
	data, err := readLimited(c.refPath(rev), 100)
	if err != nil {
		return "", false
	}
	commit := strings.TrimSpace(string(data))
	return commit, isCommit(commit)
}

// complete reports whether e is in the snapshot with its full size. Files
// get there only after verification, so the size is a sufficient check.
func (c cache) complete(commit string, e entry) bool {
	st, err := os.Stat(c.file(commit, e.Path))
	return err == nil && st.Mode().IsRegular() && st.Size() == e.Size
}

// lookup resolves want at rev from the cache alone.
func (c cache) lookup(rev, want string) (string, bool) {
	commit, ok := c.commitOf(rev)
	if !ok {
		return "", false
	}
	files, err := c.readManifest(commit)
	if err != nil {
		return "", false
	}
	p, err := choose(files, want)
	if err != nil {
		return "", false
	}
	if p.index != nil {
		if !c.complete(commit, *p.index) {
			return "", false
		}
		if p, err = p.withShards(files, c.readFile(commit)); err != nil {
			return "", false
		}
	}
	for _, e := range p.files {
		if !c.complete(commit, e) {
			return "", false
		}
	}
	return filepath.Join(c.snapshot(commit), filepath.FromSlash(p.path)), true
}

// readFile returns a reader of small snapshot files (the safetensors index).
func (c cache) readFile(commit string) func(entry) ([]byte, error) {
	return func(e entry) ([]byte, error) {
		return readLimited(c.file(commit, e.Path), maxIndexBytes)
	}
}

// reuse hard-links e from an older snapshot that has the same content (same
// path, size and hash), so that a new commit which did not touch a 5 GB
// file does not download it again.
func (c cache) reuse(commit string, e entry) (string, bool) {
	if e.SHA256 == "" && e.OID == "" {
		return "", false
	}
	names, _ := filepath.Glob(filepath.Join(c.dir, "manifests", "*.json"))
	for _, name := range names {
		other := strings.TrimSuffix(filepath.Base(name), ".json")
		if other == commit || !isCommit(other) {
			continue
		}
		files, err := c.readManifest(other)
		if err != nil {
			continue
		}
		for _, o := range files {
			if o.Path != e.Path || o.Size != e.Size || o.SHA256 != e.SHA256 || o.OID != e.OID || !c.complete(other, o) {
				continue
			}
			dst := c.file(commit, e.Path)
			if os.MkdirAll(filepath.Dir(dst), 0o755) != nil {
				return "", false
			}
			if os.Link(c.file(other, o.Path), dst) == nil {
				return other, true
			}
		}
	}
	return "", false
}

// writeAtomic writes a small file so that readers see the old or the new
// content, never a mix.
func writeAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err2 := f.Close(); err == nil {
		err = err2
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
	}
	return err
}

// readLimited reads a file of at most limit bytes.
func readLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}
