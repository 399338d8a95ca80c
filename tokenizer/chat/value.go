package chat

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Template values mirror the Python objects jinja2 works on, because the
// rendered text depends on Python's semantics (str() of a list, 1 == True,
// ordered dicts, ...). The dynamic types are:
//
//	undefined   jinja2's Undefined: prints as "", fails on most operations
//	nil         None
//	bool, int64, float64
//	string      str
//	markup      markupsafe.Markup (from |safe and |escape)
//	[]any       list
//	tuple       tuple
//	*dict       dict (insertion ordered)
//	*namespace  jinja2's namespace()
//	*function   built-in functions and bound methods
//	*macro      {% macro %} and call-block callers
//	*loopCtx    the loop variable
type (
	markup string
	tuple  []any
)

// undefined records how a missing value was looked up so that the error
// raised when it is used names it the way jinja2 does.
type undefined struct {
	name    string // the missing name, key or attribute
	obj     string // type description of the container; "" for a plain name
	element bool   // looked up by a non-string key
	hint    string // replaces the whole message when set
	kind    string // error class raised on use; UndefinedError when empty
}

func (u undefined) message() string {
	switch {
	case u.hint != "":
		return u.hint
	case u.obj == "":
		return pyRepr(u.name) + " is undefined"
	case u.element:
		return u.obj + " has no element " + u.name
	default:
		return pyRepr(u.obj) + " has no attribute " + pyRepr(u.name)
	}
}

func (u undefined) fail() error {
	kind := u.kind
	if kind == "" {
		kind = "UndefinedError"
	}
	return &Error{Kind: kind, Message: u.message()}
}

// undefinedAttr is the value of a missing attribute or item of obj.
func undefinedAttr(obj any, name any) undefined {
	if s, ok := name.(string); ok {
		return undefined{name: s, obj: objectTypeRepr(obj)}
	}
	return undefined{name: pyRepr(name), obj: objectTypeRepr(obj), element: true}
}

type namespace struct{ attrs *dict }

// generator is a one-shot Python iterator, what map, select, unique and
// similar filters return. Its items are computed on first use, so errors
// surface only if it is consumed; it is always true, has no len(), and a
// second loop over it sees nothing.
type generator struct {
	name   string // Python type name, for messages
	origin string // the Python function behind a generator object
	run    func() ([]any, error)
	done   bool
}

func newGenerator(name, origin string, run func() ([]any, error)) *generator {
	return &generator{name: name, origin: origin, run: run}
}

// dictView is what dict.keys(), values() and items() return: it prints as
// dict_keys([...]) and so on and is otherwise used for iteration.
type dictView struct {
	kind  string // "dict_keys", "dict_values" or "dict_items"
	items []any
}

// fakeAddress stands in for the memory address in Python's default repr
// of objects, so that the text has the usual shape and length.
const fakeAddress = "0x7f0000000000"

// pyRange is what range() returns: it prints as range(a, b) and is
// expanded when iterated.
type pyRange struct{ start, stop, step int64 }

func (x *pyRange) len() int64 {
	switch {
	case x.step > 0 && x.stop > x.start:
		return (x.stop - x.start + x.step - 1) / x.step
	case x.step < 0 && x.stop < x.start:
		return (x.start - x.stop - x.step - 1) / -x.step
	}
	return 0
}

func (x *pyRange) items() []any {
	out := make([]any, x.len())
	for i := range out {
		out[i] = x.start + int64(i)*x.step
	}
	return out
}

type kwArg struct {
	name string
	val  any
}

type function struct {
	name string
	repr string // how Python prints it, when not a plain built-in
	call func(r *renderer, args []any, kw []kwArg) (any, error)
}

// dict is an insertion-ordered mapping with Python key equality (1, 1.0 and
// True are the same key).
type dict struct {
	keys  []any
	vals  []any
	index map[any]int
}

func newDict() *dict { return &dict{index: map[any]int{}} }

type noneKey struct{}
type undefKey struct{}
type tupleKey string

// maxValueDepth bounds recursion over nested values (printing, comparing,
// hashing, JSON). Python stops at its recursion limit too; here it keeps a
// hostile template from exhausting the stack.
const maxValueDepth = 500

func errTooDeep() error {
	return errf("RecursionError", "maximum recursion depth exceeded while handling a nested value")
}

// hashKey maps a value to a Go map key with Python's hash equality.
func hashKey(v any) (any, error) { return hashKeyAt(v, 0) }

