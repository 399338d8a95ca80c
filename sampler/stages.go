package sampler

import (
	"math"
	"math/rand/v2"
	"slices"
)

// list is the candidate list a chain narrows down. Stages take it sorted or
// not; each says what it needs and what it leaves. Dropping candidates
// only ever shrinks c in place: the chain owns the backing array.
type list struct {
	c      []Candidate
	sorted bool // c is in rank order (see better)
}

// sort puts the whole list in rank order.
func (l *list) sort() {
	if !l.sorted {
		slices.SortFunc(l.c, byRank)
		l.sorted = true
	}
}

// keepIf drops, in place and keeping the order, every candidate for which
// keep is false.
func (l *list) keepIf(keep func(*Candidate) bool) {
	n := 0
	for i := range l.c {
		if keep(&l.c[i]) {
			l.c[n] = l.c[i]
			n++
		}
	}
	l.c = l.c[:n]
}

// topK keeps the k best candidates (k <= 0: all) and leaves them sorted.
func topK(l *list, k int) {
	if k <= 0 {
		return
	}
	k = min(k, len(l.c))
	if !l.sorted {
		sortTop(l.c, k)
	}
	l.c = l.c[:k]
	l.sorted = true
}

// topP keeps the smallest set of best candidates whose probabilities reach
// p (at least minKeep of them) and leaves them sorted. An unsorted list is
// sorted only as far as the nucleus reaches, 256 candidates at first and
// twice as many each time that falls short: the nucleus is usually small,
// and a full sort of a large vocabulary is what costs.
func topP(l *list, p float32, minKeep int) {
	if p >= 1 {
		return
	}
	softmax(l.c, l.sorted)
	inOrder, chunk := 0, 256
	if l.sorted {
		inOrder = len(l.c)
	}
	var cum float64
	for i := range l.c {
		if i == inOrder {
			// Everything from i on ranks below what is in order, so
			// sorting the top of the rest extends the order.
			inOrder += sortTop(l.c[i:], chunk)
			chunk *= 2
		}
		cum += float64(l.c[i].P)
		if cum >= float64(p) && i+1 >= minKeep {
			l.c = l.c[:i+1]
			break
		}
	}
	l.sorted = true
}

// minP keeps the candidates at least p times as likely as the best one,
// which is a logit at least max + ln p, and at least minKeep of them. It
// keeps the order it was given.
func minP(l *list, p float32, minKeep int) {
	if p <= 0 || len(l.c) == 0 {
		return
	}
	cut := maxLogit(l.c, l.sorted) + float32(math.Log(float64(p)))
	n := 0
	for i := range l.c {
		if l.c[i].Logit >= cut {
			n++
		}
	}
	if n == 0 || n < minKeep {
		// Too few pass: keep the minKeep best instead, and never none
		// (rounding can push the best a hair under the cut for p = 1).
		topK(l, max(minKeep, 1))
		return
	}
	l.keepIf(func(c *Candidate) bool { return c.Logit >= cut })
}

// typicalScratch is typical-p's working memory, kept between calls so that
// sampling does not allocate.
type typicalScratch struct {
	order []scored
	out   []Candidate
}

type scored struct {
	score float32
	pos   int32
}

// typicalP keeps the candidates whose surprise (-ln p) is closest to the
// entropy of the distribution, closest first, until their probabilities add
// up to more than p (and at least minKeep). This can drop the most likely
// token when it is much more likely than typical. The result is in order
// of closeness, not rank.
func typicalP(l *list, p float32, minKeep int, s *typicalScratch) {
	if p >= 1 || p == 0 {
		return
	}
	l.sort()
	softmax(l.c, true)
	var entropy float64
	for _, c := range l.c {
		if c.P > 0 {
			entropy -= float64(c.P) * math.Log(float64(c.P))
		}
	}
	order := s.order[:0]
	for i, c := range l.c {
		d := math.Abs(-math.Log(float64(c.P)) - entropy)
		order = append(order, scored{float32(d), int32(i)})
	}
	slices.SortFunc(order, func(a, b scored) int {
		if a.score != b.score {
			if a.score < b.score {
				return -1
			}
			return 1
		}
		return int(a.pos - b.pos)
	})
	keep := len(order)
	var cum float64
	for i, o := range order {
		cum += float64(l.c[o.pos].P)
		if cum > float64(p) && i+1 >= minKeep {
			keep = i + 1
			break
		}
	}
	out := s.out[:0]
	for _, o := range order[:keep] {
		out = append(out, l.c[o.pos])
	}
	l.c = l.c[:copy(l.c, out)]
	l.sorted = false
	s.order, s.out = order, out
}

