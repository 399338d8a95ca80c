package chat

// Syntax tree of a template. Statements are nodes; expressions are exprs.
// Both carry the template line they came from for error messages.

type pos struct{ ln int }

func (p pos) line() int { return p.ln }

type node interface{ line() int }

type expr interface{ line() int }

type (
	textNode struct {
		pos
		text string
	}
	// outputNode prints its expressions ({{ x }} or {% print a, b %}).
	outputNode struct {
		pos
		exprs []expr
	}
	// ifNode holds elif branches as a nested ifNode in orelse.
	ifNode struct {
		pos
		cond         expr
		body, orelse []node
	}
	forNode struct {
		pos
		target       expr // nameExpr or tupleExpr of targets
		iter         expr
		cond         expr // the optional "if" filter, nil without one
		recursive    bool
		body, orelse []node
		// Frames of the body, the else block and the filter (see scope.go).
		bodySyms, elseSyms, testSyms *symbols
		usesLoop                     bool
	}
	setNode struct {
		pos
		target expr // nameExpr, nsRefExpr or tupleExpr
		value  expr
	}
	setBlockNode struct {
		pos
		target  expr
		filters []*filterExpr
		body    []node
		syms    *symbols
	}
	macroNode struct {
		pos
		def *macroDef
	}
	callBlockNode struct {
		pos
		call *callExpr
		def  *macroDef // the caller
	}
	filterBlockNode struct {
		pos
		filters []*filterExpr
		body    []node
		syms    *symbols
	}
	withNode struct {
		pos
		targets []expr
		values  []expr
		body    []node
		syms    *symbols
	}
	loopControlNode struct {
		pos
		isBreak bool
	}
	// generationNode is HF's {% generation %} tag; its body renders as is.
	generationNode struct {
		pos
		body []node
		syms *symbols
	}
)

type macroDef struct {
	name     string
	params   []string
	defaults []expr // for the last len(defaults) params
	body     []node
	// jinja2 only accepts extra arguments when the body mentions these names.
	usesVarargs, usesKwargs, usesCaller bool
	syms                                *symbols
}

type (
	constExpr struct {
		pos
		v any
	}
	nameExpr struct {
		pos
		name string
	}
	// nsRefExpr is the target ns.attr of {% set ns.attr = ... %}.
	nsRefExpr struct {
		pos
		name, attr string
	}
	listExpr struct {
		pos
		items []expr
	}
	tupleExpr struct {
		pos
		items []expr
	}
	dictExpr struct {
		pos
		keys, vals []expr
	}
	getattrExpr struct {
		pos
		obj  expr
		attr string
	}
	getitemExpr struct {
		pos
		obj, key expr
	}
	sliceExpr struct {
		pos
		start, stop, step expr // nil when omitted
	}
	callExpr struct {
		pos
		fn expr
		callArgs
	}
	filterExpr struct {
		pos
		x    expr // nil in {% filter %} and {% set %} blocks
		name string
		callArgs
	}
	testExpr struct {
		pos
		x    expr
		name string
		callArgs
	}
	unaryExpr struct {
		pos
		op string // "-", "+" or "not"
		x  expr
	}
	binExpr struct {
		pos
		op   string // + - * / // % ** and or
		l, r expr
	}
	concatExpr struct {
		pos
		parts []expr
	}
	compareExpr struct {
		pos
		first expr
		ops   []string // == != < <= > >= in notin
		rest  []expr
	}
	condExpr struct {
		pos
		test, then, orelse expr // orelse nil when omitted
	}
)

type callArgs struct {
	args      []expr
	kwargs    []kwExpr
	dynArgs   expr // *args
	dynKwargs expr // **kwargs
}

type kwExpr struct {
	name string
	val  expr
}
