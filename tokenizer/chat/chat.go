// Package chat renders a model's chat template (the Jinja template in GGUF
// tokenizer.chat_template or HF tokenizer_config.json) exactly as Hugging
// Face's apply_chat_template does with Python's jinja2.
//
// The package has its own Jinja interpreter. Prompt text must match the
// model's training format byte for byte, and that depends on Python details a
// general Go template engine does not reproduce: str() of lists and None,
// ordered dicts, json.dumps spacing in tojson, Undefined semantics, one-shot
// generators from filters, jinja2's compile-time variable scoping,
// trim_blocks/lstrip_blocks whitespace rules and so on. The interpreter
// follows jinja2 3.1 in HF's configuration: an immutable sandbox,
// trim_blocks, lstrip_blocks, loop controls, HF's tojson, raise_exception,
// strftime_now and the {% generation %} tag.
//
// Known differences from Python: integers are 64-bit (Python's are
// unbounded; overflow is an error), the default repr of Python objects shows
// a fixed address, {% include %}, {% import %}, {% extends %}, {% block %}
// and {% autoescape %} are refused (HF templates have no loader), and
// rendering stops with an error after 10 million steps, 16 MiB of text or 200
// nested macro calls.
package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Error is a template syntax or rendering error. Kind names the exception
// jinja2 would raise (TemplateSyntaxError, UndefinedError, TypeError, ...).
// A template that calls raise_exception fails with Kind "TemplateError" and
// the template's own message.
type Error struct {
	Name    string // the template's name, when it has one
	Line    int
	Kind    string
	Message string
}

func (e *Error) Error() string {
	where := "chat template"
	if e.Name != "" {
		where += " " + e.Name
	}
	if e.Line > 0 {
		where += fmt.Sprintf(" line %d", e.Line)
	}
	return fmt.Sprintf("%s: %s: %s", where, e.Kind, e.Message)
}

// Template is a parsed chat template. It is immutable: Render may be called
// from several goroutines.
type Template struct {
	name      string
	body      []node
	syms      *symbols
	maxSteps  int
	maxOutput int
}

// Parse parses template source.
func Parse(src string) (*Template, error) { return ParseNamed("", src) }

// ParseNamed parses template source; errors carry name (a file or model).
func ParseNamed(name, src string) (*Template, error) {
	body, syms, err := parse(src)
	if err != nil {
		return nil, named(err, name)
	}
	return &Template{name: name, body: body, syms: syms, maxSteps: defaultMaxSteps, maxOutput: defaultMaxOutput}, nil
}

func named(err error, name string) error {
	var e *Error
	if errors.As(err, &e) && e.Name == "" {
		e.Name = name
	}
	return err
}

// Options are the variables apply_chat_template passes besides messages.
type Options struct {
	AddGenerationPrompt bool
	// BOS and EOS become bos_token and eos_token; empty leaves them
	// undefined, as for a tokenizer without that token.
	BOS, EOS string
	// Tools is the tools list; nil leaves tools undefined.
	Tools []any
	// Now is the clock behind strftime_now; nil means time.Now.
	Now func() time.Time
	// Extra holds any other template variables (documents, date_string,
	// enable_thinking, ...). It may not repeat a variable set above.
	Extra map[string]any
	// ContinueFinalMessage ends the prompt right after the text of the last
	// message, so that the model continues it (HF's continue_final_message).
	ContinueFinalMessage bool
}

// Message is a chat message. Fields holds any other keys (tool_calls,
// tool_call_id, name, ...); a "content" entry there replaces Content, for
// example with nil for an assistant message that only calls tools.
type Message struct {
	Role    string
	Content string
	Fields  map[string]any
}

func (m Message) toDict(depth int) (any, error) {
	d := newDict()
	d.setStr("role", m.Role)
	if c, ok := m.Fields["content"]; ok {
		v, err := toValue(c, depth+1)
		if err != nil {
			return nil, err
		}
		d.setStr("content", v)
	} else {
		d.setStr("content", m.Content)
	}
	keys := make([]string, 0, len(m.Fields))
	for k := range m.Fields {
		if k != "role" && k != "content" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, err := toValue(m.Fields[k], depth+1)
		if err != nil {
			return nil, err
		}
		d.setStr(k, v)
	}
	return d, nil
}

