package chat

import (
	"fmt"
	"math"
	"math/big"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// jinja2's built-in filters, with HF's tojson. Each binds its arguments the
// way the Python function signature does.

type filterSpec struct {
	params   []string
	defaults []any
	fn       func(r *renderer, v any, a []any) (any, error)
	// raw filters take *args/**kwargs and bind them themselves.
	raw func(r *renderer, v any, args []any, kw []kwArg) (any, error)
}

var filters map[string]filterSpec

func init() {
	none := []any{nil}
	filters = map[string]filterSpec{
		"abs":        {fn: filterAbs},
		"attr":       {params: []string{"name"}, defaults: []any{required}, fn: filterAttr},
		"batch":      {params: []string{"linecount", "fill_with"}, defaults: []any{required, nil}, fn: filterBatch},
		"capitalize": {fn: stringFilter(pyCapitalize)},
		"center":     {params: []string{"width"}, defaults: []any{int64(80)}, fn: filterCenter},
		"count":      {fn: filterLength},
		"d":          {params: []string{"default_value", "boolean"}, defaults: []any{"", false}, fn: filterDefault},
		"default":    {params: []string{"default_value", "boolean"}, defaults: []any{"", false}, fn: filterDefault},
		"dictsort":   {params: []string{"case_sensitive", "by", "reverse"}, defaults: []any{false, "key", false}, fn: filterDictsort},
		"e":          {fn: filterEscape},
		"escape":     {fn: filterEscape},
		"first":      {fn: filterFirst},
		"float":      {params: []string{"default"}, defaults: []any{0.0}, fn: filterFloat},
		"forceescape": {fn: func(_ *renderer, v any, _ []any) (any, error) {
			return markup(htmlEscape(strOf(v))), nil
		}},
		"format":     {raw: filterFormat},
		"groupby":    {params: []string{"attribute", "default", "case_sensitive"}, defaults: []any{required, nil, false}, fn: filterGroupby},
		"indent":     {params: []string{"width", "first", "blank"}, defaults: []any{int64(4), false, false}, fn: filterIndent},
		"int":        {params: []string{"default", "base"}, defaults: []any{int64(0), int64(10)}, fn: filterInt},
		"items":      {fn: filterItems},
		"join":       {params: []string{"d", "attribute"}, defaults: []any{"", nil}, fn: filterJoin},
		"last":       {fn: filterLast},
		"length":     {fn: filterLength},
		"list":       {fn: filterList},
		"lower":      {fn: stringFilter(pyLower)},
		"map":        {raw: filterMap},
		"max":        {params: []string{"case_sensitive", "attribute"}, defaults: []any{false, nil}, fn: minMax(1)},
		"min":        {params: []string{"case_sensitive", "attribute"}, defaults: []any{false, nil}, fn: minMax(-1)},
		"pprint":     {fn: func(_ *renderer, v any, _ []any) (any, error) { return pprint(v), nil }},
		"reject":     {raw: selectFilter(false, false)},
		"rejectattr": {raw: selectFilter(false, true)},
		"replace":    {params: []string{"old", "new", "count"}, defaults: []any{required, required, nil}, fn: filterReplace},
		"reverse":    {fn: filterReverse},
		"round":      {params: []string{"precision", "method"}, defaults: []any{int64(0), "common"}, fn: filterRound},
		"safe":       {fn: func(_ *renderer, v any, _ []any) (any, error) { return markup(strOf(v)), nil }},
		"select":     {raw: selectFilter(true, false)},
		"selectattr": {raw: selectFilter(true, true)},
		"slice":      {params: []string{"slices", "fill_with"}, defaults: []any{required, nil}, fn: filterSlice},
		"sort":       {params: []string{"reverse", "case_sensitive", "attribute"}, defaults: []any{false, false, nil}, fn: filterSort},
		"string": {fn: func(_ *renderer, v any, _ []any) (any, error) {
			if m, ok := v.(markup); ok {
				return m, nil
			}
			return strOf(v), nil
		}},
		"striptags": {fn: func(_ *renderer, v any, _ []any) (any, error) { return stripTags(strOf(v)), nil }},
		"sum":       {params: []string{"attribute", "start"}, defaults: []any{nil, int64(0)}, fn: filterSum},
		"title":     {fn: stringFilter(jinjaTitle)},
		"tojson":    {params: []string{"ensure_ascii", "indent", "separators", "sort_keys"}, defaults: []any{false, nil, nil, false}, fn: filterToJSON},
		"trim":      {params: []string{"chars"}, defaults: none, fn: filterTrim},
		"truncate":  {params: []string{"length", "killwords", "end", "leeway"}, defaults: []any{int64(255), false, "...", nil}, fn: filterTruncate},
		"unique":    {params: []string{"case_sensitive", "attribute"}, defaults: []any{false, nil}, fn: filterUnique},
		"upper":     {fn: stringFilter(pyUpper)},
		"urlencode": {fn: filterURLEncode},
		"wordcount": {fn: func(_ *renderer, v any, _ []any) (any, error) {
			return int64(len(wordRe.FindAllString(strOf(v), -1))), nil
		}},
		"wordwrap": {params: []string{"width", "break_long_words", "wrapstring", "break_on_hyphens"}, defaults: []any{int64(79), true, nil, true}, fn: filterWordwrap},
		"xmlattr":  {params: []string{"autospace"}, defaults: []any{true}, fn: filterXMLAttr},
	}
}

func (r *renderer) applyFilter(name string, v any, args []any, kw []kwArg) (any, error) {
	spec, ok := filters[name]
	if !ok {
		return nil, errf("TemplateAssertionError", "No filter named %s.", pyRepr(name))
	}
	if err := r.step(); err != nil {
		return nil, err
	}
	if spec.raw != nil {
		return spec.raw(r, v, args, kw)
	}
	a, err := bindArgs(name, args, kw, spec.params, spec.defaults)
	if err != nil {
		return nil, err
	}
	return spec.fn(r, v, a)
}

func stringFilter(f func(string) string) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, v any, _ []any) (any, error) {
		out := f(strOf(v))
		if _, ok := v.(markup); ok {
			return markup(out), nil
		}
		return out, nil
	}
}

