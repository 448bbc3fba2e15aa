package integration

import (
	"slices"
	"testing"
)

// TestStartupDelay: a director of higher priority that starts next to a
// running master listens as Backup during [global] startup_delay instead of
// preempting. Without the delay it would take over after three of the
// master's adverts and the master would fall silent; with it, it keeps
// hearing the master, advert after advert, and the master keeps the VIPs.
// (That it becomes master once the delay ends is in the state machine's
// table tests.)
func TestStartupDelay(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "100ms", Preempt: true})
	p.waitState(b, 0, "MASTER")
	a := p.start("dA", instanceConf{Priority: 200, Version: 3, Interval: "100ms", Preempt: true,
		Extra: "\n[global]\nstartup_delay = \"1h\"\n"})
	// Ten adverts are over three Master_Down_Intervals of dA's.
	next := 0
	for range 10 {
		next = p.waitAdvertFrom(a, next, "192.0.2.12")
	}
	if slices.Contains(transitions(a), "MASTER") {
		t.Fatalf("dA became master within its startup delay: %v", transitions(a))
	}
	p.wantVIPs("dB", 2)
}
