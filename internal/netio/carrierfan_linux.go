package netio

import (
	"maps"
	"slices"
	"sync"
)

// carrierFan hands one stream of carrier reports to every watcher joined
// to it, each in the stream's order. A watcher that joins late is told the
// last report of every interface first, as a subscription of its own
// would list the interfaces that exist. It holds no goroutine: the
// stream's reader calls report, each watcher takes its queue.
type carrierFan struct {
	mu       sync.Mutex
	last     map[string]bool // every interface's carrier as last reported
	watchers map[*carrierWatcher]struct{}
}

// carrierReport is one interface's carrier.
type carrierReport struct {
	name string
	up   bool
}

// carrierWatcher is one watcher's queue; its fields but ready are guarded
// by the fan's mu.
type carrierWatcher struct {
	ready chan struct{} // a report is queued, or the stream ended
	queue []carrierReport
	ended bool
	err   error // why the stream ended
}

// join adds a watcher, its queue holding the last reports; first says
// that no other watcher was joined, so the stream must be started.
func (f *carrierFan) join() (w *carrierWatcher, first bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.watchers == nil {
		f.watchers = map[*carrierWatcher]struct{}{}
		f.last = map[string]bool{}
	}
	first = len(f.watchers) == 0
	w = &carrierWatcher{ready: make(chan struct{}, 1)}
	for _, name := range slices.Sorted(maps.Keys(f.last)) {
		w.queue = append(w.queue, carrierReport{name, f.last[name]})
	}
	if len(w.queue) > 0 {
		w.ready <- struct{}{}
	}
	f.watchers[w] = struct{}{}
	return w, first
}

// leave removes w; last says that it was the last watcher, so the stream
// may stop. The reports kept for late joiners go with the last watcher:
// a new stream lists every interface anew.
func (f *carrierFan) leave(w *carrierWatcher) (last bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.watchers[w]; !ok {
		return false // ended with the stream
	}
	delete(f.watchers, w)
	if len(f.watchers) == 0 {
		clear(f.last)
		return true
	}
	return false
}

// report queues one interface's carrier for every watcher.
func (f *carrierFan) report(name string, up bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.last[name] = up
	for w := range f.watchers {
		w.queue = append(w.queue, carrierReport{name, up})
		select {
		case w.ready <- struct{}{}:
		default:
		}
	}
}

// end ends the stream for every watcher with err, after what they have
// queued; the fan is then empty, and the next join starts a new stream.
func (f *carrierFan) end(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for w := range f.watchers {
		w.ended, w.err = true, err
		select {
		case w.ready <- struct{}{}:
		default:
		}
	}
	clear(f.watchers)
	clear(f.last)
}

// take hands w its queued reports and whether the stream ended after
// them (and why).
func (f *carrierFan) take(w *carrierWatcher) (reports []carrierReport, ended bool, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	reports, w.queue = w.queue, nil
	return reports, w.ended, w.err
}