// jinjaTitle is the title filter: each word (split at whitespace, hyphens
// and opening brackets) gets an upper-case first letter and lower-case rest.
func jinjaTitle(s string) string {
	var b strings.Builder
	isSep := func(r rune) bool { return pyIsSpace(r) || strings.ContainsRune("-({[<", r) }
	runes := []rune(s)
	for i := 0; i < len(runes); {
		j := i
		sep := isSep(runes[i])
		for j < len(runes) && isSep(runes[j]) == sep {
			j++
		}
		word := string(runes[i:j])
		r, n := utf8.DecodeRuneInString(word)
		b.WriteString(pyUpper(string(r)))
		b.WriteString(pyLower(word[n:]))
		i = j
	}
	return b.String()
}

func filterAbs(_ *renderer, v any, _ []any) (any, error) {
	f, i, isInt, ok := number(v)
	if !ok {
		if u, isU := v.(undefined); isU {
			return nil, u.fail()
		}
		return nil, errf("TypeError", "bad operand type for abs(): %s", pyRepr(typeName(v)))
	}
	if isInt {
		if i == math.MinInt64 {
			return nil, errf("OverflowError", "integer overflow")
		}
		if i < 0 {
			return -i, nil
		}
		return i, nil
	}
	return math.Abs(f), nil
}

func filterAttr(_ *renderer, v any, a []any) (any, error) {
	name := strOf(a[0])
	if u, ok := v.(undefined); ok {
		return nil, u.fail()
	}
	if m, ok := method(v, name); ok {
		return m, nil
	}
	switch o := v.(type) {
	case *namespace:
		if x, ok, _ := o.attrs.get(name); ok {
			return x, nil
		}
	case *loopCtx:
		if x, ok := o.attr(name); ok {
			return x, nil
		}
	}
	return undefinedAttr(v, name), nil
}

func filterBatch(_ *renderer, v any, a []any) (any, error) {
	return newGenerator("generator", "do_batch", func() ([]any, error) { return batch(v, a) }), nil
}

func batch(v any, a []any) ([]any, error) {
	n, err := argInt("batch", a[0])
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, errf("ValueError", "batch size must be positive")
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	var out []any
	var cur []any
	for _, it := range items {
		if int64(len(cur)) == n {
			out = append(out, cur)
			cur = nil
		}
		cur = append(cur, it)
	}
	if len(cur) > 0 {
		if a[1] != nil {
			for int64(len(cur)) < n {
				cur = append(cur, a[1])
			}
		}
		out = append(out, cur)
	}
	if out == nil {
		out = []any{}
	}
	return out, nil
}

func filterCenter(r *renderer, v any, a []any) (any, error) {
	w, err := argInt("center", a[0])
	if err != nil {
		return nil, err
	}
	return r.pad(strOf(v), w, " ", 'c')
}

func filterLength(_ *renderer, v any, _ []any) (any, error) {
	n, err := length(v)
	return int64(n), err
}

func filterDefault(_ *renderer, v any, a []any) (any, error) {
	if _, ok := v.(undefined); ok || (truthy(a[1]) && !truthy(v)) {
		return a[0], nil
	}
	return v, nil
}

func ignoreCase(v any) any {
	if s, ok := v.(string); ok {
		return pyLower(s)
	}
	if m, ok := v.(markup); ok {
		return markup(pyLower(string(m)))
	}
	return v
}

// sortValues sorts items by key with Python's ordering, stably.
func sortValues(items []any, key func(any) (any, error), reverse bool) ([]any, error) {
	type keyed struct{ k, v any }
	ks := make([]keyed, len(items))
	for i, it := range items {
		k, err := key(it)
		if err != nil {
			return nil, err
		}
		ks[i] = keyed{k, it}
	}
	var cmpErr error
	sort.SliceStable(ks, func(i, j int) bool {
		a, b := ks[i].k, ks[j].k
		if reverse {
			a, b = b, a
		}
		c, err := compare(a, b, "<")
		if err != nil && cmpErr == nil {
			cmpErr = err
		}
		return c < 0
	})
	if cmpErr != nil {
		return nil, cmpErr
	}
	out := make([]any, len(ks))
	for i, k := range ks {
		out[i] = k.v
	}
	return out, nil
}

func filterDictsort(_ *renderer, v any, a []any) (any, error) {
	d, ok := v.(*dict)
	if !ok {
		if u, isU := v.(undefined); isU {
			return nil, u.fail()
		}
		return nil, errf("AttributeError", "%s object has no attribute 'items'", pyRepr(typeName(v)))
	}
	pos := 0
	switch strOf(a[1]) {
	case "key":
	case "value":
		pos = 1
	default:
		return nil, errf("FilterArgumentError", "You can only sort by either \"key\" or \"value\"")
	}
	caseSensitive := truthy(a[0])
	return sortValues(dictItems(d), func(it any) (any, error) {
		k := it.(tuple)[pos]
		if !caseSensitive {
			k = ignoreCase(k)
		}
		return k, nil
	}, truthy(a[2]))
}

func filterEscape(_ *renderer, v any, _ []any) (any, error) {
	if m, ok := v.(markup); ok {
		return m, nil
	}
	return markup(htmlEscape(strOf(v))), nil
}

func filterFirst(_ *renderer, v any, _ []any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{hint: "No first item, sequence was empty.", name: "first"}, nil
	}
	return items[0], nil
}

func filterLast(_ *renderer, v any, _ []any) (any, error) {
	if g, ok := v.(*generator); ok {
		return nil, errf("TypeError", "%s object is not reversible", pyRepr(g.name))
	}
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return undefined{hint: "No last item, sequence was empty.", name: "last"}, nil
	}
	return items[len(items)-1], nil
}

