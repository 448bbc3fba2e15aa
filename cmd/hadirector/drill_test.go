package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestDrillBGPFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--bgp", "-port", "0"}, 2, "-port 1..65535"},
		{[]string{"--bgp", "-streams", "0"}, 2, "-streams >= 1"},
		{[]string{"--bgp", "--planned"}, 2, "neither --planned"},
		{[]string{"--bgp", "-s", "/nonexistent/hadirector.sock"}, 1, "hadirector drill:"},
	} {
		var stdout, stderr bytes.Buffer
		if code := drillCmd(c.args, &stdout, &stderr); code != c.code || !strings.Contains(stderr.String(), c.err) {
			t.Errorf("drill %v: exit %d, %q; want %d and %q", c.args, code, stderr.String(), c.code, c.err)
		}
	}
}
