package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/narallm/nara/loader/gguf"
	"github.com/narallm/nara/tokenizer"
	"github.com/narallm/nara/tokenizer/chat"
)

func runTemplate(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("template", flag.ContinueOnError)
	model := fs.String("m", "", "model: .gguf, HF directory, tokenizer_config.json, or a .jinja template file")
	messagesFile := fs.String("messages", "", "JSON file: an array of messages, or {\"messages\": [...], \"tools\": [...]}")
	noGen := fs.Bool("no-generation-prompt", false, "do not open the assistant's turn at the end")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: nara template -m MODEL --messages FILE.json [--no-generation-prompt]")
		fs.PrintDefaults()
	}
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if err := needArgs(pos, 0, "no arguments"); err != nil {
		return err
	}
	if *model == "" || *messagesFile == "" {
		return fmt.Errorf("%w: -m MODEL and --messages FILE are required", errUsage)
	}
	path, err := resolveModel(*model)
	if err != nil {
		return err
	}
	tmpl, opts, err := loadTemplate(path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(*messagesFile)
	if err != nil {
		return err
	}
	messages, tools, err := splitConversation(data)
	if err != nil {
		return fmt.Errorf("%s: %w", *messagesFile, err)
	}
	opts.AddGenerationPrompt = !*noGen
	opts.Tools = tools
	text, err := tmpl.RenderJSON(messages, opts)
	if err != nil {
		return err
	}
	_, err = io.WriteString(stdout, text)
	return err
}

// loadTemplate finds a model's chat template and the special-token text it
// refers to (bos_token, eos_token).
func loadTemplate(path string) (*chat.Template, chat.Options, error) {
	var src string
	var opts chat.Options
	st, err := os.Stat(path)
	if err != nil {
		return nil, opts, err
	}
	switch {
	case st.IsDir():
		cfg, err := chat.LoadHFConfig(path)
		if err != nil {
			return nil, opts, err
		}
		src, opts = cfg.Template, cfg.Options()
		if src == "" {
			if b, err := os.ReadFile(filepath.Join(path, "chat_template.jinja")); err == nil {
				src = string(b)
			}
		}
	case strings.HasSuffix(path, ".json"):
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, opts, err
		}
		cfg, err := chat.ParseTokenizerConfig(data)
		if err != nil {
			return nil, opts, fmt.Errorf("%s: %w", path, err)
		}
		src, opts = cfg.Template, cfg.Options()
	case isGGUF(path):
		f, err := gguf.Open(path)
		if err != nil {
			return nil, opts, err
		}
		defer f.Close()
		src, _ = f.String("tokenizer.chat_template")
		if tok, err := tokenizer.FromGGUF(f); err == nil {
			if id := tok.BOS(); id >= 0 {
				opts.BOS = tok.TokenText(id)
			}
			if id := tok.EOS(); id >= 0 {
				opts.EOS = tok.TokenText(id)
			}
		}
	default: // a bare template file
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, opts, err
		}
		src = string(b)
	}
	if src == "" {
		return nil, opts, fmt.Errorf("%s: the model has no chat template", path)
	}
	t, err := chat.ParseNamed(filepath.Base(path), src)
	if err != nil {
		return nil, opts, err
	}
	return t, opts, nil
}

// splitConversation accepts a JSON array of messages, or an object holding
// "messages" and optionally "tools", and returns the messages as JSON (so
// their key order survives) and the tools.
func splitConversation(data []byte) ([]byte, []any, error) {
	trimmed := strings.TrimSpace(string(data))
	if strings.HasPrefix(trimmed, "[") {
		return data, nil, nil
	}
	var conv struct {
		Messages json.RawMessage `json:"messages"`
		Tools    json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(data, &conv); err != nil {
		return nil, nil, fmt.Errorf("not a JSON array of messages or an object with \"messages\": %v", err)
	}
	if len(conv.Messages) == 0 {
		return nil, nil, errors.New("no \"messages\"")
	}
	var tools []any
	if len(conv.Tools) > 0 && string(conv.Tools) != "null" {
		v, err := chat.DecodeJSON(conv.Tools)
		if err != nil {
			return nil, nil, fmt.Errorf("tools: %w", err)
		}
		list, ok := v.([]any)
		if !ok {
			return nil, nil, errors.New("\"tools\" is not an array")
		}
		tools = list
	}
	return conv.Messages, tools, nil
}