func hashKeyAt(v any, depth int) (any, error) {
	if depth > maxValueDepth {
		return nil, errTooDeep()
	}
	switch x := v.(type) {
	case nil:
		return noneKey{}, nil
	case undefined:
		return undefKey{}, nil
	case bool:
		if x {
			return int64(1), nil
		}
		return int64(0), nil
	case int64:
		return x, nil
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < 1<<63 {
			return int64(x), nil
		}
		return x, nil
	case string:
		return x, nil
	case markup:
		return string(x), nil
	case tuple:
		var b strings.Builder
		for _, e := range x {
			k, err := hashKeyAt(e, depth+1)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(&b, "%T:%v\x00", k, k)
		}
		return tupleKey(b.String()), nil
	}
	switch x := v.(type) {
	case *namespace, *function, *macro, *loopCtx, *generator:
		return x, nil // hashed by identity, like Python objects
	case *pyRange:
		return *x, nil
	}
	return nil, errf("TypeError", "unhashable type: %s", pyRepr(typeName(v)))
}

func (d *dict) get(k any) (any, bool, error) {
	h, err := hashKey(k)
	if err != nil {
		return nil, false, err
	}
	i, ok := d.index[h]
	if !ok {
		return nil, false, nil
	}
	return d.vals[i], true, nil
}

func (d *dict) set(k, v any) error {
	h, err := hashKey(k)
	if err != nil {
		return err
	}
	if i, ok := d.index[h]; ok {
		d.vals[i] = v
		return nil
	}
	d.index[h] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
	return nil
}

func (d *dict) setStr(k string, v any) { _ = d.set(k, v) }

func (d *dict) len() int { return len(d.keys) }

func (d *dict) copy() *dict {
	c := &dict{keys: append([]any(nil), d.keys...), vals: append([]any(nil), d.vals...), index: make(map[any]int, len(d.index))}
	for k, v := range d.index {
		c.index[k] = v
	}
	return c
}

// typeName is Python's type(v).__name__.
func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case undefined:
		return "Undefined"
	case bool:
		return "bool"
	case int64:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case markup:
		return "Markup"
	case []any:
		return "list"
	case tuple:
		return "tuple"
	case *dict:
		return "dict"
	case *namespace:
		return "Namespace"
	case *function:
		return "builtin_function_or_method"
	case *macro:
		return "Macro"
	case *loopCtx:
		return "LoopContext"
	case *generator:
		return v.(*generator).name
	case *pyRange:
		return "range"
	case *dictView:
		return v.(*dictView).kind
	}
	return fmt.Sprintf("%T", v)
}

// objectTypeRepr is how jinja2 names a container in undefined messages.
func objectTypeRepr(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case undefined:
		return "Undefined"
	}
	return typeName(v) + " object"
}

// truthy is Python's bool(v).
func truthy(v any) bool {
	switch x := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return x
	case int64:
		return x != 0
	case float64:
		return x != 0
	case string:
		return x != ""
	case markup:
		return x != ""
	case []any:
		return len(x) > 0
	case tuple:
		return len(x) > 0
	case *dict:
		return x.len() > 0
	case *pyRange:
		return x.len() > 0
	case *dictView:
		return len(x.items) > 0
	}
	return true
}

// strOf is Python's str(v) (Markup stays text).
func strOf(v any) string {
	switch x := v.(type) {
	case undefined:
		return ""
	case string:
		return x
	case markup:
		return string(x)
	}
	return pyRepr(v)
}

// pyRepr is Python's repr(v).
func pyRepr(v any) string {
	var b strings.Builder
	writeRepr(&b, v, 0)
	return b.String()
}

