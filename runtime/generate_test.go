package runtime_test

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/narallm/nara/internal/fixtures"
	"github.com/narallm/nara/loader/safetensors"
	"github.com/narallm/nara/runtime"
	"github.com/narallm/nara/tokenizer/chat"
)

// Generation checked against the references of the fixtures: the argmax
// continuations PyTorch computed (greedy.prompt → greedy.ids) and the chat
// conversations transformers rendered (refs.json "chat").

// refIDs reads an integer tensor of a refs.safetensors file.
func refIDs(t *testing.T, path, name string) []int32 {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ts, ok := f.Tensor(name)
	if !ok {
		t.Fatalf("%s: no tensor %q", path, name)
	}
	var ids []int32
	switch ts.DType {
	case safetensors.I64:
		for i := 0; i+8 <= len(ts.Data); i += 8 {
			ids = append(ids, int32(binary.LittleEndian.Uint64(ts.Data[i:])))
		}
	case safetensors.I32:
		for i := 0; i+4 <= len(ts.Data); i += 4 {
			ids = append(ids, int32(binary.LittleEndian.Uint32(ts.Data[i:])))
		}
	default:
		t.Fatalf("%s: %q is %s, want integers", path, name, ts.DType)
	}
	return ids
}

// refsJSON is what the tests read from a model directory's refs.json.
type refsJSON struct {
	GreedyText *string `json:"greedy_text"`
	Chat       *struct {
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
		PromptText string  `json:"prompt_text"`
		PromptIDs  []int32 `json:"prompt_ids"`
		GreedyIDs  []int32 `json:"greedy_ids"`
		GreedyText string  `json:"greedy_text"`
	} `json:"chat"`
}

func readRefsJSON(t *testing.T, dir string) refsJSON {
	t.Helper()
	var r refsJSON
	data, err := os.ReadFile(filepath.Join(dir, "refs.json"))
	if err != nil {
		return r
	}
	if err := json.Unmarshal(data, &r); err != nil {
		t.Fatalf("%s/refs.json: %v", dir, err)
	}
	return r
}

// greedyCase is a model with greedy references: an HF directory, or a
// float GGUF conversion beside it (NAME.f32.gguf, NAME.bf16.gguf).
type greedyCase struct{ name, model, dir string }

func greedyCases(t *testing.T) []greedyCase {
	var cases []greedyCase
	for _, dir := range fixtures.ModelDirs(t) {
		if _, err := os.Stat(filepath.Join(dir, "refs.safetensors")); err == nil {
			cases = append(cases, greedyCase{filepath.Base(dir), dir, dir})
		}
	}
	for _, g := range fixtures.Glob(t, "models/*.gguf") {
		name, typ, _ := strings.Cut(strings.TrimSuffix(filepath.Base(g), ".gguf"), ".")
		dir := filepath.Join(filepath.Dir(g), name)
		if _, err := os.Stat(filepath.Join(dir, "refs.safetensors")); err != nil || (typ != "f32" && typ != "bf16") {
			continue
		}
		cases = append(cases, greedyCase{filepath.Base(g), g, dir})
	}
	if len(cases) == 0 {
		t.Skip("no models with greedy references in the fixtures")
	}
	return cases
}

// The Go API, greedy, continues every reference prompt with exactly the
// reference ids, and the streamed text is the decoding of those ids.
func TestGenerateGreedyRefs(t *testing.T) {
	for _, c := range greedyCases(t) {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			refs := filepath.Join(c.dir, "refs.safetensors")
			prompt, want := refIDs(t, refs, "greedy.prompt"), refIDs(t, refs, "greedy.ids")
			lm, err := runtime.Load(c.model)
			if err != nil {
				t.Fatal(err)
			}
			defer lm.Close()
			s, err := lm.NewSession(runtime.SessionOptions{Batch: 5})
			if err != nil {
				t.Fatal(err)
			}
			var got []int32
			var text string
			var stop runtime.StopReason
			for tok, err := range s.Generate(context.Background(), prompt, runtime.GenerateParams{MaxTokens: len(want), IgnoreEOS: true}) {
				if err != nil {
					t.Fatal(err)
				}
				got, text, stop = append(got, tok.ID), text+tok.Text, tok.Stop
			}
			agree := 0
			for agree < min(len(got), len(want)) && got[agree] == want[agree] {
				agree++
			}
			t.Logf("%s: %d/%d greedy ids agree, %q", c.name, agree, len(want), text)
			if !slices.Equal(got, want) || stop != runtime.StopLength {
				t.Errorf("%s: greedy (%v)\n got %v\nwant %v", c.name, stop, got, want)
			}
			// The stream is the text the ids add after the prompt.
			whole, err := lm.Tokenizer.Decode(append(slices.Clone(prompt), want...))
			if err != nil {
				t.Fatal(err)
			}
			head, _ := lm.Tokenizer.Decode(prompt)
			if !strings.HasPrefix(whole, head) || text != whole[len(head):] {
				t.Errorf("%s: streamed %q, want %q", c.name, text, strings.TrimPrefix(whole, head))
			}
			if r := readRefsJSON(t, c.dir); r.GreedyText != nil && text != *r.GreedyText {
				t.Errorf("%s: streamed %q, refs.json greedy_text %q", c.name, text, *r.GreedyText)
			}
		})
	}
}

