package router

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// instDeps are what an instance runs on; the instances of a link with one
// source address share them.
type instDeps struct {
	Link  Link       // adverts, VIPs and gratuitous ARP on the interface
	Src   netip.Addr // advert source and tie-break address
	Log   *slog.Logger
	Sched *Scheduler // fires the instance's timers and GARP rounds
	// Events, if set, receives every transition (status --watch, notify).
	Events *Events
}

// Instance runs one virtual router: it feeds the pure state machine with
// events and performs the actions it returns. It has no goroutine of its
// own: adverts come in on the interface's reader, timers fire on the
// scheduler's, operator and tracking requests on their callers'; the
// machine's lock orders them.
type Instance struct {
	cfg   InstanceConfig
	deps  *instDeps  // never written: a daemon's instances on a link share one
	sched schedEntry // guarded by the scheduler's lock

	mmu     sync.Mutex // guards the machine and what drives it
	m       vrrp.Machine
	live    atomic.Bool   // between start-up and shutdown, and not vanished
	state   atomic.Uint32 // State, for readers outside the loop
	started bool          // Start ran
	stopped bool          // shut down
	ended   bool          // end was called
	encPrio uint8         // the priority encBufs carry
	rare    *instRare     // guarded by mmu; made when first needed
	encBufs [][]byte      // the advert as last encoded, one per destination
	// deferred are the slow actions a scheduler round left for after its
	// batch; the machine they came from is still i.m, as any step
	// performs them first.
	deferred *[]vrrp.Action
	Counters Counters
	speakers speakers
	drops    atomic.Pointer[dropLog] // made at the first drop logged

	mu        sync.Mutex // guards the snapshot below, written under mmu
	last      *lastTransition
	master    [16]byte // the master's address (IPv4 as mapped); zero: none known
	hold      bool
	vipsHeld  bool
	effective uint8

	announcer *announcement // the GARP schedule running; guarded by mmu
}

// newInstance prepares an instance on d, which other instances may
// share; d.Log is set.
func newInstance(cfg InstanceConfig, d *instDeps) *Instance {
	i := &Instance{
		cfg:  cfg,
		deps: d,
	}
	i.sched = schedEntry{slot: -1, inst: i}
	return i
}

// The instance keeps only what its configuration and dependencies say, and
// derives the rest when it needs it: a director may run a thousand
// instances, and each one's memory is most of a director's.

// logger is the instance's logger, for what needs a *slog.Logger (its
// trackers): a logger kept per instance would cost a few hundred bytes.
func (i *Instance) logger() *slog.Logger {
	return i.deps.Log.With(i.attrs()...)
}

func (i *Instance) attrs() []any {
	return []any{"instance", i.cfg.Name, "vrid", i.cfg.VRID, "interface", i.cfg.Interface}
}

// log writes one line with the instance's attributes, and nothing, not
// even garbage, when the level is off: a thousand instances starting log
// a few thousand lines, and a logger made per line (With) formats the
// attributes for nothing.
func (i *Instance) log(level slog.Level, msg string, args ...any) {
	l := i.deps.Log
	if !l.Enabled(context.Background(), level) {
		return
	}
	l.Log(context.Background(), level, msg, append(i.attrs(), args...)...)
}

// instLog is an instance's logger for what logs warnings seldom (drops).
type instLog struct{ i *Instance }

func (l instLog) Warn(msg string, args ...any) { l.i.log(slog.LevelWarn, msg, args...) }

// expect is what the instance's adverts must match.
func (i *Instance) expect() vrrp.Expect {
	e := vrrp.Expect{
		Version:        uint8(i.cfg.Version),
		VRID:           i.cfg.VRID,
		AdvertInterval: i.cfg.AdvertInterval,
		VIPs:           i.cfg.VIPs,
		IPv6:           i.cfg.IPv6,
		Unicast:        len(i.cfg.UnicastPeers) > 0,
	}
	if i.cfg.Password != "" {
		e.AuthType = 1
		copy(e.Password[:], i.cfg.Password)
	}
	return e
}

// checksumForm is the VRRPv3 checksum form the instance sends and accepts;
// a nil instance (no instance for the VRID) has the default.
func (i *Instance) checksumForm() vrrp.ChecksumForm {
	if i != nil && i.cfg.V3ChecksumAsV2 && i.cfg.Version == 3 {
		return vrrp.ChecksumMessageOnly
	}
	return vrrp.ChecksumRFC5798
}