// pyFloat is Python's float(v); ok is false where Python raises
// TypeError or ValueError.
func pyFloat(v any) (float64, bool, error) {
	switch x := v.(type) {
	case undefined:
		return 0, false, x.fail()
	case string, markup:
		s := asciiDigits(strings.TrimFunc(strOf(x), pyIsSpace))
		if strings.Contains(s, "__") || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") {
			return 0, false, nil
		}
		low := strings.ToLower(strings.TrimLeft(s, "+-"))
		switch low {
		case "inf", "infinity", "nan":
		default:
			if strings.ContainsAny(low, "xpn") || low == "" {
				return 0, false, nil
			}
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
		if err != nil && !isRangeErr(err) {
			return 0, false, nil
		}
		return f, true, nil
	}
	f, _, _, ok := number(v)
	return f, ok, nil
}

func filterFloat(_ *renderer, v any, a []any) (any, error) {
	f, ok, err := pyFloat(v)
	if err != nil {
		return nil, err
	}
	if !ok {
		return a[0], nil
	}
	return f, nil
}

// asciiDigits replaces Unicode decimal digits (which Python's int() and
// float() accept) by ASCII ones.
func asciiDigits(s string) string {
	if isASCII(s) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r > unicode.MaxASCII && unicode.Is(unicode.Nd, r) {
			b.WriteByte('0' + byte(digitValue(r)))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// digitValue is the value of a Unicode decimal digit: Nd ranges run in
// blocks of ten starting at zero.
func digitValue(r rune) int {
	for _, rg := range unicode.Nd.R16 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if rune(rg.Lo) <= r && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10
		}
	}
	return 0
}

// pyInt parses a str the way int(s, base) does; ok is false on ValueError.
func pyInt(s string, base int64) (int64, bool) {
	s = asciiDigits(strings.TrimFunc(s, pyIsSpace))
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg, s = s[0] == '-', s[1:]
	}
	if base < 0 || base == 1 || base > 36 {
		return 0, false
	}
	low := strings.ToLower(s)
	prefixes := map[int64]string{2: "0b", 8: "0o", 16: "0x"}
	if base == 0 {
		base = 10
		for b, p := range prefixes {
			if strings.HasPrefix(low, p) {
				base = b
			}
		}
		if base == 10 && len(s) > 1 && s[0] == '0' && strings.Trim(s, "0_") != "" {
			return 0, false
		}
	}
	if p, ok := prefixes[base]; ok && strings.HasPrefix(low, p) {
		s = s[2:]
		if strings.HasPrefix(s, "_") {
			s = s[1:]
		}
	}
	if s == "" || strings.HasPrefix(s, "_") || strings.HasSuffix(s, "_") || strings.Contains(s, "__") {
		return 0, false
	}
	u, err := strconv.ParseUint(strings.ReplaceAll(s, "_", ""), int(base), 64)
	if err != nil || u > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(u), true
	}
	return int64(u), true
}

func filterInt(_ *renderer, v any, a []any) (any, error) {
	base, err := argInt("int", a[1])
	if err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case undefined:
		return nil, x.fail()
	case string, markup:
		if i, ok := pyInt(strOf(x), base); ok {
			return i, nil
		}
		f, ok, _ := pyFloat(x)
		if !ok {
			return a[0], nil
		}
		i, err := truncFloat(f)
		if err != nil {
			return a[0], nil
		}
		return i, nil
	}
	f, i, isInt, ok := number(v)
	switch {
	case !ok:
		return a[0], nil
	case isInt:
		return i, nil
	}
	return truncFloat(f)
}

func truncFloat(f float64) (any, error) {
	if math.IsInf(f, 0) {
		return nil, errf("OverflowError", "cannot convert float infinity to integer")
	}
	if math.IsNaN(f) {
		return nil, errf("ValueError", "cannot convert float NaN to integer")
	}
	t := math.Trunc(f)
	if t >= 1<<63 || t < -(1<<63) {
		return nil, errf("OverflowError", "integer overflow")
	}
	return int64(t), nil
}

func filterItems(_ *renderer, v any, _ []any) (any, error) {
	return newGenerator("generator", "do_items", func() ([]any, error) {
		switch d := v.(type) {
		case undefined:
			return []any{}, nil
		case *dict:
			return dictItems(d), nil
		}
		return nil, errf("TypeError", "Can only get item pairs from a mapping.")
	}), nil
}

// attrGetter is jinja2's make_attrgetter: a dotted path of item lookups
// ("a.0.b"); a non-nil def replaces an undefined result at each step.
func attrGetter(attribute any, def any, lower bool) func(any) (any, error) {
	var parts []any
	switch a := attribute.(type) {
	case nil:
	case string:
		for _, p := range strings.Split(a, ".") {
			if p != "" && strings.Trim(p, "0123456789") == "" {
				if i, err := strconv.ParseInt(p, 10, 64); err == nil {
					parts = append(parts, i)
					continue
				}
			}
			parts = append(parts, p)
		}
	default:
		parts = []any{a}
	}
	return func(v any) (any, error) {
		for _, p := range parts {
			var err error
			if v, err = getitem(v, p); err != nil {
				return nil, err
			}
			if _, ok := v.(undefined); ok && def != nil {
				v = def
			}
		}
		if lower {
			v = ignoreCase(v)
		}
		return v, nil
	}
}

