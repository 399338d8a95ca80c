package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// The test binary doubles as the nara binary, so tests can check exit
// statuses and that nothing panics.
func TestMain(m *testing.M) {
	if os.Getenv("NARA_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// nara runs the command in a child process with empty stdin and returns
// stdout, stderr and the exit status.
func nara(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	return naraStdin(t, "", args...)
}

// naraStdin is nara with the given text on stdin.
func naraStdin(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "NARA_TEST_MAIN=1")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// inspect --json must succeed on every GGUF and model directory in the
// fixtures, and list the tensors the file holds.
func TestInspectEveryFixture(t *testing.T) {
	var paths []string
	for _, g := range []string{"models/*.gguf", "quant/*.gguf", "tokenizers/llamacpp-vocab/*.gguf"} {
		paths = append(paths, fixtures.Glob(t, g)...)
	}
	paths = append(paths, fixtures.ModelDirs(t)...)
	if len(paths) == 0 {
		t.Fatal("no fixtures found")
	}
	for _, p := range paths {
		var out, errb bytes.Buffer
		if code := run([]string{"inspect", p, "--json"}, &out, &errb); code != 0 {
			t.Errorf("%s: exit %d: %s", p, code, errb.String())
			continue
		}
		var rep struct {
			Format       string         `json:"format"`
			Architecture string         `json:"architecture"`
			Metadata     map[string]any `json:"metadata"`
			Tensors      []struct {
				Name, Type string
				Shape      []uint64
			} `json:"tensors"`
			ConfigError string `json:"config_error"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Errorf("%s: output is not JSON: %v", p, err)
			continue
		}
		want := independentTensorNames(t, p)
		if len(rep.Tensors) != len(want) {
			t.Errorf("%s: %d tensors listed, the file holds %d", p, len(rep.Tensors), len(want))
		}
		for _, tn := range rep.Tensors {
			if want != nil && !want[tn.Name] && rep.Format == "safetensors" {
				t.Errorf("%s: tensor %q is not in the file", p, tn.Name)
			}
			if tn.Type == "" || len(tn.Shape) == 0 {
				t.Errorf("%s: tensor %q: empty type or shape", p, tn.Name)
			}
		}
		if rep.Format == "" || rep.Architecture == "" || len(rep.Metadata) == 0 {
			t.Errorf("%s: format %q, architecture %q, %d metadata keys", p, rep.Format, rep.Architecture, len(rep.Metadata))
		}
		note := ""
		if rep.ConfigError != "" {
			note = " (not runnable: " + rep.ConfigError + ")"
		}
		t.Logf("%s: %s %s, %d tensors, %d keys%s", filepath.Base(p), rep.Format, rep.Architecture, len(rep.Tensors), len(rep.Metadata), note)
	}
}

// independentTensorNames reads the tensor list without nara's readers: the
// GGUF header's tensor count (names are not needed for the count), or the
// safetensors JSON header's keys. The map is nil for GGUF (count only).
func independentTensorNames(t *testing.T, p string) map[string]bool {
	if !strings.HasSuffix(p, ".gguf") {
		names := map[string]bool{}
		files, _ := filepath.Glob(filepath.Join(p, "*.safetensors"))
		for _, f := range files {
			if filepath.Base(f) == "refs.safetensors" {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			n := binary.LittleEndian.Uint64(data)
			var h map[string]json.RawMessage
			if err := json.Unmarshal(data[8:8+n], &h); err != nil {
				t.Fatal(err)
			}
			for k := range h {
				if k != "__metadata__" {
					names[k] = true
				}
			}
		}
		return names
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var hdr [16]byte
	if _, err := f.Read(hdr[:]); err != nil {
		t.Fatal(err)
	}
	count := binary.LittleEndian.Uint64(hdr[8:])
	names := make(map[string]bool, count)
	for i := range count {
		names[string(rune(i))] = true // placeholders: only the count is compared
	}
	return names
}

// Bad input: a clear error naming the file, exit status 1, never a panic.
func TestInspectBadInput(t *testing.T) {
	root := fixtures.Root(t)
	src, err := os.ReadFile(filepath.Join(root, "models", "llama-tiny.f32.gguf"))
	if err != nil {
		t.Skip("llama-tiny.f32.gguf not in this fixture set")
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bad := map[string]string{
		"truncated-header.gguf": write("truncated-header.gguf", src[:100]),
		"truncated-data.gguf":   write("truncated-data.gguf", src[:len(src)-1000]),
		"wrong-magic.gguf":      write("wrong-magic.gguf", append([]byte("GGUX"), src[4:]...)),
		"empty.gguf":            write("empty.gguf", nil),
		"missing.gguf":          filepath.Join(dir, "missing.gguf"),
	}
	hfDir := filepath.Join(dir, "hf")
	os.Mkdir(hfDir, 0o755)
	os.WriteFile(filepath.Join(hfDir, "config.json"), []byte(`{"model_type": "llama"`), 0o644)
	os.WriteFile(filepath.Join(hfDir, "model.safetensors"), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f, '{'}, 0o644)
	bad["hf-dir"] = hfDir
	cfg, _ := os.ReadFile(filepath.Join(root, "models", "llama-tiny", "config.json"))
	stDir := filepath.Join(dir, "hf-bad-weights")
	os.Mkdir(stDir, 0o755)
	os.WriteFile(filepath.Join(stDir, "config.json"), cfg, 0o644)
	// A header length of 2^60: must be refused before anything is allocated.
	os.WriteFile(filepath.Join(stDir, "model.safetensors"), []byte{0, 0, 0, 0, 0, 0, 0, 0x10, '{', '}'}, 0o644)
	bad["model.safetensors"] = filepath.Join(stDir, "model.safetensors")
	for name, p := range bad {
		arg := p
		if name == "model.safetensors" {
			arg = filepath.Dir(p) // the directory is opened; the error must name the file inside
		}
		_, stderr, code := nara(t, "inspect", arg, "--json")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1 (stderr %q)", name, code, stderr)
		}
		if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine") {
			t.Errorf("%s: panicked:\n%s", name, stderr)
		}
		if !strings.Contains(stderr, filepath.Base(p)) {
			t.Errorf("%s: error does not name the file: %q", name, stderr)
		}
		t.Logf("%s: %s", name, strings.TrimSpace(stderr))
	}
	if _, _, code := nara(t, "inspect"); code != 2 {
		t.Errorf("inspect with no model: exit %d, want 2", code)
	}
	if _, _, code := nara(t, "nonsense"); code != 2 {
		t.Errorf("unknown command: exit %d, want 2", code)
	}
}

// A lone .safetensors file (not a model directory) is listed too.
func TestInspectSafetensorsFile(t *testing.T) {
	files := fixtures.Glob(t, "models/*/refs.safetensors")
	if len(files) == 0 {
		t.Skip("no refs.safetensors in this fixture set")
	}
	for _, p := range files {
		var out, errb bytes.Buffer
		if code := run([]string{"inspect", "--json", p}, &out, &errb); code != 0 {
			t.Errorf("%s: exit %d: %s", p, code, errb.String())
			continue
		}
		var rep struct {
			Format  string
			Tensors []struct{ Name string }
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(p)
		var h map[string]json.RawMessage
		json.Unmarshal(data[8:8+binary.LittleEndian.Uint64(data)], &h)
		delete(h, "__metadata__")
		if rep.Format != "safetensors" || len(rep.Tensors) != len(h) {
			t.Errorf("%s: format %q, %d tensors; the header holds %d", p, rep.Format, len(rep.Tensors), len(h))
		}
		for _, tn := range rep.Tensors {
			if _, ok := h[tn.Name]; !ok {
				t.Errorf("%s: %q is not in the header", p, tn.Name)
			}
		}
	}
}
