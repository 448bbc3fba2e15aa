package router

import (
	"net/netip"
	"strings"
	"testing"
)

// A link finds the instance for an advert by VRID and version, in any
// attach order, and forgets a detached one.
func TestLinkForVRID(t *testing.T) {
	mk := func(vrid uint8, version int) *Instance {
		return newTestInstance(InstanceConfig{Name: "i", VRID: vrid, Version: version}, testDeps{})
	}
	v3at7, v2at7, at1, at255, at9 := mk(7, 3), mk(7, 2), mk(1, 3), mk(255, 3), mk(9, 3)
	l := &link{}
	for _, i := range []*Instance{at9, v3at7, at255, at1, v2at7} {
		l.attach(i)
	}
	cases := []struct {
		vrid, version uint8
		want          *Instance
	}{
		{7, 3, v3at7},
		{7, 2, v2at7},
		{1, 3, at1},
		{1, 2, at1}, // no v2 on VRID 1: the VRID's instance, whose checks drop it
		{255, 3, at255},
		{9, 3, at9},
		{8, 3, nil},
		{0, 3, nil},
		{254, 3, nil},
	}
	for _, c := range cases {
		if got := l.forVRID(c.vrid, c.version); got != c.want {
			t.Errorf("VRID %d v%d: got %p, want %p", c.vrid, c.version, got, c.want)
		}
	}
	l.detach(v3at7)
	if got := l.forVRID(7, 3); got != v2at7 {
		t.Errorf("after detaching VRID 7 v3: got %p, want the v2 instance %p", got, v2at7)
	}
	l.detach(v2at7)
	if got := l.forVRID(7, 2); got != nil || len(l.byVRID) != 3 {
		t.Errorf("after detaching VRID 7: got %p, %d left", got, len(l.byVRID))
	}
}

// The daemon finds an instance by name among its instances, in any order.
func TestDaemonInstanceByName(t *testing.T) {
	d := &Daemon{}
	var insts []*Instance
	for _, n := range []string{"web", "db", "a", "zz", "mail"} {
		insts = append(insts, newTestInstance(InstanceConfig{Name: n}, testDeps{}))
	}
	d.setNames(insts)
	for _, i := range insts {
		if got := d.instance(i.cfg.Name); got != i {
			t.Errorf("%s: got %p, want %p", i.cfg.Name, got, i)
		}
	}
	for _, n := range []string{"", "b", "zzz", "web2"} {
		if got := d.instance(n); got != nil {
			t.Errorf("%q: got %s, want none", n, got.cfg.Name)
		}
	}
}

// The advert source is the interface's first address that is not a VIP
// (a master's VIPs are on the interface too).
func TestPrimaryOf(t *testing.T) {
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	ifaddrs := []netip.Addr{a("203.0.113.1"), a("192.0.2.11"), a("192.0.2.12")}
	cases := []struct {
		skip []netip.Addr
		want netip.Addr
	}{
		{nil, a("203.0.113.1")},
		{[]netip.Addr{a("203.0.113.1")}, a("192.0.2.11")},
		{[]netip.Addr{a("203.0.113.1"), a("192.0.2.11")}, a("192.0.2.12")},
		{ifaddrs, netip.Addr{}},
	}
	for _, c := range cases {
		var prefixes []netip.Prefix
		for _, a := range ifaddrs {
			prefixes = append(prefixes, netip.PrefixFrom(a, 24))
		}
		got, err := primaryOf("eth0", prefixes, c.skip, false)
		if got != c.want || (err != nil) != !c.want.IsValid() {
			t.Errorf("skip %v: %v, %v; want %v", c.skip, got, err, c.want)
		}
	}
}

// An IPv6 instance sends from the interface's first link-local address that
// is not one of its VIPs, never from a global one (RFC 5798 5.1.2.1).
func TestPrimaryOfIPv6(t *testing.T) {
	p := func(s string) netip.Prefix { return netip.MustParsePrefix(s) }
	a := func(s string) netip.Addr { return netip.MustParseAddr(s) }
	addrs := []netip.Prefix{p("2001:db8::11/64"), p("fe80::1:100/64"), p("fe80::ff:fe00:11/64")}
	if got, err := primaryOf("eth0", addrs, nil, true); got != a("fe80::1:100") || err != nil {
		t.Errorf("%v, %v; want fe80::1:100", got, err)
	}
	if got, err := primaryOf("eth0", addrs, []netip.Addr{a("fe80::1:100")}, true); got != a("fe80::ff:fe00:11") || err != nil {
		t.Errorf("a link-local VIP skipped: %v, %v; want fe80::ff:fe00:11", got, err)
	}
	if _, err := primaryOf("eth0", addrs[:1], nil, true); err == nil || !strings.Contains(err.Error(), "no link-local") {
		t.Errorf("global address only: %v, want an error naming the missing link-local address", err)
	}
}
