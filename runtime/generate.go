package runtime

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/narallm/nara/sampler"
	"github.com/narallm/nara/tokenizer"
)

// GenerateParams control one Generate call. The zero value samples greedily
// until an end-of-generation token or the end of the context.
type GenerateParams struct {
	// MaxTokens stops after this many generated tokens; 0 means no limit.
	MaxTokens int

	// Sampling are the sampler settings; the zero value is greedy
	// (sampler.DefaultParams gives llama.cpp's defaults).
	Sampling sampler.Params

	// Sampler, when set, is used instead of one built from Sampling, so
	// that its state (penalty history, mirostat, random stream, constraint)
	// carries over between calls. Generate still passes it every token it
	// takes, prompt tokens included (AcceptPrompt).
	Sampler *sampler.Sampler

	// Constraint restricts the tokens that may come next (a grammar, see
	// package sampler/grammar); generation may end only where it is done.
	// nil for none (or the constraint Sampler already has).
	Constraint sampler.Constraint

	// Stop strings end generation when the text contains one; the stop
	// string and what follows are not returned. Text that could be the
	// start of a stop string is held back until it is known not to be.
	Stop []string

	// IgnoreEOS keeps generating past end-of-generation tokens.
	IgnoreEOS bool
}

// Token is one generated token.
type Token struct {
	ID int32

	// Text is the text this token completes: pieces are whole UTF-8
	// characters (bytes of a character split over tokens are held back
	// until it is complete), and text that may begin a stop string is held
	// back too, so Text can be empty. Concatenated, the Texts are the whole
	// output. An end-of-generation token's own text is never included.
	Text string

	// Stop is set on the last token of a generation: why it ended.
	Stop StopReason
}

// StopReason tells why generation ended.
type StopReason int

// Reasons to stop.
const (
	NotStopped  StopReason = iota // more tokens may follow
	StopEOG                       // the model produced an end-of-generation token
	StopLength                    // GenerateParams.MaxTokens were generated
	StopString                    // the text reached a stop string
	StopContext                   // the context is full
)

func (r StopReason) String() string {
	switch r {
	case NotStopped:
		return "not stopped"
	case StopEOG:
		return "end of generation"
	case StopLength:
		return "max tokens"
	case StopString:
		return "stop string"
	case StopContext:
		return "context full"
	}
	return fmt.Sprintf("StopReason(%d)", int(r))
}

// Generate appends prompt to the session and generates tokens after it,
// yielding each as soon as it is drawn. The sequence ends after the token
// whose Stop is set, when the consumer stops ranging, or with an error (then
// the only value with a non-nil error). Cancelling ctx stops the work at
// once: between tokens and between the prompt's batches.
//
// Generated tokens join the session as they are yielded, so a later call
// continues after them (the last one is run through the model then). If
// Generate fails before its first token, the session is left as it was.
//
// An empty prompt continues the sequence as it stands.
func (s *Session) Generate(ctx context.Context, prompt []int32, p GenerateParams) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		if err := s.generate(ctx, prompt, p, yield); err != nil {
			yield(Token{}, err)
		}
	}
}

// generate does Generate's work; it returns an error still to be yielded.
func (s *Session) generate(ctx context.Context, prompt []int32, p GenerateParams, yield func(Token, error) bool) (err error) {
	s.stats = Stats{}
	before, yielded := len(s.ids), false
	defer func() {
		if err != nil && !yielded {
			s.Truncate(before)
		}
	}()
	if p.MaxTokens < 0 {
		return fmt.Errorf("generate: MaxTokens %d < 0", p.MaxTokens)
	}
	if len(s.ids)+len(prompt) == 0 {
		return errors.New("generate: empty prompt")
	}
	for _, id := range prompt {
		if id < 0 || int(id) >= s.m.Vocab() {
			return fmt.Errorf("generate: prompt token %d outside the vocabulary 0…%d", id, s.m.Vocab()-1)
		}
	}
	smp := p.Sampler
	if smp == nil {
		if smp, err = s.NewSampler(p.Sampling); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
	}
	if p.Constraint != nil {
		smp.SetConstraint(p.Constraint, s.isEOG)
	}
	if s.limit > 0 && len(s.ids)+len(prompt) >= s.limit {
		return fmt.Errorf("generate: %d tokens held + %d prompt tokens leave no room to generate in a context of %d: %w",
			len(s.ids), len(prompt), s.limit, ErrContextFull)
	}

	// Prompt: every token the model has not seen yet.
	start := time.Now()
	pending := len(s.ids) + len(prompt) - s.cache.n
	if err := s.Feed(ctx, prompt); err != nil {
		return err
	}
	// A sampler built here learns the whole sequence (its penalties look
	// back over the context); one passed in has seen all but the prompt.
	seen := s.ids
	if p.Sampler != nil {
		seen = prompt
	}
	if err := smp.AcceptPrompt(seen); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	s.stats.PromptTokens, s.stats.PromptTime = pending, time.Since(start)

	start = time.Now()
	defer func() { s.stats.GenTime = time.Since(start) }()
	var dec *tokenizer.StreamDecoder
	if s.tok != nil {
		// Start the decoder after the last token so far, so that the first
		// piece keeps its leading space (SentencePiece drops it only at the
		// start of a text or after a special token).
		dec = s.tok.NewStreamDecoder()
		if _, err := dec.Push(s.ids[len(s.ids)-1]); err == nil {
			dec.Flush()
		}
	}
	out := stopFilter{stop: p.Stop}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		id := smp.Sample(s.logits)
		if id == sampler.NoToken {
			return errors.New("generate: no token may come next (the logit bias or the constraint ruled out every one)")
		}
		if err := smp.Accept(id); err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		s.ids = append(s.ids, id)
		s.stats.Tokens++

		tok := Token{ID: id}
		eog := !p.IgnoreEOS && s.isEOG(id)
		if dec != nil && !eog {
			piece, err := dec.Push(id)
			if err != nil {
				return fmt.Errorf("generate: %w", err)
			}
			var stopped bool
			if tok.Text, stopped = out.push(piece); stopped {
				tok.Stop = StopString
			}
		}
		switch {
		case tok.Stop != NotStopped:
		case eog:
			tok.Stop = StopEOG
		case p.MaxTokens > 0 && s.stats.Tokens >= p.MaxTokens:
			tok.Stop = StopLength
		case s.limit > 0 && len(s.ids) >= s.limit:
			tok.Stop = StopContext
		}
		if tok.Stop != NotStopped {
			if tok.Stop != StopString && dec != nil {
				// Bytes of an incomplete character go out as they are.
				rest, stopped := out.push(dec.Flush())
				tok.Text += rest
				if stopped {
					tok.Stop = StopString
				} else {
					tok.Text += out.flush()
				}
			}
			yield(tok, nil)
			return nil
		}
		yielded = true
		if !yield(tok, nil) {
			return nil
		}
		if err := s.sync(ctx); err != nil {
			return err
		}
	}
}

