package conf

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// keyLines maps dotted key paths (instance[0].garp.count) to the line that
// sets them. BurntSushi/toml reports no positions for keys, so the text is
// scanned: table headers and "key =" assignments, with array-of-tables
// headers counted. Multi-line values belong to the line where they start.
type keyLines map[string]int

// lineScans counts the calls of scanLines, for the test that a valid file
// is never scanned.
var lineScans atomic.Int64

func scanLines(text string) keyLines {
	lineScans.Add(1)
	kl := keyLines{}
	counts := map[string]int{} // array-of-tables name -> elements seen
	prefix := ""
	depth := 0 // open brackets of a multi-line array
	for n, line := range strings.Split(text, "\n") {
		l := strings.TrimSpace(stripComment(line))
		if depth > 0 {
			depth += strings.Count(l, "[") - strings.Count(l, "]")
			continue
		}
		switch {
		case l == "":
		case strings.HasPrefix(l, "[["):
			name := resolve(strings.TrimSpace(strings.Trim(l, "[]")), counts)
			i := counts[name]
			counts[name]++
			prefix = fmt.Sprintf("%s[%d]", name, i)
			kl.set(prefix, n+1)
		case strings.HasPrefix(l, "["):
			name := strings.TrimSpace(strings.Trim(l, "[]"))
			prefix = resolve(name, counts)
			kl.set(prefix, n+1)
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				continue
			}
			key := strings.Trim(strings.TrimSpace(k), `"'`)
			full := key
			if prefix != "" {
				full = prefix + "." + key
			}
			kl.set(full, n+1)
			v = strings.TrimSpace(v)
			depth = strings.Count(v, "[") - strings.Count(v, "]")
			if depth < 0 {
				depth = 0
			}
		}
	}
	return kl
}

// resolve turns a table name such as instance.garp or service.real.check
// into the path of the latest element of each array it is under:
// instance[2].garp, service[1].real[0].check. counts is keyed by resolved
// array paths (service, service[1].real).
func resolve(name string, counts map[string]int) string {
	parts := strings.Split(name, ".")
	cur := parts[0]
	for _, part := range parts[1:] {
		if c := counts[cur]; c > 0 {
			cur = fmt.Sprintf("%s[%d]", cur, c-1)
		}
		cur += "." + part
	}
	return cur
}

func (kl keyLines) set(k string, line int) {
	if _, ok := kl[k]; !ok {
		kl[k] = line
	}
}

// line finds the line of key, else of its nearest enclosing table, else 0.
func (kl keyLines) line(key string) int {
	for k := key; k != ""; {
		if n, ok := kl[k]; ok {
			return n
		}
		i := strings.LastIndexAny(k, ".[")
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return 0
}

// stripComment drops a # comment that is not inside a string.
func stripComment(s string) string {
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == '\\' && quote == '"' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '#':
			return s[:i]
		}
	}
	return s
}
