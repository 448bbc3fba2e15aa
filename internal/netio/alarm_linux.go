package netio

import (
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/vrrp"
)

// Timer is a router.Alarm: a timerfd waited on in the runtime's poller,
// armed and read with raw syscalls, so that an idle director has no
// runtime timer and makes no Syscall, and a wake-up is one thread's. A
// runtime timer wakes two: the runtime's monitor (sysmon) sleeps until the
// next timer, not knowing that the poller will wake for it.
type Timer struct {
	f    *os.File
	rc   syscall.RawConn
	spec unix.ItimerSpec
	// due is when the alarm goes off at the earliest, as a Mono: taken
	// before the timer is set, so never later than the kernel's expiry.
	// It is written by arm under the scheduler's lock and read by the
	// waiting loop without it.
	due atomic.Int64
	// The poller's callbacks, made once: a closure made per call would
	// be an allocation per wake-up.
	set   func(fd uintptr)
	ready func(fd uintptr) bool
	first bool // ready's first call in this wait
	buf   [8]byte
	reads int // reads of the timer, for tests: a wake-up needs none
}

// never is due for a disarmed alarm.
const never = int64(^uint64(0) >> 1)

// NewTimer opens a timerfd.
func NewTimer() (*Timer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("timerfd_create", err)
	}
	a := &Timer{f: os.NewFile(uintptr(fd), "scheduler timerfd")}
	if a.rc, err = a.f.SyscallConn(); err != nil {
		a.f.Close()
		return nil, err
	}
	a.due.Store(never)
	a.set = func(fd uintptr) {
		// Relative, so that no clock needs converting; it cannot fail on
		// a valid timerfd and value.
		unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&a.spec)), 0, 0, 0)
	}
	a.ready = a.gone
	return a, nil
}

// gone tells the poller's Read whether the alarm has gone off; false waits
// for the timerfd to become readable. It reads the clock, not the timer:
// a wake-up then costs no read. The poller forgets a readiness edge that
// came before the wait began, so the first call must not wait when the
// alarm is already due; the clock, read after that point, tells. A later
// call comes from an edge: from this arming, due by the clock, or from an
// expiry that a re-arm has since dropped; only then is the timer read, and
// EAGAIN says the edge was stale. An expiry left unread is reset by the
// next arm, which the loop makes before it waits again.
func (a *Timer) gone(fd uintptr) bool {
	first := a.first
	a.first = false
	if int64(vrrp.MonoOf(time.Now())) >= a.due.Load() {
		return true
	}
	if first {
		return false // not yet expired, so its edge is still to come
	}
	a.reads++
	_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&a.buf[0])), uintptr(len(a.buf)))
	return e != unix.EAGAIN && e != unix.EINTR // else wait in the poller
}

// Arm makes Wait return after d, at once if d <= 0.
func (a *Timer) Arm(d time.Duration) {
	// A zero value disarms a timerfd: "at once" is a nanosecond.
	d = max(d, time.Nanosecond)
	a.due.Store(int64(vrrp.MonoOf(time.Now())) + d.Nanoseconds())
	a.spec.Value = unix.NsecToTimespec(d.Nanoseconds())
	a.rc.Control(a.set)
}

// Disarm makes Wait return only when armed again.
func (a *Timer) Disarm() {
	a.due.Store(never)
	a.spec.Value = unix.Timespec{}
	a.rc.Control(a.set)
}

// Wait returns once the alarm has gone off since it was last armed, or
// when the file is closed.
func (a *Timer) Wait() {
	a.first = true
	a.rc.Read(a.ready)
}

// Close closes the timerfd.
func (a *Timer) Close() error { return a.f.Close() }
