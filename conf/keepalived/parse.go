package keepalived

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
)

// Options say how to read a configuration.
type Options struct {
	// FS reads the file and its includes; nil is the operating system's.
	FS FS
	// ConfigID is what @ID lines are compared with (keepalived's -i; it
	// defaults there to the first part of the host name).
	ConfigID string
}

// maxLines bounds the logical lines after every expansion (a variable so
// that a test can reach it quickly).
var maxLines = 1 << 20

// Limits that keep a hostile or mistaken file from running away.
const (
	maxIncludeDepth = 32
	maxExpandDepth  = 32
	maxLineLen      = 1 << 16
)

// Error is a problem with the file's syntax, at a place.
type Error struct {
	Pos Pos
	Msg string
}

func (e *Error) Error() string { return e.Pos.String() + ": " + e.Msg }

// ParseFile reads the configuration at path and every file it includes.
func ParseFile(path string, o Options) ([]*Node, error) {
	if o.FS == nil {
		o.FS = OS{}
	}
	r := &reader{o: o, vars: map[string]string{}}
	b, err := o.FS.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := r.file(path, string(b), 0); err != nil {
		return nil, err
	}
	return build(r.lines)
}

// Parse reads text as the file named file; includes are read from o.FS.
func Parse(file, text string, o Options) ([]*Node, error) {
	if o.FS == nil {
		o.FS = OS{}
	}
	r := &reader{o: o, vars: map[string]string{}}
	if err := r.file(file, text, 0); err != nil {
		return nil, err
	}
	return build(r.lines)
}

// line is one logical line: its words and where it came from.
type line struct {
	pos    Pos
	words  []string
	quoted []bool
}

type reader struct {
	o     Options
	vars  map[string]string
	lines []line
	work  int // lines processed, against maxLines
}

func (r *reader) file(name, text string, depth int) error {
	raw := strings.Split(text, "\n")
	dir := filepath.Dir(name)
	for i := 0; i < len(raw); i++ {
		pos := Pos{name, i + 1}
		s := strings.TrimSpace(stripComment(strings.TrimSuffix(raw[i], "\r")))
		if s == "" {
			continue
		}
		if len(s) > maxLineLen {
			return &Error{pos, "line too long"}
		}
		if kw, arg, ok := includeLine(s); ok {
			if err := r.include(pos, dir, kw, arg, depth); err != nil {
				return err
			}
			continue
		}
		// A multi-line parameter: $NAME= \ then lines ending in \ and a
		// last line that does not.
		if name, ok := multiDef(s); ok {
			var parts []string
			for i+1 < len(raw) {
				i++
				t := strings.TrimSpace(stripComment(strings.TrimSuffix(raw[i], "\r")))
				cont := strings.HasSuffix(t, "\\")
				parts = append(parts, strings.TrimSpace(strings.TrimSuffix(t, "\\")))
				if !cont {
					break
				}
			}
			r.vars[name] = strings.Join(parts, "\n")
			continue
		}
		if err := r.logical(pos, s, 0); err != nil {
			return err
		}
	}
	return nil
}

// includeLine recognises include and its variants on a raw line, before
// any conditional or substitution, as keepalived does.
func includeLine(s string) (kw, arg string, ok bool) {
	f := strings.Fields(s)
	if len(f) < 2 {
		return "", "", false
	}
	switch f[0] {
	case "include", "includer", "includem", "includew", "includeb", "includea":
		ws, _ := words(strings.TrimSpace(s[len(f[0]):]))
		if len(ws) == 0 {
			return "", "", false
		}
		return f[0], ws[0], true
	}
	return "", "", false
}

func (r *reader) include(pos Pos, dir, kw, pattern string, depth int) error {
	if depth >= maxIncludeDepth {
		return &Error{pos, "includes nested more than 32 deep (a loop?)"}
	}
	if !filepath.IsAbs(pattern) {
		pattern = filepath.Join(dir, pattern)
	}
	var names []string
	for _, p := range expandBraces(pattern, 1000) {
		if !isGlob(p) {
			names = append(names, p)
			continue
		}
		m, err := r.o.FS.Glob(p)
		if err != nil {
			return &Error{pos, fmt.Sprintf("%s %q: %v", kw, pattern, err)}
		}
		names = append(names, m...)
	}
	strict := kw != "include" && kw != "includer"
	if len(names) == 0 && strict {
		return &Error{pos, fmt.Sprintf("%s %q matches no file", kw, pattern)}
	}
	for _, n := range names {
		b, err := r.o.FS.ReadFile(n)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && !strict {
				continue // plain include: a missing file is no error
			}
			return &Error{pos, fmt.Sprintf("%s: %v", kw, err)}
		}
		if err := r.file(n, string(b), depth+1); err != nil {
			return err
		}
	}
	return nil
}

