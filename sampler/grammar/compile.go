package grammar

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// compiler flattens the source rules into elems, turning groups and
// repetitions into generated rules the way llama.cpp does:
//
//	x*      → r ::= x r |
//	x+      → x r, r as above
//	x{2,4}  → x x r2,  r2 ::= x r1 |,  r1 ::= x |
//
// so that the matcher only ever sees characters, references and ends.
type compiler struct {
	g       *Grammar
	classes map[string]int32
	chars   map[rune]int32 // the one-character classes, the common case
	key     []byte
}

func (g *Grammar) compile() error {
	c := &compiler{g: g, classes: map[string]int32{}, chars: map[rune]int32{}}
	g.crules = make([]crule, len(g.rules))
	for i, r := range g.rules {
		g.crules[i] = crule{owner: int32(i), pos: r.pos}
	}
	for i, r := range g.rules {
		alts, err := c.alternatives(r.alts, int32(i), r.pos)
		if err != nil {
			return err
		}
		g.crules[i].alts = alts
	}
	g.croot = int32(g.root)
	return nil
}

// alternatives compiles each sequence to its own run of elems.
func (c *compiler) alternatives(alts [][]*node, owner int32, pos int) ([]int32, error) {
	var bodies [][]elem
	for _, seq := range alts {
		var body []elem
		for _, n := range seq {
			var err error
			if body, err = c.emit(body, n, owner, true); err != nil {
				return nil, err
			}
		}
		bodies = append(bodies, body)
	}
	starts := make([]int32, len(bodies))
	for i, body := range bodies {
		if len(c.g.elems)+len(body)+1 > maxElements {
			return nil, tooLarge(pos)
		}
		starts[i] = int32(len(c.g.elems))
		c.g.elems = append(c.g.elems, body...)
		c.g.elems = append(c.g.elems, elem{kind: elemEnd})
	}
	return starts, nil
}

// emit appends the elems of n to body. inline lets a one-alternative group
// be spliced in rather than referenced.
func (c *compiler) emit(body []elem, n *node, owner int32, inline bool) ([]elem, error) {
	if len(body) > maxElements {
		return nil, tooLarge(n.pos)
	}
	switch n.kind {
	case nodeLiteral:
		for _, r := range n.runes {
			body = append(body, elem{elemChar, c.class(class{{r, r}})})
		}
	case nodeClass:
		body = append(body, elem{elemChar, c.class(n.cls)})
	case nodeRef:
		body = append(body, elem{elemRef, int32(n.rule)})
	case nodeGroup:
		if inline && len(n.alts) == 1 {
			var err error
			for _, m := range n.alts[0] {
				if body, err = c.emit(body, m, owner, true); err != nil {
					return nil, err
				}
			}
			return body, nil
		}
		if n.grouped < 0 {
			id := c.newRule(owner, n.pos)
			n.grouped = id
			alts, err := c.alternatives(n.alts, owner, n.pos)
			if err != nil {
				return nil, err
			}
			c.g.crules[id].alts = alts
		}
		body = append(body, elem{elemRef, int32(n.grouped)})
	case nodeRepeat:
		// Emit the repeated item once; when it is more than one element
		// and is copied, make it a rule, so that nested repetitions
		// (x{2}{2}{2}...) grow linearly rather than exponentially.
		unit, err := c.emit(nil, n.sub, owner, false)
		if err != nil {
			return nil, err
		}
		copies := n.min + 1
		if n.max >= 0 {
			copies = n.max
		}
		if len(unit) > 1 && copies > 1 {
			id := c.newRule(owner, n.pos)
			if err := c.setAlts(id, unit); err != nil {
				return nil, err
			}
			unit = []elem{{elemRef, int32(id)}}
		}
		for i := 0; i < n.min; i++ {
			if len(body)+len(unit) > maxElements {
				return nil, tooLarge(n.pos)
			}
			body = append(body, unit...)
		}
		if n.max < 0 {
			// r ::= unit r |
			id := c.newRule(owner, n.pos)
			rec := append(slices.Clone(unit), elem{elemRef, int32(id)})
			if err := c.setAlts(id, rec, nil); err != nil {
				return nil, err
			}
			return append(body, elem{elemRef, int32(id)}), nil
		}
		// The optional copies nest: r1 ::= unit |, rk ::= unit r(k-1) |.
		inner := int32(-1)
		for k := n.min; k < n.max; k++ {
			id := c.newRule(owner, n.pos)
			alt := slices.Clone(unit)
			if inner >= 0 {
				alt = append(alt, elem{elemRef, inner})
			}
			if err := c.setAlts(id, alt, nil); err != nil {
				return nil, err
			}
			inner = int32(id)
		}
		if inner >= 0 {
			body = append(body, elem{elemRef, inner})
		}
	}
	return body, nil
}

func tooLarge(pos int) error {
	return &posError{pos, fmt.Sprintf("grammar larger than %d elements once repetitions are expanded", maxElements)}
}

func (c *compiler) newRule(owner int32, pos int) int {
	c.g.crules = append(c.g.crules, crule{owner: owner, pos: pos})
	return len(c.g.crules) - 1
}

