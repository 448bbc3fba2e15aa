package ipvs

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// switchable is an HTTP server whose health the test sets.
type switchable struct {
	healthy atomic.Bool
	addr    netip.AddrPort
}

func newSwitchable(t *testing.T) *switchable {
	s := &switchable{}
	s.healthy.Store(true)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.healthy.Load() {
			http.Error(w, "sick", http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(srv.Close)
	s.addr = netip.MustParseAddrPort(strings.TrimPrefix(srv.URL, "http://"))
	return s
}

// newHealthNoPhase returns a Health that places every first check at once,
// so that tests know when checks fall due.
func newHealthNoPhase() *Health {
	h := NewHealth(nil)
	h.phase = func(target, time.Duration) time.Duration { return 0 }
	return h
}

var t0 = time.Date(2025, 5, 20, 12, 0, 0, 0, time.UTC)

func TestHealthTick(t *testing.T) {
	a, b := newSwitchable(t), newSwitchable(t)
	pol := Policy{Interval: 10 * time.Second, Timeout: 5 * time.Second, Fall: 2, Rise: 2}
	r1 := Real{Addr: ap(realIP(11), 80), Weight: 1, Check: &HealthCheck{Checker: HTTPCheck{Addr: a.addr}, Policy: pol}}
	r2 := Real{Addr: ap(realIP(12), 80), Weight: 2, Check: &HealthCheck{Checker: HTTPCheck{Addr: b.addr}, Policy: pol}}
	r3 := Real{Addr: ap(realIP(13), 53), Weight: 3} // unchecked
	sorry := Real{Addr: ap(realIP(99), 80), Weight: 1}
	svcs, err := Normalize([]Service{{Key: tcp80, Quiescent: true, Reals: []Real{r1, r2}, Sorry: sorry},
		{Key: udp53, Reals: []Real{{Addr: ap(realIP(11), 53), Weight: 1, Check: &HealthCheck{Checker: HTTPCheck{Addr: a.addr}, Policy: pol}}, r3}}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHealthNoPhase()
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	weights := func() map[string]int {
		m := map[string]int{}
		for _, s := range h.Adjust(svcs) {
			for _, r := range s.Reals {
				m[s.Key.Proto.String()+" "+r.Addr.String()] = r.Weight
			}
		}
		return m
	}
	type step struct {
		at       time.Duration
		aHealthy bool
		bHealthy bool
		changes  int
		weights  map[string]int
	}
	all := map[string]int{"TCP 198.51.100.11:80": 1, "TCP 198.51.100.12:80": 2, "UDP 198.51.100.11:53": 1, "UDP 198.51.100.13:53": 3}
	steps := []step{
		{0, true, true, 0, all},
		{5 * time.Second, false, false, 0, all}, // nothing due: no check runs
		{10 * time.Second, false, true, 0, all}, // a: first failure of 2
		{20 * time.Second, false, true, 2, map[string]int{ // a down in both services
			"TCP 198.51.100.11:80": 0, "TCP 198.51.100.12:80": 2, "UDP 198.51.100.13:53": 3}},
		{30 * time.Second, false, false, 0, map[string]int{"TCP 198.51.100.11:80": 0, "TCP 198.51.100.12:80": 2, "UDP 198.51.100.13:53": 3}},
		{40 * time.Second, false, false, 1, map[string]int{ // b down too: sorry server
			"TCP 198.51.100.11:80": 0, "TCP 198.51.100.12:80": 0, "TCP 198.51.100.99:80": 1, "UDP 198.51.100.13:53": 3}},
		{50 * time.Second, true, true, 0, map[string]int{"TCP 198.51.100.11:80": 0, "TCP 198.51.100.12:80": 0, "TCP 198.51.100.99:80": 1, "UDP 198.51.100.13:53": 3}},
		{60 * time.Second, true, true, 3, all},
	}
	for _, s := range steps {
		a.healthy.Store(s.aHealthy)
		b.healthy.Store(s.bHealthy)
		tr := h.Tick(ctx, t0.Add(s.at))
		if len(tr) != s.changes {
			t.Errorf("+%v: %d transitions %v, want %d", s.at, len(tr), tr, s.changes)
		}
		for _, x := range tr {
			if !x.Up && (x.Err == nil || !strings.Contains(x.Err.Error(), "status 503")) {
				t.Errorf("+%v: down transition without the failure: %+v", s.at, x)
			}
		}
		got := weights()
		if len(got) != len(s.weights) {
			t.Errorf("+%v: weights %v, want %v", s.at, got, s.weights)
			continue
		}
		for k, w := range s.weights {
			if got[k] != w {
				t.Errorf("+%v: weights %v, want %v", s.at, got, s.weights)
				break
			}
		}
	}
}

func TestHealthConfigureKeepsState(t *testing.T) {
	down := closedPort(t)
	chk := &HealthCheck{Checker: TCPCheck{Addr: down}}
	svcs := []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(11), 80), Weight: 1, Check: chk}}}}
	h := newHealthNoPhase()
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	if tr := h.Tick(context.Background(), t0); len(tr) != 1 || tr[0].Up {
		t.Fatalf("transitions %v", tr)
	}
	// The same server, another real added: the known one stays down and
	// the new one starts up.
	svcs[0].Reals = append(svcs[0].Reals, Real{Addr: ap(realIP(12), 80), Weight: 1, Check: &HealthCheck{Checker: TCPCheck{Addr: down}}})
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	if h.Up(tcp80, ap(realIP(11), 80)) || !h.Up(tcp80, ap(realIP(12), 80)) {
		t.Error("reconfiguration lost or invented state")
	}
	// Dropping a check forgets it: the server counts as up.
	svcs[0].Reals[0].Check = nil
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	if !h.Up(tcp80, ap(realIP(11), 80)) {
		t.Error("unchecked server is down")
	}
	// Invalid configuration changes nothing.
	bad := []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(12), 80), Check: &HealthCheck{}}}}}
	if err := h.Configure(bad); err == nil {
		t.Error("invalid check accepted")
	}
	if _, ok := h.nextDue(); !ok {
		t.Error("invalid configuration dropped the checks")
	}
}

