package garp

import (
	"container/heap"
	"sync"
	"time"
)

// rounds runs the timed rounds of every Announcer of the process, one after
// another on one goroutine. A time.AfterFunc per announcer started a
// goroutine per round: a thousand VIPs taken over together were a thousand
// goroutines at each round of the burst, and their stacks stayed with the
// process until the next collection.
type rounds struct {
	mu      sync.Mutex
	q       dueQueue
	kick    chan struct{} // the earliest round changed
	started bool
}

var shared = &rounds{kick: make(chan struct{}, 1)}

// schedule queues a's next round at due, or moves it there.
func (r *rounds) schedule(a *Announcer, due time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	a.due = due
	if a.idx >= 0 {
		heap.Fix(&r.q, a.idx)
	} else {
		heap.Push(&r.q, a)
	}
	if !r.started {
		r.started = true
		go r.run()
	}
	if r.q[0] == a {
		select {
		case r.kick <- struct{}{}:
		default:
		}
	}
}

// cancel takes a out of the queue, if it is there.
func (r *rounds) cancel(a *Announcer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if a.idx >= 0 {
		heap.Remove(&r.q, a.idx)
	}
}

// queued is the number of announcers waiting for a round.
func (r *rounds) queued() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.q)
}

// run fires the rounds as they fall due, for the life of the process.
func (r *rounds) run() {
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
			<-r.kick
		default:
			t.Reset(wait)
			select {
			case <-t.C:
			case <-r.kick:
				t.Stop()
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
