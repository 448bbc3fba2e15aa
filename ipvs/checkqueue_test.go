package ipvs

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// countCheck counts its runs and always succeeds.
type countCheck struct{ n *atomic.Int64 }

func (c countCheck) Check(context.Context) error { c.n.Add(1); return nil }

func checkedTable(n int, chk Checker, interval time.Duration) []Service {
	svcs := benchTable(n, 1)
	for i := range svcs {
		svcs[i].Reals[0].Check = &HealthCheck{Checker: chk, Policy: Policy{Interval: interval, Timeout: interval}}
	}
	return svcs
}

// Checks of one interval spread over it, each server keeping its place:
// stepping an injected clock through two intervals in tenths, each tenth
// runs about a tenth of the checks, and each server is checked once per
// interval.
func TestHealthSpreadsChecks(t *testing.T) {
	const n, interval = 2000, time.Second
	var runs atomic.Int64
	h := NewHealth(nil)
	if err := h.Configure(checkedTable(n, countCheck{&runs}, interval)); err != nil {
		t.Fatal(err)
	}
	h.Tick(context.Background(), t0) // places every check in the interval after t0
	if got := runs.Load(); got > n/50 {
		t.Errorf("%d of %d checks ran at once on start", got, n)
	}
	total := runs.Load()
	for step := 1; step <= 20; step++ {
		before := runs.Load()
		h.Tick(context.Background(), t0.Add(time.Duration(step)*interval/10))
		if got := runs.Load() - before; got < n/10/2 || got > n/10*3/2 {
			t.Errorf("tenth %d: %d checks, want about %d", step, got, n/10)
		}
		total = runs.Load()
		if step == 10 && total != n {
			t.Errorf("%d checks in the first interval, want each of %d once", total, n)
		}
	}
	if total != 2*n {
		t.Errorf("%d checks in two intervals, want %d", total, 2*n)
	}
}

// blockCheck blocks until released, counting how many run at once.
type blockCheck struct {
	release       <-chan struct{}
	started       chan<- struct{}
	now, maxSoFar *atomic.Int64
}

func (c blockCheck) Check(context.Context) error {
	n := c.now.Add(1)
	for m := c.maxSoFar.Load(); n > m && !c.maxSoFar.CompareAndSwap(m, n); m = c.maxSoFar.Load() {
	}
	c.started <- struct{}{}
	<-c.release
	c.now.Add(-1)
	return nil
}

// Run keeps at most maxParallelChecks checks in flight, starts the others
// as those end, counting them late, and arms one timer, not one per check.
func TestHealthRunBoundsConcurrency(t *testing.T) {
	n := maxParallelChecks + 300
	release := make(chan struct{})
	started := make(chan struct{}, n)
	var now, maxSoFar atomic.Int64
	h := newHealthNoPhase()
	if err := h.Configure(checkedTable(n, blockCheck{release, started, &now, &maxSoFar}, time.Hour)); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	afters := 0
	waits := make(chan time.Duration, 10)
	clk := &fakeClock{waits: make(chan fakeWait)}
	go func() {
		for w := range clk.waits {
			mu.Lock()
			afters++
			mu.Unlock()
			waits <- w.d
		}
	}()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx, clk, nil) }()
	for range maxParallelChecks {
		<-started
	}
	if got := now.Load(); got != maxParallelChecks {
		t.Errorf("%d checks in flight, want %d", got, maxParallelChecks)
	}
	clk.now.Add(int64(10 * time.Minute)) // over a tenth of the interval
	close(release)                       // the rest start, late, as the first end
	for range n - maxParallelChecks {
		<-started
	}
	if d := <-waits; d != time.Hour {
		t.Errorf("waits %v, want the next interval", d)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if m := maxSoFar.Load(); m > maxParallelChecks {
		t.Errorf("%d checks ran at once, bound %d", m, maxParallelChecks)
	}
	if afters != 1 {
		t.Errorf("%d timers armed for %d checks due together, want 1", afters, n)
	}
	if st := h.Stats(); st.Started != uint64(n) || st.Late != uint64(n-maxParallelChecks) {
		t.Errorf("stats %+v, want %d started, %d late", st, n, n-maxParallelChecks)
	}
}

// slowCheck takes d of the fake clock's time.
type slowCheck struct {
	clk *fakeClock
	d   time.Duration
}

func (c slowCheck) Check(context.Context) error { c.clk.now.Add(int64(c.d)); return nil }

// A server's next check falls an interval after its last one ended, not on
// a grid: a check that took 3 s of a 10 s interval is followed 10 s later.
func TestHealthRunIntervalFromEnd(t *testing.T) {
	clk := &fakeClock{waits: make(chan fakeWait)}
	h := newHealthNoPhase()
	if err := h.Configure(checkedTable(1, slowCheck{clk, 3 * time.Second}, 10*time.Second)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx, clk, nil) }()
	w := <-clk.waits
	for range 3 {
		if w.d != 10*time.Second {
			t.Errorf("waits %v after a check ended, want the interval", w.d)
		}
		clk.fire(w)
		w = <-clk.waits
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := h.Stats(); st.Late != 0 {
		t.Errorf("%d late checks on an idle checker", st.Late)
	}
}

// A timeout while the checker is behind schedule is not counted, up to
// maxUncounted in a row; a refusal, or a timeout on schedule, is.
func TestHealthUncountsTimeoutsWhenBehind(t *testing.T) {
	h := NewHealth(nil)
	pol := Policy{Interval: time.Second, Timeout: time.Second}.withDefaults()
	p := &probe{t: target{svc: tcp80, real: ap(realIP(11), 80)}, pol: pol, state: pol.Start(t0), index: -1}
	h.probes[p.t] = p
	timeout := fmt.Errorf("tcp check: %w", context.DeadlineExceeded)
	now := t0
	step := func(err error) (Transition, bool) {
		now = now.Add(time.Second)
		h.queue.remove(p)
		return h.complete(p, err, now)
	}
	if _, ok := step(timeout); !ok {
		t.Fatal("a timeout on schedule did not count")
	}
	step(nil) // up again
	h.lastLate = now
	for i := range maxUncounted {
		h.lastLate = now.Add(time.Second / 2) // a check started late within the interval
		if tr, ok := step(timeout); ok {
			t.Fatalf("timeout %d while behind counted: %+v", i+1, tr)
		}
	}
	if tr, ok := step(timeout); !ok || tr.Up {
		t.Errorf("timeout %d in a row while behind did not count", maxUncounted+1)
	}
	step(nil)
	h.lastLate = now.Add(time.Second / 2)
	if _, ok := step(fmt.Errorf("tcp check: %w", syscall.ECONNREFUSED)); !ok {
		t.Error("a refusal while behind did not count")
	}
	step(nil)
	h.lastLate = time.Time{}
	if _, ok := step(fmt.Errorf("tcp check: %w", errTakenLate)); ok {
		t.Error("a timeout the poller took late counted")
	}
	if st := h.Stats(); st.Uncounted != maxUncounted+1 {
		t.Errorf("%d timeouts uncounted, want %d", st.Uncounted, maxUncounted+1)
	}
}
