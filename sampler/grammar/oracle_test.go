package grammar

import (
	"unicode/utf8"
)

// oracle is a second, deliberately naive recognizer used to check the
// matcher. It works on the source rules as parsed (repetitions, groups and
// literals as written), not on the compiled elements, and by sets of end
// positions rather than stacks, so it shares nothing with the matcher but
// the parser. It answers: is text a prefix of some sentence (viable), and is
// it a sentence (complete)?
//
// The input is a list of code-point ranges: each decoded character is a
// one-point range, and bytes cut off in the middle of a UTF-8 sequence become
// the range of code points they can still become.
type oracle struct {
	g       *Grammar
	in      []runeRange
	partial bool // the last range is a cut-off character
	ends    map[[2]int][]int
	busy    map[[2]int]int // entries being computed, by nesting depth
	vmemo   map[[2]int]bool
	vbusy   map[[2]int]int
	depth   int
	lowHit  int // the shallowest busy entry met since the last reset
}

// newOracle returns nil when text is not valid (possibly cut-off) UTF-8.
func newOracle(g *Grammar, text []byte) *oracle {
	var in []runeRange
	for len(text) > 0 {
		r, size := utf8.DecodeRune(text)
		if r == utf8.RuneError && size <= 1 {
			lo, hi, ok := partialRange(text)
			if !ok {
				return nil
			}
			return &oracle{g: g, in: append(in, runeRange{lo, hi}), partial: true, ends: map[[2]int][]int{}, busy: map[[2]int]int{},
				vmemo: map[[2]int]bool{}, vbusy: map[[2]int]int{}}
		}
		in = append(in, runeRange{r, r})
		text = text[size:]
	}
	return &oracle{g: g, in: in, ends: map[[2]int][]int{}, busy: map[[2]int]int{},
		vmemo: map[[2]int]bool{}, vbusy: map[[2]int]int{}}
}

// partialRange is the range of code points that a cut-off UTF-8 sequence
// can complete to, by trying every next byte with the smallest and largest
// remaining bytes (written independently of the matcher's bounds).
func partialRange(b []byte) (lo, hi rune, ok bool) {
	if len(b) >= utf8.UTFMax || utf8.FullRune(b) {
		return 0, 0, false
	}
	var want int
	switch {
	case b[0] >= 0xC0 && b[0] < 0xE0:
		want = 2
	case b[0] >= 0xE0 && b[0] < 0xF0:
		want = 3
	case b[0] >= 0xF0 && b[0] < 0xF8:
		want = 4
	default:
		return 0, 0, false
	}
	for _, c := range b[1:] {
		if c&0xC0 != 0x80 {
			return 0, 0, false
		}
	}
	lo, hi = -1, -1
	for next := byte(0x80); next <= 0xBF; next++ {
		for _, fill := range []byte{0x80, 0xBF} {
			s := append(append([]byte{}, b...), next)
			for len(s) < want {
				s = append(s, fill)
			}
			r, size := utf8.DecodeRune(s)
			if r == utf8.RuneError || size != want {
				continue
			}
			if lo < 0 || r < lo {
				lo = r
			}
			if r > hi {
				hi = r
			}
		}
	}
	return lo, hi, lo >= 0
}

func (o *oracle) matchChar(k class, i int) bool {
	return i < len(o.in) && k.overlaps(o.in[i].lo, o.in[i].hi)
}

// endsOf is every j such that n matches in[i:j].
func (o *oracle) endsOf(n *node, i int) []int {
	switch n.kind {
	case nodeLiteral:
		for k, r := range n.runes {
			if i+k >= len(o.in) || r < o.in[i+k].lo || r > o.in[i+k].hi {
				return nil
			}
		}
		return []int{i + len(n.runes)}
	case nodeClass:
		if o.matchChar(n.cls, i) {
			return []int{i + 1}
		}
		return nil
	case nodeRef:
		return o.ruleEnds(n.rule, i)
	case nodeGroup:
		return o.altsEnds(n.alts, i)
	case nodeRepeat:
		var out []int
		cur := []int{i}
		seen := map[int]bool{}
		for c := 0; len(cur) > 0 && (n.max < 0 || c <= n.max); c++ {
			var next []int
			for _, p := range cur {
				if c >= n.min {
					out = addPos(out, p)
				}
				if n.max < 0 || c < n.max {
					for _, q := range o.endsOf(n.sub, p) {
						next = addPos(next, q)
					}
				}
			}
			// Unbounded: stop once past the minimum nothing new appears.
			if n.max < 0 && c >= n.min {
				var fresh []int
				for _, q := range next {
					if !seen[q] {
						seen[q] = true
						fresh = append(fresh, q)
					}
				}
				next = fresh
			}
			cur = next
		}
		return out
	}
	return nil
}

