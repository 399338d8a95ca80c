package convert

import (
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"

	"github.com/narallm/nara/loader"
	"github.com/narallm/nara/quant"
	"github.com/narallm/nara/tokenizer"
)

// Shape is the architecture of a generated Llama-family model.
type Shape struct {
	Name    string
	Vocab   int
	Dim     int // hidden size
	FFN     int // feed-forward size
	Layers  int
	Heads   int
	KVHeads int
	Context int
	Theta   float64 // RoPE base
	NormEps float32
	Tied    bool // output projection shared with the token embeddings
	// Llama3Rope adds Llama 3.x frequency scaling (factor 32 from an
	// original context of 8192) as a rope_freqs tensor.
	Llama3Rope bool
	// BPE gives the model a byte-level BPE vocabulary (Llama 3 style,
	// specials at the end) instead of a SentencePiece one.
	BPE bool
}

// shapes are the models nara bench is measured on (issue 6) and a small one
// for tests.
var shapes = []Shape{
	{Name: "tinyllama", Vocab: 32000, Dim: 2048, FFN: 5632, Layers: 22, Heads: 32, KVHeads: 4, Context: 2048, Theta: 10000, NormEps: 1e-5},
	{Name: "llama32-1b", Vocab: 128256, Dim: 2048, FFN: 8192, Layers: 16, Heads: 32, KVHeads: 8, Context: 131072, Theta: 500000, NormEps: 1e-5,
		Tied: true, Llama3Rope: true, BPE: true},
	{Name: "llama7b", Vocab: 32000, Dim: 4096, FFN: 11008, Layers: 32, Heads: 32, KVHeads: 32, Context: 4096, Theta: 10000, NormEps: 1e-5},
	{Name: "small", Vocab: 2048, Dim: 256, FFN: 768, Layers: 4, Heads: 8, KVHeads: 4, Context: 2048, Theta: 10000, NormEps: 1e-5},
}

// ParseShape finds a shape by name.
func ParseShape(name string) (Shape, error) {
	for _, s := range shapes {
		if strings.EqualFold(s.Name, name) {
			return s, nil
		}
	}
	return Shape{}, fmt.Errorf("unknown shape %q (have %s)", name, strings.Join(ShapeNames(), ", "))
}

// ShapeNames lists the shapes.
func ShapeNames() []string {
	var names []string
	for _, s := range shapes {
		names = append(names, s.Name)
	}
	return names
}

// config describes s as the loader would read it back.
func (s Shape) config() (*loader.Config, error) {
	if s.Vocab < 512 || s.Dim <= 0 || s.FFN <= 0 || s.Layers <= 0 || s.Heads <= 0 || s.KVHeads <= 0 ||
		s.Dim%s.Heads != 0 || s.Heads%s.KVHeads != 0 || (s.Dim/s.Heads)%2 != 0 {
		return nil, fmt.Errorf("shape %q: inconsistent sizes", s.Name)
	}
	hd := s.Dim / s.Heads
	c := &loader.Config{Arch: loader.Llama, VocabSize: s.Vocab, Dim: s.Dim, FFNDim: s.FFN, Layers: s.Layers,
		Heads: s.Heads, KVHeads: s.KVHeads, HeadDim: hd, ContextLen: s.Context, NormEps: s.NormEps,
		Rope: loader.Rope{Theta: s.Theta, Dim: hd}, TiedEmbeddings: s.Tied}
	if s.Llama3Rope {
		c.Rope.Scaling, c.Rope.Factor, c.Rope.LowFreqFactor, c.Rope.HighFreqFactor, c.Rope.OrigContext = "llama3", 32, 1, 4, 8192
	}
	return c, nil
}

// weightStd is the standard deviation of generated weights.
const weightStd = 0.02

