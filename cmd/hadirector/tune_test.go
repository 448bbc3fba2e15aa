package main

import (
	"runtime"
	"runtime/debug"
	"testing"
)

// The daemon's runtime defaults apply only where the environment is silent.
func TestTuneRuntime(t *testing.T) {
	procs, gc, rate := runtime.GOMAXPROCS(0), debug.SetGCPercent(-1), runtime.MemProfileRate
	t.Cleanup(func() { runtime.GOMAXPROCS(procs); debug.SetGCPercent(gc); runtime.MemProfileRate = rate })
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

// The daemon keeps no memory profile unless GODEBUG asks for one.
func TestTuneRuntimeMemProfile(t *testing.T) {
	rate := runtime.MemProfileRate
	t.Cleanup(func() { runtime.MemProfileRate = rate })
	for _, c := range []struct {
		godebug string
		want    int
	}{{"", 0}, {"madvdontneed=1", 0}, {"memprofilerate=4096", 4096}} {
		runtime.MemProfileRate = 4096 // as GODEBUG=memprofilerate=4096 would leave it
		t.Setenv("GODEBUG", c.godebug)
		tuneRuntime()
		if runtime.MemProfileRate != c.want {
			t.Errorf("GODEBUG=%q: MemProfileRate %d, want %d", c.godebug, runtime.MemProfileRate, c.want)
		}
	}
}
