package tokenizer

// The merge queues of both BPE flavours are binary heaps of candidate pairs;
// only the order differs (merge rank for byte-level BPE, piece score for
// SentencePiece), so one heap serves both, ordered by before.

// heapPush adds x to the heap h.
func heapPush[T any](h []T, x T, before func(a, b *T) bool) []T {
	h = append(h, x)
	i := len(h) - 1
	for i > 0 {
		parent := (i - 1) / 2
		if !before(&h[i], &h[parent]) {
			break
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
	return h
}

// heapPop removes and returns the first element of the non-empty heap h.
func heapPop[T any](h []T, before func(a, b *T) bool) (T, []T) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		m := l
		if r := l + 1; r < len(h) && before(&h[r], &h[l]) {
			m = r
		}
		if !before(&h[m], &h[i]) {
			break
		}
		h[i], h[m] = h[m], h[i]
		i = m
	}
	return top, h
}
