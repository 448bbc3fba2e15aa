package announce

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// Speaker originates and withdraws VIP host routes (*bgp.Speaker).
type Speaker interface {
	Announce(vip netip.Addr) error
	Withdraw(vip netip.Addr) error
}

// Group is one BGP instance of the configuration: VIPs announced on the
// same conditions.
type Group struct {
	Name  string
	VIPs  []netip.Addr
	MinUp int
}

// Sources read the inputs the Announcer does not hold itself.
type Sources struct {
	// OnHost reports whether vip is an address of the host.
	OnHost func(vip netip.Addr) bool
	// Services lists vip's IPVS services with their real servers up; nil
	// means none.
	Services func(vip netip.Addr) []ServiceUp
}

// VIPStatus is one VIP's announcement, for status and metrics.
type VIPStatus struct {
	Instance  string     `json:"instance"`
	VIP       netip.Addr `json:"vip"`
	Announced bool       `json:"announced"`
	Reason    string     `json:"reason"`
	Since     time.Time  `json:"since"`
}

// retry is how soon a speaker operation that failed is tried again.
const retry = time.Second

// Announcer steps every VIP whenever an input changes and tells the
// Speaker what changed. Its methods are safe for concurrent use.
type Announcer struct {
	groups []Group
	src    Sources
	sp     Speaker
	delay  time.Duration
	clk    clock.Clock
	log    *slog.Logger
	kick   chan struct{}

	mu       sync.Mutex
	fault    map[string]string // by group: why tracking fails
	drained  bool
	stopping bool
	st       map[netip.Addr]State
}

// New returns an Announcer of groups; nothing is announced until Run or
// Evaluate. delay is how long a VIP must be fit before it is announced.
func New(groups []Group, src Sources, sp Speaker, delay time.Duration, clk clock.Clock, log *slog.Logger) *Announcer {
	if clk == nil {
		clk = clock.System{}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Announcer{groups: groups, src: src, sp: sp, delay: delay, clk: clk, log: log,
		kick: make(chan struct{}, 1), fault: map[string]string{}, st: map[netip.Addr]State{}}
}

// Changed tells the Announcer that an input of Sources changed; Run steps
// every VIP soon after.
func (a *Announcer) Changed() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// SetFault sets why group's tracking fails ("" once it is good again) and
// steps at once.
func (a *Announcer) SetFault(group, why string) {
	a.mu.Lock()
	a.fault[group] = why
	a.mu.Unlock()
	a.Evaluate()
}

// SetDrained drains (withdraws every VIP, as for planned work) or
// undrains the director, and steps at once: when it returns, the speaker
// has been told.
func (a *Announcer) SetDrained(on bool) {
	a.mu.Lock()
	a.drained = on
	a.mu.Unlock()
	a.Evaluate()
}

// Drained reports whether the director is drained.
func (a *Announcer) Drained() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.drained
}

// Stop withdraws every VIP for good (the daemon is stopping); when it
// returns, the speaker has been told.
func (a *Announcer) Stop() {
	a.mu.Lock()
	a.stopping = true
	a.mu.Unlock()
	a.Evaluate()
}

// Run steps every VIP at once, then whenever Changed is called or a step
// asked to be woken, until ctx ends. It does not withdraw at the end:
// Stop does.
func (a *Announcer) Run(ctx context.Context) {
	for {
		wake := a.Evaluate()
		var timer <-chan time.Time
		if !wake.IsZero() {
			timer = a.clk.After(wake.Sub(a.clk.Now()))
		}
		select {
		case <-ctx.Done():
			return
		case <-a.kick:
		case <-timer:
		}
	}
}

