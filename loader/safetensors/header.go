package safetensors

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// tensorInfo is one tensor entry of the header before layout checks.
type tensorInfo struct {
	name       string
	dtype      DType
	shape      []int64
	begin, end int64
}

type header struct {
	metadata map[string]string
	tensors  []tensorInfo
}

// parseHeader decodes the JSON header. It walks the tokens itself rather than
// unmarshalling into a map because encoding/json keeps the last of duplicate
// keys without a word, and a duplicate tensor name must be an error.
func parseHeader(h []byte) (*header, error) {
	if !utf8.Valid(h) {
		return nil, errors.New("header is not valid UTF-8")
	}
	if len(h) == 0 || h[0] != '{' {
		return nil, errors.New("header does not start with '{'")
	}
	// Checking the grammar up front lets the walk below deal only with
	// meaning; it also rejects anything but spaces after the object.
	if !json.Valid(h) {
		return nil, errors.New("header is not valid JSON")
	}
	dec := json.NewDecoder(bytes.NewReader(h))
	dec.UseNumber()
	if err := expectDelim(dec, '{'); err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	out := &header{}
	seen := make(map[string]bool)
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, fmt.Errorf("header: %w", err)
		}
		if seen[key] {
			if key == metadataKey {
				return nil, fmt.Errorf("%s given twice", metadataKey)
			}
			return nil, fmt.Errorf("tensor %q: name given twice", key)
		}
		seen[key] = true
		if key == metadataKey {
			if out.metadata, err = parseMetadata(dec); err != nil {
				return nil, fmt.Errorf("%s: %w", metadataKey, err)
			}
			continue
		}
		t, err := parseTensorInfo(dec, key)
		if err != nil {
			return nil, fmt.Errorf("tensor %q: %w", key, err)
		}
		out.tensors = append(out.tensors, t)
	}
	return out, nil
}

// parseMetadata reads null or an object of strings.
func parseMetadata(dec *json.Decoder) (map[string]string, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("want an object of strings, got %s", describe(tok))
	}
	m := make(map[string]string)
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			return nil, fmt.Errorf("key %q given twice", key)
		}
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		s, ok := tok.(string)
		if !ok {
			return nil, fmt.Errorf("key %q: value must be a string, got %s", key, describe(tok))
		}
		m[key] = s
	}
	_, err = dec.Token() // the closing '}'
	return m, err
}

// parseTensorInfo reads {"dtype": ..., "shape": [...], "data_offsets": [b, e]}.
// Other keys are skipped, as the reference parser does.
func parseTensorInfo(dec *json.Decoder, name string) (tensorInfo, error) {
	t := tensorInfo{name: name}
	tok, err := dec.Token()
	if err != nil {
		return t, err
	}
	if tok != json.Delim('{') {
		return t, fmt.Errorf("want an object, got %s", describe(tok))
	}
	var haveDType, haveShape, haveOffsets bool
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return t, err
		}
		switch key {
		case "dtype":
			if haveDType {
				return t, errors.New("dtype given twice")
			}
			haveDType = true
			tok, err := dec.Token()
			if err != nil {
				return t, err
			}
			s, ok := tok.(string)
			if !ok {
				return t, fmt.Errorf("dtype: want a string, got %s", describe(tok))
			}
			t.dtype = DType(s)
			if t.dtype.Size() == 0 {
				return t, fmt.Errorf("dtype: unknown dtype %q", s)
			}
		case "shape":
			if haveShape {
				return t, errors.New("shape given twice")
			}
			haveShape = true
			if t.shape, err = parseCounts(dec); err != nil {
				return t, fmt.Errorf("shape: %w", err)
			}
		case "data_offsets":
			if haveOffsets {
				return t, errors.New("data_offsets given twice")
			}
			haveOffsets = true
			offs, err := parseCounts(dec)
			if err != nil {
				return t, fmt.Errorf("data_offsets: %w", err)
			}
			if len(offs) != 2 {
				return t, fmt.Errorf("data_offsets: want [begin, end], got %d numbers", len(offs))
			}
			t.begin, t.end = offs[0], offs[1]
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return t, fmt.Errorf("%s: %w", key, err)
			}
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return t, err
	}
	switch {
	case !haveDType:
		return t, errors.New("missing dtype")
	case !haveShape:
		return t, errors.New("missing shape")
	case !haveOffsets:
		return t, errors.New("missing data_offsets")
	}
	return t, nil
}

// parseCounts reads an array of non-negative integers that fit in an int64.
func parseCounts(dec *json.Decoder) ([]int64, error) {
	if err := expectDelim(dec, '['); err != nil {
		return nil, err
	}
	ns := []int64{} // not nil: a scalar's shape is [] and stays so
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		num, ok := tok.(json.Number)
		if !ok {
			return nil, fmt.Errorf("want a non-negative integer, got %s", describe(tok))
		}
		// ParseInt rejects fractions and exponents, which the reference
		// (reading into usize) rejects too.
		n, err := strconv.ParseInt(string(num), 10, 64)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("%s is not a non-negative 64-bit integer", clip(string(num)))
		}
		ns = append(ns, n)
	}
	_, err := dec.Token() // the closing ']'
	return ns, err
}

func objectKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	key, ok := tok.(string)
	if !ok { // cannot happen after json.Valid; kept so bad input never panics
		return "", fmt.Errorf("want an object key, got %s", describe(tok))
	}
	return key, nil
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != want {
		return fmt.Errorf("want %q, got %s", want, describe(tok))
	}
	return nil
}

// describe names a JSON token for an error message.
func describe(tok json.Token) string {
	switch v := tok.(type) {
	case nil:
		return "null"
	case json.Delim:
		switch v {
		case '{':
			return "an object"
		case '[':
			return "an array"
		}
		return strconv.Quote(v.String())
	case string:
		return "string " + strconv.Quote(clip(v))
	case json.Number:
		return "number " + clip(string(v))
	case bool:
		return "bool " + strconv.FormatBool(v)
	}
	return fmt.Sprintf("%v", tok)
}

// clip shortens text quoted from a hostile header so errors stay readable.
func clip(s string) string {
	const max = 64
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}