func TestHealthTickCancelled(t *testing.T) {
	svcs := []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(11), 80), Check: &HealthCheck{Checker: TCPCheck{Addr: closedPort(t)}}}}}}
	h := newHealthNoPhase()
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if tr := h.Tick(ctx, t0); tr != nil || !h.Up(tcp80, ap(realIP(11), 80)) {
		t.Errorf("a cancelled tick counted: %v", tr)
	}
}

// fakeClock hands each After to the test, which decides when it fires.
type fakeClock struct {
	now   atomic.Int64 // nanoseconds since t0
	waits chan fakeWait
}

type fakeWait struct {
	d  time.Duration
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time { return t0.Add(time.Duration(c.now.Load())) }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.waits <- fakeWait{d, ch}
	return ch
}

// fire advances the clock by the wait's duration and fires it.
func (c *fakeClock) fire(w fakeWait) {
	c.now.Add(int64(w.d))
	w.ch <- c.Now()
}

func TestHealthRun(t *testing.T) {
	srv := newSwitchable(t)
	pol := Policy{Interval: 10 * time.Second, Timeout: time.Second}
	svcs := []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(11), 80), Weight: 1, Check: &HealthCheck{Checker: HTTPCheck{Addr: srv.addr}, Policy: pol}}}}}
	h := newHealthNoPhase()
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{waits: make(chan fakeWait)}
	changes := make(chan []Transition, 10)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- h.Run(ctx, clk, func(tr []Transition) { changes <- tr }) }()

	w := <-clk.waits // first tick ran (healthy, no change); waiting for the next
	if w.d != pol.Interval {
		t.Errorf("waits %v, want the interval %v", w.d, pol.Interval)
	}
	srv.healthy.Store(false)
	clk.fire(w)
	w = <-clk.waits
	if tr := <-changes; len(tr) != 1 || tr[0].Up {
		t.Errorf("transitions %v, want the server down", tr)
	}
	if h.Up(tcp80, ap(realIP(11), 80)) {
		t.Error("server still up")
	}
	srv.healthy.Store(true)
	clk.fire(w)
	w = <-clk.waits
	if tr := <-changes; len(tr) != 1 || !tr[0].Up {
		t.Errorf("transitions %v, want the server up", tr)
	}
	// Reconfiguring wakes Run at once; the new real is checked then.
	svcs[0].Reals = append(svcs[0].Reals, Real{Addr: ap(realIP(12), 80), Weight: 1,
		Check: &HealthCheck{Checker: TCPCheck{Addr: closedPort(t)}, Policy: pol}})
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	if tr := <-changes; len(tr) != 1 || tr[0].Real != ap(realIP(12), 80) || tr[0].Up {
		t.Errorf("transitions %v, want the new server down", tr)
	}
	// Its next check falls with the first server's: the timer armed for
	// that one serves both, and no other is armed.
	_ = w
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run returned %v", err)
	}
}