func filterJoin(r *renderer, v any, a []any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	get := attrGetter(a[1], nil, false)
	sep := strOf(a[0])
	var b strings.Builder
	for i, it := range items {
		if a[1] != nil {
			if it, err = get(it); err != nil {
				return nil, err
			}
		}
		s := strOf(it)
		if err := r.checkSize(b.Len() + len(s) + len(sep)); err != nil {
			return nil, err
		}
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

func filterList(_ *renderer, v any, _ []any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	return append([]any{}, items...), nil
}

func filterMap(r *renderer, v any, args []any, kw []kwArg) (any, error) {
	return newGenerator("generator", "sync_do_map", func() ([]any, error) {
		if !truthy(v) {
			return []any{}, nil
		}
		var fn func(any) (any, error)
		if len(args) == 0 && hasKeyword(kw, "attribute") {
			var attribute, def any
			for _, k := range kw {
				switch k.name {
				case "attribute":
					attribute = k.val
				case "default":
					def = k.val
				default:
					return nil, errf("FilterArgumentError", "Unexpected keyword argument %s", pyRepr(k.name))
				}
			}
			fn = attrGetter(attribute, def, false)
		} else {
			if len(args) == 0 {
				return nil, errf("FilterArgumentError", "map requires a filter argument")
			}
			name, ok := args[0].(string)
			if !ok {
				return nil, errf("TemplateRuntimeError", "No filter named %s.", pyRepr(args[0]))
			}
			rest := args[1:]
			fn = func(x any) (any, error) { return r.applyFilter(name, x, rest, kw) }
		}
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		out := make([]any, 0, len(items))
		for _, it := range items {
			m, err := fn(it)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	}), nil
}

func hasKeyword(kw []kwArg, name string) bool {
	for _, k := range kw {
		if k.name == name {
			return true
		}
	}
	return false
}

func minMax(sign int) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, v any, a []any) (any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		if len(items) == 0 {
			return undefined{hint: "No aggregated item, sequence was empty.", name: "aggregate"}, nil
		}
		key := attrGetter(a[1], nil, !truthy(a[0]))
		best := items[0]
		bestKey, err := key(best)
		if err != nil {
			return nil, err
		}
		for _, it := range items[1:] {
			k, err := key(it)
			if err != nil {
				return nil, err
			}
			c, err := compare(k, bestKey, ">")
			if err != nil {
				return nil, err
			}
			if c == sign {
				best, bestKey = it, k
			}
		}
		return best, nil
	}
}

// selectFilter implements select, reject, selectattr and rejectattr.
func selectFilter(keep, byAttr bool) func(*renderer, any, []any, []kwArg) (any, error) {
	return func(r *renderer, v any, args []any, kw []kwArg) (any, error) {
		return newGenerator("generator", "select_or_reject", func() ([]any, error) {
			if !truthy(v) {
				return []any{}, nil
			}
			get := func(x any) (any, error) { return x, nil }
			rest := args
			if byAttr {
				if len(rest) == 0 {
					return nil, errf("FilterArgumentError", "Missing parameter for attribute name")
				}
				get = attrGetter(rest[0], nil, false)
				rest = rest[1:]
			}
			test := func(x any) (bool, error) { return truthy(x), nil }
			if len(rest) > 0 {
				name, ok := rest[0].(string)
				if !ok {
					return nil, errf("TemplateRuntimeError", "No test named %s.", pyRepr(rest[0]))
				}
				testArgs := rest[1:]
				test = func(x any) (bool, error) { return r.applyTest(name, x, testArgs, kw) }
			}
			items, err := iterate(v)
			if err != nil {
				return nil, err
			}
			out := []any{}
			for _, it := range items {
				x, err := get(it)
				if err != nil {
					return nil, err
				}
				ok, err := test(x)
				if err != nil {
					return nil, err
				}
				if ok == keep {
					out = append(out, it)
				}
			}
			return out, nil
		}), nil
	}
}

func filterReplace(r *renderer, v any, a []any) (any, error) {
	count := int64(-1)
	if a[2] != nil {
		var err error
		if count, err = argInt("replace", a[2]); err != nil {
			return nil, err
		}
	}
	return r.replace(strOf(v), strOf(a[0]), strOf(a[1]), int(count))
}

func filterReverse(_ *renderer, v any, _ []any) (any, error) {
	if s, ok := asString(v); ok {
		runes := []rune(s)
		for i, j := 0, len(runes)-1; i < j; i, j = i+1, j-1 {
			runes[i], runes[j] = runes[j], runes[i]
		}
		if _, m := v.(markup); m {
			return markup(string(runes)), nil
		}
		return string(runes), nil
	}
	reversed := func() ([]any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, errf("FilterArgumentError", "argument must be iterable")
		}
		out := make([]any, len(items))
		for i, it := range items {
			out[len(items)-1-i] = it
		}
		return out, nil
	}
	// reversed() gives a one-shot iterator.
	switch v.(type) {
	case []any:
		return newGenerator("list_reverseiterator", "", reversed), nil
	case *dict:
		return newGenerator("dict_reversekeyiterator", "", reversed), nil
	case *pyRange:
		return newGenerator("range_iterator", "", reversed), nil
	case *dictView:
		kind := map[string]string{"dict_keys": "key", "dict_values": "value", "dict_items": "item"}[v.(*dictView).kind]
		return newGenerator("dict_reverse"+kind+"iterator", "", reversed), nil
	case tuple, undefined:
		return newGenerator("reversed", "", reversed), nil
	}
	// Anything else is copied to a list first (generators) or refused.
	return reversed()
}

func filterRound(_ *renderer, v any, a []any) (any, error) {
	method := strOf(a[1])
	if method != "common" && method != "ceil" && method != "floor" {
		return nil, errf("FilterArgumentError", "method must be common, ceil or floor")
	}
	prec, err := argInt("round", a[0])
	if err != nil {
		return nil, err
	}
	f, i, isInt, ok := number(v)
	if !ok {
		if u, isU := v.(undefined); isU {
			return nil, u.fail()
		}
		return nil, errf("TypeError", "type %s doesn't define __round__ method", typeName(v))
	}
	if prec < -400 || prec > 400 {
		return nil, errf("OverflowError", "precision out of range")
	}
	if method != "common" {
		scale := math.Pow(10, float64(prec))
		whole := math.Floor(f * scale)
		if method == "ceil" {
			whole = math.Ceil(f * scale)
		}
		if math.IsInf(whole, 0) || math.IsNaN(whole) {
			return nil, errf("OverflowError", "cannot convert float infinity to integer")
		}
		// math.ceil and math.floor return a Python int, so -0.0 becomes 0.
		return (whole + 0) / scale, nil
	}
	if isInt {
		if prec >= 0 {
			return i, nil
		}
		return roundInt(i, -prec), nil
	}
	return roundFloat(f, int(prec)), nil
}

