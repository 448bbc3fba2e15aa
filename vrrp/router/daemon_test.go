package router

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

var peer = netip.MustParseAddr("192.0.2.12")

// advertFrom is a peer's advert for an instance configured as c.
func advertFrom(c InstanceConfig, prio uint8) vrrp.Packet {
	return vrrp.Packet{Version: 3, Type: vrrp.TypeAdvertisement, VRID: c.VRID, Priority: prio, AdvertInterval: c.AdvertInterval, Addrs: c.VIPs}
}

// A VIP left on the interface by a crashed run is removed before any
// instance starts; one that is no VIP, or not a /32, stays.
func TestDaemonRemovesStaleVIPsBeforeBackup(t *testing.T) {
	nw := newFakeNet()
	nw.addrs["eth0"] = []netip.Prefix{
		netip.MustParsePrefix("192.0.2.11/24"),
		netip.MustParsePrefix("192.0.2.100/32"), // a VIP, left behind
		netip.MustParsePrefix("192.0.2.200/32"), // not ours
	}
	cfg := Config{Instances: []InstanceConfig{testInstance("web", 7, 100, "192.0.2.100")}}
	d := runDaemon(t, cfg, nw, func(d *Daemon) {
		inst := d.Instances()[0]
		nw.state = func() string { return inst.State().String() }
	})
	inst := d.Instances()[0]
	waitFor(t, "BACKUP", func() bool { return inst.State() == vrrp.Backup })
	ops := nw.opsLog()
	if len(ops) == 0 || ops[0] != "eth0 remove 192.0.2.100 (INIT)" {
		t.Fatalf("first operations %q, want the stale VIP removed before the instance started", ops)
	}
	for _, op := range ops {
		if strings.Contains(op, "192.0.2.200") {
			t.Errorf("removed an address that is no VIP: %q", op)
		}
	}
}

// A reload keeps an unchanged instance running, with its state and
// without a transition; rebuilds a changed one; starts a new one; stops a
// removed one; and opens a new interface, closing one no longer used.
func TestDaemonReload(t *testing.T) {
	nw := newFakeNet()
	keep := testInstance("keep", 1, 255, "192.0.2.101") // owner: master at once
	change := testInstance("change", 2, 100, "192.0.2.102")
	gone := testInstance("gone", 3, 100, "192.0.2.103")
	gone.Interface = "eth1"
	d := runDaemon(t, Config{Instances: []InstanceConfig{keep, change, gone}}, nw)
	kept := byName(t, d, "keep")
	waitFor(t, "keep to be MASTER", func() bool { return kept.State() == vrrp.Master })
	before := kept.Counters.Transitions.Load()
	changed := byName(t, d, "change")

	change.Priority = 150
	added := testInstance("added", 4, 100, "192.0.2.104")
	added.Interface = "eth2"
	keep.StartupDelay = time.Hour // start-up settings do not rebuild
	res, err := d.Reload(Config{Instances: []InstanceConfig{keep, change, added}})
	if err != nil {
		t.Fatal(err)
	}
	want := ReloadResult{Kept: []string{"keep"}, Rebuilt: []string{"change"}, Added: []string{"added"}, Removed: []string{"gone"}}
	if !slices.Equal(res.Kept, want.Kept) || !slices.Equal(res.Rebuilt, want.Rebuilt) || !slices.Equal(res.Added, want.Added) || !slices.Equal(res.Removed, want.Removed) {
		t.Fatalf("reload %+v, want %+v", res, want)
	}
	if byName(t, d, "keep") != kept || kept.State() != vrrp.Master || kept.Counters.Transitions.Load() != before {
		t.Errorf("the unchanged instance was disturbed: same %v, state %v, transitions %d -> %d",
			byName(t, d, "keep") == kept, kept.State(), before, kept.Counters.Transitions.Load())
	}
	if byName(t, d, "change") == changed || changed.State() != vrrp.Initialize {
		t.Errorf("the changed instance was not rebuilt: old one %v", changed.State())
	}
	if p := byName(t, d, "change").Config().Priority; p != 150 {
		t.Errorf("the rebuilt instance has priority %d, want 150", p)
	}
	select {
	case <-nw.link("eth1").closed:
	default:
		t.Error("eth1, used by no instance after the reload, is still open")
	}
	if nw.link("eth2") == nil {
		t.Error("the new instance's interface was not opened")
	}
	// A configuration whose interface cannot be opened changes nothing.
	bad := testInstance("bad", 5, 100, "192.0.2.105")
	bad.Interface = "missing0"
	if _, err := d.Reload(Config{Instances: []InstanceConfig{keep, bad}}); err == nil {
		t.Fatal("a reload onto a missing interface succeeded")
	}
	if len(d.Instances()) != 3 || byName(t, d, "keep") != kept {
		t.Errorf("a refused reload changed the instances: %d", len(d.Instances()))
	}
}

