package conf

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"strings"

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
func Parse(file string, data []byte) (*Config, error) {
	return parse(file, string(data))
}

func parse(file, text string) (*Config, error) {
	e := &errs{file: file, lines: scanLines(text)}
	var raw rawFile
	md, err := toml.Decode(text, &raw)
	if err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, &Error{File: file, Line: pe.Position.Line, Msg: pe.Message}
		}
		// A type mismatch: name the key when the library does.
		return nil, &Error{File: file, Line: lineOfTypeError(err, e.lines), Msg: err.Error()}
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
	seen := map[string]bool{}
	for _, k := range md.Undecoded() {
		parts := make([]string, len(k))
		for i, p := range k {
			parts[i] = regexp.QuoteMeta(p) + `(\[\d+\])?`
		}
		re := regexp.MustCompile("^" + strings.Join(parts, `\.`) + "$")
		found := false
		for path := range e.lines {
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

func lineOfTypeError(err error, kl keyLines) int {
	msg := err.Error()
	// "toml: line 5 (last key \"instance.vrid\"): ..." in v1.
	var line int
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return line
}