// Generate writes a GGUF model of shape s with random weights — N(0, 0.02)
// matrices, unit norms, the same numbers for the same seed whatever the
// thread count — and a generated vocabulary, quantized with preset p. Each
// tensor is generated and quantized chunk by chunk as it is written: memory
// stays near a few chunks per thread.
func Generate(w io.Writer, s Shape, p Preset, seed uint64, opt Options) error {
	c, err := s.config()
	if err != nil {
		return err
	}
	var v *tokenizer.Vocab
	if s.BPE {
		v = GenerateBPEVocab(s.Vocab, seed)
	} else {
		v = GenerateSPMVocab(s.Vocab, seed)
	}
	voc, err := VocabKVs(v, s.Vocab, TokenizerConfig{})
	if err != nil {
		return err
	}

	hd := c.HeadDim
	var srcs []*source
	matrix := func(name string, rows, cols int) {
		id := uint64(len(srcs))
		srcs = append(srcs, &source{name: name, shape: []int{rows, cols}, typ: quant.F32,
			gen: func(dst []float32, lo, hi int) {
				for r := lo; r < hi; r++ {
					// One stream per row: chunks can be generated in any
					// order on any thread.
					rng := rand.New(rand.NewPCG(seed, id<<40|uint64(r)))
					row := dst[(r-lo)*cols : (r-lo+1)*cols]
					for i := range row {
						row[i] = float32(rng.NormFloat64() * weightStd)
					}
				}
			}})
	}
	ones := func(name string, n int) {
		srcs = append(srcs, &source{name: name, shape: []int{n}, typ: quant.F32,
			gen: func(dst []float32, lo, hi int) {
				for i := range dst {
					dst[i] = 1
				}
			}})
	}
	if s.Llama3Rope {
		f := llama3RopeFactors(c)
		srcs = append(srcs, &source{name: "rope_freqs.weight", shape: []int{len(f)}, typ: quant.F32,
			gen: func(dst []float32, lo, hi int) { copy(dst, f) }})
	}
	matrix("token_embd.weight", s.Vocab, s.Dim)
	if !s.Tied {
		matrix("output.weight", s.Vocab, s.Dim)
	}
	ones("output_norm.weight", s.Dim)
	for l := range s.Layers {
		n := func(x string) string { return fmt.Sprintf("blk.%d.%s", l, x) }
		matrix(n("attn_k.weight"), s.KVHeads*hd, s.Dim)
		ones(n("attn_norm.weight"), s.Dim)
		matrix(n("attn_output.weight"), s.Dim, s.Heads*hd)
		matrix(n("attn_q.weight"), s.Heads*hd, s.Dim)
		matrix(n("attn_v.weight"), s.KVHeads*hd, s.Dim)
		matrix(n("ffn_down.weight"), s.Dim, s.FFN)
		matrix(n("ffn_gate.weight"), s.FFN, s.Dim)
		ones(n("ffn_norm.weight"), s.Dim)
		matrix(n("ffn_up.weight"), s.FFN, s.Dim)
	}
	plan, err := planSources(c, srcs, p)
	if err != nil {
		return err
	}
	var params int64
	for _, src := range srcs {
		params += int64(src.rows()) * int64(src.cols())
	}
	kvs := metadataKVs(c, false, p, "nara random "+s.Name, params, voc)
	return write(w, kvs, srcs, plan, 0, opt)
}

// GenerateSPMVocab makes a SentencePiece-style vocabulary of n pieces laid
// out as Llama's: <unk>, <s>, </s>, the 256 byte pieces <0x00>…<0xFF>, then
// merged pieces in merge order with decreasing scores (words start with
// "▁"), and the single characters last.
func GenerateSPMVocab(n int, seed uint64) *tokenizer.Vocab {
	v := &tokenizer.Vocab{Model: "llama", Pre: "default", BOS: 1, EOS: 2, UNK: 0, PAD: -1, SEP: -1,
		AddBOS: true, AddSpacePrefix: true}
	add := func(tok string, score float32, typ tokenizer.TokenType) {
		v.Tokens = append(v.Tokens, tok)
		v.Scores = append(v.Scores, score)
		v.Types = append(v.Types, int32(typ))
	}
	add("<unk>", 0, tokenizer.TypeUnknown)
	add("<s>", 0, tokenizer.TypeControl)
	add("</s>", 0, tokenizer.TypeControl)
	for b := range 256 {
		add(fmt.Sprintf("<0x%02X>", b), 0, tokenizer.TypeByte)
	}
	chars := strings.Split("▁ e t a o i n s r h l d c u m f p g w y b , . v k T I S A W H M B C ' - x j q z ! ? ; : \" ( ) 0 1 2 3 4 5 6 7 8 9 D E F G L N O P R Y é", " ")
	merged := n - len(v.Tokens) - len(chars)
	pieces, _ := growPieces(chars, max(merged, 0), "▁", seed)
	for i, p := range pieces {
		add(p, -float32(i), tokenizer.TypeNormal)
	}
	for i, c := range chars {
		if len(v.Tokens) < n {
			add(c, -float32(len(pieces)+i), tokenizer.TypeNormal)
		}
	}
	return v
}