func writeRepr(b *strings.Builder, v any, depth int) {
	if depth > maxValueDepth {
		b.WriteString("...")
		return
	}
	switch x := v.(type) {
	case nil:
		b.WriteString("None")
	case undefined:
		b.WriteString("Undefined")
	case bool:
		if x {
			b.WriteString("True")
		} else {
			b.WriteString("False")
		}
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		b.WriteString(formatFloat(x))
	case string:
		writeQuoted(b, x)
	case markup:
		b.WriteString("Markup(")
		writeQuoted(b, string(x))
		b.WriteString(")")
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e, depth+1)
		}
		b.WriteByte(']')
	case tuple:
		b.WriteByte('(')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, e, depth+1)
		}
		if len(x) == 1 {
			b.WriteByte(',')
		}
		b.WriteByte(')')
	case *dict:
		b.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				b.WriteString(", ")
			}
			writeRepr(b, k, depth+1)
			b.WriteString(": ")
			writeRepr(b, x.vals[i], depth+1)
		}
		b.WriteByte('}')
	case *namespace:
		b.WriteString("<Namespace ")
		writeRepr(b, x.attrs, depth+1)
		b.WriteString(">")
	case *function:
		if x.repr != "" {
			b.WriteString(x.repr)
		} else {
			fmt.Fprintf(b, "<built-in function %s>", x.name)
		}
	case *macro:
		fmt.Fprintf(b, "<Macro %s>", pyRepr(x.def.name))
	case *loopCtx:
		fmt.Fprintf(b, "<LoopContext %d/%d>", x.i+1, len(x.items))
	case *generator:
		if x.origin != "" {
			fmt.Fprintf(b, "<%s object %s at %s>", x.name, x.origin, fakeAddress)
		} else {
			fmt.Fprintf(b, "<%s object at %s>", x.name, fakeAddress)
		}
	case *dictView:
		b.WriteString(x.kind)
		b.WriteByte('(')
		writeRepr(b, x.items, depth+1)
		b.WriteByte(')')
	case *pyRange:
		if x.step == 1 {
			fmt.Fprintf(b, "range(%d, %d)", x.start, x.stop)
		} else {
			fmt.Fprintf(b, "range(%d, %d, %d)", x.start, x.stop, x.step)
		}
	default:
		fmt.Fprintf(b, "%v", x)
	}
}

// writeQuoted writes a Python string literal the way repr() does.
func writeQuoted(b *strings.Builder, s string) {
	quote := '\''
	if strings.ContainsRune(s, '\'') && !strings.ContainsRune(s, '"') {
		quote = '"'
	}
	b.WriteRune(quote)
	for _, r := range s {
		switch {
		case r == quote || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r < 0x100:
			fmt.Fprintf(b, `\x%02x`, r)
		case r < 0x10000:
			fmt.Fprintf(b, `\u%04x`, r)
		default:
			fmt.Fprintf(b, `\U%08x`, r)
		}
	}
	b.WriteRune(quote)
}

// formatFloat is Python's repr(float): the shortest digits that round trip,
// positional for exponents in [-4, 16), scientific otherwise, always showing
// that the value is a float.
func formatFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±XX
	sign := ""
	if e[0] == '-' {
		sign, e = "-", e[1:]
	}
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1 // position of the decimal point relative to digits
	if decpt > -4 && decpt <= 16 {
		var s string
		switch {
		case decpt <= 0:
			s = "0." + strings.Repeat("0", -decpt) + digits
		case decpt >= len(digits):
			s = digits + strings.Repeat("0", decpt-len(digits)) + ".0"
		default:
			s = digits[:decpt] + "." + digits[decpt:]
		}
		return sign + s
	}
	s := digits[:1]
	if len(digits) > 1 {
		s += "." + digits[1:]
	}
	es := "+"
	if exp < 0 {
		es, exp = "-", -exp
	}
	return fmt.Sprintf("%s%se%s%02d", sign, s, es, exp)
}

// equal is Python's ==.
func equal(a, b any) bool { return equalAt(a, b, 0) }

func equalAt(a, b any, depth int) bool {
	if depth > maxValueDepth {
		return false
	}
	switch x := a.(type) {
	case undefined:
		_, ok := b.(undefined)
		return ok
	case nil:
		return b == nil
	case bool, int64, float64:
		xf, xi, xIsInt, _ := number(x)
		yf, yi, yIsInt, ok := number(b)
		if !ok {
			return false
		}
		if xIsInt && yIsInt {
			return xi == yi
		}
		return xf == yf
	case string:
		y, ok := asString(b)
		return ok && x == y
	case markup:
		y, ok := asString(b)
		return ok && string(x) == y
	case []any:
		y, ok := b.([]any)
		return ok && equalSeqAt(x, y, depth+1)
	case tuple:
		y, ok := b.(tuple)
		return ok && equalSeqAt(x, y, depth+1)
	case *pyRange:
		y, ok := b.(*pyRange)
		return ok && equalSeqAt(x.items(), y.items(), depth+1)
	case *dict:
		y, ok := b.(*dict)
		if !ok || x.len() != y.len() {
			return false
		}
		for i, k := range x.keys {
			v, found, err := y.get(k)
			if err != nil || !found || !equalAt(x.vals[i], v, depth+1) {
				return false
			}
		}
		return true
	}
	return a == b
}

