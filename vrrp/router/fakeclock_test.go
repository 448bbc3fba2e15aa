package router

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is a scheduler's clock and the Alarm it sleeps on, in one:
// time moves only when the test steps it, to the deadline the alarm is
// armed for.
type fakeClock struct {
	mu     sync.Mutex
	cond   *sync.Cond // time moved, the alarm was set, or Wait fell asleep
	now    time.Time
	at     time.Time // the alarm's deadline, while armed
	armed  bool
	asleep bool // Wait found the alarm not due and sleeps
	fired  int  // the times Wait returned
}

func newFakeClock() *fakeClock {
	c := &fakeClock{now: time.Now()}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Arm(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at, c.armed = c.now.Add(max(d, 0)), true
	c.cond.Broadcast()
}

func (c *fakeClock) Disarm() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.armed = false
}

// Wait returns once the clock reaches the deadline; the alarm has then
// gone off and must be set anew, as a timerfd's.
func (c *fakeClock) Wait() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !c.armed || c.at.After(c.now) {
		c.asleep = true
		c.cond.Broadcast()
		c.cond.Wait()
	}
	c.asleep, c.armed = false, false
	c.fired++
}

func (c *fakeClock) Close() error { return nil }

// step waits for the scheduler to sleep, moves the clock to the deadline
// it sleeps until, and waits for it to have handled what fell due and to
// sleep again. It returns the new time, or false when nothing is armed.
func (c *fakeClock) step(t *testing.T) (time.Time, bool) {
	t.Helper()
	return c.stepUntil(t, time.Time{})
}

// stepUntil is step, but moves the clock no further than until (unless
// zero); the scheduler sleeps on if its deadline is later.
func (c *fakeClock) stepUntil(t *testing.T, until time.Time) (time.Time, bool) {
	t.Helper()
	c.mu.Lock()
	if !c.await(func() bool { return c.asleep }) {
		c.mu.Unlock()
		t.Fatal("the scheduler never went to sleep")
	}
	if !c.armed {
		c.mu.Unlock()
		return time.Time{}, false
	}
	if !until.IsZero() && c.at.After(until) {
		c.now = until
		c.mu.Unlock()
		return until, true
	}
	c.now = c.at
	now, n := c.now, c.fired
	c.cond.Broadcast()
	ok := c.await(func() bool { return c.fired > n && c.asleep })
	c.mu.Unlock()
	if !ok {
		t.Fatal("the scheduler never went back to sleep")
	}
	return now, true
}

// await waits, c.mu held, until cond holds; false after 10 s.
func (c *fakeClock) await(cond func() bool) bool {
	late := false
	tm := time.AfterFunc(10*time.Second, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		late = true
		c.cond.Broadcast()
	})
	defer tm.Stop()
	for !cond() {
		if late {
			return false
		}
		c.cond.Wait()
	}
	return true
}
