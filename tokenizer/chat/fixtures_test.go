package chat

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/narallm/nara/internal/fixtures"
)

// templateIndex is templates/index.json: the conversations every template is
// rendered with, the variables HF passed, and which renders failed.
type templateIndex struct {
	BOS         string `json:"bos_token"`
	EOS         string `json:"eos_token"`
	StrftimeNow string `json:"strftime_now"`
	Cases       map[string]struct {
		Messages            json.RawMessage `json:"messages"`
		AddGenerationPrompt bool            `json:"add_generation_prompt"`
	} `json:"cases"`
	Results map[string]map[string]string `json:"results"`
}

func loadTemplateIndex(t *testing.T) (string, templateIndex) {
	t.Helper()
	root := fixtures.Root(t)
	dir := filepath.Join(root, "templates")
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Skipf("no template index: %v", err)
	}
	var idx templateIndex
	if err := json.Unmarshal(data, &idx); err != nil {
		t.Fatalf("%s: %v", filepath.Join(dir, "index.json"), err)
	}
	return dir, idx
}

// fixedClock returns the time whose "%d %b %Y" is the fixtures' strftime_now.
func fixedClock(t *testing.T, text string) func() time.Time {
	t.Helper()
	now, err := time.Parse("02 Jan 2006", text)
	if err != nil {
		t.Fatalf("strftime_now %q: %v", text, err)
	}
	return func() time.Time { return now }
}

// TestFixtureTemplates renders every templates/*.jinja with every
// conversation of index.json and compares with NAME.CASE.txt byte for byte;
// where index.json records an error, rendering must fail.
func TestFixtureTemplates(t *testing.T) {
	dir, idx := loadTemplateIndex(t)
	files := fixtures.Glob(t, "templates/*.jinja")
	if len(files) == 0 {
		t.Skip("no templates/*.jinja")
	}
	now := fixedClock(t, idx.StrftimeNow)
	pass, total := 0, 0
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".jinja")
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := ParseNamed(name, string(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for caseName, c := range idx.Cases {
			total++
			want, recorded := idx.Results[name][caseName]
			got, err := tpl.RenderJSON(c.Messages, Options{
				AddGenerationPrompt: c.AddGenerationPrompt,
				BOS:                 idx.BOS,
				EOS:                 idx.EOS,
				Now:                 now,
			})
			if recorded && strings.HasPrefix(want, "error") {
				if err == nil {
					t.Errorf("%s.%s: rendered %q, want failure (%s)", name, caseName, got, want)
					continue
				}
				t.Logf("%s.%s: fails as recorded (%s): %v", name, caseName, want, err)
				pass++
				continue
			}
			if err != nil {
				t.Errorf("%s.%s: %v", name, caseName, err)
				continue
			}
			expected, err := os.ReadFile(filepath.Join(dir, name+"."+caseName+".txt"))
			if err != nil {
				t.Errorf("%s.%s: no expected text: %v", name, caseName, err)
				continue
			}
			if got != string(expected) {
				t.Errorf("%s.%s: differs at byte %d\n got %q\nwant %q", name, caseName, firstDiff(got, string(expected)), got, expected)
				continue
			}
			t.Logf("%s.%s: %d bytes, identical", name, caseName, len(got))
			pass++
		}
	}
	t.Logf("fixture templates: %d of %d renders match (%d templates, %d conversations)", pass, total, len(files), len(idx.Cases))
}

