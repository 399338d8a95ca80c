package chat

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Methods templates call on values, with Python's behaviour. Methods that
// would change a list or dict are refused, as in jinja2's immutable sandbox.

var unsafeMethods = map[string]map[string]bool{
	"list": {"append": true, "clear": true, "pop": true, "reverse": true, "insert": true, "sort": true, "extend": true, "remove": true},
	"dict": {"clear": true, "pop": true, "popitem": true, "setdefault": true, "update": true},
}

type methodSpec struct {
	params   []string
	defaults []any // for the trailing params
	fn       func(r *renderer, recv any, a []any) (any, error)
}

var strMethods, dictMethods, listMethods map[string]methodSpec

// required marks a parameter without a default.
type requiredArg struct{}

var required = requiredArg{}

func init() {
	strMethods = map[string]methodSpec{
		"strip":        {[]string{"chars"}, []any{nil}, strStrip(true, true)},
		"lstrip":       {[]string{"chars"}, []any{nil}, strStrip(true, false)},
		"rstrip":       {[]string{"chars"}, []any{nil}, strStrip(false, true)},
		"split":        {[]string{"sep", "maxsplit"}, []any{nil, int64(-1)}, strSplit(false)},
		"rsplit":       {[]string{"sep", "maxsplit"}, []any{nil, int64(-1)}, strSplit(true)},
		"splitlines":   {[]string{"keepends"}, []any{false}, strSplitlines},
		"startswith":   {[]string{"prefix", "start", "end"}, []any{required, nil, nil}, strAffix(false)},
		"endswith":     {[]string{"suffix", "start", "end"}, []any{required, nil, nil}, strAffix(true)},
		"upper":        {nil, nil, strMap(pyUpper)},
		"lower":        {nil, nil, strMap(pyLower)},
		"casefold":     {nil, nil, strMap(pyCasefold)},
		"title":        {nil, nil, strMap(pyTitle)},
		"capitalize":   {nil, nil, strMap(pyCapitalize)},
		"swapcase":     {nil, nil, strMap(pySwapcase)},
		"replace":      {[]string{"old", "new", "count"}, []any{required, required, int64(-1)}, strReplace},
		"find":         {[]string{"sub", "start", "end"}, []any{required, nil, nil}, strFind(false, false)},
		"rfind":        {[]string{"sub", "start", "end"}, []any{required, nil, nil}, strFind(true, false)},
		"index":        {[]string{"sub", "start", "end"}, []any{required, nil, nil}, strFind(false, true)},
		"rindex":       {[]string{"sub", "start", "end"}, []any{required, nil, nil}, strFind(true, true)},
		"count":        {[]string{"sub", "start", "end"}, []any{required, nil, nil}, strCount},
		"join":         {[]string{"iterable"}, []any{required}, strJoin},
		"isdigit":      {nil, nil, strIs(unicode.IsDigit)},
		"isdecimal":    {nil, nil, strIs(func(r rune) bool { return unicode.Is(unicode.Nd, r) })},
		"isnumeric":    {nil, nil, strIs(unicode.IsNumber)},
		"isalpha":      {nil, nil, strIs(unicode.IsLetter)},
		"isalnum":      {nil, nil, strIs(func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) })},
		"isspace":      {nil, nil, strIs(pyIsSpace)},
		"isascii":      {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) { return isASCII(strOf(recv)), nil }},
		"islower":      {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) { return pyIsLower(strOf(recv)), nil }},
		"isupper":      {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) { return pyIsUpper(strOf(recv)), nil }},
		"istitle":      {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) { return pyIsTitle(strOf(recv)), nil }},
		"center":       {[]string{"width", "fillchar"}, []any{required, " "}, strPad('c')},
		"ljust":        {[]string{"width", "fillchar"}, []any{required, " "}, strPad('l')},
		"rjust":        {[]string{"width", "fillchar"}, []any{required, " "}, strPad('r')},
		"zfill":        {[]string{"width"}, []any{required}, strZfill},
		"expandtabs":   {[]string{"tabsize"}, []any{int64(8)}, strExpandtabs},
		"partition":    {[]string{"sep"}, []any{required}, strPartition(false)},
		"rpartition":   {[]string{"sep"}, []any{required}, strPartition(true)},
		"removeprefix": {[]string{"prefix"}, []any{required}, strRemove(false)},
		"removesuffix": {[]string{"suffix"}, []any{required}, strRemove(true)},
	}
	dictMethods = map[string]methodSpec{
		"items": {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) {
			return &dictView{"dict_items", dictItems(recv.(*dict))}, nil
		}},
		"keys": {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) {
			return &dictView{"dict_keys", append([]any{}, recv.(*dict).keys...)}, nil
		}},
		"values": {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) {
			return &dictView{"dict_values", append([]any{}, recv.(*dict).vals...)}, nil
		}},
		"get": {[]string{"key", "default"}, []any{required, nil}, func(_ *renderer, recv any, a []any) (any, error) {
			v, ok, err := recv.(*dict).get(a[0])
			if err != nil {
				return nil, err
			}
			if !ok {
				return a[1], nil
			}
			return v, nil
		}},
		"copy": {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) { return recv.(*dict).copy(), nil }},
	}
	listMethods = map[string]methodSpec{
		"index": {[]string{"value"}, []any{required}, func(_ *renderer, recv any, a []any) (any, error) {
			items, _ := iterate(recv)
			for i, it := range items {
				if equal(it, a[0]) {
					return int64(i), nil
				}
			}
			return nil, errf("ValueError", "%s is not in list", pyRepr(a[0]))
		}},
		"count": {[]string{"value"}, []any{required}, func(_ *renderer, recv any, a []any) (any, error) {
			items, _ := iterate(recv)
			n := int64(0)
			for _, it := range items {
				if equal(it, a[0]) {
					n++
				}
			}
			return n, nil
		}},
		"copy": {nil, nil, func(_ *renderer, recv any, _ []any) (any, error) {
			items, _ := iterate(recv)
			return append([]any{}, items...), nil
		}},
	}
}

