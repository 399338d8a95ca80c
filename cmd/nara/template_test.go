package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/narallm/nara/internal/fixtures"
)

// For every model directory whose refs.json has a chat section, `nara
// template` renders its messages to exactly the prompt_text that
// transformers' apply_chat_template produced.
func TestTemplateModelChatRefs(t *testing.T) {
	checked := 0
	for _, dir := range fixtures.ModelDirs(t) {
		data, err := os.ReadFile(filepath.Join(dir, "refs.json"))
		if err != nil {
			continue
		}
		var refs struct {
			Chat *struct {
				Messages            json.RawMessage `json:"messages"`
				AddGenerationPrompt bool            `json:"add_generation_prompt"`
				PromptText          string          `json:"prompt_text"`
			} `json:"chat"`
		}
		if err := json.Unmarshal(data, &refs); err != nil || refs.Chat == nil {
			continue
		}
		msgs := filepath.Join(t.TempDir(), "messages.json")
		os.WriteFile(msgs, refs.Chat.Messages, 0o644)
		args := []string{"template", "-m", dir, "--messages", msgs}
		if !refs.Chat.AddGenerationPrompt {
			args = append(args, "--no-generation-prompt")
		}
		out, errs, code := nara(t, args...)
		if code != 0 || out != refs.Chat.PromptText {
			t.Errorf("%s: exit %d (%s)\n got %q\nwant %q", filepath.Base(dir), code, errs, out, refs.Chat.PromptText)
			continue
		}
		checked++
		t.Logf("%s: prompt_text matches (%d bytes)", filepath.Base(dir), len(out))
	}
	if checked == 0 {
		t.Skip("no model directory with a chat reference")
	}
}

// A template that refuses the conversation fails with its own message, exit 1.
func TestTemplateError(t *testing.T) {
	root := fixtures.Root(t)
	tmpl := filepath.Join(root, "templates", "google-gemma-2-2b-it.jinja")
	if _, err := os.Stat(tmpl); err != nil {
		t.Skip("gemma-2 template not in this fixture set")
	}
	msgs := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(msgs, []byte(`{"messages": [{"role": "system", "content": "x"}, {"role": "user", "content": "y"}]}`), 0o644)
	_, errs, code := nara(t, "template", "-m", tmpl, "--messages", msgs)
	if code != 1 || !strings.Contains(errs, "System role not supported") {
		t.Errorf("exit %d, stderr %q: want 1 and the template's message", code, errs)
	}
	os.WriteFile(msgs, []byte(`{"oops": 1}`), 0o644)
	if _, errs, code := nara(t, "template", "-m", tmpl, "--messages", msgs); code != 1 || !strings.Contains(errs, "m.json") {
		t.Errorf("bad messages file: exit %d, stderr %q", code, errs)
	}
}