func (c *compiler) setAlts(id int, bodies ...[]elem) error {
	var starts []int32
	for _, body := range bodies {
		if len(c.g.elems)+len(body)+1 > maxElements {
			return tooLarge(c.g.crules[id].pos)
		}
		starts = append(starts, int32(len(c.g.elems)))
		c.g.elems = append(c.g.elems, body...)
		c.g.elems = append(c.g.elems, elem{kind: elemEnd})
	}
	c.g.crules[id].alts = starts
	return nil
}

// class interns a character class.
func (c *compiler) class(k class) int32 {
	single := len(k) == 1 && k[0].lo == k[0].hi
	if single {
		if id, ok := c.chars[k[0].lo]; ok {
			return id
		}
	}
	c.key = c.key[:0]
	for _, r := range k {
		c.key = binary.LittleEndian.AppendUint32(c.key, uint32(r.lo))
		c.key = binary.LittleEndian.AppendUint32(c.key, uint32(r.hi))
	}
	if id, ok := c.classes[string(c.key)]; ok {
		return id
	}
	id := int32(len(c.g.classes))
	c.g.classes = append(c.g.classes, k)
	c.classes[string(c.key)] = id
	if single {
		c.chars[k[0].lo] = id
	}
	return id
}

// nullable reports, for every compiled rule, whether it can match the empty
// string. A worklist keeps it linear in the grammar's size.
func (g *Grammar) nullable() []bool {
	null := make([]bool, len(g.crules))
	// pending[alt] counts the references of an alternative not yet known
	// nullable; an alternative with a character never becomes nullable.
	var pending []int
	var altRule []int
	users := make([][]int, len(g.crules)) // rule → alternatives referencing it
	var work []int
	for r, cr := range g.crules {
		for _, start := range cr.alts {
			a := len(pending)
			altRule = append(altRule, r)
			n := 0
			for p := start; g.elems[p].kind != elemEnd; p++ {
				switch g.elems[p].kind {
				case elemChar:
					n = -1 << 30
				case elemRef:
					n++
					users[g.elems[p].arg] = append(users[g.elems[p].arg], a)
				}
			}
			pending = append(pending, n)
			if n == 0 && !null[r] {
				null[r] = true
				work = append(work, r)
			}
		}
	}
	for len(work) > 0 {
		r := work[len(work)-1]
		work = work[:len(work)-1]
		for _, a := range users[r] {
			pending[a]--
			if pending[a] == 0 && !null[altRule[a]] {
				null[altRule[a]] = true
				work = append(work, altRule[a])
			}
		}
	}
	return null
}

// checkLeftRecursion rejects rules that can reach themselves before
// consuming a character with something left to match afterwards (a ::= a
// "x"): expanding them never ends. A rule that reaches itself only in tail
// position after nullable items (r ::= x? r |) is harmless, since the
// matcher's expansion meets the same stack again and stops.
func (g *Grammar) checkLeftRecursion() error {
	null := g.nullable()
	type edge struct {
		to      int32
		growing bool // something follows the reference
	}
	adj := make([][]edge, len(g.crules))
	for r, cr := range g.crules {
		for _, start := range cr.alts {
			for p := start; g.elems[p].kind == elemRef; p++ {
				to := g.elems[p].arg
				adj[r] = append(adj[r], edge{to, g.elems[p+1].kind != elemEnd})
				if !null[to] {
					break
				}
			}
		}
	}
	comp := stronglyConnected(len(adj), func(v int, visit func(int)) {
		for _, e := range adj[v] {
			visit(int(e.to))
		}
	})
	for r, es := range adj {
		for _, e := range es {
			if e.growing && comp[r] == comp[e.to] {
				owner := g.crules[r]
				return &posError{owner.pos, fmt.Sprintf("rule %q is left-recursive: it can reach itself without consuming a character", g.ownerName(r))}
			}
		}
	}
	return nil
}

// ownerName is the source rule a compiled rule came from.
func (g *Grammar) ownerName(r int) string { return g.rules[g.crules[r].owner].name }

// stronglyConnected labels each vertex with its component (Tarjan's
// algorithm, iterative so that long chains of rules cannot overflow the
// stack).
func stronglyConnected(n int, succ func(v int, visit func(int))) []int {
	index := make([]int, n)
	low := make([]int, n)
	comp := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	next, ncomp := 0, 0
	type frame struct {
		v     int
		succs []int
		i     int
	}
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		var frames []frame
		push := func(v int) {
			index[v], low[v] = next, next
			next++
			stack = append(stack, v)
			onStack[v] = true
			var ss []int
			succ(v, func(w int) { ss = append(ss, w) })
			frames = append(frames, frame{v: v, succs: ss})
		}
		push(root)
		for len(frames) > 0 {
			f := &frames[len(frames)-1]
			if f.i < len(f.succs) {
				w := f.succs[f.i]
				f.i++
				if index[w] < 0 {
					push(w)
				} else if onStack[w] && index[w] < low[f.v] {
					low[f.v] = index[w]
				}
				continue
			}
			v := f.v
			frames = frames[:len(frames)-1]
			if len(frames) > 0 {
				p := &frames[len(frames)-1]
				if low[v] < low[p.v] {
					low[p.v] = low[v]
				}
			}
			if low[v] == index[v] {
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp[w] = ncomp
					if w == v {
						break
					}
				}
				ncomp++
			}
		}
	}
	return comp
}