// NewSampler returns a sampler for this session's model with settings p,
// told what it needs to know about the model (the context length, and the
// tokens' text when DRY is on). Pass it in GenerateParams.Sampler to keep
// its state across calls or to read its Seed.
func (s *Session) NewSampler(p sampler.Params) (*sampler.Sampler, error) {
	n := s.limit
	if n == 0 {
		n = s.m.Config.ContextLen
	}
	opts := []sampler.Option{sampler.WithContextLength(n)}
	if s.tok != nil && p.DRYMultiplier > 0 {
		tok := s.tok
		pieces := TokenPieces(tok)
		opts = append(opts, sampler.WithVocab(
			func(id int32) string {
				if id < 0 || int(id) >= len(pieces) {
					return ""
				}
				return string(pieces[id])
			},
			func(text string) []int32 {
				ids, _ := tok.Encode(text, tokenizer.EncodeOptions{})
				return ids
			}))
	}
	return sampler.New(p, s.m.Vocab(), opts...)
}

// stopFilter releases generated text, holding back what may be the start
// of a stop string and cutting the text where one is reached.
type stopFilter struct {
	stop []string
	held string // text that may be the start of a stop string
}

// push adds a piece of text and returns what can be released, and whether a
// stop string was reached (the text is then cut before it).
func (f *stopFilter) push(piece string) (string, bool) {
	f.held += piece
	cut := -1
	for _, s := range f.stop {
		if s == "" {
			continue
		}
		if i := strings.Index(f.held, s); i >= 0 && (cut < 0 || i < cut) {
			cut = i
		}
	}
	if cut >= 0 {
		out := f.held[:cut]
		f.held = ""
		return out, true
	}
	keep := 0
	for _, s := range f.stop {
		keep = max(keep, overlap(f.held, s))
	}
	out := f.held[:len(f.held)-keep]
	f.held = f.held[len(f.held)-keep:]
	return out, false
}

// flush returns what is held back, at the end of generation.
func (f *stopFilter) flush() string {
	out := f.held
	f.held = ""
	return out
}

// overlap is the length of the longest proper prefix of stop that text ends
// with: how much of text might be the start of stop.
func overlap(text, stop string) int {
	for k := min(len(stop)-1, len(text)); k > 0; k-- {
		if strings.HasSuffix(text, stop[:k]) {
			return k
		}
	}
	return 0
}

// TokenPieces returns the bytes each token of tok stands for in running text
// (a SentencePiece "▁the" is " the", a byte token one byte, a control token
// its own text): what grammars and DRY match generated text against.
func TokenPieces(tok tokenizer.Tokenizer) [][]byte {
	// Decoding a lone token may drop a leading space (SentencePiece's dummy
	// prefix), so decode each after an ordinary token and keep the
	// difference.
	var prefix []int32
	for id := range int32(tok.VocabSize()) {
		if tok.TokenType(id) == tokenizer.TypeNormal {
			prefix = []int32{id}
			break
		}
	}
	head, _ := tok.Decode(prefix)
	pieces := make([][]byte, tok.VocabSize())
	for id := range pieces {
		text, err := tok.Decode(append(prefix, int32(id)))
		if err != nil || !strings.HasPrefix(text, head) {
			continue
		}
		pieces[id] = []byte(text[len(head):])
	}
	return pieces
}
