package keepalived

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FS is what the parser reads files through: the operating system's, or
// a map in tests.
type FS interface {
	ReadFile(name string) ([]byte, error)
	// Glob returns the names matching a filepath.Match pattern, sorted.
	Glob(pattern string) ([]string, error)
}

// OS reads the real file system.
type OS struct{}

// ReadFile reads a file.
func (OS) ReadFile(name string) ([]byte, error) { return os.ReadFile(name) }

// Glob matches a pattern.
func (OS) Glob(pattern string) ([]string, error) { return filepath.Glob(pattern) }

// MapFS is an FS of file names to contents.
type MapFS map[string]string

// ReadFile returns the named file.
func (m MapFS) ReadFile(name string) ([]byte, error) {
	s, ok := m[filepath.Clean(name)]
	if !ok {
		return nil, &os.PathError{Op: "open", Path: name, Err: os.ErrNotExist}
	}
	return []byte(s), nil
}

// Glob returns the sorted names that match pattern.
func (m MapFS) Glob(pattern string) ([]string, error) {
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	var out []string
	for name := range m {
		if ok, _ := filepath.Match(filepath.Clean(pattern), name); ok {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// expandBraces expands csh brace expressions, "a{b,c}d" to "abd" and
// "acd", as keepalived's include does where glob() supports them. A brace
// without a comma at its level is kept literally. limit bounds the output.
func expandBraces(s string, limit int) []string {
	open := -1
	depth := 0
	var commas []int
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '{':
			if depth == 0 {
				open = i
				commas = commas[:0]
			}
			depth++
		case ',':
			if depth == 1 {
				commas = append(commas, i)
			}
		case '}':
			if depth == 0 {
				continue
			}
			depth--
			if depth != 0 {
				continue
			}
			if len(commas) == 0 {
				// {x}: literal; expand what follows.
				var out []string
				for _, rest := range expandBraces(s[i+1:], limit) {
					out = append(out, s[:i+1]+rest)
				}
				return out
			}
			pre, post := s[:open], s[i+1:]
			bounds := append(append([]int{open}, commas...), i)
			var out []string
			for k := 0; k+1 < len(bounds); k++ {
				alt := s[bounds[k]+1 : bounds[k+1]]
				for _, e := range expandBraces(pre+alt+post, limit) {
					if len(out) >= limit {
						return out
					}
					out = append(out, e)
				}
			}
			return out
		}
	}
	return []string{s}
}

// isGlob reports whether a name has glob metacharacters.
func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }
