package vrrp

import (
	"net/netip"
	"time"
)

// State is a VRRP router state (RFC 5798 section 6.4).
type State uint32

// The three states of RFC 5798, and Fault: a tracked interface, script or
// file says this router must not serve; it holds no VIPs, sends no adverts
// and ignores what it hears (keepalived's FAULT).
const (
	Initialize State = iota
	Backup
	Master
	Fault
)

func (s State) String() string {
	switch s {
	case Initialize:
		return "INIT"
	case Backup:
		return "BACKUP"
	case Master:
		return "MASTER"
	case Fault:
		return "FAULT"
	}
	return "UNKNOWN"
}

// Params are the configured values the state machine runs with.
type Params struct {
	AdvertInterval time.Duration // what we send as master
	PreemptDelay   time.Duration // hold-off before preempting a lower-priority master
	Primary        netip.Addr    // our advert source, compared on equal priority
	// StartupDelay holds mastership off for this long after start-up: the
	// instance listens as Backup and cannot become master before, so that a
	// director whose network is not ready yet does not claim the VIPs.
	StartupDelay time.Duration
	// StartupWait holds mastership off at start-up until EvReady (the
	// interface is up and has carried traffic) or for at most this long.
	StartupWait time.Duration
	// AdvertSlack lets adverts leave a little early so that many instances
	// send in step: in one batch, with one wake-up. The driver may fire the
	// advert timer up to this much before its time (the next one then counts
	// from now), and each advert's successor is brought forward by up to
	// this much towards the advert grid (the multiples of the interval since
	// the Unix epoch), where every instance of that interval meets in the
	// end. No advert interval is shorter than the interval less twice the
	// slack. Zero sends every advert at its time.
	AdvertSlack time.Duration
	// The one-byte fields come last, together: a director keeps a machine
	// per instance, and padding between them would cost 16 bytes each
	// (Machine's flags sit by its State for the same reason).
	Version  uint8 // 2 or 3
	Priority uint8 // 1..255; 255 owns the addresses
	Preempt  bool
	// HoldAtStart starts the machine with Hold set: it does not preempt a
	// master until EvResume (the connection-sync fail-back hold lifts it
	// once the master's connections have reached us). It holds only
	// preemption: with no master heard, the machine takes over as usual.
	HoldAtStart bool
}

// Machine is the whole state of one virtual router. It is a value: Step
// returns a new one and never touches the outside world.
type Machine struct {
	Params
	State State
	// Released is set when the master announced priority 0, so the takeover it
	// triggers is reported as such.
	Released bool
	// Hold suppresses preemption after a step-down, until EvResume.
	Hold bool
	// GroupRelease marks a step-down made to follow a sync group.
	GroupRelease bool
	// Faulted is set by EvFault and cleared by EvRecover, in any state: a
	// machine started while faulted enters Fault, not Backup.
	Faulted bool
	// MasterAdverInterval is the interval learned from the master (v3) or the
	// configured one (v2, and before any advert was heard).
	MasterAdverInterval time.Duration
	MasterDownAt        Mono       // Backup: Master_Down_Timer expiry
	AdverAt             Mono       // Master: Adver_Timer expiry
	Master              netip.Addr // the current master as we know it (ourselves when Master)
	// PreemptSince is when a lower-priority master was first heard while a
	// preempt delay holds us back; zero when no delay is running.
	PreemptSince Mono
	// HealAt is when we last answered a lower-priority master (split brain):
	// GARPs are re-sent at most once per Master_Down_Interval.
	HealAt Mono
	// ReleaseBy is set while a master steps down make-before-break: it has
	// sent priority 0 but keeps the VIPs until it hears the new master or
	// this bound passes.
	ReleaseBy Mono
	// DropVIPsAt is set in Backup right after a handover to a master we
	// heard (a step-down, or yielding to a higher priority): the VIPs stay
	// until then, so that packets the gateway sent to our MAC before the
	// new master's GARP reached it are still answered.
	DropVIPsAt Mono
	// HoldOffUntil is start-up plus StartupDelay: no mastership before it.
	HoldOffUntil Mono
	// DelayUntil is start-up plus StartupDelay: EvReady ends the hold-off
	// no earlier.
	DelayUntil Mono
}

