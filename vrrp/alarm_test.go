package vrrp

import (
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
// alarm at once, to it (less spinAhead without slack); a later one, or one
// pushed back, leaves the alarm as it is.
func TestSchedulerRearmsOnEarlierDeadline(t *testing.T) {
	s := NewScheduler()
	f := &fakeAlarm{}
	s.al = f
	insts := schedInstances(3)
	now := time.Now()
	s.set(insts[0], MonoOf(now.Add(time.Hour)), time.Second)
	s.set(insts[1], MonoOf(now.Add(2*time.Hour)), time.Second) // later: no arm
	s.set(insts[0], MonoOf(now.Add(3*time.Hour)), time.Second) // pushed back: no arm
	s.set(insts[2], MonoOf(now.Add(time.Minute)), 0)           // earliest, no slack
	if len(f.arms) != 2 {
		t.Fatalf("armed %d times (%v), want twice: for the first deadline and the earlier one", len(f.arms), f.arms)
	}
	if d := f.arms[0]; d > time.Hour || d < 59*time.Minute {
		t.Errorf("first arm %v, want the hour's deadline", d)
	}
	if d := f.arms[1]; d > time.Minute-spinAhead || d < 59*time.Second {
		t.Errorf("second arm %v, want a minute less spinAhead", d)
	}
	// Removed: the loop re-arms for the root, which is the pushed-back
	// entry at its old key (it is re-keyed when that comes up).
	s.set(insts[2], 0, 0)
	s.mu.Lock()
	s.rearm(MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != time.Hour {
		t.Errorf("re-armed to %v after the removal, want the 1h key", d)
	}
	for _, i := range insts {
		s.set(i, 0, 0)
	}
	s.mu.Lock()
	s.rearm(MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != -1 {
		t.Errorf("with no timer the alarm was armed for %v, want it disarmed", d)
	}
}
