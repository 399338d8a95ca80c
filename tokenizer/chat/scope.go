package chat

// Variable scoping as jinja2 compiles it. jinja2 decides at compile time,
// per frame (the template, a loop body, a macro, a filter or set block, a
// with block), which variables belong to the frame and how each is set when
// the frame is entered: copied from the nearest enclosing frame that has it
// ("alias"), looked up in the render context ("resolve"), passed in (loop
// targets, macro parameters), or left unset ("undefined"). Reads go to the
// nearest frame that owns the name; writes go to the current frame. An
// {% if %} shares its frame. This reproduces jinja2's observable quirks, for
// example that a loop body sees a variable as undefined when the template
// only assigns it at top level after the loop, even if the caller passed it.

type loadKind uint8

const (
	loadUndefined loadKind = iota
	loadResolve
	loadAlias
	loadParam
)

type symbols struct {
	parent *symbols
	refs   map[string]loadKind // the names this frame owns
	stores map[string]bool
}

func newSymbols(parent *symbols) *symbols {
	return &symbols{parent: parent, refs: map[string]loadKind{}, stores: map[string]bool{}}
}

func (s *symbols) findRef(name string) bool {
	for ; s != nil; s = s.parent {
		if _, ok := s.refs[name]; ok {
			return true
		}
	}
	return false
}

func (s *symbols) load(name string) {
	if !s.findRef(name) {
		s.refs[name] = loadResolve
	}
}

func (s *symbols) store(name string) {
	s.stores[name] = true
	if _, ok := s.refs[name]; ok {
		return
	}
	if s.parent != nil && s.parent.findRef(name) {
		s.refs[name] = loadAlias
		return
	}
	s.refs[name] = loadUndefined
}

func (s *symbols) declareParam(name string) {
	s.stores[name] = true
	s.refs[name] = loadParam
}

func (s *symbols) copy() *symbols {
	c := newSymbols(s.parent)
	for k, v := range s.refs {
		c.refs[k] = v
	}
	for k := range s.stores {
		c.stores[k] = true
	}
	return c
}

// branchUpdate merges the symbols of an if's branches. A name assigned in
// some branch starts out as the outer value or the context's, since the
// branch that assigns it may not run.
func (s *symbols) branchUpdate(branches ...*symbols) {
	stored := map[string]bool{}
	for _, b := range branches {
		for name := range b.stores {
			if !s.stores[name] {
				stored[name] = true
			}
		}
	}
	for _, b := range branches {
		for k, v := range b.refs {
			s.refs[k] = v
		}
		for k := range b.stores {
			s.stores[k] = true
		}
	}
	for name := range stored {
		if s.parent != nil && s.parent.findRef(name) {
			s.refs[name] = loadAlias
		} else {
			s.refs[name] = loadResolve
		}
	}
}

// visitNodes records the names the statements of one frame load and store,
// in order, without entering nested frames (jinja2's FrameSymbolVisitor).
func (s *symbols) visitNodes(body []node) {
	for _, n := range body {
		switch n := n.(type) {
		case *outputNode:
			s.visitExprs(n.exprs...)
		case *ifNode:
			s.visitExprs(n.cond)
			thenSyms, elseSyms := s.copy(), s.copy()
			thenSyms.visitNodes(n.body)
			elseSyms.visitNodes(n.orelse)
			s.branchUpdate(thenSyms, elseSyms)
		case *forNode:
			s.visitExprs(n.iter)
		case *setNode:
			s.visitExprs(n.value)
			s.visitTarget(n.target, false)
		case *setBlockNode:
			s.visitTarget(n.target, false)
		case *macroNode:
			s.store(n.def.name)
		case *callBlockNode:
			s.visitExprs(n.call)
		case *filterBlockNode:
			for _, f := range n.filters {
				s.visitExprs(f)
			}
		case *withNode:
			s.visitExprs(n.values...)
		}
	}
}

func (s *symbols) visitExprs(es ...expr) {
	for _, e := range es {
		walkExpr(e, func(x expr) {
			if n, ok := x.(*nameExpr); ok {
				s.load(n.name)
			}
		})
	}
}

func (s *symbols) visitTarget(t expr, asParam bool) {
	switch t := t.(type) {
	case *nameExpr:
		if asParam {
			s.declareParam(t.name)
		} else {
			s.store(t.name)
		}
	case *nsRefExpr:
		s.load(t.name)
	case *tupleExpr:
		for _, it := range t.items {
			s.visitTarget(it, asParam)
		}
	}
}

// analyzeFrame fills in the symbols of a frame whose parameters are already
// declared, then of every frame nested in it.
func analyzeFrame(s *symbols, body []node) {
	s.visitNodes(body)
	analyzeChildren(s, body)
}