// roundInt rounds to a multiple of 10**digits, ties to even, as round(int, -n).
func roundInt(i, digits int64) int64 {
	if digits > 18 {
		return 0
	}
	p := int64(1)
	for range digits {
		p *= 10
	}
	q, m := i/p, i%p
	if m < 0 {
		q--
		m += p
	}
	if 2*m > p || (2*m == p && q%2 != 0) {
		q++
	}
	return q * p
}

// roundFloat is Python's round(f, ndigits): the exact binary value rounded
// to ndigits decimals, ties to even.
func roundFloat(f float64, ndigits int) float64 {
	if math.IsInf(f, 0) || math.IsNaN(f) || f == 0 {
		return f
	}
	exact := new(big.Float).SetFloat64(f).Text('f', 1100)
	neg := strings.HasPrefix(exact, "-")
	exact = strings.TrimPrefix(exact, "-")
	intPart, frac, _ := strings.Cut(exact, ".")
	digits := intPart + frac
	point := len(intPart) // digits[:point] is the integer part
	keep := point + ndigits
	if keep < 0 {
		return math.Copysign(0, f)
	}
	if keep >= len(digits) {
		return f
	}
	kept := []byte(digits[:keep])
	rest := digits[keep:]
	roundUp := rest[0] > '5' || (rest[0] == '5' && (strings.TrimRight(rest[1:], "0") != "" || (keep > 0 && (kept[keep-1]-'0')%2 == 1)))
	if roundUp {
		j := keep - 1
		for ; j >= 0; j-- {
			if kept[j] == '9' {
				kept[j] = '0'
				continue
			}
			kept[j]++
			break
		}
		if j < 0 {
			kept = append([]byte{'1'}, kept...)
			point++
			keep++
		}
	}
	var s string
	if ndigits >= 0 {
		s = string(kept[:point]) + "." + string(kept[point:])
	} else {
		s = string(kept) + strings.Repeat("0", -ndigits)
	}
	if s == "" || s[0] == '.' {
		s = "0" + s
	}
	out, _ := strconv.ParseFloat(s, 64)
	if neg {
		out = -out
	}
	return out
}

func filterSlice(_ *renderer, v any, a []any) (any, error) {
	return newGenerator("generator", "sync_do_slice", func() ([]any, error) { return slice(v, a) }), nil
}

func slice(v any, a []any) ([]any, error) {
	slices, err := argInt("slice", a[0])
	if err != nil {
		return nil, err
	}
	if slices <= 0 || slices > maxRange {
		return nil, errf("ValueError", "slice count out of range")
	}
	seq, err := iterate(v)
	if err != nil {
		return nil, err
	}
	n := int64(len(seq))
	per, extra := n/slices, n%slices
	offset := int64(0)
	out := []any{}
	for s := int64(0); s < slices; s++ {
		start := offset + s*per
		if s < extra {
			offset++
		}
		end := offset + (s+1)*per
		part := append([]any{}, seq[start:end]...)
		if a[1] != nil && s >= extra {
			part = append(part, a[1])
		}
		out = append(out, part)
	}
	return out, nil
}

func filterSort(_ *renderer, v any, a []any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	lower := !truthy(a[1])
	var getters []func(any) (any, error)
	if s, ok := a[2].(string); ok && strings.Contains(s, ",") {
		for _, part := range strings.Split(s, ",") {
			getters = append(getters, attrGetter(part, nil, lower))
		}
	} else {
		getters = []func(any) (any, error){attrGetter(a[2], nil, lower)}
	}
	// Keys are lists, as jinja2's make_multi_attrgetter builds them; list
	// comparison checks == first, so equal undefined keys do not fail.
	key := func(x any) (any, error) {
		k := make([]any, len(getters))
		for i, g := range getters {
			var err error
			if k[i], err = g(x); err != nil {
				return nil, err
			}
		}
		return k, nil
	}
	return sortValues(items, key, truthy(a[0]))
}

func filterSum(r *renderer, v any, a []any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	get := attrGetter(a[0], nil, false)
	total := a[1]
	for _, it := range items {
		x, err := get(it)
		if err != nil {
			return nil, err
		}
		if total, err = r.binOp("+", total, x); err != nil {
			return nil, err
		}
	}
	return total, nil
}

func filterToJSON(r *renderer, v any, a []any) (any, error) {
	opts := jsonOptions{ensureASCII: truthy(a[0]), sortKeys: truthy(a[3]), itemSep: ", ", keySep: ": "}
	switch ind := a[1].(type) {
	case nil:
	case string:
		opts.indent, opts.hasIndent = ind, true
	default:
		n, err := argInt("tojson", ind)
		if err != nil {
			return nil, err
		}
		if n > 1000 {
			return nil, errf("LimitError", "indent %d too large", n)
		}
		opts.indent, opts.hasIndent = strings.Repeat(" ", int(max(n, 0))), true
	}
	if opts.hasIndent {
		opts.itemSep = ","
	}
	if a[2] != nil {
		seps, err := iterate(a[2])
		if err != nil || len(seps) != 2 {
			return nil, errf("ValueError", "separators must be a pair of strings")
		}
		var ok1, ok2 bool
		opts.itemSep, ok1 = asString(seps[0])
		opts.keySep, ok2 = asString(seps[1])
		if !ok1 || !ok2 {
			return nil, errf("TypeError", "separators must be strings")
		}
	}
	opts.limit = r.maxOutput
	return pyJSONDumps(v, opts)
}

func filterTrim(_ *renderer, v any, a []any) (any, error) {
	return strStrip(true, true)(nil, v, a)
}

