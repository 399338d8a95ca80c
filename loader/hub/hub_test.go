package hub

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func init() { retryDelay = time.Millisecond }

// ggufRepo is a typical GGUF repo: several quantizations, a projector, a
// README.
func ggufRepo() *mockRepo {
	return &mockRepo{files: map[string]mockFile{
		".gitattributes":          {data: []byte("*.gguf filter=lfs diff=lfs merge=lfs -text\n")},
		"README.md":               {data: []byte("# model\n")},
		"model-Q4_K_M.gguf":       {data: payload(300_000, 1), lfs: true},
		"model-Q8_0.gguf":         {data: payload(200_001, 2), lfs: true},
		"model-Q4_K_S.gguf":       {data: payload(1000, 3), lfs: true},
		"mmproj-model-f16.gguf":   {data: payload(1000, 4), lfs: true},
		"config.json":             {data: []byte(`{"model_type":"llama"}`)},
		"imatrix/model.imatrix":   {data: payload(10, 5), lfs: true},
		"model-UD-IQ2_XXS.gguf":   {data: payload(500, 6), lfs: true},
		"model-BF16.gguf":         {data: payload(700, 7), lfs: true},
		"model-Q2_K_L-split.gguf": {data: payload(70, 8), lfs: true},
	}}
}

func testOptions(t *testing.T, m *mockHub) Options {
	return Options{Endpoint: m.hub.URL, CacheDir: t.TempDir(), Logf: t.Logf}
}

// progressLog records progress calls and checks they make sense.
type progressLog struct {
	mu    sync.Mutex
	calls [][2]int64
}

func (p *progressLog) fn(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, [2]int64{done, total})
}

func (p *progressLog) last() [2]int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.calls) == 0 {
		return [2]int64{-1, -1}
	}
	return p.calls[len(p.calls)-1]
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noLeftovers checks that no .part file remains in the cache.
func noLeftovers(t *testing.T, dir string) {
	t.Helper()
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".part") || strings.HasSuffix(p, ".lock")) {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func TestPullFresh(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	var prog progressLog
	got, err := Pull(context.Background(), "org/model-GGUF", "model-Q8_0.gguf", opts, prog.fn)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(opts.CacheDir, "org", "model-GGUF", "snapshots", repo.commit(), "model-Q8_0.gguf")
	if got != want {
		t.Errorf("path %s, want %s", got, want)
	}
	if !bytes.Equal(mustRead(t, got), repo.files["model-Q8_0.gguf"].data) {
		t.Error("downloaded bytes differ")
	}
	size := int64(len(repo.files["model-Q8_0.gguf"].data))
	if l := prog.last(); l != [2]int64{size, size} {
		t.Errorf("last progress %v, want [%d %d]", l, size, size)
	}
	served, ranges := m.stats()
	t.Logf("served %d bytes in %d requests", served, len(ranges))
	if served != size || !slices.Equal(ranges, []string{""}) {
		t.Errorf("served %d bytes with ranges %q, want %d in one plain request", served, ranges, size)
	}
	noLeftovers(t, opts.CacheDir)

	// A small (non-LFS) file is served by the hub itself, checked by its
	// git blob id.
	cfg, err := Pull(context.Background(), "org/model-GGUF", "config.json", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, cfg)) != `{"model_type":"llama"}` {
		t.Error("config.json differs")
	}
}

// partial writes the first n bytes of a file into its .part in the cache,
// as an interrupted pull leaves them.
func partial(t *testing.T, opts Options, repo string, r *mockRepo, file string, data []byte) string {
	t.Helper()
	p := newCache(opts.CacheDir, repo).part(r.commit(), file)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestResume(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	data := repo.files["model-Q4_K_M.gguf"].data
	const have = 123_457
	partial(t, opts, "org/model-GGUF", repo, "model-Q4_K_M.gguf", data[:have])
	var prog progressLog
	got, err := Pull(context.Background(), "org/model-GGUF", "Q4_K_M", opts, prog.fn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, got), data) {
		t.Error("resumed file differs")
	}
	served, ranges := m.stats()
	t.Logf("served %d of %d bytes, ranges %q", served, len(data), ranges)
	if served != int64(len(data)-have) || !slices.Equal(ranges, []string{"bytes=123457-"}) {
		t.Errorf("served %d bytes with ranges %q, want %d with bytes=123457-", served, ranges, len(data)-have)
	}
	if prog.calls[0][0] != have {
		t.Errorf("progress starts at %v, want done=%d counted at once", prog.calls[0], have)
	}
	noLeftovers(t, opts.CacheDir)
}