// multicast and multicast6 are the destination lists of an instance
// without unicast peers; shared and never written.
var (
	multicast  = []netip.Addr{vrrp.Group}
	multicast6 = []netip.Addr{vrrp.Group6}
)

// dsts are where the instance's adverts go.
func (i *Instance) dsts() []netip.Addr {
	if len(i.cfg.UnicastPeers) > 0 {
		return i.cfg.UnicastPeers
	}
	if i.cfg.IPv6 {
		return multicast6
	}
	return multicast
}

// now is the time on the instance's scheduler's clock.
func (i *Instance) now() time.Time { return i.deps.Sched.now() }

// Config is the instance's configuration.
func (i *Instance) Config() InstanceConfig { return i.cfg }

// State is the instance's current state.
func (i *Instance) State() vrrp.State { return vrrp.State(i.state.Load()) }

// onAdvert runs an advert for this VRID through the instance's checks and,
// if it passes, the state machine. The interface's reader calls it, with
// the time it read the advert (now) on the scheduler's clock.
func (i *Instance) onAdvert(p vrrp.Packet, info vrrp.RecvInfo, now time.Time) {
	if !i.live.Load() {
		return // starting, stopped, or a drill's lost router: deaf
	}
	mis, err := i.accepts(p, info)
	i.hear(p, info, err, now)
	if err != nil {
		i.drop(err, info.Src)
		return
	}
	if mis != vrrp.MismatchNone {
		i.mismatch(p, info.Src)
	}
	i.mmu.Lock()
	defer i.mmu.Unlock()
	if !i.live.Load() {
		return
	}
	i.Counters.AdvertsIn.Add(1)
	if i.deps.Log.Enabled(context.Background(), slog.LevelDebug) {
		i.log(slog.LevelDebug, "advert", "src", info.Src.String(), "priority", p.Priority, "state", i.m.State.String())
	}
	// The Master_Down_Timer starts when the advert arrived, not when the
	// reader got to it.
	i.apply(vrrp.Event{Kind: vrrp.EvAdvert, Src: info.Src, Priority: p.Priority, Interval: p.AdvertInterval}, arrival(info.Stamp, now), nil)
}

// fire delivers the scheduler's timer event. now is the round's time, not
// the moment this instance's turn comes: a round is one instant, so the
// masters a round makes (a thousand VIPs added one after another may take
// a while) all schedule their next advert from it and go on in one batch.
func (i *Instance) fire(now time.Time, out *batch) {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	if i.live.Load() {
		i.apply(vrrp.Event{Kind: vrrp.EvTimer}, now, out)
	}
}

// accepts applies the per-instance checks to an advert for this VRID. A
// unicast advert must come from a configured peer, with a TTL in that
// peer's range.
func (i *Instance) accepts(p vrrp.Packet, info vrrp.RecvInfo) (vrrp.Mismatch, error) {
	if info.Src == i.deps.Src {
		return 0, &vrrp.DropError{Reason: vrrp.ReasonOwn, Detail: "our own advert looped back"}
	}
	e := i.expect()
	if peers := i.cfg.UnicastPeers; len(peers) > 0 {
		k := slices.Index(peers, info.Src)
		if k < 0 {
			return 0, &vrrp.DropError{Reason: vrrp.ReasonNotPeer, Detail: info.Src.String() + " is not a configured unicast peer"}
		}
		if k < len(i.cfg.PeerTTLs) {
			e.TTL = i.cfg.PeerTTLs[k]
		}
	}
	return vrrp.AcceptFrom(p, info.Src, info.TTL, e)
}

func (i *Instance) params() vrrp.Params {
	return vrrp.Params{
		Version:        uint8(i.cfg.Version),
		Priority:       i.cfg.Priority,
		AdvertInterval: i.cfg.AdvertInterval,
		Preempt:        i.cfg.Preempt,
		PreemptDelay:   i.cfg.PreemptDelay,
		Primary:        i.deps.Src,
		StartupDelay:   i.cfg.StartupDelay,
		HoldAtStart:    i.cfg.HoldPreemptAtStart,
		StartupWait:    i.cfg.StartupWait,
		AdvertSlack:    vrrp.AdvertSlack(i.cfg.AdvertInterval),
	}
}

// doneChan makes the channel that closes once the instance has shut down;
// call it before the instance starts. A daemon ends most of its instances
// with end, and needs none.
func (i *Instance) doneChan() chan struct{} {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	r := i.rareFields()
	if r.done == nil {
		r.done = make(chan struct{})
	}
	return r.done
}

