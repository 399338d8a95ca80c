package runtime

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/tokenizer"
)

// ErrContextFull is returned (wrapped) when tokens would not fit in a
// session's context. Callers that can drop old text (a chat) test for it with
// errors.Is.
var ErrContextFull = errors.New("context full")

// DefaultKV is the key/value cache type applications should use unless
// asked otherwise: half precision, as llama.cpp's default, which halves the
// cache's memory and the attention's reads at a cost far below the
// weights' quantization. LM.Generate uses it.
const DefaultKV = quant.F16

// SessionOptions configure a Session. The zero value is ready to use.
type SessionOptions struct {
	// KV is the key/value cache type: quant.F32 (the zero value, exact, what
	// the reference comparisons use) or quant.F16 (DefaultKV: half the
	// memory).
	KV quant.Type

	// Context is the most positions the session may hold; 0 means the
	// model's context length.
	Context int

	// Batch is how many prompt tokens go through the model per forward pass;
	// a long prompt checks for cancellation between batches. 0 means 256.
	Batch int

	// Tokenizer turns generated ids into text and tells which ids end
	// generation. Without one, Token.Text stays empty and the config's EOS
	// ids end generation.
	Tokenizer tokenizer.Tokenizer
}

// Session is one sequence being run through a model: its KV cache, its
// tokens so far and the logits after the last of them. Many sessions can
// share one Model and run at the same time; a single Session is not safe for
// concurrent use.
type Session struct {
	m     *Model
	tok   tokenizer.Tokenizer
	cache *Cache
	batch int
	limit int // most positions, 0: no limit

	// ids is the whole sequence. The cache holds the first cache.Len() of
	// them; the rest (the last generated token, say) wait for the next
	// forward pass.
	ids []int32
	// logits are the next-token logits after ids[:cache.Len()] (nil when
	// the cache is empty).
	logits []float32

	stats Stats
}

// Stats are the counts and timings of a session's last Generate call.
type Stats struct {
	PromptTokens int           // tokens run through the model before the first draw
	PromptTime   time.Duration // time spent on them
	Tokens       int           // tokens generated
	GenTime      time.Duration // time from the first draw to the end
}

// PromptRate is prompt tokens per second (0 when nothing was timed).
func (s Stats) PromptRate() float64 { return rate(s.PromptTokens, s.PromptTime) }

// GenRate is generated tokens per second (0 when nothing was timed).
func (s Stats) GenRate() float64 { return rate(s.Tokens, s.GenTime) }

func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// NewSession returns an empty session on m.
func (m *Model) NewSession(opts SessionOptions) (*Session, error) {
	if opts.Context < 0 || opts.Batch < 0 {
		return nil, fmt.Errorf("session: negative context (%d) or batch (%d)", opts.Context, opts.Batch)
	}
	c, err := m.NewCache(opts.KV)
	if err != nil {
		return nil, err
	}
	if opts.Context > 0 {
		// A longer context than the model was trained on is allowed when
		// asked for: RoPE angles are computed for any position.
		c.max = opts.Context
	}
	batch := opts.Batch
	if batch == 0 {
		batch = 256
	}
	return &Session{m: m, tok: opts.Tokenizer, cache: c, batch: batch, limit: c.max}, nil
}

// Model returns the model the session runs.
func (s *Session) Model() *Model { return s.m }

// Len is the number of tokens in the sequence.
func (s *Session) Len() int { return len(s.ids) }

// Context is the most tokens the sequence may hold (0: no limit).
func (s *Session) Context() int { return s.limit }

// Tokens returns a copy of the sequence so far: prompts and generated
// tokens, end-of-generation tokens included.
func (s *Session) Tokens() []int32 { return slices.Clone(s.ids) }

// Stats returns the counts and timings of the last Generate call.
func (s *Session) Stats() Stats { return s.stats }

// Reset empties the session for a new sequence, keeping its memory.
func (s *Session) Reset() { s.Truncate(0) }

// Truncate keeps the first n tokens of the sequence and forgets the rest
// (n beyond the length changes nothing). Continuing a conversation after
// editing it keeps the common prefix this way instead of recomputing it.
func (s *Session) Truncate(n int) {
	if n < 0 {
		n = 0
	}
	if n >= len(s.ids) {
		return
	}
	s.ids = s.ids[:n]
	if s.cache.n > n {
		// The logits after position n-1 are gone: the next pass recomputes
		// that token (Forward overwrites positions from where it starts).
		s.cache.n = max(n-1, 0)
		s.logits = nil
	}
}

// Feed appends tokens to the sequence and runs them through the model,
// Batch at a time, checking ctx between batches. On error the session is as
// it was before the call.
func (s *Session) Feed(ctx context.Context, tokens []int32) error {
	n := len(s.ids)
	if err := s.checkRoom(len(tokens)); err != nil {
		return err
	}
	s.ids = append(s.ids, tokens...)
	if err := s.sync(ctx); err != nil {
		s.Truncate(n)
		return err
	}
	return nil
}

// Logits returns the next-token logits after the whole sequence, running
// what the model has not seen yet. The slice is the session's: copy it to
// keep it past the next call.
func (s *Session) Logits(ctx context.Context) ([]float32, error) {
	if len(s.ids) == 0 {
		return nil, errors.New("session: no tokens yet")
	}
	if err := s.sync(ctx); err != nil {
		return nil, err
	}
	return s.logits, nil
}

// checkRoom reports whether n more tokens fit in the context.
func (s *Session) checkRoom(n int) error {
	if s.limit > 0 && len(s.ids)+n > s.limit {
		return fmt.Errorf("session: %d tokens held + %d new > context %d: %w", len(s.ids), n, s.limit, ErrContextFull)
	}
	return nil
}

// sync runs the tokens the cache does not hold yet through the model.
func (s *Session) sync(ctx context.Context) error {
	for s.cache.n < len(s.ids) {
		if err := ctx.Err(); err != nil {
			return err
		}
		pos := s.cache.n
		end := min(pos+s.batch, len(s.ids))
		batch := make([]int, end-pos)
		for i, id := range s.ids[pos:end] {
			batch[i] = int(id)
		}
		logits, err := s.m.Forward(s.cache, batch, pos, Options{LastOnly: true})
		if err != nil {
			return err
		}
		s.logits = logits
	}
	return nil
}

// isEOG tells whether id ends generation.
func (s *Session) isEOG(id int32) bool {
	if s.tok != nil {
		return s.tok.IsEOG(id)
	}
	return slices.Contains(s.m.Config.EOS, int(id))
}
