package keepalived

import (
	"strconv"
	"strings"
)

// stripComment cuts a line at the first # or ! outside quotes.
func stripComment(s string) string {
	var q byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0 && c == '\\':
			i++
		case q != 0 && c == q:
			q = 0
		case q != 0:
		case c == '"' || c == '\'':
			q = c
		case c == '#' || c == '!':
			return s[:i]
		}
	}
	return s
}

// words splits a line into whitespace-separated words. Quotes (" or ')
// are removed and keep the whitespace between them, so that
// `abcd" efg "h` is one word; inside quotes the shell's escapes apply.
// quoted reports, per word, whether any of it was quoted: a quoted "{"
// opens no block.
func words(s string) (ws []string, quoted []bool) {
	var b strings.Builder
	in, q, wasQ := false, byte(0), false
	flush := func() {
		if in {
			ws = append(ws, b.String())
			quoted = append(quoted, wasQ)
		}
		b.Reset()
		in, wasQ = false, false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case q != 0 && c == q:
			q = 0
		case q != 0 && c == '\\' && i+1 < len(s):
			i = unescape(s, i+1, &b)
		case q != 0:
			b.WriteByte(c)
		case c == '"' || c == '\'':
			q, in, wasQ = c, true, true
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f':
			flush()
		default:
			in = true
			b.WriteByte(c)
		}
	}
	flush()
	return ws, quoted
}

// unescape writes the escape starting at s[i] (just after the backslash)
// and returns the index of its last byte.
func unescape(s string, i int, b *strings.Builder) int {
	simple := map[byte]byte{'a': 7, 'b': 8, 'E': 27, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11}
	c := s[i]
	if v, ok := simple[c]; ok {
		b.WriteByte(v)
		return i
	}
	switch {
	case c >= '0' && c <= '7':
		j := i
		for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
			j++
		}
		n, _ := strconv.ParseUint(s[i:j], 8, 16)
		b.WriteByte(byte(n))
		return j - 1
	case c == 'x':
		j := i + 1
		for j < len(s) && strings.IndexByte("0123456789abcdefABCDEF", s[j]) >= 0 {
			j++
		}
		if j == i+1 {
			b.WriteByte('x')
			return i
		}
		n, _ := strconv.ParseUint(s[max(i+1, j-2):j], 16, 8)
		b.WriteByte(byte(n))
		return j - 1
	case c == 'c' && i+1 < len(s):
		b.WriteByte(s[i+1] & 0x1f)
		return i + 1
	}
	b.WriteByte(c)
	return i
}
