package ipvs

import (
	"context"
	"runtime/metrics"
	"testing"
	"time"
)

// The Manager programs the table at start, reacts to a health change with
// one reconciliation, repairs a change made behind its back at the next
// resync, and leaves the table programmed when it stops.
func TestManager(t *testing.T) {
	srv := newSwitchable(t)
	pol := Policy{Interval: 10 * time.Second, Timeout: time.Second}
	checked := ap(realIP(11), 80)
	plain := ap(realIP(12), 80)
	svcs := []Service{{Key: tcp80, Quiescent: true, Reals: []Real{
		{Addr: checked, Weight: 3, Check: &HealthCheck{Checker: HTTPCheck{Addr: srv.addr}, Policy: pol}},
		{Addr: plain, Weight: 1},
	}}}
	k := newMemKernel()
	clk := &fakeClock{waits: make(chan fakeWait)}
	m := NewManager(k, nil, clk)
	m.health.phase = func(target, time.Duration) time.Duration { return 0 }
	passes := make(chan ManagerStatus, 10)
	m.reconciled = func(st ManagerStatus) { passes <- st }
	healthNews := make(chan bool, 10)
	m.OnHealth(func() { healthNews <- m.Up(tcp80, checked) })
	if err := m.Configure(svcs, Timeouts{TCP: 900 * time.Second}, time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()

	// waits collects the Manager's resync wait and the checks' next wait.
	waits := func() (resync, check fakeWait) {
		t.Helper()
		for range 2 {
			w := <-clk.waits
			switch w.d {
			case time.Hour:
				resync = w
			case pol.Interval:
				check = w
			default:
				t.Fatalf("unexpected wait %v", w.d)
			}
		}
		return resync, check
	}
	weights := func() map[string]int {
		t.Helper()
		st, ok := stateOf(t, k, tcp80)
		if !ok {
			t.Fatal("service not in the kernel")
		}
		out := map[string]int{}
		for _, r := range st.Reals {
			out[r.Real.Addr.String()] = r.Real.Weight
		}
		return out
	}
	resync, check := waits()
	if w := weights(); w[checked.String()] != 3 || w[plain.String()] != 1 {
		t.Fatalf("after start: %v", w)
	}
	if got, _ := GetTimeouts(k); got.TCP != 900*time.Second {
		t.Errorf("timeouts %+v", got)
	}

	<-passes
	srv.healthy.Store(false)
	clk.fire(check)
	if w := <-clk.waits; w.d != pol.Interval {
		t.Fatalf("wait %v after the check, want the next check", w.d)
	}
	if st := <-passes; st.HealthChanges != 1 {
		t.Fatalf("pass after the check: %+v", st)
	}
	if up := <-healthNews; up {
		t.Error("OnHealth: the checked server still up")
	}
	if w := weights(); w[checked.String()] != 0 || w[plain.String()] != 1 {
		t.Fatalf("after the check failed: %v, want the checked server quiescent (0)", w)
	}
	if st := m.Status(); st.RealsUp != 1 || st.Reals != 2 || st.HealthChanges != 1 || len(st.DownRealsNamed) != 1 {
		t.Errorf("status %+v", st)
	}

	// Someone removes a real server with ipvsadm; the resync puts it back.
	st, _ := stateOf(t, k, tcp80)
	if err := k.DelDestination(toMoby(st.Service), destToMoby(Real{Addr: plain, Weight: 1}, false)); err != nil {
		t.Fatal(err)
	}
	clk.fire(resync)
	// 3 operations at start (the service and two reals), 1 for the
	// quiescent weight, 1 to put the removed real back.
	if st := <-passes; st.Ops != 5 || st.Reconciles != 3 {
		t.Errorf("after resync: %d operations in %d passes, want 5 in 3", st.Ops, st.Reconciles)
	}
	if w := <-clk.waits; w.d != time.Hour {
		t.Fatalf("wait %v after resync, want the resync re-armed", w.d)
	}
	if w := weights(); w[plain.String()] != 1 {
		t.Errorf("after resync: %v, want %s back", w, plain)
	}
	if len(healthNews) != 0 {
		t.Errorf("OnHealth called %d more times with no change", len(healthNews))
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := stateOf(t, k, tcp80); !ok {
		t.Error("the table was removed when the Manager stopped")
	}
}

// A pass of a thousand services and operations or more returns its garbage
// to the kernel before the next; a small pass forces no collection.
func TestRunFreesAfterABulkPass(t *testing.T) {
	forced := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	for _, tc := range []struct {
		services int // of 10 real servers: 11 operations each from empty
		free     bool
	}{{1, false}, {100, true}} {
		m := NewManager(newMemKernel(), nil, nil)
		passes := make(chan ManagerStatus, 2)
		m.reconciled = func(st ManagerStatus) { passes <- st }
		if err := m.Configure(benchTable(tc.services, 10), Timeouts{}, time.Hour); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		before := forced()
		go func() { done <- m.Run(ctx) }()
		<-passes
		m.poke() // the second pass starts once Run is done with the first
		<-passes
		after := forced()
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := after > before; got != tc.free {
			t.Errorf("%d services: forced collections %d -> %d, want a collection: %v", tc.services, before, after, tc.free)
		}
	}
}

// The Manager holds a table once: its normalized services, the
// Reconciler's desired table and its memory of the kernel's share the
// caller's real servers while these need no normalizing and are all up.
func TestManagerHoldsTheTableOnce(t *testing.T) {
	svcs := benchTable(3, 4)
	m := NewManager(newMemKernel(), nil, nil)
	if err := m.Configure(svcs, Timeouts{}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if res := m.reconcile(); res.Applied != 3*5 {
		t.Fatalf("first pass: %d operations applied, want 15", res.Applied)
	}
	for _, s := range svcs {
		for what, got := range map[string]Service{"normalized": m.services[s.Key].norm,
			"desired": m.rec.want[s.Key], "known": m.rec.known[s.Key]} {
			if len(got.Reals) != len(s.Reals) || &got.Reals[0] != &s.Reals[0] {
				t.Errorf("service %s: the %s real servers are a copy", s.Key, what)
			}
		}
	}
}
