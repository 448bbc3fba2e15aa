package announce

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// fakeSpeaker records what it is told; fail makes it refuse.
type fakeSpeaker struct {
	mu   sync.Mutex
	ops  []string
	fail bool
	told chan struct{}
}

func (f *fakeSpeaker) do(op string, vip netip.Addr) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return errors.New("no")
	}
	f.ops = append(f.ops, op+" "+vip.String())
	if f.told != nil {
		f.told <- struct{}{}
	}
	return nil
}
func (f *fakeSpeaker) Announce(vip netip.Addr) error { return f.do("announce", vip) }
func (f *fakeSpeaker) Withdraw(vip netip.Addr) error { return f.do("withdraw", vip) }

// take returns the operations since the last take.
func (f *fakeSpeaker) take() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.ops
	f.ops = nil
	return o
}

// world is the Sources: VIPs on the host and real servers up per VIP.
type world struct {
	mu     sync.Mutex
	onHost map[netip.Addr]bool
	up     map[netip.Addr]int
}

func (w *world) sources() Sources {
	return Sources{
		OnHost: func(v netip.Addr) bool { w.mu.Lock(); defer w.mu.Unlock(); return w.onHost[v] },
		Services: func(v netip.Addr) []ServiceUp {
			w.mu.Lock()
			defer w.mu.Unlock()
			return []ServiceUp{{fmt.Sprintf("TCP %s:80", v), w.up[v]}}
		},
	}
}

func (w *world) set(v netip.Addr, onHost bool, up int) {
	w.mu.Lock()
	w.onHost[v], w.up[v] = onHost, up
	w.mu.Unlock()
}

var (
	vipA = netip.MustParseAddr("203.0.113.10")
	vipB = netip.MustParseAddr("203.0.113.11")
	vipC = netip.MustParseAddr("2001:db8::10")
)

func TestAnnouncer(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	clk := clock.Func{NowFunc: func() time.Time { return now }}
	w := &world{onHost: map[netip.Addr]bool{}, up: map[netip.Addr]int{}}
	w.set(vipA, true, 2)
	w.set(vipB, true, 2)
	w.set(vipC, false, 2)
	sp := &fakeSpeaker{}
	a := New([]Group{{Name: "web", VIPs: []netip.Addr{vipA, vipB}, MinUp: 2}, {Name: "v6", VIPs: []netip.Addr{vipC}, MinUp: 1}},
		w.sources(), sp, 0, clk, nil)
	check := func(step string, want ...string) {
		t.Helper()
		if got := sp.take(); !slices.Equal(got, want) {
			t.Errorf("%s: speaker told %q, want %q", step, got, want)
		}
	}
	a.Evaluate()
	check("start", "announce 203.0.113.10", "announce 203.0.113.11")
	if st := a.Status(); st[2].Announced || st[2].Reason != NotOnHost || !st[0].Announced || st[0].Since != now {
		t.Errorf("status after start: %+v", st)
	}
	w.set(vipA, true, 1)
	now = now.Add(time.Second)
	a.Evaluate()
	check("a real server of A down", "withdraw 203.0.113.10")
	if st := a.Status()[0]; st.Reason != "reals-down: TCP 203.0.113.10:80 has 1 real servers up, min_up 2" || st.Since != now {
		t.Errorf("status of A: %+v", st)
	}
	w.set(vipC, true, 1)
	a.Evaluate()
	check("C on the host", "announce 2001:db8::10")
	a.SetFault("web", "script /bin/check failed")
	check("fault of web", "withdraw 203.0.113.11")
	a.SetFault("web", "")
	check("fault cleared: B, not A", "announce 203.0.113.11")
	w.set(vipA, true, 2)
	a.Evaluate()
	check("A up", "announce 203.0.113.10")
	a.SetDrained(true)
	check("drain", "withdraw 203.0.113.10", "withdraw 203.0.113.11", "withdraw 2001:db8::10")
	if !a.Drained() || a.Status()[1].Reason != Drained {
		t.Errorf("drained: %v %+v", a.Drained(), a.Status()[1])
	}
	a.SetDrained(false)
	check("undrain", "announce 203.0.113.10", "announce 203.0.113.11", "announce 2001:db8::10")
	// A speaker that refuses: the VIP stays withdrawn, with a retry.
	sp.fail = true
	w.set(vipB, false, 2)
	if wake := a.Evaluate(); !wake.Equal(now.Add(retry)) {
		t.Errorf("a refused withdrawal: wake %v, want %v", wake, now.Add(retry))
	}
	if st := a.Status()[1]; !st.Announced || st.Reason != NotOnHost {
		t.Errorf("a refused withdrawal: status %+v, want still announced, with the reason", st)
	}
	sp.fail = false
	a.Evaluate()
	check("retried", "withdraw 203.0.113.11")
	a.Stop()
	check("stop", "withdraw 203.0.113.10", "withdraw 2001:db8::10")
	a.SetDrained(false)
	check("nothing comes back after stop")
}

// TestAnnouncerRun: Run steps on Changed and on the delay's wake-up.
func TestAnnouncerRun(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_000_000, 0)
	timers := make(chan chan time.Time, 10)
	clk := clock.Func{
		NowFunc: func() time.Time { mu.Lock(); defer mu.Unlock(); return now },
		AfterFunc: func(time.Duration) <-chan time.Time {
			c := make(chan time.Time, 1)
			timers <- c
			return c
		},
	}
	w := &world{onHost: map[netip.Addr]bool{}, up: map[netip.Addr]int{}}
	w.set(vipA, true, 1)
	sp := &fakeSpeaker{told: make(chan struct{}, 10)}
	a := New([]Group{{Name: "web", VIPs: []netip.Addr{vipA}, MinUp: 1}}, w.sources(), sp, 2*time.Second, clk, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); a.Run(ctx) }()
	defer func() { cancel(); <-done }()
	timer := <-timers // fit, settling: Run sleeps until the delay is over
	if st := a.Status()[0]; st.Announced || st.Reason != Settling {
		t.Fatalf("before the delay: %+v", st)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	timer <- now
	<-sp.told
	if got := sp.take(); !slices.Equal(got, []string{"announce 203.0.113.10"}) {
		t.Errorf("after the delay: %q", got)
	}
	w.set(vipA, true, 0)
	a.Changed()
	<-sp.told
	if got := sp.take(); !slices.Equal(got, []string{"withdraw 203.0.113.10"}) {
		t.Errorf("after Changed: %q", got)
	}
}
