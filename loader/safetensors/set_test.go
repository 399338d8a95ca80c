package safetensors

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// shardName is how Hugging Face names shards.
func shardName(i, n int) string { return fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, n) }

// writeIndex writes model.safetensors.index.json the way transformers does.
func writeIndex(t testing.TB, dir string, weightMap map[string]string) {
	t.Helper()
	idx := map[string]any{"metadata": map[string]any{"total_size": 12345}, "weight_map": weightMap}
	b, err := json.MarshalIndent(idx, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, IndexFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestShardedFixtures splits each fixture model into three shards with an
// index and checks OpenDir finds every tensor with the original bytes.
func TestShardedFixtures(t *testing.T) {
	for _, mdir := range fixtures.ModelDirs(t) {
		orig, err := OpenDir(mdir) // no index there: the single-file path
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if len(orig.Files) != 1 || filepath.Base(orig.Files[0].Name) != SingleFile {
			t.Errorf("%s: OpenDir without index opened %d files", mdir, len(orig.Files))
		}
		const n = 3
		dir := t.TempDir()
		shards := make([][]WriterTensor, n)
		weightMap := map[string]string{}
		for i, ts := range orig.Files[0].Tensors {
			shards[i%n] = append(shards[i%n], WriterTensor{Name: ts.Name, DType: ts.DType, Shape: ts.Shape, Data: ts.Data})
			weightMap[ts.Name] = shardName(i%n, n)
		}
		for i, ws := range shards {
			writeFile(t, filepath.Join(dir, shardName(i, n)), ws, map[string]string{"format": "pt"})
		}
		writeIndex(t, dir, weightMap)

		set, err := OpenDir(dir)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(mdir), err)
			orig.Close()
			continue
		}
		if len(set.Files) != n {
			t.Errorf("%s: %d files, want %d", filepath.Base(mdir), len(set.Files), n)
		}
		want := orig.Files[0].Tensors
		all := set.Tensors()
		var got []Tensor
		for _, p := range all {
			got = append(got, *p)
		}
		if err := sameTensors(want, got); err != nil {
			t.Errorf("%s: %v", filepath.Base(mdir), err)
		}
		if !slices.IsSortedFunc(all, func(a, b *Tensor) int { return strings.Compare(a.Name, b.Name) }) {
			t.Errorf("%s: Tensors() not sorted by name", filepath.Base(mdir))
		}
		for _, w := range want {
			g, ok := set.Tensor(w.Name)
			if !ok || !bytes.Equal(g.Data, w.Data) {
				t.Errorf("%s: Tensor(%q) missing or different", filepath.Base(mdir), w.Name)
			}
		}
		t.Logf("%s: %d tensors found across %d shards with the same bytes", filepath.Base(mdir), len(all), len(set.Files))
		if err := set.Close(); err != nil {
			t.Error(err)
		}
		orig.Close()
	}
}

