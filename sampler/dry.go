package sampler

import (
	"math"
	"slices"
	"strings"
)

// DRY ("don't repeat yourself") penalizes the tokens that would make the
// end of the context repeat something it already contains, more steeply
// the longer the repetition. Sequence breakers (newlines, quotes …) cut
// repetitions: a repetition never reaches back across the latest one, so
// recurring boilerplate after a breaker is not punished for what came
// before it.

// dryMaxBreakerChars and dryMaxBreakerTail bound the breaker processing as
// llama.cpp does: breakers are cut to 40 bytes and the token tail of a
// breaker that starts inside a token to 20 tokens.
const (
	dryMaxBreakerChars = 40
	dryMaxBreakerTail  = 20
)

// dryState is DRY's history and working memory; it exists only when DRY is
// on.
type dryState struct {
	multiplier, base float64
	allowed          int
	window           int // how many recent tokens to look at

	hist ring

	// breakers maps the first token of each tokenized sequence breaker to
	// the tokens that must follow it; an empty tail means the token alone
	// contains a breaker.
	breakers map[int32][][]int32

	rev     []int32 // the window, most recent token first
	z       []int32 // z[k]: how far rev[k:] agrees with rev
	longest []int32 // per token: longest repetition it would extend, -1: none
	touched []int32 // the tokens whose longest is set
}

func newDRY(p *Params, window, vocab int, breakers map[int32][][]int32) *dryState {
	d := &dryState{
		multiplier: float64(p.DRYMultiplier),
		base:       float64(p.DRYBase),
		allowed:    p.DRYAllowedLength,
		window:     window,
		hist:       newRing(window),
		breakers:   breakers,
		rev:        make([]int32, window),
		z:          make([]int32, window),
		longest:    make([]int32, vocab),
		touched:    make([]int32, 0, min(window, vocab)),
	}
	for i := range d.longest {
		d.longest[i] = -1
	}
	return d
}

// repLimit returns how many of the most recent n tokens follow the latest
// complete sequence breaker (n if there is none): no repetition may be
// longer.
func (d *dryState) repLimit(n int) int {
	rev := d.rev[:n]
	for i := 0; i < n; i++ {
		tails, ok := d.breakers[rev[i]]
		if !ok {
			continue
		}
		// rev[i] starts a breaker if one of its tails follows it, i.e.
		// sits at rev[i-1], rev[i-2] … (later in time = lower index).
		best := -1
		for _, tail := range tails {
			if len(tail) <= best || len(tail) > i {
				continue
			}
			match := true
			for j, t := range tail {
				if rev[i-1-j] != t {
					match = false
					break
				}
			}
			if match {
				best = len(tail)
			}
		}
		if best >= 0 {
			return i - best
		}
	}
	return n
}

// apply subtracts the DRY penalty from the candidates that would extend a
// repetition. It keeps the order of the list but not its ranking.
func (d *dryState) apply(l *list) {
	n := d.hist.len()
	if n <= d.allowed {
		return
	}
	rev := d.rev[:n]
	for i := range rev {
		rev[i] = d.hist.back(i)
	}
	limit := d.repLimit(n)
	if limit < d.allowed {
		return
	}

	// z[k] is the length of the longest common prefix of rev and rev[k:]:
	// the tokens ending k tokens back repeat the last z[k] tokens of the
	// context, so emitting rev[k-1] (what came after them) would make the
	// repetition one longer. This is the Z-algorithm: [lo, hi) is the
	// rightmost window known to agree with the start of rev, which lets
	// every comparison advance hi, for O(n) over the whole window.
	z := d.z[:n]
	z[0] = int32(n)
	lo, hi := 0, 0
	for k := 1; k < n; k++ {
		m := 0
		if k < hi {
			m = min(hi-k, int(z[k-lo]))
		}
		for k+m < n && rev[m] == rev[k+m] {
			m++
		}
		if k+m > hi {
			lo, hi = k, k+m
		}
		z[k] = int32(m)
	}
	for k := 1; k < n; k++ {
		length := min(int(z[k]), limit)
		if length < d.allowed {
			continue
		}
		tok := rev[k-1]
		if d.longest[tok] < 0 {
			d.touched = append(d.touched, tok)
		}
		d.longest[tok] = max(d.longest[tok], int32(length))
	}

	// base^exponent overflows float32 past ln(MaxFloat32)/ln(base).
	maxExp := 0
	if d.base > 1.000001 {
		maxExp = int(88.7228391 / math.Log(d.base))
	}
	penalty := func(c *Candidate) {
		length := d.longest[c.ID]
		if length < 0 || d.singleBreaker(c.ID) {
			return
		}
		exp := int(length) - d.allowed
		if maxExp > 0 && exp > maxExp {
			exp = maxExp
		}
		c.Logit = clampLogit(float32(float64(c.Logit) - d.multiplier*math.Pow(d.base, float64(exp))))
	}
	if direct(l.c, d.touched) {
		for _, tok := range d.touched {
			penalty(&l.c[tok])
		}
	} else {
		for i := range l.c {
			penalty(&l.c[i])
		}
	}
	for _, tok := range d.touched {
		d.longest[tok] = -1
	}
	d.touched = d.touched[:0]
	l.sorted = false
}

// singleBreaker reports whether token id contains a whole breaker: such a
// token ends every repetition, so it is never penalized for extending one.
func (d *dryState) singleBreaker(id int32) bool {
	for _, tail := range d.breakers[id] {
		if len(tail) == 0 {
			return true
		}
	}
	return false
}

// dryBreakers turns breaker strings into token sequences the way llama.cpp
// does. A token whose text contains a breaker is a breaker on its own. A
// token whose text ends with the start of a breaker begins one: the rest
// of the breaker, tokenized, is its tail. So "\n\n" or " *" tokens count
// even though the breaker is "\n" or "*".
func dryBreakers(breakers []string, vocab int, piece func(int32) string, tokenize func(string) []int32) map[int32][][]int32 {
	out := map[int32][][]int32{}
	var strs []string
	for _, b := range breakers {
		if len(b) > dryMaxBreakerChars {
			b = b[:dryMaxBreakerChars]
		}
		if b != "" {
			strs = append(strs, b)
		}
	}
	if len(strs) == 0 {
		return out
	}
	for id := int32(0); int(id) < vocab; id++ {
		word := piece(id)
		for _, b := range strs {
			if strings.Contains(word, b) {
				out[id] = append(out[id], nil)
				continue
			}
			for pos := 0; pos < len(word); pos++ {
				if word[pos] != b[0] || !strings.HasPrefix(b, word[pos:]) {
					continue
				}
				tail := tokenize(b[len(word)-pos:])
				if len(tail) > dryMaxBreakerTail {
					tail = tail[:dryMaxBreakerTail]
				}
				dup := false
				for _, t := range out[id] {
					if slices.Equal(t, tail) {
						dup = true
						break
					}
				}
				if !dup {
					out[id] = append(out[id], tail)
				}
			}
		}
	}
	return out
}
