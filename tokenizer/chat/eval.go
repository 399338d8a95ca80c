package chat

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Limits that keep a hostile template from running away. Real chat templates
// stay far below them.
const (
	defaultMaxSteps  = 10_000_000 // statements, loop iterations and calls
	defaultMaxOutput = 16 << 20   // bytes in any string or the output
	maxCallDepth     = 200        // nested macro calls
	maxRange         = 100_000    // jinja2's sandbox MAX_RANGE
)

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

type macro struct {
	def   *macroDef
	frame *frame // where it was defined; names resolve there at call time
}

type loopCtx struct {
	items   []any
	i       int
	depth0  int
	changed []any
	seen    bool
	recurse func(r *renderer, v any) (any, error)
}

type renderer struct {
	vars      map[string]any // variables passed to Render
	globals   map[string]any
	ctxVars   map[string]any // top-level assignments
	out       *strings.Builder
	now       time.Time
	steps     int
	maxSteps  int
	maxOutput int
	depth     int
}

func (r *renderer) step() error {
	r.steps++
	if r.steps > r.maxSteps {
		return errf("LimitError", "template ran more than %d steps", r.maxSteps)
	}
	return nil
}

// checkSize refuses strings and lists larger than the output limit before
// they are built.
func (r *renderer) checkSize(n int) error {
	if n > r.maxOutput || n < 0 {
		return errf("LimitError", "result larger than %d bytes", r.maxOutput)
	}
	return nil
}

func (r *renderer) write(s string) error {
	if err := r.checkSize(r.out.Len() + len(s)); err != nil {
		return err
	}
	r.out.WriteString(s)
	return nil
}

// capture runs fn with output going to a fresh buffer and returns the text.
func (r *renderer) capture(fn func() error) (string, error) {
	saved := r.out
	r.out = &strings.Builder{}
	err := fn()
	text := r.out.String()
	r.out = saved
	return text, err
}