// The prompt given as text (the reference prompt decoded) tokenizes back
// to the same ids and gives the same continuation.
func TestGenerateGreedyTextPrompt(t *testing.T) {
	for _, c := range greedyCases(t) {
		if !strings.HasPrefix(c.name, "shakespeare") {
			continue // the trained model: text that means something
		}
		t.Run(c.name, func(t *testing.T) {
			refs := filepath.Join(c.dir, "refs.safetensors")
			prompt, want := refIDs(t, refs, "greedy.prompt"), refIDs(t, refs, "greedy.ids")
			lm, err := runtime.Load(c.model)
			if err != nil {
				t.Fatal(err)
			}
			defer lm.Close()
			body := prompt
			if len(body) > 0 && body[0] == lm.Tokenizer.BOS() {
				body = body[1:]
			}
			text, err := lm.Tokenizer.Decode(body)
			if err != nil {
				t.Fatal(err)
			}
			if ids, err := lm.Encode(text); err != nil || !slices.Equal(ids, prompt) {
				t.Fatalf("%q encodes to %v (%v), want %v", text, ids, err, prompt)
			}
			var got []int32
			for tok, err := range lm.Generate(context.Background(), text, runtime.GenerateParams{MaxTokens: len(want)}) {
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, tok.ID)
			}
			t.Logf("%s: prompt %q, %d ids", c.name, text, len(got))
			if !slices.Equal(got, want) {
				t.Errorf("%s: got %v\nwant %v", c.name, got, want)
			}
		})
	}
}

// pyDecode turns bytes into text as Python's bytes.decode("utf-8",
// "replace") does: each maximal invalid subsequence becomes one U+FFFD.
// That is how the references' greedy_text was made from raw bytes.
func pyDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError || n > 1 {
			b.WriteString(s[i : i+n])
			i += n
			continue
		}
		// A lead byte with some of its continuation bytes is one error.
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch c := s[i]; {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c == 0xF4:
			need, hi = 3, 0x8F
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		}
		j := i + 1
		for k := 0; k < need && j < len(s) && s[j] >= lo && s[j] <= hi; k++ {
			j++
			lo, hi = 0x80, 0xBF
		}
		b.WriteRune(utf8.RuneError)
		i = j
	}
	return b.String()
}

func TestPyDecode(t *testing.T) {
	for in, want := range map[string]string{
		"abc":              "abc",
		"\xc6\x00":         "\ufffd\x00",
		"\xe2\x82A":        "\ufffdA",
		"\xff\xfe":         "\ufffd\ufffd",
		"\xe0\x80":         "\ufffd\ufffd",
		"é\xf0\x9f\x98":    "é\ufffd",
		"\xf0\x9f\x98\x80": "😀",
	} {
		if got := pyDecode(in); got != want {
			t.Errorf("pyDecode(%q) = %q, want %q", in, got, want)
		}
	}
}

