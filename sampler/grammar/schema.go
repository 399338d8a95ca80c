package grammar

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The building blocks of JSON grammars. Whitespace is allowed after every
// token (a space, or a newline and some indentation) so that a model can
// write JSON the way it has seen it; numbers are limited to what float64
// holds exactly.
const (
	ruleSpace    = `space ::= | " " | "\n" [ \t]{0,20}`
	ruleBoolean  = `boolean ::= ("true" | "false") space`
	ruleNull     = `null ::= "null" space`
	ruleChar     = `char ::= [^"\\\x7F\x00-\x1F] | [\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4})`
	ruleString   = `string ::= "\"" char* "\"" space`
	ruleIntegral = `integral-part ::= [0] | [1-9] [0-9]{0,15}`
	ruleDecimal  = `decimal-part ::= [0-9]{1,16}`
	ruleInteger  = `integer ::= ("-"? integral-part) space`
	ruleNumber   = `number ::= ("-"? integral-part) ("." decimal-part)? ([eE] [-+]? integral-part)? space`
	ruleValue    = `value ::= object | array | string | number | boolean | null`
	ruleObject   = `object ::= "{" space (string ":" space value ("," space string ":" space value)*)? "}" space`
	ruleArray    = `array ::= "[" space (value ("," space value)*)? "]" space`
)

// JSON is a grammar for any JSON value, for output that must be JSON
// without a schema.
const JSON = "root ::= value\n" + ruleValue + "\n" + ruleObject + "\n" + ruleArray + "\n" +
	ruleString + "\n" + ruleChar + "\n" + ruleNumber + "\n" + ruleIntegral + "\n" + ruleDecimal + "\n" +
	ruleBoolean + "\n" + ruleNull + "\n" + ruleSpace + "\n"

// primitive is a rule that schemas use by name, with the rules it needs.
type primitive struct {
	rule string
	deps []string
}

var primitives = map[string]primitive{
	"space":         {ruleSpace, nil},
	"boolean":       {ruleBoolean, []string{"space"}},
	"null":          {ruleNull, []string{"space"}},
	"char":          {ruleChar, nil},
	"string":        {ruleString, []string{"char", "space"}},
	"integral-part": {ruleIntegral, nil},
	"decimal-part":  {ruleDecimal, nil},
	"integer":       {ruleInteger, []string{"integral-part", "space"}},
	"number":        {ruleNumber, []string{"integral-part", "decimal-part", "space"}},
	"value":         {ruleValue, []string{"object", "array", "string", "number", "boolean", "null"}},
	"object":        {ruleObject, []string{"string", "value", "space"}},
	"array":         {ruleArray, []string{"value", "space"}},
	"date":          {`date ::= [0-9]{4} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [1-2] [0-9] | "3" [0-1])`, nil},
	"time": {`time ::= ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{1,9})? ` +
		`("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])`, nil},
	"date-time":        {`date-time ::= date "T" time`, []string{"date", "time"}},
	"date-string":      {`date-string ::= "\"" date "\"" space`, []string{"date", "space"}},
	"time-string":      {`time-string ::= "\"" time "\"" space`, []string{"time", "space"}},
	"date-time-string": {`date-time-string ::= "\"" date-time "\"" space`, []string{"date-time", "space"}},
	"uuid": {`uuid ::= "\"" [0-9a-fA-F]{8} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" [0-9a-fA-F]{4} "-" ` +
		`[0-9a-fA-F]{12} "\"" space`, []string{"space"}},
}