func TestResumeRangeIgnored(t *testing.T) {
	m := newMockHub(t)
	m.ignoreRange = true
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	data := repo.files["model-Q4_K_M.gguf"].data
	partial(t, opts, "org/model-GGUF", repo, "model-Q4_K_M.gguf", data[:50_000])
	var prog progressLog
	got, err := Pull(context.Background(), "org/model-GGUF", "model-Q4_K_M.gguf", opts, prog.fn)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, got), data) {
		t.Error("file differs after a restart")
	}
	served, ranges := m.stats()
	if served != int64(len(data)) || !slices.Equal(ranges, []string{"bytes=50000-"}) {
		t.Errorf("served %d bytes with ranges %q, want all %d after one range request", served, ranges, len(data))
	}
	if l := prog.last(); l[0] != l[1] || l[1] != int64(len(data)) {
		t.Errorf("last progress %v after restart", l)
	}
}

// A .part holding wrong bytes (from another version of the file) fails the
// sha256 check; it is removed, so that the next pull starts clean.
func TestResumeBadPart(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	part := partial(t, opts, "org/model-GGUF", repo, "model-Q8_0.gguf", payload(1000, 99))
	_, err := Pull(context.Background(), "org/model-GGUF", "model-Q8_0.gguf", opts, nil)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("err %v, want a checksum error", err)
	}
	t.Log(err)
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Errorf("part file still there: %v", err)
	}
	got, err := Pull(context.Background(), "org/model-GGUF", "model-Q8_0.gguf", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, got), repo.files["model-Q8_0.gguf"].data) {
		t.Error("file differs")
	}
}

func TestChecksumMismatch(t *testing.T) {
	for _, file := range []string{"model-Q8_0.gguf", "config.json"} {
		t.Run(file, func(t *testing.T) {
			m := newMockHub(t)
			m.corrupt = true
			repo := ggufRepo()
			m.addRepo("org/model-GGUF", repo)
			opts := testOptions(t, m)
			_, err := Pull(context.Background(), "org/model-GGUF", file, opts, nil)
			if !errors.Is(err, ErrChecksum) {
				t.Fatalf("err %v, want a checksum error", err)
			}
			t.Log(err)
			if _, err := os.Stat(newCache(opts.CacheDir, "org/model-GGUF").file(repo.commit(), file)); !os.IsNotExist(err) {
				t.Errorf("corrupt file in the snapshot: %v", err)
			}
			noLeftovers(t, opts.CacheDir)
		})
	}
}

func TestAuth(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	repo.token = "hf_secret"
	m.addRepo("org/private", repo)

	opts := testOptions(t, m)
	t.Setenv("HF_TOKEN", "")
	_, err := Pull(context.Background(), "org/private", "Q8_0", opts, nil)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "HF_TOKEN") {
		t.Fatalf("without a token: %v, want unauthorized naming HF_TOKEN", err)
	}
	t.Log(err)
	opts.Token = "hf_wrong"
	if _, err = Pull(context.Background(), "org/private", "Q8_0", opts, nil); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("wrong token: %v, want unauthorized", err)
	}
	t.Log(err)

	// With the token, endpoint and cache from the environment.
	home := t.TempDir()
	t.Setenv("HF_TOKEN", "hf_secret")
	t.Setenv("HF_ENDPOINT", m.hub.URL)
	t.Setenv("NARA_HOME", home)
	got, err := Resolve(context.Background(), "hf://org/private:Q8_0", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(got, filepath.Join(home, "hub", "org", "private")) {
		t.Errorf("path %s is not under NARA_HOME", got)
	}
	if !bytes.Equal(mustRead(t, got), repo.files["model-Q8_0.gguf"].data) {
		t.Error("file differs")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if last := m.auths[len(m.auths)-1]; last != "Bearer hf_secret" {
		t.Errorf("hub saw Authorization %q", last)
	}
}

func TestNotFound(t *testing.T) {
	m := newMockHub(t)
	m.addRepo("org/model-GGUF", ggufRepo())
	opts := testOptions(t, m)
	ctx := context.Background()

	// Like the hub: 401 for a missing repo without a token, 404 with one.
	_, err := Pull(ctx, "org/nothing", "", opts, nil)
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "org/nothing") {
		t.Errorf("missing repo, no token: %v", err)
	}
	t.Log(err)
	opts.Token = "hf_any"
	_, err = Pull(ctx, "org/nothing", "", opts, nil)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "RepoNotFound") {
		t.Errorf("missing repo: %v", err)
	}
	t.Log(err)

	_, err = Pull(ctx, "org/model-GGUF", "model-Q3_K.gguf", opts, nil)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "model-Q4_K_M.gguf") {
		t.Errorf("missing file: %v, want not found listing the GGUFs", err)
	}
	t.Log(err)

	opts.Revision = "v9"
	_, err = Pull(ctx, "org/model-GGUF", "", opts, nil)
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("missing revision: %v", err)
	}
	t.Log(err)
}

