package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/tokenizer"
)

// runCase is a model with greedy references: an HF directory or a float
// GGUF conversion beside it.
type runCase struct{ name, model, refs string }

func runCases(t *testing.T) []runCase {
	var cases []runCase
	for _, dir := range fixtures.ModelDirs(t) {
		if refs := filepath.Join(dir, "refs.safetensors"); exists(refs) {
			cases = append(cases, runCase{filepath.Base(dir), dir, refs})
		}
	}
	for _, g := range fixtures.Glob(t, "models/*.gguf") {
		name, typ, _ := strings.Cut(strings.TrimSuffix(filepath.Base(g), ".gguf"), ".")
		refs := filepath.Join(filepath.Dir(g), name, "refs.safetensors")
		if exists(refs) && (typ == "f32" || typ == "bf16") {
			cases = append(cases, runCase{filepath.Base(g), g, refs})
		}
	}
	if len(cases) == 0 {
		t.Skip("no models with greedy references in the fixtures")
	}
	return cases
}

func refInts(t *testing.T, path, name string) []int {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return readInts(t, f, name)
}

func idsArg(ids []int) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.Itoa(id)
	}
	return strings.Join(s, ",")
}

func printedIDs(t *testing.T, out string) []int {
	t.Helper()
	var ids []int
	for _, f := range strings.Fields(out) {
		id, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("--print-ids printed %q", out)
		}
		ids = append(ids, id)
	}
	return ids
}

// `nara run --temp 0` continues every reference prompt with exactly the
// reference ids.
func TestRunGreedyIDs(t *testing.T) {
	for _, c := range runCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			prompt, want := refInts(t, c.refs, "greedy.prompt"), refInts(t, c.refs, "greedy.ids")
			out, stderr, code := nara(t, "run", "-m", c.model, "--ids", idsArg(prompt), "--temp", "0", "-n", strconv.Itoa(len(want)), "--ignore-eos", "--print-ids")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			got := printedIDs(t, out)
			t.Logf("%s: %d/%d ids", c.name, len(got), len(want))
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
		})
	}
}

