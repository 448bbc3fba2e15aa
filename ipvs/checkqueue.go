package ipvs

import (
	"container/heap"
	"hash/fnv"
	"time"
)

// checkQueue orders the probes waiting for their next check by due time: a
// min-heap, so that the scheduler finds the next due check and takes the
// due ones without looking at the others.
type checkQueue []*probe

func (q checkQueue) Len() int           { return len(q) }
func (q checkQueue) Less(i, j int) bool { return q[i].state.Due.Before(q[j].state.Due) }
func (q checkQueue) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *checkQueue) Push(x any) {
	p := x.(*probe)
	p.index = len(*q)
	*q = append(*q, p)
}
func (q *checkQueue) Pop() any {
	old := *q
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	p.index = -1
	return p
}

func (q *checkQueue) push(p *probe) { heap.Push(q, p) }

// remove takes p out of the queue if it is in it.
func (q *checkQueue) remove(p *probe) {
	if p.index >= 0 {
		heap.Remove(q, p.index)
	}
}

// popDue takes the earliest probe if it is due by until.
func (q *checkQueue) popDue(until time.Time) *probe {
	if len(*q) == 0 || (*q)[0].state.Due.After(until) {
		return nil
	}
	return heap.Pop(q).(*probe)
}

// phaseOf is where in its interval a real server's checks fall: a hash of
// its service and address, so that thousands of checks with one interval
// spread over it instead of firing together, and a server keeps its place
// across reloads.
func phaseOf(t target, interval time.Duration) time.Duration {
	if interval <= 0 {
		return 0
	}
	h := fnv.New64a()
	b, _ := t.real.MarshalBinary()
	h.Write(b)
	b, _ = t.svc.Addr.MarshalBinary()
	h.Write(b)
	h.Write([]byte{byte(t.svc.Proto), byte(t.svc.FWMark >> 24), byte(t.svc.FWMark >> 16), byte(t.svc.FWMark >> 8), byte(t.svc.FWMark)})
	return time.Duration(h.Sum64() % uint64(interval))
}
