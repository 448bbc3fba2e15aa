package netio

import (
	"github.com/hadirector/hadirector/internal/alarmtest"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A timer goes off no earlier than armed, at once for zero, again after a
// re-arm from another goroutine while one waits, and not while disarmed.
func TestTimer(t *testing.T) {
	a, err := NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	alarmtest.Check(t, a)
}

// Re-arming a timerfd that went off but was not read drops that expiry, so
// the scheduler's loop never wakes for a deadline it has already moved.
func TestFDAlarmRearmDropsExpiry(t *testing.T) {
	a, err := NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Arm(time.Nanosecond)
	var spec unix.ItimerSpec
	for { // until it has gone off: the remaining time reads zero
		a.rc.Control(func(fd uintptr) { unix.TimerfdGettime(int(fd), &spec) })
		if spec.Value == (unix.Timespec{}) {
			break
		}
	}
	a.Arm(time.Hour)
	var e unix.Errno
	a.rc.Control(func(fd uintptr) {
		_, _, e = unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&a.buf[0])), 8)
	})
	if e != unix.EAGAIN {
		t.Fatalf("read after re-arming an expired timerfd: %v, want EAGAIN (the expiry dropped)", e)
	}
}

// A timerfd alarm's wake-up reads the clock, not the timer: arming and
// waiting, again and again, makes no read. An edge left over from an
// expiry that a re-arm dropped is told apart by a read, and the wait goes
// on.
func TestFDAlarmWakesWithoutReads(t *testing.T) {
	a, err := NewTimer()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for range 5 {
		a.Arm(time.Millisecond)
		a.Wait()
	}
	a.Arm(0)
	a.Wait()
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
	a.Arm(time.Hour)
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
	a.Arm(0)
	if !gone(true) {
		t.Error("armed for now: did not go off")
	}
}