// ReleaseGrace is how long a master that hands over keeps its VIPs after
// hearing the new master: one advert interval, at most MaxReleaseGrace.
// The new master's GARPs leave with its first advert, so the gateway has
// moved by then; a shorter overlap loses the echoes already in flight to us.
func ReleaseGrace(interval time.Duration) time.Duration {
	return min(interval, MaxReleaseGrace)
}

// MaxReleaseGrace is the longest ReleaseGrace, whatever the interval.
const MaxReleaseGrace = 100 * time.Millisecond

// GARPAfterGrace is when a new master sends one more GARP round after its
// takeover: after the longest grace an old master may keep the VIPs (and
// answer the gateway's ARP requests for them), plus as much again for our
// advert to reach it and its removal to take effect. That round is then
// the last word the gateway hears, whatever it asked the old master in
// its grace.
const GARPAfterGrace = 2 * MaxReleaseGrace

// ReleaseBound is how long a master that steps down waits to hear a new
// master: the Master_Down_Interval of the lowest priority, 1. A backup
// takes over a Skew_Time after our priority-0 advert; by this bound even
// one that missed it has taken over on its Master_Down_Timer.
func ReleaseBound(version int, interval time.Duration) time.Duration {
	return MasterDownInterval(version, 1, interval)
}

// AdvertSlack is how early a master's advert may leave to join a batch:
// a twentieth of the interval (5 ms at 100 ms adverts). A backup's
// Master_Down_Interval is three intervals and more, so it never notices.
func AdvertSlack(interval time.Duration) time.Duration { return interval / 20 }

// EventKind says what happened.
type EventKind int

// Events fed to Step.
const (
	EvStartup     EventKind = iota // the instance starts
	EvShutdown                     // the instance stops
	EvAdvert                       // an accepted advert for our VRID arrived
	EvTimer                        // the deadline NextDeadline returned has passed
	EvStepDown                     // the operator asks a master to hand over (make-before-break)
	EvResume                       // the operator lifts the preemption hold of a step-down
	EvVanish                       // a drill simulates this router's loss: silent stop, no priority 0
	EvFault                        // tracking says: fault (leave service: priority 0, VIPs removed)
	EvRecover                      // tracking says: the fault is over (back to Backup)
	EvPriority                     // tracking changed the effective priority to Event.Priority
	EvGroupMaster                  // a sync-group peer instance became master: follow it
	EvGroupBackup                  // a sync-group peer instance left master for backup: follow it
	EvReady                        // the interface is up and has carried traffic (startup_wait_traffic)
	EvLinkUp                       // the interface regained carrier
)

// Event is one input to the state machine.
type Event struct {
	Kind     EventKind
	Src      netip.Addr    // EvAdvert: sender's address
	Priority uint8         // EvAdvert: sender's priority; EvPriority: our new effective priority
	Interval time.Duration // EvAdvert: sender's advert interval
}

// ActionKind names an effect the driver performs.
type ActionKind int

// Actions returned by Step, performed by the driver in order.
const (
	ActTransition   ActionKind = iota // log/count the change From -> To for Reason
	ActSendAdvert                     // send an advert with Priority
	ActAddVIPs                        // add the VIPs to the interface
	ActRemoveVIPs                     // remove the VIPs
	ActAnnounce                       // (re)start the gratuitous ARP schedule
	ActStopAnnounce                   // stop it
	ActResolvePeers                   // ask the unicast peers for their MACs, telling ours (carrier back)
	ActStayMaster                     // a step-down found no new master: stay master, say why (Reason)
)

func (k ActionKind) String() string {
	switch k {
	case ActTransition:
		return "transition"
	case ActSendAdvert:
		return "send-advert"
	case ActAddVIPs:
		return "add-vips"
	case ActRemoveVIPs:
		return "remove-vips"
	case ActAnnounce:
		return "announce"
	case ActStopAnnounce:
		return "stop-announce"
	case ActResolvePeers:
		return "resolve-peers"
	case ActStayMaster:
		return "stay-master"
	}
	return "unknown"
}