// FromJSONSchema converts a JSON Schema to a GBNF grammar that generates
// JSON values the schema accepts. It covers the common subset, as
// llama.cpp's json-schema-to-grammar does:
//
//   - type: object, array, string, number, integer, boolean, null, or a list
//   - properties and required: required keys first, then any of the optional
//     ones, each in the order "properties" lists them
//   - additionalProperties: false, true (the default) or a schema; extra keys
//     come after the listed ones and never repeat a listed key
//   - items (a schema, or a list for tuples), prefixItems, minItems, maxItems
//   - enum, const (generated as compact JSON)
//   - anyOf, oneOf (as anyOf), allOf of object schemas (merged)
//   - $ref to #, #/definitions/... or #/$defs/... (recursion allowed)
//   - string minLength, maxLength, pattern (a regular-expression subset),
//     format date, time, date-time, uuid
//   - integer minimum, maximum, exclusiveMinimum, exclusiveMaximum
//
// Keywords it does not know are ignored, so the grammar may allow more than
// the schema for them (number bounds, multipleOf, uniqueItems, not, if/then,
// patternProperties, formats other than the four above).
func FromJSONSchema(schema []byte) (string, error) {
	root, err := parseJSON(schema)
	if err != nil {
		return "", fmt.Errorf("json schema: %w", err)
	}
	c := &converter{root: root, rules: map[string]string{}, refs: map[string]string{"#": "root"}}
	c.rules["root"] = pending
	c.fill, c.fillDepth = "root", 1
	expr, err := c.visit(root, "root", "root")
	if err != nil {
		return "", fmt.Errorf("json schema: %w", err)
	}
	if c.rules["root"] == pending {
		c.rules["root"] = expr
	}
	for name, body := range c.rules {
		if body == pending {
			return "", fmt.Errorf("json schema: %s refers to itself without any content", name)
		}
	}
	text := rulesText(c.rules) + c.primitiveText()
	g, err := Parse(text)
	if err != nil {
		return "", fmt.Errorf("json schema: the converted grammar is not usable: %w", err)
	}
	// A reference cycle with no content in between (a: {$ref: a}) leaves
	// a grammar that matches nothing.
	if e, err := newEngine(g); err != nil || e.start == setDead {
		return "", errors.New("json schema: the schema refers to itself without any content, so nothing can match it")
	}
	return text, nil
}

const pending = "\x00pending"

type converter struct {
	root      *jv
	rules     map[string]string
	refs      map[string]string // "$ref" value → rule name
	used      map[string]bool   // primitives
	fill      string            // the reserved rule the current $ref target defines
	fillDepth int               // the visit depth of that target
	depth     int
}

// use records that a primitive rule (and what it needs) is part of the
// output, and returns its name.
func (c *converter) use(name string) string {
	if c.used == nil {
		c.used = map[string]bool{}
	}
	if !c.used[name] {
		c.used[name] = true
		for _, d := range primitives[name].deps {
			c.use(d)
		}
	}
	return name
}

func (c *converter) primitiveText() string {
	var names []string
	for n := range c.used {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(primitives[n].rule)
		b.WriteByte('\n')
	}
	return b.String()
}

