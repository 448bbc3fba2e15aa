package router

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// Scheduler delivers the timer events of many instances from one goroutine
// and one Alarm (netio's timerfd): each instance's machine deadline and the
// rounds of its GARP schedules. A director with a thousand instances
// then wakes once per batch of due timers, not once per instance, and the
// adverts due together leave in one sendmmsg per interface, before the GARP
// rounds due with them. Masters' advert timers may
// fire up to their slack early (Params.AdvertSlack), so instances whose
// adverts fall close together are batched and then stay in step.
//
// A backup pushes its Master_Down_Timer back on every advert it hears; the
// heap and the alarm are not touched for that: the entry keeps its earlier
// key, and the alarm may go off for a deadline since pushed back. Before
// the loop sleeps, it re-keys every entry at the root whose deadline moved
// later, so that the alarm is set for a deadline that holds: the backups
// of a thousand instances heard every interval wake the scheduler once
// every few intervals, together, and no advert costs a system call.
type Scheduler struct {
	mu   sync.Mutex
	heap []schedItem // a min-heap by key
	al   Alarm       // what Run sleeps on; nil while it does not run
	// armed is the key al is set for since the loop last woke; zero: none.
	// The loop's re-arm is then no syscall when a fired instance has set
	// it already.
	armed vrrp.Mono
	out   batch // used by the Run goroutine only
	// newAlarm opens what Run sleeps on; nil, or an error, and it sleeps
	// on a runtime timer.
	newAlarm func() (Alarm, error)
	rounds   atomic.Uint64 // the loop's rounds, for tests
	// clock, if set, replaces time.Now: tests run the scheduler, and the
	// instances on it, on a fake clock with a fake alarm.
	clock func() time.Time
}

type schedItem struct {
	key vrrp.Mono // when to look at the entry again: at most its deadline
	e   *schedEntry
}

// schedEntry is a deadline of an instance in its scheduler: its machine's
// (ann nil) or the next round of one of its GARP schedules. at, slack and
// slot are guarded by the scheduler's mu.
type schedEntry struct {
	at    vrrp.Mono     // the deadline; zero: none
	slack time.Duration // how early it may fire
	slot  int           // index in the heap, -1 when absent
	inst  *Instance
	ann   *announcement // nil: the machine's deadline
}

// NewScheduler returns a scheduler that sleeps on the alarms newAlarm
// opens (nil: a runtime timer); Run drives it.
func NewScheduler(newAlarm func() (Alarm, error)) *Scheduler {
	return &Scheduler{newAlarm: newAlarm}
}

// now is the scheduler's time: the clock's, or time.Now.
func (s *Scheduler) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// set (re)schedules i's machine timer for at, fired up to slack early; a
// zero at removes it.
func (s *Scheduler) set(i *Instance, at vrrp.Mono, slack time.Duration) {
	s.setEntry(&i.sched, at, slack)
}

// setEntry (re)schedules e for at, fired up to slack early; a zero at
// removes it.
func (s *Scheduler) setEntry(e *schedEntry, at vrrp.Mono, slack time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e.at, e.slack = at, slack
	switch {
	case e.at.IsZero():
		if e.slot >= 0 {
			s.remove(e.slot) // the loop may wake once for nothing
		}
		return
	case e.slot >= 0 && !e.at.Before(s.heap[e.slot].key):
		return // later than its key: re-keyed when the key comes up (rearm)
	}
	var first vrrp.Mono
	if len(s.heap) > 0 {
		first = s.heap[0].key
	}
	if e.slot < 0 {
		e.slot = len(s.heap)
		s.heap = append(s.heap, schedItem{key: e.at, e: e})
	} else {
		s.heap[e.slot].key = e.at
	}
	if !s.up(e.slot) {
		s.down(e.slot)
	}
	if s.heap[0].key != first && s.al != nil {
		s.rearm(vrrp.MonoOf(s.now())) // the earliest key changed
	}
}

// rearm sets the alarm for the earliest deadline; s.mu is held and the
// alarm set. Roots whose deadline moved past their key are re-keyed first.
func (s *Scheduler) rearm(now vrrp.Mono) {
	for len(s.heap) > 0 && s.heap[0].e.at.After(s.heap[0].key) {
		s.heap[0].key = s.heap[0].e.at
		s.down(0)
	}
	if len(s.heap) == 0 {
		// Disarmed even when armed reads zero: after a wake-up the alarm
		// has gone off, and a timerfd that went off makes every wait
		// return at once until it is set anew (the loop would spin).
		s.al.Disarm()
		s.armed = 0
		return
	}
	first := s.heap[0].key
	if first != s.armed {
		s.al.Arm(first.Sub(now))
		s.armed = first
	}
}

// openAlarm is the alarm Run sleeps on: newAlarm's, or a runtime timer
// where it has none.
func (s *Scheduler) openAlarm() Alarm {
	if s.newAlarm != nil {
		if a, err := s.newAlarm(); err == nil {
			return a
		}
	}
	return newTimerAlarm()
}