// method returns obj.name bound to obj when obj's Python type has it.
func method(obj any, name string) (any, bool) {
	var specs map[string]methodSpec
	tn := typeName(obj)
	switch obj.(type) {
	case string, markup:
		specs = strMethods
	case *dict:
		specs = dictMethods
	case []any, tuple:
		specs = listMethods
		if _, isTuple := obj.(tuple); isTuple && name == "copy" {
			return nil, false
		}
	default:
		return nil, false
	}
	if unsafeMethods[tn][name] {
		return undefined{hint: fmt.Sprintf("access to attribute %s of %s object is unsafe.", pyRepr(name), pyRepr(tn)), kind: "SecurityError", name: name}, true
	}
	if name == "format" && (tn == "str" || tn == "Markup") {
		return &function{name: tn + ".format", call: func(_ *renderer, args []any, kw []kwArg) (any, error) {
			if _, isMarkup := obj.(markup); isMarkup {
				args = escapeArgs(args)
				for i := range kw {
					kw[i].val = escapeArgs([]any{kw[i].val})[0]
				}
				out, err := strFormat(strOf(obj), args, kw)
				return markup(out), err
			}
			return strFormat(strOf(obj), args, kw)
		}}, true
	}
	spec, ok := specs[name]
	if !ok {
		return nil, false
	}
	fname := tn + "." + name
	desc := fmt.Sprintf("<built-in method %s of %s object at %s>", name, tn, fakeAddress)
	return &function{name: fname, repr: desc, call: func(r *renderer, args []any, kw []kwArg) (any, error) {
		a, err := bindArgs(fname, args, kw, spec.params, spec.defaults)
		if err != nil {
			return nil, err
		}
		out, err := spec.fn(r, obj, a)
		if err != nil {
			return nil, err
		}
		// Markup's string methods return Markup.
		if _, isMarkup := obj.(markup); isMarkup {
			if s, ok := out.(string); ok && name != "join" {
				return markup(s), nil
			}
		}
		return out, nil
	}}, true
}

