package router

import (
	"context"
	"sync"
)

// Events numbers every transition of a daemon and hands them, in order, to
// each subscriber. Publishing never blocks: each subscriber has its own
// queue, so a slow consumer (a notify script, a status --watch) delays only
// itself and still sees every event in sequence.
type Events struct {
	mu   sync.Mutex
	seq  uint64
	subs map[*subscriber]struct{}
}

type subscriber struct {
	mu    sync.Mutex
	queue []Transition
	wake  chan struct{}
}

// Publish stamps t with the next sequence number and queues it for every
// subscriber.
func (e *Events) Publish(t Transition) Transition {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	t.Seq = e.seq
	for s := range e.subs {
		s.mu.Lock()
		s.queue = append(s.queue, t)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
	return t
}

// Subscribe delivers every transition published from now on to fn, in
// order, until ctx ends; what was published before ctx ended is still
// delivered. It returns at once, with a channel closed once the last fn
// has returned; fn runs in its own goroutine.
func (e *Events) Subscribe(ctx context.Context, fn func(Transition)) <-chan struct{} {
	s := &subscriber{wake: make(chan struct{}, 1)}
	done := make(chan struct{})
	e.mu.Lock()
	if e.subs == nil {
		e.subs = map[*subscriber]struct{}{}
	}
	e.subs[s] = struct{}{}
	e.mu.Unlock()
	go func() {
		defer close(done)
		drain := func() {
			s.mu.Lock()
			batch := s.queue
			s.queue = nil
			s.mu.Unlock()
			for _, t := range batch {
				fn(t)
			}
		}
		for {
			drain()
			select {
			case <-ctx.Done():
				e.mu.Lock()
				delete(e.subs, s)
				e.mu.Unlock()
				drain()
				return
			case <-s.wake:
			}
		}
	}()
	return done
}
