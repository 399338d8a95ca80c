package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/creack/pty"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/tokenizer/chat"
)

// chatModel is a model the chat tests run: a fixture with a chat template,
// or the embedded default model (which has none).
type chatModel struct {
	name, path string
	context    int // the model's context length
}

// chatTemplateModels enumerates the fixture models (HF directories and
// GGUF files) that carry a chat template.
func chatTemplateModels(t *testing.T) []chatModel {
	t.Helper()
	paths := append(fixtures.ModelDirs(t), fixtures.Glob(t, "models/*.gguf")...)
	var models []chatModel
	for _, p := range paths {
		lm, err := runtime.Load(p)
		if err != nil {
			continue // not runnable here; other tests cover loading
		}
		if lm.Template != nil {
			models = append(models, chatModel{filepath.Base(p), p, lm.Model.Config.ContextLen})
		}
		lm.Close()
	}
	if len(models) == 0 {
		t.Skip("no fixture model with a chat template")
	}
	return models
}

// apiReplies is what the Go API answers, greedily, to msgs sent one after
// the other after the conversation so far (system prompt first).
func apiReplies(t *testing.T, path string, opts runtime.SessionOptions, p runtime.GenerateParams, sofar []chat.Message, msgs ...string) []string {
	t.Helper()
	lm, err := runtime.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Close()
	c, err := lm.NewChat(opts)
	if err != nil {
		t.Fatal(err)
	}
	c.Messages = slices.Clone(sofar)
	var replies []string
	for _, m := range msgs {
		var b strings.Builder
		for tok, err := range c.Send(context.Background(), chat.Message{Role: "user", Content: m}, p) {
			if err != nil {
				t.Fatalf("Go API, message %q: %v", m, err)
			}
			b.WriteString(tok.Text)
		}
		replies = append(replies, b.String())
	}
	return replies
}

