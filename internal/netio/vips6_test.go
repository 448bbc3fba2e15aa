package netio

import (
	"net/netip"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/internal/nsenter"
)

// An IPv6 VIP's request is `ip addr add|del A/N dev IF nodad`: family
// inet6, the prefix length, the nodad flag, and no broadcast address.
func TestPrefixRequestIPv6(t *testing.T) {
	p := netip.MustParsePrefix("2001:db8::100/64")
	for _, add := range []bool{true, false} {
		msgs, err := syscall.ParseNetlinkMessage(prefixRequest(add, 7, p, 42))
		if err != nil || len(msgs) != 1 {
			t.Fatalf("add=%v: %d messages, %v", add, len(msgs), err)
		}
		m := msgs[0]
		if m.Data[0] != unix.AF_INET6 || m.Data[1] != 64 || m.Data[2]&unix.IFA_F_NODAD == 0 {
			t.Errorf("add=%v: ifaddrmsg % x, want family inet6, /64, nodad", add, m.Data[:8])
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range attrs {
			if a.Attr.Type == unix.IFA_BROADCAST || netip.AddrFrom16([16]byte(a.Value)) != p.Addr() {
				t.Errorf("add=%v: attribute %d=% x", add, a.Attr.Type, a.Value)
			}
		}
	}
}

// IPv6 VIPs go on and off the interface as /128 or with their prefix,
// usable at once (never tentative, though the interface runs DAD), and
// Addrs6 lists them with the interface's own addresses but none still in
// DAD. Root: a veth in a namespace the test makes and deletes.
func TestLinkVIPs6(t *testing.T) {
	ns, run := labNamespaces(t, 1)
	run("-n", ns[0], "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	run("-n", ns[0], "link", "set", "veth0", "up")
	run("-n", ns[0], "link", "set", "veth1", "up")
	run("-n", ns[0], "addr", "add", "2001:db8::1/64", "dev", "veth0") // runs DAD: tentative for a while
	host, wide := netip.MustParsePrefix("2001:db8::100/128"), netip.MustParsePrefix("2001:db8:1::100/64")
	var v *LinkVIPs
	if err := nsenter.Do(nsenter.Path(ns[0]), func() (err error) { v, err = NewLinkVIPs("veth0"); return err }); err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	show := func() string {
		out, err := exec.Command("ip", "-n", ns[0], "-6", "addr", "show", "dev", "veth0").CombinedOutput()
		if err != nil {
			t.Fatalf("ip addr show: %v: %s", err, out)
		}
		return string(out)
	}
	if err := v.Add([]netip.Addr{host.Addr()}); err != nil {
		t.Fatal(err)
	}
	if err := v.AddPrefixes([]netip.Prefix{wide, wide}); err != nil { // present ones are fine
		t.Fatal(err)
	}
	out := show()
	for _, p := range []netip.Prefix{host, wide} {
		line := lineWith(out, "inet6 "+p.String()+" ")
		if line == "" || strings.Contains(line, "tentative") {
			t.Errorf("VIP %s: %q in\n%s", p, line, out)
		}
	}
	got, err := v.Addrs6()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(got, host) || !slices.Contains(got, wide) {
		t.Errorf("Addrs6 %v, want the VIPs in it", got)
	}
	if tentative := netip.MustParsePrefix("2001:db8::1/64"); strings.Contains(lineWith(out, "inet6 2001:db8::1/64"), "tentative") && slices.Contains(got, tentative) {
		t.Errorf("Addrs6 lists %s while it is tentative", tentative)
	}
	if v4, err := v.Addrs(); err != nil || len(v4) != 0 {
		t.Errorf("Addrs (IPv4) = %v, %v; want none", v4, err)
	}
	if err := v.RemovePrefixes([]netip.Prefix{wide}); err != nil {
		t.Fatal(err)
	}
	if err := v.Remove([]netip.Addr{host.Addr(), host.Addr()}); err != nil { // absent ones are fine
		t.Fatal(err)
	}
	if out := show(); strings.Contains(out, "::100") {
		t.Errorf("VIPs left after removal:\n%s", out)
	}
}

func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}
