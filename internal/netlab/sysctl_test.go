package netlab

import (
	"os"
	"strings"
	"testing"
)

// Sysctl writes the namespace's setting, not this host's.
func TestSysctlInNamespace(t *testing.T) {
	if os.Getuid() != 0 || os.Getenv("HADIRECTOR_LAB") != "1" {
		t.Skip("namespace test: run as root with HADIRECTOR_LAB=1")
	}
	l, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	const file = "/proc/sys/net/ipv4/conf/all/arp_ignore"
	host, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddNS("x"); err != nil {
		t.Fatal(err)
	}
	want := "2"
	if strings.TrimSpace(string(host)) == "2" {
		want = "1"
	}
	if err := l.Sysctl("x", "net.ipv4.conf.all.arp_ignore="+want); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ file, want string }{
		{file, want},
		{"/proc/sys/net/ipv6/conf/all/disable_ipv6", "1"}, // AddNS's
	} {
		out, err := l.Exec("x", "cat", c.file)
		if err != nil || strings.TrimSpace(out) != c.want {
			t.Errorf("%s in the namespace: %q (%v), want %s", c.file, out, err, c.want)
		}
	}
	if now, _ := os.ReadFile(file); string(now) != string(host) {
		t.Errorf("the host's %s changed from %q to %q", file, host, now)
	}
	if err := l.Sysctl("x", "kernel.hostname=x"); err == nil {
		t.Error("a sysctl outside net. was accepted")
	}
}