// Render renders messages decoded from JSON or built in Go. Go maps have no
// key order; their keys are taken as role, content, then sorted. Use
// RenderJSON, or *Object values, where the order of keys shows in the
// output (for example tool-call arguments printed with tojson).
func (t *Template) Render(messages []map[string]any, opts Options) (string, error) {
	msgs, err := toValue(messages, 0)
	if err != nil {
		return "", fmt.Errorf("chat: messages: %w", err)
	}
	return t.render(msgs, opts)
}

// RenderMessages renders typed messages.
func (t *Template) RenderMessages(messages []Message, opts Options) (string, error) {
	msgs, err := toValue(messages, 0)
	if err != nil {
		return "", fmt.Errorf("chat: messages: %w", err)
	}
	return t.render(msgs, opts)
}

// RenderJSON renders a JSON array of messages, keeping the key order of
// every object as Python's json.loads does.
func (t *Template) RenderJSON(messages []byte, opts Options) (string, error) {
	v, err := DecodeJSON(messages)
	if err != nil {
		return "", fmt.Errorf("chat: messages: %w", err)
	}
	if _, ok := v.([]any); !ok {
		return "", fmt.Errorf("chat: messages: want a JSON array, got %s", typeName(v))
	}
	msgs, err := toValue(v, 0)
	if err != nil {
		return "", fmt.Errorf("chat: messages: %w", err)
	}
	return t.render(msgs, opts)
}

func (t *Template) render(messages any, opts Options) (string, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	r := &renderer{
		vars:      map[string]any{},
		globals:   globals(),
		ctxVars:   map[string]any{},
		out:       &strings.Builder{},
		now:       now(),
		maxSteps:  t.maxSteps,
		maxOutput: t.maxOutput,
	}
	reserved := map[string]bool{"messages": true, "add_generation_prompt": true}
	for name, v := range opts.Extra {
		if reserved[name] || (name == "tools" && opts.Tools != nil) || (name == "bos_token" && opts.BOS != "") || (name == "eos_token" && opts.EOS != "") {
			return "", fmt.Errorf("chat: extra variable %q repeats a named option", name)
		}
		c, err := toValue(v, 0)
		if err != nil {
			return "", fmt.Errorf("chat: extra variable %q: %w", name, err)
		}
		r.vars[name] = c
	}
	r.vars["messages"] = messages
	r.vars["add_generation_prompt"] = opts.AddGenerationPrompt
	if opts.BOS != "" {
		r.vars["bos_token"] = opts.BOS
	}
	if opts.EOS != "" {
		r.vars["eos_token"] = opts.EOS
	}
	if opts.Tools != nil {
		tools, err := toValue(opts.Tools, 0)
		if err != nil {
			return "", fmt.Errorf("chat: tools: %w", err)
		}
		r.vars["tools"] = tools
	}
	if opts.ContinueFinalMessage && opts.AddGenerationPrompt {
		return "", fmt.Errorf("chat: ContinueFinalMessage and AddGenerationPrompt cannot both be set")
	}
	root := newFrame(t.syms, nil)
	root.toplevel = true
	r.enter(root)
	if err := r.exec(t.body, root); err != nil {
		return "", named(err, t.name)
	}
	out := r.out.String()
	if opts.ContinueFinalMessage {
		return continueFinal(out, messages)
	}
	return out, nil
}