// multiDef recognises "$NAME= \", the start of a multi-line parameter.
func multiDef(s string) (string, bool) {
	name, val, ok := definition(s)
	if !ok || strings.TrimSpace(val) != "\\" {
		return "", false
	}
	return name, true
}

// definition recognises "$NAME=VALUE".
func definition(s string) (name, val string, ok bool) {
	if !strings.HasPrefix(s, "$") {
		return "", "", false
	}
	eq := strings.IndexByte(s, '=')
	if eq < 2 || !validName(s[1:eq]) {
		return "", "", false
	}
	return s[1:eq], strings.TrimSpace(s[eq+1:]), true
}

func validName(n string) bool {
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// logical takes one line with comments gone through conditionals,
// definitions, repetition and substitution, and keeps what is left.
func (r *reader) logical(pos Pos, s string, depth int) error {
	r.work++
	if r.work > maxLines {
		return &Error{pos, fmt.Sprintf("more than %d lines after expansion", maxLines)}
	}
	if depth > maxExpandDepth {
		return &Error{pos, "parameters expand more than 32 deep (one refers to itself?)"}
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if s[0] == '@' {
		end := strings.IndexAny(s, " \t")
		if end < 0 {
			end = len(s)
		}
		id, neg := s[1:end], false
		if strings.HasPrefix(id, "^") {
			id, neg = id[1:], true
		}
		if (id == r.o.ConfigID) == neg {
			return nil
		}
		return r.logical(pos, s[end:], depth)
	}
	if name, val, ok := definition(s); ok {
		r.vars[name] = val
		return nil
	}
	if strings.HasPrefix(s, "~SEQ") || strings.HasPrefix(s, "~LST") {
		return r.repeat(pos, s, depth)
	}
	t, changed := r.substitute(pos, s)
	if len(t) > maxLineLen*16 {
		return &Error{pos, "line too long after substitution"}
	}
	if changed {
		for _, part := range strings.Split(t, "\n") {
			if err := r.logical(pos, part, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	ws, q := words(t)
	r.lines = append(r.lines, line{pos, ws, q})
	return nil
}

// substitute replaces ${NAME} anywhere and $NAME before whitespace or the
// end, again and again while anything changes; an undefined name stays.
func (r *reader) substitute(pos Pos, s string) (string, bool) {
	changed := false
	for range 64 {
		t := r.substituteOnce(pos, s)
		if t == s {
			break
		}
		s, changed = t, true
		if len(s) > maxLineLen*16 {
			break
		}
	}
	return s, changed
}

func (r *reader) substituteOnce(pos Pos, s string) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		if s[i+1] == '{' {
			end := strings.IndexByte(s[i:], '}')
			if end > 0 {
				if v, ok := r.lookup(pos, s[i+2:i+end]); ok {
					b.WriteString(v)
					i += end
					continue
				}
			}
			b.WriteByte('$')
			continue
		}
		j := i + 1
		for j < len(s) && s[j] != ' ' && s[j] != '\t' {
			j++
		}
		if v, ok := r.lookup(pos, s[i+1:j]); ok {
			b.WriteString(v)
			i = j - 1
			continue
		}
		b.WriteByte('$')
	}
	return b.String()
}

// lookup finds a parameter, or one of the predefined ones.
func (r *reader) lookup(pos Pos, name string) (string, bool) {
	switch f := strings.Fields(name); {
	case name == "_PWD":
		return filepath.Dir(pos.File), true
	case name == "_INSTANCE":
		return r.o.ConfigID, true
	case name == "_HASH":
		return "#", true
	case name == "_BANG":
		return "!", true
	case len(f) > 0 && f[0] == "_RANDOM":
		// A random number would make the result differ run to run: the
		// least of the range is as valid a draw as any.
		if len(f) > 1 {
			return f[1], true
		}
		return "0", true
	}
	v, ok := r.vars[name]
	return v, ok
}
