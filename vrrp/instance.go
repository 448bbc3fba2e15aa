package vrrp

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/garp"
)

// Sender puts an encoded advert on the wire; *Conn is the real one.
type Sender interface {
	Send(b []byte, src, dst netip.Addr) error
}

// Deps are the kernel effects an instance drives.
type Deps struct {
	Tx   Sender      // adverts
	VIPs VIPs        // addresses on the interface
	ARP  garp.Sender // gratuitous ARP on the interface
	Src  netip.Addr  // advert source and tie-break address
	Log  *slog.Logger
	// Events, if set, receives every transition (status --watch, notify).
	Events *Events
}

type received struct {
	pkt  Packet
	info RecvInfo
}

// Instance runs one virtual router: a goroutine feeds the pure state machine
// with adverts and timer events and performs the actions it returns.
type Instance struct {
	cfg    conf.Instance
	deps   Deps
	log    *slog.Logger
	expect Expect
	dsts   []netip.Addr
	in     chan received

	Counters Counters
	state    atomic.Uint32 // State, for readers outside the loop
	ctl      chan ctlMsg
	speakers speakers
	drops    dropLog

	mu        sync.Mutex // guards the snapshot below, written by the loop
	last      *Transition
	master    netip.Addr
	hold      bool
	vipsHeld  bool
	effective uint8

	announceStop context.CancelFunc
	announceWG   sync.WaitGroup
}

// inboxSize bounds the adverts queued for one instance; beyond it they are
// dropped and counted (a flood must not grow memory).
const inboxSize = 64

// NewInstance prepares an instance; Run starts it.
func NewInstance(cfg conf.Instance, d Deps) *Instance {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	i := &Instance{
		cfg:  cfg,
		deps: d,
		log:  d.Log.With("instance", cfg.Name, "vrid", cfg.VRID, "interface", cfg.Interface),
		in:   make(chan received, inboxSize),
		ctl:  make(chan ctlMsg, 4),
	}
	i.expect = Expect{
		Version:        uint8(cfg.Version),
		VRID:           cfg.VRID,
		AdvertInterval: cfg.AdvertInterval,
		VIPs:           cfg.VIPs,
	}
	if cfg.Password != "" {
		i.expect.AuthType = 1
		copy(i.expect.Password[:], cfg.Password)
	}
	i.dsts = []netip.Addr{Group}
	if len(cfg.UnicastPeers) > 0 {
		i.dsts = cfg.UnicastPeers
	}
	return i
}

// Config is the instance's configuration.
func (i *Instance) Config() conf.Instance { return i.cfg }

// State is the instance's current state.
func (i *Instance) State() State { return State(i.state.Load()) }

// deliver hands a decoded advert to the instance without ever blocking the
// interface's reader.
func (i *Instance) deliver(p Packet, info RecvInfo) {
	select {
	case i.in <- received{p, info}:
	default:
		i.Counters.Drop(ReasonOverload)
	}
}

// accepts applies the per-instance checks to an advert for this VRID.
func (i *Instance) accepts(p Packet, info RecvInfo) error {
	if info.Src == i.deps.Src {
		return &DropError{Reason: ReasonOwn, Detail: "our own advert looped back"}
	}
	if len(i.cfg.UnicastPeers) > 0 && !contains(i.cfg.UnicastPeers, info.Src) {
		return &DropError{Reason: ReasonNotPeer, Detail: info.Src.String() + " is not a configured unicast peer"}
	}
	return Accept(p, info.TTL, i.expect)
}

func contains(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func (i *Instance) params() Params {
	return Params{
		Version:        i.cfg.Version,
		Priority:       i.cfg.Priority,
		AdvertInterval: i.cfg.AdvertInterval,
		Preempt:        i.cfg.Preempt,
		PreemptDelay:   i.cfg.PreemptDelay,
		Primary:        i.deps.Src,
		StartupDelay:   i.cfg.StartupDelay,
		HoldAtStart:    i.cfg.HoldPreemptAtStart,
		StartupWait:    i.cfg.StartupWait,
	}
}

// Run starts in Backup (or Master for an owner) and runs until ctx ends; then
// it shuts down as RFC 5798 says (priority-0 advert, VIPs removed) and returns.
func (i *Instance) Run(ctx context.Context) {
	// A VIP left by a crashed run must go before we are Backup.
	if err := i.deps.VIPs.Remove(i.cfg.VIPs); err != nil {
		i.log.Error("removing stale VIPs", "err", err)
	}
	m := NewMachine(i.params())
	m = i.step(ctx, m, Event{Kind: EvStartup})
	m.HoldAtStart = false // a drill's restart is not a return: no new hold
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if d := m.NextDeadline(); d.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(time.Until(d))
		}
		select {
		case <-ctx.Done():
			i.step(context.Background(), m, Event{Kind: EvShutdown})
			i.stopAnnounce()
			i.log.Info("instance stopped", "adverts_in", i.Counters.AdvertsIn.Load(),
				"adverts_out", i.Counters.AdvertsOut.Load(), "garps", i.Counters.GARPs.Load(),
				"drops", i.Counters.Drops())
			return
		case c := <-i.ctl:
			prev := m.Priority
			m = i.step(ctx, m, Event{Kind: c.kind, Priority: c.prio})
			if m.Priority != prev {
				i.log.Info("effective priority", "priority", m.Priority, "was", prev, "configured", i.cfg.Priority)
			}
			if c.kind == EvVanish {
				m = i.silence(ctx, m, c.dur)
			}
		case r := <-i.in:
			err := i.accepts(r.pkt, r.info)
			i.hear(r, err)
			if err != nil {
				i.drop(err, r.info.Src)
				continue
			}
			i.Counters.AdvertsIn.Add(1)
			i.log.Debug("advert", "src", r.info.Src.String(), "priority", r.pkt.Priority, "state", m.State.String())
			m = i.step(ctx, m, Event{Kind: EvAdvert, Src: r.info.Src, Priority: r.pkt.Priority, Interval: r.pkt.AdvertInterval})
		case <-timer.C:
			m = i.step(ctx, m, Event{Kind: EvTimer})
		}
	}
}

