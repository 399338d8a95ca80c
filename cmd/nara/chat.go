package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/sampler"
	"github.com/narallm/nara/tokenizer/chat"
)

// `nara chat` talks with a model: an interactive terminal session with line
// editing when stdin is a terminal (chat_term.go), one reply per input line
// otherwise (chat_pipe.go). This file holds what both share: the flags, the
// conversation with its context management, and /save and /load.

func runChat(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	model := fs.String("m", "", "model: a .gguf file, an HF directory or hf://REPO (default: the built-in "+defaultModelName+")")
	system := fs.String("system", "", "system prompt (escapes such as \\n are processed)")
	n := fs.Int("n", -1, "most tokens per reply (-1: until end of turn or a full context)")
	ctxLen := fs.Int("c", 0, "context length (0: the model's)")
	batch := fs.Int("b", 256, "prompt tokens per forward pass")
	kv := fs.String("kv", "f16", "KV cache type: f16 (llama.cpp's default, half the memory) or f32")
	ignoreEOS := fs.Bool("ignore-eos", false, "keep generating past end-of-generation tokens")
	var stops stringList
	fs.Var(&stops, "stop", "end a reply when its text reaches this string (repeatable)")
	verbose := fs.Bool("v", false, "print the model, the seed and each reply's timing to stderr")
	sampling := samplingFlags(fs)
	fs.Usage = func() {
		fmt.Fprint(os.Stderr, `usage: nara chat [-m MODEL] [--system TEXT] [-n N] [-c CONTEXT] [--temp T --top-k K --top-p P --min-p P --seed S …]

With a terminal on stdin: an interactive chat with line editing and history.
End a line with \ to go on to the next, or put a message between """ lines.
Commands: /help /reset /system [TEXT] /save FILE /load FILE /stats /bye.
Ctrl-C stops a reply; Ctrl-D or /bye leaves.

Otherwise each line of stdin is a message and each reply one line of stdout,
its newlines and backslashes written as \n and \\.

When the context fills, the oldest turns are dropped (the system prompt
stays) and a line on stderr says so.

`)
		fs.SetOutput(os.Stderr)
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no positional arguments (the model goes after -m)"); err != nil {
		return err
	}
	params, err := sampling()
	if err != nil {
		return err
	}
	kvType, err := parseKV(*kv)
	if err != nil {
		return err
	}
	if *n < -1 || *n == 0 || *ctxLen < 0 || *batch <= 0 {
		return fmt.Errorf("%w: -n %d, -c %d, -b %d: want -n > 0 or -1, -c >= 0, -b > 0", errUsage, *n, *ctxLen, *batch)
	}

	path, err := resolveModel(*model)
	if err != nil {
		return err
	}
	lm, err := loadModel(path)
	if err != nil {
		return err
	}
	defer lm.Close()
	c, err := lm.NewChat(runtime.SessionOptions{KV: kvType, Context: *ctxLen, Batch: *batch})
	if err != nil {
		return err
	}
	smp, err := c.Session().NewSampler(params)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	cs := &chatSession{lm: lm, chat: c, smp: smp, stderr: os.Stderr, name: filepath.Base(path)}
	if *model == "" {
		cs.name = defaultModelName + " (built in)"
	}
	cs.gp = runtime.GenerateParams{Sampler: smp, IgnoreEOS: *ignoreEOS}
	if *n > 0 {
		cs.gp.MaxTokens = *n
	}
	for _, s := range stops {
		cs.gp.Stop = append(cs.gp.Stop, unescape(s))
	}
	if *system != "" {
		cs.setSystem(unescape(*system))
	}
	if *verbose {
		cfg := lm.Model.Config
		template := "its chat template"
		if lm.Template == nil {
			template = "a plain transcript (the model has no chat template)"
		}
		fmt.Fprintf(os.Stderr, "model %s: %s, %d layers, dim %d, vocab %d, context %d; chats in %s; seed %d\n",
			lm.Path(), cfg.Arch, cfg.Layers, cfg.Dim, lm.Model.Vocab(), c.Session().Context(), template, smp.Seed())
	}
	cs.verbose = *verbose

	if term.IsTerminal(int(os.Stdin.Fd())) {
		return chatInteractive(cs, stdout)
	}
	return chatPipe(cs, os.Stdin, stdout)
}

// chatSession is a conversation and what replies are generated with.
type chatSession struct {
	lm      *runtime.LM
	name    string // the model, as the user knows it
	chat    *runtime.Chat
	smp     *sampler.Sampler
	gp      runtime.GenerateParams
	stderr  io.Writer
	verbose bool
	replied bool // a reply has been generated, so Stats mean something
}

