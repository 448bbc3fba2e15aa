package vrrp

import (
	"errors"
	"net/netip"
	"slices"
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
	order []Sender
	by    map[Sender][]queued
	msgs  []Outgoing  // scratch
	slow  []*Instance // instances with deferred actions, in order
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
	if b.by == nil {
		b.by = map[Sender][]queued{}
	}
	if !slices.Contains(b.order, tx) {
		b.order = append(b.order, tx)
	}
	q := b.by[tx]
	q = append(q, queued{inst, o})
	b.by[tx] = q
	if len(q) >= maxBatch {
		b.send(tx)
	}
}

var errNoProgress = errors.New("the batch send sent nothing and reported no error")

// flush sends what the round queued.
func (b *batch) flush() {
	for _, tx := range b.order {
		b.send(tx)
	}
	b.order = b.order[:0]
	clear(b.msgs[:cap(b.msgs)])
}

// send sends tx's queue and empties it; tx stays in the order, as more may
// follow in this round.
func (b *batch) send(tx Sender) {
	q := b.by[tx]
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
	clear(b.by[tx])
	b.by[tx] = b.by[tx][:0]
}