// Action is one effect of a step.
type Action struct {
	Kind     ActionKind
	Priority uint8  // ActSendAdvert
	From, To State  // ActTransition
	Reason   string // ActTransition, ActStayMaster
	// Heal marks an ActAnnounce that answers another master (a healed
	// split brain): its second burst comes two advert intervals later,
	// not after the repeat delay, so that it lands after any GARP a
	// yielding master sent in the same moment (a third master's heal).
	Heal bool
}

// Transition reasons, as logged.
const (
	ReasonOwnerStartup = "owner-startup"          // priority 255 starts as master
	ReasonStartup      = "startup"                // start as backup
	ReasonMasterDown   = "master-down"            // Master_Down_Timer expired
	ReasonReleased     = "master-released"        // master sent priority 0; we waited Skew_Time
	ReasonHigherPrio   = "higher-priority-advert" // a better master appeared
	ReasonTieBreak     = "tie-break"              // equal priority, higher primary address
	ReasonShutdown     = "shutdown"               // the instance stops
	ReasonStepDown     = "step-down"              // handed over on request; the new master was heard
	ReasonNoBackup     = "step-down-no-backup"    // asked to hand over, heard no new master by the bound: stays master
	ReasonVanish       = "drill-loss"             // a drill simulated our loss
	ReasonFault        = "fault"                  // a tracked interface, script or file failed
	ReasonRecovered    = "fault-cleared"          // every tracked object is good again
	ReasonSyncGroup    = "sync-group"             // another instance of the sync group changed state
)

// NewMachine returns a machine in Initialize.
func NewMachine(p Params) Machine {
	return Machine{Params: p, State: Initialize, MasterAdverInterval: p.AdvertInterval}
}

// SkewTime is Skew_Time for a priority: (256-priority)/256 of the master's
// advert interval in v3, of one second in v2 (RFC 3768 section 6.1).
func SkewTime(version int, prio uint8, masterInterval time.Duration) time.Duration {
	base := masterInterval
	if version == 2 {
		base = time.Second
	}
	return time.Duration(int64(256-int(prio)) * int64(base) / 256)
}

// MasterDownInterval is three master advert intervals plus Skew_Time.
func MasterDownInterval(version int, prio uint8, masterInterval time.Duration) time.Duration {
	return 3*masterInterval + SkewTime(version, prio, masterInterval)
}

// owner reports an address owner (priority 255; tracking never changes it).
func (m Machine) owner() bool { return m.Priority == 255 }

// preempts reports whether a backup takes over from a lower-priority
// master. The address owner always does, whatever preempt and any hold
// say (RFC 5798 6.1: it must not leave its own addresses to another
// router), and with no preempt delay.
func (m Machine) preempts() bool { return m.owner() || m.Preempt && !m.Hold }

// skew and downInterval are the machine's current values.
func (m Machine) skew() time.Duration {
	return SkewTime(int(m.Version), m.Priority, m.MasterAdverInterval)
}

func (m Machine) downInterval() time.Duration {
	return MasterDownInterval(int(m.Version), m.Priority, m.MasterAdverInterval)
}

// Slack is how early the driver may deliver EvTimer for NextDeadline: the
// advert slack for a master's next advert, none for any other timer.
func (m Machine) Slack() time.Duration {
	if m.State == Master && m.ReleaseBy.IsZero() {
		return m.AdvertSlack
	}
	return 0
}

// NextDeadline is when the driver must deliver EvTimer; zero means no timer.
func (m Machine) NextDeadline() time.Time { return m.Deadline().Time() }

// Deadline is NextDeadline as a Mono.
func (m Machine) Deadline() Mono {
	switch m.State {
	case Backup:
		if !m.DropVIPsAt.IsZero() && m.DropVIPsAt.Before(m.MasterDownAt) {
			return m.DropVIPsAt
		}
		return m.MasterDownAt
	case Master:
		if !m.ReleaseBy.IsZero() {
			return m.ReleaseBy
		}
		return m.AdverAt
	}
	return 0
}