// ruleName turns a schema path into a GBNF rule name.
func ruleName(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range s {
		if r < 128 && isNameByte(byte(r)) && r != '_' && r != '-' {
			b.WriteRune(r)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	name := strings.TrimSuffix(b.String(), "-")
	if name == "" {
		name = "item"
	}
	return name
}

// add defines a rule and returns its name: name itself, or name-N when name
// is taken by a different rule or a primitive. A rule with the same body
// is reused. The rule reserved for the $ref being visited (c.fill) takes the
// body that the visit of its target adds under its name (and not one that a
// nested schema, say a property with the same name, adds).
func (c *converter) add(name, body string) string {
	base := ruleName(name)
	if base == c.fill && c.depth == c.fillDepth && c.rules[base] == pending {
		c.rules[base] = body
		c.fill = ""
		return base
	}
	for i := 0; ; i++ {
		n := base
		if i > 0 {
			n = fmt.Sprintf("%s-%d", base, i)
		}
		if _, prim := primitives[n]; prim {
			continue
		}
		switch c.rules[n] {
		case "":
			c.rules[n] = body
			return n
		case body:
			if body != pending {
				return n
			}
		}
	}
}

// reserve claims a fresh name for a rule whose body comes later.
func (c *converter) reserve(name string) string {
	base := ruleName(name)
	for i := 0; ; i++ {
		n := base
		if i > 0 {
			n = fmt.Sprintf("%s-%d", base, i)
		}
		if _, prim := primitives[n]; !prim && c.rules[n] == "" {
			c.rules[n] = pending
			return n
		}
	}
}

// visit returns a rule name (or a simple expression) matching schema s.
// name is the rule name to use; path is where s is, for errors.
func (c *converter) visit(s *jv, name, path string) (string, error) {
	if c.depth++; c.depth > maxJSONDepth {
		return "", fmt.Errorf("%s: schema nested deeper than %d", path, maxJSONDepth)
	}
	defer func() { c.depth-- }()

	switch s.kind {
	case jBool:
		if !s.b {
			return "", fmt.Errorf("%s: the schema false accepts nothing", path)
		}
		return c.use("value"), nil
	case jObject:
	default:
		return "", fmt.Errorf("%s: a schema must be an object or a boolean, not a %v", path, s.kind)
	}

	if ref := s.get("$ref"); ref != nil {
		if ref.kind != jString {
			return "", fmt.Errorf("%s: $ref must be a string", path)
		}
		return c.ref(ref.str, path)
	}
	if v := s.get("const"); v != nil {
		c.use("space")
		return c.add(name, literal(v.compact())+" space"), nil
	}
	if v := s.get("enum"); v != nil {
		if v.kind != jArray || len(v.arr) == 0 {
			return "", fmt.Errorf("%s: enum must be a non-empty array", path)
		}
		var alts []string
		for _, e := range v.arr {
			alts = append(alts, literal(e.compact()))
		}
		c.use("space")
		return c.add(name, "("+strings.Join(alts, " | ")+") space"), nil
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		if v := s.get(kw); v != nil {
			if v.kind != jArray || len(v.arr) == 0 {
				return "", fmt.Errorf("%s: %s must be a non-empty array", path, kw)
			}
			var alts []string
			for i, sub := range v.arr {
				r, err := c.visit(sub, fmt.Sprintf("%s-%d", name, i), fmt.Sprintf("%s/%s/%d", path, kw, i))
				if err != nil {
					return "", err
				}
				alts = append(alts, r)
			}
			return c.add(name, strings.Join(alts, " | ")), nil
		}
	}
	if v := s.get("allOf"); v != nil {
		merged, err := c.mergeAllOf(s, v, path, map[*jv]bool{})
		if err != nil {
			return "", err
		}
		return c.visit(merged, name, path+"/allOf")
	}

	typ := s.get("type")
	if typ != nil && typ.kind == jArray {
		var alts []string
		for i, t := range typ.arr {
			if t.kind != jString {
				return "", fmt.Errorf("%s: type list holds a %v", path, t.kind)
			}
			one := withType(s, t.str)
			r, err := c.visit(one, name+"-"+t.str, fmt.Sprintf("%s/type/%d", path, i))
			if err != nil {
				return "", err
			}
			alts = append(alts, r)
		}
		if len(alts) == 0 {
			return "", fmt.Errorf("%s: empty type list", path)
		}
		return c.add(name, strings.Join(alts, " | ")), nil
	}
	t := ""
	if typ != nil {
		if typ.kind != jString {
			return "", fmt.Errorf("%s: type must be a string or a list", path)
		}
		t = typ.str
	}
	if t == "" { // infer from the keywords present
		switch {
		case has(s, "properties", "additionalProperties", "required"):
			t = "object"
		case has(s, "items", "prefixItems", "minItems", "maxItems"):
			t = "array"
		case has(s, "pattern", "format", "minLength", "maxLength"):
			t = "string"
		}
	}
	switch t {
	case "object":
		return c.object(s, name, path)
	case "array":
		return c.array(s, name, path)
	case "string":
		return c.str(s, name, path)
	case "integer":
		return c.integer(s, name, path)
	case "number", "boolean", "null":
		return c.use(t), nil
	case "":
		return c.use("value"), nil
	}
	return "", fmt.Errorf("%s: unknown type %q", path, t)
}

func has(s *jv, keys ...string) bool {
	for _, k := range keys {
		if s.get(k) != nil {
			return true
		}
	}
	return false
}

// withType is s with its type replaced by t.
func withType(s *jv, t string) *jv {
	out := &jv{kind: jObject}
	for _, m := range s.obj {
		if m.key != "type" {
			out.obj = append(out.obj, m)
		}
	}
	out.obj = append(out.obj, member{"type", &jv{kind: jString, str: t}})
	return out
}

// ref resolves a local reference ("#", "#/definitions/x", "#/$defs/x", or
// any JSON pointer into the schema) to a rule, visiting the target once so
// that recursive schemas become recursive rules.
func (c *converter) ref(ref, path string) (string, error) {
	if name, ok := c.refs[ref]; ok {
		return name, nil
	}
	if !strings.HasPrefix(ref, "#/") {
		return "", fmt.Errorf("%s: $ref %q: only references inside the schema (#/...) are supported", path, ref)
	}
	target := c.root
	parts := strings.Split(ref[2:], "/")
	for _, p := range parts {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		switch target.kind {
		case jObject:
			target = target.get(p)
		case jArray:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(target.arr) {
				target = nil
			} else {
				target = target.arr[i]
			}
		default:
			target = nil
		}
		if target == nil {
			return "", fmt.Errorf("%s: $ref %q: no such place in the schema", path, ref)
		}
	}
	name := c.reserve(parts[len(parts)-1])
	c.refs[ref] = name
	outer, outerDepth := c.fill, c.fillDepth
	c.fill, c.fillDepth = name, c.depth+1
	expr, err := c.visit(target, name, ref)
	c.fill, c.fillDepth = outer, outerDepth
	if err != nil {
		return "", err
	}
	if c.rules[name] == pending {
		c.rules[name] = expr
	}
	return name, nil
}

// mergeAllOf combines the object schemas of allOf (and the keywords beside
// it) into one object schema. seen holds the schemas being merged, to refuse
// an allOf that includes itself.
func (c *converter) mergeAllOf(s, all *jv, path string, seen map[*jv]bool) (*jv, error) {
	if all.kind != jArray || len(all.arr) == 0 {
		return nil, fmt.Errorf("%s: allOf must be a non-empty array", path)
	}
	if seen[s] {
		return nil, fmt.Errorf("%s: allOf includes itself", path)
	}
	seen[s] = true
	defer delete(seen, s)
	parts := []*jv{}
	rest := &jv{kind: jObject}
	for _, m := range s.obj {
		if m.key != "allOf" {
			rest.obj = append(rest.obj, m)
		}
	}
	if len(rest.obj) > 0 {
		parts = append(parts, rest)
	}
	for i, p := range all.arr {
		// Follow references to the schema they name.
		for seen := 0; p.kind == jObject && p.get("$ref") != nil; seen++ {
			r := p.get("$ref")
			if r.kind != jString || !strings.HasPrefix(r.str, "#") || seen > 100 {
				return nil, fmt.Errorf("%s/allOf/%d: unsupported $ref", path, i)
			}
			t, err := c.pointer(r.str)
			if err != nil {
				return nil, fmt.Errorf("%s/allOf/%d: %w", path, i, err)
			}
			p = t
		}
		if p.kind == jObject && p.get("allOf") != nil {
			inner, err := c.mergeAllOf(p, p.get("allOf"), fmt.Sprintf("%s/allOf/%d", path, i), seen)
			if err != nil {
				return nil, err
			}
			p = inner
		}
		if p.kind == jBool && p.b {
			continue
		}
		if p.kind != jObject {
			return nil, fmt.Errorf("%s/allOf/%d: only object schemas can be combined", path, i)
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	merged := &jv{kind: jObject}
	props := &jv{kind: jObject}
	required := &jv{kind: jArray}
	var additional *jv
	for i, p := range parts {
		if t := p.get("type"); t != nil && !(t.kind == jString && t.str == "object") {
			return nil, fmt.Errorf("%s/allOf/%d: only object schemas can be combined, not type %s", path, i, t.compact())
		}
		if ps := p.get("properties"); ps != nil && ps.kind == jObject {
			for _, m := range ps.obj {
				if props.get(m.key) == nil {
					props.obj = append(props.obj, m)
				}
			}
		}
		if r := p.get("required"); r != nil && r.kind == jArray {
			required.arr = append(required.arr, r.arr...)
		}
		if a := p.get("additionalProperties"); a != nil && !(a.kind == jBool && a.b) {
			additional = a
		}
	}
	merged.obj = append(merged.obj, member{"type", &jv{kind: jString, str: "object"}},
		member{"properties", props}, member{"required", required})
	if additional != nil {
		merged.obj = append(merged.obj, member{"additionalProperties", additional})
	}
	return merged, nil
}

// pointer finds the value a local reference names.
func (c *converter) pointer(ref string) (*jv, error) {
	if ref == "#" {
		return c.root, nil
	}
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	t := c.root
	for _, p := range strings.Split(ref[2:], "/") {
		p = strings.ReplaceAll(strings.ReplaceAll(p, "~1", "/"), "~0", "~")
		if t = t.get(p); t == nil {
			return nil, fmt.Errorf("$ref %q: no such place in the schema", ref)
		}
	}
	return t, nil
}

func (c *converter) object(s *jv, name, path string) (string, error) {
	props := s.get("properties")
	if props != nil && props.kind != jObject {
		return "", fmt.Errorf("%s: properties must be an object", path)
	}
	required := map[string]bool{}
	var requiredOrder []string
	if r := s.get("required"); r != nil {
		if r.kind != jArray {
			return "", fmt.Errorf("%s: required must be an array", path)
		}
		for _, k := range r.arr {
			if k.kind != jString {
				return "", fmt.Errorf("%s: required holds a %v", path, k.kind)
			}
			if !required[k.str] {
				required[k.str] = true
				requiredOrder = append(requiredOrder, k.str)
			}
		}
	}
	prefix := name + "-"
	if name == "root" {
		prefix = ""
	}
	type prop struct {
		key    string
		schema *jv
	}
	var list []prop
	known := map[string]bool{}
	if props != nil {
		for _, m := range props.obj {
			if !known[m.key] {
				known[m.key] = true
				list = append(list, prop{m.key, props.get(m.key)})
			}
		}
	}
	// Required keys that "properties" does not describe take any value.
	for _, k := range requiredOrder {
		if !known[k] {
			known[k] = true
			list = append(list, prop{k, &jv{kind: jBool, b: true}})
		}
	}
	var req, opt []string
	var keys []string
	for _, p := range list {
		value, err := c.visit(p.schema, prefix+p.key, path+"/properties/"+p.key)
		if err != nil {
			return "", err
		}
		kv := c.add(prefix+p.key+"-kv", literal(jsonQuote(p.key))+` space ":" space `+value)
		if required[p.key] {
			req = append(req, kv)
		} else {
			opt = append(opt, kv)
		}
		keys = append(keys, p.key)
	}
	c.use("space")

	// Extra keys, unless additionalProperties is false.
	add := s.get("additionalProperties")
	if add == nil || !(add.kind == jBool && !add.b) {
		var value string
		if add != nil && add.kind == jObject {
			var err error
			if value, err = c.visit(add, prefix+"additional-value", path+"/additionalProperties"); err != nil {
				return "", err
			}
		} else {
			value = c.use("value")
		}
		key := c.use("string")
		if len(keys) > 0 {
			key = c.notKeys(keys, prefix+"additional-k")
		}
		kv := c.add(prefix+"additional-kv", key+` ":" space `+value)
		opt = append(opt, c.add(prefix+"additional-kvs", kv+` ("," space `+kv+`)*`))
	}

	var body strings.Builder
	body.WriteString(`"{" space`)
	for i, kv := range req {
		if i > 0 {
			body.WriteString(` "," space`)
		}
		body.WriteString(" " + kv)
	}
	if len(opt) > 0 {
		// rest[i]: a non-empty run of opt[i:], in order, comma separated.
		rest := make([]string, len(opt))
		for i := len(opt) - 1; i >= 0; i-- {
			alt := opt[i]
			if i+1 < len(opt) {
				alt = fmt.Sprintf(`%s ("," space %s)? | %s`, opt[i], rest[i+1], rest[i+1])
			}
			rest[i] = c.add(fmt.Sprintf("%srest-%d", prefix, i), alt)
		}
		if len(req) > 0 {
			body.WriteString(` ("," space ` + rest[0] + `)?`)
		} else {
			body.WriteString(" " + rest[0] + "?")
		}
	}
	body.WriteString(` "}" space`)
	return c.add(name, body.String()), nil
}

// notKeys is a rule for a JSON string (quotes included, then space) that is
// none of keys: a trie of the keys' encoded characters where leaving the
// trie, or ending where no key ends, is allowed. Keys whose encoding needs
// an escape are not excluded (an extra key could repeat one of them).
func (c *converter) notKeys(keys []string, name string) string {
	type tnode struct {
		next  map[rune]*tnode
		order []rune
		end   bool
	}
	root := &tnode{next: map[rune]*tnode{}}
	for _, k := range keys {
		enc := jsonQuote(k)
		enc = enc[1 : len(enc)-1]
		if strings.ContainsRune(enc, '\\') {
			continue
		}
		n := root
		for _, r := range enc {
			if n.next[r] == nil {
				n.next[r] = &tnode{next: map[rune]*tnode{}}
				n.order = append(n.order, r)
			}
			n = n.next[r]
		}
		n.end = true
	}
	c.use("char")
	c.use("space")
	free := c.add(name+"-free", `char* "\"" space`)
	var build func(n *tnode, id string) string
	count := 0
	build = func(n *tnode, id string) string {
		self := c.reserve(id)
		var alts []string
		excluded := class{{'"', '"'}, {'\\', '\\'}, {0, 0x1F}, {0x7F, 0x7F}}
		for _, r := range n.order {
			count++
			child := build(n.next[r], fmt.Sprintf("%s-%d", name, count))
			alts = append(alts, literal(string(r))+" "+child)
			excluded = append(excluded, runeRange{r, r})
		}
		if other := normalize(excluded, true); len(other) > 0 {
			alts = append(alts, classText(other)+" "+free)
		}
		alts = append(alts, `[\\] (["\\/bfnrt] | "u" [0-9a-fA-F]{4}) `+free)
		if !n.end {
			alts = append(alts, `"\"" space`)
		}
		c.rules[self] = strings.Join(alts, " | ")
		return self
	}
	return `"\"" ` + build(root, name)
}

func (c *converter) array(s *jv, name, path string) (string, error) {
	c.use("space")
	tuple := s.get("prefixItems")
	items := s.get("items")
	if tuple == nil && items != nil && items.kind == jArray {
		tuple, items = items, nil
	}
	if tuple != nil {
		if tuple.kind != jArray {
			return "", fmt.Errorf("%s: prefixItems must be an array", path)
		}
		var parts []string
		for i, sub := range tuple.arr {
			r, err := c.visit(sub, fmt.Sprintf("%s-tuple-%d", name, i), fmt.Sprintf("%s/prefixItems/%d", path, i))
			if err != nil {
				return "", err
			}
			parts = append(parts, r)
		}
		body := `"[" space ` + strings.Join(parts, ` "," space `) + ` "]" space`
		if len(parts) == 0 {
			body = `"[" space "]" space`
		}
		return c.add(name, body), nil
	}
	var item string
	if items != nil {
		var err error
		if item, err = c.visit(items, name+"-item", path+"/items"); err != nil {
			return "", err
		}
	} else {
		item = c.use("value")
	}
	lo, err := count(s, "minItems", 0, path)
	if err != nil {
		return "", err
	}
	hi, err := count(s, "maxItems", -1, path)
	if err != nil {
		return "", err
	}
	if hi >= 0 && hi < lo {
		return "", fmt.Errorf("%s: maxItems %d is below minItems %d", path, hi, lo)
	}
	if hi == 0 {
		return c.add(name, `"[" space "]" space`), nil
	}
	// The first item, then the rest with a comma each.
	more := repeat(`("," space `+item+`)`, max(lo-1, 0), hi-1)
	list := item + " " + more
	if lo == 0 {
		list = "(" + list + ")?"
	}
	return c.add(name, `"[" space `+list+` "]" space`), nil
}

// repeat writes x{lo,hi} (hi -1 for no bound) in its shortest form.
func repeat(x string, lo, hi int) string {
	switch {
	case lo == 0 && hi < 0:
		return x + "*"
	case lo == 1 && hi < 0:
		return x + "+"
	case lo == 0 && hi == 1:
		return x + "?"
	case hi < 0:
		return fmt.Sprintf("%s{%d,}", x, lo)
	case lo == hi:
		return fmt.Sprintf("%s{%d}", x, lo)
	}
	return fmt.Sprintf("%s{%d,%d}", x, lo, hi)
}

// count reads a non-negative integer keyword (def when absent).
func count(s *jv, key string, def int, path string) (int, error) {
	v := s.get(key)
	if v == nil {
		return def, nil
	}
	if v.kind == jNumber {
		if n, err := strconv.ParseInt(v.num.String(), 10, 64); err == nil && n >= 0 {
			if n > maxRepeat {
				return 0, fmt.Errorf("%s: %s %d is larger than %d", path, key, n, maxRepeat)
			}
			return int(n), nil
		}
		if f, err := v.num.Float64(); err == nil && f >= 0 && f == float64(int64(f)) && f <= maxRepeat {
			return int(f), nil
		}
	}
	return 0, fmt.Errorf("%s: %s must be a non-negative integer", path, key)
}

func (c *converter) str(s *jv, name, path string) (string, error) {
	if f := s.get("format"); f != nil && f.kind == jString {
		switch f.str {
		case "date", "time", "date-time":
			return c.use(f.str + "-string"), nil
		case "uuid":
			return c.use("uuid"), nil
		}
	}
	c.use("space")
	if p := s.get("pattern"); p != nil {
		if p.kind != jString {
			return "", fmt.Errorf("%s: pattern must be a string", path)
		}
		body, err := c.pattern(p.str, name)
		if err != nil {
			return "", fmt.Errorf("%s: pattern %q: %w", path, p.str, err)
		}
		return c.add(name, `"\"" `+body+` "\"" space`), nil
	}
	lo, err := count(s, "minLength", 0, path)
	if err != nil {
		return "", err
	}
	hi, err := count(s, "maxLength", -1, path)
	if err != nil {
		return "", err
	}
	if hi >= 0 && hi < lo {
		return "", fmt.Errorf("%s: maxLength %d is below minLength %d", path, hi, lo)
	}
	if lo == 0 && hi < 0 {
		return c.use("string"), nil
	}
	c.use("char")
	return c.add(name, `"\"" `+repeat("char", lo, hi)+` "\"" space`), nil
}