func equalSeq(x, y []any) bool { return equalSeqAt(x, y, 0) }

func equalSeqAt(x, y []any, depth int) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equalAt(x[i], y[i], depth) {
			return false
		}
	}
	return true
}

// number reports v as a number if it is one (bools count, as in Python).
func number(v any) (f float64, i int64, isInt, ok bool) {
	switch x := v.(type) {
	case bool:
		if x {
			return 1, 1, true, true
		}
		return 0, 0, true, true
	case int64:
		return float64(x), x, true, true
	case float64:
		return x, 0, false, true
	}
	return 0, 0, false, false
}

func asString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case markup:
		return string(x), true
	}
	return "", false
}

// compare is Python's ordering for <, <=, >, >=: -1, 0 or 1.
func compare(a, b any, op string) (int, error) { return compareAt(a, b, op, 0) }

func compareAt(a, b any, op string, depth int) (int, error) {
	if depth > maxValueDepth {
		return 0, errTooDeep()
	}
	if u, ok := a.(undefined); ok {
		return 0, u.fail()
	}
	if u, ok := b.(undefined); ok {
		return 0, u.fail()
	}
	if xf, xi, xInt, ok := number(a); ok {
		if yf, yi, yInt, ok := number(b); ok {
			if xInt && yInt {
				return cmp3(xi < yi, xi > yi), nil
			}
			return cmp3(xf < yf, xf > yf), nil
		}
	}
	if x, ok := asString(a); ok {
		if y, ok := asString(b); ok {
			return strings.Compare(x, y), nil
		}
	}
	xs, xList := a.([]any)
	ys, yList := b.([]any)
	xt, xTuple := a.(tuple)
	yt, yTuple := b.(tuple)
	if xTuple && yTuple {
		xs, ys, xList, yList = xt, yt, true, true
	}
	if xList && yList {
		for i := 0; i < len(xs) && i < len(ys); i++ {
			if equalAt(xs[i], ys[i], depth+1) {
				continue
			}
			return compareAt(xs[i], ys[i], op, depth+1)
		}
		return cmp3(len(xs) < len(ys), len(xs) > len(ys)), nil
	}
	return 0, errf("TypeError", "%s not supported between instances of %s and %s", pyRepr(op), pyRepr(typeName(a)), pyRepr(typeName(b)))
}

func cmp3(less, greater bool) int {
	switch {
	case less:
		return -1
	case greater:
		return 1
	}
	return 0
}

// iterate lists the items a Python for loop over v would see.
func iterate(v any) ([]any, error) {
	switch x := v.(type) {
	case undefined:
		return nil, nil
	case []any:
		return x, nil
	case tuple:
		return x, nil
	case *dict:
		return x.keys, nil
	case string:
		return stringChars(x), nil
	case markup:
		// Markup does not override iteration: its characters are plain str.
		return stringChars(string(x)), nil
	case *generator:
		if x.done {
			return nil, nil
		}
		x.done = true
		return x.run()
	case *pyRange:
		return x.items(), nil
	case *dictView:
		return x.items, nil
	}
	return nil, errf("TypeError", "%s object is not iterable", pyRepr(typeName(v)))
}

func stringChars(s string) []any {
	out := make([]any, 0, len(s))
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}

// length is Python's len(v).
func length(v any) (int, error) {
	switch x := v.(type) {
	case undefined:
		return 0, nil
	case string:
		return utf8.RuneCountInString(x), nil
	case markup:
		return utf8.RuneCountInString(string(x)), nil
	case []any:
		return len(x), nil
	case tuple:
		return len(x), nil
	case *dict:
		return x.len(), nil
	case *pyRange:
		return int(x.len()), nil
	case *dictView:
		return len(x.items), nil
	case *namespace:
		return 0, errf("TypeError", "object of type 'Namespace' has no len()")
	}
	return 0, errf("TypeError", "object of type %s has no len()", pyRepr(typeName(v)))
}

// contains is Python's "item in container".
func contains(container, item any) (bool, error) {
	switch c := container.(type) {
	case undefined:
		return false, nil
	case string, markup:
		s, _ := asString(c)
		sub, ok := asString(item)
		if !ok {
			if u, ok := item.(undefined); ok {
				return false, u.fail()
			}
			return false, errf("TypeError", "'in <string>' requires string as left operand, not %s", typeName(item))
		}
		return strings.Contains(s, sub), nil
	case []any:
		return containsSeq(c, item), nil
	case tuple:
		return containsSeq(c, item), nil
	case *dict:
		_, ok, err := c.get(item)
		return ok, err
	case *generator, *pyRange, *dictView:
		items, err := iterate(c)
		return containsSeq(items, item), err
	}
	return false, errf("TypeError", "argument of type %s is not iterable", pyRepr(typeName(container)))
}

