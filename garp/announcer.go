package garp

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Logger is where an announcer reports a burst that failed; *slog.Logger
// is one.
type Logger interface {
	Warn(msg string, args ...any)
}

// Announcer runs a Schedule and holds no goroutine of its own: its first
// round leaves at once, the others from the Rounds it was started on, so
// that a director that takes over a thousand VIPs at once
// neither parks nor starts a thousand goroutines. What Announce does in a
// loop, it does one round at a time.
type Announcer struct {
	r    *Rounds
	s    Sender
	vips []netip.Addr
	sch  Schedule
	log  Logger

	mu      sync.Mutex // held while a round sends, so Stop waits for it
	due     time.Time  // of the next round, while queued; guarded by r.mu
	idx     int        // in r's queue, -1 when not queued; guarded by r.mu
	at      position
	start   time.Time // of the first burst
	logged  bool      // an error of this burst was logged
	stopped bool
	done    atomic.Bool // the schedule completed
}

// position is where a schedule stands: the burst (0 the first, 1 the
// repeat when there is one, then refreshes) and the round within it. The
// follow round is the round after the last of the burst it follows.
type position struct{ burst, round int }

// next is what follows the round at p: the position of the next round and
// how long after this one it is due (elapsed is the time since the first
// burst began), or false when the schedule is complete.
func (sch Schedule) next(p position, elapsed time.Duration) (position, time.Duration, bool) {
	n := max(sch.Count, 1)
	if p.round+1 < n {
		return position{p.burst, p.round + 1}, sch.Spacing, true
	}
	if sch.Follow > 0 && p.round+1 == n && p.burst == sch.followAfter() {
		return position{p.burst, n}, max(sch.Follow-elapsed, 0), true
	}
	if p.burst == 0 && sch.RepeatDelay > 0 {
		return position{1, 0}, max(sch.RepeatDelay-elapsed, 0), true
	}
	if sch.Refresh > 0 {
		return position{p.burst + 1, 0}, sch.Refresh, true
	}
	return p, 0, false
}

// followAfter is the burst the follow round comes after: the first, or
// the repeat when that is due before it.
func (sch Schedule) followAfter() int {
	if sch.RepeatDelay > 0 && sch.RepeatDelay < sch.Follow {
		return 1
	}
	return 0
}

// StartAnnouncer sends the schedule's first round at once, before it
// returns, and the rest from r until the schedule completes or Stop.
func StartAnnouncer(r *Rounds, s Sender, vips []netip.Addr, sch Schedule, log Logger) *Announcer {
	a := &Announcer{r: r, s: s, vips: vips, sch: sch, log: log, start: time.Now(), idx: -1}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.run()
	return a
}

// Stop ends the schedule; once it returns, nothing more is sent.
func (a *Announcer) Stop() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	a.r.cancel(a)
}

// Done reports that the schedule completed: the announcer sends nothing
// more and holds nothing, so its owner may drop it.
func (a *Announcer) Done() bool { return a.done.Load() }

func (a *Announcer) fire() {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.stopped {
		a.run()
	}
}

// run sends the round at a.at and every round due with no wait after it,
// then sets the timer for the next; a.mu is held.
func (a *Announcer) run() {
	for {
		if a.at.round == 0 {
			a.logged = false
		}
		for _, v := range a.vips {
			if err := a.s.Send(v); err != nil && !a.logged && a.log != nil {
				a.log.Warn("gratuitous ARP", "err", err)
				a.logged = true
			}
		}
		p, d, ok := a.sch.next(a.at, time.Since(a.start))
		if !ok {
			a.done.Store(true)
			return
		}
		a.at = p
		if d > 0 {
			a.r.schedule(a, time.Now().Add(d))
			return
		}
	}
}
