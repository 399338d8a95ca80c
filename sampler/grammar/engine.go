package grammar

import (
	"errors"
	"slices"
)

// stackID names an interned stack; 0 is the empty stack, which means the
// text so far is a complete sentence of the grammar.
type stackID int32

// setID names an interned, sorted set of stacks; 0 is the empty set (no way
// forward) and setFailed marks a step that exceeded the limits.
type setID int32

const (
	setDead    setID = 0
	setFailed  setID = -1
	setUnknown setID = -2 // an ASCII step not yet computed
)

// snode is the top of a stack: the element to match next (always a
// character once expanded) and the stack below it, which says where to
// continue when the current alternative ends.
type snode struct {
	pos    int32
	parent stackID
}

// engine runs a grammar over code points. Because stacks are interned,
// equal stacks are equal ids, stack sets are interned too, and the step
// from a set on a code point is computed once and cached.
type engine struct {
	g       *Grammar
	nodes   []snode
	nodeIdx map[snode]stackID
	sets    [][]stackID
	setIdx  map[string]setID
	trans   map[uint64]setID // step on non-ASCII code points
	matched map[string]setID // step by the stacks that matched, whatever the code point
	ascii   []*[128]setID    // per set, step on ASCII (setUnknown until computed)

	// Scratch for expansion: a visit stamp per stack, and buffers.
	visited []uint32
	stamp   uint32
	work    []stackID
	out     []stackID
	key     []byte

	start setID
	err   error // set when a step exceeded the limits; every later step fails
}

// Past these sizes the tables are rebuilt around the current state, so that
// a long generation does not keep every state it ever passed.
const (
	maxNodes = 1 << 20
	maxTrans = 1 << 21
	maxSets  = 1 << 16
)

func newEngine(g *Grammar) (*engine, error) {
	e := &engine{g: g}
	e.reset()
	var seeds []stackID
	for _, a := range g.crules[g.croot].alts {
		seeds = append(seeds, e.pushAlt(0, a))
	}
	e.start = e.expand(seeds)
	if e.start == setFailed {
		return nil, e.err
	}
	return e, nil
}

func (e *engine) reset() {
	e.nodes = e.nodes[:0]
	e.nodes = append(e.nodes, snode{pos: -1, parent: 0}) // the empty stack
	e.nodeIdx = map[snode]stackID{}
	e.sets = e.sets[:0]
	e.sets = append(e.sets, nil) // the dead set
	e.ascii = append(e.ascii[:0], nil)
	e.setIdx = map[string]setID{"": setDead}
	e.trans = map[uint64]setID{}
	e.matched = map[string]setID{}
	e.visited = e.visited[:0]
	e.visited = append(e.visited, 0)
}

// push interns the stack with pos on top of parent.
func (e *engine) push(parent stackID, pos int32) stackID {
	n := snode{pos, parent}
	if id, ok := e.nodeIdx[n]; ok {
		return id
	}
	id := stackID(len(e.nodes))
	e.nodes = append(e.nodes, n)
	e.visited = append(e.visited, 0)
	e.nodeIdx[n] = id
	return id
}

// pushAlt is the stack that starts alternative a with rest below it.
func (e *engine) pushAlt(rest stackID, a int32) stackID {
	if e.g.elems[a].kind == elemEnd {
		return rest
	}
	return e.push(rest, a)
}

// after is the stack once the element on top of s has been matched.
func (e *engine) after(s stackID) stackID {
	n := e.nodes[s]
	if e.g.elems[n.pos+1].kind == elemEnd {
		return n.parent
	}
	return e.push(n.parent, n.pos+1)
}

var errTooAmbiguous = errors.New("grammar: too many ways to continue at this position (more than the matcher's limits); simplify the grammar")