// A renamed repo redirects (relative, on the hub); LFS files redirect to
// the CDN, another server.
func TestRedirects(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	m.addRepo("old-org/model-GGUF", &mockRepo{movedTo: "org/model-GGUF"})
	opts := testOptions(t, m)
	got, err := Pull(context.Background(), "old-org/model-GGUF", "model-Q8_0.gguf", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, got), repo.files["model-Q8_0.gguf"].data) {
		t.Error("file differs")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.cdnAuths) != 1 {
		t.Errorf("%d CDN requests, want 1", len(m.cdnAuths))
	}
}

func TestPullDirectory(t *testing.T) {
	m := newMockHub(t)
	m.pageSize = 3
	index := []byte(`{"metadata":{"total_size":3000},"weight_map":{
		"a.weight":"model-00001-of-00002.safetensors",
		"b.weight":"model-00002-of-00002.safetensors",
		"c.weight":"model-00001-of-00002.safetensors"}}`)
	repo := &mockRepo{files: map[string]mockFile{
		".gitattributes":                   {data: []byte("x")},
		"README.md":                        {data: []byte("# hi")},
		"config.json":                      {data: []byte(`{"model_type":"llama"}`)},
		"generation_config.json":           {data: []byte(`{}`)},
		"tokenizer.json":                   {data: payload(5000, 10)},
		"tokenizer_config.json":            {data: []byte(`{"chat_template":"x"}`)},
		"model.safetensors.index.json":     {data: index},
		"model-00001-of-00002.safetensors": {data: payload(40_000, 11), lfs: true},
		"model-00002-of-00002.safetensors": {data: payload(30_000, 12), lfs: true},
		"consolidated.safetensors":         {data: payload(70_000, 13), lfs: true},
		"pytorch_model.bin":                {data: payload(100, 14), lfs: true},
		"onnx/model.onnx":                  {data: payload(100, 15), lfs: true},
	}}
	m.addRepo("org/model", repo)
	opts := testOptions(t, m)
	var prog progressLog
	dir, err := Pull(context.Background(), "org/model", "", opts, prog.fn)
	if err != nil {
		t.Fatal(err)
	}
	if dir != newCache(opts.CacheDir, "org/model").snapshot(repo.commit()) {
		t.Errorf("path %s is not the snapshot directory", dir)
	}
	want := []string{"config.json", "generation_config.json", "model-00001-of-00002.safetensors",
		"model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json", "tokenizer_config.json"}
	var got []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			got = append(got, filepath.ToSlash(rel))
			if !bytes.Equal(mustRead(t, p), repo.files[filepath.ToSlash(rel)].data) {
				t.Errorf("%s differs", rel)
			}
		}
		return nil
	})
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("directory holds %q\nwant %q", got, want)
	}
	var total int64
	for _, f := range want {
		total += int64(len(repo.files[f].data))
	}
	if l := prog.last(); l != [2]int64{total, total} {
		t.Errorf("last progress %v, want %d of %d", l, total, total)
	}

	// The cache alone now answers.
	m.hub.Close()
	if again, err := Resolve(context.Background(), "org/model", opts); err != nil || again != dir {
		t.Errorf("resolve from the cache: %q, %v", again, err)
	}
}