// Step applies one event at time now and returns the new machine and the
// actions to perform, in order. It is pure.
func Step(m Machine, ev Event, at time.Time) (Machine, []Action) {
	now := MonoOf(at)
	switch ev.Kind {
	case EvResume:
		m.Hold = false
		return m, nil
	case EvVanish:
		if m.State == Initialize {
			return m, nil
		}
		return vanish(m)
	case EvPriority:
		// The owner's 255 is not for tracking to change; others stay in 1..254.
		if m.Params.Priority != 255 && ev.Priority >= 1 && ev.Priority <= 254 {
			m.Priority = ev.Priority
		}
		return m, nil
	case EvFault:
		return fault(m, now)
	case EvReady:
		// The interface is ready: the start-up hold-off ends now, and a
		// backup that heard no master takes over a Master_Down_Interval
		// from here, as after any start.
		if end := later(now, m.DelayUntil); end.Before(m.HoldOffUntil) {
			m.HoldOffUntil = end
			if m.State == Backup {
				if d := end.Add(m.downInterval()); d.Before(m.MasterDownAt) {
					m.MasterDownAt = d
				}
			}
		}
		return m, nil
	case EvLinkUp:
		// Our link was down: a backup may have taken over meanwhile and
		// moved the gateway to its MAC, and may be gone again before we
		// hear it. A master asserts itself at once and re-announces.
		// Master or backup, the neighbour entries that unicast adverts
		// need (ours for the peers, theirs for us) may wait on an ARP
		// request lost while the link was down, which the kernel retries
		// only a second later: the peers are asked at once.
		switch {
		case m.State == Master && m.ReleaseBy.IsZero():
			m.AdverAt = now.Add(m.AdvertInterval)
			m.HealAt = now
			return m, []Action{{Kind: ActResolvePeers}, {Kind: ActSendAdvert, Priority: m.Priority}, {Kind: ActAnnounce, Heal: true}}
		case m.State == Master || m.State == Backup:
			return m, []Action{{Kind: ActResolvePeers}}
		}
		return m, nil
	case EvGroupBackup:
		// A sync-group peer left master: hand over as a step-down does
		// (priority 0, VIPs kept until the new master is heard), then hold
		// preemption until the group goes master again (EvResume). The
		// address owner stays: it would preempt straight back.
		if m.State == Master && m.ReleaseBy.IsZero() && !m.owner() {
			m, acts := stepMaster(m, Event{Kind: EvStepDown}, now)
			m.GroupRelease = true
			return m, acts
		}
		return m, nil
	case EvRecover:
		m.Faulted = false
		if m.State == Fault {
			return becomeBackup(m, now, ReasonRecovered, netip.Addr{}, m.AdvertInterval)
		}
		return m, nil
	}
	switch m.State {
	case Initialize:
		if ev.Kind == EvStartup {
			return startup(m, now)
		}
	case Backup:
		return stepBackup(m, ev, now)
	case Master:
		return stepMaster(m, ev, now)
	case Fault:
		if ev.Kind == EvShutdown {
			return shutdown(m)
		}
	}
	return m, nil
}

// fault leaves service as a shutdown does (a master sends priority 0 so
// the backup takes over after its skew time) but stays in Fault, deaf,
// until EvRecover.
func fault(m Machine, now Mono) (Machine, []Action) {
	if m.State == Fault || m.State == Initialize {
		m.Faulted = true
		return m, nil
	}
	from := m.State
	m, stop := shutdown(m)
	// The transition first, as on every other change of state.
	acts := []Action{{Kind: ActTransition, From: from, To: Fault, Reason: ReasonFault}}
	for _, a := range stop {
		if a.Kind != ActTransition {
			acts = append(acts, a)
		}
	}
	m.State = Fault
	m.Faulted = true
	return m, acts
}