// bindArgs matches positional and keyword arguments to parameter names the
// way Python does for a function with defaults.
func bindArgs(fname string, args []any, kw []kwArg, params []string, defaults []any) ([]any, error) {
	if len(args) > len(params) {
		return nil, errf("TypeError", "%s() takes at most %d argument(s) (%d given)", fname, len(params), len(args))
	}
	out := make([]any, len(params))
	set := make([]bool, len(params))
	for i, a := range args {
		out[i], set[i] = a, true
	}
	for _, k := range kw {
		found := false
		for i, p := range params {
			if p == k.name {
				if set[i] {
					return nil, errf("TypeError", "%s() got multiple values for argument %s", fname, pyRepr(k.name))
				}
				out[i], set[i], found = k.val, true, true
			}
		}
		if !found {
			return nil, errf("TypeError", "%s() got an unexpected keyword argument %s", fname, pyRepr(k.name))
		}
	}
	first := len(params) - len(defaults)
	for i := range params {
		if set[i] {
			continue
		}
		if i < first || defaults[i-first] == required {
			return nil, errf("TypeError", "%s() missing required argument %s", fname, pyRepr(params[i]))
		}
		out[i] = defaults[i-first]
	}
	return out, nil
}

func dictItems(d *dict) []any {
	out := make([]any, d.len())
	for i, k := range d.keys {
		out[i] = tuple{k, d.vals[i]}
	}
	return out
}

// argString requires a str argument.
func argString(fname string, v any) (string, error) {
	if s, ok := asString(v); ok {
		return s, nil
	}
	if u, ok := v.(undefined); ok {
		return "", u.fail()
	}
	return "", errf("TypeError", "%s() argument must be str, not %s", fname, typeName(v))
}

// argInt requires an int argument (bools count).
func argInt(fname string, v any) (int64, error) {
	_, i, isInt, ok := number(v)
	if ok && isInt {
		return i, nil
	}
	if u, ok := v.(undefined); ok {
		return 0, u.fail()
	}
	return 0, errf("TypeError", "%s() argument must be int, not %s", fname, typeName(v))
}

func strStrip(left, right bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, a []any) (any, error) {
		s := strOf(recv)
		isCut := pyIsSpace
		if a[0] != nil {
			chars, err := argString("strip", a[0])
			if err != nil {
				return nil, err
			}
			isCut = func(r rune) bool { return strings.ContainsRune(chars, r) }
		}
		if left {
			s = strings.TrimLeftFunc(s, isCut)
		}
		if right {
			s = strings.TrimRightFunc(s, isCut)
		}
		return s, nil
	}
}

func strSplit(fromRight bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, a []any) (any, error) {
		s := strOf(recv)
		maxsplit, err := argInt("split", a[1])
		if err != nil {
			return nil, err
		}
		var parts []string
		if a[0] == nil {
			parts = splitWhitespace(s, int(maxsplit), fromRight)
		} else {
			sep, err := argString("split", a[0])
			if err != nil {
				return nil, err
			}
			if sep == "" {
				return nil, errf("ValueError", "empty separator")
			}
			switch {
			case maxsplit < 0:
				parts = strings.Split(s, sep)
			case fromRight:
				parts = rsplitN(s, sep, int(maxsplit))
			default:
				parts = strings.SplitN(s, sep, int(maxsplit)+1)
			}
		}
		out := make([]any, len(parts))
		for i, p := range parts {
			if _, ok := recv.(markup); ok {
				out[i] = markup(p)
			} else {
				out[i] = p
			}
		}
		return out, nil
	}
}