func containsSeq(items []any, item any) bool {
	for _, e := range items {
		if equal(e, item) {
			return true
		}
	}
	return false
}

// Object is a JSON object that keeps its keys in order, as Python dicts do.
// Messages, tools and extra variables may hold Objects where key order
// matters (for example tool-call arguments printed with tojson).
type Object struct {
	keys []string
	vals map[string]any
}

// NewObject returns an empty Object.
func NewObject() *Object { return &Object{vals: map[string]any{}} }

// Set adds or replaces a key; a new key goes last.
func (o *Object) Set(key string, val any) {
	if o.vals == nil {
		o.vals = map[string]any{}
	}
	if _, ok := o.vals[key]; !ok {
		o.keys = append(o.keys, key)
	}
	o.vals[key] = val
}

// Get returns the value of key.
func (o *Object) Get(key string) (any, bool) {
	v, ok := o.vals[key]
	return v, ok
}

// Keys returns the keys in order.
func (o *Object) Keys() []string { return append([]string(nil), o.keys...) }

// Len is the number of keys.
func (o *Object) Len() int { return len(o.keys) }

// maxInputDepth bounds the nesting of converted inputs, like Python's
// recursion limit.
const maxInputDepth = 1000

// toValue converts caller data into template values.
func toValue(v any, depth int) (any, error) {
	if depth > maxInputDepth {
		return nil, fmt.Errorf("input nested deeper than %d levels", maxInputDepth)
	}
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x, nil
	case int:
		return int64(x), nil
	case int32:
		return int64(x), nil
	case float32:
		return float64(x), nil
	case json.Number:
		return numberValue(string(x))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := toValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case []string:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = e
		}
		return out, nil
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := toValue(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case map[string]any:
		d := newDict()
		for _, k := range mapKeys(x) {
			c, err := toValue(x[k], depth+1)
			if err != nil {
				return nil, err
			}
			d.setStr(k, c)
		}
		return d, nil
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return toValue(m, depth)
	case *Object:
		d := newDict()
		if x == nil {
			return nil, nil
		}
		for _, k := range x.keys {
			c, err := toValue(x.vals[k], depth+1)
			if err != nil {
				return nil, err
			}
			d.setStr(k, c)
		}
		return d, nil
	case Message:
		return x.toDict(depth)
	case []Message:
		out := make([]any, len(x))
		for i, m := range x {
			c, err := m.toDict(depth + 1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	// Other integer kinds and named types go through reflection.
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return rv.Int(), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		u := rv.Uint()
		if u > math.MaxInt64 {
			return nil, fmt.Errorf("integer %d out of range", u)
		}
		return int64(u), nil
	case reflect.Float32, reflect.Float64:
		return rv.Float(), nil
	case reflect.String:
		return rv.String(), nil
	case reflect.Bool:
		return rv.Bool(), nil
	case reflect.Slice, reflect.Array:
		out := make([]any, rv.Len())
		for i := range out {
			c, err := toValue(rv.Index(i).Interface(), depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	case reflect.Map:
		if rv.Type().Key().Kind() == reflect.String {
			m := make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().Interface()
			}
			return toValue(m, depth)
		}
	case reflect.Pointer:
		if rv.IsNil() {
			return nil, nil
		}
		return toValue(rv.Elem().Interface(), depth)
	}
	return nil, fmt.Errorf("unsupported value of type %T", v)
}

// mapKeys orders the keys of a Go map, which has no order of its own: "role"
// and "content" first (as chat messages are written), then the rest sorted.
func mapKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		if k != "role" && k != "content" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var first []string
	for _, k := range []string{"role", "content"} {
		if _, ok := m[k]; ok {
			first = append(first, k)
		}
	}
	return append(first, keys...)
}

// numberValue converts a JSON number as Python's json module does: integers
// stay integers, anything with a fraction or exponent is a float.
func numberValue(s string) (any, error) {
	if !strings.ContainsAny(s, ".eE") {
		i, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %s out of range", s)
		}
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return nil, fmt.Errorf("bad number %s", s)
	}
	return f, nil
}
