package runtime

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/tokenizer"
)

// Pooling is how the hidden states of a text's tokens become one embedding.
type Pooling int

// Poolings.
const (
	PoolMean Pooling = iota // the mean over every token
	PoolLast                // the last token's (what a causal model has read the whole text by)
)

// EmbedOptions control Embed. The zero value mean-pools without
// normalizing.
type EmbedOptions struct {
	Pooling Pooling
	// Normalize scales the embedding to unit length (for cosine
	// similarity by dot product).
	Normalize bool
	// Batch is how many tokens go through the model per pass; 0 means 256.
	Batch int
}

// Embed returns the embedding of tokens: the final hidden states (after the
// output norm, the vectors the classifier turns into logits), pooled as
// opt says. ctx is checked between batches.
func (m *Model) Embed(ctx context.Context, tokens []int32, opt EmbedOptions) ([]float32, error) {
	if len(tokens) == 0 {
		return nil, errors.New("embed: no tokens")
	}
	if opt.Pooling != PoolMean && opt.Pooling != PoolLast {
		return nil, fmt.Errorf("embed: unknown pooling %d", opt.Pooling)
	}
	batch := opt.Batch
	if batch <= 0 {
		batch = 256
	}
	cache, err := m.NewCache(quant.F32)
	if err != nil {
		return nil, err
	}
	D := m.Config.Dim
	last := fmt.Sprintf("hidden.layer%d", m.Config.Layers-1)
	sum := make([]float64, D)
	out := make([]float32, D)
	norm := make([]float32, batch*D)
	for pos := 0; pos < len(tokens); pos += batch {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ids := make([]int, min(batch, len(tokens)-pos))
		for i := range ids {
			ids[i] = int(tokens[pos+i])
		}
		// The residual stream after the last layer, normalized as Forward
		// does before its classifier.
		opts := Options{LastOnly: true, Hidden: func(name string, x []float32) {
			if name != last {
				return
			}
			T := len(x) / D
			rmsNormRows(norm[:T*D], x, m.outNorm, m.Config.NormEps)
			for t := range T {
				for i, v := range norm[t*D : (t+1)*D] {
					sum[i] += float64(v)
				}
			}
			copy(out, norm[(T-1)*D:T*D])
		}}
		if _, err := m.Forward(cache, ids, pos, opts); err != nil {
			return nil, err
		}
	}
	if opt.Pooling == PoolMean {
		for i, v := range sum {
			out[i] = float32(v / float64(len(tokens)))
		}
	}
	if opt.Normalize {
		var ss float64
		for _, v := range out {
			ss += float64(v) * float64(v)
		}
		if ss > 0 {
			inv := float32(1 / math.Sqrt(ss))
			for i := range out {
				out[i] *= inv
			}
		}
	}
	return out, nil
}

// Embed returns the embedding of text, tokenized as a plain text (BOS when
// the vocabulary wants one, special-token text left as text). See
// Model.Embed.
func (l *LM) Embed(ctx context.Context, text string, opt EmbedOptions) ([]float32, error) {
	ids, err := l.Tokenizer.Encode(text, tokenizer.EncodeOptions{AddSpecial: true})
	if err != nil {
		return nil, err
	}
	if l.Model.Config.ContextLen > 0 && len(ids) > l.Model.Config.ContextLen {
		return nil, fmt.Errorf("embed: %d tokens exceed the context length %d: %w", len(ids), l.Model.Config.ContextLen, ErrContextFull)
	}
	return l.Model.Embed(ctx, ids, opt)
}
