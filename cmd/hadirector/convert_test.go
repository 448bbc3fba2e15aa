package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConvertCmd(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.conf", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n virtual_ipaddress {\n  192.0.2.10/24 label eth0:1\n }\n}\n")
	lost := write("lost.conf", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress {\n  192.0.2.10\n  192.0.2.11 dev eth1\n }\n}\n")
	bad := write("bad.conf", "vrrp_instance VI_1 {\n")
	cond := write("cond.conf", "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n @a priority 200\n @^a priority 50\n virtual_ipaddress {\n  192.0.2.10\n }\n}\n")
	out := filepath.Join(dir, "out.toml")
	cases := []struct {
		name     string
		args     []string
		code     int
		stdout   string
		stderr   []string
		fileHas  string
		noStdout bool
	}{
		{"to stdout", []string{good}, 0, "vips = [\"192.0.2.10\"]", []string{"good.conf:6: note: 192.0.2.10/24"}, "", false},
		{"to a file, checked", []string{"-o", out, "--check", good}, 0, "", []string{"out.toml: ok, 1 instance(s), 0 service(s)"}, "priority = 150", true},
		{"lost", []string{lost}, 1, "", []string{"lost.conf:6: LOST: 192.0.2.11", "would differ"}, "", false},
		{"unreadable", []string{bad}, 2, "", []string{"bad.conf:1: block vrrp_instance is not closed"}, "", true},
		{"config id", []string{"-i", "a", cond}, 0, "priority = 200", nil, "", false},
		{"other config id", []string{"-i", "b", cond}, 0, "priority = 50", nil, "", false},
		{"usage", nil, 2, "", []string{"usage: hadirector convert"}, "", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var so, se bytes.Buffer
			code := dispatch(append([]string{"convert"}, c.args...), &so, &se)
			if code != c.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, c.code, se.String())
			}
			if !strings.Contains(so.String(), c.stdout) || c.noStdout && so.Len() > 0 {
				t.Errorf("stdout:\n%s\nwant %q", so.String(), c.stdout)
			}
			for _, w := range c.stderr {
				if !strings.Contains(se.String(), w) {
					t.Errorf("stderr:\n%s\nwant %q", se.String(), w)
				}
			}
			if c.fileHas != "" {
				b, err := os.ReadFile(out)
				if err != nil || !strings.Contains(string(b), c.fileHas) {
					t.Errorf("file: %v\n%s", err, b)
				}
			}
		})
	}
}