// system returns the system prompt ("" for none): the first message when
// its role is "system".
func (cs *chatSession) system() string {
	if m := cs.chat.Messages; len(m) > 0 && m[0].Role == "system" {
		return m[0].Content
	}
	return ""
}

// setSystem replaces the system prompt, or removes it when text is empty.
// The turns stay; the session recomputes them on the next message.
func (cs *chatSession) setSystem(text string) {
	m := cs.chat.Messages
	if len(m) > 0 && m[0].Role == "system" {
		m = m[1:]
	}
	if text != "" {
		m = append([]chat.Message{{Role: "system", Content: text}}, m...)
	}
	cs.chat.Messages = m
}

// reset forgets the turns, keeping the system prompt.
func (cs *chatSession) reset() {
	cs.replace(cs.system(), nil)
}

// replace sets the whole conversation, as for a new chat: the sampler starts
// again from its seed, and the session forgets the old tokens now (the next
// message runs the new conversation) so that /stats shows the context free.
func (cs *chatSession) replace(system string, turns []chat.Message) {
	cs.chat.Messages = nil
	cs.setSystem(system)
	cs.chat.Messages = append(cs.chat.Messages, turns...)
	cs.chat.Session().Truncate(0)
	cs.smp.Reset()
}

// turns returns the messages after the system prompt.
func (cs *chatSession) turns() []chat.Message {
	m := cs.chat.Messages
	if len(m) > 0 && m[0].Role == "system" {
		return m[1:]
	}
	return m
}

// dropOldestTurn removes the oldest message after the system prompt and
// whatever follows it up to the next user message, so the conversation
// still starts with the user. It returns how many messages went.
func (cs *chatSession) dropOldestTurn() int {
	m := cs.chat.Messages
	first := 0
	if len(m) > 0 && m[0].Role == "system" {
		first = 1
	}
	if first == len(m) {
		return 0
	}
	end := first + 1
	for end < len(m) && m[end].Role != "user" {
		end++
	}
	cs.chat.Messages = append(m[:first:first], m[end:]...)
	return end - first
}

// fitContext drops the oldest turns until the conversation with msg leaves
// room for a reply: a quarter of the context, or -n tokens if fewer. It
// says on stderr what it dropped, and fails when msg does not fit even
// alone with the system prompt.
func (cs *chatSession) fitContext(msg chat.Message) error {
	limit := cs.chat.Session().Context()
	if limit <= 0 {
		return nil
	}
	reserve := max(limit/4, 1)
	if cs.gp.MaxTokens > 0 && cs.gp.MaxTokens < reserve {
		reserve = cs.gp.MaxTokens
	}
	dropped := 0
	for {
		ids, err := cs.lm.EncodeChat(append(cs.chat.Messages[:len(cs.chat.Messages):len(cs.chat.Messages)], msg))
		if err != nil {
			return err
		}
		if len(ids)+reserve <= limit {
			break
		}
		k := cs.dropOldestTurn()
		if k == 0 {
			if len(ids) < limit {
				break // it fits, with less room than we would like
			}
			return fmt.Errorf("the message takes %d tokens in the chat format (system prompt included); the context holds %d (-c): %w",
				len(ids), limit, runtime.ErrContextFull)
		}
		dropped += k
	}
	if dropped > 0 {
		kept := ""
		if cs.system() != "" {
			kept = ", kept the system prompt"
		}
		fmt.Fprintf(cs.stderr, "context full (%d tokens): dropped the %d oldest messages%s\n", limit, dropped, kept)
	}
	return nil
}

// send adds the user's text to the conversation and streams the reply's
// text to out as it comes. It returns why the reply ended; a cancelled ctx
// ends it with ctx's error, the text so far kept as the reply.
func (cs *chatSession) send(ctx context.Context, text string, out func(string) error) (runtime.StopReason, error) {
	msg := chat.Message{Role: "user", Content: text}
	if err := cs.fitContext(msg); err != nil {
		return runtime.NotStopped, err
	}
	why := runtime.NotStopped
	for tok, err := range cs.chat.Send(ctx, msg, cs.gp) {
		if err != nil {
			return why, err
		}
		cs.replied = true
		why = tok.Stop
		if tok.Text != "" {
			if err := out(tok.Text); err != nil {
				return why, err
			}
		}
	}
	if why == runtime.StopContext {
		fmt.Fprintf(cs.stderr, "context full (%d tokens): the reply was cut; the oldest turns go with the next message\n", cs.chat.Session().Context())
	}
	if cs.verbose {
		st := cs.chat.Session().Stats()
		fmt.Fprintf(cs.stderr, "prompt: %d tokens in %.3f s (%.1f t/s); reply: %d tokens in %.3f s (%.1f t/s); stop: %v\n",
			st.PromptTokens, st.PromptTime.Seconds(), st.PromptRate(), st.Tokens, st.GenTime.Seconds(), st.GenRate(), why)
	}
	return why, nil
}

