package chat

import (
	"fmt"
	"strings"
)

// maxNesting bounds how deeply statements and expressions may nest, so that
// hostile templates cannot exhaust the stack.
const maxNesting = 200

// parser builds the syntax tree with jinja2's grammar and precedence.
type parser struct {
	toks     []token
	i        int
	depth    int
	endStack [][]string // end tags being looked for, for error messages
	tagStack []string
}

func parse(src string) ([]node, *symbols, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, nil, err
	}
	p := &parser{toks: toks}
	body, err := p.subparse(nil)
	if err != nil {
		return nil, nil, err
	}
	if err := validate(body, 0); err != nil {
		return nil, nil, err
	}
	root := newSymbols(nil)
	analyzeFrame(root, body)
	return body, root, nil
}

func (p *parser) cur() token { return p.toks[p.i] }

func (p *parser) look() token {
	if p.i+1 < len(p.toks) {
		return p.toks[p.i+1]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.i]
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

func (p *parser) fail(line int, format string, args ...any) error {
	return &Error{Kind: "TemplateSyntaxError", Line: line, Message: fmt.Sprintf(format, args...)}
}

func (p *parser) isOp(op string) bool { t := p.cur(); return t.kind == tOp && t.val == op }

func (p *parser) isName(name string) bool { t := p.cur(); return t.kind == tName && t.val == name }

func (p *parser) skipOp(op string) bool {
	if p.isOp(op) {
		p.next()
		return true
	}
	return false
}

func (p *parser) skipName(name string) bool {
	if p.isName(name) {
		p.next()
		return true
	}
	return false
}

func (p *parser) expectKind(kind tokKind, what string) (token, error) {
	t := p.cur()
	if t.kind != kind {
		return t, p.unexpected(what)
	}
	return p.next(), nil
}

func (p *parser) expectOp(op string) error {
	if !p.isOp(op) {
		return p.unexpected(op)
	}
	p.next()
	return nil
}

func (p *parser) expectName(name string) error {
	if !p.isName(name) {
		return p.unexpected(name)
	}
	p.next()
	return nil
}

func (p *parser) unexpected(want string) error {
	t := p.cur()
	if t.kind == tEOF {
		return p.fail(t.line, "unexpected end of template, expected %s.", pyRepr(want))
	}
	return p.fail(t.line, "expected token %s, got %s", pyRepr(want), pyRepr(t.describe()))
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxNesting {
		return p.fail(p.cur().line, "template nested more than %d levels deep", maxNesting)
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

func (p *parser) atEnd(endTokens []string) bool {
	t := p.cur()
	if t.kind != tName {
		return false
	}
	for _, e := range endTokens {
		if t.val == e {
			return true
		}
	}
	return false
}

func (p *parser) subparse(endTokens []string) ([]node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if endTokens != nil {
		p.endStack = append(p.endStack, endTokens)
		defer func() { p.endStack = p.endStack[:len(p.endStack)-1] }()
	}
	var body []node
	for {
		t := p.cur()
		switch t.kind {
		case tEOF:
			return body, nil
		case tData:
			p.next()
			body = append(body, &textNode{pos{t.line}, t.val})
		case tVarBegin:
			p.next()
			e, err := p.parseTuple(false, true, nil, false, false)
			if err != nil {
				return nil, err
			}
			if _, err := p.expectKind(tVarEnd, "end of print statement"); err != nil {
				return nil, err
			}
			body = append(body, &outputNode{pos{t.line}, []expr{e}})
		case tBlockBegin:
			p.next()
			if endTokens != nil && p.atEnd(endTokens) {
				return body, nil
			}
			n, err := p.parseStatement()
			if err != nil {
				return nil, err
			}
			body = append(body, n)
			if _, err := p.expectKind(tBlockEnd, "end of statement block"); err != nil {
				return nil, err
			}
		default:
			return nil, p.fail(t.line, "unexpected %s", pyRepr(t.describe()))
		}
	}
}

// parseStatements parses a statement body up to one of endTokens, leaving the
// end tag's name as the current token unless dropNeedle.
func (p *parser) parseStatements(endTokens []string, dropNeedle bool) ([]node, error) {
	p.skipOp(":")
	if _, err := p.expectKind(tBlockEnd, "end of statement block"); err != nil {
		return nil, err
	}
	body, err := p.subparse(endTokens)
	if err != nil {
		return nil, err
	}
	if p.cur().kind == tEOF {
		return nil, p.failEOF(endTokens)
	}
	if dropNeedle {
		p.next()
	}
	return body, nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = pyRepr(n)
	}
	return strings.Join(q, " or ")
}

func (p *parser) failEOF(endTokens []string) error {
	msg := "Unexpected end of template."
	if len(endTokens) > 0 {
		msg += " Jinja was looking for the following tags: " + quoteList(endTokens) + "."
	}
	if len(p.tagStack) > 0 {
		msg += " The innermost block that needs to be closed is " + pyRepr(p.tagStack[len(p.tagStack)-1]) + "."
	}
	return p.fail(p.cur().line, "%s", msg)
}

func (p *parser) parseStatement() (node, error) {
	t := p.cur()
	if t.kind != tName {
		return nil, p.fail(t.line, "tag name expected")
	}
	p.tagStack = append(p.tagStack, t.val)
	defer func() { p.tagStack = p.tagStack[:len(p.tagStack)-1] }()
	switch t.val {
	case "for":
		return p.parseFor()
	case "if":
		return p.parseIf()
	case "set":
		return p.parseSet()
	case "macro":
		return p.parseMacro()
	case "call":
		return p.parseCallBlock()
	case "filter":
		return p.parseFilterBlock()
	case "with":
		return p.parseWith()
	case "print":
		return p.parsePrint()
	case "break", "continue":
		p.next()
		return &loopControlNode{pos{t.line}, t.val == "break"}, nil
	case "generation":
		p.next()
		body, err := p.parseStatements([]string{"endgeneration"}, true)
		if err != nil {
			return nil, err
		}
		return &generationNode{pos: pos{t.line}, body: body}, nil
	case "block", "extends", "include", "import", "from", "autoescape":
		return nil, p.fail(t.line, "the %s tag is not supported in chat templates", pyRepr(t.val))
	}
	msg := "Encountered unknown tag " + pyRepr(t.val) + "."
	if len(p.endStack) > 0 {
		msg += " Jinja was looking for the following tags: " + quoteList(p.endStack[len(p.endStack)-1]) + "."
	}
	return nil, p.fail(t.line, "%s", msg)
}

func (p *parser) parseFor() (node, error) {
	line := p.next().line
	target, err := p.parseAssignTarget(true, false, []string{"in"}, false)
	if err != nil {
		return nil, err
	}
	if err := p.expectName("in"); err != nil {
		return nil, err
	}
	iter, err := p.parseTuple(false, false, []string{"recursive"}, false, false)
	if err != nil {
		return nil, err
	}
	n := &forNode{pos: pos{line}, target: target, iter: iter}
	if p.skipName("if") {
		if n.cond, err = p.parseExpression(true); err != nil {
			return nil, err
		}
	}
	n.recursive = p.skipName("recursive")
	if n.body, err = p.parseStatements([]string{"endfor", "else"}, false); err != nil {
		return nil, err
	}
	if p.next().val == "else" {
		if n.orelse, err = p.parseStatements([]string{"endfor"}, true); err != nil {
			return nil, err
		}
	}
	return n, nil
}

func (p *parser) parseIf() (node, error) {
	line := p.next().line
	root := &ifNode{pos: pos{line}}
	n := root
	for {
		cond, err := p.parseTuple(false, false, nil, false, false)
		if err != nil {
			return nil, err
		}
		n.cond = cond
		if n.body, err = p.parseStatements([]string{"elif", "else", "endif"}, false); err != nil {
			return nil, err
		}
		t := p.next()
		switch t.val {
		case "elif":
			elif := &ifNode{pos: pos{t.line}}
			n.orelse = []node{elif}
			n = elif
			continue
		case "else":
			if n.orelse, err = p.parseStatements([]string{"endif"}, true); err != nil {
				return nil, err
			}
		}
		return root, nil
	}
}

func (p *parser) parseSet() (node, error) {
	line := p.next().line
	target, err := p.parseAssignTarget(true, false, nil, true)
	if err != nil {
		return nil, err
	}
	if p.skipOp("=") {
		value, err := p.parseTuple(false, true, nil, false, false)
		if err != nil {
			return nil, err
		}
		return &setNode{pos{line}, target, value}, nil
	}
	filters, err := p.parseFilterChain(false)
	if err != nil {
		return nil, err
	}
	body, err := p.parseStatements([]string{"endset"}, true)
	if err != nil {
		return nil, err
	}
	return &setBlockNode{pos: pos{line}, target: target, filters: filters, body: body}, nil
}

func (p *parser) parseMacro() (node, error) {
	line := p.next().line
	name, err := p.expectKind(tName, "name")
	if err != nil {
		return nil, err
	}
	def := &macroDef{name: name.val}
	if err := p.parseSignature(def); err != nil {
		return nil, err
	}
	if def.body, err = p.parseStatements([]string{"endmacro"}, true); err != nil {
		return nil, err
	}
	return &macroNode{pos{line}, def}, nil
}

func (p *parser) parseSignature(def *macroDef) error {
	if err := p.expectOp("("); err != nil {
		return err
	}
	for !p.isOp(")") {
		if len(def.params) > 0 {
			if err := p.expectOp(","); err != nil {
				return err
			}
		}
		name, err := p.expectKind(tName, "name")
		if err != nil {
			return err
		}
		if p.skipOp("=") {
			d, err := p.parseExpression(true)
			if err != nil {
				return err
			}
			def.defaults = append(def.defaults, d)
		} else if len(def.defaults) > 0 {
			return p.fail(name.line, "non-default argument follows default argument")
		}
		def.params = append(def.params, name.val)
	}
	p.next()
	return nil
}

func (p *parser) parseCallBlock() (node, error) {
	line := p.next().line
	def := &macroDef{name: "caller"}
	if p.isOp("(") {
		if err := p.parseSignature(def); err != nil {
			return nil, err
		}
	}
	e, err := p.parseExpression(true)
	if err != nil {
		return nil, err
	}
	call, ok := e.(*callExpr)
	if !ok {
		return nil, p.fail(line, "expected call")
	}
	if def.body, err = p.parseStatements([]string{"endcall"}, true); err != nil {
		return nil, err
	}
	return &callBlockNode{pos{line}, call, def}, nil
}

func (p *parser) parseFilterBlock() (node, error) {
	line := p.next().line
	filters, err := p.parseFilterChain(true)
	if err != nil {
		return nil, err
	}
	body, err := p.parseStatements([]string{"endfilter"}, true)
	if err != nil {
		return nil, err
	}
	return &filterBlockNode{pos: pos{line}, filters: filters, body: body}, nil
}

func (p *parser) parseWith() (node, error) {
	line := p.next().line
	n := &withNode{pos: pos{line}}
	for p.cur().kind != tBlockEnd {
		if len(n.targets) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		target, err := p.parseAssignTarget(true, false, nil, false)
		if err != nil {
			return nil, err
		}
		if err := p.expectOp("="); err != nil {
			return nil, err
		}
		value, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		n.targets = append(n.targets, target)
		n.values = append(n.values, value)
	}
	var err error
	if n.body, err = p.parseStatements([]string{"endwith"}, true); err != nil {
		return nil, err
	}
	return n, nil
}

func (p *parser) parsePrint() (node, error) {
	line := p.next().line
	n := &outputNode{pos: pos{line}}
	for p.cur().kind != tBlockEnd {
		if len(n.exprs) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		n.exprs = append(n.exprs, e)
	}
	return n, nil
}

// parseAssignTarget parses the left side of set/for/with.
func (p *parser) parseAssignTarget(withTuple, nameOnly bool, extraEnd []string, withNamespace bool) (expr, error) {
	var target expr
	var err error
	if nameOnly {
		t, err := p.expectKind(tName, "name")
		if err != nil {
			return nil, err
		}
		return &nameExpr{pos{t.line}, t.val}, nil
	}
	if withTuple {
		target, err = p.parseTuple(true, true, extraEnd, false, withNamespace)
	} else {
		target, err = p.parsePrimary(withNamespace)
	}
	if err != nil {
		return nil, err
	}
	if !canAssign(target) {
		return nil, p.fail(target.line(), "can't assign to %s", pyRepr(exprKind(target)))
	}
	return target, nil
}

func canAssign(e expr) bool {
	switch x := e.(type) {
	case *nameExpr, *nsRefExpr:
		return true
	case *tupleExpr:
		for _, it := range x.items {
			if !canAssign(it) {
				return false
			}
		}
		return true
	}
	return false
}

func exprKind(e expr) string {
	switch e.(type) {
	case *constExpr:
		return "const"
	case *listExpr:
		return "list"
	case *dictExpr:
		return "dict"
	case *callExpr:
		return "call"
	}
	return "expression"
}

func (p *parser) isTupleEnd(extraEnd []string) bool {
	switch t := p.cur(); t.kind {
	case tVarEnd, tBlockEnd:
		return true
	case tOp:
		return t.val == ")"
	case tName:
		for _, e := range extraEnd {
			if t.val == e {
				return true
			}
		}
	}
	return false
}

// parseTuple parses one expression, or a tuple when commas follow.
func (p *parser) parseTuple(simplified, withCondExpr bool, extraEnd []string, explicitParens, withNamespace bool) (expr, error) {
	line := p.cur().line
	var items []expr
	isTuple := false
	for {
		if len(items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if p.isTupleEnd(extraEnd) {
			break
		}
		var e expr
		var err error
		if simplified {
			e, err = p.parsePrimary(withNamespace)
		} else {
			e, err = p.parseExpression(withCondExpr)
		}
		if err != nil {
			return nil, err
		}
		items = append(items, e)
		if !p.isOp(",") {
			break
		}
		isTuple = true
	}
	if !isTuple {
		if len(items) > 0 {
			return items[0], nil
		}
		if !explicitParens {
			return nil, p.fail(p.cur().line, "Expected an expression, got %s", pyRepr(p.cur().describe()))
		}
	}
	return &tupleExpr{pos{line}, items}, nil
}

func (p *parser) parseExpression(withCondExpr bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	if withCondExpr {
		return p.parseCondExpr()
	}
	return p.parseOr()
}

func (p *parser) parseCondExpr() (expr, error) {
	line := p.cur().line
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	for p.skipName("if") {
		test, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		var orelse expr
		if p.skipName("else") {
			if orelse, err = p.parseCondExpr(); err != nil {
				return nil, err
			}
		}
		e = &condExpr{pos{line}, test, e, orelse}
		line = p.cur().line
	}
	return e, nil
}

func (p *parser) parseOr() (expr, error) {
	line := p.cur().line
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.skipName("or") {
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{line}, "or", l, r}
	}
	return l, nil
}

func (p *parser) parseAnd() (expr, error) {
	line := p.cur().line
	l, err := p.parseNot()
	if err != nil {
		return nil, err
	}
	for p.skipName("and") {
		r, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{line}, "and", l, r}
	}
	return l, nil
}

func (p *parser) parseNot() (expr, error) {
	if p.isName("not") {
		line := p.next().line
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer p.leave()
		x, err := p.parseNot()
		if err != nil {
			return nil, err
		}
		return &unaryExpr{pos{line}, "not", x}, nil
	}
	return p.parseCompare()
}

var compareOps = map[string]bool{"==": true, "!=": true, "<": true, "<=": true, ">": true, ">=": true}

func (p *parser) parseCompare() (expr, error) {
	line := p.cur().line
	first, err := p.parseMath1()
	if err != nil {
		return nil, err
	}
	c := &compareExpr{pos: pos{line}, first: first}
	for {
		t := p.cur()
		var op string
		switch {
		case t.kind == tOp && compareOps[t.val]:
			p.next()
			op = t.val
		case p.isName("in"):
			p.next()
			op = "in"
		case p.isName("not") && p.look().kind == tName && p.look().val == "in":
			p.next()
			p.next()
			op = "notin"
		}
		if op == "" {
			break
		}
		r, err := p.parseMath1()
		if err != nil {
			return nil, err
		}
		c.ops = append(c.ops, op)
		c.rest = append(c.rest, r)
	}
	if len(c.ops) == 0 {
		return first, nil
	}
	return c, nil
}

func (p *parser) parseBinary(ops []string, operand func() (expr, error)) (expr, error) {
	line := p.cur().line
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for {
		t := p.cur()
		matched := ""
		if t.kind == tOp {
			for _, op := range ops {
				if t.val == op {
					matched = op
				}
			}
		}
		if matched == "" {
			return l, nil
		}
		p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &binExpr{pos{line}, matched, l, r}
	}
}

func (p *parser) parseMath1() (expr, error) {
	return p.parseBinary([]string{"+", "-"}, p.parseConcat)
}

func (p *parser) parseConcat() (expr, error) {
	line := p.cur().line
	first, err := p.parseMath2()
	if err != nil {
		return nil, err
	}
	parts := []expr{first}
	for p.skipOp("~") {
		e, err := p.parseMath2()
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
	}
	if len(parts) == 1 {
		return first, nil
	}
	return &concatExpr{pos{line}, parts}, nil
}

func (p *parser) parseMath2() (expr, error) {
	return p.parseBinary([]string{"*", "/", "//", "%"}, p.parsePow)
}

func (p *parser) parsePow() (expr, error) {
	return p.parseBinary([]string{"**"}, func() (expr, error) { return p.parseUnary(true) })
}

func (p *parser) parseUnary(withFilter bool) (expr, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer p.leave()
	t := p.cur()
	var e expr
	var err error
	if t.kind == tOp && (t.val == "-" || t.val == "+") {
		p.next()
		x, err := p.parseUnary(false)
		if err != nil {
			return nil, err
		}
		e = &unaryExpr{pos{t.line}, t.val, x}
	} else if e, err = p.parsePrimary(false); err != nil {
		return nil, err
	}
	if e, err = p.parsePostfix(e); err != nil {
		return nil, err
	}
	if withFilter {
		return p.parseFilterExpr(e)
	}
	return e, nil
}

func (p *parser) parsePrimary(withNamespace bool) (expr, error) {
	t := p.cur()
	switch t.kind {
	case tName:
		p.next()
		switch t.val {
		case "true", "True":
			return &constExpr{pos{t.line}, true}, nil
		case "false", "False":
			return &constExpr{pos{t.line}, false}, nil
		case "none", "None":
			return &constExpr{pos{t.line}, nil}, nil
		}
		if withNamespace && p.isOp(".") {
			p.next()
			attr, err := p.expectKind(tName, "name")
			if err != nil {
				return nil, err
			}
			return &nsRefExpr{pos{t.line}, t.val, attr.val}, nil
		}
		return &nameExpr{pos{t.line}, t.val}, nil
	case tString:
		p.next()
		s := t.val
		for p.cur().kind == tString {
			s += p.next().val
		}
		return &constExpr{pos{t.line}, s}, nil
	case tInt, tFloat:
		p.next()
		return &constExpr{pos{t.line}, t.num}, nil
	case tOp:
		switch t.val {
		case "(":
			p.next()
			e, err := p.parseTuple(false, true, nil, true, false)
			if err != nil {
				return nil, err
			}
			if err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		case "[":
			return p.parseList()
		case "{":
			return p.parseDict()
		}
	}
	return nil, p.fail(t.line, "unexpected %s", pyRepr(t.describe()))
}

func (p *parser) parseList() (expr, error) {
	line := p.next().line
	l := &listExpr{pos: pos{line}}
	for !p.isOp("]") {
		if len(l.items) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if p.isOp("]") {
			break
		}
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		l.items = append(l.items, e)
	}
	return l, p.expectOp("]")
}

func (p *parser) parseDict() (expr, error) {
	line := p.next().line
	d := &dictExpr{pos: pos{line}}
	for !p.isOp("}") {
		if len(d.keys) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		if p.isOp("}") {
			break
		}
		k, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		if err := p.expectOp(":"); err != nil {
			return nil, err
		}
		v, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		d.keys = append(d.keys, k)
		d.vals = append(d.vals, v)
	}
	return d, p.expectOp("}")
}

func (p *parser) parsePostfix(e expr) (expr, error) {
	for {
		var err error
		switch {
		case p.isOp(".") || p.isOp("["):
			e, err = p.parseSubscript(e)
		case p.isOp("("):
			e, err = p.parseCall(e)
		default:
			return e, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseFilterExpr(e expr) (expr, error) {
	for {
		var err error
		switch {
		case p.isOp("|"):
			var chain []*filterExpr
			if chain, err = p.parseFilterChain(false); err == nil {
				for _, f := range chain {
					f.x, e = e, f
				}
			}
		case p.isName("is"):
			e, err = p.parseTest(e)
		case p.isOp("("):
			e, err = p.parseCall(e)
		default:
			return e, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (p *parser) parseSubscript(obj expr) (expr, error) {
	t := p.next()
	if t.val == "." {
		a := p.next()
		switch a.kind {
		case tName:
			return &getattrExpr{pos{t.line}, obj, a.val}, nil
		case tInt:
			return &getitemExpr{pos{t.line}, obj, &constExpr{pos{a.line}, a.num}}, nil
		}
		return nil, p.fail(a.line, "expected name or number")
	}
	var args []expr
	for !p.isOp("]") {
		if len(args) > 0 {
			if err := p.expectOp(","); err != nil {
				return nil, err
			}
		}
		a, err := p.parseSubscribed()
		if err != nil {
			return nil, err
		}
		args = append(args, a)
	}
	p.next()
	if len(args) == 1 {
		return &getitemExpr{pos{t.line}, obj, args[0]}, nil
	}
	return &getitemExpr{pos{t.line}, obj, &tupleExpr{pos{t.line}, args}}, nil
}

func (p *parser) parseSubscribed() (expr, error) {
	line := p.cur().line
	var parts []expr
	if p.skipOp(":") {
		parts = []expr{nil}
	} else {
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		if !p.skipOp(":") {
			return e, nil
		}
		parts = []expr{e}
	}
	endOfPart := func() bool { return p.isOp("]") || p.isOp(",") }
	switch {
	case p.isOp(":"):
		parts = append(parts, nil)
	case !endOfPart():
		e, err := p.parseExpression(true)
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
	default:
		parts = append(parts, nil)
	}
	if p.skipOp(":") {
		if !endOfPart() {
			e, err := p.parseExpression(true)
			if err != nil {
				return nil, err
			}
			parts = append(parts, e)
		} else {
			parts = append(parts, nil)
		}
	} else {
		parts = append(parts, nil)
	}
	return &sliceExpr{pos{line}, parts[0], parts[1], parts[2]}, nil
}

func (p *parser) parseCallArgs() (callArgs, error) {
	var c callArgs
	open := p.next()
	bad := func() error { return p.fail(open.line, "invalid syntax for function call expression") }
	requireComma := false
	for !p.isOp(")") {
		if requireComma {
			if err := p.expectOp(","); err != nil {
				return c, err
			}
			if p.isOp(")") {
				break
			}
		}
		switch {
		case p.isOp("*"):
			if c.dynArgs != nil || c.dynKwargs != nil {
				return c, bad()
			}
			p.next()
			e, err := p.parseExpression(true)
			if err != nil {
				return c, err
			}
			c.dynArgs = e
		case p.isOp("**"):
			if c.dynKwargs != nil {
				return c, bad()
			}
			p.next()
			e, err := p.parseExpression(true)
			if err != nil {
				return c, err
			}
			c.dynKwargs = e
		case p.cur().kind == tName && p.look().kind == tOp && p.look().val == "=":
			if c.dynKwargs != nil {
				return c, bad()
			}
			name := p.next().val
			p.next()
			e, err := p.parseExpression(true)
			if err != nil {
				return c, err
			}
			c.kwargs = append(c.kwargs, kwExpr{name, e})
		default:
			if c.dynArgs != nil || c.dynKwargs != nil || len(c.kwargs) > 0 {
				return c, bad()
			}
			e, err := p.parseExpression(true)
			if err != nil {
				return c, err
			}
			c.args = append(c.args, e)
		}
		requireComma = true
	}
	return c, p.expectOp(")")
}

func (p *parser) parseCall(fn expr) (expr, error) {
	line := p.cur().line
	args, err := p.parseCallArgs()
	if err != nil {
		return nil, err
	}
	return &callExpr{pos{line}, fn, args}, nil
}

func (p *parser) dottedName() (string, error) {
	t, err := p.expectKind(tName, "name")
	if err != nil {
		return "", err
	}
	name := t.val
	for p.skipOp(".") {
		t, err := p.expectKind(tName, "name")
		if err != nil {
			return "", err
		}
		name += "." + t.val
	}
	return name, nil
}

// parseFilterChain parses "|f(args)|g" (inline: the first filter has no
// "|"). The filters' inputs are left unset: an expression chains them, a
// filter block applies them in turn.
func (p *parser) parseFilterChain(inline bool) ([]*filterExpr, error) {
	var chain []*filterExpr
	for p.isOp("|") || inline {
		if !inline {
			p.next()
		}
		inline = false
		line := p.cur().line
		name, err := p.dottedName()
		if err != nil {
			return nil, err
		}
		f := &filterExpr{pos: pos{line}, name: name}
		if p.isOp("(") {
			if f.callArgs, err = p.parseCallArgs(); err != nil {
				return nil, err
			}
		}
		chain = append(chain, f)
	}
	return chain, nil
}

func (p *parser) parseTest(x expr) (expr, error) {
	line := p.next().line
	negated := p.skipName("not")
	name, err := p.dottedName()
	if err != nil {
		return nil, err
	}
	t := &testExpr{pos: pos{line}, x: x, name: name}
	cur := p.cur()
	switch {
	case p.isOp("("):
		if t.callArgs, err = p.parseCallArgs(); err != nil {
			return nil, err
		}
	case cur.kind == tName || cur.kind == tString || cur.kind == tInt || cur.kind == tFloat || p.isOp("[") || p.isOp("{"):
		if p.isName("else") || p.isName("or") || p.isName("and") {
			break
		}
		if p.isName("is") {
			return nil, p.fail(cur.line, "You cannot chain multiple tests with is")
		}
		a, err := p.parsePrimary(false)
		if err != nil {
			return nil, err
		}
		if a, err = p.parsePostfix(a); err != nil {
			return nil, err
		}
		t.args = []expr{a}
	}
	if negated {
		return &unaryExpr{pos{line}, "not", t}, nil
	}
	return t, nil
}
