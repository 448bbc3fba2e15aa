package vrrp

import (
	"context"
	"time"
)

// ctlMsg is an operator's request to the instance's loop.
type ctlMsg struct {
	kind EventKind
	dur  time.Duration
	prio uint8 // EvPriority
}

// StepDown asks a master to hand over make-before-break and then hold
// preemption until Resume. It returns at once; a non-master ignores it.
func (i *Instance) StepDown() { i.ctl <- ctlMsg{kind: EvStepDown} }

// Resume lifts the preemption hold of a step-down.
func (i *Instance) Resume() { i.ctl <- ctlMsg{kind: EvResume} }

// Ready tells the instance that its interface is up and carries traffic
// (startup_wait_traffic). It blocks until the loop takes it or ctx ends.
func (i *Instance) Ready(ctx context.Context) {
	select {
	case i.ctl <- ctlMsg{kind: EvReady}:
	case <-ctx.Done():
	}
}

// Track hands the instance what its tracked objects say: a fault, or the
// effective priority (the configured one plus the weights that apply).
// It blocks until the instance's loop takes it or ctx ends.
func (i *Instance) Track(ctx context.Context, faulted bool, prio uint8) {
	msgs := []ctlMsg{{kind: EvPriority, prio: prio}, {kind: EvRecover}}
	if faulted {
		msgs[1].kind = EvFault
	}
	for _, m := range msgs {
		select {
		case i.ctl <- m:
		case <-ctx.Done():
			return
		}
	}
}

// Vanish simulates the loss of this router for a drill: it stops as a crash
// would (VIPs removed, no priority-0 advert), stays silent and deaf for d,
// then starts again.
func (i *Instance) Vanish(d time.Duration) { i.ctl <- ctlMsg{kind: EvVanish, dur: d} }

// silence keeps a vanished instance quiet for d (or until ctx ends), then
// starts it again.
func (i *Instance) silence(ctx context.Context, m Machine, d time.Duration) Machine {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return m
		case <-i.in: // deaf: a lost router hears nothing
		case <-i.ctl:
		case <-t.C:
			return i.step(ctx, m, Event{Kind: EvStartup})
		}
	}
}

// transition logs a state change and publishes it.
func (i *Instance) transition(a Action, m Machine, now time.Time) {
	master := ""
	if m.Master.IsValid() {
		master = m.Master.String()
	}
	t := Transition{At: now, Instance: i.cfg.Name, VRID: i.cfg.VRID,
		From: a.From.String(), To: a.To.String(), Reason: a.Reason, Master: master}
	if i.deps.Events != nil {
		t = i.deps.Events.Publish(t)
	}
	i.log.Info("transition", "from", t.From, "to", t.To, "reason", t.Reason, "master", master, "seq", t.Seq)
	i.mu.Lock()
	i.last = &t
	i.mu.Unlock()
}

func (i *Instance) snapshot(m Machine) {
	i.mu.Lock()
	i.master, i.hold, i.effective = m.Master, m.Hold, m.Priority
	if m.State == Master && !m.ReleaseBy.IsZero() {
		i.effective = 0 // stepping down: the adverts say 0
	}
	i.mu.Unlock()
}

func (i *Instance) setHeld(held bool) {
	i.mu.Lock()
	i.vipsHeld = held
	i.mu.Unlock()
}

// hear remembers the sender of an advert for this VRID, accepted or not.
func (i *Instance) hear(r received, err error) {
	sp := Speaker{Src: r.info.Src, Priority: r.pkt.Priority, Addrs: r.pkt.Addrs, LastHeard: time.Now(), Accepted: err == nil}
	if err != nil {
		if sp.Src == i.deps.Src {
			return // our own, looped back
		}
		if r, ok := DropReason(err); ok {
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
		State: i.State().String(), Priority: i.cfg.Priority, Effective: i.effective,
		AdvertInterval: i.cfg.AdvertInterval, Hold: i.hold, VIPs: i.cfg.VIPs, VIPsHeld: i.vipsHeld,
		GARPs: i.Counters.GARPs.Load(), AdvertsIn: i.Counters.AdvertsIn.Load(),
		AdvertsOut: i.Counters.AdvertsOut.Load(), Transitions: i.Counters.Transitions.Load(),
		Drops: i.Counters.Drops(), Speakers: i.speakers.list(time.Now()),
	}
	if i.master.IsValid() {
		st.Master = i.master.String()
	}
	if i.last != nil {
		t := *i.last
		st.LastTransition = &t
	}
	return st
}