func startup(m Machine, now Mono) (Machine, []Action) {
	m.Hold = m.HoldAtStart
	if m.Faulted {
		m.State = Fault
		return m, []Action{{Kind: ActTransition, From: Initialize, To: Fault, Reason: ReasonFault}}
	}
	if m.StartupDelay > 0 || m.StartupWait > 0 {
		m.DelayUntil = now.Add(m.StartupDelay)
		m.HoldOffUntil = now.Add(max(m.StartupDelay, m.StartupWait))
	} else if m.Priority == 255 {
		return becomeMaster(m, now, ReasonOwnerStartup)
	}
	m, acts := becomeBackup(m, now, ReasonStartup, netip.Addr{}, m.AdvertInterval)
	if m.MasterDownAt.Before(m.HoldOffUntil) {
		m.MasterDownAt = m.HoldOffUntil
	}
	return m, acts
}

func becomeMaster(m Machine, now Mono, reason string) (Machine, []Action) {
	from := m.State
	m.State = Master
	m.Master = m.Primary
	m.AdverAt = now.Add(m.AdvertInterval)
	m.MasterDownAt = 0
	m.Released = false
	m.PreemptSince = 0
	m.HealAt = now // the GARPs below are fresh
	m.ReleaseBy = 0
	m.DropVIPsAt = 0 // still held after a step-down: the add is a no-op
	return m, []Action{
		{Kind: ActTransition, From: from, To: Master, Reason: reason},
		{Kind: ActSendAdvert, Priority: m.Priority},
		{Kind: ActAddVIPs},
		{Kind: ActAnnounce},
	}
}

// becomeBackup enters Backup with the given master and its interval.
func becomeBackup(m Machine, now Mono, reason string, master netip.Addr, interval time.Duration) (Machine, []Action) {
	from := m.State
	var acts []Action
	acts = append(acts, Action{Kind: ActTransition, From: from, To: Backup, Reason: reason})
	if from == Master {
		acts = append(acts, Action{Kind: ActStopAnnounce}, Action{Kind: ActRemoveVIPs})
	}
	m.State = Backup
	m.GroupRelease = false
	m.Master = master
	m.MasterAdverInterval = m.learn(interval)
	m.MasterDownAt = now.Add(m.downInterval())
	m.AdverAt = 0
	m.ReleaseBy = 0
	m.Released = false
	m.PreemptSince = 0
	return m, acts
}

// learn returns the master advert interval to use after hearing interval:
// v3 learns it from the master (RFC 5798 6.4.2), v2 keeps its own.
func (m Machine) learn(interval time.Duration) time.Duration {
	if m.Version == 3 && interval > 0 {
		return interval
	}
	return m.AdvertInterval
}

func shutdown(m Machine) (Machine, []Action) {
	from := m.State
	var acts []Action
	if from == Master {
		acts = append(acts,
			Action{Kind: ActStopAnnounce},
			Action{Kind: ActSendAdvert, Priority: 0},
			Action{Kind: ActRemoveVIPs})
	}
	if from == Backup && !m.DropVIPsAt.IsZero() {
		acts = append(acts, Action{Kind: ActRemoveVIPs})
	}
	acts = append(acts, Action{Kind: ActTransition, From: from, To: Initialize, Reason: ReasonShutdown})
	m.State = Initialize
	m.DropVIPsAt = 0
	m.MasterDownAt, m.AdverAt, m.ReleaseBy = 0, 0, 0
	m.Hold = false
	m.Master = netip.Addr{}
	m.Released = false
	m.PreemptSince = 0
	return m, acts
}

