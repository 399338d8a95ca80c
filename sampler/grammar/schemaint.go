package grammar

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Integers are limited to what integral-part allows: 16 digits.
const maxIntDigits = 16

var maxIntValue = int64(math.Pow10(maxIntDigits)) - 1

// integer handles "type": "integer" with minimum / maximum /
// exclusiveMinimum / exclusiveMaximum (numbers, or draft-4 booleans).
func (c *converter) integer(s *jv, name, path string) (string, error) {
	lo, hi := -maxIntValue, maxIntValue
	bounded := false
	bound := func(key string, lower, exclusive bool) error {
		v := s.get(key)
		if v == nil || v.kind == jBool {
			return nil
		}
		if v.kind != jNumber {
			return fmt.Errorf("%s: %s must be a number", path, key)
		}
		f, err := strconv.ParseFloat(v.num.String(), 64)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", path, key, err)
		}
		// Draft 4 marks exclusiveness with a boolean beside the bound.
		if e := s.get("exclusive" + strings.ToUpper(key[:1]) + key[1:]); !exclusive && e != nil && e.kind == jBool && e.b {
			exclusive = true
		}
		bounded = true
		if lower {
			n := math.Ceil(f)
			if exclusive && n == f {
				n++
			}
			if n > float64(lo) {
				lo = int64(math.Min(n, float64(maxIntValue)+1))
			}
		} else {
			n := math.Floor(f)
			if exclusive && n == f {
				n--
			}
			if n < float64(hi) {
				hi = int64(math.Max(n, -float64(maxIntValue)-1))
			}
		}
		return nil
	}
	for _, b := range []struct {
		key              string
		lower, exclusive bool
	}{{"minimum", true, false}, {"maximum", false, false}, {"exclusiveMinimum", true, true}, {"exclusiveMaximum", false, true}} {
		if err := bound(b.key, b.lower, b.exclusive); err != nil {
			return "", err
		}
	}
	if !bounded {
		return c.use("integer"), nil
	}
	if lo > hi {
		return "", fmt.Errorf("%s: no integer lies between the bounds", path)
	}
	c.use("space")
	return c.add(name, "("+intRange(lo, hi)+") space"), nil
}

// intRange is a GBNF expression for the decimal forms (no leading zeros, no
// "-0") of the integers in [lo, hi].
func intRange(lo, hi int64) string {
	var alts []string
	if lo < 0 {
		// -x for x in [max(1, -hi), -lo]
		alts = append(alts, `"-" (`+natRange(max(1, -hi), -lo)+`)`)
	}
	if hi >= 0 {
		alts = append(alts, natRange(max(0, lo), hi))
	}
	return strings.Join(alts, " | ")
}

// natRange covers [a, b], 0 <= a <= b, split by number of digits.
func natRange(a, b int64) string {
	var alts []string
	for digits := len(strconv.FormatInt(a, 10)); digits <= len(strconv.FormatInt(b, 10)); digits++ {
		first := int64(math.Pow10(digits - 1))
		if digits == 1 {
			first = 0
		}
		last := int64(math.Pow10(digits)) - 1
		x, y := max(a, first), min(b, last)
		if x > y {
			continue
		}
		alts = append(alts, sameLength(strconv.FormatInt(x, 10), strconv.FormatInt(y, 10)))
	}
	return strings.Join(alts, " | ")
}

// sameLength matches the digit strings from x to y, which have the same
// length: fix the common first digit, or split into the part that
// continues x, the free middle and the part that leads to y.
func sameLength(x, y string) string {
	if x == "" {
		return `""`
	}
	allDigit := func(s string, d byte) bool { return strings.Count(s, string(d)) == len(s) }
	free := func(n int) string {
		switch n {
		case 0:
			return ""
		case 1:
			return " [0-9]"
		}
		return fmt.Sprintf(" [0-9]{%d}", n)
	}
	digit := func(lo, hi byte) string {
		if lo == hi {
			return `"` + string(lo) + `"`
		}
		return "[" + string(lo) + "-" + string(hi) + "]"
	}
	rest := len(x) - 1
	if x[0] == y[0] {
		if rest == 0 {
			return digit(x[0], x[0])
		}
		return digit(x[0], x[0]) + " (" + sameLength(x[1:], y[1:]) + ")"
	}
	if allDigit(x[1:], '0') && allDigit(y[1:], '9') {
		return digit(x[0], y[0]) + free(rest)
	}
	var alts []string
	lo, hi := x[0], y[0]
	if !allDigit(x[1:], '0') {
		alts = append(alts, digit(x[0], x[0])+" ("+sameLength(x[1:], strings.Repeat("9", rest))+")")
		lo++
	}
	if !allDigit(y[1:], '9') {
		hi--
	}
	if lo <= hi {
		alts = append(alts, digit(lo, hi)+free(rest))
	}
	if !allDigit(y[1:], '9') {
		alts = append(alts, digit(y[0], y[0])+" ("+sameLength(strings.Repeat("0", rest), y[1:])+")")
	}
	return strings.Join(alts, " | ")
}
