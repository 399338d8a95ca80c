package chat

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A Llama-3 style template; the expected texts below are written by hand.
const llama3 = "{{- bos_token }}{%- for message in messages %}" +
	"{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}" +
	"{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"

func TestRenderEntryPoints(t *testing.T) {
	tpl, err := Parse(llama3)
	if err != nil {
		t.Fatal(err)
	}
	want := "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>" +
		"<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>" +
		"<|start_header_id|>assistant<|end_header_id|>\n\n"
	opts := Options{AddGenerationPrompt: true, BOS: "<s>"}

	got, err := tpl.Render([]map[string]any{{"role": "system", "content": "Be brief."}, {"role": "user", "content": "  Hi \n"}}, opts)
	if err != nil || got != want {
		t.Errorf("Render = %q, %v; want %q", got, err, want)
	}
	got, err = tpl.RenderMessages([]Message{{Role: "system", Content: "Be brief."}, {Role: "user", Content: "  Hi \n"}}, opts)
	if err != nil || got != want {
		t.Errorf("RenderMessages = %q, %v; want %q", got, err, want)
	}
	got, err = tpl.RenderJSON([]byte(`[{"role":"system","content":"Be brief."},{"role":"user","content":"  Hi \n"}]`), opts)
	if err != nil || got != want {
		t.Errorf("RenderJSON = %q, %v; want %q", got, err, want)
	}
	if _, err := tpl.RenderJSON([]byte(`{"role":"user"}`), opts); err == nil {
		t.Error("RenderJSON accepted an object instead of an array")
	}
}

func TestRaiseException(t *testing.T) {
	tpl, err := ParseNamed("gemma", "line one\n{% if messages[0].role == 'system' %}\n{{ raise_exception('System role not supported') }}{% endif %}")
	if err != nil {
		t.Fatal(err)
	}
	_, err = tpl.Render([]map[string]any{{"role": "system", "content": "x"}}, Options{})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want *Error", err)
	}
	if e.Kind != "TemplateError" || e.Message != "System role not supported" || e.Line != 3 || e.Name != "gemma" {
		t.Errorf("error %+v: want TemplateError with the template's message on line 3 of gemma", e)
	}
	t.Logf("error text: %v", err)
}

func TestSyntaxErrorNamesTemplate(t *testing.T) {
	_, err := ParseNamed("broken.jinja", "ok\n{% for x in y %}\nno end")
	var e *Error
	if !errors.As(err, &e) || e.Kind != "TemplateSyntaxError" || e.Name != "broken.jinja" || !strings.Contains(err.Error(), "broken.jinja") {
		t.Fatalf("got %v, want a TemplateSyntaxError naming broken.jinja", err)
	}
	t.Logf("error text: %v", err)
}

func TestOptions(t *testing.T) {
	tpl, err := Parse("{{ bos_token is defined }}|{{ eos_token }}|{{ tools is defined }}|{{ tools|length if tools is defined }}|{{ date_string }}|{{ strftime_now('%d %b %Y') }}")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC) }
	got, err := tpl.Render(nil, Options{EOS: "</s>", Now: now, Extra: map[string]any{"date_string": "1 Jan"}})
	if want := "False|</s>|False||1 Jan|26 Nov 2026"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	got, err = tpl.Render(nil, Options{BOS: "<s>", Tools: []any{}, Now: now})
	if want := "True||True|0||26 Nov 2026"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	for _, name := range []string{"messages", "add_generation_prompt"} {
		if _, err := tpl.Render(nil, Options{Extra: map[string]any{name: 1}}); err == nil {
			t.Errorf("Extra[%q] accepted although it repeats a named option", name)
		}
	}
	if _, err := tpl.Render(nil, Options{BOS: "<s>", Extra: map[string]any{"bos_token": "<x>"}}); err == nil {
		t.Error("Extra bos_token accepted together with BOS")
	}
	// An undefined bos_token cannot be concatenated, as in jinja2.
	cat, _ := Parse("{{ bos_token + 'x' }}")
	if _, err := cat.Render(nil, Options{}); err == nil {
		t.Error("undefined bos_token + 'x' rendered")
	}
}