func stepBackup(m Machine, ev Event, now Mono) (Machine, []Action) {
	switch ev.Kind {
	case EvShutdown:
		return shutdown(m)
	case EvTimer:
		var acts []Action
		if !m.DropVIPsAt.IsZero() && !now.Before(m.DropVIPsAt) {
			m.DropVIPsAt = 0
			acts = append(acts, Action{Kind: ActRemoveVIPs})
		}
		if now.Before(m.MasterDownAt) {
			return m, acts
		}
		if now.Before(m.HoldOffUntil) { // the start-up delay still runs
			m.MasterDownAt = m.HoldOffUntil
			return m, acts
		}
		reason := ReasonMasterDown
		if m.Released {
			reason = ReasonReleased
		}
		return becomeMaster(m, now, reason)
	case EvAdvert:
		if ev.Priority == 0 {
			// The master is leaving: take over after Skew_Time.
			m.MasterDownAt = now.Add(m.skew())
			m.Released = true
			return m, nil
		}
		if ev.Priority < m.Priority && m.preempts() {
			// A lower-priority master and we preempt: ignore it, so that
			// the Master_Down_Timer runs out and we take over; unless a
			// preempt delay, counted from the first such advert, still runs.
			if m.PreemptDelay <= 0 || m.owner() {
				return m, nil
			}
			if m.PreemptSince.IsZero() {
				m.PreemptSince = now
			}
			if !now.Before(m.PreemptSince.Add(m.PreemptDelay)) {
				return m, nil
			}
		} else {
			m.PreemptSince = 0
		}
		m.MasterAdverInterval = m.learn(ev.Interval)
		m.MasterDownAt = now.Add(m.downInterval())
		m.Master = ev.Src
		m.Released = false
		return m, nil
	}
	return m, nil
}

func stepMaster(m Machine, ev Event, now Mono) (Machine, []Action) {
	if !m.ReleaseBy.IsZero() {
		return stepReleasing(m, ev, now)
	}
	switch ev.Kind {
	case EvShutdown:
		return shutdown(m)
	case EvStepDown:
		// Make-before-break: priority 0 lets a backup in after its skew
		// time; we keep the VIPs until we hear it (or the bound passes), so
		// the VIP is always answered. The address owner does not hand
		// over: it would preempt straight back (see preempts).
		if m.owner() {
			return m, nil
		}
		m.ReleaseBy = now.Add(ReleaseBound(int(m.Version), m.AdvertInterval))
		m.AdverAt = 0
		m.Hold = true
		return m, []Action{{Kind: ActSendAdvert, Priority: 0}}
	case EvTimer:
		if now.Before(m.AdverAt) {
			if m.AdverAt.Sub(now) > m.AdvertSlack {
				return m, nil
			}
			m.AdverAt = m.towardGrid(now.Add(m.AdvertInterval)) // early: join the batch's phase
			return m, advertOnly(m.Priority)
		}
		next := m.AdverAt.Add(m.AdvertInterval)
		if !next.After(now) {
			next = now.Add(m.AdvertInterval) // we stalled; do not burst to catch up
		}
		m.AdverAt = m.towardGrid(next)
		return m, advertOnly(m.Priority)
	case EvAdvert:
		if ev.Priority == 0 {
			// Another master left (we were two: a partition that healed a
			// moment ago): assert ourselves at once, and re-announce, for
			// the gateway may have its MAC from its GARPs (at most once
			// per Master_Down_Interval, as any heal).
			m.AdverAt = now.Add(m.AdvertInterval)
			acts := []Action{{Kind: ActSendAdvert, Priority: m.Priority}}
			if m.HealAt.IsZero() || !now.Before(m.HealAt.Add(MasterDownInterval(int(m.Version), m.Priority, m.AdvertInterval))) {
				m.HealAt = now
				acts = append(acts, Action{Kind: ActAnnounce, Heal: true})
			}
			return m, acts
		}
		if ev.Priority > m.Priority || ev.Priority == m.Priority && addrGreater(ev.Src, m.Primary) {
			reason := ReasonHigherPrio
			if ev.Priority == m.Priority {
				reason = ReasonTieBreak
			}
			m, acts := becomeBackup(m, now, reason, ev.Src, ev.Interval)
			// Make-before-break, as after a step-down: the winner's GARPs
			// leave right after the advert we just heard, and until they
			// reach the gateway it still sends the VIP's traffic to us.
			m, acts = keepVIPs(m, acts, now)
			// One last advert at our priority tells the winner that two
			// masters met (a healed partition): it answers and re-sends
			// its GARPs, so the gateway ends on the winner's MAC even when
			// it last heard ours.
			return m, append(acts, Action{Kind: ActSendAdvert, Priority: m.Priority})
		}
		// A lower-priority master (split brain healing, or a peer that has
		// not yet heard us): answer at once so it yields, and refresh the
		// gateway's ARP cache, at most once per Master_Down_Interval.
		m.AdverAt = now.Add(m.AdvertInterval)
		acts := []Action{{Kind: ActSendAdvert, Priority: m.Priority}}
		if m.HealAt.IsZero() || !now.Before(m.HealAt.Add(MasterDownInterval(int(m.Version), m.Priority, m.AdvertInterval))) {
			m.HealAt = now
			acts = append(acts, Action{Kind: ActAnnounce, Heal: true})
		}
		return m, acts
	}
	return m, nil
}