// Evaluate steps every VIP now, tells the speaker what changed, and
// returns when to step again though nothing changes (zero: no need).
func (a *Announcer) Evaluate() time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.clk.Now()
	var wake time.Time
	for _, g := range a.groups {
		for _, vip := range g.VIPs {
			in := Inputs{MinUp: g.MinUp, Fault: a.fault[g.Name], Drained: a.drained, Stopping: a.stopping}
			if !a.stopping && !a.drained { // the sources cost a look-up; not needed then
				in.OnHost = a.src.OnHost(vip)
				in.Services = a.src.Services(vip)
			}
			prev := a.st[vip]
			next, op, w := Step(prev, in, now, a.delay)
			if op != None && !a.apply(g.Name, vip, op, next.Reason) {
				// Not told: keep the old state, with the new reason, and
				// try again soon.
				prev.Reason = next.Reason
				if prev.Since.IsZero() {
					prev.Since = now
				}
				next, w = prev, now.Add(retry)
			}
			if next.Reason != prev.Reason && op == None && !next.Announced {
				a.log.Info("bgp: vip not announced", "instance", g.Name, "vip", vip, "reason", next.Reason)
			}
			a.st[vip] = next
			if !w.IsZero() && (wake.IsZero() || w.Before(wake)) {
				wake = w
			}
		}
	}
	return wake
}

// apply tells the speaker; false if it failed.
func (a *Announcer) apply(group string, vip netip.Addr, op Op, reason string) bool {
	var err error
	if op == Announce {
		err = a.sp.Announce(vip)
	} else {
		err = a.sp.Withdraw(vip)
	}
	if err != nil {
		a.log.Error("bgp: cannot "+op.String(), "instance", group, "vip", vip, "reason", reason, "err", err)
		return false
	}
	lvl := slog.LevelInfo
	if op == Withdraw && reason != Stopping && reason != Drained {
		lvl = slog.LevelWarn
	}
	a.log.Log(context.Background(), lvl, "bgp: vip "+op.String()+"d", "instance", group, "vip", vip, "reason", reason)
	return true
}

// Status returns every VIP's announcement, in configuration order.
func (a *Announcer) Status() []VIPStatus {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []VIPStatus
	for _, g := range a.groups {
		for _, vip := range g.VIPs {
			s := a.st[vip]
			out = append(out, VIPStatus{Instance: g.Name, VIP: vip, Announced: s.Announced, Reason: s.Reason, Since: s.Since})
		}
	}
	return out
}

// PeerStatus is what status and metrics show of one session.
type PeerStatus struct {
	Address netip.Addr `json:"address"`
	ASN     uint32     `json:"asn"`
	// State is the session's RFC 4271 state, lower case: idle, connect,
	// active, opensent, openconfirm, established.
	State string `json:"state"`
	// Since is when the session was last established, while it is.
	Since time.Time `json:"since,omitzero"`
	// HoldTime is the negotiated hold time, while established.
	HoldTime time.Duration `json:"hold_time,omitempty"`
	// BFD is the BFD session's state (up, down, init, admin_down), or empty
	// without BFD.
	BFD string `json:"bfd,omitempty"`
	// LastError is why the session last went down, if GoBGP says.
	LastError string `json:"last_error,omitempty"`
}

// Established reports whether the session is up.
func (p PeerStatus) Established() bool { return p.State == "established" }

// SpeakerStatus is the speaker process's, for status and metrics.
type SpeakerStatus struct {
	// PID is the running process's; 0 while it is down.
	PID int `json:"pid"`
	// Since is when the running process started.
	Since time.Time `json:"since,omitzero"`
	// Restarts counts the processes started after the first.
	Restarts int `json:"restarts"`
	// LastExit says how and why the last process ended.
	LastExit string `json:"last_exit,omitempty"`
}

// Status is the BGP part of a daemon, for status and metrics.
type Status struct {
	ASN      uint32        `json:"asn"`
	RouterID netip.Addr    `json:"router_id"`
	Drained  bool          `json:"drained"`
	Speaker  SpeakerStatus `json:"speaker"`
	Peers    []PeerStatus  `json:"peers"`
	VIPs     []VIPStatus   `json:"vips"`
}
