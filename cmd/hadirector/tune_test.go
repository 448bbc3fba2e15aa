package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// The daemon's runtime defaults apply only where the environment is silent.
func TestTuneRuntime(t *testing.T) {
	procs, gc := runtime.GOMAXPROCS(0), debug.SetGCPercent(-1)
	t.Cleanup(func() { runtime.GOMAXPROCS(procs); debug.SetGCPercent(gc) })
	debug.SetGCPercent(gc)
	cases := []struct {
		maxprocs, gogc string
		procs, gc      int
	}{
		{"", "", defaultProcs, defaultGCPercent},
		{"2", "", -1, defaultGCPercent}, // -1: whatever the runtime had
		{"", "80", defaultProcs, -1},
	}
	for _, c := range cases {
		runtime.GOMAXPROCS(2)
		debug.SetGCPercent(80)
		t.Setenv("GOMAXPROCS", c.maxprocs)
		t.Setenv("GOGC", c.gogc)
		p, g := tuneRuntime()
		wantP, wantG := c.procs, c.gc
		if wantP < 0 {
			wantP = 2
		}
		if wantG < 0 {
			wantG = 80
		}
		if p != wantP || g != wantG {
			t.Errorf("GOMAXPROCS=%q GOGC=%q: tuneRuntime = %d, %d; want %d, %d", c.maxprocs, c.gogc, p, g, wantP, wantG)
		}
		if got := runtime.GOMAXPROCS(0); got != wantP {
			t.Errorf("GOMAXPROCS=%q: the runtime has %d processors, want %d", c.maxprocs, got, wantP)
		}
	}
}
