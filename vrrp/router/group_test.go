package router

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/hadirector/hadirector/vrrp"
)

// chanTracker reports each fault value sent on in, and says on done when
// the report has returned: the instances have then applied it.
type chanTracker struct{ in, done chan bool }

func newChanTracker() chanTracker { return chanTracker{make(chan bool), make(chan bool)} }

func (c chanTracker) Run(ctx context.Context, base uint8, _ *slog.Logger, report func(bool, uint8)) {
	for {
		select {
		case <-ctx.Done():
			return
		case f := <-c.in:
			report(f, base)
			c.done <- f
		}
	}
}

func (c chanTracker) report(f bool) { c.in <- f; <-c.done }

// Two members of a sync group whose faults clear at the same moment both
// leave FAULT: a member's report computed while the other was still
// faulted must not land after the other's newer one. Both clears start
// together, many times over, so that an interleaving of the two reports
// shows up if the group lets it.
func TestDaemonSyncGroupFaultsClearTogether(t *testing.T) {
	nw := newFakeNet()
	x := testInstance("x", 1, 200, "192.0.2.101")
	y := testInstance("y", 2, 200, "192.0.2.102")
	tx, ty := newChanTracker(), newChanTracker()
	x.Track, y.Track = tx, ty
	d := runDaemon(t, Config{Instances: []InstanceConfig{x, y}, SyncGroups: []SyncGroup{{Name: "g", Instances: []string{"x", "y"}}}}, nw)
	xi, yi := byName(t, d, "x"), byName(t, d, "y")
	both := func(s vrrp.State) func() bool {
		return func() bool { return xi.State() == s && yi.State() == s }
	}
	for k := 0; k < 200; k++ {
		tx.report(true)
		ty.report(true)
		waitFor(t, "both FAULT", both(vrrp.Fault))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, c := range []chanTracker{tx, ty} {
			wg.Add(1)
			go func() { defer wg.Done(); <-start; c.report(false) }()
		}
		close(start)
		wg.Wait() // both reports applied
		if xi.State() == vrrp.Fault || yi.State() == vrrp.Fault {
			t.Fatalf("round %d: both faults cleared, x is %v and y is %v", k, xi.State(), yi.State())
		}
	}
}
