package conf

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"
	"sync"

	"github.com/BurntSushi/toml"
)

// Load reads and checks the file at path. On any problem it returns nil and
// every problem found, each as FILE:LINE: KEY: MESSAGE.
func Load(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// Parse checks a file's contents; file names it in errors and Config.File.
// data is only read, and not kept.
func Parse(file string, data []byte) (*Config, error) {
	// The decoder copies data itself: a string of it here would be one
	// more copy of the file, live for the whole parse.
	e := &errs{file: file, data: data}
	var raw rawFile
	md, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: pe.Position.Line, Msg: pe.Message}
		}
		// A type mismatch: name the key when the library does.
		return nil, &Error{File: file, Line: lineOfTypeError(err), Msg: err.Error()}
	}
	unknownKeys(md, e)
	c := build(file, raw, e)
	if err := e.err(); err != nil {
		return nil, err
	}
	detach(reflect.ValueOf(c))
	return c, nil
}

// unknownKeys reports every key the file sets that hadirector does not know.
// toml.Key carries no array index, so a key under an array of tables
// ([[instance]], [[service]], [[service.real]]) is located in each element
// that sets it.
func unknownKeys(md toml.MetaData, e *errs) {
	if allKnown(md) {
		return
	}
	seen := map[string]bool{}
	for _, k := range md.Undecoded() {
		parts := make([]string, len(k))
		for i, p := range k {
			parts[i] = regexp.QuoteMeta(p) + `(\[\d+\])?`
		}
		re := regexp.MustCompile("^" + strings.Join(parts, `\.`) + "$")
		found := false
		for path := range e.lines() {
			if strings.Contains(path, "[") && re.MatchString(path) {
				found = true
				if !seen[path] {
					seen[path] = true
					e.add(path, "unknown key")
				}
			}
		}
		if key := k.String(); !found && !seen[key] {
			seen[key] = true
			e.add(key, "unknown key")
		}
	}
}

// keyTree is the tree of the keys rawFile takes, by their toml tags; a
// key's subtree is nil when it takes a value, not a table.
type keyTree map[string]keyTree

// known is the keyTree of rawFile.
var known = sync.OnceValue(func() keyTree { return treeOf(reflect.TypeFor[rawFile]()) })

func treeOf(t reflect.Type) keyTree {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	kt := keyTree{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("toml"), ",")
		if name == "" || name == "-" || f.Anonymous {
			continue // not a key by its tag: its keys are left to Undecoded
		}
		kt[name] = treeOf(f.Type)
	}
	return kt
}

// allKnown reports whether every key of md is exactly the tag of a field
// of rawFile, under the fields of its tables. The decoder decodes every
// such key, so then none is undecoded, and MetaData.Undecoded, which
// makes a string of each key of the file to look it up (0.65 MB for 1000
// instances), is not needed. Any other key, unknown or matched only
// regardless of case, is left to Undecoded.
func allKnown(md toml.MetaData) bool {
	root := known()
	for _, k := range md.Keys() {
		kt := root
		for _, part := range k {
			sub, ok := kt[part]
			if !ok {
				return false
			}
			kt = sub
		}
	}
	return true
}

func lineOfTypeError(err error) int {
	msg := err.Error()
	// "toml: line 5 (last key \"instance.vrid\"): ..." in v1.
	var line int
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return line
}
