package netio

import (
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/internal/nsenter"
)

// OpenVMAC replaces a stale macvlan of its name with a fresh one (bridge
// mode, the virtual MAC, up, its stale address gone), sets the parent's
// and its own sysctls, holds VIPs on it, and Close removes it; an
// interface of that name that is not our macvlan is refused and left, by
// RemoveStaleVMAC too.
// Root: a veth in a namespace the test makes and deletes.
func TestOpenVMAC(t *testing.T) {
	ns, run := labNamespaces(t, 1)
	n := ns[0]
	run("-n", n, "link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	run("-n", n, "link", "set", "veth0", "up")
	run("-n", n, "link", "set", "veth1", "up")
	run("-n", n, "addr", "add", "192.0.2.11/24", "dev", "veth0")
	// A crashed run's macvlan, holding a VIP.
	run("-n", n, "link", "add", "link", "veth0", "name", "vrrp.7", "address", "00:00:5e:00:01:07", "type", "macvlan", "mode", "bridge")
	run("-n", n, "addr", "add", "192.0.2.100/32", "dev", "vrrp.7")
	// Someone else's interface of a virtual-MAC name.
	run("-n", n, "link", "add", "vrrp.9", "type", "veth", "peer", "name", "x9")
	show := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("ip", append([]string{"-n", n, "-d"}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("ip %v: %v: %s", args, err, out)
		}
		return string(out)
	}
	sysctl := func(ifname, family, name string) (v string) {
		t.Helper()
		err := nsenter.Do(nsenter.Path(n), func() error {
			b, err := os.ReadFile("/proc/sys/net/" + family + "/conf/" + ifname + "/" + name)
			v = strings.TrimSpace(string(b))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var l *Link
	if err := nsenter.Do(nsenter.Path(n), func() (err error) { l, err = OpenVMAC("veth0", 7, false); return err }); err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			l.Close()
		}
	}()
	link := show("link", "show", "vrrp.7")
	for _, want := range []string{"vrrp.7@veth0", "UP", "link/ether 00:00:5e:00:01:07", "macvlan mode bridge"} {
		if !strings.Contains(link, want) {
			t.Errorf("no %q in:\n%s", want, link)
		}
	}
	if a := show("-4", "addr", "show", "dev", "vrrp.7"); strings.Contains(a, "192.0.2.100") {
		t.Errorf("the stale macvlan's VIP survived:\n%s", a)
	}
	for _, c := range []struct{ ifname, family, name, want string }{
		{"veth0", "ipv4", "arp_ignore", "1"}, {"veth0", "ipv4", "arp_announce", "2"},
		{"vrrp.7", "ipv4", "arp_ignore", "1"}, {"vrrp.7", "ipv4", "arp_announce", "2"},
		{"vrrp.7", "ipv4", "rp_filter", "0"}, {"vrrp.7", "ipv6", "disable_ipv6", "1"},
	} {
		if got := sysctl(c.ifname, c.family, c.name); got != c.want {
			t.Errorf("%s %s.%s = %s, want %s", c.ifname, c.family, c.name, got, c.want)
		}
	}
	if err := l.AddVIPs([]netip.Prefix{netip.MustParsePrefix("192.0.2.100/32")}); err != nil {
		t.Fatal(err)
	}
	if a := show("-4", "addr", "show", "dev", "vrrp.7"); !strings.Contains(a, "inet 192.0.2.100/32 brd 192.0.2.100") {
		t.Errorf("the VIP is not on the macvlan:\n%s", a)
	}
	if err := l.Announce(netip.MustParseAddr("192.0.2.100")); err != nil {
		t.Errorf("gratuitous ARP from the macvlan: %v", err)
	}
	closed = true
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("ip", "-n", n, "link", "show", "vrrp.7").CombinedOutput(); err == nil {
		t.Errorf("Close left the macvlan:\n%s", out)
	}

	err := nsenter.Do(nsenter.Path(n), func() (err error) { _, err = OpenVMAC("veth0", 9, false); return err })
	if err == nil || !strings.Contains(err.Error(), "virtual MAC vrrp.9: an interface of that name exists and is not the virtual-MAC macvlan with 00:00:5e:00:01:09 on veth0") {
		t.Errorf("over someone else's vrrp.9: %v", err)
	}
	if !strings.Contains(show("link", "show", "vrrp.9"), "veth") {
		t.Error("someone else's vrrp.9 was touched")
	}

	// RemoveStaleVMAC: ours goes, someone else's stays, none is no error.
	run("-n", n, "link", "add", "link", "veth0", "name", "vrrp.7", "address", "00:00:5e:00:01:07", "type", "macvlan", "mode", "bridge")
	for _, c := range []struct {
		vrid uint8
		want bool
	}{{7, true}, {7, false}, {9, false}} {
		var removed bool
		if err := nsenter.Do(nsenter.Path(n), func() (err error) { removed, err = RemoveStaleVMAC("veth0", c.vrid, false); return err }); err != nil || removed != c.want {
			t.Errorf("RemoveStaleVMAC(vrrp.%d): %v, %v; want %v, no error", c.vrid, removed, err, c.want)
		}
	}
	if out, err := exec.Command("ip", "-n", n, "link", "show", "vrrp.7").CombinedOutput(); err == nil {
		t.Errorf("RemoveStaleVMAC left the macvlan:\n%s", out)
	}
	if !strings.Contains(show("link", "show", "vrrp.9"), "veth") {
		t.Error("RemoveStaleVMAC touched someone else's vrrp.9")
	}
}