// chooseNames runs choose on a listing of names.
func chooseNames(names []string, want string) ([]string, string, error) {
	var files []entry
	for _, n := range names {
		files = append(files, entry{Path: n, Size: 1})
	}
	p, err := choose(files, want)
	var got []string
	for _, e := range p.files {
		got = append(got, e.Path)
	}
	return got, p.path, err
}

func TestChoose(t *testing.T) {
	quants := []string{"README.md", "m-Q4_K_S.gguf", "m-Q4_K_M.gguf", "m-Q8_0.gguf", "m-f16.gguf", "m-bf16.gguf",
		"mmproj-m-f16.gguf", "m-IQ4_XS.gguf"}
	split := []string{"BF16/m-BF16-00002-of-00002.gguf", "BF16/m-BF16-00001-of-00002.gguf", "m-Q4_0.gguf"}
	cases := []struct {
		name   string
		files  []string
		want   string
		files_ []string // expected download list
		path   string
		err    string
	}{
		{"default Q4_K_M", quants, "", []string{"m-Q4_K_M.gguf"}, "m-Q4_K_M.gguf", ""},
		{"tag any case", quants, "q8_0", []string{"m-Q8_0.gguf"}, "m-Q8_0.gguf", ""},
		{"f16 not bf16", quants, "F16", []string{"m-f16.gguf"}, "m-f16.gguf", ""},
		{"bf16", quants, "bf16", []string{"m-bf16.gguf"}, "m-bf16.gguf", ""},
		{"prefix of two", quants, "Q4_K", nil, "", "matches 2"},
		{"unique substring", quants, "XS", []string{"m-IQ4_XS.gguf"}, "m-IQ4_XS.gguf", ""},
		{"no match", quants, "Q5_K_M", nil, "", "no GGUF matches"},
		{"named file", quants, "mmproj-m-f16.gguf", []string{"mmproj-m-f16.gguf"}, "mmproj-m-f16.gguf", ""},
		{"only one GGUF", []string{"x.gguf", "mmproj.gguf", "config.json"}, "", []string{"x.gguf"}, "x.gguf", ""},
		{"several, no Q4_K_M", []string{"a-Q8_0.gguf", "a-f16.gguf"}, "", nil, "", "no Q4_K_M"},
		{"two Q4_K_M", []string{"a-Q4_K_M.gguf", "a-UD-Q4_K_M.gguf"}, "", nil, "", `tag "Q4_K_M" matches 2`},
		{"split by tag", split, "bf16", []string{"BF16/m-BF16-00001-of-00002.gguf", "BF16/m-BF16-00002-of-00002.gguf"}, "BF16/m-BF16-00001-of-00002.gguf", ""},
		{"split by first shard", split, "BF16/m-BF16-00001-of-00002.gguf", []string{"BF16/m-BF16-00001-of-00002.gguf", "BF16/m-BF16-00002-of-00002.gguf"}, "BF16/m-BF16-00001-of-00002.gguf", ""},
		{"second shard alone", split, "BF16/m-BF16-00002-of-00002.gguf", []string{"BF16/m-BF16-00002-of-00002.gguf"}, "BF16/m-BF16-00002-of-00002.gguf", ""},
		{"incomplete split", []string{"m-00001-of-00003.gguf", "m-00003-of-00003.gguf"}, "", nil, "", "no Q4_K_M"},
		{"directory", []string{"config.json", "model.safetensors", "README.md", "tokenizer.model", "x/config.json"}, "", []string{"config.json", "tokenizer.model", "model.safetensors"}, "", ""},
		{"consolidated only", []string{"config.json", "consolidated.safetensors"}, "", []string{"config.json", "consolidated.safetensors"}, "", ""},
		{"consolidated beside shards", []string{"config.json", "consolidated.safetensors", "a.safetensors", "b.safetensors"}, "", []string{"config.json", "a.safetensors", "b.safetensors"}, "", ""},
		{"no weights", []string{"config.json", "pytorch_model.bin"}, "", nil, "", "no .gguf and no .safetensors"},
		{"no config", []string{"README.md"}, "", nil, "", "no config.json"},
		{"tag without GGUF", []string{"config.json", "model.safetensors"}, "Q4_K_M", nil, "", "no GGUF file"},
	}
	for _, c := range cases {
		files, path, err := chooseNames(c.files, c.want)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want one containing %q", c.name, err, c.err)
			} else {
				t.Logf("%s: %v", c.name, err)
			}
			continue
		}
		if err != nil || !slices.Equal(files, c.files_) || path != c.path {
			t.Errorf("%s: got %q → %q, %v; want %q → %q", c.name, files, path, err, c.files_, c.path)
		}
	}
}

