package garp

import (
	"context"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// The schedule's steps: rounds of a burst, the repeat counted from the
// first burst's start, refreshes, the end.
func TestScheduleNext(t *testing.T) {
	sch := Schedule{Count: 3, Spacing: 10 * time.Millisecond, RepeatDelay: 5 * time.Second, Refresh: time.Minute}
	follow := sch
	follow.Follow = 200 * time.Millisecond
	cases := []struct {
		name    string
		sch     Schedule
		at      position
		elapsed time.Duration
		want    position
		wait    time.Duration
		more    bool
	}{
		{"next round of the first burst", sch, position{0, 0}, 0, position{0, 1}, 10 * time.Millisecond, true},
		{"repeat counted from the first burst", sch, position{0, 2}, 20 * time.Millisecond, position{1, 0}, 5*time.Second - 20*time.Millisecond, true},
		{"repeat overdue goes at once", sch, position{0, 2}, 6 * time.Second, position{1, 0}, 0, true},
		{"refresh after the repeat", sch, position{1, 2}, 5 * time.Second, position{2, 0}, time.Minute, true},
		{"refresh after a refresh", sch, position{7, 2}, time.Hour, position{8, 0}, time.Minute, true},
		{"no repeat, no refresh: done", Schedule{Count: 5}, position{0, 4}, 0, position{0, 4}, 0, false},
		{"count 0 is one round", Schedule{}, position{0, 0}, 0, position{0, 0}, 0, false},
		{"no repeat: refresh after the first", Schedule{Count: 1, Refresh: time.Second}, position{0, 0}, 0, position{1, 0}, time.Second, true},
		{"repeat without refresh: done after it", Schedule{Count: 1, RepeatDelay: time.Second}, position{1, 0}, time.Second, position{1, 0}, 0, false},
		{"follow round after the first burst", follow, position{0, 2}, 20 * time.Millisecond, position{0, 3}, 180 * time.Millisecond, true},
		{"follow round overdue goes at once", follow, position{0, 2}, 300 * time.Millisecond, position{0, 3}, 0, true},
		{"repeat after the follow round", follow, position{0, 3}, 200 * time.Millisecond, position{1, 0}, 4800 * time.Millisecond, true},
		{"no second follow round after the repeat", follow, position{1, 2}, 5 * time.Second, position{2, 0}, time.Minute, true},
		{"follow round after a repeat due before it", Schedule{Count: 1, RepeatDelay: 20 * time.Millisecond, Follow: 200 * time.Millisecond},
			position{1, 0}, 20 * time.Millisecond, position{1, 1}, 180 * time.Millisecond, true},
		{"done after a follow round that came after the repeat", Schedule{Count: 1, RepeatDelay: 20 * time.Millisecond, Follow: 200 * time.Millisecond},
			position{1, 1}, 200 * time.Millisecond, position{1, 1}, 0, false},
		{"follow round alone", Schedule{Count: 1, Follow: 200 * time.Millisecond}, position{0, 0}, 0, position{0, 1}, 200 * time.Millisecond, true},
		{"done after a follow round alone", Schedule{Count: 1, Follow: 200 * time.Millisecond}, position{0, 1}, 200 * time.Millisecond, position{0, 1}, 0, false},
	}
	for _, c := range cases {
		p, d, ok := c.sch.next(c.at, c.elapsed)
		if ok != c.more || ok && (p != c.want || d != c.wait) {
			t.Errorf("%s: next = %v, %v, %v; want %v, %v, %v", c.name, p, d, ok, c.want, c.wait, c.more)
		}
	}
}

// chanSender hands every packet to the test.
type chanSender struct{ got chan netip.Addr }

func (c chanSender) Send(v netip.Addr) error { c.got <- v; return nil }

// The first burst leaves before StartAnnouncer returns; the repeat follows
// on a timer; after Stop nothing more leaves.
func TestAnnouncerRunsTheScheduleAndStops(t *testing.T) {
	s := chanSender{got: make(chan netip.Addr, 100)}
	a := StartAnnouncer(testRounds(t), s, twoVIPs, Schedule{Count: 2, RepeatDelay: 20 * time.Millisecond, Refresh: 10 * time.Millisecond}, nil)
	if n := len(s.got); n != 4 {
		t.Fatalf("the first burst sent %d packets before StartAnnouncer returned, want 4", n)
	}
	for range 8 { // the repeat and a refresh
		select {
		case <-s.got:
		case <-time.After(10 * time.Second):
			t.Fatal("the repeat and refresh bursts never came")
		}
	}
	a.Stop()
	for len(s.got) > 0 {
		<-s.got
	}
	// A timer that had fired could only have sent before Stop returned,
	// as Stop waits for a round in progress; and the timer is stopped.
	a.mu.Lock()
	stopped := a.stopped
	a.mu.Unlock()
	a.fire() // as a late timer would
	if !stopped || len(s.got) != 0 {
		t.Fatalf("sent after Stop")
	}
}

// Many announcers share the one round runner: each gets its repeat, and
// once all have stopped the runner holds none of them.
func TestAnnouncersShareTheRoundRunner(t *testing.T) {
	const n = 50
	s := chanSender{got: make(chan netip.Addr, 5*n)} // room for one too many
	var as []*Announcer
	for k := range n {
		// Count 2 with no spacing: both rounds of the first burst at once.
		vip := netip.AddrFrom4([4]byte{203, 0, 113, byte(k)})
		as = append(as, StartAnnouncer(testRounds(t), s, []netip.Addr{vip}, Schedule{Count: 2, RepeatDelay: 5 * time.Millisecond, Refresh: time.Hour}, nil))
	}
	got := map[netip.Addr]int{}
	for k := 0; k < 4*n; k++ { // each: a burst of two at once, its repeat
		select {
		case v := <-s.got:
			got[v]++
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d packets came", k, 4*n)
		}
	}
	for v, c := range got {
		if c != 4 {
			t.Errorf("%v: %d packets, want 4", v, c)
		}
	}
	for _, a := range as {
		// The repeat's packet left inside its round, which queues the
		// refresh before it lets go of the lock.
		a.mu.Lock()
		a.mu.Unlock()
	}
	if q := testRounds(t).queued(); q != n {
		t.Errorf("%d announcers queued for their refresh, want %d", q, n)
	}
	for _, a := range as {
		a.Stop()
	}
	if q := testRounds(t).queued(); q != 0 {
		t.Fatalf("%d announcers still queued after Stop", q)
	}
	if len(s.got) != 0 {
		t.Fatalf("%d packets more than the schedules hold", len(s.got))
	}
}

// An announcer says when its schedule has completed, so that its owner can
// drop it; one with a refresh never completes.
func TestAnnouncerDone(t *testing.T) {
	s := chanSender{got: make(chan netip.Addr, 100)}
	if a := StartAnnouncer(testRounds(t), s, twoVIPs, Schedule{Count: 2}, nil); !a.Done() {
		t.Error("a one-burst schedule is not done after its burst")
	}
	a := StartAnnouncer(testRounds(t), s, twoVIPs, Schedule{Count: 1, RepeatDelay: 5 * time.Millisecond}, nil)
	if a.Done() {
		t.Error("done before the repeat")
	}
	for range 4 + 2 { // the first announcer's burst, the second's
		<-s.got
	}
	for range 2 { // the second's repeat
		select {
		case <-s.got:
		case <-time.After(10 * time.Second):
			t.Fatal("the repeat never came")
		}
	}
	a.mu.Lock() // the round that sent the repeat has returned
	a.mu.Unlock()
	if !a.Done() {
		t.Error("not done after the repeat")
	}
	r := StartAnnouncer(testRounds(t), s, twoVIPs, Schedule{Count: 1, Refresh: time.Hour}, nil)
	defer r.Stop()
	if r.Done() {
		t.Error("a refreshing schedule is done")
	}
}

// testRounds is a runner for the test, run until it ends.
func testRounds(t *testing.T) *Rounds {
	t.Helper()
	if r, ok := runners.Load(t); ok {
		return r.(*Rounds)
	}
	r := NewRounds()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; runners.Delete(t) })
	runners.Store(t, r)
	return r
}

var runners sync.Map // *testing.T -> *Rounds