// topNSigma keeps the candidates whose logit is within n standard
// deviations (over the candidates' logits) of the largest. Order is kept.
func topNSigma(l *list, n float32) {
	if n <= 0 || len(l.c) <= 1 {
		return
	}
	var sum float64
	for _, c := range l.c {
		sum += float64(c.Logit)
	}
	mean := sum / float64(len(l.c))
	var acc float64
	for _, c := range l.c {
		d := float64(c.Logit) - mean
		acc += d * d
	}
	std := math.Sqrt(acc / float64(len(l.c)))
	cut := float64(maxLogit(l.c, l.sorted)) - float64(n)*std
	l.keepIf(func(c *Candidate) bool { return float64(c.Logit) >= cut })
}

// xtc ("exclude top choices"): when its coin (uniform in [0,1), from rng)
// comes up at or below probability, it removes every candidate at least
// threshold likely except the least likely of them, steering away from the
// obvious choices while keeping a reasonable one. It leaves the list
// sorted when it acts.
func xtc(l *list, probability, threshold float32, minKeep int, rng *rand.Rand) {
	if probability <= 0 || threshold > 0.5 || len(l.c) < 2 {
		return
	}
	if rng.Float32() > probability {
		return
	}
	l.sort()
	softmax(l.c, true)
	last := 0 // the least likely candidate at or above the threshold
	for i := range l.c {
		if l.c[i].P < threshold {
			break
		}
		last = i
	}
	if last > 0 && len(l.c)-last >= minKeep {
		l.c = l.c[:copy(l.c, l.c[last:])]
	}
}

// temperature divides the logits by t, flattening (t > 1) or sharpening
// (t < 1) the distribution. t <= 0 keeps only the best candidate: greedy.
// It keeps the order (division by t > 0 does not change the ranking).
func temperature(l *list, t float32) {
	if t <= 0 {
		best := 0
		for i := 1; i < len(l.c); i++ {
			if better(&l.c[i], &l.c[best]) {
				best = i
			}
		}
		l.c[0] = l.c[best]
		l.c = l.c[:1]
		l.sorted = true
		return
	}
	for i := range l.c {
		l.c[i].Logit = clampLogit(l.c[i].Logit / t)
	}
}

// clampLogit keeps a logit that a stage pushed past the float32 range (a
// tiny temperature, a huge penalty) finite, so that later stages and the
// softmax still see a total order and no NaN.
func clampLogit(x float32) float32 {
	return min(max(x, -math.MaxFloat32), math.MaxFloat32)
}

// dynamicTemperature picks the temperature from the entropy of the
// candidates: normalized entropy h (0: one certain token, 1: uniform) maps
// to t - r + 2r·h^exp, clamped at 0 below, so confident steps get the low
// end of the range and uncertain ones the high end. It leaves the list
// sorted with P set.
func dynamicTemperature(l *list, t, r, exp float32) {
	if len(l.c) <= 1 {
		return
	}
	lo, hi := max(0, t-r), t+r
	maxEntropy := math.Log(float64(len(l.c)))
	l.sort()
	softmax(l.c, true)
	var entropy float64
	for _, c := range l.c {
		if c.P > 0 {
			entropy -= float64(c.P) * math.Log(float64(c.P))
		}
	}
	h := entropy / maxEntropy
	dyn := float64(lo) + float64(hi-lo)*math.Pow(h, float64(exp))
	temperature(l, float32(dyn))
	softmax(l.c, true)
}

// penalize applies llama.cpp's repetition, frequency and presence penalties
// to a candidate seen count (> 0) times: the repetition penalty divides a
// positive logit and multiplies a negative one (dividing a negative logit
// would make the token more likely), then count × freq and presence are
// subtracted.
func penalize(c *Candidate, count int32, repeat, freq, presence float32) {
	if c.Logit <= 0 {
		c.Logit = clampLogit(c.Logit * repeat)
	} else {
		c.Logit = clampLogit(c.Logit / repeat)
	}
	c.Logit = clampLogit(c.Logit - (float32(count)*freq + presence))
}

// draw picks a candidate at random in proportion to the softmax of the
// logits, u being uniform in [0,1), and returns its index. It sets P.
func draw(c []Candidate, sorted bool, u float64) int {
	if len(c) == 1 {
		c[0].P = 1
		return 0
	}
	softmax(c, sorted)
	var sum float64
	for i := range c {
		sum += float64(c[i].P)
	}
	target := u * sum
	var run float64
	last := 0
	for i := range c {
		if c[i].P > 0 {
			last = i
		}
		run += float64(c[i].P)
		if run > target {
			return i
		}
	}
	// Rounding left the running sum short of the target: take the last
	// candidate that had any probability.
	return last
}