func (i *Instance) drop(err error, src netip.Addr) {
	r, ok := DropReason(err)
	if !ok {
		return
	}
	i.Counters.Drop(r)
	if r != ReasonOwn { // our own adverts loop back all the time
		i.drops.log(i.log, r, src, err, time.Now())
	}
}

// step runs the state machine on one event and performs its actions in order.
func (i *Instance) step(ctx context.Context, m Machine, ev Event) Machine {
	now := time.Now()
	m, acts := Step(m, ev, now)
	defer i.snapshot(m)
	for _, a := range acts {
		switch a.Kind {
		case ActTransition:
			i.state.Store(uint32(a.To))
			i.Counters.Transitions.Add(1)
			i.transition(a, m, now)
		case ActSendAdvert:
			i.sendAdvert(a.Priority)
		case ActAddVIPs:
			if err := i.deps.VIPs.Add(i.cfg.VIPs); err != nil {
				i.log.Error("adding VIPs", "err", err)
			} else {
				i.log.Info("vips added", "vips", len(i.cfg.VIPs))
			}
			i.setHeld(true)
		case ActRemoveVIPs:
			if err := i.deps.VIPs.Remove(i.cfg.VIPs); err != nil {
				i.log.Error("removing VIPs", "err", err)
			} else {
				i.log.Info("vips removed", "vips", len(i.cfg.VIPs))
			}
			i.setHeld(false)
		case ActAnnounce:
			i.announce(ctx, a.Heal)
		case ActStopAnnounce:
			i.stopAnnounce()
		}
	}
	return m
}

func (i *Instance) advert(prio uint8) Packet {
	p := Packet{
		Version:        uint8(i.cfg.Version),
		Type:           1,
		VRID:           i.cfg.VRID,
		Priority:       prio,
		AdvertInterval: i.cfg.AdvertInterval,
		Addrs:          i.cfg.VIPs,
		AuthType:       i.expect.AuthType,
		Password:       i.expect.Password,
	}
	return p
}

func (i *Instance) sendAdvert(prio uint8) {
	p := i.advert(prio)
	for _, dst := range i.dsts {
		b, err := p.Marshal(i.deps.Src, dst)
		if err != nil {
			i.log.Error("encoding advert", "err", err)
			return
		}
		if err := i.deps.Tx.Send(b, i.deps.Src, dst); err != nil {
			i.log.Warn("sending advert", "err", err)
			continue
		}
		i.Counters.AdvertsOut.Add(1)
	}
}

// countingSender counts the gratuitous ARPs that left.
type countingSender struct {
	garp.Sender
	n *atomic.Uint64
}

func (c countingSender) Send(vip netip.Addr) error {
	err := c.Sender.Send(vip)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

// announce (re)starts the GARP schedule in its own goroutine, so bursts and
// their spacing never hold up the state machine.
func (i *Instance) announce(ctx context.Context, heal bool) {
	i.stopAnnounce()
	actx, cancel := context.WithCancel(ctx)
	i.announceStop = cancel
	g := i.cfg.GARP
	sch := garp.Schedule{Count: g.Count, Spacing: g.Spacing, RepeatDelay: g.RepeatDelay, Refresh: g.Refresh}
	if heal {
		sch.RepeatDelay = 2 * i.cfg.AdvertInterval
	}
	s := countingSender{i.deps.ARP, &i.Counters.GARPs}
	i.announceWG.Add(1)
	go func() {
		defer i.announceWG.Done()
		garp.Announce(actx, s, i.cfg.VIPs, sch, garp.WallClock{}, i.log)
	}()
}

func (i *Instance) stopAnnounce() {
	if i.announceStop != nil {
		i.announceStop()
		i.announceStop = nil
	}
	i.announceWG.Wait()
}