// towardGrid brings an advert time forward by up to the slack towards the
// advert grid, the multiples of the interval since the Unix epoch.
func (m Machine) towardGrid(t Mono) Mono {
	if m.AdvertSlack <= 0 || m.AdvertInterval <= 0 {
		return t
	}
	off := time.Duration(t.UnixNano() % int64(m.AdvertInterval))
	if off < 0 {
		off += m.AdvertInterval
	}
	return t.Add(-min(off, m.AdvertSlack))
}

func later(a, b Mono) Mono {
	if b.After(a) {
		return b
	}
	return a
}

// addrGreater compares IPv4 addresses as unsigned integers (RFC 5798 6.4.3).
func addrGreater(a, b netip.Addr) bool { return a.Compare(b) > 0 }

// stepReleasing handles a master that has sent priority 0 on a step-down and
// waits for the new master before dropping its VIPs.
func stepReleasing(m Machine, ev Event, now Mono) (Machine, []Action) {
	switch ev.Kind {
	case EvShutdown:
		return shutdown(m)
	case EvAdvert:
		if ev.Priority == 0 {
			return m, nil
		}
		// Handed over: keep the VIPs for the grace period (make-before-break).
		reason := ReasonStepDown
		if m.GroupRelease {
			reason = ReasonSyncGroup
		}
		m, acts := becomeBackup(m, now, reason, ev.Src, ev.Interval)
		return keepVIPs(m, acts, now)
	case EvTimer:
		if now.Before(m.ReleaseBy) {
			return m, nil
		}
		// Nobody took over: leaving now would leave the VIPs unanswered
		// until our own Master_Down_Timer. Stay master with the VIPs we
		// kept, advertise at our priority again at once, and lift the
		// step-down's hold, for there is no new master to hold back from.
		m.ReleaseBy = 0
		m.Hold = false
		m.GroupRelease = false
		m.AdverAt = now.Add(m.AdvertInterval)
		return m, []Action{
			{Kind: ActStayMaster, Reason: ReasonNoBackup},
			{Kind: ActSendAdvert, Priority: m.Priority},
		}
	}
	return m, nil
}

// keepVIPs takes the VIP removal out of a master's handover to a new
// master it has heard, and schedules it ReleaseGrace later: the VIPs are
// answered here until the new master's GARPs have moved the gateway.
func keepVIPs(m Machine, acts []Action, now Mono) (Machine, []Action) {
	out := acts[:0]
	for _, a := range acts {
		if a.Kind != ActRemoveVIPs {
			out = append(out, a)
		}
	}
	m.DropVIPsAt = now.Add(ReleaseGrace(m.AdvertInterval))
	return m, out
}

// vanish stops the router as a crash would: no priority-0 advert, so the
// others take over only when their Master_Down_Timer runs out.
func vanish(m Machine) (Machine, []Action) {
	m, acts := shutdown(m)
	out := acts[:0]
	for _, a := range acts {
		switch {
		case a.Kind == ActSendAdvert:
			continue
		case a.Kind == ActTransition:
			a.Reason = ReasonVanish
		}
		out = append(out, a)
	}
	return m, out
}
