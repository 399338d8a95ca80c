package chat

// Checks jinja2 makes when it compiles a template: every filter and test
// exists and break/continue sit inside a loop. Like jinja2's optimizer, the
// branch of an {% if %} on a constant that can never run is not checked.
// It also records which special names each macro body uses.

func validate(body []node, loops int) error {
	for _, n := range body {
		if err := validateNode(n, loops); err != nil {
			return err
		}
	}
	return nil
}

func validateNode(n node, loops int) error {
	switch n := n.(type) {
	case *outputNode:
		return validateExprs(n.exprs...)
	case *ifNode:
		if c, ok := n.cond.(*constExpr); ok {
			if truthy(c.v) {
				return validate(n.body, loops)
			}
			return validate(n.orelse, loops)
		}
		if err := validateExprs(n.cond); err != nil {
			return err
		}
		if err := validate(n.body, loops); err != nil {
			return err
		}
		return validate(n.orelse, loops)
	case *forNode:
		targetsLoop := false
		walkExpr(n.target, func(e expr) {
			if t, ok := e.(*nameExpr); ok && t.name == "loop" {
				targetsLoop = true
			}
		})
		if targetsLoop {
			return &Error{Kind: "TemplateAssertionError", Line: n.line(), Message: "Can't assign to special loop variable in for-loop target"}
		}
		if err := validateExprs(n.iter, n.cond); err != nil {
			return err
		}
		if err := validate(n.body, loops+1); err != nil {
			return err
		}
		return validate(n.orelse, loops)
	case *setNode:
		return validateExprs(n.value)
	case *setBlockNode:
		if err := validateFilters(n.filters); err != nil {
			return err
		}
		return validate(n.body, loops)
	case *macroNode:
		return validateMacro(n.def)
	case *callBlockNode:
		if err := validateExprs(n.call); err != nil {
			return err
		}
		return validateMacro(n.def)
	case *filterBlockNode:
		if err := validateFilters(n.filters); err != nil {
			return err
		}
		return validate(n.body, loops)
	case *withNode:
		if err := validateExprs(n.values...); err != nil {
			return err
		}
		return validate(n.body, loops)
	case *loopControlNode:
		if loops == 0 {
			word := "continue"
			if n.isBreak {
				word = "break"
			}
			return &Error{Kind: "TemplateSyntaxError", Line: n.line(), Message: "'" + word + "' outside loop"}
		}
	case *generationNode:
		return validate(n.body, 0)
	}
	return nil
}

func validateMacro(def *macroDef) error {
	if err := validateExprs(def.defaults...); err != nil {
		return err
	}
	mentioned := map[string]bool{}
	walkNodes(def.body, func(e expr) {
		if n, ok := e.(*nameExpr); ok {
			mentioned[n.name] = true
		}
	})
	def.usesVarargs, def.usesKwargs, def.usesCaller = mentioned["varargs"], mentioned["kwargs"], mentioned["caller"]
	return validate(def.body, 0)
}

func validateFilters(fs []*filterExpr) error {
	for _, f := range fs {
		if err := validateExprs(f); err != nil {
			return err
		}
	}
	return nil
}

func validateExprs(es ...expr) error {
	for _, e := range es {
		if e == nil {
			continue
		}
		var err error
		walkExpr(e, func(x expr) {
			if err != nil {
				return
			}
			switch x := x.(type) {
			case *filterExpr:
				if _, ok := filters[x.name]; !ok {
					err = &Error{Kind: "TemplateAssertionError", Line: x.line(), Message: "No filter named " + pyRepr(x.name) + "."}
				}
			case *testExpr:
				if _, ok := tests[x.name]; !ok {
					err = &Error{Kind: "TemplateAssertionError", Line: x.line(), Message: "No test named " + pyRepr(x.name) + "."}
				}
			}
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// walkExpr calls fn on e and every expression inside it.
func walkExpr(e expr, fn func(expr)) {
	if e == nil {
		return
	}
	fn(e)
	walkArgs := func(c callArgs) {
		for _, a := range c.args {
			walkExpr(a, fn)
		}
		for _, k := range c.kwargs {
			walkExpr(k.val, fn)
		}
		walkExpr(c.dynArgs, fn)
		walkExpr(c.dynKwargs, fn)
	}
	switch x := e.(type) {
	case *listExpr:
		for _, it := range x.items {
			walkExpr(it, fn)
		}
	case *tupleExpr:
		for _, it := range x.items {
			walkExpr(it, fn)
		}
	case *dictExpr:
		for i := range x.keys {
			walkExpr(x.keys[i], fn)
			walkExpr(x.vals[i], fn)
		}
	case *getattrExpr:
		walkExpr(x.obj, fn)
	case *getitemExpr:
		walkExpr(x.obj, fn)
		walkExpr(x.key, fn)
	case *sliceExpr:
		walkExpr(x.start, fn)
		walkExpr(x.stop, fn)
		walkExpr(x.step, fn)
	case *callExpr:
		walkExpr(x.fn, fn)
		walkArgs(x.callArgs)
	case *filterExpr:
		walkExpr(x.x, fn)
		walkArgs(x.callArgs)
	case *testExpr:
		walkExpr(x.x, fn)
		walkArgs(x.callArgs)
	case *unaryExpr:
		walkExpr(x.x, fn)
	case *binExpr:
		walkExpr(x.l, fn)
		walkExpr(x.r, fn)
	case *concatExpr:
		for _, p := range x.parts {
			walkExpr(p, fn)
		}
	case *compareExpr:
		walkExpr(x.first, fn)
		for _, r := range x.rest {
			walkExpr(r, fn)
		}
	case *condExpr:
		walkExpr(x.test, fn)
		walkExpr(x.then, fn)
		walkExpr(x.orelse, fn)
	}
}

// walkNodes calls fn on every expression in body, nested bodies included.
func walkNodes(body []node, fn func(expr)) {
	for _, n := range body {
		switch n := n.(type) {
		case *outputNode:
			for _, e := range n.exprs {
				walkExpr(e, fn)
			}
		case *ifNode:
			walkExpr(n.cond, fn)
			walkNodes(n.body, fn)
			walkNodes(n.orelse, fn)
		case *forNode:
			walkExpr(n.iter, fn)
			walkExpr(n.cond, fn)
			walkNodes(n.body, fn)
			walkNodes(n.orelse, fn)
		case *setNode:
			walkExpr(n.value, fn)
		case *setBlockNode:
			for _, f := range n.filters {
				walkExpr(f, fn)
			}
			walkNodes(n.body, fn)
		case *macroNode:
			for _, d := range n.def.defaults {
				walkExpr(d, fn)
			}
			walkNodes(n.def.body, fn)
		case *callBlockNode:
			walkExpr(n.call, fn)
			walkNodes(n.def.body, fn)
		case *filterBlockNode:
			for _, f := range n.filters {
				walkExpr(f, fn)
			}
			walkNodes(n.body, fn)
		case *withNode:
			for _, v := range n.values {
				walkExpr(v, fn)
			}
			walkNodes(n.body, fn)
		case *generationNode:
			walkNodes(n.body, fn)
		}
	}
}
