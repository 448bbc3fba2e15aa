package convert

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// table is one TOML table as written: its header, its key lines with
// comments, and the tables nested under it, written after it.
type table struct {
	comment []string // lines above the header
	header  string   // "[global]", "[[instance]]", ...
	lines   []string
	sub     []*table
}

// set adds key = value, with an optional comment.
func (t *table) set(key, value, comment string) {
	l := key + " = " + value
	if comment != "" {
		l += "  # " + comment
	}
	t.lines = append(t.lines, l)
}

// note adds a comment line among the keys.
func (t *table) note(format string, args ...any) {
	t.lines = append(t.lines, "# "+oneLine(fmt.Sprintf(format, args...)))
}

func (t *table) write(b *strings.Builder) {
	if len(t.lines) == 0 && len(t.sub) == 0 && strings.HasPrefix(t.header, "[global") {
		return
	}
	b.WriteByte('\n')
	for _, c := range t.comment {
		b.WriteString("# " + oneLine(c) + "\n")
	}
	b.WriteString(t.header + "\n")
	indent := t.header[:len(t.header)-len(strings.TrimLeft(t.header, " "))]
	for _, l := range t.lines {
		b.WriteString(indent + l + "\n")
	}
	for _, s := range t.sub {
		s.write(b)
	}
}

// oneLine keeps a comment on its line and valid in TOML: UTF-8, no
// control characters but tab.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' || r == 0x7f {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// str is a TOML basic string.
func str(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// list is a TOML array of strings.
func list(v []string) string {
	q := make([]string, len(v))
	for i, s := range v {
		q[i] = str(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func num[T ~int | ~int64 | ~uint8 | ~uint16 | ~uint32](n T) string {
	return strconv.FormatInt(int64(n), 10)
}

// dur writes a duration as hadirector's files do: "900s", "100ms".
func dur(d time.Duration) string {
	switch {
	case d%time.Second == 0:
		return str(strconv.FormatInt(int64(d/time.Second), 10) + "s")
	case d%time.Millisecond == 0:
		return str(strconv.FormatInt(int64(d/time.Millisecond), 10) + "ms")
	}
	return str(d.String())
}

func boolean(v bool) string { return strconv.FormatBool(v) }
