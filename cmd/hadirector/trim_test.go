package main

import (
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