// continueFinal cuts the rendered prompt after the final message's text the
// way apply_chat_template(continue_final_message=True) does.
func continueFinal(rendered string, messages any) (string, error) {
	list, _ := messages.([]any)
	if len(list) == 0 {
		return "", fmt.Errorf("chat: ContinueFinalMessage needs a final message")
	}
	last, _ := list[len(list)-1].(*dict)
	var content any
	if last != nil {
		content, _, _ = last.get("content")
	}
	final, ok := asString(content)
	if !ok {
		// The last text block of a list of content blocks.
		blocks, _ := content.([]any)
		for i := len(blocks) - 1; i >= 0 && !ok; i-- {
			if b, isDict := blocks[i].(*dict); isDict {
				if text, found, _ := b.get("text"); found {
					final, ok = asString(text)
				}
			}
		}
		if !ok {
			return "", fmt.Errorf("chat: ContinueFinalMessage is set but the final message has no text to continue")
		}
	}
	stripped := strings.TrimFunc(final, pyIsSpace)
	at := strings.LastIndex(rendered, stripped)
	if at < 0 {
		return "", fmt.Errorf("chat: ContinueFinalMessage is set but the final message does not appear in the rendered chat")
	}
	leftStripped := strings.TrimLeftFunc(final, pyIsSpace)
	if end := at + len(leftStripped); end <= len(rendered) && rendered[at:end] == final {
		return rendered[:end], nil
	}
	return rendered[:at+len(stripped)], nil
}

// globals are the functions jinja2 and HF make available to every template.
func globals() map[string]any {
	g := map[string]any{}
	fn := func(name string, f func(r *renderer, args []any, kw []kwArg) (any, error)) {
		g[name] = &function{name: name, call: f}
	}
	fn("raise_exception", func(_ *renderer, args []any, kw []kwArg) (any, error) {
		a, err := bindArgs("raise_exception", args, kw, []string{"message"}, []any{required})
		if err != nil {
			return nil, err
		}
		return nil, &Error{Kind: "TemplateError", Message: strOf(a[0])}
	})
	fn("strftime_now", func(r *renderer, args []any, kw []kwArg) (any, error) {
		a, err := bindArgs("strftime_now", args, kw, []string{"format"}, []any{required})
		if err != nil {
			return nil, err
		}
		f, err := argString("strftime_now", a[0])
		if err != nil {
			return nil, err
		}
		return strftime(r.now, f), nil
	})
	fn("range", globalRange)
	fn("dict", func(_ *renderer, args []any, kw []kwArg) (any, error) { return makeDict("dict", args, kw) })
	fn("namespace", func(_ *renderer, args []any, kw []kwArg) (any, error) {
		d, err := makeDict("namespace", args, kw)
		if err != nil {
			return nil, err
		}
		return &namespace{attrs: d}, nil
	})
	fn("joiner", func(_ *renderer, args []any, kw []kwArg) (any, error) {
		a, err := bindArgs("joiner", args, kw, []string{"sep"}, []any{", "})
		if err != nil {
			return nil, err
		}
		used := false
		return &function{name: "joiner", repr: "<jinja2.utils.Joiner object at " + fakeAddress + ">", call: func(*renderer, []any, []kwArg) (any, error) {
			if !used {
				used = true
				return "", nil
			}
			return a[0], nil
		}}, nil
	})
	return g
}

func globalRange(_ *renderer, args []any, kw []kwArg) (any, error) {
	if len(kw) > 0 {
		return nil, errf("TypeError", "range() takes no keyword arguments")
	}
	var n [3]int64
	for i, a := range args {
		if i >= 3 {
			return nil, errf("TypeError", "range expected at most 3 arguments, got %d", len(args))
		}
		v, err := argInt("range", a)
		if err != nil {
			return nil, err
		}
		n[i] = v
	}
	start, stop, step := int64(0), int64(0), int64(1)
	switch len(args) {
	case 0:
		return nil, errf("TypeError", "range expected at least 1 argument, got 0")
	case 1:
		stop = n[0]
	case 2:
		start, stop = n[0], n[1]
	case 3:
		start, stop, step = n[0], n[1], n[2]
	}
	if step == 0 {
		return nil, errf("ValueError", "range() arg 3 must not be zero")
	}
	rg := &pyRange{start, stop, step}
	if rg.len() > maxRange {
		return nil, errf("OverflowError", "Range too big. The sandbox blocks ranges larger than MAX_RANGE (%d).", maxRange)
	}
	return rg, nil
}