func TestSplitGGUFPull(t *testing.T) {
	m := newMockHub(t)
	repo := &mockRepo{files: map[string]mockFile{
		"Q8_0/m-Q8_0-00001-of-00002.gguf": {data: payload(9000, 20), lfs: true},
		"Q8_0/m-Q8_0-00002-of-00002.gguf": {data: payload(8000, 21), lfs: true},
		"m-Q4_K_M.gguf":                   {data: payload(100, 22), lfs: true},
	}}
	m.addRepo("org/big", repo)
	opts := testOptions(t, m)
	got, err := Resolve(context.Background(), "org/big:Q8_0", opts)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(got) != "m-Q8_0-00001-of-00002.gguf" {
		t.Errorf("path %s, want the first shard", got)
	}
	for _, f := range []string{"Q8_0/m-Q8_0-00001-of-00002.gguf", "Q8_0/m-Q8_0-00002-of-00002.gguf"} {
		p := newCache(opts.CacheDir, "org/big").file(repo.commit(), f)
		if !bytes.Equal(mustRead(t, p), repo.files[f].data) {
			t.Errorf("%s differs", f)
		}
	}
}

func TestCancel(t *testing.T) {
	m := newMockHub(t)
	m.pause = make(chan struct{}) // never closed: the server stalls at half
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	data := repo.files["model-Q4_K_M.gguf"].data
	half := int64(len(data) / 2)
	progress := func(done, total int64) {
		if done >= half {
			cancel()
		}
	}
	start := time.Now()
	_, err := Pull(ctx, "org/model-GGUF", "", opts, progress)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	t.Logf("stopped %v after the cancel: %v", time.Since(start), err)
	part := newCache(opts.CacheDir, "org/model-GGUF").part(repo.commit(), "model-Q4_K_M.gguf")
	st, err := os.Stat(part)
	if err != nil || st.Size() != half {
		t.Fatalf("part file: %v, %v; want %d bytes kept", st, err, half)
	}
	if c, ok := newCache(opts.CacheDir, "org/model-GGUF").commitOf("main"); ok {
		t.Errorf("refs/main points to %s before any pull finished", c)
	}

	m.mu.Lock()
	m.pause = nil
	m.mu.Unlock()
	got, err := Pull(context.Background(), "org/model-GGUF", "", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, got), data) {
		t.Error("file differs after resuming")
	}
	if _, ranges := m.stats(); ranges[len(ranges)-1] != "bytes=150000-" {
		t.Errorf("ranges %q, want a resume at 150000", ranges)
	}
}

// Pulls of the same file at once: one downloads, the others wait on the
// lock and then find the file done.
func TestConcurrentPulls(t *testing.T) {
	m := newMockHub(t)
	pause := make(chan struct{})
	m.pause = pause
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	data := repo.files["model-Q8_0.gguf"].data

	halfway := make(chan struct{})
	var once sync.Once
	first := opts
	errs := make(chan error, 4)
	go func() {
		_, err := Pull(context.Background(), "org/model-GGUF", "Q8_0", first, func(done, total int64) {
			if done > 0 && done < total {
				once.Do(func() { close(halfway) })
			}
		})
		errs <- err
	}()
	<-halfway
	waiting := make(chan struct{}, 3)
	others := opts
	others.Logf = func(format string, args ...any) {
		t.Logf(format, args...)
		if strings.HasPrefix(format, "waiting") {
			waiting <- struct{}{}
		}
	}
	for range 3 {
		go func() {
			_, err := Pull(context.Background(), "org/model-GGUF", "Q8_0", others, nil)
			errs <- err
		}()
	}
	for range 3 {
		<-waiting
	}
	close(pause)
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	served, ranges := m.stats()
	if served != int64(len(data)) || len(ranges) != 1 {
		t.Errorf("served %d bytes in %d requests, want %d in one", served, len(ranges), len(data))
	}
	noLeftovers(t, opts.CacheDir)
}