// oneLine is the piped output format, written out here independently: \
// doubled, newline and carriage return as \n and \r.
var oneLine = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`)

// Piped stdin: one reply per input line, and each equal to what the Go API
// answers to the same conversation, for every model with a chat template and
// for the embedded default model (a plain transcript).
func TestChatPipeMatchesAPI(t *testing.T) {
	home := t.TempDir()
	t.Setenv("NARA_HOME", home)
	def, err := defaultModelPath()
	if err != nil {
		t.Fatal(err)
	}
	models := append([]chatModel{{"default " + defaultModelName, "", 512}}, chatTemplateModels(t)...)
	lines := []string{"Who goes there?", "Speak, friend: what is thy name?", "", `a \ backslash`}
	const system = "You are a helpful assistant."
	const n = 24
	input := strings.Join(lines, "\n") + "\n"
	for _, m := range models {
		t.Run(m.name, func(t *testing.T) {
			args := []string{"chat", "--temp", "0", "-n", strconv.Itoa(n), "--system", system}
			path := m.path
			if path == "" {
				path = def
			} else {
				args = append(args, "-m", path)
			}
			out, stderr, code := naraStdin(t, input, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			want := apiReplies(t, path, runtime.SessionOptions{}, runtime.GenerateParams{MaxTokens: n},
				[]chat.Message{{Role: "system", Content: system}}, lines...)
			var wantOut strings.Builder
			for _, w := range want {
				wantOut.WriteString(oneLine.Replace(w) + "\n")
			}
			if out != wantOut.String() {
				t.Errorf("stdout:\n%q\nwant (Go API):\n%q", out, wantOut.String())
			}
			if got := strings.Count(out, "\n"); got != len(lines) {
				t.Errorf("%d lines out for %d lines in", got, len(lines))
			}
			t.Logf("%s: %d replies match the Go API; first %q", m.name, len(want), want[0])
		})
	}
}

// A context far too small for the conversation: the oldest turns go, a line
// on stderr says so, and every line still gets its reply.
func TestChatPipeContextFull(t *testing.T) {
	m := chatTemplateModels(t)[0]
	const ctxLen = 64
	msg := "Tell me more about the weather today, please."
	lines := slices.Repeat([]string{msg}, 8)
	out, stderr, code := naraStdin(t, strings.Join(lines, "\n")+"\n", "chat", "-m", m.path, "--temp", "0", "-n", "8", "-c", strconv.Itoa(ctxLen))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := strings.Count(out, "\n"); got != len(lines) {
		t.Errorf("%d lines out for %d in:\n%s", got, len(lines), out)
	}
	if !strings.Contains(stderr, "dropped") {
		t.Errorf("stderr does not say turns were dropped: %q", stderr)
	}
	// The user messages alone exceed the context: something had to go.
	lm, err := runtime.Load(m.path)
	if err != nil {
		t.Fatal(err)
	}
	defer lm.Close()
	var conv []chat.Message
	for _, l := range lines {
		conv = append(conv, chat.Message{Role: "user", Content: l}, chat.Message{Role: "assistant", Content: ""})
	}
	ids, err := lm.EncodeChat(conv)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) <= ctxLen {
		t.Fatalf("the conversation takes %d tokens, not more than -c %d: the test proves nothing", len(ids), ctxLen)
	}
	t.Logf("%s: conversation of %d tokens in a context of %d; stderr:\n%s", m.name, len(ids), ctxLen, stderr)

	// Without -n a reply runs until the context is full: it is cut, a line
	// says so, and the next message makes room.
	out, stderr, code = naraStdin(t, "hello\nagain\nonce more\n", "chat", "-m", m.path, "--temp", "0", "--ignore-eos", "-c", strconv.Itoa(ctxLen))
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(stderr, "reply was cut") || !strings.Contains(stderr, "dropped") {
		t.Errorf("replies cut by the context: exit %d, %d lines out, stderr:\n%s", code, strings.Count(out, "\n"), stderr)
	}
	t.Logf("replies filling the context; stderr:\n%s", stderr)

	// A message that cannot fit even alone: exit 1 with a clear message.
	long := strings.Repeat("weather ", 200)
	_, stderr, code = naraStdin(t, long+"\n", "chat", "-m", m.path, "--temp", "0", "-c", "32")
	if code != 1 || !strings.Contains(stderr, "context") || strings.Contains(stderr, "panic") {
		t.Errorf("oversized message: exit %d, stderr %q", code, stderr)
	}
	t.Logf("oversized message: %s", strings.TrimSpace(stderr))
}

func TestChatErrors(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("NARA_HOME", dir)
	missing := filepath.Join(dir, "missing.gguf")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"chat", "-m", missing}, 1, "missing.gguf"},
		{[]string{"chat", "-n", "0"}, 2, "-n"},
		{[]string{"chat", "stray"}, 2, "positional"},
		{[]string{"chat", "--kv", "q4"}, 2, "--kv"},
		{[]string{"chat", "--seed", "x"}, 2, "--seed"},
	} {
		_, stderr, code := naraStdin(t, "hi\n", c.args...)
		if code != c.code || !strings.Contains(stderr, c.want) || strings.Contains(stderr, "goroutine") {
			t.Errorf("%v: exit %d, stderr %q; want exit %d naming %q", c.args, code, stderr, c.code, c.want)
		}
		t.Logf("%v: exit %d: %s", c.args, code, strings.TrimSpace(stderr))
	}
}

// scriptReader is a lineReader that types the given lines.
type scriptReader struct {
	lines   []string
	prompts []string
	history []string
}

func (s *scriptReader) Prompt(p string) (string, error) {
	s.prompts = append(s.prompts, p)
	if len(s.lines) == 0 {
		return "", io.EOF
	}
	l := s.lines[0]
	s.lines = s.lines[1:]
	if l == "^C" {
		return "", errInterrupted
	}
	return l, nil
}
func (s *scriptReader) AppendHistory(l string) { s.history = append(s.history, l) }
func (s *scriptReader) Close() error           { return nil }

func TestChatReadMessage(t *testing.T) {
	for _, c := range []struct {
		typed   []string
		want    string
		command bool
		err     error
		prompts int
	}{
		{[]string{"hello"}, "hello", false, nil, 1},
		{[]string{"/save x.json"}, "/save x.json", true, nil, 1},
		{[]string{`one \`, `two \`, "three"}, "one \ntwo \nthree", false, nil, 3},
		{[]string{`"""`, "first", "", "second", `"""`}, "first\n\nsecond", false, nil, 5},
		{[]string{`"""first`, `second"""`}, "first\nsecond", false, nil, 2},
		{[]string{`"""one line"""`}, "one line", false, nil, 1},
		{[]string{`"""`, "/not a command", `"""`}, "/not a command", false, nil, 3},
		{[]string{`"""`, `a \`, `"""`}, `a \`, false, nil, 3},
		{[]string{`"""`, "never closed"}, "", false, io.EOF, 3},
		{[]string{`half \`, "^C"}, "", false, errInterrupted, 2},
		{nil, "", false, io.EOF, 1},
	} {
		in := &scriptReader{lines: c.typed}
		got, cmd, err := readMessage(in)
		if got != c.want || cmd != c.command || !errors.Is(err, c.err) || len(in.prompts) != c.prompts {
			t.Errorf("%q: got %q command %v err %v after %d prompts; want %q %v %v after %d",
				c.typed, got, cmd, err, len(in.prompts), c.want, c.command, c.err, c.prompts)
		}
		if len(in.prompts) > 1 && in.prompts[1] != morePrompt {
			t.Errorf("%q: continuation prompt %q", c.typed, in.prompts[1])
		}
	}
}

func TestEscapeLine(t *testing.T) {
	for in, want := range map[string]string{
		"plain":          "plain",
		"two\nlines":     `two\nlines`,
		`back\slash`:     `back\\slash`,
		"\r\n":           `\r\n`,
		`\n literally`:   `\\n literally`,
		"\xff raw bytes": "\xff raw bytes",
	} {
		if got := escapeLine(in); got != want {
			t.Errorf("escapeLine(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTerminalSafe(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, é ü 日本":     "plain text, é ü 日本",
		"lines\n\tand tabs":      "lines\n\tand tabs",
		"red \x1b[31mtext":       "red ^[[31mtext",
		"over\rwrite":            "over^Mwrite",
		"bell\a del\x7f nul\x00": "bell^G del^? nul^@",
		"csi \u009b2J":           "csi \ufffd2J",
		"bad \xff\xfe bytes":     "bad \ufffd\ufffd bytes",
	} {
		if got := terminalSafe(in); got != want {
			t.Errorf("terminalSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// A saved chat comes back exactly, bytes that are not UTF-8 included, and
// the file holds what was said in plain JSON.
func TestChatSaveLoad(t *testing.T) {
	home := t.TempDir()
	t.Setenv("NARA_HOME", home)
	cs := newTestChatSession(t)
	cs.setSystem("Be brief.")
	turns := []chat.Message{
		{Role: "user", Content: "Hello\nthere"},
		{Role: "assistant", Content: "raw \xff\xfe bytes"},
		{Role: "user", Content: `quote " and \ backslash`},
		{Role: "assistant", Content: ""},
	}
	cs.chat.Messages = append(cs.chat.Messages, turns...)
	path := filepath.Join(home, "conv.json")
	if err := cs.save(path); err != nil {
		t.Fatal(err)
	}
	var raw struct {
		System   string
		Messages []map[string]any
	}
	data, _ := os.ReadFile(path)
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	if raw.System != "Be brief." || len(raw.Messages) != 4 || raw.Messages[0]["content"] != "Hello\nthere" ||
		raw.Messages[1]["content_bytes"] != "cmF3IP/+IGJ5dGVz" { // base64 of "raw \xff\xfe bytes"
		t.Errorf("saved file:\n%s", data)
	}

	other := newTestChatSession(t)
	if err := other.load(path); err != nil {
		t.Fatal(err)
	}
	want := append([]chat.Message{{Role: "system", Content: "Be brief."}}, turns...)
	if !slices.EqualFunc(other.chat.Messages, want, func(a, b chat.Message) bool { return a.Role == b.Role && a.Content == b.Content }) {
		t.Errorf("loaded %q\nwant   %q", other.chat.Messages, want)
	}
	other.reset()
	if len(other.chat.Messages) != 1 || other.system() != "Be brief." {
		t.Errorf("after reset: %q", other.chat.Messages)
	}
	other.setSystem("")
	if len(other.chat.Messages) != 0 {
		t.Errorf("after removing the system prompt: %q", other.chat.Messages)
	}
}

func newTestChatSession(t *testing.T) *chatSession {
	t.Helper()
	path, err := defaultModelPath()
	if err != nil {
		t.Fatal(err)
	}
	lm, err := runtime.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { lm.Close() })
	c, err := lm.NewChat(runtime.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	smp, err := c.Session().NewSampler(runtime.GenerateParams{}.Sampling)
	if err != nil {
		t.Fatal(err)
	}
	return &chatSession{lm: lm, chat: c, smp: smp, stderr: io.Discard}
}

// Hostile or broken files: an error naming the file (and the message at
// fault), never a panic.
func TestReadSavedChatBad(t *testing.T) {
	dir := t.TempDir()
	for name, c := range map[string]struct{ data, want string }{
		"empty.json":     {"", "not a saved chat"},
		"text.json":      {"hello", "not a saved chat"},
		"list.json":      {`[1, 2]`, "not a saved chat"},
		"nomsgs.json":    {`{"system": "x"}`, `no "messages"`},
		"unknown.json":   {`{"messages": [], "extra": 1}`, "extra"},
		"norole.json":    {`{"messages": [{"content": "hi"}]}`, `messages[0]: empty "role"`},
		"both.json":      {`{"messages": [{"role": "user", "content": "a", "content_bytes": "YQ=="}]}`, "messages[0]: both"},
		"badbase64.json": {`{"messages": [{"role": "user", "content_bytes": "!!"}]}`, "not a saved chat"},
		"trailing.json":  {`{"messages": []} {}`, "after the JSON"},
		"types.json":     {`{"messages": [{"role": 1}]}`, "not a saved chat"},
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(c.data), 0o644)
		_, err := readSavedChat(p)
		if err == nil || !strings.Contains(err.Error(), name) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one naming the file and %q", name, err, c.want)
		}
	}
	if _, err := readSavedChat(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("missing file: no error")
	}
	// Larger than any conversation: refused without reading it all.
	big := filepath.Join(dir, "big.json")
	f, _ := os.Create(big)
	f.Truncate(maxChatFile + 10)
	f.Close()
	if _, err := readSavedChat(big); err == nil || !strings.Contains(err.Error(), "larger") {
		t.Errorf("oversized file: %v", err)
	}
}

func FuzzReadSavedChat(f *testing.F) {
	f.Add([]byte(`{"system": "s", "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content_bytes": "/w=="}]}`))
	f.Add([]byte(`{"messages": []}`))
	f.Add([]byte(`{"messages": [{"role": ""}]}`))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "chat.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sc, err := readSavedChat(p)
		if err != nil {
			return
		}
		for i, m := range sc.Messages {
			if m.Role == "" || (m.Content != "" && m.ContentBytes != nil) {
				t.Errorf("accepted message %d: %+v", i, m)
			}
		}
	})
}

// escapeLine output is one line, and `nara run`'s unescape reads it back.
func FuzzEscapeLine(f *testing.F) {
	for _, s := range []string{"", "a\nb", `\n`, "\\\n\r\\", "\xff\n", `\x41`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e := escapeLine(s)
		if strings.ContainsAny(e, "\n\r") {
			t.Fatalf("escapeLine(%q) = %q spans lines", s, e)
		}
		if back := unescape(e); back != s {
			t.Fatalf("unescape(escapeLine(%q)) = %q", s, back)
		}
	})
}

// terminalSafe output is UTF-8 with no control characters but newline and tab.
func FuzzTerminalSafe(f *testing.F) {
	for _, s := range []string{"", "a\x1b[2Jb", "\u009b\xff\r", "ok\n\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := terminalSafe(s)
		if !utf8.ValidString(out) {
			t.Fatalf("terminalSafe(%q) = %q: not UTF-8", s, out)
		}
		for _, r := range out {
			if unicode.IsControl(r) && r != '\n' && r != '\t' {
				t.Fatalf("terminalSafe(%q) = %q keeps %U", s, out, r)
			}
		}
	})
}

// chatTerm is nara chat on a pseudo-terminal, read as a user would see it.
type chatTerm struct {
	t    *testing.T
	pty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  []byte
	mark int // where the next wait looks from
	done chan struct{}
}

func startChatTerm(t *testing.T, home string, args ...string) *chatTerm {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"chat"}, args...)...)
	cmd.Env = append(os.Environ(), "NARA_TEST_MAIN=1", "TERM=xterm", "NARA_HOME="+home)
	f, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 50, Cols: 200})
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	c := &chatTerm{t: t, pty: f, cmd: cmd, done: make(chan struct{})}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := f.Read(buf)
			c.mu.Lock()
			c.out = append(c.out, buf[:n]...)
			c.mu.Unlock()
			if err != nil {
				close(c.done)
				return
			}
		}
	}()
	t.Cleanup(func() {
		if c.cmd.ProcessState == nil {
			c.cmd.Process.Kill()
			c.cmd.Wait()
		}
		f.Close()
	})
	return c
}

func (c *chatTerm) send(keys string) {
	c.t.Helper()
	if _, err := c.pty.Write([]byte(keys)); err != nil {
		c.t.Fatal(err)
	}
}

// waitFor waits until the output after the mark satisfies ok, moves the mark
// to the end and returns that output.
func (c *chatTerm) waitFor(what string, timeout time.Duration, ok func(s string) bool) string {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c.mu.Lock()
		s := string(c.out[c.mark:])
		c.mu.Unlock()
		if ok(s) {
			c.mark += len(s)
			return s
		}
		select {
		case <-c.done:
			c.t.Fatalf("nara chat ended while waiting for %s; output since:\n%q", what, s)
		default:
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("no %s within %v; output since:\n%q", what, timeout, s)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// prompt waits for the chat to ask for the next message: a line ended, then
// the prompt.
func (c *chatTerm) prompt(timeout time.Duration) string {
	c.t.Helper()
	return c.waitFor("prompt", timeout, func(s string) bool {
		return strings.Contains(s, "\n") && strings.HasSuffix(s, chatPrompt)
	})
}

// say types a line and returns what the screen shows until the next prompt.
func (c *chatTerm) say(line string) string {
	c.t.Helper()
	c.send(line + "\r")
	return c.prompt(60 * time.Second)
}

// printable returns the longest run of printable characters in s: a piece
// of a reply that must appear on the screen as it is.
func printable(s string) string {
	best := ""
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r == utf8.RuneError || r == '\n' || r == '\r' || !unicode.IsPrint(r) && r != ' '
	}) {
		if len(f) > len(best) {
			best = f
		}
	}
	return best
}

func readSaved(t *testing.T, path string) (string, []chat.Message) {
	t.Helper()
	sc, err := readSavedChat(path)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []chat.Message
	for _, m := range sc.Messages {
		content := m.Content
		if m.ContentBytes != nil {
			content = string(m.ContentBytes)
		}
		msgs = append(msgs, chat.Message{Role: m.Role, Content: content})
	}
	return sc.System, msgs
}

// The interactive chat on a pseudo-terminal: streamed replies equal to the
// Go API's, a message of several lines, /save, /reset, /load (the model
// continues the loaded conversation), /stats, /system, Ctrl-C at the prompt
// and Ctrl-D to leave.
func TestChatTerminal(t *testing.T) {
	m := chatTemplateModels(t)[0]
	home := t.TempDir()
	const system = "You are terse."
	const n = 16
	c := startChatTerm(t, home, "-m", m.path, "--temp", "0", "-n", strconv.Itoa(n), "--system", system)
	banner := c.prompt(60 * time.Second)
	t.Logf("banner: %q", banner)

	screen1 := c.say("hi")
	c.send(`"""` + "\r")
	c.waitFor("continuation prompt", 10*time.Second, func(s string) bool { return strings.HasSuffix(s, morePrompt) })
	c.send("line one\r")
	c.waitFor("continuation prompt", 10*time.Second, func(s string) bool { return strings.HasSuffix(s, morePrompt) })
	c.send("line two\r")
	c.waitFor("continuation prompt", 10*time.Second, func(s string) bool { return strings.HasSuffix(s, morePrompt) })
	screen2 := c.say(`"""`)

	sys := []chat.Message{{Role: "system", Content: system}}
	gp := runtime.GenerateParams{MaxTokens: n}
	want := apiReplies(t, m.path, runtime.SessionOptions{}, gp, sys, "hi", "line one\nline two")
	for i, screen := range []string{screen1, screen2} {
		if p := printable(want[i]); !strings.Contains(screen, p) {
			t.Errorf("reply %d: the screen does not show %q:\n%q", i, p, screen)
		}
	}

	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	if s := c.say("/save " + a); !strings.Contains(s, "Saved 4 messages") {
		t.Errorf("/save: %q", s)
	}
	gotSys, saved := readSaved(t, a)
	wantMsgs := []chat.Message{
		{Role: "user", Content: "hi"}, {Role: "assistant", Content: want[0]},
		{Role: "user", Content: "line one\nline two"}, {Role: "assistant", Content: want[1]},
	}
	if gotSys != system || !slices.EqualFunc(saved, wantMsgs, sameMessage) {
		t.Errorf("saved system %q, messages %q\nwant %q", gotSys, saved, wantMsgs)
	}

	if s := c.say("/reset"); !strings.Contains(s, "cleared") {
		t.Errorf("/reset: %q", s)
	}
	if s := c.say("/stats"); !strings.Contains(s, "context: 0 of") || !strings.Contains(s, "0 messages") {
		t.Errorf("/stats after /reset: %q", s)
	}
	b := filepath.Join(dir, "b.json")
	c.say("/save " + b)
	if gotSys, saved := readSaved(t, b); gotSys != system || len(saved) != 0 {
		t.Errorf("after /reset: system %q, %d messages", gotSys, len(saved))
	}

	if s := c.say("/load " + a); !strings.Contains(s, "Loaded 4 messages") {
		t.Errorf("/load: %q", s)
	}
	cpath := filepath.Join(dir, "c.json")
	c.say("/save " + cpath)
	dataA, _ := os.ReadFile(a)
	dataC, _ := os.ReadFile(cpath)
	if !bytes.Equal(dataA, dataC) {
		t.Errorf("/load then /save changed the file:\n%s\nvs\n%s", dataA, dataC)
	}

	// The model continues the loaded conversation.
	screen3 := c.say("more")
	d := filepath.Join(dir, "d.json")
	c.say("/save " + d)
	more := apiReplies(t, m.path, runtime.SessionOptions{}, gp, append(sys, wantMsgs...), "more")[0]
	_, savedD := readSaved(t, d)
	wantD := append(slices.Clone(wantMsgs), chat.Message{Role: "user", Content: "more"}, chat.Message{Role: "assistant", Content: more})
	if !slices.EqualFunc(savedD, wantD, sameMessage) {
		t.Errorf("after /load and a message: %q\nwant %q", savedD, wantD)
	}
	if p := printable(more); !strings.Contains(screen3, p) {
		t.Errorf("the screen does not show %q:\n%q", p, screen3)
	}

	st := c.say("/stats")
	checkStats(t, st)
	if s := c.say("/system"); !strings.Contains(s, system) {
		t.Errorf("/system: %q", s)
	}
	if s := c.say("/nonsense"); !strings.Contains(s, "unknown command") {
		t.Errorf("/nonsense: %q", s)
	}

	// Ctrl-C at the prompt clears the line and says how to leave.
	c.send("half typed")
	c.waitFor("echo", 10*time.Second, func(s string) bool { return strings.Contains(s, "half typed") })
	c.send("\x03")
	if s := c.prompt(10 * time.Second); !strings.Contains(s, "Ctrl-D or /bye") {
		t.Errorf("Ctrl-C at the prompt: %q", s)
	}
	// Ctrl-D leaves, with status 0.
	c.send("\x04")
	exited := make(chan error, 1)
	go func() { exited <- c.cmd.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after Ctrl-D: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Ctrl-D did not leave")
	}
	hist, _ := os.ReadFile(filepath.Join(home, "chat_history"))
	if !strings.Contains(string(hist), "/save "+a) || !strings.Contains(string(hist), "line one") {
		t.Errorf("history: %q", hist)
	}
	t.Logf("%s: replies %q, %q, %q\n/stats:\n%s", m.name, want[0], want[1], more, st)
}

func sameMessage(a, b chat.Message) bool { return a.Role == b.Role && a.Content == b.Content }

var statsRe = regexp.MustCompile(`reply: +(\d+) tokens in [0-9.]+ s, ([0-9.]+) tokens/s`)

// checkStats checks that /stats printed figures, and returns the reply's
// token count.
func checkStats(t *testing.T, s string) int {
	t.Helper()
	m := statsRe.FindStringSubmatch(s)
	if m == nil || !regexp.MustCompile(`prompt: +\d+ tokens in [0-9.]+ s, [0-9.]+ tokens/s`).MatchString(s) ||
		!regexp.MustCompile(`context: \d+ of \d+ tokens`).MatchString(s) {
		t.Fatalf("/stats printed no figures: %q", s)
	}
	tokens, _ := strconv.Atoi(m[1])
	rate, _ := strconv.ParseFloat(m[2], 64)
	if tokens <= 0 || rate <= 0 {
		t.Errorf("/stats: %d tokens at %.1f tokens/s", tokens, rate)
	}
	return tokens
}

// Ctrl-C during a long reply stops that reply, the prompt comes back and the
// chat goes on; what was shown is what the model generated (the Go API's
// greedy text for as many tokens).
func TestChatTerminalCtrlC(t *testing.T) {
	const ctxLen = 16384
	var m *chatModel
	for _, cm := range chatTemplateModels(t) {
		if cm.context >= ctxLen {
			m = &cm
			break
		}
	}
	if m == nil {
		t.Skipf("no chat model with a context of %d tokens, long enough to interrupt a reply", ctxLen)
	}
	home := t.TempDir()
	c := startChatTerm(t, home, "-m", m.path, "--temp", "0", "--ignore-eos", "-c", strconv.Itoa(ctxLen))
	c.prompt(60 * time.Second)
	const msg = "Tell me a long story."
	c.send(msg + "\r")
	streamed := c.waitFor("a streamed reply", 60*time.Second, func(s string) bool {
		_, reply, ok := strings.Cut(s, "\n")
		return ok && len(reply) > 300
	})
	c.send("\x03")
	after := c.prompt(30 * time.Second)
	if !strings.Contains(after, "(reply stopped)") {
		t.Errorf("no notice that the reply stopped: %q", after)
	}
	st := c.say("/stats")
	tokens := checkStats(t, st)
	if tokens >= ctxLen/2 {
		t.Errorf("the reply ran %d tokens: Ctrl-C did not stop it", tokens)
	}
	f := filepath.Join(t.TempDir(), "stopped.json")
	c.say("/save " + f)
	_, saved := readSaved(t, f)
	if len(saved) != 2 || saved[1].Role != "assistant" {
		t.Fatalf("saved %q", saved)
	}
	reply := saved[1].Content
	api := apiReplies(t, m.path, runtime.SessionOptions{Context: ctxLen}, runtime.GenerateParams{MaxTokens: tokens, IgnoreEOS: true}, nil, msg)[0]
	// The API flushes a character cut in the middle at the end; the chat,
	// stopped, keeps only whole ones.
	if !strings.HasPrefix(api, reply) || len(api)-len(reply) >= utf8.UTFMax {
		t.Errorf("interrupted reply (%d tokens) %q\nGo API %q", tokens, reply, api)
	}
	if p := printable(reply[:min(len(reply), 200)]); !strings.Contains(streamed+after, p) {
		t.Errorf("the screen does not show %q", p)
	}
	// Still chatting: stop a second reply too, then leave with /bye.
	c.send("Again.\r")
	c.waitFor("a second reply", 60*time.Second, func(s string) bool {
		_, reply, ok := strings.Cut(s, "\n")
		return ok && len(reply) > 100
	})
	c.send("\x03")
	c.prompt(30 * time.Second)
	c.send("/bye\r")
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		t.Fatal("/bye did not leave")
	}
	if err := c.cmd.Wait(); err != nil {
		t.Errorf("exit after /bye: %v", err)
	}
	t.Logf("%s: stopped after %d tokens (%d bytes); /stats:\n%s", m.name, tokens, len(reply), st)
}
