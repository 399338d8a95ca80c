package chat

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Python's string formatting: the % operator, str.format and strftime.

// pyPercent is Python's "format % arg".
func pyPercent(format string, arg any) (string, error) {
	var args []any
	mapping, isMap := arg.(*dict)
	// Python lets extra arguments go unused when the right side supports
	// item lookup (dicts, lists), as it then may be a mapping.
	mappingLike := isMap
	switch arg.(type) {
	case []any, *pyRange, undefined:
		mappingLike = true
	}
	if t, ok := arg.(tuple); ok {
		args = t
	} else {
		args = []any{arg}
	}
	next := 0
	usedMap := false
	take := func() (any, error) {
		if next >= len(args) {
			return nil, errf("TypeError", "not enough arguments for format string")
		}
		v := args[next]
		next++
		return v, nil
	}
	var b strings.Builder
	for i := 0; i < len(format); {
		c := format[i]
		if c != '%' {
			b.WriteByte(c)
			i++
			continue
		}
		i++
		if i >= len(format) {
			return "", errf("ValueError", "incomplete format")
		}
		var val any
		haveVal := false
		if format[i] == '(' {
			depth, j := 1, i+1
			for j < len(format) && depth > 0 {
				switch format[j] {
				case '(':
					depth++
				case ')':
					depth--
				}
				j++
			}
			if depth > 0 {
				return "", errf("ValueError", "incomplete format key")
			}
			if !isMap {
				return "", errf("TypeError", "format requires a mapping")
			}
			key := format[i+1 : j-1]
			v, ok, _ := mapping.get(key)
			if !ok {
				return "", errf("KeyError", "%s", pyRepr(key))
			}
			val, haveVal, usedMap = v, true, true
			i = j
		}
		var flags string
		for i < len(format) && strings.IndexByte("-+ #0", format[i]) >= 0 {
			flags += string(format[i])
			i++
		}
		width, prec := -1, -1
		readNum := func() (int, error) {
			if i < len(format) && format[i] == '*' {
				i++
				v, err := take()
				if err != nil {
					return 0, err
				}
				n, ok := v.(int64)
				if !ok {
					return 0, errf("TypeError", "* wants int")
				}
				if n < 0 { // a negative width means left-justified
					flags += "-"
					n = -n
				}
				if n > defaultMaxOutput {
					return 0, errf("ValueError", "width too big")
				}
				return int(n), nil
			}
			n := 0
			start := i
			for i < len(format) && isDigit(format[i]) {
				n = n*10 + int(format[i]-'0')
				if n > defaultMaxOutput {
					return 0, errf("ValueError", "width too big")
				}
				i++
			}
			if i == start {
				return -1, nil
			}
			return n, nil
		}
		var err error
		if width, err = readNum(); err != nil {
			return "", err
		}
		if i < len(format) && format[i] == '.' {
			i++
			if prec, err = readNum(); err != nil {
				return "", err
			}
			if prec < 0 {
				prec = 0
			}
		}
		for i < len(format) && strings.IndexByte("hlL", format[i]) >= 0 {
			i++
		}
		if i >= len(format) {
			return "", errf("ValueError", "incomplete format")
		}
		conv := format[i]
		i++
		if conv == '%' {
			b.WriteByte('%')
			continue
		}
		if !haveVal {
			if val, err = take(); err != nil {
				return "", err
			}
		}
		s, err := formatPercentValue(val, conv, flags, prec)
		if err != nil {
			return "", err
		}
		b.WriteString(padField(s, width, flags, conv))
	}
	if next < len(args) && !usedMap && !mappingLike {
		return "", errf("TypeError", "not all arguments converted during string formatting")
	}
	return b.String(), nil
}

func padField(s string, width int, flags string, conv byte) string {
	n := utf8.RuneCountInString(s)
	if width <= n {
		return s
	}
	fill := width - n
	switch {
	case strings.Contains(flags, "-"):
		return s + strings.Repeat(" ", fill)
	case strings.Contains(flags, "0") && strings.IndexByte("diuxXoeEfFgG", conv) >= 0:
		sign := ""
		if s != "" && strings.IndexByte("+- ", s[0]) >= 0 {
			sign, s = s[:1], s[1:]
		}
		prefix := ""
		if len(s) > 1 && s[0] == '0' && strings.IndexByte("xXo", s[1]) >= 0 {
			prefix, s = s[:2], s[2:]
		}
		return sign + prefix + strings.Repeat("0", fill) + s
	}
	return strings.Repeat(" ", fill) + s
}