// GenerateBPEVocab makes a byte-level BPE vocabulary of n tokens laid out as
// Llama 3's: the 256 byte characters, merged tokens with their merges, and
// 256 special tokens at the end (<|begin_of_text|> first; BOS is it, EOS
// <|eot_id|>).
func GenerateBPEVocab(n int, seed uint64) *tokenizer.Vocab {
	const specials = 256
	v := &tokenizer.Vocab{Model: "gpt2", Pre: "llama-bpe", BOS: -1, EOS: -1, UNK: -1, PAD: -1, SEP: -1, AddBOS: true}
	alphabet := byteChars()
	regular := n - specials
	merged, merges := growPieces(alphabet, max(regular-len(alphabet), 0), alphabet[' '], seed)
	v.Tokens = append(slices.Clone(alphabet), merged...)
	v.Merges = merges // each token's merge splits it where it was built
	for range v.Tokens {
		v.Types = append(v.Types, int32(tokenizer.TypeNormal))
	}
	names := []string{"<|begin_of_text|>", "<|end_of_text|>", "<|reserved_special_token_0|>", "<|reserved_special_token_1|>",
		"<|finetune_right_pad_id|>", "<|reserved_special_token_2|>", "<|start_header_id|>", "<|end_header_id|>",
		"<|eom_id|>", "<|eot_id|>", "<|python_tag|>"}
	for i := 0; len(v.Tokens) < n; i++ {
		name := fmt.Sprintf("<|reserved_special_token_%d|>", i-len(names)+3)
		if i < len(names) {
			name = names[i]
		}
		v.Tokens = append(v.Tokens, name)
		v.Types = append(v.Types, int32(tokenizer.TypeControl))
	}
	v.BOS, v.EOS = int32(regular), int32(regular+9)
	v.EOG = []int32{int32(regular + 1), int32(regular + 8)}
	return v
}

// growPieces returns count new pieces, each the concatenation of two known
// pieces (the alphabet or earlier results), favouring short and early ones
// as frequent merges are, and starting about half of them with the word
// marker; and for each, the merge "left right" that built it.
func growPieces(alphabet []string, count int, marker string, seed uint64) (pieces, merges []string) {
	rng := rand.New(rand.NewPCG(seed, 0x70c5))
	known := make(map[string]bool, len(alphabet)+count)
	for _, a := range alphabet {
		known[a] = true
	}
	pool := slices.Clone(alphabet)
	// pick favours the start of the pool: quadratic skew.
	pick := func() string {
		x := rng.Float64()
		return pool[int(x*x*float64(len(pool)))]
	}
	for tries := 0; len(pieces) < count; tries++ {
		a, b := pick(), pick()
		if rng.IntN(2) == 0 && !strings.HasPrefix(a, marker) {
			a = marker
		}
		if strings.HasPrefix(b, marker) && rng.IntN(4) != 0 {
			continue // word markers mostly start pieces
		}
		p := a + b
		if known[p] || len([]rune(p)) > 16 {
			if tries > 100*count+1000 {
				break // the alphabet is exhausted: fewer pieces
			}
			continue
		}
		known[p] = true
		pool = append(pool, p)
		pieces = append(pieces, p)
		merges = append(merges, a+" "+b)
	}
	return pieces, merges
}

// byteChars is GPT-2's byte-to-character table: printable Latin-1 bytes
// stand for themselves, the others for code points from 256 up, in byte
// order, so that every byte is a visible character.
func byteChars() []string {
	out := make([]string, 256)
	var shifted []int
	for b := range 256 {
		if b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF {
			out[b] = string(rune(b))
		} else {
			shifted = append(shifted, b)
		}
	}
	sort.Ints(shifted)
	for i, b := range shifted {
		out[b] = string(rune(256 + i))
	}
	return out
}