func rsplitN(s, sep string, n int) []string {
	var out []string
	for n > 0 {
		i := strings.LastIndex(s, sep)
		if i < 0 {
			break
		}
		out = append(out, s[i+len(sep):])
		s = s[:i]
		n--
	}
	out = append(out, s)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// splitWhitespace is str.split() without a separator: runs of whitespace
// separate words, and leftover text after maxsplit keeps its inner spacing.
func splitWhitespace(s string, maxsplit int, fromRight bool) []string {
	runes := []rune(s)
	var out []string
	if !fromRight {
		i := 0
		for {
			for i < len(runes) && pyIsSpace(runes[i]) {
				i++
			}
			if i >= len(runes) {
				return out
			}
			if maxsplit >= 0 && len(out) == maxsplit {
				out = append(out, string(runes[i:]))
				return out
			}
			j := i
			for j < len(runes) && !pyIsSpace(runes[j]) {
				j++
			}
			out = append(out, string(runes[i:j]))
			i = j
		}
	}
	i := len(runes)
	for {
		for i > 0 && pyIsSpace(runes[i-1]) {
			i--
		}
		if i <= 0 {
			break
		}
		if maxsplit >= 0 && len(out) == maxsplit {
			out = append(out, string(runes[:i]))
			break
		}
		j := i
		for j > 0 && !pyIsSpace(runes[j-1]) {
			j--
		}
		out = append(out, string(runes[j:i]))
		i = j
	}
	for l, r := 0, len(out)-1; l < r; l, r = l+1, r-1 {
		out[l], out[r] = out[r], out[l]
	}
	return out
}

func isLineBreak(r rune) bool {
	switch r {
	case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// splitLines is str.splitlines(keepends).
func splitLines(s string, keepends bool) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if !isLineBreak(r) {
			i += n
			continue
		}
		end := i + n
		if r == '\r' && end < len(s) && s[end] == '\n' {
			end++
		}
		if keepends {
			out = append(out, s[start:end])
		} else {
			out = append(out, s[start:i])
		}
		start, i = end, end
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func strSplitlines(_ *renderer, recv any, a []any) (any, error) {
	lines := splitLines(strOf(recv), truthy(a[0]))
	out := make([]any, len(lines))
	for i, l := range lines {
		out[i] = l
	}
	return out, nil
}

// runeRange applies optional Python start/end arguments to s.
func runeRange(s string, start, end any) (string, int, error) {
	runes := []rune(s)
	n := int64(len(runes))
	lo, hi := int64(0), n
	clamp := func(v any, def int64) (int64, error) {
		if v == nil {
			return def, nil
		}
		i, err := argInt("slice", v)
		if err != nil {
			return 0, err
		}
		if i < 0 {
			i += n
			if i < 0 {
				i = 0
			}
		}
		if i > n {
			i = n
		}
		return i, nil
	}
	var err error
	if lo, err = clamp(start, 0); err != nil {
		return "", 0, err
	}
	if hi, err = clamp(end, n); err != nil {
		return "", 0, err
	}
	if hi < lo {
		return "", int(lo), nil
	}
	return string(runes[lo:hi]), int(lo), nil
}

func strAffix(suffix bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, a []any) (any, error) {
		s, _, err := runeRange(strOf(recv), a[1], a[2])
		if err != nil {
			return nil, err
		}
		if int64Start, ok := a[1].(int64); ok && int64Start > int64(runeLenOf(strOf(recv))) {
			return false, nil
		}
		var options []any
		switch x := a[0].(type) {
		case tuple:
			options = x
		default:
			options = []any{x}
		}
		for _, o := range options {
			p, ok := asString(o)
			if !ok {
				return nil, errf("TypeError", "startswith first arg must be str or a tuple of str, not %s", typeName(o))
			}
			if (suffix && strings.HasSuffix(s, p)) || (!suffix && strings.HasPrefix(s, p)) {
				return true, nil
			}
		}
		return false, nil
	}
}

func runeLenOf(s string) int { return utf8.RuneCountInString(s) }

func strMap(f func(string) string) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, _ []any) (any, error) { return f(strOf(recv)), nil }
}

