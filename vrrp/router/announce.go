package router

import (
	"log/slog"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// announcement runs a garp.Schedule for an instance: its first round
// leaves at once, the others when the instance's scheduler fires the
// announcement's entry, beside the instances' advert deadlines. A
// thousand VIPs taken over together then start no goroutine and no timer
// of their own. Its fields are guarded by the instance's mmu, its entry by
// the scheduler's lock.
type announcement struct {
	entry  schedEntry // the next round's deadline
	send   garp.Sender
	addrs  []netip.Addr
	sch    garp.Schedule
	at     garp.Position // the round to send next
	start  time.Time     // of the first burst
	next   time.Time     // when the round at at is due
	logged bool          // an error of this burst was logged
	live   bool          // neither complete nor stopped
}

// startAnnouncement sends sch's first round for addrs through send, and
// queues the rest on the instance's scheduler; i.mmu is held.
func (i *Instance) startAnnouncement(send garp.Sender, addrs []netip.Addr, sch garp.Schedule) *announcement {
	a := &announcement{send: send, addrs: addrs, sch: sch, start: i.now(), live: true}
	a.entry = schedEntry{slot: -1, inst: i, ann: a}
	i.announceRound(a)
	return a
}

// stop ends the schedule: once it returns nothing more is sent, as the
// rounds run with the instance's mmu held, which its caller holds.
func (a *announcement) stop(s *Scheduler) {
	if a.live {
		a.live = false
		s.setEntry(&a.entry, 0, 0)
	}
}

// fireAnnouncement sends the round the scheduler found due at now, if the
// announcement still runs and the round is due (a round the scheduler
// took out as a restart queued the next is not).
func (i *Instance) fireAnnouncement(a *announcement, now time.Time) {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	i.finish() // what the round's machine steps left comes first
	if a.live && !now.Before(a.next) {
		i.announceRound(a)
	}
}

// announceRound sends the round at a.at and every round due with no wait
// after it, then queues the next on the scheduler; i.mmu is held.
func (i *Instance) announceRound(a *announcement) {
	for {
		if a.at.Round == 0 {
			a.logged = false
		}
		for _, v := range a.addrs {
			if err := a.send.Send(v); err != nil && !a.logged {
				i.log(slog.LevelWarn, "gratuitous ARP", "err", err)
				a.logged = true
			}
		}
		now := i.now()
		p, d, ok := a.sch.Next(a.at, now.Sub(a.start))
		if !ok {
			a.live = false
			if i.announcer == a {
				i.announcer = nil // complete: let it go
			}
			if i.rare != nil && i.rare.resolving == a {
				i.rare.resolving = nil
			}
			return
		}
		a.at = p
		if d > 0 {
			a.next = now.Add(d)
			i.deps.Sched.setEntry(&a.entry, vrrp.MonoOf(a.next), 0)
			return
		}
	}
}

// countingSender sends gratuitous ARPs on a link and counts those that
// left.
type countingSender struct {
	l Link
	n *atomic.Uint64
}

func (c countingSender) Send(vip netip.Addr) error {
	err := c.l.Announce(vip)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

// peerAsker is a garp.Sender whose "announcement" of an address is an ARP
// request for it, from src.
type peerAsker struct {
	l   Link
	src netip.Addr
}

func (p peerAsker) Send(peer netip.Addr) error { return p.l.Request(peer, p.src) }
