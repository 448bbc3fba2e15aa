package router

import (
	"log/slog"
	"net/netip"
	"testing"
	"time"
	"unsafe"

	"github.com/hadirector/hadirector/vrrp"
)

// What an instance keeps of each speaker it hears fits 64 bytes (a
// Speaker takes 112).
func TestHeardFromSize(t *testing.T) {
	if n := unsafe.Sizeof(heardFrom{}); n > 64 {
		t.Errorf("heardFrom is %d bytes, over 64", n)
	}
}

// An instance's last transition, kept for status, fits 56 bytes (a
// Transition takes 128, and its master's address string 16 more): its
// master is kept in 16 bytes, an IPv6 one's as an IPv4 one's.
func TestLastTransitionSize(t *testing.T) {
	if n := unsafe.Sizeof(lastTransition{}); n > 56 {
		t.Errorf("lastTransition is %d bytes, over 56", n)
	}
}

// A daemon's instance that runs, steps and ends as most do makes nothing
// out of line: no rare fields, no done channel, no drop log until a drop
// is logged.
func TestInstanceKeepsRareFieldsOutOfLine(t *testing.T) {
	cfg := ownerConfig()
	cfg.Priority = 100
	inst := newTestInstance(cfg, testDeps{Tx: nopTx{}, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 16)},
		Src: netip.MustParseAddr("192.0.2.11"), Sched: NewScheduler(nil), Log: slog.New(slog.DiscardHandler)})
	inst.start(time.Now())
	inst.onAdvert(vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: cfg.VIPs},
		vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), Dst: vrrp.Group, TTL: 255}, time.Now())
	if inst.State() != vrrp.Backup {
		t.Fatalf("state %v, want BACKUP", inst.State())
	}
	if inst.rare != nil || inst.drops.Load() != nil {
		t.Errorf("a running backup made its rare fields (%v) or drop log (%v)", inst.rare != nil, inst.drops.Load() != nil)
	}
	inst.onAdvert(vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: cfg.VIPs},
		vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), Dst: vrrp.Group, TTL: 64}, time.Now())
	if inst.drops.Load() == nil {
		t.Error("a dropped advert (TTL 64) made no drop log")
	}
	inst.end()
	if inst.rare != nil || inst.State() != vrrp.Initialize {
		t.Errorf("after end: rare fields made %v, state %v", inst.rare != nil, inst.State())
	}
}
