package main

import (
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// Runtime defaults for the daemon, each unless its environment variable is
// set. A director's steady state is a few timers and small packets and, in
// the advert paths, no garbage at all:
//
//   - GOMAXPROCS=1: one processor. With two, the runtime wakes an idle one
//     to spin on every timer and packet, which is most of an idle
//     director's CPU (bench/cost -napi, 1 instance at 100 ms, 10 s
//     windows: 0.7 % of a core with two, 0.2-0.4 % with one; 0.33 % over a
//     60 s window). bench/stress times the adverts no worse with one: in
//     two runs each, with two processes spinning on both cores and GOGC=1,
//     the worst |interval - 100 ms| was 25-26 ms against 78-85 ms.
//   - GOGC=25: the heap may grow a quarter over what is live, not double.
//     The collector then runs only when start-up, a reload or a status
//     request allocates, and the memory they leave goes back sooner.
//   - No memory profile (GODEBUG=memprofilerate=N keeps one): the daemon
//     serves none, and the runtime's sampling of start-up's allocations
//     costs resident memory, a page of its hash table per allocation
//     site it samples (about 100 KiB at one instance, 60 KiB more at a
//     thousand).
const (
	defaultProcs     = 1
	defaultGCPercent = 25
)

// tuneRuntime applies the defaults that the environment leaves open, and
// returns the processors and GC percent in force, for the start-up log.
func tuneRuntime() (procs, gcPercent int) {
	if os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(defaultProcs)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if !strings.Contains(os.Getenv("GODEBUG"), "memprofilerate=") {
		runtime.MemProfileRate = 0
	}
	gcPercent = debug.SetGCPercent(-1)
	debug.SetGCPercent(gcPercent)
	return runtime.GOMAXPROCS(0), gcPercent
}
