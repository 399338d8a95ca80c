package chat

import (
	"testing"
	"time"
)

// fuzzMessages is a conversation with tools for the fuzz targets to render.
const fuzzMessages = `[{"role": "system", "content": "sys"}, {"role": "user", "content": " hi <b> "},
 {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "f", "arguments": {"a": 1}}}]},
 {"role": "tool", "tool_call_id": "call_1", "content": "42"}]`

func fuzzOptions() Options {
	tools, _ := DecodeJSON([]byte(`[{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}]`))
	return Options{
		AddGenerationPrompt: true, BOS: "<s>", EOS: "</s>", Tools: tools.([]any),
		Now: func() time.Time { return time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC) },
	}
}

// FuzzParseRender parses arbitrary template text and renders what parses:
// errors are fine, panics and runaway renders are not.
func FuzzParseRender(f *testing.F) {
	for _, seed := range []string{
		llama3,
		"{% for m in messages %}{{ m.role|upper }}{% if not loop.last %}, {% endif %}{% endfor %}",
		"{%- set ns = namespace(n=0) -%}{% for t in tools %}{% set ns.n = ns.n + 1 %}{{ t|tojson(indent=2) }}{% endfor %}{{ ns.n }}",
		"{% macro m(a, b=2) %}{{ a ~ b }}{{ caller() if caller is defined }}{% endmacro %}{% call m(1) %}x{% endcall %}",
		"{{ '%s %d' % ('a', 1) }}{{ '{} {}'.format(1, 2) }}{{ messages[1:][::-1]|map(attribute='role')|list }}",
		"{# c #}{% raw %}{{ x }}{% endraw %}{{ {'a': [1, 2.5, none]}|tojson }}",
	} {
		f.Add(seed)
	}
	opts := fuzzOptions()
	f.Fuzz(func(t *testing.T, src string) {
		tpl, err := Parse(src)
		if err != nil {
			return
		}
		tpl.maxSteps = 200_000
		tpl.maxOutput = 1 << 20
		out, err := tpl.RenderJSON([]byte(fuzzMessages), opts)
		if err == nil && len(out) > tpl.maxOutput {
			t.Fatalf("output of %d bytes is over the limit", len(out))
		}
	})
}

// FuzzRenderJSON renders fixed templates with arbitrary message JSON.
func FuzzRenderJSON(f *testing.F) {
	f.Add([]byte(fuzzMessages))
	f.Add([]byte(`[{"role": "user", "content": [{"type": "text", "text": "x"}]}, {"role": 5}]`))
	f.Add([]byte(`[1, "a", null, [[[]]], {"content": {"content": "x"}}]`))
	var tpls []*Template
	for _, src := range []string{
		llama3,
		"{% for m in messages %}{{ m.content|tojson }}{{ m.tool_calls|default([])|map(attribute='function')|list|tojson }}{% endfor %}",
		"{% for m in messages %}{% if m.content is string %}{{ m.content|trim }}{% else %}{% for p in m.content %}{{ p.text }}{% endfor %}{% endif %}{% endfor %}",
	} {
		tpl, err := Parse(src)
		if err != nil {
			f.Fatal(err)
		}
		tpl.maxSteps = 200_000
		tpls = append(tpls, tpl)
	}
	opts := fuzzOptions()
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tpl := range tpls {
			_, _ = tpl.RenderJSON(data, opts)
		}
	})
}