// expand replaces every stack whose top is a rule reference by one stack per
// alternative of that rule, until each top is a character (or the stack is
// empty), and interns the result. A stack met twice is expanded once, which
// also ends harmless cycles through nullable rules.
func (e *engine) expand(seeds []stackID) setID {
	if e.err != nil {
		// Once over the limits, always: the grammar is pathological and
		// retrying each code point would only spend the budget again.
		return setFailed
	}
	e.stamp++
	if e.stamp == 0 { // wrapped: clear the stamps
		clear(e.visited)
		e.stamp = 1
	}
	e.work = append(e.work[:0], seeds...)
	e.out = e.out[:0]
	pushed := len(seeds)
	for len(e.work) > 0 {
		s := e.work[len(e.work)-1]
		e.work = e.work[:len(e.work)-1]
		if e.visited[s] == e.stamp {
			continue
		}
		e.visited[s] = e.stamp
		if s == 0 {
			e.out = append(e.out, s)
			continue
		}
		n := e.nodes[s]
		el := e.g.elems[n.pos]
		if el.kind == elemChar {
			e.out = append(e.out, s)
			continue
		}
		// A reference: continue after it once the rule is done.
		alts := e.g.crules[el.arg].alts
		if pushed += len(alts); pushed > maxExpand {
			e.err = errTooAmbiguous
			return setFailed
		}
		rest := e.after(s)
		for _, a := range alts {
			e.work = append(e.work, e.pushAlt(rest, a))
		}
	}
	if len(e.out) > maxStacks {
		e.err = errTooAmbiguous
		return setFailed
	}
	slices.Sort(e.out)
	return e.intern(e.out)
}

func (e *engine) intern(stacks []stackID) setID {
	if len(stacks) == 0 {
		return setDead
	}
	e.key = e.key[:0]
	for _, s := range stacks {
		e.key = append(e.key, byte(s), byte(s>>8), byte(s>>16), byte(s>>24))
	}
	if id, ok := e.setIdx[string(e.key)]; ok { // no allocation for the lookup
		return id
	}
	id := setID(len(e.sets))
	e.sets = append(e.sets, slices.Clone(stacks))
	e.ascii = append(e.ascii, nil)
	e.setIdx[string(e.key)] = id
	return id
}

// step is the set after matching code point c from set s: setDead when no
// stack accepts c.
func (e *engine) step(s setID, c rune) setID {
	if c < 128 {
		tbl := e.ascii[s]
		if tbl == nil {
			tbl = new([128]setID)
			for i := range tbl {
				tbl[i] = setUnknown
			}
			e.ascii[s] = tbl
		}
		if next := tbl[c]; next != setUnknown {
			return next
		}
		next := e.stepSlow(s, c)
		tbl[c] = next
		return next
	}
	key := uint64(uint32(s))<<32 | uint64(uint32(c))
	if next, ok := e.trans[key]; ok {
		return next
	}
	next := e.stepSlow(s, c)
	e.trans[key] = next
	return next
}

func (e *engine) stepSlow(s setID, c rune) setID {
	// The result depends only on which stacks accept c: code points that
	// the same stacks accept (all the letters inside a string, say) share
	// one expansion.
	e.key = e.key[:0]
	for _, st := range e.sets[s] {
		if st != 0 && e.g.classes[e.g.elems[e.nodes[st].pos].arg].contains(c) {
			e.key = append(e.key, byte(st), byte(st>>8), byte(st>>16), byte(st>>24))
		}
	}
	if len(e.key) == 0 {
		return setDead
	}
	if next, ok := e.matched[string(e.key)]; ok {
		return next
	}
	key := string(e.key)
	seeds := make([]stackID, 0, len(key)/4)
	for i := 0; i < len(key); i += 4 {
		st := stackID(key[i]) | stackID(key[i+1])<<8 | stackID(key[i+2])<<16 | stackID(key[i+3])<<24
		seeds = append(seeds, e.after(st))
	}
	next := e.expand(seeds)
	e.matched[key] = next
	return next
}

// canMatch reports whether some stack of s accepts a code point in [lo, hi]:
// the test for a token that ends part-way through a UTF-8 sequence.
func (e *engine) canMatch(s setID, lo, hi rune) bool {
	for _, st := range e.sets[s] {
		if st == 0 {
			continue
		}
		if e.g.classes[e.g.elems[e.nodes[st].pos].arg].overlaps(lo, hi) {
			return true
		}
	}
	return false
}

// accepting reports whether s holds the empty stack.
func (e *engine) accepting(s setID) bool {
	st := e.sets[s]
	return len(st) > 0 && st[0] == 0
}

// compact rebuilds the tables around set s when they have grown large, and
// returns the id s has in the new tables.
func (e *engine) compact(s setID) setID {
	if len(e.nodes) < maxNodes && len(e.trans) < maxTrans && len(e.sets) < maxSets {
		return s
	}
	return e.rebuildAround(s)
}

// rebuildAround empties the tables, keeping only set s and the start set,
// and returns the new id of s.
func (e *engine) rebuildAround(s setID) setID {
	keep := e.chains(s)
	startChains := e.chains(e.start)
	e.reset()
	e.start = e.rebuild(startChains)
	return e.rebuild(keep)
}