func TestRetryAfterDrop(t *testing.T) {
	m := newMockHub(t)
	m.cutAfter = 70_000
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	got, err := Pull(context.Background(), "org/model-GGUF", "Q8_0", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustRead(t, got), repo.files["model-Q8_0.gguf"].data) {
		t.Error("file differs")
	}
	if _, ranges := m.stats(); !slices.Equal(ranges, []string{"", "bytes=70000-"}) {
		t.Errorf("ranges %q, want a retry from 70000", ranges)
	}
}

func TestResolveOffline(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	ctx := context.Background()
	opts.Offline = true
	if _, err := Resolve(ctx, "org/model-GGUF:Q8_0", opts); !errors.Is(err, ErrOffline) {
		t.Fatalf("offline, empty cache: %v", err)
	}
	opts.Offline = false
	p, err := Resolve(ctx, "org/model-GGUF:Q8_0", opts)
	if err != nil {
		t.Fatal(err)
	}
	m.hub.Close()
	m.cdn.Close()
	for _, ref := range []string{"org/model-GGUF:Q8_0", "hf://org/model-GGUF:model-Q8_0.gguf", "hf.co/org/model-GGUF:q8_0"} {
		if again, err := Resolve(ctx, ref, opts); err != nil || again != p {
			t.Errorf("%s from the cache: %q, %v", ref, again, err)
		}
	}
	// Not in the cache, and the hub is gone.
	if _, err := Resolve(ctx, "org/model-GGUF:Q4_K_M", opts); err == nil {
		t.Error("Q4_K_M resolved with no hub and no cache")
	}
}

