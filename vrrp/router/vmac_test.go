package router

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// vmacInstance is testInstance with use_vmac on and a GARP burst.
func vmacInstance(name string, vrid, prio uint8, vip string) InstanceConfig {
	c := testInstance(name, vrid, prio, vip)
	c.VMAC = true
	c.GARP = garp.Schedule{Count: 1}
	return c
}

// hasOp reports whether the log holds op.
func hasOp(ops []string, op string) bool { return slices.Contains(ops, op) }

// A use_vmac master sends its adverts and announcements and holds its VIPs
// on the virtual-MAC link, never on the interface; it hears adverts on the
// interface; at shutdown its priority-0 advert and the VIPs' removal go
// through the virtual-MAC link before that link is closed (removed).
func TestDaemonVMACMaster(t *testing.T) {
	nw := newFakeNet()
	cfg := Config{Instances: []InstanceConfig{vmacInstance("v", 7, 255, "192.0.2.100")}}
	d, err := NewDaemon(cfg, nw, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	stopped := false
	defer func() {
		if !stopped {
			cancel()
			<-done
		}
	}()
	inst := d.Instances()[0]
	waitFor(t, "the GARP on the virtual-MAC link", func() bool { return hasOp(nw.opsLog(), "vrrp.7@eth0 garp 192.0.2.100") })
	if inst.State() != vrrp.Master {
		t.Fatalf("state %v, want MASTER", inst.State())
	}
	cancel()
	stopped = true
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	ops := nw.opsLog()
	for _, want := range []string{"open vrrp.7@eth0", "vrrp.7@eth0 add 192.0.2.100", "vrrp.7@eth0 advert vrid 7 prio 255",
		"vrrp.7@eth0 advert vrid 7 prio 0", "vrrp.7@eth0 remove 192.0.2.100", "close vrrp.7@eth0"} {
		if !hasOp(ops, want) {
			t.Errorf("no %q in %q", want, ops)
		}
	}
	for _, op := range ops {
		if strings.HasPrefix(op, "eth0 ") {
			t.Errorf("%q: on the interface, not the virtual-MAC link", op)
		}
	}
	if k, c := slices.Index(ops, "vrrp.7@eth0 advert vrid 7 prio 0"), slices.Index(ops, "close vrrp.7@eth0"); c < k {
		t.Errorf("the virtual-MAC link closed before the priority-0 advert: %q", ops)
	}
}

// A use_vmac backup follows the master it hears on the interface and puts
// nothing on either link.
func TestDaemonVMACBackupHearsOnInterface(t *testing.T) {
	nw := newFakeNet()
	c := vmacInstance("v", 7, 100, "192.0.2.100")
	d := runDaemon(t, Config{Instances: []InstanceConfig{c}}, nw)
	inst := d.Instances()[0]
	eth0 := nw.link("eth0")
	waitFor(t, "BACKUP", func() bool { return inst.State() == vrrp.Backup })
	for k := 0; k < 3; k++ {
		eth0.inject(t, advertFrom(c, 200), peer)
	}
	waitFor(t, "the adverts heard", func() bool { return inst.Counters.AdvertsIn.Load() >= 3 })
	if inst.State() != vrrp.Backup {
		t.Fatalf("state %v, want BACKUP", inst.State())
	}
	for _, op := range nw.opsLog() {
		if op != "open vrrp.7@eth0" {
			t.Errorf("a backup did %q", op)
		}
	}
}

// A reload that rebuilds a use_vmac instance keeps its virtual-MAC link
// (one interface per VRID: the new instance takes it over); one that
// removes the instance closes it; an instance that turns use_vmac on opens
// one.
func TestDaemonVMACReload(t *testing.T) {
	nw := newFakeNet()
	c := vmacInstance("v", 7, 100, "192.0.2.100")
	plain := testInstance("p", 8, 100, "192.0.2.101")
	d := runDaemon(t, Config{Instances: []InstanceConfig{c, plain}}, nw)
	c.Priority = 150
	if _, err := d.Reload(Config{Instances: []InstanceConfig{c, plain}}); err != nil {
		t.Fatal(err)
	}
	count := func(op string) int {
		n := 0
		for _, o := range nw.opsLog() {
			if o == op {
				n++
			}
		}
		return n
	}
	if n, m := count("open vrrp.7@eth0"), count("close vrrp.7@eth0"); n != 1 || m != 0 {
		t.Fatalf("rebuilt: opened %d times, closed %d times; want once, never", n, m)
	}
	plain.VMAC = true
	if _, err := d.Reload(Config{Instances: []InstanceConfig{plain}}); err != nil {
		t.Fatal(err)
	}
	if n, m := count("open vrrp.8@eth0"), count("close vrrp.7@eth0"); n != 1 || m != 1 {
		t.Fatalf("vrrp.8 opened %d times, vrrp.7 closed %d times; want once each", n, m)
	}
}

// A virtual-MAC interface that cannot be made fails the start with the
// instance's name and the cause, and leaves nothing open.
func TestDaemonVMACOpenFails(t *testing.T) {
	nw := newFakeNet()
	c := vmacInstance("v", 7, 100, "192.0.2.100")
	ok := vmacInstance("w", 9, 100, "192.0.2.101")
	c.Interface = "novmac0"
	_, err := NewDaemon(Config{Instances: []InstanceConfig{ok, c}}, nw, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "instance v: use_vmac: virtual MAC vrrp.7 on novmac0: the kernel has no macvlan support") {
		t.Fatalf("err %v", err)
	}
	if !hasOp(nw.opsLog(), "close vrrp.9@eth0") {
		t.Errorf("the other instance's virtual-MAC link stayed open: %q", nw.opsLog())
	}
}

// VIPs are added and removed with their prefixes, and a stale VIP is
// removed only when held with its own prefix.
func TestDaemonVIPPrefixes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		vips  []string
		bits  []uint8
		held  []string // on the interface at start
		stale []string // removed at start
		add   []string // added at takeover
	}{
		{name: "host", vips: []string{"2001:db8::100"}, held: []string{"2001:db8::100/128"},
			stale: []string{"2001:db8::100"}, add: []string{"2001:db8::100"}},
		{name: "prefix", vips: []string{"2001:db8::100", "2001:db8::101"}, bits: []uint8{64, 128},
			held: []string{"2001:db8::100/64", "2001:db8::101/64"}, stale: []string{"2001:db8::100/64"},
			add: []string{"2001:db8::100/64", "2001:db8::101"}},
		{name: "other prefix held", vips: []string{"2001:db8::100"}, bits: []uint8{64},
			held: []string{"2001:db8::100/128"}, add: []string{"2001:db8::100/64"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nw := newFakeNet()
			c := testInstance("v6", 7, 255, tc.vips[0])
			c.IPv6, c.UnicastSrc, c.VIPs, c.VIPBits = true, netip.MustParseAddr("fe80::11"), nil, tc.bits
			for _, v := range tc.vips {
				c.VIPs = append(c.VIPs, netip.MustParseAddr(v))
			}
			for _, h := range tc.held {
				nw.addrs["eth0%ipv6"] = append(nw.addrs["eth0%ipv6"], netip.MustParsePrefix(h))
			}
			d := runDaemon(t, Config{Instances: []InstanceConfig{c}}, nw)
			inst := d.Instances()[0]
			waitFor(t, "MASTER", func() bool { return inst.State() == vrrp.Master })
			waitFor(t, "the VIPs added", func() bool { return hasOp(nw.opsLog(), "eth0%ipv6 add "+tc.add[len(tc.add)-1]) })
			var removed, added []string
			for _, op := range nw.opsLog() {
				if v, ok := strings.CutPrefix(op, "eth0%ipv6 remove "); ok {
					removed = append(removed, v)
				}
				if v, ok := strings.CutPrefix(op, "eth0%ipv6 add "); ok {
					added = append(added, v)
				}
			}
			if !slices.Equal(removed, tc.stale) || !slices.Equal(added, tc.add) {
				t.Errorf("removed %q, added %q; want %q, %q", removed, added, tc.stale, tc.add)
			}
		})
	}
}

