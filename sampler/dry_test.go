package sampler

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

// charVocab is a toy vocabulary: token i is the string pieces[i], and
// tokenizing maps each byte to the single-byte token that spells it.
type charVocab []string

func (v charVocab) piece(id int32) string { return v[id] }

func (v charVocab) tokenize(s string) []int32 {
	var out []int32
	for i := 0; i < len(s); i++ {
		for id, p := range v {
			if p == s[i:i+1] {
				out = append(out, int32(id))
				break
			}
		}
	}
	return out
}

// Tokens: a b c \n x y zx d
const (
	tA, tB, tC, tNL, tX, tY, tZX, tD int32 = 0, 1, 2, 3, 4, 5, 6, 7
)

var toyVocab = charVocab{"a", "b", "c", "\n", "x", "y", "zx", "d"}

func TestDRYBreakers(t *testing.T) {
	got := dryBreakers([]string{"\n", "xy", ""}, len(toyVocab), toyVocab.piece, toyVocab.tokenize)
	// "\n" contains the breaker "\n": a breaker on its own. "x" and "zx"
	// end with "x", the start of "xy": they begin a breaker whose tail is
	// the tokens of "y". No other token holds either.
	want := map[int32][][]int32{
		tNL: {nil},
		tX:  {{tY}},
		tZX: {{tY}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("breakers = %v, want %v", got, want)
	}
	// Over-long breakers are cut to 40 bytes: a 50-byte run of "a" acts
	// as 40 "a"s, which only a token containing them would match; here
	// "a" starts it, with a tail of 39 "a" tokens cut to 20.
	long := dryBreakers([]string{strings.Repeat("a", 50)}, len(toyVocab), toyVocab.piece, toyVocab.tokenize)
	if tails := long[tA]; len(tails) != 1 || len(tails[0]) != dryMaxBreakerTail {
		t.Errorf("long breaker tails for \"a\" = %v, want one of %d tokens", tails, dryMaxBreakerTail)
	}
}

// dryLogits accepts history and returns the logits DRY leaves on a flat
// distribution (all 0), so each value is minus that token's penalty.
func dryLogits(t *testing.T, set func(*Params), history ...int32) map[int32]float64 {
	t.Helper()
	p := only([]Stage{StageDRY}, func(p *Params) {
		p.DRYMultiplier, p.DRYBase, p.DRYAllowedLength, p.DRYPenaltyLastN = 0.8, 1.75, 2, 64
		p.DRYSequenceBreakers = []string{"\n", "xy"}
		if set != nil {
			set(p)
		}
	})
	s := mustNew(t, p, len(toyVocab), WithVocab(toyVocab.piece, toyVocab.tokenize))
	for _, id := range history {
		if err := s.Accept(id); err != nil {
			t.Fatal(err)
		}
	}
	return logitsAfter(t, s, make([]float32, len(toyVocab)))
}

// flatExcept is the expected result: 0 everywhere but the given penalties.
func flatExcept(pen map[int32]float64) map[int32]float64 {
	out := map[int32]float64{}
	for i := range toyVocab {
		out[int32(i)] = -pen[int32(i)]
	}
	return out
}

func TestDRY(t *testing.T) {
	cases := []struct {
		name    string
		set     func(*Params)
		history []int32
		pen     map[int32]float64
	}{
		// "c a b c a b": the last three tokens "c a b" also appear at the
		// start, followed by c. Emitting c would make the repetition 4
		// long; its length so far is 3, one over the allowed 2, so c pays
		// 0.8 × 1.75^(3-2) = 1.4.
		{"repeat of 3", nil, []int32{tC, tA, tB, tC, tA, tB}, map[int32]float64{tC: 1.4}},
		// "a b a b": "a b" (2, the allowed length) followed by a → 0.8.
		{"repeat of 2", nil, []int32{tA, tB, tA, tB}, map[int32]float64{tA: 0.8}},
		// "a b" once, then "a": the repetition "a" is 1 < 2 long: nothing.
		{"below allowed", nil, []int32{tA, tB, tA}, nil},
		// "a b c \n a b": the newline breaker limits repetitions to the 2
		// tokens after it; "a b" is followed by c earlier → c pays 0.8.
		{"after breaker", nil, []int32{tA, tB, tC, tNL, tA, tB}, map[int32]float64{tC: 0.8}},
		// "a b \n a b": "a b" was followed by the newline, but a token that
		// is a breaker by itself is never penalized.
		{"breaker token exempt", nil, []int32{tA, tB, tNL, tA, tB}, nil},
		// "a b c x y a b c x y a b c": the multi-token breaker "x y" ends
		// 3 tokens from the end, so repetitions count at most 3 although
		// "a b c x y a b c" (8) repeats. x followed "a b c" → x pays
		// 0.8 × 1.75^(3-2) = 1.4 instead of 0.8 × 1.75^6.
		{"multi-token breaker caps", nil,
			[]int32{tA, tB, tC, tX, tY, tA, tB, tC, tX, tY, tA, tB, tC}, map[int32]float64{tX: 1.4}},
		// Without breakers nothing caps it: "a b c x y a b c" (8 tokens)
		// was followed by x, so x pays 0.8 × 1.75^(8-2) = 23.08652. No
		// other earlier position ends in "… a b c".
		{"no breakers", func(p *Params) { p.DRYSequenceBreakers = nil },
			[]int32{tA, tB, tC, tX, tY, tA, tB, tC, tX, tY, tA, tB, tC}, map[int32]float64{tX: 0.8 * math.Pow(1.75, 6)}},
		// A window of 3 sees only "c a b": no repetition.
		{"window", func(p *Params) { p.DRYPenaltyLastN = 3 }, []int32{tC, tA, tB, tC, tA, tB}, nil},
		// Allowed length 0 counts even empty repetitions. "a b d a": a
		// was followed by b, and a repeats with length 1 → b pays
		// 0.8 × 1.75^1 = 1.4; every other earlier token repeats the empty
		// suffix (length 0), so what followed it pays 0.8: d (after b) and
		// a (after d).
		{"allowed 0", func(p *Params) { p.DRYAllowedLength = 0 }, []int32{tA, tB, tD, tA},
			map[int32]float64{tB: 1.4, tD: 0.8, tA: 0.8}},
		// Multiplier 0 switches DRY off.
		{"off", func(p *Params) { p.DRYMultiplier = 0 }, []int32{tC, tA, tB, tC, tA, tB}, nil},
	}
	for _, c := range cases {
		expectDist(t, "dry "+c.name, dryLogits(t, c.set, c.history...), flatExcept(c.pen), 1e-5)
	}
}

func TestDRYExponentClamp(t *testing.T) {
	// 170 × "a": the last 169 a's repeat, so a would extend a repetition
	// of 169 → exponent 167, clamped to int(88.7228391 / ln 1.75) = 158:
	// penalty 0.8 × 1.75^158 = 2.00956e38, still a finite float32.
	hist := make([]int32, 170)
	got := dryLogits(t, func(p *Params) { p.DRYPenaltyLastN = 200 }, hist...)
	want := -0.8 * math.Pow(1.75, 158)
	if g := got[tA]; math.IsInf(g, 0) || math.Abs(g-want)/math.Abs(want) > 1e-5 {
		t.Errorf("clamped penalty = %g, want %g", g, want)
	}
	t.Logf("clamped DRY penalty %g (want %g)", got[tA], want)
}

func TestDRYSetup(t *testing.T) {
	on := func(p *Params) { p.DRYMultiplier, p.DRYBase, p.DRYAllowedLength, p.DRYPenaltyLastN = 0.8, 1.75, 2, 64 }
	// Breakers need the vocabulary.
	if _, err := New(only([]Stage{StageDRY}, func(p *Params) { on(p); p.DRYSequenceBreakers = []string{"\n"} }), 8); err == nil {
		t.Error("DRY breakers without WithVocab: no error")
	}
	// No breakers: no vocabulary needed.
	if _, err := New(only([]Stage{StageDRY}, on), 8); err != nil {
		t.Errorf("DRY without breakers: %v", err)
	}
	// -1 needs the context length.
	if _, err := New(only([]Stage{StageDRY}, func(p *Params) { on(p); p.DRYPenaltyLastN = -1 }), 8); err == nil {
		t.Error("DRY last n -1 without context length: no error")
	}
	// A tokenizer returning ids outside the vocabulary is reported.
	bad := func(string) []int32 { return []int32{99} }
	if _, err := New(only([]Stage{StageDRY}, func(p *Params) { on(p); p.DRYSequenceBreakers = []string{"xy"} }), 8,
		WithVocab(toyVocab.piece, bad)); err == nil {
		t.Error("breaker tokenized out of range: no error")
	}
}
