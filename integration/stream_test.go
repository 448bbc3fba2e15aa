package integration

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// stream keeps what a watcher receives, in order, and lets a test wait
// for an item: on the items, not on a clock.
type stream[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{} // closed and replaced on every item
}

func newStream[T any]() *stream[T] { return &stream[T]{changed: make(chan struct{})} }

func (s *stream[T]) add(v T) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items = append(s.items, v)
	close(s.changed)
	s.changed = make(chan struct{})
}

// mark is the index of the next item.
func (s *stream[T]) mark() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

// all is every item so far.
func (s *stream[T]) all() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.items)
}

// wait waits for an item at index >= from that match accepts, and returns
// it and the index after it; timeout bounds the wait.
func (s *stream[T]) wait(from int, timeout time.Duration, match func(T) bool) (T, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		s.mu.Lock()
		items, changed := s.items, s.changed
		s.mu.Unlock()
		for ; from < len(items); from++ {
			if match(items[from]) {
				return items[from], from + 1, nil
			}
		}
		select {
		case <-changed:
		case <-ctx.Done():
			var zero T
			return zero, from, fmt.Errorf("not within %v", timeout)
		}
	}
}
