package sampler

import (
	"math"
	"slices"
)

// Candidates are ranked by logit, highest first, and equal logits by id,
// lowest first. The tie rule makes every ranking a total order, so results
// never depend on the sorting algorithm, and greedy picks the lowest id.

// better reports whether a ranks before b.
func better(a, b *Candidate) bool {
	return a.Logit > b.Logit || (a.Logit == b.Logit && a.ID < b.ID)
}

// byRank is the comparison for slices.SortFunc. Logits are never NaN here
// (dropBanned removed them), so plain comparisons are a total order.
func byRank(a, b Candidate) int {
	switch {
	case a.Logit > b.Logit:
		return -1
	case a.Logit < b.Logit:
		return 1
	}
	return int(a.ID - b.ID) // ids are >= 0: no overflow
}

// sortTop reorders c so that c[:n] holds its n best candidates in rank
// order; the rest stay behind them in no particular order. It returns how
// many are in order, n or more. A short top (top-k 40) comes from one pass
// with a heap of the best n so far (root = worst of them), which costs one
// comparison for most candidates; a longer one from quickselect then a
// sort of the n; a top of more than an eighth from a plain sort.
func sortTop(c []Candidate, n int) int {
	switch {
	case n >= len(c)/8:
		slices.SortFunc(c, byRank)
		return len(c)
	case n <= 0:
		return 0
	case n > 128:
		selectTop(c, n)
		slices.SortFunc(c[:n], byRank)
		return n
	}
	h := c[:n]
	for i := n/2 - 1; i >= 0; i-- {
		siftDown(h, i)
	}
	for i := n; i < len(c); i++ {
		if better(&c[i], &h[0]) {
			h[0], c[i] = c[i], h[0]
			siftDown(h, 0)
		}
	}
	slices.SortFunc(h, byRank)
	return n
}

// selectTop moves the n best candidates of c to c[:n], in no particular
// order (quickselect, 0 < n < len(c)). Pivots come from a fixed
// pseudo-random sequence: the ranking is a total order, so the result does
// not depend on them, and random pivots keep partly ordered input (what an
// earlier selection leaves behind) from costing quadratic time.
func selectTop(c []Candidate, n int) {
	lo, hi := 0, len(c)-1 // the n-th best is somewhere in c[lo:hi+1]
	rnd := uint32(len(c))
	for lo < hi {
		rnd = rnd*1664525 + 1013904223
		p := lo + int(rnd%uint32(hi-lo+1))
		c[p], c[hi] = c[hi], c[p]
		// Lomuto partition: the better ones to the front, then the pivot.
		store := lo
		for i := lo; i < hi; i++ {
			if better(&c[i], &c[hi]) {
				c[i], c[store] = c[store], c[i]
				store++
			}
		}
		c[store], c[hi] = c[hi], c[store]
		switch {
		case store == n:
			return
		case store < n:
			lo = store + 1
		default:
			hi = store - 1
		}
	}
}

// siftDown restores the heap property below i in a heap whose root is its
// worst-ranked candidate.
func siftDown(h []Candidate, i int) {
	for {
		worst := i
		l, r := 2*i+1, 2*i+2
		if l < len(h) && better(&h[worst], &h[l]) {
			worst = l
		}
		if r < len(h) && better(&h[worst], &h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// maxLogit returns the largest logit in c (c[0]'s when c is sorted).
func maxLogit(c []Candidate, sorted bool) float32 {
	if sorted {
		return c[0].Logit
	}
	m := c[0].Logit
	for i := 1; i < len(c); i++ {
		m = max(m, c[i].Logit)
	}
	return m
}

// softmax sets every candidate's P from the logits. The sum is kept in
// float64 so that a 128k vocabulary of tiny terms does not lose them.
func softmax(c []Candidate, sorted bool) {
	m := float64(maxLogit(c, sorted))
	var sum float64
	for i := range c {
		e := math.Exp(float64(c[i].Logit) - m)
		c[i].P = float32(e)
		sum += e
	}
	inv := 1 / sum
	for i := range c {
		c[i].P = float32(float64(c[i].P) * inv)
	}
}
