package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader"
)

// nara quantize on a fixture's source with the preset in a llama-quantize
// output's name must write that very file.
func TestQuantizeCommand(t *testing.T) {
	// Q8_0 files quantize fastest; any llama-quantize output will do.
	files := append(fixtures.Glob(t, "quant/*.Q8_0.gguf"), fixtures.Glob(t, "quant/*.gguf")...)
	if len(files) == 0 {
		t.Skip("no quant/*.gguf fixtures")
	}
	want := files[0]
	model, preset, _ := strings.Cut(strings.TrimSuffix(filepath.Base(want), ".gguf"), ".")
	src := ""
	for _, typ := range []string{"f32", "bf16"} {
		if p := filepath.Join(fixtures.Root(t), "models", model+"."+typ+".gguf"); statOK(p) {
			src = p
		}
	}
	if src == "" {
		t.Skipf("no f32/bf16 GGUF of %s", model)
	}
	out := filepath.Join(t.TempDir(), "out.gguf")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"quantize", src, out, preset, "--threads", "2"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := os.ReadFile(want)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s → %s: %s", filepath.Base(src), preset, strings.TrimSpace(stdout.String()))
	if !bytes.Equal(got, ref) {
		t.Errorf("output differs from %s", want)
	}
	if st, err := os.Stat(out); err != nil || st.Mode().Perm()&0o044 == 0 {
		t.Errorf("output mode %v, %v: want readable by others like any written file", st.Mode(), err)
	}
}

func TestQuantizeCommandErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out.gguf")
	cases := []struct {
		args []string
		code int
	}{
		{[]string{"quantize"}, 2},
		{[]string{"quantize", "a", "b"}, 2},
		{[]string{"quantize", "a", out, "Q9_9"}, 2},
		{[]string{"quantize", filepath.Join(dir, "missing.gguf"), out, "Q4_0"}, 1},
		{[]string{"gen-model", "--shape", "huge", "-o", out}, 2},
		{[]string{"gen-model", "--shape", "small"}, 2},
		{[]string{"gen-model", "--shape", "small", "--type", "Q7", "-o", out}, 2},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if code := run(c.args, &stdout, &stderr); code != c.code {
			t.Errorf("%v: exit %d, want %d (%s)", c.args, code, c.code, stderr.String())
		}
	}
	// Nothing, not even a temporary file, is left behind.
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// nara gen-model writes a model the loader reads back with the shape asked.
func TestGenModelCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "small.gguf")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gen-model", "--shape", "small", "--type", "Q8_0", "-o", out, "--seed", "5"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	m, err := loader.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if c := m.Config; c.Dim != 256 || c.Layers != 4 || c.VocabSize != 2048 {
		t.Errorf("read back hidden %d, layers %d, vocab %d", c.Dim, c.Layers, c.VocabSize)
	}
	t.Log(strings.TrimSpace(stdout.String()))
	stdout.Reset()
	if code := run([]string{"inspect", out}, &stdout, &stderr); code != 0 || !strings.Contains(stdout.String(), "Q8_0") {
		t.Errorf("inspect: exit %d: %s%s", code, stdout.String(), stderr.String())
	}
}

func statOK(p string) bool { _, err := os.Stat(p); return err == nil }