func strReplace(r *renderer, recv any, a []any) (any, error) {
	old, err := argString("replace", a[0])
	if err != nil {
		return nil, err
	}
	repl, err := argString("replace", a[1])
	if err != nil {
		return nil, err
	}
	if _, ok := recv.(markup); ok {
		if _, ok := a[1].(markup); !ok {
			repl = htmlEscape(repl)
		}
	}
	count, err := argInt("replace", a[2])
	if err != nil {
		return nil, err
	}
	return r.replace(strOf(recv), old, repl, int(count))
}

// replace is str.replace with the result size checked first.
func (r *renderer) replace(s, old, repl string, count int) (string, error) {
	n := strings.Count(s, old)
	if count >= 0 && count < n {
		n = count
	}
	if err := r.checkSize(len(s) + n*(len(repl)-len(old))); err != nil {
		return "", err
	}
	return strings.Replace(s, old, repl, count), nil
}

func strFind(fromRight, raise bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, a []any) (any, error) {
		sub, err := argString("find", a[0])
		if err != nil {
			return nil, err
		}
		s, offset, err := runeRange(strOf(recv), a[1], a[2])
		if err != nil {
			return nil, err
		}
		var i int
		if fromRight {
			i = strings.LastIndex(s, sub)
		} else {
			i = strings.Index(s, sub)
		}
		if i < 0 {
			if raise {
				return nil, errf("ValueError", "substring not found")
			}
			return int64(-1), nil
		}
		return int64(offset + utf8.RuneCountInString(s[:i])), nil
	}
}

func strCount(_ *renderer, recv any, a []any) (any, error) {
	sub, err := argString("count", a[0])
	if err != nil {
		return nil, err
	}
	s, _, err := runeRange(strOf(recv), a[1], a[2])
	if err != nil {
		return nil, err
	}
	return int64(strings.Count(s, sub)), nil
}

func strJoin(r *renderer, recv any, a []any) (any, error) {
	items, err := iterate(a[0])
	if err != nil {
		return nil, err
	}
	sep := strOf(recv)
	_, isMarkup := recv.(markup)
	parts := make([]string, len(items))
	total := 0
	for i, it := range items {
		s, ok := asString(it)
		if !ok {
			return nil, errf("TypeError", "sequence item %d: expected str instance, %s found", i, typeName(it))
		}
		if _, m := it.(markup); isMarkup && !m {
			s = htmlEscape(s)
		}
		parts[i] = s
		total += len(s) + len(sep)
	}
	if err := r.checkSize(total); err != nil {
		return nil, err
	}
	out := strings.Join(parts, sep)
	if isMarkup {
		return markup(out), nil
	}
	return out, nil
}