func TestKeyOrder(t *testing.T) {
	tpl, err := Parse("{{ tools[0]|tojson }} {{ messages[0]|tojson }}")
	if err != nil {
		t.Fatal(err)
	}
	ordered, err := DecodeJSON([]byte(`{"z": 1, "a": {"y": 2.0, "b": [true, null]}}`))
	if err != nil {
		t.Fatal(err)
	}
	msgs := []map[string]any{{"tool_calls": []any{}, "role": "user", "content": "c", "name": "n"}}
	got, err := tpl.Render(msgs, Options{Tools: []any{ordered}})
	want := `{"z": 1, "a": {"y": 2.0, "b": [true, null]}} {"role": "user", "content": "c", "name": "n", "tool_calls": []}`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
	got, err = tpl.Render(msgs, Options{Tools: []any{map[string]any{"z": 1, "a": 2}}})
	want = `{"a": 2, "z": 1} {"role": "user", "content": "c", "name": "n", "tool_calls": []}`
	if err != nil || got != want {
		t.Errorf("got %q, %v\nwant %q", got, err, want)
	}
}

func TestMessageFields(t *testing.T) {
	tpl, err := Parse("{% for m in messages %}{{ m.role }}:{{ m.content is none }}:{{ m.tool_calls[0].function.name if m.tool_calls is defined }};{% endfor %}")
	if err != nil {
		t.Fatal(err)
	}
	msgs := []Message{
		{Role: "user", Content: "hi"},
		{Role: "assistant", Fields: map[string]any{"content": nil, "tool_calls": []any{map[string]any{"function": map[string]any{"name": "f"}}}}},
	}
	got, err := tpl.RenderMessages(msgs, Options{})
	if want := "user:False:;assistant:True:f;"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

func TestDecodeJSON(t *testing.T) {
	v, err := DecodeJSON([]byte(`{"b": 1, "a": [1, 1.0, 1e2, -0, "x"], "b": 2}`))
	if err != nil {
		t.Fatal(err)
	}
	o := v.(*Object)
	if keys := o.Keys(); len(keys) != 2 || keys[0] != "b" || keys[1] != "a" {
		t.Errorf("keys %v, want [b a] (a repeated key keeps its first place)", keys)
	}
	if b, _ := o.Get("b"); b != int64(2) {
		t.Errorf("b = %#v, want the last value 2", b)
	}
	a, _ := o.Get("a")
	want := []any{int64(1), 1.0, 100.0, int64(0), "x"}
	for i, w := range want {
		if got := a.([]any)[i]; got != w {
			t.Errorf("a[%d] = %#v (%T), want %#v (%T)", i, got, got, w, w)
		}
	}
	for _, bad := range []string{`[1] 2`, `{"a":}`, `[` + strings.Repeat("[", 2000) + strings.Repeat("]", 2001), `99999999999999999999`} {
		if _, err := DecodeJSON([]byte(bad)); err == nil {
			t.Errorf("DecodeJSON(%.30q) accepted bad input", bad)
		}
	}
}

func TestTokenizerConfig(t *testing.T) {
	c, err := ParseTokenizerConfig([]byte(`{"chat_template": "{{ x }}", "bos_token": {"content": "<s>", "lstrip": false}, "eos_token": "</s>", "pad_token": null, "unk_token": "<unk>"}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Template != "{{ x }}" || c.Special["bos_token"] != "<s>" || c.Special["eos_token"] != "</s>" || c.Special["unk_token"] != "<unk>" {
		t.Errorf("config %+v", c)
	}
	if _, ok := c.Special["pad_token"]; ok {
		t.Error("null pad_token recorded")
	}
	opts := c.Options()
	if opts.BOS != "<s>" || opts.EOS != "</s>" || opts.Extra["unk_token"] != "<unk>" {
		t.Errorf("options %+v", opts)
	}
	c, err = ParseTokenizerConfig([]byte(`{"chat_template": [{"name": "default", "template": "D"}, {"name": "tool_use", "template": "T"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Template != "D" || c.Templates["tool_use"] != "T" {
		t.Errorf("named templates %+v", c)
	}
	if _, err := ParseTokenizerConfig([]byte(`{"chat_template": 5}`)); err == nil || !strings.Contains(err.Error(), "chat_template") {
		t.Errorf("bad chat_template: err %v, want one naming the field", err)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"chat_template": "old", "eos_token": "</s>"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte("new\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err = LoadHFConfig(dir)
	if err != nil || c.Template != "new\n" || c.Special["eos_token"] != "</s>" {
		t.Errorf("LoadHFConfig = %+v, %v; want the template from chat_template.jinja", c, err)
	}
}

// TestLimits checks that hostile templates stop with an error instead of
// running away.
func TestLimits(t *testing.T) {
	cases := map[string]string{
		"steps":           "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
		"output":          "{{ 'x' * 100000000 }}",
		"doubling":        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
		"macro recursion": "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
		"loop recursion":  "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}",
		"range":           "{{ range(1000000)|list }}",
		"center":          "{{ 'a'|center(1000000000) }}",
		"indent":          "{{ 'a'|tojson(indent=100000) }}",
	}
	for name, src := range cases {
		tpl, err := Parse(src)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		tpl.maxSteps = 300_000
		start := time.Now()
		_, err = tpl.Render(nil, Options{})
		if err == nil {
			t.Errorf("%s: rendered without hitting a limit", name)
			continue
		}
		t.Logf("%s: %v (%v)", name, err, time.Since(start).Round(time.Millisecond))
	}
	deep := "{{ " + strings.Repeat("(", 5000) + "1" + strings.Repeat(")", 5000) + " }}"
	if _, err := Parse(deep); err == nil {
		t.Error("parsed an expression nested 5000 deep")
	}
	// Values nested far deeper than Python's recursion limit print and
	// compare without exhausting the stack.
	tpl, err := Parse("{% set ns = namespace(x=[]) %}{% for i in range(20000) %}{% set ns.x = [ns.x] %}{% endfor %}{{ ns.x|length }}{{ (ns.x|string)|length > 0 }}{{ ns.x == ns.x }}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tpl.Render(nil, Options{})
	t.Logf("deep value: %q, %v", got, err)
}

func TestConcurrentRender(t *testing.T) {
	tpl, err := Parse(llama3)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := strings.Repeat("x", i)
			got, err := tpl.Render([]map[string]any{{"role": "user", "content": msg}}, Options{})
			if want := "<|start_header_id|>user<|end_header_id|>\n\n" + msg + "<|eot_id|>"; err != nil || got != want {
				t.Errorf("goroutine %d: %q, %v", i, got, err)
			}
		}()
	}
	wg.Wait()
}

func TestContinueFinalMessage(t *testing.T) {
	chatml := "{% for m in messages %}{{ '<|im_start|>' + m.role + '\\n' + m.content + '<|im_end|>\\n' }}{% endfor %}"
	tpl, err := Parse(chatml)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []map[string]any{{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "The answer is"}}
	got, err := tpl.Render(msgs, Options{ContinueFinalMessage: true})
	if want := "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nThe answer is"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	// A template that trims the message: the cut follows the trimmed text.
	trimmed, err := Parse(llama3)
	if err != nil {
		t.Fatal(err)
	}
	msgs[1]["content"] = "  The answer is "
	got, err = trimmed.Render(msgs, Options{ContinueFinalMessage: true})
	if want := "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\nThe answer is"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := tpl.Render(msgs, Options{ContinueFinalMessage: true, AddGenerationPrompt: true}); err == nil {
		t.Error("ContinueFinalMessage with AddGenerationPrompt accepted")
	}
	hidden, _ := Parse("{{ 'nothing of the messages' }}")
	if _, err := hidden.Render(msgs, Options{ContinueFinalMessage: true}); err == nil {
		t.Error("ContinueFinalMessage accepted a prompt without the final message")
	}
}