func analyzeChildren(s *symbols, body []node) {
	for _, n := range body {
		switch n := n.(type) {
		case *ifNode:
			analyzeChildren(s, n.body)
			analyzeChildren(s, n.orelse)
		case *forNode:
			n.usesLoop = n.recursive || mentions(n.body, "loop")
			n.bodySyms = newSymbols(s)
			if n.usesLoop {
				n.bodySyms.declareParam("loop")
			}
			n.bodySyms.visitTarget(n.target, true)
			analyzeFrame(n.bodySyms, n.body)
			n.elseSyms = newSymbols(s)
			analyzeFrame(n.elseSyms, n.orelse)
			if n.cond != nil {
				n.testSyms = newSymbols(s)
				n.testSyms.visitTarget(n.target, true)
				n.testSyms.visitExprs(n.cond)
			}
		case *macroNode:
			analyzeMacro(s, n.def)
		case *callBlockNode:
			analyzeMacro(s, n.def)
		case *filterBlockNode:
			n.syms = newSymbols(s)
			n.syms.visitNodes(n.body)
			for _, f := range n.filters {
				n.syms.visitExprs(f)
			}
			analyzeChildren(n.syms, n.body)
		case *setBlockNode:
			n.syms = newSymbols(s)
			n.syms.visitNodes(n.body)
			for _, f := range n.filters {
				n.syms.visitExprs(f)
			}
			analyzeChildren(n.syms, n.body)
		case *withNode:
			n.syms = newSymbols(s)
			for _, t := range n.targets {
				n.syms.visitTarget(t, true)
			}
			analyzeFrame(n.syms, n.body)
		case *generationNode:
			n.syms = newSymbols(s)
			analyzeFrame(n.syms, n.body)
		}
	}
}

func analyzeMacro(parent *symbols, def *macroDef) {
	s := newSymbols(parent)
	for _, p := range def.params {
		s.declareParam(p)
	}
	s.visitExprs(def.defaults...)
	s.visitNodes(def.body)
	if def.usesCaller {
		s.declareParam("caller")
	}
	if def.usesKwargs {
		s.declareParam("kwargs")
	}
	if def.usesVarargs {
		s.declareParam("varargs")
	}
	def.syms = s
	analyzeChildren(s, def.body)
}

// mentions reports whether body reads the variable name anywhere.
func mentions(body []node, name string) bool {
	found := false
	walkNodes(body, func(e expr) {
		if n, ok := e.(*nameExpr); ok && n.name == name {
			found = true
		}
	})
	return found
}

// frame holds the variables of one running frame.
type frame struct {
	syms     *symbols
	vars     map[string]any // absent means unset ("missing")
	parent   *frame
	toplevel bool // the template's own frame: assignments also go to the context
}

func newFrame(syms *symbols, parent *frame) *frame {
	return &frame{syms: syms, vars: map[string]any{}, parent: parent}
}

// enter initializes the frame's variables as jinja2 does on frame entry.
func (r *renderer) enter(f *frame) {
	for name, kind := range f.syms.refs {
		switch kind {
		case loadResolve:
			if v, ok := r.resolve(name); ok {
				f.vars[name] = v
			} else {
				delete(f.vars, name)
			}
		case loadAlias:
			if v, ok := f.parent.get(name); ok {
				f.vars[name] = v
			} else {
				delete(f.vars, name)
			}
		case loadUndefined:
			delete(f.vars, name)
		}
	}
}

// get reads name from the nearest frame that owns it.
func (f *frame) get(name string) (any, bool) {
	for ; f != nil; f = f.parent {
		if _, owned := f.syms.refs[name]; owned {
			v, ok := f.vars[name]
			return v, ok
		}
	}
	return nil, false
}

// resolve looks a name up in the render context: top-level assignments,
// then the variables passed to Render, then the globals.
func (r *renderer) resolve(name string) (any, bool) {
	if v, ok := r.ctxVars[name]; ok {
		return v, true
	}
	if v, ok := r.vars[name]; ok {
		return v, true
	}
	v, ok := r.globals[name]
	return v, ok
}

func (r *renderer) lookup(f *frame, name string) any {
	for fr := f; fr != nil; fr = fr.parent {
		if _, owned := fr.syms.refs[name]; owned {
			if v, ok := fr.vars[name]; ok {
				return v
			}
			return undefined{name: name}
		}
	}
	if v, ok := r.resolve(name); ok {
		return v
	}
	return undefined{name: name}
}

func (r *renderer) store(f *frame, name string, v any) {
	f.vars[name] = v
	if f.toplevel {
		r.ctxVars[name] = v
	}
}
