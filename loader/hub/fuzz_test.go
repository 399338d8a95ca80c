package hub

import (
	"strings"
	"testing"
)

// ParseRef never panics, and what it accepts is safe to use as cache paths
// and prints back to itself.
func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"org/name", "hf://org/name:Q4_K_M", "hf.co/a/b:dir/x.gguf", "a/b:../x", "a/b:",
		"https://huggingface.co/a/b:latest", "a/b:x\\y", "a--b/c", "a/b:c:d", "a/b:\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			return
		}
		org, name, ok := strings.Cut(r.Repo, "/")
		if !ok || !validRepoPart(org) || !validRepoPart(name) {
			t.Fatalf("%q: accepted repo %q", s, r.Repo)
		}
		if r.File != "" && !validPath(r.File) {
			t.Fatalf("%q: accepted file %q", s, r.File)
		}
		if again, err := ParseRef(r.String()); err != nil || again != r {
			t.Fatalf("%q: %+v prints as %q, which reads back as %+v, %v", s, r, r.String(), again, err)
		}
	})
}

// A hostile tree listing never makes parseTree or choose panic, and the
// entries they let through stay inside the repo's directory.
func FuzzTree(f *testing.F) {
	f.Add([]byte(`[{"type":"file","path":"m-Q4_K_M.gguf","size":5,"lfs":{"oid":"`+strings.Repeat("ab", 32)+`","size":5}},{"type":"file","path":"config.json","size":2,"oid":"`+strings.Repeat("0", 40)+`"}]`), "")
	f.Add([]byte(`[{"type":"file","path":"BF16/m-BF16-00001-of-00002.gguf","size":1},{"type":"file","path":"BF16/m-BF16-00002-of-00002.gguf","size":1}]`), "bf16")
	f.Add([]byte(`[{"type":"directory","path":"x"},{"type":"file","path":"../x.gguf","size":1}]`), "x.gguf")
	f.Add([]byte(`[{"type":"file","path":"config.json","size":1},{"type":"file","path":"model.safetensors.index.json","size":1}]`), "")
	f.Add([]byte(`{"not":"a list"}`), "Q8_0")
	f.Fuzz(func(t *testing.T, data []byte, want string) {
		files, err := parseTree(data)
		if err != nil {
			return
		}
		for _, e := range files {
			if !validPath(e.Path) || e.Size < 0 || (e.SHA256 != "" && !isHex(e.SHA256, 64)) || (e.OID != "" && !isHex(e.OID, 40)) {
				t.Fatalf("bad entry let through: %+v", e)
			}
		}
		if want != "" && !validPath(want) {
			return
		}
		p, err := choose(files, want)
		if err != nil {
			return
		}
		if p.path != "" && !validPath(p.path) {
			t.Fatalf("result path %q", p.path)
		}
		if len(p.files) == 0 {
			t.Fatalf("empty plan for %q", want)
		}
		for _, e := range p.files {
			if !validPath(e.Path) {
				t.Fatalf("plan holds %q", e.Path)
			}
		}
	})
}

// A hostile safetensors index never names a shard outside the repo.
func FuzzIndex(f *testing.F) {
	f.Add([]byte(`{"weight_map":{"a":"model-00001-of-00002.safetensors","b":"model-00002-of-00002.safetensors"}}`))
	f.Add([]byte(`{"weight_map":{"a":"../../etc/passwd"}}`))
	f.Add([]byte(`{"weight_map":{}}`))
	f.Add([]byte(`[1,2]`))
	listing := []entry{{Path: "config.json", Size: 1}, {Path: indexFile, Size: 1},
		{Path: "model-00001-of-00002.safetensors", Size: 1}, {Path: "model-00002-of-00002.safetensors", Size: 1}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := choose(listing, "")
		if err != nil || p.index == nil {
			t.Fatalf("directory plan: %+v, %v", p, err)
		}
		q, err := p.withShards(listing, func(entry) ([]byte, error) { return data, nil })
		if err != nil {
			return
		}
		for _, e := range q.files {
			if !validPath(e.Path) {
				t.Fatalf("plan holds %q", e.Path)
			}
		}
	})
}
