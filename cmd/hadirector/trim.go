package main

import (
	"runtime/debug"
	"sync"
	"time"
)

// trimAfter is how long the daemon must be quiet (no transition, no
// control request, no reload) before it hands back the memory that the
// burst of work left behind. It outlasts the default GARP repeat (5 s), so
// that a takeover's whole schedule falls before it.
const trimAfter = 6 * time.Second

// trimmer returns freed memory to the kernel once a burst of work is
// over. Start-up, a takeover of a thousand instances or a status request
// for all of them leave a few megabytes of garbage; the runtime's own
// scavenger gives it back slowly and not all of it, and a director's
// steady state allocates nothing, so no collection comes to find it.
// bench/cost at 1000 instances: the master's heap mapping went from 6.2 to
// 4.4 MiB resident. A trim takes 2-3 ms and may hold the one processor for
// up to about 7 ms (BenchmarkTrimStall, the worst of some 500), once per
// quiet spell: within a master's advert slack, and a takeover deadline
// would have to fall in that instant to be late by it.
type trimmer struct {
	after    time.Duration
	free     func()
	newTimer func(time.Duration, func()) timer

	mu sync.Mutex
	t  timer
}

// timer is the part of *time.Timer the trimmer uses.
type timer interface {
	Reset(time.Duration) bool
	Stop() bool
}

func newTrimmer(after time.Duration) *trimmer {
	return &trimmer{after: after, free: debug.FreeOSMemory, newTimer: func(d time.Duration, f func()) timer { return time.AfterFunc(d, f) }}
}

// Soon notes work: the memory is handed back once Soon has not been called
// for the trimmer's quiet time.
func (t *trimmer) Soon() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.t == nil {
		t.t = t.newTimer(t.after, t.free)
		return
	}
	t.t.Reset(t.after)
}

// Stop cancels a pending trim.
func (t *trimmer) Stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.t != nil {
		t.t.Stop()
	}
}