func filterTruncate(_ *renderer, v any, a []any) (any, error) {
	s, isStr := asString(v)
	n, err := argInt("truncate", a[0])
	if err != nil {
		return nil, err
	}
	end := strOf(a[2])
	leeway := int64(5)
	if a[3] != nil {
		if leeway, err = argInt("truncate", a[3]); err != nil {
			return nil, err
		}
	}
	endLen := int64(utf8.RuneCountInString(end))
	if n < endLen {
		return nil, errf("AssertionError", "expected length >= %d, got %d", endLen, n)
	}
	if leeway < 0 {
		return nil, errf("AssertionError", "expected leeway >= 0, got %d", leeway)
	}
	if !isStr {
		// Python measures the value itself with len().
		size, err := length(v)
		if err != nil {
			return nil, err
		}
		if int64(size) <= n+leeway {
			return v, nil
		}
		return nil, errf("TypeError", "truncate needs a string, not %s", typeName(v))
	}
	runes := []rune(s)
	if int64(len(runes)) <= n+leeway {
		return s, nil
	}
	cut := string(runes[:n-endLen])
	if truthy(a[1]) {
		return cut + end, nil
	}
	if i := strings.LastIndex(cut, " "); i >= 0 {
		cut = cut[:i]
	}
	return cut + end, nil
}

func filterUnique(_ *renderer, v any, a []any) (any, error) {
	key := attrGetter(a[1], nil, !truthy(a[0]))
	return newGenerator("generator", "sync_do_unique", func() ([]any, error) {
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		seen := newDict()
		out := []any{}
		for _, it := range items {
			k, err := key(it)
			if err != nil {
				return nil, err
			}
			_, dup, err := seen.get(k)
			if err != nil {
				return nil, err
			}
			if !dup {
				_ = seen.set(k, true)
				out = append(out, it)
			}
		}
		return out, nil
	}), nil
}

// urlQuote is Python's urllib.parse.quote on UTF-8 bytes.
func urlQuote(s string, forQuery bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '.', c == '-', c == '~':
			b.WriteByte(c)
		case c == '/' && !forQuery:
			b.WriteByte(c)
		case c == ' ' && forQuery:
			b.WriteByte('+')
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func filterURLEncode(_ *renderer, v any, _ []any) (any, error) {
	if s, ok := asString(v); ok {
		return urlQuote(s, false), nil
	}
	var pairs []any
	switch x := v.(type) {
	case undefined:
		return "", nil
	case *dict:
		pairs = dictItems(x)
	case []any, tuple, *generator, *pyRange, *dictView:
		items, err := iterate(v)
		if err != nil {
			return nil, err
		}
		pairs = items
	default:
		return urlQuote(strOf(v), false), nil
	}
	parts := make([]string, 0, len(pairs))
	for _, p := range pairs {
		kv, err := iterate(p)
		if err != nil || len(kv) != 2 {
			return nil, errf("ValueError", "urlencode needs key/value pairs")
		}
		parts = append(parts, urlQuote(strOf(kv[0]), true)+"="+urlQuote(strOf(kv[1]), true))
	}
	return strings.Join(parts, "&"), nil
}

var wordRe = regexp.MustCompile(`[\p{L}\p{N}_]+`)

func filterWordwrap(r *renderer, v any, a []any) (any, error) {
	text, ok := asString(v)
	if !ok {
		if u, isU := v.(undefined); isU {
			return nil, u.fail()
		}
		return nil, errf("AttributeError", "%s object has no attribute 'splitlines'", pyRepr(typeName(v)))
	}
	width, err := argInt("wordwrap", a[0])
	if err != nil {
		return nil, err
	}
	if width <= 0 {
		return nil, errf("ValueError", "invalid width %d (must be > 0)", width)
	}
	sep := "\n"
	if a[2] != nil {
		sep = strOf(a[2])
	}
	var lines []string
	for _, line := range splitLines(text, false) {
		lines = append(lines, strings.Join(textWrap([]rune(line), int(width), truthy(a[1]), truthy(a[3])), sep))
	}
	out := strings.Join(lines, sep)
	return out, r.checkSize(len(out))
}

// textWrap is Python's textwrap.wrap without tab expansion or whitespace
// replacement, as jinja2's wordwrap calls it.
func textWrap(text []rune, width int, breakLong, breakHyphens bool) []string {
	chunks := wrapChunks(text, breakHyphens)
	var lines []string
	isBlank := func(c []rune) bool { return strings.TrimFunc(string(c), pyIsSpace) == "" }
	for len(chunks) > 0 {
		var cur [][]rune
		curLen := 0
		if isBlank(chunks[0]) && len(lines) > 0 {
			chunks = chunks[1:]
		}
		for len(chunks) > 0 && curLen+len(chunks[0]) <= width {
			cur = append(cur, chunks[0])
			curLen += len(chunks[0])
			chunks = chunks[1:]
		}
		if len(chunks) > 0 && len(chunks[0]) > width {
			// A word longer than a line: break it to fill this line.
			spaceLeft := max(width-curLen, 1)
			if breakLong {
				chunk := chunks[0]
				end := spaceLeft
				if breakHyphens && len(chunk) > spaceLeft {
					if h := lastIndexRune(chunk[:spaceLeft], '-'); h > 0 && strings.Trim(string(chunk[:h]), "-") != "" {
						end = h + 1
					}
				}
				cur = append(cur, chunk[:end])
				chunks[0] = chunk[end:]
			} else if len(cur) == 0 {
				cur = append(cur, chunks[0])
				chunks = chunks[1:]
			}
		}
		if len(cur) > 0 && isBlank(cur[len(cur)-1]) {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			var b strings.Builder
			for _, c := range cur {
				b.WriteString(string(c))
			}
			lines = append(lines, b.String())
		}
	}
	return lines
}

func lastIndexRune(rs []rune, r rune) int {
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

func isWrapSpace(r rune) bool { return strings.ContainsRune("\t\n\v\f\r ", r) }
func isWordRune(r rune) bool  { return r == '_' || unicode.IsLetter(r) || unicode.IsNumber(r) }
func isLetterRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r)
}
func isWordPunct(r rune) bool { return isWordRune(r) || strings.ContainsRune("!\"'&.,?", r) }

