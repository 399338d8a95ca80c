package sampler

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchLogits are logits shaped roughly like a model's: normal with a
// spread of 3.
func benchLogits(vocab int) []float32 {
	gen := rand.New(rand.NewPCG(11, 13))
	l := make([]float32, vocab)
	for i := range l {
		l[i] = float32(gen.NormFloat64() * 3)
	}
	return l
}

func benchSample(b *testing.B, p Params, vocab int) {
	logits := benchLogits(vocab)
	p.Seed = 1
	s, err := New(p, vocab)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(vocab) * 4)
	b.ReportAllocs()
	for b.Loop() {
		s.Accept(s.Sample(logits))
	}
}

// BenchmarkSample runs the default chain (and a few variants) on a
// Llama-2 (32000) and a Llama-3 (128256) vocabulary.
func BenchmarkSample(b *testing.B) {
	variants := []struct {
		name string
		set  func(*Params)
	}{
		{"default", func(*Params) {}},
		{"greedy", func(p *Params) { p.Temp = 0 }},
		{"penalties", func(p *Params) { p.RepeatPenalty, p.FreqPenalty = 1.1, 0.1 }},
		{"no-top-k", func(p *Params) { p.TopK = 0 }},
		{"mirostat1", func(p *Params) { p.Mirostat = 1 }},
		{"mirostat2", func(p *Params) { p.Mirostat = 2 }},
	}
	for _, vocab := range []int{32000, 128256} {
		for _, v := range variants {
			b.Run(fmt.Sprintf("%s/%d", v.name, vocab), func(b *testing.B) {
				p := DefaultParams()
				v.set(&p)
				benchSample(b, p, vocab)
			})
		}
	}
}
