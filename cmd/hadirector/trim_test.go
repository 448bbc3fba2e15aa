package main

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

// fakeTimer records what the trimmer asks of its timer; the test fires it.
type fakeTimer struct {
	d       time.Duration
	f       func()
	resets  int
	stopped bool
}

func (f *fakeTimer) Reset(d time.Duration) bool { f.d, f.stopped = d, false; f.resets++; return true }
func (f *fakeTimer) Stop() bool                 { f.stopped = true; return true }

// The trim waits for the quiet time after the last work: each Soon pushes
// it back; Stop cancels it.
func TestTrimmer(t *testing.T) {
	var ft *fakeTimer
	freed := 0
	tr := newTrimmer(6 * time.Second)
	tr.free = func() { freed++ }
	tr.newTimer = func(d time.Duration, f func()) timer {
		if ft != nil {
			t.Fatal("a second timer made; the first should be reset")
		}
		ft = &fakeTimer{d: d, f: f}
		return ft
	}
	tr.Soon()
	if ft == nil || ft.d != 6*time.Second {
		t.Fatalf("first work: timer %+v, want one of 6s", ft)
	}
	tr.Soon()
	tr.Soon()
	if ft.resets != 2 || ft.d != 6*time.Second {
		t.Fatalf("after two more: %d resets to %v, want 2 to 6s", ft.resets, ft.d)
	}
	ft.f()
	if freed != 1 {
		t.Fatalf("the timer fired and %d trims ran, want 1", freed)
	}
	tr.Stop()
	if !ft.stopped {
		t.Fatal("Stop left the timer running")
	}
	newTrimmer(time.Second).Stop() // before any work: harmless
}

// The real timer runs the real trim's stand-in.
func TestTrimmerFires(t *testing.T) {
	done := make(chan struct{})
	tr := newTrimmer(time.Millisecond)
	tr.free = func() { close(done) }
	tr.Soon()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("no trim")
	}
}

// trimObj is about an instance's size.
type trimObj struct {
	b [1100]byte
	p *trimObj
}

// BenchmarkTrimStall measures the trim on a heap like a 1000-instance
// director's just after start-up (3 MB live, three times that freed): how
// long it takes, and the longest another goroutine (the scheduler's, on
// the one processor hadirector runs with) waits meanwhile.
//
//	go test -run '^$' -bench TrimStall ./cmd/hadirector
func BenchmarkTrimStall(b *testing.B) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	defer debug.SetGCPercent(debug.SetGCPercent(defaultGCPercent))
	var live []*trimObj
	var worst, took time.Duration
	for range b.N {
		b.StopTimer()
		live = live[:0]
		var garbage []*trimObj
		for range 3000 {
			live = append(live, &trimObj{})
			for range 3 {
				garbage = append(garbage, &trimObj{})
			}
		}
		garbage = nil
		stop, gap := make(chan struct{}), make(chan time.Duration)
		go func() {
			var w time.Duration
			last := time.Now()
			for {
				select {
				case <-stop:
					gap <- w
					return
				default:
				}
				runtime.Gosched()
				now := time.Now()
				w = max(w, now.Sub(last))
				last = now
			}
		}()
		b.StartTimer()
		t0 := time.Now()
		newTrimmer(0).free()
		took = max(took, time.Since(t0))
		close(stop)
		worst = max(worst, <-gap)
	}
	runtime.KeepAlive(live)
	b.ReportMetric(float64(took.Microseconds()), "max-µs/trim")
	b.ReportMetric(float64(worst.Microseconds()), "max-stall-µs")
}
