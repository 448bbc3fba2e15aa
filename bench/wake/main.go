// Command wake measures what one idle wake-up costs a Go process: a
// goroutine woken every 100 ms, by a runtime timer or by a timerfd read
// through the netpoller, with nothing else to do. It prints the process's
// CPU time as a percentage of one core and each thread's voluntary context
// switches over the window. It needs no root.
//
// It explains bench/cost's 1 instance x 100 ms row and why the scheduler
// sleeps on a timerfd. A runtime timer wakes two threads: the one that runs
// the goroutine, and the runtime's monitor (sysmon), which sleeps until the
// next timer and then 10 ms more before it settles: 4 context switches per
// wake-up. A timerfd armed and read with raw syscalls, as vrrp's scheduler
// does, is one thread's wake-up; a Syscall (os.File.Read) would rouse sysmon
// again. On the 2-vCPU test machine, 20 s windows:
//
//	timer:   0.135-0.199 % of a core, 827 context switches (2 threads)
//	timerfd: 0.085-0.124 % of a core, 203 context switches (1 thread)
//
//	go run ./bench/wake -mode timer
//	go run ./bench/wake -mode timerfd
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

func main() {
	mode := flag.String("mode", "timer", "timer (a runtime timer) or timerfd (a timerfd read in the netpoller)")
	tick := flag.Duration("tick", 100*time.Millisecond, "wake-up period")
	window := flag.Duration("window", 20*time.Second, "measuring window, after 2 s to settle")
	flag.Parse()
	runtime.GOMAXPROCS(1) // as hadirector run

	var ticks atomic.Int64
	switch *mode {
	case "timer":
		go func() {
			t := time.NewTimer(*tick)
			for range t.C {
				ticks.Add(1)
				t.Reset(*tick)
			}
		}()
	case "timerfd":
		go func() {
			w := newFDWaiter()
			for {
				w.wait(*tick)
				ticks.Add(1)
			}
		}()
	default:
		fmt.Fprintln(os.Stderr, "wake: -mode is timer or timerfd")
		os.Exit(2)
	}
	// The main goroutine waits on timerfds too, so that in timerfd mode
	// the process has no runtime timer at all.
	w := newFDWaiter()
	w.wait(2 * time.Second)
	c0, s0 := cpu(), switches()
	w.wait(*window)
	c1, s1 := cpu(), switches()
	fmt.Printf("%s, %v tick, %v window: CPU %.3f %% of a core, %d wake-ups\n", *mode, *tick, *window, 100*float64(c1-c0)/float64(*window), ticks.Load())
	for tid, n := range s1 {
		fmt.Printf("  thread %s: %d voluntary context switches\n", tid, n-s0[tid])
	}
}

// fdWaiter is a timerfd in the netpoller, armed and read with raw
// syscalls.
type fdWaiter struct {
	rc syscall.RawConn
	fd int
}

func newFDWaiter() *fdWaiter {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		panic(err)
	}
	rc, err := os.NewFile(uintptr(fd), "timerfd").SyscallConn()
	if err != nil {
		panic(err)
	}
	return &fdWaiter{rc: rc, fd: fd}
}

// wait blocks the calling goroutine in the netpoller for d.
func (w *fdWaiter) wait(d time.Duration) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}
	unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(w.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0)
	var b [8]byte
	w.rc.Read(func(fd uintptr) bool {
		_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&b[0])), 8)
		return e != unix.EAGAIN
	})
}

func cpu() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		panic(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// switches returns each thread's voluntary context switches.
func switches() map[string]int {
	out := map[string]int{}
	ents, _ := os.ReadDir("/proc/self/task")
	for _, e := range ents {
		b, _ := os.ReadFile("/proc/self/task/" + e.Name() + "/status")
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "voluntary_ctxt_switches:"); ok {
				var n int
				fmt.Sscan(strings.TrimSpace(v), &n)
				out[e.Name()] = n
			}
		}
	}
	return out
}
