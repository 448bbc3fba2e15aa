package router

import (
	"log/slog"
	"testing"

	"github.com/hadirector/hadirector/vrrp"
)

// A link's instances hear EvLinkUp when its carrier comes back, once per
// return, and not for another interface's events or after the link left.
func TestCarriersTellTheLinkWhenCarrierReturns(t *testing.T) {
	inst := newTestInstance(ownerConfig(), testDeps{})
	l := &link{name: "hd-test-absent0", log: slog.New(slog.DiscardHandler), byVRID: map[uint8][]*Instance{inst.cfg.VRID: {inst}}}
	c := newCarriers(slog.New(slog.DiscardHandler))
	c.add(l) // no such interface: its carrier reads as down
	steps := []struct {
		name string
		up   bool
		want int // EvLinkUp requests queued so far (the instance is not started)
	}{
		{l.name, false, 0},
		{l.name, true, 1},
		{l.name, true, 1},
		{"hd-test-other0", false, 1},
		{"hd-test-other0", true, 1},
		{l.name, false, 1},
		{l.name, true, 2},
	}
	for k, s := range steps {
		c.event(s.name, s.up)
		if got := len(pendingReqs(inst)); got != s.want {
			t.Fatalf("step %d (%s up=%v): %d link-up requests, want %d", k, s.name, s.up, got, s.want)
		}
	}
	for _, p := range pendingReqs(inst) {
		if p.kind != vrrp.EvLinkUp {
			t.Errorf("queued %v, want EvLinkUp", p.kind)
		}
	}
	c.remove(l)
	c.event(l.name, false)
	c.event(l.name, true)
	if got := len(pendingReqs(inst)); got != 2 {
		t.Errorf("after remove: %d link-up requests, want 2", got)
	}
}

// pendingReqs are the requests an instance not started yet keeps.
func pendingReqs(i *Instance) []ctlMsg {
	if i.rare == nil {
		return nil
	}
	return i.rare.pending
}