// rebuild interns stacks given as node lists, top first, as a set.
func (e *engine) rebuild(chains [][]snode) setID {
	var ids []stackID
	for _, c := range chains {
		id := stackID(0)
		for i := len(c) - 1; i >= 0; i-- {
			id = e.push(id, c[i].pos)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return e.intern(slices.Compact(ids))
}

// chains lists the stacks of a set as node lists, top first.
func (e *engine) chains(s setID) [][]snode {
	var out [][]snode
	for _, st := range e.sets[s] {
		var c []snode
		for ; st != 0; st = e.nodes[st].parent {
			c = append(c, e.nodes[st])
		}
		out = append(out, c)
	}
	return out
}

// utf8State is a UTF-8 sequence read part-way: the bits seen so far, how
// many continuation bytes are still due and the sequence's length.
type utf8State struct {
	bits rune
	need uint8
	size uint8
}

type feedResult uint8

const (
	feedInvalid  feedResult = iota
	feedPartial             // more bytes are due
	feedComplete            // a whole code point
)

// feed adds byte b. On feedComplete the code point is returned and the new
// state is empty.
func (u utf8State) feed(b byte) (utf8State, rune, feedResult) {
	if u.need == 0 {
		switch {
		case b < 0x80:
			return utf8State{}, rune(b), feedComplete
		case b >= 0xC0 && b < 0xE0:
			u = utf8State{rune(b & 0x1F), 1, 2}
		case b >= 0xE0 && b < 0xF0:
			u = utf8State{rune(b & 0x0F), 2, 3}
		case b >= 0xF0 && b < 0xF8:
			u = utf8State{rune(b & 0x07), 3, 4}
		default:
			return u, 0, feedInvalid
		}
	} else {
		if b&0xC0 != 0x80 {
			return u, 0, feedInvalid
		}
		u.bits = u.bits<<6 | rune(b&0x3F)
		u.need--
	}
	lo, _, ok := u.bounds()
	if !ok {
		return u, 0, feedInvalid
	}
	if u.need == 0 { // no bits left open: lo == hi
		return utf8State{}, lo, feedComplete
	}
	return u, 0, feedPartial
}

// bounds is the range of code points the sequence can still become, false
// when none is valid (overlong forms, surrogates, beyond U+10FFFF).
func (u utf8State) bounds() (lo, hi rune, ok bool) {
	shift := 6 * uint(u.need)
	lo = u.bits << shift
	hi = lo | (1<<shift - 1)
	var min, max rune
	switch u.size {
	case 2:
		min, max = 0x80, 0x7FF
	case 3:
		min, max = 0x800, 0xFFFF
	default:
		min, max = 0x10000, maxRune
	}
	lo, hi = maxOf(lo, min), minOf(hi, max)
	if lo > hi || lo >= 0xD800 && hi <= 0xDFFF {
		return 0, 0, false
	}
	return lo, hi, true
}

func maxOf(a, b rune) rune {
	if a > b {
		return a
	}
	return b
}

func minOf(a, b rune) rune {
	if a < b {
		return a
	}
	return b
}

// state is where a matcher is: a stack set and a partial code point.
type state struct {
	set setID
	u8  utf8State
}

// feed advances st by the bytes b; ok is false when they cannot continue
// the grammar, and err says so when that is because a step exceeded the
// matcher's limits.
func (e *engine) feed(st state, b []byte) (_ state, ok bool, err error) {
	for _, c := range b {
		u, cp, r := st.u8.feed(c)
		switch r {
		case feedInvalid:
			return st, false, nil
		case feedPartial:
			lo, hi, _ := u.bounds()
			if !e.canMatch(st.set, lo, hi) {
				return st, false, nil
			}
			st.u8 = u
		case feedComplete:
			next := e.step(st.set, cp)
			if next == setFailed {
				return st, false, e.err
			}
			if next == setDead {
				return st, false, nil
			}
			st = state{set: next}
		}
	}
	return st, true, nil
}

// Accepts reports whether text is a whole sentence of the grammar.
func (g *Grammar) Accepts(text string) bool {
	e, err := newEngine(g)
	if err != nil {
		return false
	}
	st, ok, _ := e.feed(state{set: e.start}, []byte(text))
	return ok && st.u8.need == 0 && e.accepting(st.set)
}