// instRare holds what few instances ever need, out of line: a director's
// thousand instances each save its bytes.
type instRare struct {
	pending  []ctlMsg      // requests made before Start, applied after start-up
	vanished *time.Timer   // a drill's loss: restarts the instance when it fires
	done     chan struct{} // see doneChan
	// resolving asks the unicast peers for their MACs after the carrier
	// returned (resolvePeers); guarded by mmu.
	resolving *announcement
	// stepDowns wait for the outcome of a step-down (StepDownWait).
	stepDowns []chan StepDownOutcome
}

// rareFields returns i.rare, making it if need be; i.mmu is held.
func (i *Instance) rareFields() *instRare {
	if i.rare == nil {
		i.rare = &instRare{}
	}
	return i.rare
}

// start starts the instance at now (a daemon starts its instances at one
// instant, so that those whose timers agree run in step from the first):
// the start-up step, then the requests made before it. end stops it.
func (i *Instance) start(now time.Time) {
	i.mmu.Lock()
	i.started = true
	i.m = vrrp.NewMachine(i.params())
	i.live.Store(true)
	i.apply(vrrp.Event{Kind: vrrp.EvStartup}, now, nil)
	i.m.HoldAtStart = false // a drill's restart is not a return: no new hold
	if i.rare != nil {
		pending := i.rare.pending
		i.rare.pending = nil
		for _, c := range pending {
			i.request(c)
		}
	}
	i.mmu.Unlock()
}

// end shuts down an instance that start started and closes its done
// channel, if it has one; only the first call does anything.
func (i *Instance) end() {
	i.mmu.Lock()
	ended := i.ended
	i.ended = true
	var done chan struct{}
	if i.rare != nil {
		done = i.rare.done
	}
	i.mmu.Unlock()
	if !ended {
		i.shutdown()
		if done != nil {
			close(done)
		}
	}
}

// shutdown stops the instance for good: priority 0, VIPs removed.
func (i *Instance) shutdown() {
	i.mmu.Lock()
	i.live.Store(false)
	i.stopped = true
	if i.rare != nil && i.rare.vanished != nil {
		i.rare.vanished.Stop()
	}
	i.apply(vrrp.Event{Kind: vrrp.EvShutdown}, i.now(), nil)
	i.stopAnnounce()
	if i.rare != nil && i.rare.resolving != nil {
		i.rare.resolving.stop(i.deps.Sched)
		i.rare.resolving = nil
	}
	i.mmu.Unlock()
	i.log(slog.LevelInfo, "instance stopped", "adverts_in", i.Counters.AdvertsIn.Load(),
		"adverts_out", i.Counters.AdvertsOut.Load(), "garps", i.Counters.GARPs.Load(),
		"drops", i.Counters.Drops())
}

// post applies an operator's or a tracker's request. Before Start it is
// kept for after start-up; after shutdown, and while a drill has the
// instance lost, it is dropped.
func (i *Instance) post(c ctlMsg) {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	switch {
	case !i.started:
		r := i.rareFields()
		r.pending = append(r.pending, c)
	case i.stopped || !i.live.Load():
	default:
		i.request(c)
	}
}

// request applies c; i.mmu is held.
func (i *Instance) request(c ctlMsg) {
	prev := i.m.Priority
	i.apply(vrrp.Event{Kind: c.kind, Priority: c.prio}, i.now(), nil)
	if i.m.Priority != prev {
		i.log(slog.LevelInfo, "effective priority", "priority", i.m.Priority, "was", prev, "configured", i.cfg.Priority)
	}
	if c.kind == vrrp.EvVanish {
		i.live.Store(false)
		i.rareFields().vanished = time.AfterFunc(c.dur, i.reappear)
	}
}

// reappear starts a vanished instance again.
func (i *Instance) reappear() {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	if i.stopped {
		return
	}
	i.rare.vanished = nil // the instance vanished: rare is made
	i.live.Store(true)
	i.apply(vrrp.Event{Kind: vrrp.EvStartup}, i.now(), nil)
}

// mismatch counts and logs a VRRPv3 advert, processed all the same, whose
// addresses are not the configured VIPs (RFC 5798 section 7.1).
func (i *Instance) mismatch(p vrrp.Packet, src netip.Addr) {
	i.Counters.AddrListMismatch.Add(1)
	i.dropLog().mismatch(instLog{i}, src, p.Addrs, i.cfg.VIPs, time.Now())
}