func strIs(pred func(rune) bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, _ []any) (any, error) {
		s := strOf(recv)
		if s == "" {
			return false, nil
		}
		for _, r := range s {
			if !pred(r) {
				return false, nil
			}
		}
		return true, nil
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func isCased(r rune) bool { return unicode.IsUpper(r) || unicode.IsLower(r) || unicode.IsTitle(r) }

func pyIsLower(s string) bool {
	cased := false
	for _, r := range s {
		if unicode.IsUpper(r) || unicode.IsTitle(r) {
			return false
		}
		if unicode.IsLower(r) {
			cased = true
		}
	}
	return cased
}

func pyIsUpper(s string) bool {
	cased := false
	for _, r := range s {
		if unicode.IsLower(r) || unicode.IsTitle(r) {
			return false
		}
		if unicode.IsUpper(r) {
			cased = true
		}
	}
	return cased
}

func pyIsTitle(s string) bool {
	cased, prevCased := false, false
	for _, r := range s {
		switch {
		case unicode.IsUpper(r) || unicode.IsTitle(r):
			if prevCased {
				return false
			}
			prevCased, cased = true, true
		case unicode.IsLower(r):
			if !prevCased {
				return false
			}
			prevCased, cased = true, true
		default:
			prevCased = false
		}
	}
	return cased
}

// Characters whose Python upper case is more than one character.
var specialUpper = map[rune]string{
	'ß': "SS", 'ŉ': "ʼN", 'ǰ': "J̌", 'ΐ': "Ϊ́", 'ΰ': "Ϋ́", 'և': "ԵՒ",
	'ẖ': "H̱", 'ẗ': "T̈", 'ẘ': "W̊", 'ẙ': "Y̊", 'ẚ': "Aʾ",
	'ﬀ': "FF", 'ﬁ': "FI", 'ﬂ': "FL", 'ﬃ': "FFI", 'ﬄ': "FFL", 'ﬅ': "ST", 'ﬆ': "ST",
	'ﬓ': "ՄՆ", 'ﬔ': "ՄԵ", 'ﬕ': "ՄԻ", 'ﬖ': "ՎՆ", 'ﬗ': "ՄԽ",
}

func pyUpper(s string) string {
	var b strings.Builder
	for _, r := range s {
		if up, ok := specialUpper[r]; ok {
			b.WriteString(up)
		} else {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// pyLower is str.lower(), including the final sigma rule and İ.
func pyLower(s string) string {
	var b strings.Builder
	runes := []rune(s)
	for i := range runes {
		b.WriteString(lowerAt(runes, i))
	}
	return b.String()
}

// finalSigma reports whether the capital sigma at i ends a word: a cased
// letter before it and none after it (skipping case-ignorable characters).
func finalSigma(runes []rune, i int) bool {
	ignorable := func(r rune) bool {
		return unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Lm, unicode.Sk) || r == '\'' || r == '.' || r == ':'
	}
	before := false
	for j := i - 1; j >= 0; j-- {
		if ignorable(runes[j]) {
			continue
		}
		before = isCased(runes[j])
		break
	}
	if !before {
		return false
	}
	for j := i + 1; j < len(runes); j++ {
		if ignorable(runes[j]) {
			continue
		}
		return !isCased(runes[j])
	}
	return true
}

// lowerAt lowers the character at i, with the context final sigma needs.
func lowerAt(runes []rune, i int) string {
	switch runes[i] {
	case 'İ':
		return "i̇"
	case 'Σ':
		if finalSigma(runes, i) {
			return "ς"
		}
		return "σ"
	}
	return string(unicode.ToLower(runes[i]))
}

// Characters whose case folding is not their lower case.
var specialFold = map[rune]string{
	'ß': "ss", 'ẞ': "ss", 'ς': "σ", 'ſ': "s", 'İ': "i̇", 'ŉ': "ʼn", 'ǰ': "ǰ", 'ΐ': "ΐ", 'ΰ': "ΰ", 'և': "եւ",
	'ﬀ': "ff", 'ﬁ': "fi", 'ﬂ': "fl", 'ﬃ': "ffi", 'ﬄ': "ffl", 'ﬅ': "st", 'ﬆ': "st",
	'ﬓ': "մն", 'ﬔ': "մե", 'ﬕ': "մի", 'ﬖ': "վն", 'ﬗ': "մխ", 'ϐ': "β", 'ϑ': "θ", 'ϕ': "φ", 'ϖ': "π", 'ϰ': "κ", 'ϱ': "ρ", 'ϵ': "ε", 'ẛ': "ṡ",
}

// pyCasefold is str.casefold(): lower case plus Unicode's full folding.
func pyCasefold(s string) string {
	var b strings.Builder
	for _, r := range s {
		if f, ok := specialFold[r]; ok {
			b.WriteString(f)
		} else {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

func pyTitle(s string) string {
	var b strings.Builder
	prevCased := false
	runes := []rune(s)
	for i, r := range runes {
		if isCased(r) {
			if prevCased {
				b.WriteString(lowerAt(runes, i))
			} else if up, ok := specialUpper[r]; ok {
				b.WriteString(up[:utf8.RuneLen([]rune(up)[0])] + pyLower(up[utf8.RuneLen([]rune(up)[0]):]))
			} else {
				b.WriteRune(unicode.ToTitle(r))
			}
			prevCased = true
		} else {
			b.WriteRune(r)
			prevCased = false
		}
	}
	return b.String()
}

func pyCapitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	first := string(unicode.ToTitle(r))
	if up, ok := specialUpper[r]; ok {
		first = up[:utf8.RuneLen([]rune(up)[0])] + pyLower(up[utf8.RuneLen([]rune(up)[0]):])
	}
	return first + pyLower(s[n:])
}

func pySwapcase(s string) string {
	var b strings.Builder
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case unicode.IsUpper(r):
			b.WriteString(lowerAt(runes, i))
		case unicode.IsLower(r):
			b.WriteString(pyUpper(string(r)))
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func strPad(align byte) func(*renderer, any, []any) (any, error) {
	return func(r *renderer, recv any, a []any) (any, error) {
		width, err := argInt("pad", a[0])
		if err != nil {
			return nil, err
		}
		fill, err := argString("pad", a[1])
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(fill) != 1 {
			return nil, errf("TypeError", "The fill character must be exactly one character long")
		}
		return r.pad(strOf(recv), width, fill, align)
	}
}

// pad is str.center/ljust/rjust.
func (r *renderer) pad(s string, width int64, fill string, align byte) (string, error) {
	n := int64(utf8.RuneCountInString(s))
	if width <= n {
		return s, nil
	}
	if err := r.checkSize(int(width-n)*len(fill) + len(s)); err != nil {
		return "", err
	}
	total := int(width - n)
	var left int
	switch align {
	case 'l':
		left = 0
	case 'r':
		left = total
	default:
		// CPython puts the extra fill character on the left when both the
		// padding and the width are odd.
		left = total / 2
		if total%2 == 1 && width%2 == 1 {
			left++
		}
	}
	return strings.Repeat(fill, left) + s + strings.Repeat(fill, total-left), nil
}

func strZfill(r *renderer, recv any, a []any) (any, error) {
	width, err := argInt("zfill", a[0])
	if err != nil {
		return nil, err
	}
	s := strOf(recv)
	sign := ""
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[:1], s[1:]
	}
	padded, err := r.pad(s, width-int64(len(sign)), "0", 'r')
	return sign + padded, err
}

func strExpandtabs(r *renderer, recv any, a []any) (any, error) {
	size, err := argInt("expandtabs", a[0])
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	col := int64(0)
	for _, c := range strOf(recv) {
		switch {
		case c == '\t':
			if size > 0 {
				n := size - col%size
				if err := r.checkSize(b.Len() + int(n)); err != nil {
					return nil, err
				}
				b.WriteString(strings.Repeat(" ", int(n)))
				col += n
			}
		case c == '\n' || c == '\r':
			b.WriteRune(c)
			col = 0
		default:
			b.WriteRune(c)
			col++
		}
	}
	return b.String(), nil
}

func strPartition(fromRight bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, a []any) (any, error) {
		sep, err := argString("partition", a[0])
		if err != nil {
			return nil, err
		}
		if sep == "" {
			return nil, errf("ValueError", "empty separator")
		}
		s := strOf(recv)
		var i int
		if fromRight {
			i = strings.LastIndex(s, sep)
		} else {
			i = strings.Index(s, sep)
		}
		if i < 0 {
			if fromRight {
				return tuple{"", "", s}, nil
			}
			return tuple{s, "", ""}, nil
		}
		return tuple{s[:i], sep, s[i+len(sep):]}, nil
	}
}

func strRemove(suffix bool) func(*renderer, any, []any) (any, error) {
	return func(_ *renderer, recv any, a []any) (any, error) {
		p, err := argString("remove", a[0])
		if err != nil {
			return nil, err
		}
		if suffix {
			return strings.TrimSuffix(strOf(recv), p), nil
		}
		return strings.TrimPrefix(strOf(recv), p), nil
	}
}

// htmlEscape is markupsafe.escape for text.
func htmlEscape(s string) string {
	if !strings.ContainsAny(s, "&<>\"'") {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&#34;")
		case '\'':
			b.WriteString("&#39;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// escapeArgs escapes text arguments given to a Markup method.
func escapeArgs(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		if s, ok := a.(string); ok {
			out[i] = markup(htmlEscape(s))
		} else {
			out[i] = a
		}
	}
	return out
}