// wrapChunks splits text like textwrap's wordsep_re (or, without hyphen
// breaking, at whitespace only): whitespace runs, "--" dashes between words,
// and words, split after hyphens between letters.
func wrapChunks(t []rune, breakHyphens bool) [][]rune {
	var out [][]rune
	n := len(t)
	at := func(i int) rune {
		if i < 0 || i >= n {
			return -1
		}
		return t[i]
	}
	for p := 0; p < n; {
		if isWrapSpace(t[p]) {
			e := p
			for e < n && isWrapSpace(t[e]) {
				e++
			}
			out = append(out, t[p:e])
			p = e
			continue
		}
		if !breakHyphens {
			e := p
			for e < n && !isWrapSpace(t[e]) {
				e++
			}
			out = append(out, t[p:e])
			p = e
			continue
		}
		// An em-dash: two or more hyphens after word text, before a word.
		if t[p] == '-' && p > 0 && isWordPunct(t[p-1]) {
			e := p
			for e < n && t[e] == '-' {
				e++
			}
			if e-p >= 2 && e < n && isWordRune(t[e]) {
				out = append(out, t[p:e])
				p = e
				continue
			}
		}
		// The shortest run of non-space characters that ends a word.
		end := n
		for e := p + 1; e <= n; e++ {
			if isWrapSpace(t[e-1]) {
				end = e - 1
				break
			}
			if e == n || isWrapSpace(t[e]) {
				end = e
				break
			}
			if t[e] == '-' {
				// A hyphen after two letters, or in letter-hyphen-letter-hyphen,
				// followed by letter, optional hyphen, letter.
				after2 := isLetterRune(at(e-1)) && isLetterRune(at(e-2))
				after4 := isLetterRune(at(e-1)) && at(e-2) == '-' && isLetterRune(at(e-3))
				next := e + 1
				ahead := isLetterRune(at(next)) && (isLetterRune(at(next+1)) || (at(next+1) == '-' && isLetterRune(at(next+2))))
				if (after2 || after4) && ahead {
					end = e + 1
					break
				}
			}
			if isWordPunct(t[e-1]) && t[e] == '-' && at(e+1) == '-' {
				k := e
				for k < n && t[k] == '-' {
					k++
				}
				if k < n && isWordRune(t[k]) {
					end = e
					break
				}
			}
		}
		out = append(out, t[p:end])
		p = end
	}
	return out
}

func filterXMLAttr(_ *renderer, v any, a []any) (any, error) {
	d, ok := v.(*dict)
	if !ok {
		return nil, errf("TypeError", "xmlattr needs a mapping")
	}
	var parts []string
	for i, k := range d.keys {
		val := d.vals[i]
		if _, isU := val.(undefined); isU || val == nil {
			continue
		}
		key := strOf(k)
		if strings.IndexFunc(key, func(c rune) bool { return unicode.IsSpace(c) || strings.ContainsRune("/>=", c) }) >= 0 {
			return nil, errf("ValueError", "Invalid character in attribute name: %s", pyRepr(key))
		}
		parts = append(parts, htmlEscape(key)+`="`+htmlEscape(strOf(val))+`"`)
	}
	out := strings.Join(parts, " ")
	if truthy(a[0]) && out != "" {
		out = " " + out
	}
	return markup(out), nil
}

func filterFormat(_ *renderer, v any, args []any, kw []kwArg) (any, error) {
	if len(args) > 0 && len(kw) > 0 {
		return nil, errf("FilterArgumentError", "can't handle positional and keyword arguments at the same time")
	}
	var arg any = tuple(args)
	if len(kw) > 0 {
		d := newDict()
		for _, k := range kw {
			d.setStr(k.name, k.val)
		}
		arg = d
	}
	return pyPercent(strOf(v), arg)
}

func filterGroupby(_ *renderer, v any, a []any) (any, error) {
	items, err := iterate(v)
	if err != nil {
		return nil, err
	}
	lower := !truthy(a[2])
	key := attrGetter(a[0], a[1], lower)
	sorted, err := sortValues(items, key, false)
	if err != nil {
		return nil, err
	}
	out := []any{}
	var cur []any
	var curKey any
	for i, it := range sorted {
		k, err := key(it)
		if err != nil {
			return nil, err
		}
		if i > 0 && !equal(k, curKey) {
			out = append(out, tuple{curKey, cur})
			cur = nil
		}
		curKey = k
		cur = append(cur, it)
	}
	if len(cur) > 0 {
		out = append(out, tuple{curKey, cur})
	}
	if lower {
		// The grouper shows the first item's original value, as jinja2 does.
		get := attrGetter(a[0], a[1], false)
		for i, g := range out {
			first := g.(tuple)[1].([]any)[0]
			orig, err := get(first)
			if err != nil {
				return nil, err
			}
			out[i] = tuple{orig, g.(tuple)[1]}
		}
	}
	return out, nil
}

// filterIndent follows jinja2's indent, including its treatment of the
// last line.
func filterIndent(r *renderer, v any, a []any) (any, error) {
	switch x := v.(type) {
	case undefined:
		return nil, x.fail()
	case string, markup:
	case []any:
		return nil, errf("AttributeError", "'list' object has no attribute 'splitlines'")
	default:
		return nil, errf("TypeError", "unsupported operand type(s) for +=: %s and 'str'", pyRepr(typeName(v)))
	}
	var ind string
	if s, ok := asString(a[0]); ok {
		ind = s
	} else {
		n, err := argInt("indent", a[0])
		if err != nil {
			return nil, err
		}
		if n > 1000 {
			return nil, errf("LimitError", "indent %d too large", n)
		}
		ind = strings.Repeat(" ", int(max(n, 0)))
	}
	s := strOf(v) + "\n"
	lines := splitLines(s, false)
	if err := r.checkSize(len(s) + len(lines)*len(ind)); err != nil {
		return nil, err
	}
	var out string
	if truthy(a[2]) {
		out = strings.Join(lines, "\n"+ind)
	} else {
		out = lines[0]
		if len(lines) > 1 {
			var b strings.Builder
			for i, l := range lines[1:] {
				if i > 0 {
					b.WriteString("\n")
				}
				if l != "" {
					b.WriteString(ind)
				}
				b.WriteString(l)
			}
			out += "\n" + b.String()
		}
	}
	if truthy(a[1]) {
		out = ind + out
	}
	if _, ok := v.(markup); ok {
		return markup(out), nil
	}
	return out, nil
}