func formatPercentValue(v any, conv byte, flags string, prec int) (string, error) {
	sign := func(neg bool) string {
		switch {
		case neg:
			return "-"
		case strings.Contains(flags, "+"):
			return "+"
		case strings.Contains(flags, " "):
			return " "
		}
		return ""
	}
	switch conv {
	case 's', 'r', 'a':
		s := strOf(v)
		if conv != 's' {
			s = pyRepr(v)
		}
		if prec >= 0 && utf8.RuneCountInString(s) > prec {
			s = string([]rune(s)[:prec])
		}
		return s, nil
	case 'd', 'i', 'u', 'x', 'X', 'o':
		f, i, isInt, ok := number(v)
		if !ok || (!isInt && strings.IndexByte("xXo", conv) >= 0) {
			if u, isU := v.(undefined); isU {
				return "", u.fail()
			}
			kind := "a real number"
			if strings.IndexByte("xXo", conv) >= 0 {
				kind = "an integer"
			}
			return "", errf("TypeError", "%%%c format: %s is required, not %s", conv, kind, typeName(v))
		}
		var digits, prefix string
		if !isInt {
			if math.IsInf(f, 0) || math.IsNaN(f) {
				_, err := truncFloat(f)
				return "", err
			}
			if math.Abs(f) >= 1<<63 {
				// Python's int() is exact for any float.
				b, _ := new(big.Float).SetFloat64(math.Trunc(f)).Int(nil)
				digits = new(big.Int).Abs(b).String()
				if prec > len(digits) {
					digits = strings.Repeat("0", prec-len(digits)) + digits
				}
				return sign(f < 0) + digits, nil
			}
			i = int64(f)
		}
		neg := i < 0
		u := uint64(i)
		if neg {
			u = -u
		}
		switch conv {
		case 'x':
			digits, prefix = strconv.FormatUint(u, 16), "0x"
		case 'X':
			digits, prefix = strings.ToUpper(strconv.FormatUint(u, 16)), "0X"
		case 'o':
			digits, prefix = strconv.FormatUint(u, 8), "0o"
		default:
			digits = strconv.FormatUint(u, 10)
		}
		if prec > len(digits) {
			digits = strings.Repeat("0", prec-len(digits)) + digits
		}
		if !strings.Contains(flags, "#") || prefix == "" {
			prefix = ""
		}
		return sign(neg) + prefix + digits, nil
	case 'e', 'E', 'f', 'F', 'g', 'G':
		f, _, _, ok := number(v)
		if !ok {
			if u, isU := v.(undefined); isU {
				return "", u.fail()
			}
			return "", errf("TypeError", "must be real number, not %s", typeName(v))
		}
		if prec < 0 {
			prec = 6
		}
		return formatFloatSpec(f, conv, prec, strings.Contains(flags, "#"), sign(math.Signbit(f) && !math.IsNaN(f))), nil
	case 'c':
		if b, ok := v.(bool); ok {
			v = int64(0)
			if b {
				v = int64(1)
			}
		}
		switch x := v.(type) {
		case int64:
			if x < 0 || x > 0x10ffff {
				return "", errf("OverflowError", "%%c arg not in range(0x110000)")
			}
			return string(rune(x)), nil
		case string:
			if utf8.RuneCountInString(x) == 1 {
				return x, nil
			}
		}
		return "", errf("TypeError", "%%c requires int or char")
	}
	return "", errf("ValueError", "unsupported format character %s", pyRepr(string(conv)))
}