// makeDict is Python's dict(mapping_or_pairs, **kwargs).
func makeDict(fname string, args []any, kw []kwArg) (*dict, error) {
	if len(args) > 1 {
		return nil, errf("TypeError", "%s expected at most 1 argument, got %d", fname, len(args))
	}
	d := newDict()
	if len(args) == 1 {
		switch src := args[0].(type) {
		case *dict:
			d = src.copy()
		default:
			items, err := iterate(src)
			if err != nil {
				return nil, err
			}
			for _, it := range items {
				pair, err := iterate(it)
				if err != nil || len(pair) != 2 {
					return nil, errf("TypeError", "cannot convert %s element to a sequence of pairs", fname)
				}
				if err := d.set(pair[0], pair[1]); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, k := range kw {
		d.setStr(k.name, k.val)
	}
	return d, nil
}

// Config is what a model's tokenizer files say about chat formatting.
type Config struct {
	// Template is the default chat template ("" when there is none).
	Template string
	// Templates holds named templates (e.g. "tool_use") when the config
	// has a list of them; the default one is also under "default".
	Templates map[string]string
	// Special maps special-token variables (bos_token, eos_token,
	// unk_token, pad_token, ...) to their text.
	Special map[string]string
}

var specialTokenNames = []string{"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"}

// ParseTokenizerConfig reads the chat template and special tokens of an HF
// tokenizer_config.json.
func ParseTokenizerConfig(data []byte) (*Config, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("tokenizer_config.json: %w", err)
	}
	c := &Config{Special: map[string]string{}}
	if t, ok := raw["chat_template"]; ok {
		if err := c.setTemplates(t); err != nil {
			return nil, fmt.Errorf("tokenizer_config.json: chat_template: %w", err)
		}
	}
	for _, name := range specialTokenNames {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(v, &s); err != nil {
			// An AddedToken written out as an object.
			var tok struct {
				Content *string `json:"content"`
			}
			if err := json.Unmarshal(v, &tok); err != nil || tok.Content == nil {
				return nil, fmt.Errorf("tokenizer_config.json: %s: want a string or an object with content", name)
			}
			s = *tok.Content
		}
		c.Special[name] = s
	}
	return c, nil
}

func (c *Config) setTemplates(raw json.RawMessage) error {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		c.Template = s
		return nil
	}
	var list []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return fmt.Errorf("want a string or a list of {name, template}")
	}
	c.Templates = map[string]string{}
	for _, t := range list {
		c.Templates[t.Name] = t.Template
	}
	c.Template = c.Templates["default"]
	return nil
}

// Options returns render options carrying the config's special tokens.
func (c *Config) Options() Options {
	o := Options{BOS: c.Special["bos_token"], EOS: c.Special["eos_token"], Extra: map[string]any{}}
	for name, tok := range c.Special {
		if name != "bos_token" && name != "eos_token" {
			o.Extra[name] = tok
		}
	}
	return o
}

// LoadHFConfig reads the chat configuration of an HF model directory:
// tokenizer_config.json, with the template from chat_template.jinja or
// chat_template.json when the directory has one (newer transformers
// versions save it there).
func LoadHFConfig(dir string) (*Config, error) {
	path := filepath.Join(dir, "tokenizer_config.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseTokenizerConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if src, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
		c.Template = string(src)
	} else if data, err := os.ReadFile(filepath.Join(dir, "chat_template.json")); err == nil {
		var wrapper struct {
			ChatTemplate json.RawMessage `json:"chat_template"`
		}
		if err := json.Unmarshal(data, &wrapper); err != nil || wrapper.ChatTemplate == nil {
			return nil, fmt.Errorf("%s: want an object with chat_template", filepath.Join(dir, "chat_template.json"))
		}
		if err := c.setTemplates(wrapper.ChatTemplate); err != nil {
			return nil, fmt.Errorf("%s: chat_template: %w", filepath.Join(dir, "chat_template.json"), err)
		}
	}
	return c, nil
}