// stats describes the last reply's speed and the context in use.
func (cs *chatSession) stats() string {
	var b strings.Builder
	s := cs.chat.Session()
	if cs.replied {
		st := s.Stats()
		fmt.Fprintf(&b, "prompt:  %d tokens in %.3f s, %.1f tokens/s\n", st.PromptTokens, st.PromptTime.Seconds(), st.PromptRate())
		fmt.Fprintf(&b, "reply:   %d tokens in %.3f s, %.1f tokens/s\n", st.Tokens, st.GenTime.Seconds(), st.GenRate())
	} else {
		b.WriteString("no reply yet\n")
	}
	if limit := s.Context(); limit > 0 {
		fmt.Fprintf(&b, "context: %d of %d tokens (%.0f%%)\n", s.Len(), limit, 100*float64(s.Len())/float64(limit))
	} else {
		fmt.Fprintf(&b, "context: %d tokens\n", s.Len())
	}
	fmt.Fprintf(&b, "turns:   %d messages", len(cs.turns()))
	if cs.system() != "" {
		b.WriteString(" and a system prompt")
	}
	b.WriteString("\n")
	return b.String()
}

// savedChat is the file /save writes and /load reads.
type savedChat struct {
	Model    string         `json:"model,omitempty"` // informative only
	System   string         `json:"system,omitempty"`
	Messages []savedMessage `json:"messages"`
}

// savedMessage is one message. JSON strings hold only UTF-8, and a reply
// may hold other bytes (a model can emit any byte sequence), so such
// content goes to content_bytes (base64) to come back exactly.
type savedMessage struct {
	Role         string `json:"role"`
	Content      string `json:"content"`
	ContentBytes []byte `json:"content_bytes,omitempty"`
}

// maxChatFile bounds what /load reads: far more text than any context.
const maxChatFile = 64 << 20

// save writes the conversation to path as JSON.
func (cs *chatSession) save(path string) error {
	sc := savedChat{Model: cs.lm.Path(), System: cs.system(), Messages: []savedMessage{}}
	for _, m := range cs.turns() {
		sm := savedMessage{Role: m.Role, Content: m.Content}
		if !utf8.ValidString(m.Content) {
			sm.Content, sm.ContentBytes = "", []byte(m.Content)
		}
		sc.Messages = append(sc.Messages, sm)
	}
	data, err := json.MarshalIndent(sc, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

// load replaces the conversation with the one saved in path, once the
// model's template has accepted it.
func (cs *chatSession) load(path string) error {
	sc, err := readSavedChat(path)
	if err != nil {
		return err
	}
	var turns []chat.Message
	for _, m := range sc.Messages {
		content := m.Content
		if m.ContentBytes != nil {
			content = string(m.ContentBytes)
		}
		turns = append(turns, chat.Message{Role: m.Role, Content: content})
	}
	all := turns
	if sc.System != "" {
		all = append([]chat.Message{{Role: "system", Content: sc.System}}, turns...)
	}
	if _, err := cs.lm.ApplyTemplate(all); err != nil {
		return fmt.Errorf("%s: the model's chat template refuses this conversation: %w", path, err)
	}
	cs.replace(sc.System, turns)
	return nil
}

// readSavedChat reads and checks a saved conversation.
func readSavedChat(path string) (*savedChat, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxChatFile {
		return nil, fmt.Errorf("%s: %d bytes, larger than %d MiB; not a saved chat", path, st.Size(), maxChatFile>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxChatFile+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > maxChatFile {
		return nil, fmt.Errorf("%s: larger than %d MiB; not a saved chat", path, maxChatFile>>20)
	}
	var sc savedChat
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sc); err != nil {
		return nil, fmt.Errorf("%s: not a saved chat: %v", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: not a saved chat: data after the JSON object", path)
	}
	if sc.Messages == nil {
		return nil, fmt.Errorf("%s: not a saved chat: no \"messages\" list", path)
	}
	for i, m := range sc.Messages {
		if m.Role == "" {
			return nil, fmt.Errorf("%s: messages[%d]: empty \"role\"", path, i)
		}
		if m.ContentBytes != nil && m.Content != "" {
			return nil, fmt.Errorf("%s: messages[%d]: both \"content\" and \"content_bytes\"", path, i)
		}
	}
	return &sc, nil
}
