package router

import (
	"errors"
	"net/netip"
)

// Outgoing is one encoded advert and its addresses.
type Outgoing struct {
	B        []byte
	Src, Dst netip.Addr
}

// BatchSender is a Sender that puts many adverts on the wire in one call
// (sendmmsg). SendBatch returns how many left, in order, before the first
// that failed, and that one's error.
type BatchSender interface {
	Sender
	SendBatch(msgs []Outgoing) (int, error)
}

// batch collects the adverts a scheduler round sends, per sender, and sends
// each sender's in one go; it counts and logs per instance.
type batch struct {
	// queues holds one queue per sender, in the order the round first
	// queued to each; those after n are emptied and kept for their
	// memory. A round has a sender per link, a handful: a slice searched
	// in order costs less per advert than a map hashing an interface.
	queues []senderQueue
	n      int
	msgs   []Outgoing  // scratch
	slow   []*Instance // instances with deferred actions, in order
}

type senderQueue struct {
	tx Sender
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
	out  Outgoing
}

func (b *batch) add(tx Sender, inst *Instance, o Outgoing) {
	k := b.queue(tx)
	sq := &b.queues[k]
	sq.q = append(sq.q, queued{inst, o})
	if len(sq.q) >= maxBatch {
		b.send(sq)
	}
}

// queue returns the index of tx's queue, making it the round's next if
// tx has none yet.
func (b *batch) queue(tx Sender) int {
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
	bs, ok := tx.(BatchSender)
	for len(q) > 0 {
		if !ok {
			q[0].inst.sent(tx.Send(q[0].out.B, q[0].out.Src, q[0].out.Dst))
			q = q[1:]
			continue
		}
		b.msgs = b.msgs[:0]
		for _, x := range q[:min(len(q), maxBatch)] {
			b.msgs = append(b.msgs, x.out)
		}
		n, err := bs.SendBatch(b.msgs)
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