// For every model whose references hold a chat: messages in, the template
// renders and tokenizes to prompt_ids, greedy generation gives greedy_ids and
// the streamed text is greedy_text.
func TestChatRefs(t *testing.T) {
	n := 0
	for _, dir := range fixtures.ModelDirs(t) {
		r := readRefsJSON(t, dir)
		if r.Chat == nil {
			continue
		}
		n++
		t.Run(filepath.Base(dir), func(t *testing.T) {
			lm, err := runtime.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer lm.Close()
			var msgs []chat.Message
			for _, m := range r.Chat.Messages {
				msgs = append(msgs, chat.Message{Role: m.Role, Content: m.Content})
			}
			text, err := lm.ApplyTemplate(msgs)
			if err != nil {
				t.Fatal(err)
			}
			if text != r.Chat.PromptText {
				t.Errorf("rendered %q\nwant     %q", text, r.Chat.PromptText)
			}
			ids, err := lm.EncodeChat(msgs)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids, r.Chat.PromptIDs) {
				t.Errorf("prompt ids %v\nwant       %v", ids, r.Chat.PromptIDs)
			}

			// The conversation, all but the last message, then a send.
			c, err := lm.NewChat(runtime.SessionOptions{})
			if err != nil {
				t.Fatal(err)
			}
			c.Messages = msgs[:len(msgs)-1]
			var got []int32
			var reply string
			for tok, err := range c.Send(context.Background(), msgs[len(msgs)-1], runtime.GenerateParams{MaxTokens: len(r.Chat.GreedyIDs)}) {
				if err != nil {
					t.Fatal(err)
				}
				got, reply = append(got, tok.ID), reply+tok.Text
			}
			t.Logf("%s: %d greedy ids, reply %q", filepath.Base(dir), len(got), reply)
			if !slices.Equal(got, r.Chat.GreedyIDs) {
				t.Errorf("greedy ids %v\nwant       %v", got, r.Chat.GreedyIDs)
			}
			if pyDecode(reply) != r.Chat.GreedyText {
				t.Errorf("reply %q, want %q", reply, r.Chat.GreedyText)
			}
			if held := c.Session().Tokens(); !slices.Equal(held, append(slices.Clone(r.Chat.PromptIDs), r.Chat.GreedyIDs...)) {
				t.Errorf("session holds %v", held)
			}
			if len(c.Messages) != len(msgs)+1 || c.Messages[len(msgs)].Role != "assistant" || c.Messages[len(msgs)].Content != reply {
				t.Errorf("messages after the reply: %+v", c.Messages)
			}
		})
	}
	if n == 0 {
		t.Skip("no refs.json with a chat section in the fixtures")
	}
}

// A second turn reuses the session: only the new text runs through the
// model, and the result is what a fresh chat computes for the whole
// conversation.
func TestChatSecondTurn(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		if readRefsJSON(t, dir).Chat == nil {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			lm, err := runtime.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer lm.Close()
			p := runtime.GenerateParams{MaxTokens: 6}
			send := func(c *runtime.Chat, text string) []int32 {
				var ids []int32
				for tok, err := range c.Send(context.Background(), chat.Message{Role: "user", Content: text}, p) {
					if err != nil {
						t.Fatal(err)
					}
					ids = append(ids, tok.ID)
				}
				return ids
			}
			c, _ := lm.NewChat(runtime.SessionOptions{})
			first := send(c, "Hello there.")
			prompt1 := c.Session().Len() - len(first)
			second := send(c, "And again?")
			st := c.Session().Stats()
			prompt2 := c.Session().Len() - len(second)

			fresh, _ := lm.NewChat(runtime.SessionOptions{})
			fresh.Messages = slices.Clone(c.Messages[:len(c.Messages)-2])
			want := send(fresh, "And again?")
			t.Logf("%s: prompts of %d and %d tokens; the second turn ran %d", filepath.Base(dir), prompt1, prompt2, st.PromptTokens)
			if !slices.Equal(second, want) {
				t.Errorf("second turn %v, fresh chat %v", second, want)
			}
			if st.PromptTokens > prompt2-prompt1 {
				t.Errorf("second turn ran %d prompt tokens: the first prompt's %d were not reused", st.PromptTokens, prompt1)
			}
		})
	}
}

// A model without a chat template chats in a plain transcript.
func TestChatTranscript(t *testing.T) {
	for _, dir := range fixtures.ModelDirs(t) {
		if filepath.Base(dir) != "shakespeare-llama-5m" {
			continue
		}
		lm, err := runtime.Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer lm.Close()
		if lm.Template != nil {
			t.Skip("the model has a template now")
		}
		text, err := lm.ApplyTemplate([]chat.Message{{Role: "system", Content: "A play."}, {Role: "user", Content: "Speak."}})
		if err != nil {
			t.Fatal(err)
		}
		if want := "SYSTEM:\nA play.\n\nUSER:\nSpeak.\n\nASSISTANT:\n"; text != want {
			t.Errorf("transcript %q, want %q", text, want)
		}
		c, _ := lm.NewChat(runtime.SessionOptions{})
		var reply string
		var stop runtime.StopReason
		for tok, err := range c.Send(context.Background(), chat.Message{Role: "user", Content: "Speak."}, runtime.GenerateParams{MaxTokens: 200}) {
			if err != nil {
				t.Fatal(err)
			}
			reply, stop = reply+tok.Text, tok.Stop
		}
		t.Logf("reply %q (%v)", reply, stop)
		if strings.Contains(reply, "\n\n") || reply == "" {
			t.Errorf("reply %q runs past a blank line", reply)
		}
	}
}
