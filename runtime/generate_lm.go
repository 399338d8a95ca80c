package runtime

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"iter"
	"strings"
	"sync"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/sampler/grammar"
	"github.com/narallm/nara/tokenizer"
	"github.com/narallm/nara/tokenizer/chat"
)

// LM is a model ready for applications: its weights, its tokenizer and its
// chat template, loaded once and shared by any number of sessions and chats.
type LM struct {
	Model     *Model
	Tokenizer tokenizer.Tokenizer

	// Template is the model's chat template; nil when the model has none,
	// in which case chats use a plain transcript (see NewChat).
	Template *chat.Template
	// TemplateOptions carry the special-token text templates refer to
	// (bos_token, eos_token).
	TemplateOptions chat.Options

	file   *loader.Model
	addBOS bool // the vocabulary puts BOS before a text

	pieces func() [][]byte // each token's bytes for grammars, computed once
}

// Load opens a model (a .gguf file or an HF directory) with its tokenizer
// and chat template. Close it when done.
func Load(path string) (*LM, error) {
	f, err := loader.Open(path)
	if err != nil {
		return nil, err
	}
	lm, err := newLM(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return lm, nil
}

func newLM(f *loader.Model) (*LM, error) {
	m, err := New(f)
	if err != nil {
		return nil, err
	}
	lm := &LM{Model: m, file: f}
	var src string
	if f.GGUF != nil {
		if lm.Tokenizer, err = tokenizer.FromGGUF(f.GGUF); err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		src, _ = f.GGUF.String("tokenizer.chat_template")
		for _, tt := range []struct {
			id  int32
			dst *string
		}{{lm.Tokenizer.BOS(), &lm.TemplateOptions.BOS}, {lm.Tokenizer.EOS(), &lm.TemplateOptions.EOS}} {
			if tt.id >= 0 {
				*tt.dst = lm.Tokenizer.TokenText(tt.id)
			}
		}
	} else {
		if lm.Tokenizer, err = tokenizer.Load(f.Dir); err != nil {
			return nil, err
		}
		cfg, err := chat.LoadHFConfig(f.Dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return nil, err
		default:
			src = cfg.Template
			lm.TemplateOptions = cfg.Options()
		}
	}
	if src != "" {
		if lm.Template, err = chat.ParseNamed(f.Path, src); err != nil {
			return nil, fmt.Errorf("%s: chat template: %w", f.Path, err)
		}
	}
	if v := lm.Tokenizer.VocabSize(); v > m.Vocab() {
		return nil, fmt.Errorf("%s: the tokenizer has %d tokens, the model only %d", f.Path, v, m.Vocab())
	}
	bos, err := lm.Tokenizer.Encode("", tokenizer.EncodeOptions{AddSpecial: true})
	lm.addBOS = err == nil && len(bos) > 0 && bos[0] == lm.Tokenizer.BOS()
	lm.pieces = sync.OnceValue(func() [][]byte {
		// Control tokens stand for no text: a grammar never allows them.
		pieces := TokenPieces(lm.Tokenizer)
		for id := range pieces {
			switch lm.Tokenizer.TokenType(int32(id)) {
			case tokenizer.TypeControl, tokenizer.TypeUnknown, tokenizer.TypeUnused:
				pieces[id] = nil
			}
		}
		return pieces
	})
	return lm, nil
}

// Grammar returns a constraint (for GenerateParams.Constraint) that keeps
// the output in the language of a GBNF grammar, ending only where the
// grammar can. It has state: use a fresh one per generation.
func (l *LM) Grammar(gbnf string) (*grammar.Matcher, error) {
	g, err := grammar.Parse(gbnf)
	if err != nil {
		return nil, err
	}
	return grammar.New(g, l.pieces(), l.Tokenizer.IsEOG)
}

// JSONSchema returns a constraint that keeps the output to JSON values the
// schema accepts (see grammar.FromJSONSchema).
func (l *LM) JSONSchema(schema []byte) (*grammar.Matcher, error) {
	gbnf, err := grammar.FromJSONSchema(schema)
	if err != nil {
		return nil, err
	}
	return l.Grammar(gbnf)
}

// AddsBOS reports whether the vocabulary puts BOS before a text (llama.cpp's
// add_bos).
func (l *LM) AddsBOS() bool { return l.addBOS }

// Close releases the model file. Nothing of the LM may be used afterwards.
func (l *LM) Close() error { return l.file.Close() }

// Path is the file or directory the model was loaded from.
func (l *LM) Path() string { return l.file.Path }

// NewSession returns an empty session whose tokens are decoded with the
// LM's tokenizer.
func (l *LM) NewSession(opts SessionOptions) (*Session, error) {
	opts.Tokenizer = l.Tokenizer
	return l.Model.NewSession(opts)
}

// Encode tokenizes a prompt as llama.cpp does: BOS first when the
// vocabulary wants one, and the text of special tokens (<|im_start|>)
// turned into them.
func (l *LM) Encode(text string) ([]int32, error) {
	return l.Tokenizer.Encode(text, tokenizer.EncodeOptions{AddSpecial: true, ParseSpecial: true})
}

// Generate runs prompt in a fresh session and generates after it: the
// simplest use. See Session.Generate.
func (l *LM) Generate(ctx context.Context, prompt string, p GenerateParams) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		ids, err := l.Encode(prompt)
		if err != nil {
			yield(Token{}, err)
			return
		}
		s, err := l.NewSession(SessionOptions{KV: DefaultKV})
		if err != nil {
			yield(Token{}, err)
			return
		}
		for tok, err := range s.Generate(ctx, ids, p) {
			if !yield(tok, err) {
				return
			}
		}
	}
}