// TestOpenDirBadIndex builds small sharded directories that are wrong in one
// way each.
func TestOpenDirBadIndex(t *testing.T) {
	u8 := func(name string, v byte) WriterTensor {
		return WriterTensor{Name: name, DType: U8, Shape: []int64{1}, Data: []byte{v}}
	}
	s1, s2 := shardName(0, 2), shardName(1, 2)
	good := map[string][]WriterTensor{s1: {u8("a", 1), u8("b", 2)}, s2: {u8("c", 3)}}
	goodMap := map[string]string{"a": s1, "b": s1, "c": s2}

	setup := func(shards map[string][]WriterTensor, index string) string {
		dir := filepath.Join(t.TempDir(), "model")
		for name, ts := range shards {
			writeFile(t, filepath.Join(dir, name), ts, nil)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if index != "" {
			if err := os.WriteFile(filepath.Join(dir, IndexFile), []byte(index), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	indexJSON := func(m map[string]string) string {
		b, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 3}, "weight_map": m})
		return string(b)
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range goodMap {
			m[a] = b
		}
		m[k] = v
		return m
	}

	// The good case first, so the bad ones fail for their own reason.
	dir := setup(good, indexJSON(goodMap))
	set, err := OpenDir(dir)
	if err != nil {
		t.Fatalf("good index: %v", err)
	}
	for name, v := range map[string]byte{"a": 1, "b": 2, "c": 3} {
		if ts, ok := set.Tensor(name); !ok || ts.Data[0] != v {
			t.Errorf("good index: tensor %q = %v, %v", name, ts, ok)
		}
	}
	set.Close()

	// A shard that climbs out of the directory must be refused even when the
	// file it names exists.
	outside := setup(good, indexJSON(with("c", "../outside.safetensors")))
	writeFile(t, filepath.Join(filepath.Dir(outside), "outside.safetensors"), []WriterTensor{u8("c", 3)}, nil)

	twice := map[string][]WriterTensor{s1: {u8("a", 1), u8("b", 2)}, s2: {u8("c", 3), u8("a", 9)}}
	cases := []struct {
		name    string
		dir     string
		wantErr string
	}{
		{"missing shard", setup(map[string][]WriterTensor{s1: good[s1]}, indexJSON(goodMap)), `shard "` + s2 + `"`},
		{"tensor in wrong shard", setup(good, indexJSON(with("c", s1))), `tensor "c" is not in shard "` + s1 + `"`},
		{"../ in shard name", outside, `shard name "../outside.safetensors" is not a file inside the directory`},
		{"absolute shard name", setup(good, indexJSON(with("c", filepath.Join(t.TempDir(), s2)))), "is not a file inside the directory"},
		{"tensor in two shards", setup(twice, indexJSON(goodMap)), `tensor "a" is in two shards`},
		{"tensor listed twice", setup(good, `{"weight_map":{"a":"`+s1+`","a":"`+s2+`","b":"`+s1+`","c":"`+s2+`"}}`), `tensor "a" listed twice`},
		{"no weight_map", setup(good, `{"metadata":{}}`), "weight_map is missing or empty"},
		{"shard not a string", setup(good, `{"weight_map":{"a":1}}`), `tensor "a": shard must be a string`},
		{"index not JSON", setup(good, `{"weight_map":`), "not valid JSON"},
		{"index is an array", setup(good, `[]`), "want"},
		{"no index and no model.safetensors", setup(good, ""), "neither " + IndexFile + " nor " + SingleFile},
		{"bad shard file", setup(map[string][]WriterTensor{s1: good[s1]}, indexJSON(with("c", "bad.safetensors"))), "bad.safetensors"},
	}
	if err := os.WriteFile(filepath.Join(cases[len(cases)-1].dir, "bad.safetensors"), []byte("not a safetensors file"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		set, err := OpenDir(c.dir)
		if err == nil {
			set.Close()
			t.Errorf("%s: opened, want error containing %q", c.name, c.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("%s: error %q, want one containing %q", c.name, err, c.wantErr)
			continue
		}
		t.Logf("%s: %v", c.name, err)
	}
}

// A shard may list tensors the index leaves out; they are served, and
// "./name" is the same shard as "name".
func TestOpenDirLenient(t *testing.T) {
	dir := t.TempDir()
	s1 := shardName(0, 1)
	writeFile(t, filepath.Join(dir, s1), []WriterTensor{
		{Name: "a", DType: U8, Shape: []int64{1}, Data: []byte{1}},
		{Name: "extra", DType: U8, Shape: []int64{1}, Data: []byte{2}},
	}, nil)
	writeIndex(t, dir, map[string]string{"a": "./" + s1})
	set, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer set.Close()
	if ts, ok := set.Tensor("extra"); !ok || ts.Data[0] != 2 || len(set.Files) != 1 {
		t.Errorf("extra = %v, %v; %d files", ts, ok, len(set.Files))
	}
}