// ruleEnds memoizes per (rule, position). A rule met again at the same
// position while it is being computed contributes nothing new (such cycles
// consume nothing), but a result computed while an outer entry was still
// open may be missing that entry's ends, so it is only memoized when no
// entry shallower than itself was met.
func (o *oracle) ruleEnds(r, i int) []int {
	key := [2]int{r, i}
	if e, ok := o.ends[key]; ok {
		return e
	}
	if d, ok := o.busy[key]; ok {
		o.lowHit = min(o.lowHit, d)
		return nil
	}
	o.depth++
	d := o.depth
	o.busy[key] = d
	outer := o.lowHit
	o.lowHit = 1 << 30
	e := o.altsEnds(o.g.rules[r].alts, i)
	delete(o.busy, key)
	if o.lowHit >= d {
		o.ends[key] = e
	}
	o.lowHit = min(outer, o.lowHit)
	o.depth--
	return e
}

func (o *oracle) altsEnds(alts [][]*node, i int) []int {
	var out []int
	for _, seq := range alts {
		for _, p := range o.seqEnds(seq, i) {
			out = addPos(out, p)
		}
	}
	return out
}

func (o *oracle) seqEnds(seq []*node, i int) []int {
	cur := []int{i}
	for _, n := range seq {
		var next []int
		for _, p := range cur {
			for _, q := range o.endsOf(n, p) {
				next = addPos(next, q)
			}
		}
		cur = next
	}
	return cur
}

func addPos(s []int, p int) []int {
	for _, q := range s {
		if q == p {
			return s
		}
	}
	return append(s, p)
}

// viable reports whether in[i:] is a prefix of something n can match. It
// assumes every rule can match something (the test grammars are such).
func (o *oracle) viable(n *node, i int) bool {
	if i == len(o.in) {
		return true
	}
	switch n.kind {
	case nodeLiteral:
		for k := 0; i+k < len(o.in); k++ {
			if k >= len(n.runes) || n.runes[k] < o.in[i+k].lo || n.runes[k] > o.in[i+k].hi {
				return false
			}
		}
		return true
	case nodeClass:
		return i+1 == len(o.in) && o.matchChar(n.cls, i)
	case nodeRef: // memoized like ruleEnds
		key := [2]int{n.rule, i}
		if v, ok := o.vmemo[key]; ok {
			return v
		}
		if d, ok := o.vbusy[key]; ok {
			o.lowHit = min(o.lowHit, d)
			return false
		}
		o.depth++
		d := o.depth
		o.vbusy[key] = d
		outer := o.lowHit
		o.lowHit = 1 << 30
		v := o.altsViable(o.g.rules[n.rule].alts, i)
		delete(o.vbusy, key)
		if o.lowHit >= d || v {
			o.vmemo[key] = v
		}
		o.lowHit = min(outer, o.lowHit)
		o.depth--
		return v
	case nodeGroup:
		return o.altsViable(n.alts, i)
	case nodeRepeat:
		cur := []int{i}
		seen := map[int]bool{i: true}
		for c := 0; len(cur) > 0 && (n.max < 0 || c < n.max); c++ {
			var next []int
			for _, p := range cur {
				if p == len(o.in) || o.viable(n.sub, p) {
					return true
				}
				for _, q := range o.endsOf(n.sub, p) {
					if !seen[q] {
						seen[q] = true
						next = append(next, q)
					}
				}
			}
			cur = next
		}
		for _, p := range cur {
			if p == len(o.in) {
				return true
			}
		}
		return false
	}
	return false
}

func (o *oracle) altsViable(alts [][]*node, i int) bool {
	for _, seq := range alts {
		if o.seqViable(seq, 0, i) {
			return true
		}
	}
	return false
}

func (o *oracle) seqViable(seq []*node, k, i int) bool {
	if i == len(o.in) {
		return true
	}
	if k == len(seq) {
		return false
	}
	if o.viable(seq[k], i) {
		return true
	}
	for _, j := range o.endsOf(seq[k], i) {
		if o.seqViable(seq, k+1, j) {
			return true
		}
	}
	return false
}

// oracleViable reports whether text can still be continued to a sentence.
func oracleViable(g *Grammar, text []byte) bool {
	o := newOracle(g, text)
	if o == nil {
		return false
	}
	root := &node{kind: nodeRef, rule: g.root}
	return o.viable(root, 0)
}

// oracleComplete reports whether text is a sentence.
func oracleComplete(g *Grammar, text []byte) bool {
	o := newOracle(g, text)
	if o == nil {
		return false
	}
	if o.partial {
		return false
	}
	for _, p := range o.ruleEnds(g.root, 0) {
		if p == len(o.in) {
			return true
		}
	}
	return false
}
