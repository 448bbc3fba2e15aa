package integration

import (
	"slices"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// TestStartupWaitTraffic: with startup_wait_traffic, a director whose link
// has no carrier at start does not claim the VIPs (without it, it would be
// master one Master_Down_Interval, 0.34 s, after start). It waits through
// two of its one-second "still waiting" lines; once the link is back and a
// packet arrives (the gateway pings it), it becomes master.
func TestStartupWaitTraffic(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	must(t, p.lab.Cut("sw", "dA"))
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true,
		Extra: "\n[global]\nstartup_wait_traffic = true\n"})
	next := 0
	for range 2 {
		var err error
		if _, next, err = a.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "start-up: still waiting for traffic" }); err != nil {
			t.Fatal(err)
		}
	}
	if slices.Contains(transitions(a), "MASTER") {
		t.Fatalf("dA became master while its link had no carrier: %v", transitions(a))
	}
	must(t, p.lab.Heal("sw", "dA"))
	if _, err := p.lab.Exec("gw", "ping", "-c", "1", "-W", "5", "192.0.2.11"); err != nil {
		t.Fatal(err)
	}
	_, ready, err := a.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "start-up: the interface is up and carries traffic" })
	must(t, err)
	e, _ := p.waitState(a, 0, "MASTER")
	if _, after, _ := a.WaitFor(0, waitFor, func(ev netlab.Event) bool { return ev.Str("msg") == "transition" && ev.Str("to") == "MASTER" }); after < ready {
		t.Errorf("dA became master (%v) before its interface was ready", e)
	}
	p.wantVIPs("dA", 2)
}