var (
	commentRe = regexp.MustCompile(`(?s)<!--.*?-->`)
	tagRe     = regexp.MustCompile(`(?s)<.*?>`)
)

// stripTags is Markup.striptags: drop comments and tags, collapse
// whitespace, then decode entities.
func stripTags(s string) string {
	s = commentRe.ReplaceAllString(s, "")
	s = tagRe.ReplaceAllString(s, "")
	s = strings.Join(strings.FieldsFunc(s, pyIsSpace), " ")
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&#34;", "\"", "&#39;", "'", "&quot;", "\"", "&apos;", "'", "&nbsp;", "\u00a0").Replace(s)
}

// pprint is Python's pprint.pformat (width 80, dict keys sorted): values
// whose repr does not fit are spread over lines.
func pprint(v any) string {
	p := &prettyPrinter{width: 80}
	p.format(v, 0, 0, 0)
	return p.b.String()
}

type prettyPrinter struct {
	b     strings.Builder
	width int
}

// sortedRepr is repr with dict keys sorted, as pprint's safe_repr.
func sortedRepr(v any, depth int) string {
	if depth > maxValueDepth {
		return "..."
	}
	switch x := v.(type) {
	case *dict:
		parts := make([]string, 0, x.len())
		for _, i := range sortedKeys(x) {
			parts = append(parts, sortedRepr(x.keys[i], depth+1)+": "+sortedRepr(x.vals[i], depth+1))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = sortedRepr(e, depth+1)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case tuple:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = sortedRepr(e, depth+1)
		}
		if len(x) == 1 {
			return "(" + parts[0] + ",)"
		}
		return "(" + strings.Join(parts, ", ") + ")"
	}
	return pyRepr(v)
}

func sortedKeys(d *dict) []int {
	idx := make([]int, d.len())
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool {
		c, err := compare(d.keys[idx[i]], d.keys[idx[j]], "<")
		if err != nil { // mixed key types: pprint falls back to ordering by type name
			return typeName(d.keys[idx[i]]) < typeName(d.keys[idx[j]])
		}
		return c < 0
	})
	return idx
}

func (p *prettyPrinter) format(v any, indent, allowance, level int) {
	rep := sortedRepr(v, 0)
	if utf8.RuneCountInString(rep) <= p.width-indent-allowance || level > maxValueDepth {
		p.b.WriteString(rep)
		return
	}
	level++
	switch x := v.(type) {
	case *dict:
		p.b.WriteByte('{')
		if x.len() > 0 {
			keys := sortedKeys(x)
			indent++
			for n, i := range keys {
				last := n == len(keys)-1
				kr := sortedRepr(x.keys[i], 0)
				p.b.WriteString(kr)
				p.b.WriteString(": ")
				a := 1
				if last {
					a = allowance + 1
				}
				p.format(x.vals[i], indent+utf8.RuneCountInString(kr)+2, a, level)
				if !last {
					p.b.WriteString(",\n" + strings.Repeat(" ", indent))
				}
			}
		}
		p.b.WriteByte('}')
	case []any:
		p.b.WriteByte('[')
		p.items(x, indent, allowance+1, level)
		p.b.WriteByte(']')
	case tuple:
		end := ")"
		if len(x) == 1 {
			end = ",)"
		}
		p.b.WriteByte('(')
		p.items(x, indent, allowance+len(end), level)
		p.b.WriteString(end)
	case string:
		p.str(x, indent, allowance, level)
	default:
		p.b.WriteString(rep)
	}
}

func (p *prettyPrinter) items(items []any, indent, allowance, level int) {
	indent++
	for i, it := range items {
		if i > 0 {
			p.b.WriteString(",\n" + strings.Repeat(" ", indent))
		}
		a := 1
		if i == len(items)-1 {
			a = allowance
		}
		p.format(it, indent, a, level)
	}
}

var wordSpaceRe = regexp.MustCompile(`\S*\s*`)

// str splits a long string into adjacent literals at word boundaries.
func (p *prettyPrinter) str(s string, indent, allowance, level int) {
	if s == "" {
		p.b.WriteString(pyRepr(s))
		return
	}
	lines := splitLines(s, true)
	if level == 1 {
		indent++
		allowance++
	}
	maxWidth1, maxWidth := p.width-indent, p.width-indent
	var chunks []string
	rlen := func(x string) int { return utf8.RuneCountInString(pyRepr(x)) }
	for i, line := range lines {
		if i == len(lines)-1 {
			maxWidth1 -= allowance
		}
		if rlen(line) <= maxWidth1 {
			chunks = append(chunks, pyRepr(line))
			continue
		}
		parts := wordSpaceRe.FindAllString(line, -1)
		maxWidth2 := maxWidth
		current := ""
		for j, part := range parts {
			candidate := current + part
			if j == len(parts)-1 && i == len(lines)-1 {
				maxWidth2 -= allowance
			}
			if rlen(candidate) > maxWidth2 {
				if current != "" {
					chunks = append(chunks, pyRepr(current))
				}
				current = part
			} else {
				current = candidate
			}
		}
		if current != "" {
			chunks = append(chunks, pyRepr(current))
		}
	}
	if len(chunks) == 1 {
		p.b.WriteString(chunks[0])
		return
	}
	if level == 1 {
		p.b.WriteByte('(')
	}
	for i, c := range chunks {
		if i > 0 {
			p.b.WriteString("\n" + strings.Repeat(" ", indent))
		}
		p.b.WriteString(c)
	}
	if level == 1 {
		p.b.WriteByte(')')
	}
}
