package vrrp

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// An alarm is what the scheduler's loop sleeps on: arm makes wait return
// once a duration has passed. The scheduler arms it with its mu held, from
// its loop and from the instances that move the earliest deadline, so an
// alarm needs no lock of its own.
type alarm interface {
	arm(d time.Duration) // wait returns after d, at once if d <= 0
	disarm()             // wait returns only when armed again
	wait()
	close()
}

// fdAlarm is a timerfd waited on in the runtime's poller, armed and read
// with raw syscalls: an idle director then has no runtime timer and makes
// no Syscall, and a wake-up is one thread's. A runtime timer wakes two: the
// runtime's monitor (sysmon) sleeps until the next timer, not knowing that
// the poller will wake for it, and then sleeps 10 ms more before it
// settles (bench/wake: 4 context switches per wake-up where the timerfd
// takes one, and about a third less CPU).
type fdAlarm struct {
	f    *os.File
	rc   syscall.RawConn
	spec unix.ItimerSpec
	// The poller's callbacks, made once: a closure made per call would
	// be an allocation per wake-up.
	set  func(fd uintptr)
	read func(fd uintptr) bool
	buf  [8]byte
}

func newFDAlarm() (*fdAlarm, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("timerfd_create", err)
	}
	a := &fdAlarm{f: os.NewFile(uintptr(fd), "scheduler timerfd")}
	if a.rc, err = a.f.SyscallConn(); err != nil {
		a.f.Close()
		return nil, err
	}
	a.set = func(fd uintptr) {
		// Relative, so that no clock needs converting; it cannot fail on
		// a valid timerfd and value.
		unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&a.spec)), 0, 0, 0)
	}
	a.read = func(fd uintptr) bool {
		_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&a.buf[0])), uintptr(len(a.buf)))
		return e != unix.EAGAIN && e != unix.EINTR // else wait in the poller
	}
	return a, nil
}

func (a *fdAlarm) arm(d time.Duration) {
	// A zero value disarms a timerfd: "at once" is a nanosecond.
	a.spec.Value = unix.NsecToTimespec(max(d.Nanoseconds(), 1))
	a.rc.Control(a.set)
}

func (a *fdAlarm) disarm() {
	a.spec.Value = unix.Timespec{}
	a.rc.Control(a.set)
}

// wait returns once the timer has expired since it was last armed (arming
// it again resets the count), or when the file is closed.
func (a *fdAlarm) wait() { a.rc.Read(a.read) }

func (a *fdAlarm) close() { a.f.Close() }

// timerAlarm is a runtime timer: the scheduler's alarm where no timerfd can
// be had.
type timerAlarm struct{ t *time.Timer }

func newTimerAlarm() *timerAlarm {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerAlarm{t: t}
}

func (a *timerAlarm) arm(d time.Duration) { a.t.Reset(max(d, 0)) }
func (a *timerAlarm) disarm()             { a.t.Stop() }
func (a *timerAlarm) wait()               { <-a.t.C }
func (a *timerAlarm) close()              { a.t.Stop() }