// An instance that runs without use_vmac has the virtual-MAC interface a
// crashed use_vmac run left removed at start, before it runs; one with
// use_vmac leaves that to OpenVMAC; a reload that turns use_vmac off
// closes the instance's own, and removes no other.
func TestDaemonRemovesStaleVMAC(t *testing.T) {
	nw := newFakeNet()
	nw.stale = map[string]bool{"vrrp.7@eth0": true, "vrrp.8@eth0": true}
	plain := testInstance("p", 7, 100, "192.0.2.100")
	withVMAC := vmacInstance("v", 8, 100, "192.0.2.101")
	d := runDaemon(t, Config{Instances: []InstanceConfig{plain, withVMAC}}, nw)
	waitFor(t, "BACKUP", func() bool { return d.Instances()[0].State() == vrrp.Backup })
	ops := nw.opsLog()
	if !hasOp(ops, "remove stale vrrp.7@eth0") || hasOp(ops, "remove stale vrrp.8@eth0") {
		t.Fatalf("ops %q: want vrrp.7's stale interface removed, vrrp.8's left to OpenVMAC", ops)
	}
	withVMAC.VMAC = false
	if _, err := d.Reload(Config{Instances: []InstanceConfig{plain, withVMAC}}); err != nil {
		t.Fatal(err)
	}
	ops = nw.opsLog()
	if !hasOp(ops, "close vrrp.8@eth0") || hasOp(ops, "remove stale vrrp.8@eth0") {
		t.Errorf("ops %q: want vrrp.8 closed by its owner, not removed as stale", ops)
	}
}
