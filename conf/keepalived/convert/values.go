package convert

import (
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// seconds parses keepalived's TIMER: seconds, fractions allowed, to the
// microsecond.
func seconds(s string) (time.Duration, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || f > 1e7 || math.IsNaN(f) {
		return 0, false
	}
	return time.Duration(math.Round(f*1e6)) * time.Microsecond, true
}

// timer reads a node's TIMER argument, noting a bad one.
func (c *converter) timer(n *keepalived.Node) (time.Duration, bool) {
	s, ok := c.arg(n, 0)
	if !ok {
		return 0, false
	}
	d, ok := seconds(s)
	if !ok {
		c.changed(n, false, "not carried: %q is not a number of seconds", s)
	}
	return d, ok
}

// integer reads a node's i-th argument as an integer within lo..hi.
func (c *converter) integer(n *keepalived.Node, i int, lo, hi int64) (int64, bool) {
	s, ok := c.arg(n, i)
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v < lo || v > hi {
		c.changed(n, true, "not carried: %q is not an integer from %d to %d", s, lo, hi)
		return 0, false
	}
	return v, true
}

// command splits a keepalived script string into a program and its
// arguments as keepalived does (whitespace separates, single or double
// quotes group), with no shell. hadirector runs a program by absolute
// path only; a bare name goes through /usr/bin/env, which searches PATH
// as keepalived does.
func command(s string) (argv []string, viaEnv bool) {
	var cur strings.Builder
	in, q := false, byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case q != 0 && ch == q:
			q = 0
		case q != 0:
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			q, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				argv = append(argv, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		argv = append(argv, cur.String())
	}
	if len(argv) > 0 && !strings.HasPrefix(argv[0], "/") {
		return append([]string{"/usr/bin/env"}, argv...), true
	}
	return argv, false
}

// script converts a node whose arguments are one script (the words are
// joined: keepalived takes the rest of the line).
func (c *converter) script(n *keepalived.Node) ([]string, bool) {
	if len(n.Args) == 0 {
		c.changed(n, false, "not carried: no script given")
		return nil, false
	}
	argv, env := command(strings.Join(n.Args, " "))
	if len(argv) == 0 {
		c.changed(n, false, "not carried: an empty script")
		return nil, false
	}
	if env {
		c.changed(n, false, "%q is not an absolute path: run through /usr/bin/env, which searches PATH (hadirector runs no shell)", argv[1])
	}
	return argv, true
}

// netmaskBits turns a dotted netmask (or a prefix length) into a prefix
// length.
func netmaskBits(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 32 {
		return n, true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is4() {
		return 0, false
	}
	ones, bits := net.IPMask(a.AsSlice()).Size()
	return ones, bits != 0 // bits is 0 when the mask is not contiguous
}

// flag reads keepalived's optional BOOL after a keyword: none is true.
func flag(n *keepalived.Node) bool {
	if len(n.Args) == 0 {
		return true
	}
	switch strings.ToLower(n.Args[0]) {
	case "off", "false", "no", "0":
		return false
	}
	return true
}
