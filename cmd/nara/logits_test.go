package main

import (
	"encoding/binary"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/safetensors"
)

// nara logits -o on a fixture model must write the reference logits and
// hidden states (to the runtime's accuracy) for the reference input ids.
func TestLogitsMatchesReference(t *testing.T) {
	dirs := fixtures.ModelDirs(t)
	if len(dirs) == 0 {
		t.Skip("no model directories in the fixtures")
	}
	dir := dirs[0]
	refs, err := safetensors.Open(filepath.Join(dir, "refs.safetensors"))
	if err != nil {
		t.Skip(err)
	}
	defer refs.Close()
	ids := readInts(t, refs, "input_ids")
	var list []string
	for _, id := range ids {
		list = append(list, strconv.Itoa(id))
	}
	out := filepath.Join(t.TempDir(), "out.safetensors")
	if _, stderr, code := nara(t, "logits", "-m", dir, "--ids", strings.Join(list, ","), "-o", out, "--hidden"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got, err := safetensors.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	for _, name := range []string{"logits", "hidden.embed", "hidden.layer0"} {
		g, ok := got.Tensor(name)
		if !ok {
			t.Fatalf("output has no %q", name)
		}
		want, ok := refs.Tensor(name)
		if !ok {
			continue
		}
		if fmt.Sprint(g.Shape) != fmt.Sprint(want.Shape) || g.DType != safetensors.F32 {
			t.Fatalf("%s: %s %v, want F32 %v", name, g.DType, g.Shape, want.Shape)
		}
		var d, m float64
		for i := 0; i+4 <= len(want.Data); i += 4 {
			a := float64(math.Float32frombits(binary.LittleEndian.Uint32(g.Data[i:])))
			b := float64(math.Float32frombits(binary.LittleEndian.Uint32(want.Data[i:])))
			d, m = max(d, math.Abs(a-b)), max(m, math.Abs(b))
		}
		t.Logf("%s %s: rel err %.3e", filepath.Base(dir), name, d/m)
		if !(d <= 1e-4*m) {
			t.Errorf("%s: rel err %.3e > 1e-4", name, d/m)
		}
	}
}

func TestLogitsErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"logits", "--ids", "1"}, 2},                        // no model
		{[]string{"logits", "-m", "x", "--ids", "1,a"}, 2},           // bad id list
		{[]string{"logits", "-m", "x", "--ids", "1", "--hidden"}, 2}, // --hidden without -o
		{[]string{"logits", "-m", filepath.Join(t.TempDir(), "none.gguf"), "--ids", "1"}, 1},
	} {
		_, stderr, code := nara(t, c.args...)
		if code != c.code || strings.Contains(stderr, "panic") {
			t.Errorf("%v: exit %d (want %d): %s", c.args, code, c.code, stderr)
		}
	}
	// A token id past the vocabulary is an error, not a crash.
	dirs := fixtures.ModelDirs(t)
	if len(dirs) == 0 {
		return
	}
	_, stderr, code := nara(t, "logits", "-m", dirs[0], "--ids", "1,99999999")
	if code != 1 || !strings.Contains(stderr, "99999999") || strings.Contains(stderr, "panic") {
		t.Errorf("out-of-range id: exit %d: %s", code, stderr)
	}
}

func readInts(t *testing.T, f *safetensors.File, name string) []int {
	t.Helper()
	ts, ok := f.Tensor(name)
	if !ok || ts.DType != safetensors.I64 {
		t.Fatalf("refs: no I64 %q", name)
	}
	v, _ := ts.Ints()
	out := make([]int, len(v))
	for i, x := range v {
		out[i] = int(x)
	}
	return out
}
