package garp

import (
	"container/heap"
	"context"
	"sync"
	"time"
)

// Rounds runs the timed rounds of the Announcers started on it, one after
// another on the goroutine that calls Run, so that a thousand VIPs taken
// over together do not start a goroutine each at every round. Its owner
// runs it for as long as announcers may be due; rounds that fall due while
// Run does not run wait for it.
type Rounds struct {
	mu   sync.Mutex
	q    dueQueue
	kick chan struct{} // the earliest round changed
}

// NewRounds makes an empty runner; Run runs it.
func NewRounds() *Rounds { return &Rounds{kick: make(chan struct{}, 1)} }

// schedule queues a's next round at due, or moves it there.
func (r *Rounds) schedule(a *Announcer, due time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a.due = due
	if a.idx >= 0 {
		heap.Fix(&r.q, a.idx)
	} else {
		heap.Push(&r.q, a)
	}
	if r.q[0] == a {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// cancel takes a out of the queue, if it is there.
func (r *Rounds) cancel(a *Announcer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.idx >= 0 {
		heap.Remove(&r.q, a.idx)
	}
}

// queued is the number of announcers waiting for a round.
func (r *Rounds) queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.q)
}

// Run fires the rounds as they fall due, until ctx ends.
func (r *Rounds) Run(ctx context.Context) {
	t := time.NewTimer(time.Hour)
	t.Stop()
	var due []*Announcer
	for {
		r.mu.Lock()
		now := time.Now()
		due = due[:0]
		for len(r.q) > 0 && !r.q[0].due.After(now) {
			due = append(due, heap.Pop(&r.q).(*Announcer))
		}
		wait := time.Duration(-1)
		if len(r.q) > 0 {
			wait = r.q[0].due.Sub(now)
		}
		r.mu.Unlock()
		for _, a := range due {
			a.fire() // may schedule a again
		}
		clear(due) // keep no stopped announcer alive
		switch {
		case len(due) > 0:
			// Look again: firing took time, and rescheduled.
		case wait < 0:
			select {
			case <-r.kick:
			case <-ctx.Done():
				return
			}
		default:
			t.Reset(wait)
			select {
			case <-t.C:
			case <-r.kick:
				t.Stop()
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
	}
}

// dueQueue is a min-heap of announcers by their next round.
type dueQueue []*Announcer

func (q dueQueue) Len() int           { return len(q) }
func (q dueQueue) Less(i, j int) bool { return q[i].due.Before(q[j].due) }
func (q dueQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].idx, q[j].idx = i, j
}
func (q *dueQueue) Push(x any) {
	a := x.(*Announcer)
	a.idx = len(*q)
	*q = append(*q, a)
}
func (q *dueQueue) Pop() any {
	old := *q
	a := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	a.idx = -1
	return a
}
