package garp

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// fakeClock is advanced by the test; After registers a waiter.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []waiter
	waiting chan struct{} // a token each time someone waits
}

type waiter struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Unix(1000, 0), waiting: make(chan struct{}, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	c.waiters = append(c.waiters, waiter{c.now.Add(d), ch})
	c.waiting <- struct{}{}
	return ch
}

// advance moves time on by d and fires the waiters due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(c.now) {
			w.ch <- c.now
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// recSender records sends with the fake time; it fails for addresses in fail.
type recSender struct {
	mu   sync.Mutex
	clk  *fakeClock
	at   []time.Duration
	fail map[netip.Addr]bool
}

func (r *recSender) Send(v netip.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail[v] {
		return errors.New("injected failure")
	}
	r.at = append(r.at, r.clk.Now().Sub(time.Unix(1000, 0)))
	return nil
}

func (r *recSender) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.at)
}

var twoVIPs = []netip.Addr{netip.MustParseAddr("192.0.2.100"), netip.MustParseAddr("192.0.2.101")}

func waitWaiting(t *testing.T, c *fakeClock) {
	t.Helper()
	select {
	case <-c.waiting:
	case <-time.After(10 * time.Second):
		t.Fatal("Announce never waited on the clock")
	}
}

// A burst of 5 for 2 VIPs leaves at once; the second burst waits for
// RepeatDelay; refresh bursts follow; cancel stops it.
func TestAnnounceSchedule(t *testing.T) {
	clk := newFakeClock()
	s := &recSender{clk: clk}
	ctx, cancel := context.WithCancel(context.Background())
	type result struct {
		sent int
		err  error
	}
	done := make(chan result)
	go func() {
		n, err := Announce(ctx, s, twoVIPs, Schedule{Count: 5, RepeatDelay: 5 * time.Second, Refresh: time.Minute}, clk, nil)
		done <- result{n, err}
	}()
	waitWaiting(t, clk) // after the first burst, waiting for the second
	if n := s.count(); n != 10 {
		t.Fatalf("first burst sent %d, want 10", n)
	}
	clk.advance(4 * time.Second)
	if n := s.count(); n != 10 {
		t.Fatalf("sent %d before RepeatDelay, want 10", n)
	}
	clk.advance(time.Second)
	waitWaiting(t, clk) // after the second burst, waiting for a refresh
	if n := s.count(); n != 20 {
		t.Fatalf("after the second burst sent %d, want 20", n)
	}
	clk.advance(time.Minute)
	waitWaiting(t, clk)
	if n := s.count(); n != 30 {
		t.Fatalf("after a refresh sent %d, want 30", n)
	}
	cancel()
	r := <-done
	if r.sent != 30 || r.err != nil {
		t.Fatalf("Announce = %d, %v; want 30, nil", r.sent, r.err)
	}
	for i, at := range s.at[:10] {
		if at != 0 {
			t.Fatalf("packet %d of the first burst left at +%v, want at once", i, at)
		}
	}
	for i, at := range s.at[10:20] {
		if at != 5*time.Second {
			t.Fatalf("packet %d of the second burst left at +%v, want +5s", i, at)
		}
	}
}

// Spacing separates the rounds of a burst; each round covers every VIP.
func TestAnnounceSpacing(t *testing.T) {
	clk := newFakeClock()
	s := &recSender{clk: clk}
	done := make(chan int)
	go func() {
		n, _ := Announce(context.Background(), s, twoVIPs, Schedule{Count: 3, Spacing: 100 * time.Millisecond}, clk, nil)
		done <- n
	}()
	for range 2 {
		waitWaiting(t, clk)
		clk.advance(100 * time.Millisecond)
	}
	if n := <-done; n != 6 {
		t.Fatalf("sent %d, want 6", n)
	}
	want := []time.Duration{0, 0, 100 * time.Millisecond, 100 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond}
	for i := range want {
		if s.at[i] != want[i] {
			t.Fatalf("send times %v, want %v", s.at, want)
		}
	}
}

// A failing send is reported but the other VIPs and rounds still go out.
func TestAnnounceKeepsGoingAfterErrors(t *testing.T) {
	clk := newFakeClock()
	s := &recSender{clk: clk, fail: map[netip.Addr]bool{twoVIPs[0]: true}}
	n, err := Announce(context.Background(), s, twoVIPs, Schedule{Count: 3}, clk, nil)
	if n != 3 || err == nil {
		t.Fatalf("Announce = %d, %v; want 3 sent and the injected error", n, err)
	}
}

// Cancelled before it starts, nothing is sent.
func TestAnnounceCancelled(t *testing.T) {
	clk := newFakeClock()
	s := &recSender{clk: clk}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, _ := Announce(ctx, s, twoVIPs, Schedule{Count: 5}, clk, nil); n != 0 {
		t.Fatalf("sent %d after cancel, want 0", n)
	}
}