func (i *Instance) drop(err error, src netip.Addr) {
	r, ok := vrrp.DropReason(err)
	if !ok {
		return
	}
	i.Counters.Drop(r)
	if r != vrrp.ReasonOwn { // our own adverts loop back all the time
		i.dropLog().log(instLog{i}, r, src, err, time.Now())
	}
}

// apply runs the state machine on one event, performs its actions in order
// and schedules the next timer; i.mmu is held. In a scheduler round (out
// set) adverts go into the round's batch, and the slow actions (VIPs, GARP
// schedules) with all that follows them wait for the round's batch to have
// left: a thousand instances that become master together all advertise
// first, then add their VIPs. Whatever waits is done before the next event.
func (i *Instance) apply(ev vrrp.Event, now time.Time, out *batch) {
	i.finish()
	m, acts := vrrp.Step(i.m, ev, now)
	i.m = m
	for k, a := range acts {
		if out != nil && slow(a.Kind) {
			rest := slices.Clone(acts[k:])
			i.deferred = &rest // out of line: most instances have none
			out.later(i)
			break
		}
		i.perform(a, out)
	}
	i.snapshot(m)
	i.settleStepDowns(m)
	i.deps.Sched.setEntry(&i.sched, m.Deadline(), m.Slack())
}

// slow tells the actions that a scheduler round leaves for after its batch.
func slow(k vrrp.ActionKind) bool {
	switch k {
	case vrrp.ActAddVIPs, vrrp.ActRemoveVIPs, vrrp.ActAnnounce, vrrp.ActStopAnnounce:
		return true
	}
	return false
}

// finish performs the actions a scheduler round left; i.mmu is held.
func (i *Instance) finish() {
	if i.deferred == nil {
		return
	}
	acts := *i.deferred
	i.deferred = nil
	for _, a := range acts {
		i.perform(a, nil)
	}
}

// addVIPsEarly performs the VIP add that leads the actions a scheduler round
// left, before the round's adverts leave (see earlyVIPs).
func (i *Instance) addVIPsEarly() {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	if d := i.deferred; d != nil && len(*d) > 0 && (*d)[0].Kind == vrrp.ActAddVIPs {
		i.perform((*d)[0], nil)
		*d = (*d)[1:]
	}
}

// finishLocked is finish for the scheduler, which does not hold i.mmu.
func (i *Instance) finishLocked() {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	i.finish()
}

// perform carries out one action of a step on i.m; i.mmu is held.
func (i *Instance) perform(a vrrp.Action, out *batch) {
	switch a.Kind {
	case vrrp.ActTransition:
		i.state.Store(uint32(a.To))
		i.Counters.Transitions.Add(1)
		i.transition(a)
	case vrrp.ActSendAdvert:
		i.sendAdvert(a.Priority, out)
	case vrrp.ActAddVIPs:
		i.holdVIPs(true)
	case vrrp.ActRemoveVIPs:
		i.holdVIPs(false)
	case vrrp.ActAnnounce:
		i.announce(a.Heal)
	case vrrp.ActStopAnnounce:
		i.stopAnnounce()
	case vrrp.ActResolvePeers:
		i.resolvePeers()
	case vrrp.ActStayMaster:
		i.log(slog.LevelWarn, "step-down found no new master: staying master with the VIPs",
			"reason", a.Reason, "waited", vrrp.ReleaseBound(i.cfg.Version, i.cfg.AdvertInterval).String())
	}
}

// holdVIPs adds or removes the instance's VIPs and records which.
func (i *Instance) holdVIPs(add bool) {
	op, done, what := i.deps.Link.RemoveVIPs, "vips removed", "removing VIPs"
	if add {
		op, done, what = i.deps.Link.AddVIPs, "vips added", "adding VIPs"
	}
	if err := op(i.cfg.vipPrefixes()); err != nil {
		i.log(slog.LevelError, what, "err", err)
	} else {
		i.log(slog.LevelInfo, done, "vips", len(i.cfg.VIPs))
	}
	i.setHeld(add)
}

func (i *Instance) advert(prio uint8) vrrp.Packet {
	e := i.expect()
	p := vrrp.Packet{
		Version:        e.Version,
		Type:           1,
		VRID:           e.VRID,
		Priority:       prio,
		AdvertInterval: e.AdvertInterval,
		IPv6:           e.IPv6,
		Addrs:          e.VIPs,
		AuthType:       e.AuthType,
		Password:       e.Password,
	}
	return p
}

