package router

import (
	"errors"

	"github.com/hadirector/hadirector/vrrp"
)

// batch collects the adverts a scheduler round sends, per link, and sends
// each link's in one go (sendmmsg); it counts and logs per instance.
type batch struct {
	// queues holds one queue per link, in the order the round first
	// queued to each; those after n are emptied and kept for their
	// memory.
	queues []senderQueue
	n      int
	msgs   []vrrp.Outgoing // scratch
	slow   []*Instance     // instances with deferred actions, in order
}

type senderQueue struct {
	tx Link
	q  []queued
}

// later notes that inst has slow actions to finish after the batch.
func (b *batch) later(inst *Instance) { b.slow = append(b.slow, inst) }

// maxBatch bounds one sender's queue and one sendmmsg: a round of a
// thousand masters then costs a few calls rather than one, and the queue
// and the kernel's message headers stay a few kilobytes, not a few hundred.
const maxBatch = 64

type queued struct {
	inst *Instance
	out  vrrp.Outgoing
}

func (b *batch) add(tx Link, inst *Instance, o vrrp.Outgoing) {
	k := b.queue(tx)
	sq := &b.queues[k]
	sq.q = append(sq.q, queued{inst, o})
	if len(sq.q) >= maxBatch {
		b.send(sq)
	}
}

// queue returns the index of tx's queue, making it the round's next if
// tx has none yet.
func (b *batch) queue(tx Link) int {
	for k := range b.n {
		if b.queues[k].tx == tx {
			return k
		}
	}
	if b.n == len(b.queues) {
		b.queues = append(b.queues, senderQueue{})
	}
	b.queues[b.n].tx = tx
	b.n++
	return b.n - 1
}

var errNoProgress = errors.New("the batch send sent nothing and reported no error")

// flush sends what the round queued.
func (b *batch) flush() {
	for k := range b.n {
		b.send(&b.queues[k])
		b.queues[k].tx = nil
	}
	b.n = 0
	clear(b.msgs[:cap(b.msgs)])
}

// send sends sq's queue and empties it; sq stays in the round, as more may
// follow in this round.
func (b *batch) send(sq *senderQueue) {
	tx, q := sq.tx, sq.q
	for len(q) > 0 {
		b.msgs = b.msgs[:0]
		for _, x := range q[:min(len(q), maxBatch)] {
			b.msgs = append(b.msgs, x.out)
		}
		n, err := tx.SendBatch(b.msgs)
		if n == 0 && err == nil {
			err = errNoProgress
		}
		for _, x := range q[:n] {
			x.inst.sent(nil)
		}
		q = q[n:]
		if err != nil && len(q) > 0 {
			q[0].inst.sent(err) // skip the one that failed; the rest go on
			q = q[1:]
		}
	}
	clear(sq.q)
	sq.q = sq.q[:0]
}