// transcript is the chat format of models without a template: each turn as
// a speaker's name and a blank line after, as a play is written.
const transcript = `{% for m in messages %}{{ m.role | upper }}:
{{ m.content }}

{% endfor %}{% if add_generation_prompt %}ASSISTANT:
{% endif %}`

var transcriptTemplate = func() *chat.Template {
	t, err := chat.ParseNamed("transcript", transcript)
	if err != nil {
		panic(err) // a constant: fails every test
	}
	return t
}()

// ApplyTemplate renders messages with the model's chat template (or the
// plain transcript), ending with the assistant's turn opened.
func (l *LM) ApplyTemplate(messages []chat.Message) (string, error) {
	t := l.Template
	if t == nil {
		t = transcriptTemplate
	}
	opts := l.TemplateOptions
	opts.AddGenerationPrompt = true
	return t.RenderMessages(messages, opts)
}

// EncodeChat renders messages with ApplyTemplate and tokenizes the text as
// Hugging Face's apply_chat_template does: special-token text becomes those
// tokens, and nothing is added except a BOS the vocabulary asks for and the
// template left out (as llama.cpp does).
func (l *LM) EncodeChat(messages []chat.Message) ([]int32, error) {
	text, err := l.ApplyTemplate(messages)
	if err != nil {
		return nil, err
	}
	ids, err := l.Tokenizer.Encode(text, tokenizer.EncodeOptions{ParseSpecial: true})
	if err != nil {
		return nil, err
	}
	if l.addBOS && (len(ids) == 0 || ids[0] != l.Tokenizer.BOS()) {
		ids = append([]int32{l.Tokenizer.BOS()}, ids...)
	}
	return ids, nil
}

// Chat is a conversation with the model. Each Send renders the whole
// conversation with the chat template and runs only what the session does
// not hold yet, so earlier turns are not recomputed.
type Chat struct {
	// Messages is the conversation so far; it may be edited between sends
	// (the session then recomputes from the first change).
	Messages []chat.Message

	lm *LM
	s  *Session
}

// NewChat starts an empty conversation.
func (l *LM) NewChat(opts SessionOptions) (*Chat, error) {
	s, err := l.NewSession(opts)
	if err != nil {
		return nil, err
	}
	return &Chat{lm: l, s: s}, nil
}

// Session is the chat's session (for its Stats, Len and Context).
func (c *Chat) Session() *Session { return c.s }

// Send adds msg to the conversation and streams the reply. When the reply
// ends, however it ends (the consumer stopping or ctx cancelled included),
// the text so far joins Messages as the assistant's turn. If the prompt
// cannot run at all (an error before the first token, such as
// ErrContextFull), msg is taken back out of Messages.
//
// Without a chat template the reply also stops at a blank line, where the
// transcript's next speaker would begin.
func (c *Chat) Send(ctx context.Context, msg chat.Message, p GenerateParams) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		c.Messages = append(c.Messages, msg)
		ids, err := c.lm.EncodeChat(c.Messages)
		if err != nil {
			c.Messages = c.Messages[:len(c.Messages)-1]
			yield(Token{}, err)
			return
		}
		if c.lm.Template == nil {
			p.Stop = append(p.Stop[:len(p.Stop):len(p.Stop)], "\n\n")
		}
		held := c.s.Tokens()
		k := 0
		for k < len(held) && k < len(ids) && held[k] == ids[k] {
			k++
		}
		c.s.Truncate(k)

		var reply strings.Builder
		started := false
		defer func() {
			if started {
				c.Messages = append(c.Messages, chat.Message{Role: "assistant", Content: reply.String()})
			}
		}()
		for tok, err := range c.s.Generate(ctx, ids[k:], p) {
			if err != nil && !started {
				c.Messages = c.Messages[:len(c.Messages)-1]
			}
			if err == nil {
				started = true
				reply.WriteString(tok.Text)
			}
			if !yield(tok, err) {
				return
			}
		}
	}
}
