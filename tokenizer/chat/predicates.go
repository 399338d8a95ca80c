package chat

// jinja2's built-in tests ("x is defined", "x is equalto y", ...).

type testSpec struct {
	nargs int // positional arguments after the value
	fn    func(r *renderer, v any, a []any) (bool, error)
}

var tests map[string]testSpec

func init() {
	cmp := func(op string) testSpec {
		return testSpec{1, func(_ *renderer, v any, a []any) (bool, error) { return compareOp(op, v, a[0]) }}
	}
	isType := func(pred func(any) bool) testSpec {
		return testSpec{0, func(_ *renderer, v any, _ []any) (bool, error) { return pred(v), nil }}
	}
	tests = map[string]testSpec{
		"defined":   isType(func(v any) bool { _, u := v.(undefined); return !u }),
		"undefined": isType(func(v any) bool { _, u := v.(undefined); return u }),
		"none":      isType(func(v any) bool { return v == nil }),
		"boolean":   isType(func(v any) bool { _, ok := v.(bool); return ok }),
		"false":     isType(func(v any) bool { b, ok := v.(bool); return ok && !b }),
		"true":      isType(func(v any) bool { b, ok := v.(bool); return ok && b }),
		"integer":   isType(func(v any) bool { _, ok := v.(int64); return ok }),
		"float":     isType(func(v any) bool { _, ok := v.(float64); return ok }),
		"number":    isType(func(v any) bool { _, _, _, ok := number(v); return ok }),
		"string":    isType(func(v any) bool { _, ok := asString(v); return ok }),
		"mapping":   isType(func(v any) bool { _, ok := v.(*dict); return ok }),
		"escaped":   isType(func(v any) bool { _, ok := v.(markup); return ok }),
		"lower":     isType(func(v any) bool { return pyIsLower(strOf(v)) }),
		"upper":     isType(func(v any) bool { return pyIsUpper(strOf(v)) }),
		"iterable": isType(func(v any) bool {
			switch v.(type) {
			case string, markup, []any, tuple, *dict, undefined, *loopCtx, *generator, *pyRange:
				return true
			}
			return false
		}),
		"sequence": isType(func(v any) bool {
			switch v.(type) {
			case string, markup, []any, tuple, *dict, undefined, *pyRange:
				return true
			}
			return false
		}),
		"callable": isType(func(v any) bool {
			switch v.(type) {
			case *function, *macro, *loopCtx, undefined:
				return true
			}
			return false
		}),
		"odd":         {0, func(r *renderer, v any, _ []any) (bool, error) { return modEquals(r, v, int64(2), 1) }},
		"even":        {0, func(r *renderer, v any, _ []any) (bool, error) { return modEquals(r, v, int64(2), 0) }},
		"divisibleby": {1, func(r *renderer, v any, a []any) (bool, error) { return modEquals(r, v, a[0], 0) }},
		"sameas":      {1, func(_ *renderer, v any, a []any) (bool, error) { return sameAs(v, a[0]), nil }},
		"in":          {1, func(_ *renderer, v any, a []any) (bool, error) { return contains(a[0], v) }},
		"filter": {0, func(_ *renderer, v any, _ []any) (bool, error) {
			if _, err := hashKey(v); err != nil {
				return false, err
			}
			s, ok := asString(v)
			_, found := filters[s]
			return ok && found, nil
		}},
		"test": {0, func(_ *renderer, v any, _ []any) (bool, error) {
			if _, err := hashKey(v); err != nil {
				return false, err
			}
			s, ok := asString(v)
			_, found := tests[s]
			return ok && found, nil
		}},
		"eq": cmp("=="), "equalto": cmp("=="), "==": cmp("=="),
		"ne": cmp("!="), "!=": cmp("!="),
		"lt": cmp("<"), "lessthan": cmp("<"), "<": cmp("<"),
		"le": cmp("<="), "<=": cmp("<="),
		"gt": cmp(">"), "greaterthan": cmp(">"), ">": cmp(">"),
		"ge": cmp(">="), ">=": cmp(">="),
	}
}

func (r *renderer) applyTest(name string, v any, args []any, kw []kwArg) (bool, error) {
	spec, ok := tests[name]
	if !ok {
		return false, errf("TemplateAssertionError", "No test named %s.", pyRepr(name))
	}
	if err := r.step(); err != nil {
		return false, err
	}
	for _, k := range kw {
		args = append(args, k.val)
	}
	if len(args) != spec.nargs {
		return false, errf("TypeError", "test %s takes %d argument(s), %d given", pyRepr(name), spec.nargs, len(args))
	}
	return spec.fn(r, v, args)
}

func modEquals(r *renderer, v, d any, want int64) (bool, error) {
	m, err := r.binOp("%", v, d)
	if err != nil {
		return false, err
	}
	return equal(m, want), nil
}

// sameAs approximates Python's "is": scalars compare by value (as CPython's
// shared small objects do), containers by identity.
func sameAs(a, b any) bool {
	switch x := a.(type) {
	case nil, bool:
		return a == b
	case int64, float64, string:
		return a == b
	case *dict:
		y, ok := b.(*dict)
		return ok && x == y
	case *namespace:
		y, ok := b.(*namespace)
		return ok && x == y
	case []any:
		y, ok := b.([]any)
		return ok && len(x) == len(y) && (len(x) == 0 || &x[0] == &y[0])
	}
	return false
}