// The trained model's prompt as text: it tokenizes back to greedy.prompt,
// and stdout is exactly the text of greedy.ids.
func TestRunGreedyText(t *testing.T) {
	n := 0
	for _, c := range runCases(t) {
		if !strings.HasPrefix(c.name, "shakespeare-llama-5m") {
			continue
		}
		n++
		t.Run(c.name, func(t *testing.T) {
			prompt, want := refInts(t, c.refs, "greedy.prompt"), refInts(t, c.refs, "greedy.ids")
			tok, err := tokenizer.Load(c.model)
			if err != nil {
				t.Fatal(err)
			}
			ids32 := func(ids []int) []int32 {
				out := make([]int32, len(ids))
				for i, id := range ids {
					out[i] = int32(id)
				}
				return out
			}
			body := ids32(prompt)
			if body[0] == tok.BOS() {
				body = body[1:]
			}
			text, err := tok.Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tok.Encode(text, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
			if err != nil || fmt.Sprint(again) != fmt.Sprint(prompt) {
				t.Fatalf("prompt %q tokenizes to %v, want %v", text, again, prompt)
			}
			whole, _ := tok.Decode(append(ids32(prompt), ids32(want)...))
			head, _ := tok.Decode(ids32(prompt))
			wantText := strings.TrimPrefix(whole, head)

			out, stderr, code := nara(t, "run", "-m", c.model, "-p", text, "--temp", "0", "-n", strconv.Itoa(len(want)), "-v")
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			t.Logf("%s: prompt %q → %q\n%s", c.name, text, out, stderr)
			if out != wantText {
				t.Errorf("stdout %q\nwant   %q", out, wantText)
			}
			if !strings.Contains(stderr, "t/s") {
				t.Errorf("-v printed no timing: %q", stderr)
			}

			// The same prompt with an escape, as typed in a shell.
			esc := strings.ReplaceAll(text, "\n", `\n`)
			out2, _, _ := nara(t, "run", "-m", c.model, "-p", esc, "--temp", "0", "-n", strconv.Itoa(len(want)))
			if out2 != wantText {
				t.Errorf("escaped prompt %q: stdout %q", esc, out2)
			}

			// A stop string cuts the output before it.
			out3, _, _ := nara(t, "run", "-m", c.model, "-p", text, "--temp", "0", "--stop", `\n\n`)
			if want3, _, _ := strings.Cut(wantText, "\n\n"); out3 != want3 {
				t.Errorf("--stop: stdout %q, want %q", out3, want3)
			}
		})
	}
	if n == 0 {
		t.Skip("no shakespeare-llama-5m in the fixtures")
	}
}

// Without -m, the built-in model is written once to $NARA_HOME/models and
// run from there.
func TestRunDefaultModel(t *testing.T) {
	home := t.TempDir()
	t.Setenv("NARA_HOME", home)
	out, stderr, code := nara(t, "run", "-p", `ROMEO:\n`, "--temp", "0", "-n", "24", "-v")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	t.Logf("default model: %q\n%s", out, stderr)
	files, _ := filepath.Glob(filepath.Join(home, "models", "*.gguf"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v, want one model", files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(data, defaultModel) || !strings.Contains(filepath.Base(files[0]), fmt.Sprintf("%x", sum[:8])) {
		t.Errorf("%s is not the embedded model under its hash", files[0])
	}
	if out == "" || !strings.Contains(stderr, files[0]) {
		t.Errorf("no output, or stderr does not name %s", files[0])
	}
	st, _ := os.Stat(files[0])

	// A second run reuses the file; a damaged file is rewritten.
	out2, _, _ := nara(t, "run", "-p", `ROMEO:\n`, "--temp", "0", "-n", "24")
	st2, _ := os.Stat(files[0])
	if out2 != out || !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("second run: output %q (first %q), file rewritten: %v", out2, out, !st2.ModTime().Equal(st.ModTime()))
	}
	if err := os.WriteFile(files[0], data[:1000], 0o644); err != nil {
		t.Fatal(err)
	}
	out3, stderr3, code3 := nara(t, "run", "-p", `ROMEO:\n`, "--temp", "0", "-n", "24")
	if code3 != 0 || out3 != out {
		t.Errorf("after damaging the cached file: exit %d, %q, %s", code3, out3, stderr3)
	}
}

// Sampling with a seed repeats; the sampling flags reach the sampler.
func TestRunSeed(t *testing.T) {
	t.Setenv("NARA_HOME", t.TempDir())
	args := []string{"run", "-p", "KING", "-n", "30", "--temp", "1.2", "--top-k", "0", "--top-p", "1", "--min-p", "0"}
	a, stderr, code := nara(t, append(args, "--seed", "7")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, _, _ := nara(t, append(args, "--seed", "7")...)
	c, _, _ := nara(t, append(args, "--seed", "8")...)
	t.Logf("seed 7: %q\nseed 8: %q", a, c)
	if a != b {
		t.Errorf("seed 7 twice: %q and %q", a, b)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 gave the same 30 tokens %q", a)
	}
	// Logit bias -inf on every token but one: that token, 5 times.
	bias := []string{"run", "-p", "KING", "-n", "5", "--print-ids"}
	for id := range 1024 {
		if id != 975 {
			bias = append(bias, "--logit-bias", fmt.Sprintf("%d-inf", id))
		}
	}
	out, stderr, code := nara(t, bias...)
	if code != 0 || strings.Fields(out)[0] != "975" || len(strings.Fields(out)) != 5 {
		t.Errorf("logit bias: exit %d, %q, %s", code, out, stderr)
	}
	for _, f := range strings.Fields(out) {
		if f != "975" {
			t.Errorf("logit bias: %q", out)
			break
		}
	}
}

// A grammar and a JSON Schema hold the output to their language.
func TestRunGrammar(t *testing.T) {
	t.Setenv("NARA_HOME", t.TempDir())
	dir := t.TempDir()
	gbnf := filepath.Join(dir, "g.gbnf")
	os.WriteFile(gbnf, []byte(`root ::= ("ROMEO" | "JULIET" | "NURSE") ":\n" [A-Za-z ,']{5,40} "."`+"\n"), 0o644)
	out, stderr, code := nara(t, "run", "-p", `KING RICHARD III:\nNow is the winter.\n\n`, "--temp", "0.8", "--seed", "3", "--grammar", gbnf, "-n", "200")
	t.Logf("grammar: %q", out)
	if code != 0 || !regexp.MustCompile(`^(ROMEO|JULIET|NURSE):\n[A-Za-z ,']{5,40}\.$`).MatchString(out) {
		t.Errorf("grammar: exit %d, %q, %s", code, out, stderr)
	}

	schema := filepath.Join(dir, "s.json")
	os.WriteFile(schema, []byte(`{"type": "object", "properties": {"speaker": {"enum": ["ROMEO", "JULIET"]}, "act": {"type": "integer", "minimum": 1, "maximum": 5}}, "required": ["speaker", "act"], "additionalProperties": false}`), 0o644)
	out, stderr, code = nara(t, "run", "-p", "ROMEO:\n", "--temp", "0", "--json-schema", schema, "-n", "100")
	t.Logf("json schema: %q", out)
	var v struct {
		Speaker string `json:"speaker"`
		Act     int    `json:"act"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || (v.Speaker != "ROMEO" && v.Speaker != "JULIET") || v.Act < 1 || v.Act > 5 {
		t.Errorf("json schema: exit %d, %q, %s", code, out, stderr)
	}
}

func TestRunErrors(t *testing.T) {
	t.Setenv("NARA_HOME", t.TempDir())
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.gbnf")
	os.WriteFile(bad, []byte("root ::= (\n"), 0o644)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"run", "-p", "x", "--seed", "minus one"}, 2},
		{[]string{"run", "-p", "x", "--temp"}, 2},
		{[]string{"run", "-p", "x", "--samplers", "top_q"}, 2},
		{[]string{"run", "-p", "x", "--grammar", bad, "--json-schema", bad}, 2},
		{[]string{"run", "-p", "x", "--ids", "1,2"}, 2},
		{[]string{"run", "-p", "x", "--logit-bias", "12"}, 2},
		{[]string{"run", "-p", "x", "--top-p", "7"}, 2},
		{[]string{"run", "-p", "x", "-n", "-2"}, 2},
		{[]string{"run", "-p", "x", "--kv", "q4"}, 2},
		{[]string{"run", "extra"}, 2},
		{[]string{"run"}, 2},
		{[]string{"run", "-p", "x", "-m", filepath.Join(dir, "missing.gguf")}, 1},
		{[]string{"run", "-p", "x", "--grammar", bad}, 1},
		{[]string{"run", "-p", "x", "--grammar", filepath.Join(dir, "missing.gbnf")}, 1},
		{[]string{"run", "--ids", "1,99999"}, 1},
		{[]string{"run", "-p", "x", "-c", "2"}, 1},
	} {
		out, stderr, code := nara(t, c.args...)
		t.Logf("%q: exit %d: %s", c.args, code, strings.TrimSpace(stderr))
		if code != c.code || out != "" {
			t.Errorf("%q: exit %d, stdout %q; want exit %d and no output", c.args, code, out, c.code)
		}
	}
}

func TestUnescape(t *testing.T) {
	for in, want := range map[string]string{
		`plain`:              "plain",
		`a\nb\tc\\d`:         "a\nb\tc\\d",
		`\"q\' \x41\x4` + "": "\"q' A\\x4",
		`\q`:                 `\q`,
		`end\`:               `end\`,
	} {
		if got := unescape(in); got != want {
			t.Errorf("unescape(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseLogitBias(t *testing.T) {
	for _, c := range []struct {
		in   string
		id   int32
		bias float32
		ok   bool
	}{
		{"15043+1", 15043, 1, true},
		{"2-inf", 2, float32(negInf()), true},
		{"7-0.5", 7, -0.5, true},
		{"+1", 0, 0, false},
		{"x+1", 0, 0, false},
		{"3+y", 0, 0, false},
		{"12", 0, 0, false},
	} {
		id, b, err := parseLogitBias(c.in)
		if (err == nil) != c.ok || (c.ok && (id != c.id || b != c.bias)) {
			t.Errorf("parseLogitBias(%q) = %d, %g, %v", c.in, id, b, err)
		}
	}
}

func negInf() float64 { return math.Inf(-1) }