// A sync group follows its member: one leaving MASTER for BACKUP makes
// the other hand over too (priority 0, make-before-break) and hold.
func TestDaemonSyncGroupFollowsMember(t *testing.T) {
	nw := newFakeNet()
	x := testInstance("x", 1, 200, "192.0.2.101")
	y := testInstance("y", 2, 200, "192.0.2.102")
	d := runDaemon(t, Config{Instances: []InstanceConfig{x, y}, SyncGroups: []SyncGroup{{Name: "g", Instances: []string{"x", "y"}}}}, nw)
	xi, yi := byName(t, d, "x"), byName(t, d, "y")
	waitFor(t, "both MASTER", func() bool { return xi.State() == vrrp.Master && yi.State() == vrrp.Master })

	nw.link("eth0").inject(t, advertFrom(x, 250), peer) // a better master for x only
	waitFor(t, "x BACKUP", func() bool { return xi.State() == vrrp.Backup })
	waitFor(t, "y's priority-0 advert", func() bool { return slices.Contains(nw.opsLog(), "eth0 advert vrid 2 prio 0") })
	if yi.State() != vrrp.Master {
		t.Errorf("y is %v while it hands over, want MASTER (make-before-break)", yi.State())
	}
	nw.link("eth0").inject(t, advertFrom(y, 150), peer) // the new master of y
	waitFor(t, "y BACKUP", func() bool { return yi.State() == vrrp.Backup })
	if lt := yi.Status().LastTransition; lt == nil || lt.Reason != vrrp.ReasonSyncGroup || !yi.Status().Hold {
		t.Errorf("y's last transition %+v, hold %v; want %s and a preemption hold", lt, yi.Status().Hold, vrrp.ReasonSyncGroup)
	}
}

// A step-down hands over make-before-break: priority 0 at once, the VIPs
// kept until the new master is heard (and a grace after); then the
// director holds preemption against a lower-priority master.
func TestDaemonStepDown(t *testing.T) {
	nw := newFakeNet()
	c := testInstance("web", 7, 200, "192.0.2.100")
	d := runDaemon(t, Config{Instances: []InstanceConfig{c}}, nw)
	inst := d.Instances()[0]
	waitFor(t, "MASTER", func() bool { return inst.State() == vrrp.Master })
	inst.StepDown()
	waitFor(t, "the priority-0 advert", func() bool { return slices.Contains(nw.opsLog(), "eth0 advert vrid 7 prio 0") })
	if inst.State() != vrrp.Master || !inst.Status().VIPsHeld {
		t.Fatalf("stepping down: %v, VIPs held %v; want MASTER with the VIPs until the new master is heard", inst.State(), inst.Status().VIPsHeld)
	}
	nw.link("eth0").inject(t, advertFrom(c, 100), peer)
	waitFor(t, "BACKUP", func() bool { return inst.State() == vrrp.Backup })
	waitFor(t, "the VIPs removed after the grace", func() bool { return !inst.Status().VIPsHeld })
	if !inst.Status().Hold {
		t.Error("no preemption hold after the step-down")
	}
	// A lower-priority master is not preempted while the hold lasts.
	for range 10 {
		nw.link("eth0").inject(t, advertFrom(c, 100), peer)
		time.Sleep(50 * time.Millisecond)
	}
	if inst.State() != vrrp.Backup {
		t.Fatalf("preempted a lower-priority master during the hold: %v", inst.State())
	}
	inst.Resume()
	waitFor(t, "MASTER again after Resume", func() bool { return inst.State() == vrrp.Master })
}

// A daemon that never runs closes its links on Close, once; it then
// refuses to run. One that ran closed them itself, and Close does nothing
// more; a running one is not closed under its instances.
func TestDaemonClose(t *testing.T) {
	nw := newFakeNet()
	cfg := Config{Instances: []InstanceConfig{testInstance("web", 7, 100, "192.0.2.100"), testInstance("dns", 8, 100, "192.0.2.101")}}
	cfg.Instances[1].Interface = "eth1"
	d, err := NewDaemon(cfg, nw, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	closed := func(name string) bool {
		select {
		case <-nw.link(name).closed:
			return true
		default:
			return false
		}
	}
	if closed("eth0") || closed("eth1") {
		t.Fatal("links closed before Close")
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if !closed("eth0") || !closed("eth1") {
		t.Error("Close left a link open")
	}
	if err := d.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	if err := d.Run(context.Background()); err == nil {
		t.Error("a closed daemon ran")
	}

	// Running: Close refuses; after Run, it has nothing left to close.
	nw = newFakeNet()
	ctx, cancel := context.WithCancel(context.Background())
	d, err = NewDaemon(Config{Instances: cfg.Instances[:1]}, nw, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, "the daemon to run", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.ctx != nil
	})
	if err := d.Close(); err == nil || closed("eth0") {
		t.Errorf("Close of a running daemon: %v, link closed %v", err, closed("eth0"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !closed("eth0") {
		t.Error("Run left its link open")
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close after Run: %v", err)
	}
}
