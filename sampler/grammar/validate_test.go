package grammar

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"
)

// validate checks a decoded JSON value (json.Number for numbers) against a
// decoded schema, for the keywords the converter claims to support. It is
// written from the JSON Schema specification, independently of the
// converter, so that a wrong grammar shows up as a validation failure.
func validate(schema, v, root any, path string) error {
	switch s := schema.(type) {
	case bool:
		if !s {
			return fmt.Errorf("%s: schema false", path)
		}
		return nil
	case map[string]any:
		return validateObject(s, v, root, path)
	}
	return fmt.Errorf("%s: bad schema %T", path, schema)
}

func validateObject(s map[string]any, v, root any, path string) error {
	if ref, ok := s["$ref"].(string); ok {
		target := root
		if ref != "#" {
			for _, p := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
				target = target.(map[string]any)[p]
			}
		}
		return validate(target, v, root, path)
	}
	if c, ok := s["const"]; ok && !jsonEqual(c, v) {
		return fmt.Errorf("%s: %v is not the const %v", path, v, c)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || jsonEqual(x, v)
		}
		if !found {
			return fmt.Errorf("%s: %v not in enum", path, v)
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for i, sub := range all {
			if err := validate(sub, v, root, fmt.Sprintf("%s/allOf/%d", path, i)); err != nil {
				return err
			}
		}
	}
	if any_, ok := s["anyOf"].([]any); ok {
		n := 0
		for _, sub := range any_ {
			if validate(sub, v, root, path) == nil {
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("%s: %v matches no anyOf", path, v)
		}
	}
	if one, ok := s["oneOf"].([]any); ok {
		n := 0
		for _, sub := range one {
			if validate(sub, v, root, path) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: %v matches %d of oneOf", path, v, n)
		}
	}
	if t, ok := s["type"]; ok {
		types := []any{t}
		if list, ok := t.([]any); ok {
			types = list
		}
		match := false
		for _, t := range types {
			match = match || hasType(v, t.(string))
		}
		if !match {
			return fmt.Errorf("%s: %v is not of type %v", path, v, t)
		}
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Errorf("%s: missing required %q", path, r)
			}
		}
		for k, val := range x {
			if sub, ok := props[k]; ok {
				if err := validate(sub, val, root, path+"/"+k); err != nil {
					return err
				}
				continue
			}
			if add, ok := s["additionalProperties"]; ok {
				if err := validate(add, val, root, path+"/"+k); err != nil {
					return fmt.Errorf("%s: extra key %q: %w", path, k, err)
				}
			}
		}
	case []any:
		if n, ok := number(s["minItems"]); ok && float64(len(x)) < n {
			return fmt.Errorf("%s: %d items, fewer than %v", path, len(x), n)
		}
		if n, ok := number(s["maxItems"]); ok && float64(len(x)) > n {
			return fmt.Errorf("%s: %d items, more than %v", path, len(x), n)
		}
		prefix := asList(s["prefixItems"])
		if list, ok := s["items"].([]any); ok {
			prefix = list
		}
		if prefix != nil && len(x) != len(prefix) {
			return fmt.Errorf("%s: %d items for a tuple of %d", path, len(x), len(prefix))
		}
		for i, e := range x {
			sub := s["items"]
			if prefix != nil {
				sub = prefix[i]
			}
			if sub == nil {
				continue
			}
			if err := validate(sub, e, root, fmt.Sprintf("%s/%d", path, i)); err != nil {
				return err
			}
		}
	case string:
		n := float64(utf8.RuneCountInString(x))
		if m, ok := number(s["minLength"]); ok && n < m {
			return fmt.Errorf("%s: %q shorter than %v", path, x, m)
		}
		if m, ok := number(s["maxLength"]); ok && n > m {
			return fmt.Errorf("%s: %q longer than %v", path, x, m)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			return fmt.Errorf("%s: %q does not match %q", path, x, p)
		}
		if f, ok := s["format"].(string); ok && formats[f] != nil && !formats[f].MatchString(x) {
			return fmt.Errorf("%s: %q is not a %s", path, x, f)
		}
	case json.Number:
		f, _ := x.Float64()
		if m, ok := number(s["minimum"]); ok && f < m {
			return fmt.Errorf("%s: %v below minimum %v", path, x, m)
		}
		if m, ok := number(s["maximum"]); ok && f > m {
			return fmt.Errorf("%s: %v above maximum %v", path, x, m)
		}
		if m, ok := number(s["exclusiveMinimum"]); ok && f <= m {
			return fmt.Errorf("%s: %v not above %v", path, x, m)
		}
		if m, ok := number(s["exclusiveMaximum"]); ok && f >= m {
			return fmt.Errorf("%s: %v not below %v", path, x, m)
		}
	}
	return nil
}

// The shapes of the supported formats (RFC 3339 and RFC 4122 layouts).
var formats = map[string]*regexp.Regexp{
	"date":      regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$`),
	"time":      regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`),
	"date-time": regexp.MustCompile(`^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$`),
	"uuid":      regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
}

func hasType(v any, t string) bool {
	switch x := v.(type) {
	case nil:
		return t == "null"
	case bool:
		return t == "boolean"
	case string:
		return t == "string"
	case []any:
		return t == "array"
	case map[string]any:
		return t == "object"
	case json.Number:
		if t == "number" {
			return true
		}
		f, err := x.Float64()
		return t == "integer" && err == nil && f == math.Trunc(f)
	}
	return false
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

func number(v any) (float64, bool) {
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		return f, err == nil
	case float64:
		return x, true
	}
	return 0, false
}

// jsonEqual compares two decoded values by their canonical encodings.
func jsonEqual(a, b any) bool {
	ea, err1 := json.Marshal(a)
	eb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ea, eb)
}

// decodeJSON decodes one JSON text with numbers kept as json.Number,
// rejecting trailing data.
func decodeJSON(text string) (any, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the value")
	}
	return v, nil
}