func firstDiff(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestModelChatRefs renders the chat section of every model directory's
// refs.json with the directory's own tokenizer_config.json and compares with
// the prompt text transformers produced.
func TestModelChatRefs(t *testing.T) {
	checked := 0
	for _, dir := range fixtures.ModelDirs(t) {
		name := filepath.Base(dir)
		refsData, err := os.ReadFile(filepath.Join(dir, "refs.json"))
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
		if err := json.Unmarshal(refsData, &refs); err != nil {
			t.Errorf("%s/refs.json: %v", name, err)
			continue
		}
		if refs.Chat == nil {
			continue
		}
		cfg, err := LoadHFConfig(dir)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if cfg.Template == "" {
			t.Errorf("%s: refs.json has a chat section but the tokenizer config has no chat_template", name)
			continue
		}
		tpl, err := ParseNamed(name, cfg.Template)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		opts := cfg.Options()
		opts.AddGenerationPrompt = refs.Chat.AddGenerationPrompt
		got, err := tpl.RenderJSON(refs.Chat.Messages, opts)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if got != refs.Chat.PromptText {
			t.Errorf("%s: differs at byte %d\n got %q\nwant %q", name, firstDiff(got, refs.Chat.PromptText), got, refs.Chat.PromptText)
			continue
		}
		checked++
		t.Logf("%s: prompt_text matches (%d bytes)", name, len(got))
	}
	if checked == 0 {
		t.Skip("no model directory with a chat section in refs.json")
	}
	t.Logf("model chat refs: %d match", checked)
}

// TestFixtureTemplatesWithTools renders the fixture templates with the
// conversations of testdata/hf_tool_cases.json (tools, tool calls, tool
// results, awkward text) and compares with what Python's jinja2 produced,
// recorded there as SHA-256 and length, with the clock at the date
// recorded beside them.
func TestFixtureTemplatesWithTools(t *testing.T) {
	files := fixtures.Glob(t, "templates/*.jinja")
	path := "testdata/hf_tool_cases.json"
	if alt := os.Getenv("NARA_HF_TOOL_CASES"); alt != "" {
		path = alt // results recorded for another template set
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := DecodeJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	root := v.(*Object)
	bos, eos := mustGet(root, "bos_token").(string), mustGet(root, "eos_token").(string)
	// The date jinja2's strftime_now gave when the results were recorded
	// (Llama 3.x templates print it).
	now := fixedClock(t, mustGet(root, "strftime_now").(string))
	convs := mustGet(root, "conversations").(*Object)
	results := mustGet(root, "results").(*Object)
	pass, total := 0, 0
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".jinja")
		recorded, ok := results.Get(name)
		if !ok {
			t.Logf("%s: no recorded results in hf_tool_cases.json", name)
			continue
		}
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		tpl, err := ParseNamed(name, string(src))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, cname := range convs.Keys() {
			conv := mustGet(convs, cname).(*Object)
			want := mustGet(recorded.(*Object), cname).(*Object)
			total++
			msgs, err := toValue(mustGet(conv, "messages"), 0)
			if err != nil {
				t.Fatal(err)
			}
			opts := Options{AddGenerationPrompt: mustGet(conv, "add_generation_prompt").(bool), BOS: bos, EOS: eos, Extra: map[string]any{}, Now: now}
			if tools, ok := conv.Get("tools"); ok {
				opts.Tools = tools.([]any)
			}
			if extra, ok := conv.Get("extra"); ok {
				for _, k := range extra.(*Object).Keys() {
					opts.Extra[k] = mustGet(extra.(*Object), k)
				}
			}
			got, err := tpl.render(msgs, opts)
			if wantErr, ok := want.Get("error"); ok {
				if err == nil {
					t.Errorf("%s.%s: rendered %q, want jinja2's error %s", name, cname, got, wantErr)
					continue
				}
				t.Logf("%s.%s: fails as in jinja2 (%s): %v", name, cname, wantErr, err)
				pass++
				continue
			}
			if err != nil {
				t.Errorf("%s.%s: %v", name, cname, err)
				continue
			}
			sum := sha256.Sum256([]byte(got))
			if hex.EncodeToString(sum[:]) != mustGet(want, "sha256") || int64(len(got)) != mustGet(want, "length") {
				t.Errorf("%s.%s: output differs from jinja2's (%d bytes, want %d); got %q", name, cname, len(got), mustGet(want, "length"), got)
				continue
			}
			t.Logf("%s.%s: %d bytes, identical", name, cname, len(got))
			pass++
		}
	}
	t.Logf("fixture templates with tool conversations: %d of %d renders match", pass, total)
}
