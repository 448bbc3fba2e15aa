package router

import (
	"github.com/hadirector/hadirector/vrrp"

	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Both alarms go off no earlier than armed, at once for zero, again after
// a re-arm from another goroutine while one waits, and not while disarmed.
func TestAlarms(t *testing.T) {
	fd, err := newFDAlarm()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		a    alarm
	}{{"timerfd", fd}, {"runtime-timer", newTimerAlarm()}} {
		t.Run(c.name, func(t *testing.T) {
			a := c.a
			defer a.close()
			a.arm(0)
			a.wait()

			// Never early: a lower bound that no scheduling delay can break.
			start := time.Now()
			a.arm(20 * time.Millisecond)
			a.wait()
			if d := time.Since(start); d < 20*time.Millisecond {
				t.Errorf("armed for 20ms, went off after %v", d)
			}

			// Disarmed, then armed far ahead: a waiter is woken by a re-arm
			// to now, as a new earliest deadline wakes the scheduler.
			a.disarm()
			a.arm(time.Hour)
			woke := make(chan struct{})
			go func() { a.wait(); close(woke) }()
			select {
			case <-woke:
				t.Fatal("an alarm armed for an hour went off")
			case <-time.After(10 * time.Millisecond):
			}
			a.arm(0)
			<-woke
		})
	}
}

// Re-arming a timerfd that went off but was not read drops that expiry, so
// the scheduler's loop never wakes for a deadline it has already moved.
func TestFDAlarmRearmDropsExpiry(t *testing.T) {
	a, err := newFDAlarm()
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	a.arm(time.Nanosecond)
	var spec unix.ItimerSpec
	for { // until it has gone off: the remaining time reads zero
		a.rc.Control(func(fd uintptr) { unix.TimerfdGettime(int(fd), &spec) })
		if spec.Value == (unix.Timespec{}) {
			break
		}
	}
	a.arm(time.Hour)
	var e unix.Errno
	a.rc.Control(func(fd uintptr) {
		_, _, e = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&a.buf[0])), 8)
	})
	if e != unix.EAGAIN {
		t.Fatalf("read after re-arming an expired timerfd: %v, want EAGAIN (the expiry dropped)", e)
	}
}

// A scheduler sleeps on a timerfd where it can; the runtime timer is the
// fallback only.
func TestSchedulerSleepsOnTimerfd(t *testing.T) {
	s := NewScheduler()
	a := s.openAlarm()
	defer a.close()
	if _, ok := a.(*fdAlarm); !ok {
		t.Fatalf("the scheduler's alarm is %T, not a timerfd", a)
	}
	s.runtimeTimer = true
	b := s.openAlarm()
	defer b.close()
	if _, ok := b.(*timerAlarm); !ok {
		t.Fatalf("with runtimeTimer the alarm is %T, not a runtime timer", b)
	}
}

// fakeAlarm records how it is armed.
type fakeAlarm struct{ arms []time.Duration } // -1: disarmed

func (f *fakeAlarm) arm(d time.Duration) { f.arms = append(f.arms, d) }
func (f *fakeAlarm) disarm()             { f.arms = append(f.arms, -1) }
func (f *fakeAlarm) wait()               {}
func (f *fakeAlarm) close()              {}

// A deadline that becomes the earliest re-arms the running scheduler's
// alarm at once, to it (less spinAhead without slack), and so does the
// earliest pushed back; a later one, or one pushed back that is not the
// earliest, leaves the alarm as it is.
func TestSchedulerRearmsOnEarlierDeadline(t *testing.T) {
	s := NewScheduler()
	f := &fakeAlarm{}
	s.al = f
	insts := schedInstances(3)
	a, b, c := insts[0], insts[1], insts[2]
	now := time.Now()
	near := func(got, want time.Duration) bool { return got <= want && got > want-time.Second }
	s.set(a, vrrp.MonoOf(now.Add(time.Hour)), time.Second)
	s.set(b, vrrp.MonoOf(now.Add(2*time.Hour)), time.Second) // later: no arm
	s.set(b, vrrp.MonoOf(now.Add(3*time.Hour)), time.Second) // pushed back, not the earliest: no arm
	s.set(a, vrrp.MonoOf(now.Add(90*time.Minute)), time.Second)
	s.set(c, vrrp.MonoOf(now.Add(time.Minute)), 0) // earliest, no slack
	want := []time.Duration{time.Hour, 90 * time.Minute, time.Minute - spinAhead}
	if len(f.arms) != len(want) {
		t.Fatalf("armed %d times (%v), want %d: %v", len(f.arms), f.arms, len(want), want)
	}
	for k, w := range want {
		if !near(f.arms[k], w) {
			t.Errorf("arm %d: %v, want %v", k, f.arms[k], w)
		}
	}
	// Removed: the loop re-arms for the root, the earliest pushed back at
	// its new key; b keeps its old 2h key until that comes up.
	s.set(c, 0, 0)
	s.mu.Lock()
	s.rearm(vrrp.MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != 90*time.Minute {
		t.Errorf("re-armed to %v after the removal, want 90m", d)
	}
	if s.heap[len(s.heap)-1].key != vrrp.MonoOf(now.Add(2*time.Hour)) {
		t.Errorf("the entry pushed back while not the earliest was re-keyed at once")
	}
	for _, i := range insts {
		s.set(i, 0, 0)
	}
	s.mu.Lock()
	s.rearm(vrrp.MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != -1 {
		t.Errorf("with no timer the alarm was armed for %v, want it disarmed", d)
	}
}

// A timerfd alarm's wake-up reads the clock, not the timer: arming and
// waiting, again and again, makes no read. An edge left over from an
// expiry that a re-arm dropped is told apart by a read, and the wait goes
// on.
func TestFDAlarmWakesWithoutReads(t *testing.T) {
	a, err := newFDAlarm()
	if err != nil {
		t.Fatal(err)
	}
	defer a.close()
	for range 5 {
		a.arm(time.Millisecond)
		a.wait()
	}
	a.arm(0)
	a.wait()
	if a.reads != 0 {
		t.Errorf("%d reads of the timer in 6 wake-ups, want 0", a.reads)
	}

	// What the poller's callback decides. Woken by an edge while the
	// clock says not yet: a timer that has not expired (an edge a re-arm
	// made stale) waits on; one that has goes off.
	gone := func(first bool) (ok bool) {
		a.first = first
		a.rc.Control(func(fd uintptr) { ok = a.gone(fd) })
		return ok
	}
	a.arm(time.Hour)
	if gone(true) {
		t.Error("first call, an hour ahead: went off")
	}
	if a.reads != 0 {
		t.Errorf("the first call read the timer")
	}
	if gone(false) {
		t.Error("a stale edge, an hour ahead: went off")
	}
	// Expire the timer behind the clock's back: only a read can tell.
	a.spec.Value = unix.NsecToTimespec(1)
	a.rc.Control(a.set)
	var spec unix.ItimerSpec
	for {
		a.rc.Control(func(fd uintptr) { unix.TimerfdGettime(int(fd), &spec) })
		if spec.Value == (unix.Timespec{}) {
			break
		}
	}
	if !gone(false) {
		t.Error("woken by an expiry the clock does not know of: did not go off")
	}
	a.arm(0)
	if !gone(true) {
		t.Error("armed for now: did not go off")
	}
}
