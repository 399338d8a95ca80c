package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/sampler"
	"github.com/narallm/nara/tokenizer"
)

// Tests of sessions and generation on the synthetic model, so that they run
// without the fixtures.

// scriptVocab is a SentencePiece vocabulary for the synthetic model's 50 ids.
// Ids 30 and 31 are the two bytes of "é".
var scriptVocab = func() []string {
	v := []string{"<unk>", "<s>", "</s>"}
	for c := 'a'; c <= 'z'; c++ { // 3…28
		v = append(v, string(c))
	}
	v = append(v, "▁", "<0xC3>", "<0xA9>", "▁t", "he", "re", "▁a", "nd", "<0x0A>") // 29…37
	for c := 'a'; len(v) < 50; c++ {
		v = append(v, "z"+string(c))
	}
	return v
}()

func scriptTokenizer(t *testing.T) tokenizer.Tokenizer {
	t.Helper()
	v := &tokenizer.Vocab{Model: "llama", Tokens: scriptVocab, BOS: 1, EOS: 2, UNK: 0, PAD: -1, SEP: -1,
		AddBOS: true, AddSpacePrefix: true}
	v.Scores = make([]float32, len(v.Tokens))
	v.Types = make([]int32, len(v.Tokens))
	for i, s := range v.Tokens {
		v.Types[i] = int32(tokenizer.TypeNormal)
		switch {
		case i == 0:
			v.Types[i] = int32(tokenizer.TypeUnknown)
		case i <= 2:
			v.Types[i] = int32(tokenizer.TypeControl)
		case strings.HasPrefix(s, "<0x"):
			v.Types[i] = int32(tokenizer.TypeByte)
		}
	}
	tok, err := tokenizer.New(v)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// script is a constraint that allows exactly one token at each step: it
// makes a random model say what a test wants.
type script struct {
	ids []int32
	i   int
}

func (s *script) Apply(cands []sampler.Candidate) {
	for k := range cands {
		if s.i >= len(s.ids) || cands[k].ID != s.ids[s.i] {
			cands[k].Logit = float32(math.Inf(-1))
		}
	}
}
func (s *script) Accept(int32) error { s.i++; return nil }
func (s *script) Done() bool         { return s.i >= len(s.ids) }

// collect runs a generation to its end.
func collect(t *testing.T, seq func(func(Token, error) bool)) (ids []int32, text string, stop StopReason, err error) {
	t.Helper()
	for tok, e := range seq {
		if e != nil {
			return ids, text, stop, e
		}
		if stop != NotStopped {
			t.Fatalf("token %d came after the stop (%v)", tok.ID, stop)
		}
		ids = append(ids, tok.ID)
		text += tok.Text
		stop = tok.Stop
	}
	return ids, text, stop, nil
}

// referenceGreedy is the argmax continuation computed with the whole
// sequence run through Forward again at every step (no cache reuse).
func referenceGreedy(t *testing.T, m *Model, prompt []int32, n int) []int32 {
	seq := make([]int, len(prompt))
	for i, id := range prompt {
		seq[i] = int(id)
	}
	var out []int32
	for range n {
		c, err := m.NewCache(quant.F32)
		if err != nil {
			t.Fatal(err)
		}
		logits, err := m.Forward(c, seq, 0, Options{LastOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		best := 0
		for i, v := range logits {
			if v > logits[best] {
				best = i
			}
		}
		out = append(out, int32(best))
		seq = append(seq, best)
	}
	return out
}

var testPrompt = []int32{1, 7, 30, 31, 12, 40, 5}

func newTestSession(t *testing.T, m *Model, opts SessionOptions) *Session {
	t.Helper()
	s, err := m.NewSession(opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestGenerateGreedyMatchesForward(t *testing.T) {
	m := newSynthetic(t)
	want := referenceGreedy(t, m, testPrompt, 12)
	for _, batch := range []int{1, 3, 0} {
		s := newTestSession(t, m, SessionOptions{Batch: batch})
		got, _, stop, err := collect(t, s.Generate(context.Background(), testPrompt, GenerateParams{MaxTokens: 12}))
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("batch %d: %v (%v)", batch, got, stop)
		if !slices.Equal(got, want) || stop != StopLength {
			t.Errorf("batch %d: got %v (%v), want %v (max tokens)", batch, got, stop, want)
		}
		if st := s.Stats(); st.PromptTokens != len(testPrompt) || st.Tokens != 12 {
			t.Errorf("stats %+v: want %d prompt tokens and 12 generated", st, len(testPrompt))
		}
		if s.Len() != len(testPrompt)+12 {
			t.Errorf("session holds %d tokens, want %d", s.Len(), len(testPrompt)+12)
		}
	}
}

// Continuing, truncating and resetting give what a fresh session would.
func TestSessionContinueTruncateReset(t *testing.T) {
	m := newSynthetic(t)
	want := referenceGreedy(t, m, testPrompt, 10)
	s := newTestSession(t, m, SessionOptions{})
	ctx := context.Background()
	a, _, _, err := collect(t, s.Generate(ctx, testPrompt, GenerateParams{MaxTokens: 4}))
	if err != nil {
		t.Fatal(err)
	}
	b, _, _, err := collect(t, s.Generate(ctx, nil, GenerateParams{MaxTokens: 6}))
	if err != nil {
		t.Fatal(err)
	}
	if got := append(a, b...); !slices.Equal(got, want) {
		t.Errorf("4 then 6 tokens: %v, want %v", got, want)
	}
	if st := s.Stats(); st.PromptTokens != 1 {
		t.Errorf("continuing ran %d prompt tokens, want 1 (the last generated token)", st.PromptTokens)
	}

	// Back to the prompt and 3 generated tokens, then on.
	s.Truncate(len(testPrompt) + 3)
	c, _, _, err := collect(t, s.Generate(ctx, nil, GenerateParams{MaxTokens: 7}))
	if err != nil {
		t.Fatal(err)
	}
	if got := append(slices.Clone(want[:3]), c...); !slices.Equal(got, want) {
		t.Errorf("after truncating: %v, want %v", got, want)
	}

	// A different prompt after a reset.
	other := []int32{1, 20, 21}
	s.Reset()
	d, _, _, err := collect(t, s.Generate(ctx, other, GenerateParams{MaxTokens: 5}))
	if err != nil {
		t.Fatal(err)
	}
	if w := referenceGreedy(t, m, other, 5); !slices.Equal(d, w) {
		t.Errorf("after reset: %v, want %v", d, w)
	}
	if got := s.Tokens(); !slices.Equal(got, append(other, d...)) {
		t.Errorf("Tokens() = %v", got)
	}
}

func TestGenerateCancel(t *testing.T) {
	m := newSynthetic(t)
	s := newTestSession(t, m, SessionOptions{Batch: 2})

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, _, _, err := collect(t, s.Generate(ctx, testPrompt, GenerateParams{}))
	if !errors.Is(err, context.Canceled) || s.Len() != 0 {
		t.Errorf("cancelled before the prompt: err %v, %d tokens held; want context.Canceled and 0", err, s.Len())
	}

	// Cancel while the third token is being consumed: nothing more comes.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var n int
	for tok, err := range s.Generate(ctx, testPrompt, GenerateParams{}) {
		if err != nil {
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error %v, want context.Canceled", err)
			}
			break
		}
		n++
		if tok.Stop != NotStopped {
			t.Fatalf("stopped (%v) before the cancel", tok.Stop)
		}
		if n == 3 {
			cancel()
		}
	}
	if n != 3 || s.Len() != len(testPrompt)+3 {
		t.Errorf("after cancelling at the 3rd token: %d tokens yielded, %d held; want 3 and %d", n, s.Len(), len(testPrompt)+3)
	}

	// Breaking out of the loop stops too, and the session continues.
	for range s.Generate(context.Background(), nil, GenerateParams{}) {
		break
	}
	if s.Len() != len(testPrompt)+4 {
		t.Errorf("after breaking at the first token: %d held, want %d", s.Len(), len(testPrompt)+4)
	}
}

func TestGenerateContextFull(t *testing.T) {
	m := newSynthetic(t)
	s := newTestSession(t, m, SessionOptions{Context: 10})
	ids, _, stop, err := collect(t, s.Generate(context.Background(), testPrompt, GenerateParams{}))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 10-len(testPrompt) || stop != StopContext {
		t.Errorf("context 10, prompt %d: %d tokens, stop %v; want %d and context full", len(testPrompt), len(ids), stop, 10-len(testPrompt))
	}
	_, _, _, err = collect(t, s.Generate(context.Background(), []int32{3}, GenerateParams{}))
	if !errors.Is(err, ErrContextFull) || s.Len() != 10 {
		t.Errorf("prompt into a full context: err %v, %d held; want ErrContextFull and 10", err, s.Len())
	}
	if _, err := m.NewSession(SessionOptions{Context: -1}); err == nil {
		t.Error("negative context accepted")
	}
}

func TestGenerateBadInput(t *testing.T) {
	m := newSynthetic(t)
	for name, c := range map[string]struct {
		prompt []int32
		p      GenerateParams
	}{
		"empty prompt":   {nil, GenerateParams{}},
		"id too large":   {[]int32{1, 50}, GenerateParams{}},
		"negative id":    {[]int32{-1}, GenerateParams{}},
		"negative max":   {[]int32{1}, GenerateParams{MaxTokens: -1}},
		"bad sampling":   {[]int32{1}, GenerateParams{Sampling: sampler.Params{TopP: 2}}},
		"everything ban": {[]int32{1}, GenerateParams{Constraint: &script{ids: []int32{-5}}}},
	} {
		s := newTestSession(t, m, SessionOptions{})
		_, _, _, err := collect(t, s.Generate(context.Background(), c.prompt, c.p))
		t.Logf("%s: %v", name, err)
		if err == nil {
			t.Errorf("%s: no error", name)
		}
		if s.Len() != 0 {
			t.Errorf("%s: session holds %v after the failed call", name, s.Tokens())
		}
	}
}

// A scripted generation checks the text: UTF-8 held back across tokens,
// stop strings cut, the end-of-generation token's text left out.
func TestGenerateText(t *testing.T) {
	m := newSynthetic(t)
	tok := scriptTokenizer(t)
	// " the" "é" "re" " and" "\n" "a"
	say := []int32{32, 33, 30, 31, 34, 35, 36, 37, 3}
	cases := []struct {
		stop     []string
		ids      int
		text     string
		pieces   []string
		why      StopReason
		maxToken int
	}{
		{nil, 10, " theére and\na", []string{" t", "he", "", "é", "re", " a", "nd", "\n", "a", ""}, StopEOG, 0},
		{[]string{"re a"}, 6, " theé", []string{" t", "he", "", "é", "", ""}, StopString, 0},
		{[]string{"and\nb"}, 10, " theére and\na", []string{" t", "he", "", "é", "re", " ", "", "", "and\n", "a"}, StopEOG, 0},
		{[]string{"é"}, 4, " the", []string{" t", "he", "", ""}, StopString, 0},
		{nil, 3, " the\xc3", []string{" t", "he", "\xc3"}, StopLength, 3},
	}
	for _, c := range cases {
		s := newTestSession(t, m, SessionOptions{Tokenizer: tok})
		var pieces []string
		var ids []int32
		var why StopReason
		p := GenerateParams{Constraint: &script{ids: say}, Stop: c.stop, MaxTokens: c.maxToken}
		for g, err := range s.Generate(context.Background(), []int32{1, 10}, p) {
			if err != nil {
				t.Fatal(err)
			}
			ids, pieces, why = append(ids, g.ID), append(pieces, g.Text), g.Stop
		}
		text := strings.Join(pieces, "")
		t.Logf("stop %q: %q %q (%v)", c.stop, text, pieces, why)
		if len(ids) != c.ids || text != c.text || !slices.Equal(pieces, c.pieces) || why != c.why {
			t.Errorf("stop %q: %d ids, pieces %q (%v); want %d, %q (%v)", c.stop, len(ids), pieces, why, c.ids, c.pieces, c.why)
		}
		if c.why == StopEOG && ids[len(ids)-1] != 2 {
			t.Errorf("last id %d, want the EOS 2", ids[len(ids)-1])
		}
	}
}

func TestStopFilter(t *testing.T) {
	cases := []struct {
		stop   []string
		pieces []string
		out    []string // released per piece
		at     int      // index of the piece that stops, -1: none
		rest   string   // flushed at the end
	}{
		{nil, []string{"ab", "c"}, []string{"ab", "c"}, -1, ""},
		{[]string{"xyz"}, []string{"ab", "cx", "y", "q"}, []string{"ab", "c", "", "xyq"}, -1, ""},
		{[]string{"xyz"}, []string{"ax", "yz", "b"}, []string{"a", ""}, 1, ""},
		{[]string{"xyz"}, []string{"axy"}, []string{"a"}, -1, "xy"},
		{[]string{"ab", "b"}, []string{"cab"}, []string{"c"}, 0, ""},
		{[]string{"aab"}, []string{"a", "a", "a", "b"}, []string{"", "", "a", ""}, 3, ""},
		{[]string{"", "\n\n"}, []string{"x\n", "y\n", "\nz"}, []string{"x", "\ny", ""}, 2, ""},
	}
	for _, c := range cases {
		f := stopFilter{stop: c.stop}
		var out []string
		at := -1
		for i, p := range c.pieces {
			o, stopped := f.push(p)
			out = append(out, o)
			if stopped {
				at = i
				break
			}
		}
		rest := f.flush()
		if !slices.Equal(out, c.out) || at != c.at || rest != c.rest {
			t.Errorf("stop %q, pieces %q: out %q stop at %d rest %q; want %q %d %q", c.stop, c.pieces, out, at, rest, c.out, c.at, c.rest)
		}
	}
}

func TestStopReasonString(t *testing.T) {
	for r := NotStopped; r <= StopContext+1; r++ {
		if s := r.String(); s == "" || (r <= StopContext && strings.HasPrefix(s, "StopReason(")) {
			t.Errorf("%d: %q", int(r), s)
		}
	}
	_ = fmt.Sprint(StopEOG)
}

// Sessions of one model run concurrently (run with -race).
func TestSessionsConcurrent(t *testing.T) {
	m := newSynthetic(t)
	want := referenceGreedy(t, m, testPrompt, 8)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			s, err := m.NewSession(SessionOptions{Batch: 2})
			if err != nil {
				errs <- err
				return
			}
			var got []int32
			for tok, err := range s.Generate(context.Background(), testPrompt, GenerateParams{MaxTokens: 8}) {
				if err != nil {
					errs <- err
					return
				}
				got = append(got, tok.ID)
			}
			if !slices.Equal(got, want) {
				errs <- fmt.Errorf("got %v, want %v", got, want)
				return
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// The stop filter releases the text exactly: everything when no stop
// string occurs, else everything before the first one, and never a stop
// string itself.
func FuzzStopFilter(f *testing.F) {
	f.Add("the end\n\nnext", "\n\n", 3)
	f.Add("aaab", "aab", 1)
	f.Add("héllo", "l", 2)
	f.Add("", "x", 1)
	f.Fuzz(func(t *testing.T, text, stop string, size int) {
		size = 1 + max(size, -size)%7
		var pieces []string
		for i := 0; i < len(text); i += size {
			pieces = append(pieces, text[i:min(i+size, len(text))])
		}
		fl := stopFilter{stop: []string{stop}}
		var out strings.Builder
		stopped := false
		for _, p := range pieces {
			o, s := fl.push(p)
			out.WriteString(o)
			if s {
				stopped = true
				break
			}
		}
		if !stopped {
			out.WriteString(fl.flush())
		}
		want, cut := text, false
		if i := strings.Index(text, stop); stop != "" && i >= 0 {
			want, cut = text[:i], true
		}
		if out.String() != want || stopped != cut {
			t.Errorf("text %q, stop %q, pieces of %d: out %q (stopped %v), want %q (%v)", text, stop, size, out.String(), stopped, want, cut)
		}
	})
}