// formatFloatSpec formats |f| with a printf float conversion and prefixes
// sign; infinities and NaN are spelled as Python spells them.
func formatFloatSpec(f float64, conv byte, prec int, alt bool, sign string) string {
	upper := conv == 'E' || conv == 'F' || conv == 'G'
	a := math.Abs(f)
	var s string
	switch {
	case math.IsInf(f, 0):
		s = "inf"
	case math.IsNaN(f):
		s = "nan"
	default:
		verb := "%"
		if alt {
			verb += "#"
		}
		verb += "." + strconv.Itoa(prec) + string(lowerByte(conv))
		if conv == 'g' || conv == 'G' {
			if prec == 0 {
				verb = strings.Replace(verb, ".0", ".1", 1)
			}
		}
		s = fmt.Sprintf(verb, a)
	}
	if upper {
		s = strings.ToUpper(s)
	}
	return sign + s
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// strFormat is Python's str.format.
func strFormat(format string, args []any, kw []kwArg) (string, error) {
	var b strings.Builder
	auto := 0
	for i := 0; i < len(format); {
		c := format[i]
		switch {
		case c == '{' && i+1 < len(format) && format[i+1] == '{':
			b.WriteByte('{')
			i += 2
			continue
		case c == '}' && i+1 < len(format) && format[i+1] == '}':
			b.WriteByte('}')
			i += 2
			continue
		case c == '}':
			return "", errf("ValueError", "Single '}' encountered in format string")
		case c != '{':
			b.WriteByte(c)
			i++
			continue
		}
		end := strings.IndexByte(format[i:], '}')
		if end < 0 {
			return "", errf("ValueError", "Single '{' encountered in format string")
		}
		field := format[i+1 : i+end]
		i += end + 1
		spec := ""
		if k := strings.IndexByte(field, ':'); k >= 0 {
			field, spec = field[:k], field[k+1:]
		}
		conv := byte(0)
		if k := strings.IndexByte(field, '!'); k >= 0 {
			if k+2 != len(field) {
				return "", errf("ValueError", "expected ':' after conversion specifier")
			}
			conv = field[k+1]
			field = field[:k]
		}
		// The first part names an argument; .attr and [key] follow.
		head := field
		rest := ""
		if k := strings.IndexAny(field, ".["); k >= 0 {
			head, rest = field[:k], field[k:]
		}
		var v any
		switch {
		case head == "":
			if auto >= len(args) {
				return "", errf("IndexError", "Replacement index %d out of range for positional args tuple", auto)
			}
			v = args[auto]
			auto++
		case strings.Trim(head, "0123456789") == "":
			n, _ := strconv.Atoi(head)
			if n >= len(args) {
				return "", errf("IndexError", "Replacement index %d out of range for positional args tuple", n)
			}
			v = args[n]
		default:
			found := false
			for _, k := range kw {
				if k.name == head {
					v, found = k.val, true
				}
			}
			if !found {
				return "", errf("KeyError", "%s", pyRepr(head))
			}
		}
		for rest != "" {
			var err error
			if rest[0] == '.' {
				k := strings.IndexAny(rest[1:], ".[")
				name := rest[1:]
				if k >= 0 {
					name, rest = rest[1:k+1], rest[k+1:]
				} else {
					rest = ""
				}
				v, err = getattr(v, name)
			} else {
				k := strings.IndexByte(rest, ']')
				if k < 0 {
					return "", errf("ValueError", "Missing ']' in format string")
				}
				key := rest[1:k]
				rest = rest[k+1:]
				var kv any = key
				if n, e := strconv.ParseInt(key, 10, 64); e == nil {
					kv = n
				}
				v, err = getitem(v, kv)
			}
			if err != nil {
				return "", err
			}
		}
		switch conv {
		case 0:
		case 's':
			v = strOf(v)
		case 'r', 'a':
			v = pyRepr(v)
		default:
			return "", errf("ValueError", "Unknown conversion specifier %c", conv)
		}
		s, err := formatSpec(v, spec)
		if err != nil {
			return "", err
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// formatSpec is Python's format(v, spec) for str, int, float and bool.
func formatSpec(v any, spec string) (string, error) {
	if spec == "" {
		return strOf(v), nil
	}
	fill, align := " ", byte(0)
	i := 0
	if r, n := utf8.DecodeRuneInString(spec); n > 0 && n < len(spec) && strings.IndexByte("<>^=", spec[n]) >= 0 {
		fill, align, i = string(r), spec[n], n+1
	} else if strings.IndexByte("<>^=", spec[0]) >= 0 {
		align, i = spec[0], 1
	}
	sign := byte('-')
	if i < len(spec) && strings.IndexByte("+- ", spec[i]) >= 0 {
		sign = spec[i]
		i++
	}
	alt := false
	if i < len(spec) && spec[i] == '#' {
		alt = true
		i++
	}
	if i < len(spec) && spec[i] == '0' {
		if align == 0 {
			fill, align = "0", '='
		}
		i++
	}
	width := 0
	for i < len(spec) && isDigit(spec[i]) {
		width = width*10 + int(spec[i]-'0')
		if width > defaultMaxOutput {
			return "", errf("ValueError", "Too many decimal digits in format string")
		}
		i++
	}
	grouping := byte(0)
	if i < len(spec) && (spec[i] == ',' || spec[i] == '_') {
		grouping = spec[i]
		i++
	}
	prec := -1
	if i < len(spec) && spec[i] == '.' {
		i++
		prec = 0
		for i < len(spec) && isDigit(spec[i]) {
			prec = prec*10 + int(spec[i]-'0')
			if prec > 1000 {
				return "", errf("ValueError", "precision too big")
			}
			i++
		}
	}
	typ := byte(0)
	if i < len(spec) {
		typ = spec[i]
		i++
	}
	if i != len(spec) {
		return "", errf("ValueError", "Invalid format specifier")
	}
	var body, signStr string
	numeric := true
	switch x := v.(type) {
	case string, markup:
		if typ != 0 && typ != 's' {
			return "", errf("ValueError", "Unknown format code %s for object of type 'str'", pyRepr(string(typ)))
		}
		body = strOf(x)
		if prec >= 0 && utf8.RuneCountInString(body) > prec {
			body = string([]rune(body)[:prec])
		}
		numeric = false
		if align == 0 {
			align = '<'
		}
	case bool, int64, float64:
		f, n, isInt, _ := number(x)
		neg := false
		switch {
		case isInt && strings.IndexByte("bcdoxXn", typ) >= 0 || isInt && typ == 0:
			if prec >= 0 {
				return "", errf("ValueError", "Precision not allowed in integer format specifier")
			}
			neg = n < 0
			u := uint64(n)
			if neg {
				u = uint64(-n)
			}
			switch typ {
			case 'b':
				body = strconv.FormatUint(u, 2)
			case 'o':
				body = strconv.FormatUint(u, 8)
			case 'x':
				body = strconv.FormatUint(u, 16)
			case 'X':
				body = strings.ToUpper(strconv.FormatUint(u, 16))
			case 'c':
				body = string(rune(n))
			default:
				body = strconv.FormatUint(u, 10)
			}
			if alt && strings.IndexByte("box", lowerByte(typ)) >= 0 {
				body = "0" + string(typ) + body
			}
		case strings.IndexByte("eEfFgG%", typ) >= 0 || (!isInt && typ == 0) || (isInt && typ == 'n'):
			neg = math.Signbit(f) && !math.IsNaN(f)
			a := math.Abs(f)
			switch typ {
			case 0:
				if prec < 0 {
					body = formatFloat(a)
				} else {
					body = formatFloatSpec(a, 'g', max(prec, 1), alt, "")
					if !strings.ContainsAny(body, ".en") {
						body += ".0"
					}
				}
			case '%':
				if prec < 0 {
					prec = 6
				}
				body = formatFloatSpec(a*100, 'f', prec, alt, "") + "%"
			default:
				if prec < 0 {
					prec = 6
				}
				body = formatFloatSpec(a, typ, prec, alt, "")
			}
		default:
			return "", errf("ValueError", "Unknown format code %s for object of type %s", pyRepr(string(typ)), pyRepr(typeName(v)))
		}
		if grouping != 0 {
			body = groupDigits(body, grouping)
		}
		switch {
		case neg:
			signStr = "-"
		case sign == '+':
			signStr = "+"
		case sign == ' ':
			signStr = " "
		}
	default:
		return "", errf("TypeError", "unsupported format string passed to %s.__format__", typeName(v))
	}
	if numeric && align == 0 {
		align = '>'
	}
	n := utf8.RuneCountInString(signStr + body)
	if width <= n {
		return signStr + body, nil
	}
	pad := width - n
	switch align {
	case '<':
		return signStr + body + strings.Repeat(fill, pad), nil
	case '^':
		return strings.Repeat(fill, pad/2) + signStr + body + strings.Repeat(fill, pad-pad/2), nil
	case '=':
		return signStr + strings.Repeat(fill, pad) + body, nil
	}
	return strings.Repeat(fill, pad) + signStr + body, nil
}

// groupDigits inserts a thousands separator into the integer part.
func groupDigits(s string, sep byte) string {
	end := strings.IndexAny(s, ".eE%")
	if end < 0 {
		end = len(s)
	}
	intPart := s[:end]
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteRune(c)
	}
	return b.String() + s[end:]
}

var (
	weekdayNames = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
	monthNames   = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
)

// strftime is Python's datetime.strftime on Linux (glibc), for a naive
// local time: %z and %Z are empty.
func strftime(t time.Time, format string) string {
	var out strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			out.WriteByte(c)
			continue
		}
		var b strings.Builder // this directive's text
		numeric := false
		i++
		// glibc's optional flag and field width, e.g. %-d, %_H, %5d.
		start := i
		var flag byte
		if strings.IndexByte("-_0^#", format[i]) >= 0 && i+1 < len(format) {
			flag = format[i]
			i++
		}
		fieldWidth := 0
		for i < len(format)-1 && isDigit(format[i]) && fieldWidth < 1000 {
			fieldWidth = fieldWidth*10 + int(format[i]-'0')
			i++
		}
		noPad := flag == '-'
		num := func(v, width int, padChar byte) {
			numeric = true
			s := strconv.Itoa(v)
			switch flag {
			case '_':
				padChar = ' '
			case '0':
				padChar = '0'
			}
			width = max(width, fieldWidth)
			if !noPad {
				for len(s) < width {
					s = string(padChar) + s
				}
			}
			b.WriteString(s)
		}
		hour12 := t.Hour() % 12
		if hour12 == 0 {
			hour12 = 12
		}
		switch format[i] {
		case 'a':
			b.WriteString(weekdayNames[t.Weekday()][:3])
		case 'A':
			b.WriteString(weekdayNames[t.Weekday()])
		case 'w':
			num(int(t.Weekday()), 1, '0')
		case 'u':
			wd := int(t.Weekday())
			if wd == 0 {
				wd = 7
			}
			num(wd, 1, '0')
		case 'd':
			num(t.Day(), 2, '0')
		case 'e':
			num(t.Day(), 2, ' ')
		case 'b', 'h':
			b.WriteString(monthNames[t.Month()-1][:3])
		case 'B':
			b.WriteString(monthNames[t.Month()-1])
		case 'm':
			num(int(t.Month()), 2, '0')
		case 'y':
			num(t.Year()%100, 2, '0')
		case 'Y':
			num(t.Year(), 1, '0')
		case 'C':
			num(t.Year()/100, 2, '0')
		case 'H':
			num(t.Hour(), 2, '0')
		case 'k':
			num(t.Hour(), 2, ' ')
		case 'I':
			num(hour12, 2, '0')
		case 'l':
			num(hour12, 2, ' ')
		case 'p':
			if t.Hour() < 12 {
				b.WriteString("AM")
			} else {
				b.WriteString("PM")
			}
		case 'P':
			if t.Hour() < 12 {
				b.WriteString("am")
			} else {
				b.WriteString("pm")
			}
		case 'M':
			num(t.Minute(), 2, '0')
		case 'S':
			num(t.Second(), 2, '0')
		case 'f':
			num(t.Nanosecond()/1000, 6, '0')
		case 'j':
			num(t.YearDay(), 3, '0')
		case 'U':
			num((t.YearDay()+6-int(t.Weekday()))/7, 2, '0')
		case 'W':
			num((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2, '0')
		case 'G':
			y, _ := t.ISOWeek()
			num(y, 1, '0')
		case 'V':
			_, w := t.ISOWeek()
			num(w, 2, '0')
		case 'c':
			b.WriteString(strftime(t, "%a %b %e %H:%M:%S %Y"))
		case 'x':
			b.WriteString(strftime(t, "%m/%d/%y"))
		case 'X', 'T':
			b.WriteString(strftime(t, "%H:%M:%S"))
		case 'D':
			b.WriteString(strftime(t, "%m/%d/%y"))
		case 'F':
			b.WriteString(strftime(t, "%Y-%m-%d"))
		case 'R':
			b.WriteString(strftime(t, "%H:%M"))
		case 'r':
			b.WriteString(strftime(t, "%I:%M:%S %p"))
		case 's':
			b.WriteString(strconv.FormatInt(t.Unix(), 10))
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'z', 'Z':
		case '%':
			b.WriteByte('%')
		default:
			out.WriteByte('%')
			out.WriteString(format[start : i+1])
			continue
		}
		text := b.String()
		if flag == '^' {
			text = strings.ToUpper(text)
		}
		if !numeric && utf8.RuneCountInString(text) < fieldWidth {
			pad := " "
			if flag == '0' {
				pad = "0"
			}
			text = strings.Repeat(pad, fieldWidth-utf8.RuneCountInString(text)) + text
		}
		out.WriteString(text)
	}
	return out.String()
}