func errf(kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// atLine fills in the line of an error that does not have one yet.
func atLine(err error, line int) error {
	var e *Error
	if errors.As(err, &e) && e.Line == 0 {
		e.Line = line
	}
	return err
}

func (r *renderer) exec(body []node, f *frame) error {
	for _, n := range body {
		if err := r.step(); err != nil {
			return atLine(err, n.line())
		}
		if err := r.execNode(n, f); err != nil {
			return atLine(err, n.line())
		}
	}
	return nil
}

func (r *renderer) execNode(n node, f *frame) error {
	switch n := n.(type) {
	case *textNode:
		return r.write(n.text)
	case *outputNode:
		for _, e := range n.exprs {
			v, err := r.eval(e, f)
			if err != nil {
				return err
			}
			if err := r.write(strOf(v)); err != nil {
				return err
			}
		}
	case *ifNode:
		v, err := r.eval(n.cond, f)
		if err != nil {
			return err
		}
		if truthy(v) {
			return r.exec(n.body, f)
		}
		return r.exec(n.orelse, f)
	case *forNode:
		iter, err := r.eval(n.iter, f)
		if err != nil {
			return err
		}
		_, err = r.loop(n, f, iter, 0, false)
		return err
	case *setNode:
		v, err := r.eval(n.value, f)
		if err != nil {
			return err
		}
		return r.assign(n.target, v, f)
	case *setBlockNode:
		block := newFrame(n.syms, f)
		r.enter(block)
		text, err := r.capture(func() error { return r.exec(n.body, block) })
		if err != nil {
			return err
		}
		v, err := r.filterChain(n.filters, text, block)
		if err != nil {
			return err
		}
		return r.assign(n.target, v, f)
	case *macroNode:
		r.store(f, n.def.name, &macro{def: n.def, frame: f})
	case *callBlockNode:
		caller := &macro{def: n.def, frame: f}
		v, err := r.evalCall(n.call, f, caller)
		if err != nil {
			return err
		}
		return r.write(strOf(v))
	case *filterBlockNode:
		block := newFrame(n.syms, f)
		r.enter(block)
		text, err := r.capture(func() error { return r.exec(n.body, block) })
		if err != nil {
			return err
		}
		v, err := r.filterChain(n.filters, text, block)
		if err != nil {
			return err
		}
		return r.write(strOf(v))
	case *withNode:
		inner := newFrame(n.syms, f)
		r.enter(inner)
		for i, t := range n.targets {
			v, err := r.eval(n.values[i], f)
			if err != nil {
				return err
			}
			if err := r.assign(t, v, inner); err != nil {
				return err
			}
		}
		return r.exec(n.body, inner)
	case *loopControlNode:
		if n.isBreak {
			return errBreak
		}
		return errContinue
	case *generationNode:
		inner := newFrame(n.syms, f)
		r.enter(inner)
		return r.exec(n.body, inner)
	default:
		return fmt.Errorf("chat: unknown node %T", n)
	}
	return nil
}

// loop runs a for loop over iter. For recursive loops a call of loop(x)
// renders the same body over x one level deeper and returns the text.
func (r *renderer) loop(n *forNode, f *frame, iter any, depth0 int, captured bool) (any, error) {
	if iter == nil {
		return nil, errf("TypeError", "'NoneType' object is not iterable")
	}
	items, err := iterate(iter)
	if err != nil {
		return nil, err
	}
	if n.cond != nil {
		test := newFrame(n.testSyms, f)
		r.enter(test)
		var kept []any
		for _, it := range items {
			if err := r.step(); err != nil {
				return nil, err
			}
			if err := r.assign(n.target, it, test); err != nil {
				return nil, err
			}
			ok, err := r.eval(n.cond, test)
			if err != nil {
				return nil, err
			}
			if truthy(ok) {
				// jinja2's filter yields the unpacked targets, so a tuple
				// target turns each item into a tuple (seen in previtem).
				kept = append(kept, packTarget(n.target, test, it))
			}
		}
		items = kept
	}
	runElse := func() error {
		orelse := newFrame(n.elseSyms, f)
		r.enter(orelse)
		return r.exec(n.orelse, orelse)
	}
	run := func() error {
		if len(items) == 0 {
			return runElse()
		}
		// jinja2 runs the else block unless some iteration reached the end
		// of the body: break and continue skip that point.
		completed := false
		lp := &loopCtx{items: items, depth0: depth0}
		if n.recursive {
			lp.recurse = func(r *renderer, v any) (any, error) { return r.loop(n, f, v, depth0+1, true) }
		}
		// One frame for the whole loop, re-entered on every iteration, like
		// the Python locals jinja2 compiles a loop body to.
		body := newFrame(n.bodySyms, f)
		for i, it := range items {
			if err := r.step(); err != nil {
				return err
			}
			lp.i = i
			r.enter(body)
			if n.usesLoop {
				body.vars["loop"] = lp
			}
			if err := r.assign(n.target, it, body); err != nil {
				return err
			}
			err := r.exec(n.body, body)
			if err == errBreak {
				break
			}
			if err == nil {
				completed = true
			} else if err != errContinue {
				return err
			}
		}
		if !completed && len(n.orelse) > 0 {
			return runElse()
		}
		return nil
	}
	if captured {
		return r.capture(run)
	}
	return nil, run()
}

// packTarget rebuilds a loop item from the variables its target assigned.
func packTarget(target expr, f *frame, item any) any {
	switch t := target.(type) {
	case *nameExpr:
		v, _ := f.get(t.name)
		return v
	case *tupleExpr:
		out := make(tuple, len(t.items))
		for i, it := range t.items {
			out[i] = packTarget(it, f, nil)
		}
		return out
	}
	return item
}

func (r *renderer) assign(target expr, v any, f *frame) error {
	switch t := target.(type) {
	case *nameExpr:
		r.store(f, t.name, v)
		return nil
	case *nsRefExpr:
		obj := r.lookup(f, t.name)
		ns, ok := obj.(*namespace)
		if !ok {
			return errf("TemplateRuntimeError", "cannot assign attribute on non-namespace object")
		}
		ns.attrs.setStr(t.attr, v)
		return nil
	case *tupleExpr:
		switch v.(type) {
		case []any, tuple, string, markup, *dict, undefined:
		default:
			return errf("TypeError", "cannot unpack non-iterable %s object", typeName(v))
		}
		items, err := iterate(v)
		if err != nil {
			return err
		}
		if len(items) > len(t.items) {
			return errf("ValueError", "too many values to unpack (expected %d)", len(t.items))
		}
		if len(items) < len(t.items) {
			return errf("ValueError", "not enough values to unpack (expected %d, got %d)", len(t.items), len(items))
		}
		for i, it := range t.items {
			if err := r.assign(it, items[i], f); err != nil {
				return err
			}
		}
		return nil
	}
	return errf("TemplateSyntaxError", "can't assign to %s", exprKind(target))
}

func (r *renderer) eval(e expr, f *frame) (any, error) {
	v, err := r.evalExpr(e, f)
	if err != nil {
		return nil, atLine(err, e.line())
	}
	return v, nil
}

func (r *renderer) evalExpr(e expr, f *frame) (any, error) {
	switch e := e.(type) {
	case *constExpr:
		return e.v, nil
	case *nameExpr:
		return r.lookup(f, e.name), nil
	case *listExpr:
		items, err := r.evalList(e.items, f)
		return items, err
	case *tupleExpr:
		items, err := r.evalList(e.items, f)
		return tuple(items), err
	case *dictExpr:
		d := newDict()
		for i, ke := range e.keys {
			k, err := r.eval(ke, f)
			if err != nil {
				return nil, err
			}
			v, err := r.eval(e.vals[i], f)
			if err != nil {
				return nil, err
			}
			if err := d.set(k, v); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *getattrExpr:
		obj, err := r.eval(e.obj, f)
		if err != nil {
			return nil, err
		}
		return getattr(obj, e.attr)
	case *getitemExpr:
		obj, err := r.eval(e.obj, f)
		if err != nil {
			return nil, err
		}
		if s, ok := e.key.(*sliceExpr); ok {
			return r.evalSlice(obj, s, f)
		}
		key, err := r.eval(e.key, f)
		if err != nil {
			return nil, err
		}
		return getitem(obj, key)
	case *sliceExpr:
		return nil, errf("TypeError", "a slice is only allowed in a subscript")
	case *callExpr:
		return r.evalCall(e, f, nil)
	case *filterExpr:
		x, err := r.eval(e.x, f)
		if err != nil {
			return nil, err
		}
		args, kw, err := r.evalArgs(e.callArgs, f)
		if err != nil {
			return nil, err
		}
		return r.applyFilter(e.name, x, args, kw)
	case *testExpr:
		x, err := r.eval(e.x, f)
		if err != nil {
			return nil, err
		}
		args, kw, err := r.evalArgs(e.callArgs, f)
		if err != nil {
			return nil, err
		}
		ok, err := r.applyTest(e.name, x, args, kw)
		return ok, err
	case *unaryExpr:
		x, err := r.eval(e.x, f)
		if err != nil {
			return nil, err
		}
		if e.op == "not" {
			return !truthy(x), nil
		}
		return unaryOp(e.op, x)
	case *binExpr:
		l, err := r.eval(e.l, f)
		if err != nil {
			return nil, err
		}
		switch e.op {
		case "and":
			if !truthy(l) {
				return l, nil
			}
			return r.eval(e.r, f)
		case "or":
			if truthy(l) {
				return l, nil
			}
			return r.eval(e.r, f)
		}
		rv, err := r.eval(e.r, f)
		if err != nil {
			return nil, err
		}
		return r.binOp(e.op, l, rv)
	case *concatExpr:
		var b strings.Builder
		for _, p := range e.parts {
			v, err := r.eval(p, f)
			if err != nil {
				return nil, err
			}
			s := strOf(v)
			if err := r.checkSize(b.Len() + len(s)); err != nil {
				return nil, err
			}
			b.WriteString(s)
		}
		return b.String(), nil
	case *compareExpr:
		left, err := r.eval(e.first, f)
		if err != nil {
			return nil, err
		}
		for i, op := range e.ops {
			right, err := r.eval(e.rest[i], f)
			if err != nil {
				return nil, err
			}
			ok, err := compareOp(op, left, right)
			if err != nil {
				return nil, err
			}
			if !ok {
				return false, nil
			}
			left = right
		}
		return true, nil
	case *condExpr:
		t, err := r.eval(e.test, f)
		if err != nil {
			return nil, err
		}
		if truthy(t) {
			return r.eval(e.then, f)
		}
		if e.orelse == nil {
			return undefined{hint: fmt.Sprintf("the inline if-expression on line %d evaluated to false and no else section was defined.", e.line())}, nil
		}
		return r.eval(e.orelse, f)
	case *nsRefExpr:
		return nil, errf("TemplateSyntaxError", "namespace reference outside of an assignment")
	}
	return nil, fmt.Errorf("chat: unknown expression %T", e)
}

func (r *renderer) evalList(es []expr, f *frame) ([]any, error) {
	out := make([]any, len(es))
	for i, e := range es {
		v, err := r.eval(e, f)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (r *renderer) evalArgs(c callArgs, f *frame) ([]any, []kwArg, error) {
	args, err := r.evalList(c.args, f)
	if err != nil {
		return nil, nil, err
	}
	var kw []kwArg
	for _, k := range c.kwargs {
		v, err := r.eval(k.val, f)
		if err != nil {
			return nil, nil, err
		}
		kw = append(kw, kwArg{k.name, v})
	}
	if c.dynArgs != nil {
		v, err := r.eval(c.dynArgs, f)
		if err != nil {
			return nil, nil, err
		}
		items, err := iterate(v)
		if err != nil {
			return nil, nil, err
		}
		args = append(args, items...)
	}
	if c.dynKwargs != nil {
		v, err := r.eval(c.dynKwargs, f)
		if err != nil {
			return nil, nil, err
		}
		d, ok := v.(*dict)
		if !ok {
			return nil, nil, errf("TypeError", "argument after ** must be a mapping, not %s", typeName(v))
		}
		for i, k := range d.keys {
			ks, ok := k.(string)
			if !ok {
				return nil, nil, errf("TypeError", "keywords must be strings")
			}
			kw = append(kw, kwArg{ks, d.vals[i]})
		}
	}
	return args, kw, nil
}

func (r *renderer) evalCall(e *callExpr, f *frame, caller *macro) (any, error) {
	fn, err := r.eval(e.fn, f)
	if err != nil {
		return nil, err
	}
	args, kw, err := r.evalArgs(e.callArgs, f)
	if err != nil {
		return nil, err
	}
	if caller != nil {
		kw = append(kw, kwArg{"caller", caller})
	}
	return r.call(fn, args, kw)
}

func (r *renderer) call(fn any, args []any, kw []kwArg) (any, error) {
	if err := r.step(); err != nil {
		return nil, err
	}
	switch f := fn.(type) {
	case *function:
		return f.call(r, args, kw)
	case *macro:
		return r.callMacro(f, args, kw)
	case *loopCtx:
		if f.recurse == nil {
			return nil, errf("TypeError", "The loop must have the 'recursive' marker to be called recursively.")
		}
		if len(args) != 1 || len(kw) > 0 {
			return nil, errf("TypeError", "loop() takes exactly one argument")
		}
		r.depth++
		defer func() { r.depth-- }()
		if r.depth > maxCallDepth {
			return nil, errf("RecursionError", "maximum recursion depth exceeded")
		}
		return f.recurse(r, args[0])
	case undefined:
		return nil, f.fail()
	}
	return nil, errf("TypeError", "%s object is not callable", pyRepr(typeName(fn)))
}

// callMacro binds arguments the way jinja2's Macro.__call__ does.
func (r *renderer) callMacro(m *macro, args []any, kw []kwArg) (any, error) {
	r.depth++
	defer func() { r.depth-- }()
	if r.depth > maxCallDepth {
		return nil, errf("RecursionError", "maximum recursion depth exceeded")
	}
	def := m.def
	f := newFrame(def.syms, m.frame)
	r.enter(f)
	rest := append([]kwArg(nil), kw...)
	pop := func(name string) (any, bool) {
		for i, k := range rest {
			if k.name == name {
				rest = append(rest[:i], rest[i+1:]...)
				return k.val, true
			}
		}
		return nil, false
	}
	set := map[string]bool{}
	for i, p := range def.params {
		if i < len(args) {
			f.vars[p], set[p] = args[i], true
		} else if v, ok := pop(p); ok {
			f.vars[p], set[p] = v, true
		}
	}
	if def.usesCaller {
		if c, ok := pop("caller"); ok && c != nil {
			f.vars["caller"] = c
		} else {
			f.vars["caller"] = undefined{hint: "No caller defined", name: "caller"}
		}
	}
	if def.usesKwargs {
		extra := newDict()
		for _, k := range rest {
			extra.setStr(k.name, k.val)
		}
		f.vars["kwargs"] = extra
	} else if len(rest) > 0 {
		if _, ok := pop("caller"); ok {
			return nil, errf("TypeError", "macro %s was invoked with two values for the special caller argument. This is most likely a bug.", pyRepr(def.name))
		}
		return nil, errf("TypeError", "macro %s takes no keyword argument %s", pyRepr(def.name), pyRepr(rest[0].name))
	}
	if def.usesVarargs {
		if len(args) > len(def.params) {
			f.vars["varargs"] = tuple(args[len(def.params):])
		} else {
			f.vars["varargs"] = tuple{}
		}
	} else if len(args) > len(def.params) {
		return nil, errf("TypeError", "macro %s takes not more than %d argument(s)", pyRepr(def.name), len(def.params))
	}
	firstDefault := len(def.params) - len(def.defaults)
	for i, p := range def.params {
		if set[p] {
			continue
		}
		if i >= firstDefault {
			v, err := r.eval(def.defaults[i-firstDefault], f)
			if err != nil {
				return nil, err
			}
			f.vars[p] = v
		} else {
			f.vars[p] = undefined{hint: fmt.Sprintf("parameter %s was not provided", pyRepr(p)), name: p}
		}
	}
	return r.capture(func() error { return r.exec(def.body, f) })
}

func (r *renderer) filterChain(filters []*filterExpr, v any, f *frame) (any, error) {
	for _, flt := range filters {
		args, kw, err := r.evalArgs(flt.callArgs, f)
		if err != nil {
			return nil, atLine(err, flt.line())
		}
		if v, err = r.applyFilter(flt.name, v, args, kw); err != nil {
			return nil, atLine(err, flt.line())
		}
	}
	return v, nil
}

func (r *renderer) evalSlice(obj any, s *sliceExpr, f *frame) (any, error) {
	var bounds [3]any
	for i, e := range []expr{s.start, s.stop, s.step} {
		if e == nil {
			continue
		}
		v, err := r.eval(e, f)
		if err != nil {
			return nil, err
		}
		bounds[i] = v
	}
	// jinja2 compiles slicing to a plain Python subscript, so errors are
	// Python's rather than undefined values.
	switch o := obj.(type) {
	case undefined:
		return nil, o.fail()
	case string, markup, []any, tuple:
	case *pyRange:
		obj = o.items()
	case *dict:
		return nil, errf("TypeError", "unhashable type: 'slice'")
	default:
		return nil, errf("TypeError", "%s object is not subscriptable", pyRepr(typeName(obj)))
	}
	var idx [3]*int64
	for i, b := range bounds {
		switch x := b.(type) {
		case nil:
		case bool, int64:
			_, n, _, _ := number(x)
			idx[i] = &n
		default:
			return nil, errf("TypeError", "slice indices must be integers or None or have an __index__ method")
		}
	}
	step := int64(1)
	if idx[2] != nil {
		step = *idx[2]
		if step == 0 {
			return nil, errf("ValueError", "slice step cannot be zero")
		}
	}
	pick := func(n int) []int {
		return sliceIndices(n, idx[0], idx[1], step)
	}
	switch x := obj.(type) {
	case string, markup:
		s, _ := asString(x)
		runes := []rune(s)
		var b strings.Builder
		for _, i := range pick(len(runes)) {
			b.WriteRune(runes[i])
		}
		if _, ok := x.(markup); ok {
			return markup(b.String()), nil
		}
		return b.String(), nil
	case []any:
		out := []any{}
		for _, i := range pick(len(x)) {
			out = append(out, x[i])
		}
		return out, nil
	case tuple:
		out := tuple{}
		for _, i := range pick(len(x)) {
			out = append(out, x[i])
		}
		return out, nil
	}
	return undefinedAttr(obj, "slice"), nil
}

// sliceIndices lists the indices Python's seq[start:stop:step] selects.
func sliceIndices(n int, start, stop *int64, step int64) []int {
	ln := int64(n)
	adjust := func(p *int64, def, lower, upper int64) int64 {
		if p == nil {
			return def
		}
		v := *p
		if v < 0 {
			v += ln
			if v < lower {
				v = lower
			}
		} else if v > upper {
			v = upper
		}
		return v
	}
	var lo, hi int64
	if step > 0 {
		lo, hi = adjust(start, 0, 0, ln), adjust(stop, ln, 0, ln)
	} else {
		lo, hi = adjust(start, ln-1, -1, ln-1), adjust(stop, -1, -1, ln-1)
	}
	var out []int
	if step > 0 {
		for i := lo; i < hi; i += step {
			out = append(out, int(i))
		}
	} else {
		for i := lo; i > hi; i += step {
			out = append(out, int(i))
		}
	}
	return out
}

func compareOp(op string, l, r any) (bool, error) {
	switch op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in":
		return contains(r, l)
	case "notin":
		ok, err := contains(r, l)
		return !ok, err
	}
	c, err := compare(l, r, op)
	if err != nil {
		return false, err
	}
	switch op {
	case "<":
		return c < 0, nil
	case "<=":
		return c <= 0, nil
	case ">":
		return c > 0, nil
	default:
		return c >= 0, nil
	}
}

func unaryOp(op string, x any) (any, error) {
	if u, ok := x.(undefined); ok {
		return nil, u.fail()
	}
	f, i, isInt, ok := number(x)
	if !ok {
		return nil, errf("TypeError", "bad operand type for unary %s: %s", op, pyRepr(typeName(x)))
	}
	if op == "+" {
		if isInt {
			return i, nil
		}
		return f, nil
	}
	if isInt {
		if i == math.MinInt64 {
			return nil, errf("OverflowError", "integer overflow")
		}
		return -i, nil
	}
	return -f, nil
}

// binOp is Python's arithmetic and sequence operators.
func (r *renderer) binOp(op string, a, b any) (any, error) {
	if u, ok := a.(undefined); ok {
		return nil, u.fail()
	}
	if u, ok := b.(undefined); ok {
		// str.__mod__ runs before Undefined can object, and accepts it as a
		// mapping: 'a' % undefined is 'a'.
		if _, isStr := asString(a); !isStr || op != "%" {
			return nil, u.fail()
		}
	}
	af, ai, aInt, aNum := number(a)
	bf, bi, bInt, bNum := number(b)
	if aNum && bNum {
		return numOp(op, af, ai, aInt, bf, bi, bInt)
	}
	switch op {
	case "+":
		return r.add(a, b)
	case "*":
		// seq * n and n * seq
		seq, n, nInt, nNum := a, bi, bInt, bNum
		if aNum {
			seq, n, nInt, nNum = b, ai, aInt, aNum
		}
		if nNum {
			if !nInt {
				return nil, errf("TypeError", "can't multiply sequence by non-int of type 'float'")
			}
			return r.repeat(seq, n)
		}
	case "%":
		if s, ok := asString(a); ok {
			_, isMarkup := a.(markup)
			if isMarkup {
				// Markup escapes the text it formats in.
				if t, ok := b.(tuple); ok {
					b = tuple(escapeArgs(t))
				} else {
					b = escapeArgs([]any{b})[0]
				}
			}
			out, err := pyPercent(s, b)
			if err != nil {
				return nil, err
			}
			if isMarkup {
				return markup(out), nil
			}
			return out, nil
		}
	}
	return nil, errf("TypeError", "unsupported operand type(s) for %s: %s and %s", op, pyRepr(typeName(a)), pyRepr(typeName(b)))
}

func (r *renderer) add(a, b any) (any, error) {
	switch x := a.(type) {
	case string:
		switch y := b.(type) {
		case string:
			if err := r.checkSize(len(x) + len(y)); err != nil {
				return nil, err
			}
			return x + y, nil
		case markup:
			return markup(htmlEscape(x) + string(y)), nil
		}
		return nil, errf("TypeError", "can only concatenate str (not %q) to str", typeName(b))
	case markup:
		if y, ok := asString(b); ok {
			if _, isMarkup := b.(markup); !isMarkup {
				y = htmlEscape(y)
			}
			if err := r.checkSize(len(x) + len(y)); err != nil {
				return nil, err
			}
			return markup(string(x) + y), nil
		}
	case []any:
		if y, ok := b.([]any); ok {
			if err := r.checkSize(len(x) + len(y)); err != nil {
				return nil, err
			}
			return append(append([]any{}, x...), y...), nil
		}
		return nil, errf("TypeError", "can only concatenate list (not %q) to list", typeName(b))
	case tuple:
		if y, ok := b.(tuple); ok {
			if err := r.checkSize(len(x) + len(y)); err != nil {
				return nil, err
			}
			return append(append(tuple{}, x...), y...), nil
		}
		return nil, errf("TypeError", "can only concatenate tuple (not %q) to tuple", typeName(b))
	}
	return nil, errf("TypeError", "unsupported operand type(s) for +: %s and %s", pyRepr(typeName(a)), pyRepr(typeName(b)))
}

// repeat is seq * n.
func (r *renderer) repeat(seq any, n int64) (any, error) {
	if n < 0 {
		n = 0
	}
	var unit int
	switch x := seq.(type) {
	case string:
		unit = len(x)
	case markup:
		unit = len(x)
	case []any:
		unit = len(x)
	case tuple:
		unit = len(x)
	default:
		return nil, errf("TypeError", "can't multiply sequence by non-int of type %s", pyRepr(typeName(seq)))
	}
	if unit > 0 && n > int64(r.maxOutput/unit) {
		return nil, errf("LimitError", "result larger than %d bytes", r.maxOutput)
	}
	switch x := seq.(type) {
	case string:
		return strings.Repeat(x, int(n)), nil
	case markup:
		return markup(strings.Repeat(string(x), int(n))), nil
	case []any:
		out := make([]any, 0, len(x)*int(n))
		for range n {
			out = append(out, x...)
		}
		return out, nil
	default:
		t := seq.(tuple)
		out := make(tuple, 0, len(t)*int(n))
		for range n {
			out = append(out, t...)
		}
		return out, nil
	}
}

func numOp(op string, af float64, ai int64, aInt bool, bf float64, bi int64, bInt bool) (any, error) {
	bothInt := aInt && bInt
	overflow := errf("OverflowError", "integer overflow")
	switch op {
	case "+":
		if bothInt {
			s := ai + bi
			if (s > ai) != (bi > 0) {
				return nil, overflow
			}
			return s, nil
		}
		return af + bf, nil
	case "-":
		if bothInt {
			d := ai - bi
			if (d < ai) != (bi > 0) {
				return nil, overflow
			}
			return d, nil
		}
		return af - bf, nil
	case "*":
		if bothInt {
			if ai != 0 && bi != 0 {
				p := ai * bi
				if p/bi != ai || (ai == -1 && bi == math.MinInt64) || (bi == -1 && ai == math.MinInt64) {
					return nil, overflow
				}
				return p, nil
			}
			return int64(0), nil
		}
		return af * bf, nil
	case "/":
		if bf == 0 {
			return nil, errf("ZeroDivisionError", "division by zero")
		}
		return af / bf, nil
	case "//", "%":
		if bothInt {
			if bi == 0 {
				if op == "//" {
					return nil, errf("ZeroDivisionError", "integer division or modulo by zero")
				}
				return nil, errf("ZeroDivisionError", "integer modulo by zero")
			}
			if ai == math.MinInt64 && bi == -1 {
				return nil, overflow
			}
			q, m := ai/bi, ai%bi
			if m != 0 && (m < 0) != (bi < 0) {
				q--
				m += bi
			}
			if op == "//" {
				return q, nil
			}
			return m, nil
		}
		if bf == 0 {
			if op == "//" {
				return nil, errf("ZeroDivisionError", "float floor division by zero")
			}
			return nil, errf("ZeroDivisionError", "float modulo")
		}
		div, mod := floatDivmod(af, bf)
		if op == "//" {
			return div, nil
		}
		return mod, nil
	case "**":
		if bothInt && bi >= 0 {
			switch ai {
			case 0:
				if bi == 0 {
					return int64(1), nil
				}
				return int64(0), nil
			case 1:
				return int64(1), nil
			case -1:
				if bi%2 == 0 {
					return int64(1), nil
				}
				return int64(-1), nil
			}
			result := int64(1)
			for e := int64(0); e < bi; e++ { // at most 63 rounds before overflow
				p := result * ai
				if p/ai != result {
					return nil, overflow
				}
				result = p
			}
			return result, nil
		}
		if af == 0 && bf < 0 {
			return nil, errf("ZeroDivisionError", "0.0 cannot be raised to a negative power")
		}
		p := math.Pow(af, bf)
		if math.IsInf(p, 0) && !math.IsInf(af, 0) && !math.IsInf(bf, 0) {
			return nil, errf("OverflowError", "(34, 'Numerical result out of range')")
		}
		return p, nil
	}
	return nil, errf("TypeError", "unsupported operand %s", op)
}

// floatDivmod is Python's divmod for floats.
func floatDivmod(vx, wx float64) (float64, float64) {
	mod := math.Mod(vx, wx)
	div := (vx - mod) / wx
	if mod != 0 {
		if (wx < 0) != (mod < 0) {
			mod += wx
			div -= 1
		}
	} else {
		mod = math.Copysign(0, wx)
	}
	var floordiv float64
	if div != 0 {
		floordiv = math.Floor(div)
		if div-floordiv > 0.5 {
			floordiv++
		}
	} else {
		floordiv = math.Copysign(0, vx/wx)
	}
	return floordiv, mod
}

// getattr is jinja2's sandboxed attribute lookup: a Python attribute
// (method) first, then an item.
func getattr(obj any, name string) (any, error) {
	if u, ok := obj.(undefined); ok {
		return nil, u.fail()
	}
	if strings.HasPrefix(name, "__") {
		return undefined{hint: fmt.Sprintf("access to attribute %s of %s object is unsafe.", pyRepr(name), pyRepr(typeName(obj))), kind: "SecurityError"}, nil
	}
	if m, ok := method(obj, name); ok {
		return m, nil
	}
	switch o := obj.(type) {
	case *dict:
		if v, ok, _ := o.get(name); ok {
			return v, nil
		}
	case *namespace:
		if v, ok, _ := o.attrs.get(name); ok {
			return v, nil
		}
	case *loopCtx:
		if v, ok := o.attr(name); ok {
			return v, nil
		}
	case tuple:
		// groupby's (grouper, list) pairs are named tuples.
		if len(o) == 2 && name == "grouper" {
			return o[0], nil
		}
		if len(o) == 2 && name == "list" {
			return o[1], nil
		}
	}
	return undefinedAttr(obj, name), nil
}

// getitem is jinja2's sandboxed subscript: an item first, then (for string
// keys) an attribute.
func getitem(obj any, key any) (any, error) {
	switch o := obj.(type) {
	case undefined:
		return nil, o.fail()
	case *dict:
		if v, ok, err := o.get(key); err == nil && ok {
			return v, nil
		}
	case []any:
		if v, ok := index(o, key); ok {
			return v, nil
		}
	case tuple:
		if v, ok := index(o, key); ok {
			return v, nil
		}
	case *pyRange:
		if v, ok := index(o.items(), key); ok {
			return v, nil
		}
	case string, markup:
		s, _ := asString(o)
		if _, isInt := key.(int64); isInt {
			runes := []rune(s)
			items := make([]any, len(runes))
			for i, c := range runes {
				items[i] = string(c)
			}
			if v, ok := index(items, key); ok {
				if _, m := o.(markup); m {
					return markup(v.(string)), nil
				}
				return v, nil
			}
		}
	}
	if s, ok := key.(string); ok {
		return getattr(obj, s)
	}
	return undefinedAttr(obj, key), nil
}

func index(items []any, key any) (any, bool) {
	var i int64
	switch k := key.(type) {
	case int64:
		i = k
	case bool:
		if k {
			i = 1
		}
	default:
		return nil, false
	}
	if i < 0 {
		i += int64(len(items))
	}
	if i < 0 || i >= int64(len(items)) {
		return nil, false
	}
	return items[i], true
}

func (lp *loopCtx) attr(name string) (any, bool) {
	n := len(lp.items)
	switch name {
	case "index0":
		return int64(lp.i), true
	case "index":
		return int64(lp.i + 1), true
	case "revindex":
		return int64(n - lp.i), true
	case "revindex0":
		return int64(n - lp.i - 1), true
	case "first":
		return lp.i == 0, true
	case "last":
		return lp.i == n-1, true
	case "length":
		return int64(n), true
	case "depth":
		return int64(lp.depth0 + 1), true
	case "depth0":
		return int64(lp.depth0), true
	case "previtem":
		if lp.i == 0 {
			return undefined{hint: "there is no previous item", name: "previtem"}, true
		}
		return lp.items[lp.i-1], true
	case "nextitem":
		if lp.i >= n-1 {
			return undefined{hint: "there is no next item", name: "nextitem"}, true
		}
		return lp.items[lp.i+1], true
	case "cycle":
		return &function{name: "cycle", call: func(r *renderer, args []any, kw []kwArg) (any, error) {
			if len(args) == 0 {
				return nil, errf("TypeError", "no items for cycling given")
			}
			return args[lp.i%len(args)], nil
		}}, true
	case "changed":
		return &function{name: "changed", call: func(r *renderer, args []any, kw []kwArg) (any, error) {
			if lp.seen && equalSeq(lp.changed, args) {
				return false, nil
			}
			lp.seen, lp.changed = true, args
			return true, nil
		}}, true
	}
	return nil, false
}
