package hub

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/loader/gguf"
)

// Every fixture model directory, served as a hub repo with everything the
// directory holds, pulls as an HF directory that the loader opens, with the
// model's files byte for byte and nothing else (refs.* stay behind).
func TestFixtureModelDirs(t *testing.T) {
	dirs := fixtures.ModelDirs(t)
	if len(dirs) == 0 {
		t.Fatal("no model directories in the fixtures")
	}
	m := newMockHub(t)
	opts := testOptions(t, m)
	opts.Logf = nil
	// What an HF directory needs, listed here rather than taken from the
	// code under test.
	wanted := []string{"config.json", "generation_config.json", "model.safetensors", "tokenizer.json",
		"tokenizer.model", "tokenizer_config.json"}
	for _, dir := range dirs {
		name := filepath.Base(dir)
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		repo := &mockRepo{files: map[string]mockFile{}}
		var want []string
		for _, e := range ents {
			if e.IsDir() {
				continue
			}
			data := mustRead(t, filepath.Join(dir, e.Name()))
			repo.files[e.Name()] = mockFile{data: data, lfs: len(data) > 10_000}
			if slices.Contains(wanted, e.Name()) {
				want = append(want, e.Name())
			}
		}
		m.addRepo("fixtures/"+name, repo)
		got, err := Resolve(context.Background(), "hf://fixtures/"+name, opts)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		var have []string
		for _, e := range must(os.ReadDir(got)) {
			have = append(have, e.Name())
			if !bytes.Equal(mustRead(t, filepath.Join(got, e.Name())), repo.files[e.Name()].data) {
				t.Errorf("%s: %s differs", name, e.Name())
			}
		}
		slices.Sort(want)
		if !slices.Equal(have, want) {
			t.Errorf("%s: pulled %q, want %q", name, have, want)
		}
		model, err := loader.Open(got)
		if err != nil {
			t.Errorf("%s: loader: %v", name, err)
			continue
		}
		t.Logf("%s: %d files, %d tensors, arch %v", name, len(have), len(model.Tensors), model.Config.Arch)
		model.Close()
	}
}

// The fixture GGUFs, grouped into one repo per model and folder, pull by
// their quantization tag, byte for byte.
func TestFixtureGGUFTags(t *testing.T) {
	m := newMockHub(t)
	opts := testOptions(t, m)
	opts.Logf = nil
	repos := map[string]*mockRepo{}
	tags := map[string][]string{} // repo → tags, one per file
	paths := map[string]string{}  // repo:tag → fixture file
	for _, folder := range []string{"models", "quant"} {
		for _, p := range fixtures.Glob(t, folder+"/*.gguf") {
			base := filepath.Base(p)
			model, rest, _ := strings.Cut(base, ".")
			tag := strings.TrimSuffix(rest, ".gguf")
			name := "fixtures/" + model + "-" + folder + "-GGUF"
			if repos[name] == nil {
				repos[name] = &mockRepo{files: map[string]mockFile{}}
			}
			repos[name].files[base] = mockFile{data: mustRead(t, p), lfs: true}
			tags[name] = append(tags[name], tag)
			paths[name+":"+tag] = p
		}
	}
	if len(repos) == 0 {
		t.Fatal("no GGUF files in the fixtures")
	}
	for name, r := range repos {
		m.addRepo(name, r)
	}
	for name, ts := range tags {
		for _, tag := range ts {
			ref := name + ":" + strings.ToLower(tag)
			got, err := Resolve(context.Background(), ref, opts)
			if err != nil {
				t.Errorf("%s: %v", ref, err)
				continue
			}
			if !bytes.Equal(mustRead(t, got), mustRead(t, paths[name+":"+tag])) {
				t.Errorf("%s: %s differs from %s", ref, got, paths[name+":"+tag])
				continue
			}
			f, err := gguf.Open(got)
			if err != nil {
				t.Errorf("%s: %v", ref, err)
				continue
			}
			f.Close()
			t.Logf("%s → %s", ref, filepath.Base(got))
		}
	}
	// With no tag, a repo holding a Q4_K_M gets it.
	for name, ts := range tags {
		if !slices.Contains(ts, "Q4_K_M") {
			continue
		}
		got, err := Resolve(context.Background(), name, opts)
		if err != nil || !strings.HasSuffix(got, ".Q4_K_M.gguf") {
			t.Errorf("%s with no tag: %q, %v", name, got, err)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