// timerAlarm is a runtime timer: the scheduler's alarm where the network
// has none.
type timerAlarm struct{ t *time.Timer }

func newTimerAlarm() *timerAlarm {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerAlarm{t: t}
}

func (a *timerAlarm) Arm(d time.Duration) { a.t.Reset(max(d, 0)) }
func (a *timerAlarm) Disarm()             { a.t.Stop() }
func (a *timerAlarm) Wait()               { <-a.t.C }
func (a *timerAlarm) Close() error        { a.t.Stop(); return nil }

// Run fires due timers until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	al := s.openAlarm()
	s.mu.Lock()
	s.al = al
	s.mu.Unlock()
	// The end of ctx wakes the loop as a due timer does.
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.al != nil {
			s.al.Arm(0)
		}
	})
	defer func() {
		stop()
		s.mu.Lock()
		s.al = nil
		s.mu.Unlock()
		al.Close()
	}()
	var due []*schedEntry
	for {
		s.rounds.Add(1)
		if ctx.Err() != nil {
			return
		}
		if len(s.out.slow) == 0 { // slow work waits: do not sleep
			s.mu.Lock()
			s.rearm(vrrp.MonoOf(s.now()))
			s.mu.Unlock()
			al.Wait()
			s.mu.Lock()
			s.armed = 0 // gone off: whatever comes next must set it anew
			s.mu.Unlock()
			if ctx.Err() != nil {
				return
			}
		}
		now := s.now()
		due = s.due(now, due[:0])
		garps := false
		for _, e := range due {
			if e.ann == nil {
				e.inst.fire(now, &s.out)
			} else {
				garps = true
			}
		}
		if len(s.out.slow) <= earlyVIPs {
			for _, i := range s.out.slow {
				i.addVIPsEarly()
			}
		}
		s.out.flush()
		if garps { // after the adverts
			for _, e := range due {
				if e.ann != nil {
					e.inst.fireAnnouncement(e.ann, now)
				}
			}
		}
		clear(due)
		// The slow actions the rounds left, until a timer is due again.
		for len(s.out.slow) > 0 && !s.rootDue(s.now()) {
			i := s.out.slow[0]
			s.out.slow[0] = nil
			s.out.slow = s.out.slow[1:]
			i.finishLocked()
		}
	}
}

// earlyVIPs is the most takeovers a round may have for their VIPs to be
// added before its adverts leave. A lone takeover (the failover that
// matters) then holds its VIPs by the time its advert announces it, and its
// first GARP follows the advert at once, as RFC 5798 6.4.1 lists them. A
// mass takeover sends its adverts first: a thousand VIP adds take long.
const earlyVIPs = 8

// rootDue reports whether the earliest timer is due at now (or within its
// slack).
func (s *Scheduler) rootDue(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.heap) > 0 && s.heap[0].key.Sub(vrrp.MonoOf(now)) <= s.heap[0].e.slack
}

// due takes out of the heap, appended to buf, every entry that is due at
// now or within its slack; entries whose deadline moved later are re-keyed
// instead.
func (s *Scheduler) due(at time.Time, buf []*schedEntry) []*schedEntry {
	now := vrrp.MonoOf(at)
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.heap) > 0 {
		it := &s.heap[0]
		e := it.e
		if it.key.Sub(now) > e.slack {
			break
		}
		if e.at.Sub(now) > e.slack { // pushed back since: look again then
			it.key = e.at
			s.down(0)
			continue
		}
		buf = append(buf, e)
		s.remove(0)
	}
	return buf
}

// The heap, by key.

func (s *Scheduler) less(a, b int) bool { return s.heap[a].key.Before(s.heap[b].key) }

func (s *Scheduler) swap(a, b int) {
	s.heap[a], s.heap[b] = s.heap[b], s.heap[a]
	s.heap[a].e.slot, s.heap[b].e.slot = a, b
}

// up moves k towards the root while it is earlier than its parent and
// reports whether it moved.
func (s *Scheduler) up(k int) bool {
	moved := false
	for k > 0 {
		p := (k - 1) / 2
		if !s.less(k, p) {
			break
		}
		s.swap(k, p)
		k, moved = p, true
	}
	return moved
}

func (s *Scheduler) down(k int) {
	n := len(s.heap)
	for {
		c := 2*k + 1
		if c >= n {
			return
		}
		if c+1 < n && s.less(c+1, c) {
			c++
		}
		if !s.less(c, k) {
			return
		}
		s.swap(k, c)
		k = c
	}
}

func (s *Scheduler) remove(k int) {
	last := len(s.heap) - 1
	gone := s.heap[k].e
	if k != last {
		s.swap(k, last)
	}
	s.heap[last] = schedItem{}
	s.heap = s.heap[:last]
	gone.slot = -1
	if k < len(s.heap) && !s.up(k) {
		s.down(k)
	}
}
