package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// Every llama.cpp vocab test (.inp cases, .out ids) through `nara tokenize
// --jsonl`: no BOS, special tokens not parsed, as llama.cpp's test ran them.
func TestTokenizeLlamaCppVocabs(t *testing.T) {
	for _, inp := range fixtures.Glob(t, "tokenizers/llamacpp-vocab/*.gguf.inp") {
		model := strings.TrimSuffix(inp, ".inp")
		if _, err := os.Stat(model); err != nil {
			continue // a test vector without its vocab (llama-bpe, qwen2)
		}
		in, _ := os.ReadFile(inp)
		outRef, _ := os.ReadFile(model + ".out")
		// Each case ends with the marker line; one output line per case.
		const sep = "\n__ggml_vocab_test__\n"
		cases := strings.Split(strings.TrimSuffix(string(in), sep), sep)
		want := strings.Split(strings.TrimSuffix(string(outRef), "\n"), "\n")
		var stdin strings.Builder
		for _, c := range cases {
			b, _ := json.Marshal(c)
			stdin.Write(append(b, '\n'))
		}
		out, errs, code := naraStdin(t, stdin.String(), "tokenize", "-m", model, "--jsonl")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", filepath.Base(model), code, errs)
			continue
		}
		got := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		pass := 0
		for i := range min(len(got), len(want), len(cases)) {
			var ids []int
			json.Unmarshal([]byte(got[i]), &ids)
			if joinInts(ids) == strings.TrimSpace(want[i]) {
				pass++
			} else if pass+5 > i { // report the first few only
				t.Errorf("%s case %d %q: got %v, want %s", filepath.Base(model), i, cases[i], ids, want[i])
			}
		}
		if len(got) != len(cases) || pass != len(cases) {
			t.Errorf("%s: %d/%d cases pass (%d lines out)", filepath.Base(model), pass, len(cases), len(got))
		}
		t.Logf("%s: %d/%d cases", filepath.Base(model), pass, len(cases))
	}
}

func joinInts(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, " ")
}

// Plain mode: the whole input, ids separated by spaces; --bos adds BOS.
func TestTokenizePlain(t *testing.T) {
	root := fixtures.Root(t)
	spm := filepath.Join(root, "tokenizers", "spm1024.model")
	data, err := os.ReadFile(filepath.Join(root, "tokenizers", "spm1024.cases.json"))
	if err != nil {
		t.Skip("spm1024 cases not in this fixture set")
	}
	var ref struct {
		Cases []struct {
			Text       string
			IDs        []int `json:"ids"`
			IDsWithBOS []int `json:"ids_with_bos"`
		}
	}
	json.Unmarshal(data, &ref)
	for _, c := range ref.Cases[:min(8, len(ref.Cases))] {
		out, errs, code := naraStdin(t, c.Text, "tokenize", "-m", spm)
		if code != 0 || strings.TrimSpace(out) != joinInts(c.IDs) {
			t.Errorf("%q: got %q (exit %d, %s), want %q", c.Text, out, code, errs, joinInts(c.IDs))
		}
		out, _, _ = naraStdin(t, c.Text, "tokenize", "--bos", "-m", spm)
		if strings.TrimSpace(out) != joinInts(c.IDsWithBOS) {
			t.Errorf("%q --bos: got %q, want %q", c.Text, out, joinInts(c.IDsWithBOS))
		}
	}
	if _, _, code := naraStdin(t, "x", "tokenize", "-m", filepath.Join(root, "missing.gguf")); code != 1 {
		t.Errorf("missing model: exit %d, want 1", code)
	}
	if _, _, code := naraStdin(t, "not json\n", "tokenize", "-m", spm, "--jsonl"); code != 1 {
		t.Errorf("bad jsonl: exit %d, want 1", code)
	}
}
