package conf

import (
	"errors"
	"fmt"
	"sort"
)

// Error is one problem in a configuration file, located by line and key.
type Error struct {
	File string
	Line int    // 1-based; 0 when unknown
	Key  string // dotted TOML path, e.g. instance[1].vrid
	Msg  string
}

func (e *Error) Error() string {
	if e.Key == "" {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Key, e.Msg)
}

// errs collects the problems of one file.
type errs struct {
	file string
	data []byte   // the file, scanned for kl on the first problem
	kl   keyLines // nil until lines is called
	list []*Error
}

// lines is the key-to-line map of the file, scanned on first use: only a
// problem needs a line. For a valid file of 1000 instances the scan would
// allocate 1.2 MB, and keep 0.2 MB of it live through the decoding, when
// the heap is at its peak.
func (e *errs) lines() keyLines {
	if e.kl == nil {
		e.kl = scanLines(string(e.data))
	}
	return e.kl
}

func (e *errs) add(key, format string, args ...any) {
	e.list = append(e.list, &Error{File: e.file, Line: e.lines().line(key), Key: key, Msg: fmt.Sprintf(format, args...)})
}

// count is how many problems were found so far.
func (e *errs) count() int { return len(e.list) }

// err joins the problems sorted by line, or is nil.
func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	sort.SliceStable(e.list, func(i, j int) bool { return e.list[i].Line < e.list[j].Line })
	out := make([]error, len(e.list))
	for i, x := range e.list {
		out[i] = x
	}
	return errors.Join(out...)
}
