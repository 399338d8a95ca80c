package sampler

// ring holds the last cap tokens, oldest overwritten first.
type ring struct {
	buf  []int32
	next int // where the next token goes
	n    int // how many tokens it holds
}

func newRing(capacity int) ring { return ring{buf: make([]int32, capacity)} }

func (r *ring) len() int { return r.n }

// push adds id; when the ring was full it returns the token that fell out.
func (r *ring) push(id int32) (evicted int32, full bool) {
	if len(r.buf) == 0 {
		return id, true
	}
	if r.n == len(r.buf) {
		evicted, full = r.buf[r.next], true
	} else {
		r.n++
	}
	r.buf[r.next] = id
	r.next = (r.next + 1) % len(r.buf)
	return evicted, full
}

// back returns the token i places back from the most recent (back(0)).
func (r *ring) back(i int) int32 {
	return r.buf[(r.next-1-i+2*len(r.buf))%len(r.buf)]
}

func (r *ring) clear() { r.next, r.n = 0, 0 }

// direct reports whether every id in ids sits at c[id]. That holds while
// the list is still the whole vocabulary in id order, the common case for
// the penalties, and saves a pass over the list.
func direct(c []Candidate, ids []int32) bool {
	for _, id := range ids {
		if int(id) >= len(c) || c[id].ID != id {
			return false
		}
	}
	return true
}