// A commit that changes only the README does not download the weights
// again: they are linked from the older snapshot.
func TestReuseAcrossCommits(t *testing.T) {
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/model-GGUF", repo)
	opts := testOptions(t, m)
	ctx := context.Background()
	p1, err := Pull(ctx, "org/model-GGUF", "Q8_0", opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.mu.Lock()
	repo.files["README.md"] = mockFile{data: []byte("# model, v2\n")}
	m.mu.Unlock()
	var prog progressLog
	p2, err := Pull(ctx, "org/model-GGUF", "Q8_0", opts, prog.fn)
	if err != nil {
		t.Fatal(err)
	}
	if p1 == p2 {
		t.Fatalf("same path %s for two commits", p1)
	}
	st1, _ := os.Stat(p1)
	st2, _ := os.Stat(p2)
	if !os.SameFile(st1, st2) {
		t.Error("the unchanged file was not linked")
	}
	if served, ranges := m.stats(); len(ranges) != 1 {
		t.Errorf("%d downloads (%d bytes), want 1", len(ranges), served)
	}
	size := int64(len(repo.files["model-Q8_0.gguf"].data))
	if l := prog.last(); l != [2]int64{size, size} {
		t.Errorf("last progress %v", l)
	}
}

func TestHostileServer(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		tree string
		want string
	}{
		{"path escapes", `[{"type":"file","path":"../../evil.gguf","size":3,"oid":"` + strings.Repeat("a", 40) + `"}]`, "not a relative path"},
		{"absolute path", `[{"type":"file","path":"/etc/x.gguf","size":3}]`, "not a relative path"},
		{"negative size", `[{"type":"file","path":"x.gguf","size":-5}]`, "size"},
		{"bad sha256", `[{"type":"file","path":"x.gguf","size":5,"lfs":{"oid":"zz","size":5}}]`, "lfs.oid"},
		{"duplicate", `[{"type":"file","path":"x.gguf","size":1},{"type":"file","path":"x.gguf","size":1}]`, "twice"},
		{"not JSON", `<html>`, "bad JSON"},
	}
	for _, c := range cases {
		m := newMockHub(t)
		m.addRepo("org/m", ggufRepo())
		m.tree = []byte(c.tree)
		opts := testOptions(t, m)
		_, err := Pull(ctx, "org/m", "", opts, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}

	// A listing that says a file is shorter than what the server sends.
	m := newMockHub(t)
	repo := ggufRepo()
	m.addRepo("org/m", repo)
	m.tree = []byte(`[{"type":"file","path":"model-Q8_0.gguf","size":1000,"lfs":{"oid":"` +
		sha256hex(repo.files["model-Q8_0.gguf"].data) + `","size":1000}}]`)
	opts := testOptions(t, m)
	_, err := Pull(ctx, "org/m", "", opts, nil)
	if err == nil || !strings.Contains(err.Error(), "listing") {
		t.Errorf("short listing: %v", err)
	}
	t.Log(err)
}

func TestParseRef(t *testing.T) {
	good := map[string]Ref{
		"org/name":                          {Repo: "org/name"},
		"hf://org/name":                     {Repo: "org/name"},
		"hf://org/name:Q4_K_M":              {Repo: "org/name", File: "Q4_K_M"},
		"org/name:latest":                   {Repo: "org/name"},
		"hf.co/bartowski/Qwen2.5-0.5B:q8_0": {Repo: "bartowski/Qwen2.5-0.5B", File: "q8_0"},
		"huggingface.co/a/b:dir/x.gguf":     {Repo: "a/b", File: "dir/x.gguf"},
		"https://huggingface.co/a/b":        {Repo: "a/b"},
		"a_b/c.d-e:f.gguf":                  {Repo: "a_b/c.d-e", File: "f.gguf"},
	}
	for s, want := range good {
		got, err := ParseRef(s)
		if err != nil || got != want {
			t.Errorf("ParseRef(%q) = %+v, %v; want %+v", s, got, err, want)
		}
	}
	for _, s := range []string{"", "name", "a/b/c", "/a", "a/", "-a/b", "a/b.", "a--b/c", "a/b:", "a/b:../x",
		"a/b:/etc/passwd", "a/b:x\\y", "a b/c", "org/na..me", "a/b:x//y", "a/b:./x", "hf://"} {
		if r, err := ParseRef(s); err == nil {
			t.Errorf("ParseRef(%q) = %+v, want an error", s, r)
		}
	}
}

func TestNextLink(t *testing.T) {
	cases := map[string]string{
		`<https://h/api/x?cursor=a>; rel="next"`:                 "https://h/api/x?cursor=a",
		`<https://h/p1>; rel="prev", <https://h/p3>; rel="next"`: "https://h/p3",
		`<https://h/p3>; rel=next`:                               "https://h/p3",
		`<https://h/p3>; title="x"; rel="last next"`:             "https://h/p3",
		`<https://h/p1>; rel="prev"`:                             "",
		``:                                                       "",
		`garbage`:                                                "",
		`<https://h/p3; rel="next"`:                              "",
		`<https://h/p3>; rel="nextish"`:                          "",
		`<https://h/a>; rel="first", <https://h/b>; rel="next last"`: "https://h/b",
	}
	for h, want := range cases {
		if got := nextLink(h); got != want {
			t.Errorf("nextLink(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestCheckContentRange(t *testing.T) {
	for h, ok := range map[string]bool{
		"bytes 100-999/1000": true,
		"bytes 100-999/*":    true,
		"bytes 0-999/1000":   false,
		"bytes 100-998/1000": false,
		"bytes 100-999/2000": false,
		"100-999/1000":       false,
		"bytes x-999/1000":   false,
		"":                   false,
	} {
		if err := checkContentRange(h, 100, 1000); (err == nil) != ok {
			t.Errorf("%q: %v", h, err)
		}
	}
}

// The git blob id of known content, as `git hash-object` prints it.
func TestGitBlobID(t *testing.T) {
	for content, want := range map[string]string{
		"":              "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391",
		"hello world\n": "3b18e512dba79e4c8300dd08aeb37f8e728b8dad",
	} {
		v := newVerifier(entry{Size: int64(len(content)), OID: want})
		v.Write([]byte(content))
		if got := v.sum(); got != want {
			t.Errorf("%q: %s, want %s", content, got, want)
		}
	}
}
