package netio

import (
	"errors"
	"slices"
	"testing"
)

// takeAll is what w has queued, and whether the stream ended (and why).
func takeAll(t *testing.T, f *carrierFan, w *carrierWatcher) ([]carrierReport, bool, error) {
	t.Helper()
	select {
	case <-w.ready:
	default:
		return nil, false, nil // nothing signalled
	}
	return f.take(w)
}

// One stream reaches every watcher in its order; a late watcher first
// hears the last carrier of each interface; the last to leave says so, and
// an end reaches every watcher after what it had queued.
func TestCarrierFan(t *testing.T) {
	var f carrierFan
	a, first := f.join()
	if !first {
		t.Fatal("the first watcher was not told to start the stream")
	}
	if got, _, _ := takeAll(t, &f, a); got != nil {
		t.Fatalf("a watcher of a new stream has %v queued", got)
	}
	f.report("eth1", true)
	f.report("eth0", false)
	f.report("eth0", true) // a flap: each report counts
	b, first := f.join()
	if first {
		t.Fatal("a second watcher was told to start the stream again")
	}
	f.report("eth1", false)
	want := []carrierReport{{"eth1", true}, {"eth0", false}, {"eth0", true}, {"eth1", false}}
	if got, ended, _ := takeAll(t, &f, a); !slices.Equal(got, want) || ended {
		t.Errorf("the first watcher got %v (ended %v), want %v", got, ended, want)
	}
	// The late one: the last of each interface, by name, then the stream.
	want = []carrierReport{{"eth0", true}, {"eth1", true}, {"eth1", false}}
	if got, ended, _ := takeAll(t, &f, b); !slices.Equal(got, want) || ended {
		t.Errorf("the late watcher got %v (ended %v), want %v", got, ended, want)
	}
	if got, _, _ := takeAll(t, &f, a); got != nil {
		t.Errorf("taken reports came again: %v", got)
	}
	if f.leave(a) {
		t.Error("leaving with a watcher left said last")
	}
	f.report("eth0", false)
	if !f.leave(b) {
		t.Error("the last watcher's leave did not say last")
	}
	// A new stream starts afresh: no report of the old one is replayed.
	c, first := f.join()
	if !first {
		t.Fatal("a watcher after the last left was not told to start the stream")
	}
	if got, _, _ := takeAll(t, &f, c); got != nil {
		t.Errorf("a new stream's watcher got %v from the old stream", got)
	}
	d, _ := f.join()
	f.report("eth2", true)
	gone := errors.New("gone")
	f.end(gone)
	for _, w := range []*carrierWatcher{c, d} {
		got, ended, err := takeAll(t, &f, w)
		if !slices.Equal(got, []carrierReport{{"eth2", true}}) || !ended || err != gone {
			t.Errorf("at the end a watcher got %v, ended %v, %v; want its report, then the end", got, ended, err)
		}
	}
	if f.leave(c) || f.leave(d) {
		t.Error("a watcher the end removed said last on leaving")
	}
	if _, first := f.join(); !first {
		t.Error("after an end, a watcher was not told to start a new stream")
	}
}