// encode returns the advert's bytes for prio, one per destination; they
// are kept until the priority changes.
func (i *Instance) encode(prio uint8) ([][]byte, error) {
	if i.encBufs != nil && i.encPrio == prio {
		return i.encBufs, nil
	}
	p := i.advert(prio)
	dsts := i.dsts()
	bufs := make([][]byte, len(dsts))
	for k, dst := range dsts {
		b, err := p.MarshalForm(i.deps.Src, dst, i.checksumForm())
		if err != nil {
			return nil, err
		}
		bufs[k] = b
	}
	i.encBufs, i.encPrio = bufs, prio
	return bufs, nil
}

func (i *Instance) sendAdvert(prio uint8, out *batch) {
	bufs, err := i.encode(prio)
	if err != nil {
		i.log(slog.LevelError, "encoding advert", "err", err)
		return
	}
	for k, dst := range i.dsts() {
		if out != nil {
			out.add(i.deps.Link, i, vrrp.Outgoing{B: bufs[k], Src: i.deps.Src, Dst: dst})
			continue
		}
		i.sent(i.deps.Link.Send(bufs[k], i.deps.Src, dst))
	}
}

// sent counts an advert that left, or logs why it did not.
func (i *Instance) sent(err error) {
	if err != nil {
		i.log(slog.LevelWarn, "sending advert", "err", err)
		return
	}
	i.Counters.AdvertsOut.Add(1)
}

// announce (re)starts the GARP schedule: the first burst now, the rest
// from the scheduler, so that neither their spacing nor their waits hold
// anything up.
// Every schedule has a round after GARPAfterGrace: whoever was master
// before us may keep the VIPs for its release grace after hearing us, and
// answer the gateway's ARP requests for them; our round comes after that.
func (i *Instance) announce(heal bool) {
	i.stopAnnounce()
	sch := i.cfg.GARP
	sch.Follow = vrrp.GARPAfterGrace
	if heal {
		sch.RepeatDelay = 2 * i.cfg.AdvertInterval
	}
	if a := i.startAnnouncement(countingSender{i.deps.Link, &i.Counters.GARPs}, i.cfg.VIPs, sch); a.live {
		i.announcer = a
	}
}

func (i *Instance) stopAnnounce() {
	if i.announcer != nil {
		i.announcer.stop(i.deps.Sched)
		i.announcer = nil
	}
}

// maxQueued bounds how far back an advert's arrival is put (see arrival):
// a wall clock stepped between the stamp and now must not move a timer by
// more.
const maxQueued = 10 * time.Millisecond

// arrival is when an advert stamped by the kernel at stamp (Unix ns, wall
// clock; 0: no stamp) arrived, seen from now: now, less the time it waited
// for the reader (a wake-up after an idle second, a batch ahead of it), at
// most maxQueued. Only the difference of two wall-clock readings a moment
// apart is used, so the result keeps now's monotonic reading.
func arrival(stamp int64, now time.Time) time.Time {
	if stamp == 0 {
		return now
	}
	age := time.Duration(now.UnixNano() - stamp)
	return now.Add(-min(max(age, 0), maxQueued))
}

// resolveSchedule is how the unicast peers are asked for their MACs once
// the carrier returns: four requests each, a quarter advert interval
// apart, and four more from four intervals on. Requests are lost while
// the link comes up (a switch port that is not forwarding yet); the next
// follows well before the kernel's own retry, a second later.
func resolveSchedule(interval time.Duration) garp.Schedule {
	return garp.Schedule{Count: 4, Spacing: interval / 4, RepeatDelay: 4 * interval}
}

// resolvePeers asks each unicast peer for its MAC, telling it ours. An
// entry that waits on a request lost while the link was down resolves on
// the reply, and the adverts queued on it leave then, where the kernel
// would retry only a second later; the peer's kernel learns our MAC from
// the request, so its adverts to us do not wait either. i.mmu is held.
func (i *Instance) resolvePeers() {
	if len(i.cfg.UnicastPeers) == 0 {
		return
	}
	if i.cfg.IPv6 {
		return // the peers are asked over ARP, which IPv6 has not
	}
	r := i.rareFields()
	if r.resolving != nil {
		r.resolving.stop(i.deps.Sched)
	}
	r.resolving = nil
	if a := i.startAnnouncement(peerAsker{i.deps.Link, i.deps.Src}, i.cfg.UnicastPeers, resolveSchedule(i.cfg.AdvertInterval)); a.live {
		r.resolving = a
	}
}
