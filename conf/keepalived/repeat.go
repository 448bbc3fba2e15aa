package keepalived

import (
	"fmt"
	"strconv"
	"strings"
)

// repeat expands a line that starts with ~SEQ(var, [start,] [step,] end),
// ~SEQx(...) (the value in hexadecimal) or ~LST(var, v1, v2, ...) /
// ~LST({a, b}, {1, 2}, {3, 4}): the rest of the line is taken once per
// value with the variables set.
func (r *reader) repeat(pos Pos, s string, depth int) error {
	open := strings.IndexByte(s, '(')
	end := closing(s, open)
	if open < 0 || end < 0 {
		return &Error{pos, fmt.Sprintf("%q: no closing parenthesis", s)}
	}
	kind := s[:open]
	spec, _ := r.substitute(pos, s[open+1:end])
	rest := s[end+1:]
	run := func(names, vals []string) error {
		for i, n := range names {
			r.vars[n] = vals[i]
		}
		return r.logical(pos, rest, depth+1)
	}
	switch kind {
	case "~SEQ", "~SEQx":
		f := strings.Split(spec, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) < 2 || len(f) > 4 || !validName(f[0]) {
			return &Error{pos, fmt.Sprintf("%s(%s): want (var, [start,] [step,] end)", kind, spec)}
		}
		n := make([]int64, len(f)-1)
		for i, x := range f[1:] {
			v, err := strconv.ParseInt(x, 0, 64)
			if err != nil || v < -1<<40 || v > 1<<40 {
				return &Error{pos, fmt.Sprintf("%s(%s): %q is not an integer", kind, spec, x)}
			}
			n[i] = v
		}
		var start, step, last int64
		switch len(n) {
		case 1:
			last, start = n[0], 1
			if last < 0 {
				start = -1
			}
		case 2:
			start, last = n[0], n[1]
		case 3:
			start, step, last = n[0], n[1], n[2]
		}
		if step == 0 {
			step = 1
			if last < start {
				step = -1
			}
		}
		base := 10
		if kind == "~SEQx" {
			base = 16
		}
		for v := start; step > 0 && v <= last || step < 0 && v >= last; v += step {
			if err := run(f[:1], []string{strconv.FormatInt(v, base)}); err != nil {
				return err
			}
		}
		return nil
	case "~LST":
		names, sets, err := listSpec(spec)
		if err != nil {
			return &Error{pos, fmt.Sprintf("~LST(%s): %v", spec, err)}
		}
		for _, vals := range sets {
			if err := run(names, vals); err != nil {
				return err
			}
		}
		return nil
	}
	return &Error{pos, fmt.Sprintf("%q is not ~SEQ, ~SEQx or ~LST", kind)}
}

// closing returns the index of the parenthesis that closes the one at
// open, or -1.
func closing(s string, open int) int {
	if open < 0 {
		return -1
	}
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// listSpec splits "var, v1, v2" or "{a, b}, {1, 2}, {3, 4}".
func listSpec(spec string) (names []string, sets [][]string, err error) {
	items, err := splitTop(spec)
	if err != nil {
		return nil, nil, err
	}
	if len(items) < 2 {
		return nil, nil, fmt.Errorf("want a variable and at least one value")
	}
	group := func(s string) []string {
		s = strings.TrimSpace(s)
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			s = s[1 : len(s)-1]
		}
		f := strings.Split(s, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		return f
	}
	names = group(items[0])
	for _, n := range names {
		if !validName(n) {
			return nil, nil, fmt.Errorf("%q is not a variable name", n)
		}
	}
	for _, it := range items[1:] {
		v := group(it)
		if len(v) != len(names) {
			return nil, nil, fmt.Errorf("%q has %d values for %d variables", it, len(v), len(names))
		}
		sets = append(sets, v)
	}
	return names, sets, nil
}

// splitTop splits at the commas outside braces.
func splitTop(s string) ([]string, error) {
	var out []string
	depth, from := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth < 0 {
				return nil, fmt.Errorf("unbalanced }")
			}
		case ',':
			if depth == 0 {
				out = append(out, s[from:i])
				from = i + 1
			}
		}
	}
	if depth != 0 {
		return nil, fmt.Errorf("unbalanced {")
	}
	return append(out, s[from:]), nil
}
