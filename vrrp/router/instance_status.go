package router

import (
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// ctlMsg is an operator's, a tracker's or a peer instance's request.
type ctlMsg struct {
	kind vrrp.EventKind
	dur  time.Duration
	prio uint8 // EvPriority
}

// StepDown asks a master to hand over make-before-break and then hold
// preemption until Resume. A non-master ignores it.
func (i *Instance) StepDown() { i.post(ctlMsg{kind: vrrp.EvStepDown}) }

// Resume lifts the preemption hold of a step-down.
func (i *Instance) Resume() { i.post(ctlMsg{kind: vrrp.EvResume}) }

// Ready tells the instance that its interface is up and carries traffic
// (startup_wait_traffic).
func (i *Instance) Ready() { i.post(ctlMsg{kind: vrrp.EvReady}) }

// Track hands the instance what its tracked objects say: a fault, or the
// effective priority (the configured one plus the weights that apply).
func (i *Instance) Track(faulted bool, prio uint8) {
	i.post(ctlMsg{kind: vrrp.EvPriority, prio: prio})
	if faulted {
		i.post(ctlMsg{kind: vrrp.EvFault})
	} else {
		i.post(ctlMsg{kind: vrrp.EvRecover})
	}
}

// Vanish simulates the loss of this router for a drill: it stops as a crash
// would (VIPs removed, no priority-0 advert), stays silent and deaf for d,
// then starts again.
func (i *Instance) Vanish(d time.Duration) { i.post(ctlMsg{kind: vrrp.EvVanish, dur: d}) }

// transition logs a state change and publishes it, stamped with when it
// is performed (a scheduler round's step time may precede that).
func (i *Instance) transition(a vrrp.Action) {
	m := i.m
	master := ""
	if m.Master.IsValid() {
		master = m.Master.String()
	}
	t := Transition{At: time.Now(), Instance: i.cfg.Name, VRID: i.cfg.VRID,
		From: a.From, To: a.To, Reason: a.Reason, Master: master}
	if i.deps.Events != nil {
		t = i.deps.Events.Publish(t)
	}
	i.log(slog.LevelInfo, "transition", "from", t.From.String(), "to", t.To.String(), "reason", t.Reason, "master", master, "seq", t.Seq)
	last := &lastTransition{seq: t.Seq, at: t.At.UnixNano(), reason: t.Reason, from: uint8(a.From), to: uint8(a.To)}
	if m.Master.IsValid() {
		last.master = m.Master.As16()
	}
	i.mu.Lock()
	i.last = last
	i.mu.Unlock()
}

// lastTransition is an instance's last Transition as kept for status, in
// a third of a Transition's size; its instance and VRID are the
// instance's own.
type lastTransition struct {
	seq      uint64
	at       int64 // Unix ns
	reason   string
	master   [16]byte // IPv4 as mapped; zero when no master was known
	from, to uint8    // State
}

func (l *lastTransition) transition(name string, vrid uint8) Transition {
	t := Transition{Seq: l.seq, At: time.Unix(0, l.at), Instance: name, VRID: vrid,
		From: vrrp.State(l.from), To: vrrp.State(l.to), Reason: l.reason}
	if l.master != [16]byte{} {
		t.Master = netip.AddrFrom16(l.master).Unmap().String()
	}
	return t
}

func (i *Instance) snapshot(m vrrp.Machine) {
	i.mu.Lock()
	i.master, i.hold, i.effective = [16]byte{}, m.Hold, m.Priority
	if m.Master.IsValid() {
		i.master = m.Master.As16()
	}
	if m.State == vrrp.Master && !m.ReleaseBy.IsZero() {
		i.effective = 0 // stepping down: the adverts say 0
	}
	i.mu.Unlock()
}

func (i *Instance) setHeld(held bool) {
	i.mu.Lock()
	i.vipsHeld = held
	i.mu.Unlock()
}

// hear remembers the sender of an advert for this VRID, accepted or not,
// heard at now.
func (i *Instance) hear(p vrrp.Packet, info vrrp.RecvInfo, err error, now time.Time) {
	sp := Speaker{Src: info.Src, Priority: p.Priority, Addrs: p.Addrs, LastHeard: now, Accepted: err == nil}
	if err != nil {
		if sp.Src == i.deps.Src {
			return // our own, looped back
		}
		if r, ok := vrrp.DropReason(err); ok {
			sp.Reason = r.String()
		}
	}
	i.speakers.heard(sp)
}

// Status is a snapshot of the instance for operators.
func (i *Instance) Status() Status {
	i.mu.Lock()
	defer i.mu.Unlock()
	st := Status{
		Name: i.cfg.Name, Interface: i.cfg.Interface, VRID: i.cfg.VRID, Version: i.cfg.Version,
		State: i.State(), Priority: i.cfg.Priority, Effective: i.effective,
		AdvertInterval: i.cfg.AdvertInterval, Hold: i.hold, VIPs: i.cfg.VIPs, VIPsHeld: i.vipsHeld,
		GARPs: i.Counters.GARPs.Load(), AdvertsIn: i.Counters.AdvertsIn.Load(),
		AdvertsOut: i.Counters.AdvertsOut.Load(), Transitions: i.Counters.Transitions.Load(),
		Drops: i.Counters.Drops(), AddrListMismatch: i.Counters.AddrListMismatch.Load(),
		Speakers: i.speakers.list(time.Now()),
	}
	if i.master != [16]byte{} {
		st.Master = netip.AddrFrom16(i.master).Unmap().String()
	}
	if i.last != nil {
		t := i.last.transition(i.cfg.Name, i.cfg.VRID)
		st.LastTransition = &t
	}
	return st
}
