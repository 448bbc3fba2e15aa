package ipvs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// checkBatch is how far ahead of its due time Run starts a check, so that
// the checks due within it start on one wake-up: at most 1/checkBatch
// wake-ups a second, however many checks there are.
const checkBatch = 10 * time.Millisecond

// Health checks the real servers of services and says which are up. One
// scheduler serves every check: the checks wait in one queue ordered by due
// time, each real server's checks fall at its own place in the interval (a
// hash of its service and address) so that thousands of them spread out, and
// a bounded number run at once (inflightLimit). Tick runs the checks that are due
// at a given time, so tests drive it with any clock; Run drives it with a
// clock.Clock. Adjust feeds the result to Reconcile.
type Health struct {
	log *slog.Logger
	// phase places a real server's checks within its interval: phaseOf;
	// tests set it to place them at will.
	phase  func(target, time.Duration) time.Duration
	tickMu sync.Mutex // one Tick at a time
	mu     sync.Mutex // guards what follows
	probes map[target]*probe
	bySvc  map[ServiceKey][]*probe
	queue  checkQueue // placed probes not being checked, by due time
	fresh  []*probe   // probes not placed yet: the scheduler places them
	down   map[target]bool
	wake   chan struct{}
	stats  CheckStats
	// lateLogged is when Run last logged checks behind schedule.
	lateLogged time.Time
	lateSince  uint64        // late starts since then
	lateMax    time.Duration // the largest lag since then
	lastLate   time.Time     // when a check last started late
}

// CheckStats counts the checks Run started. A check is late if it starts
// more than a tenth of its interval after it fell due: the checker is
// behind schedule (at its bound of checks in flight, or short of CPU), and
// the rounds of the servers concerned stretch, since each server's next
// check falls an interval after its last one ended.
//
// A timeout while the checker is behind schedule (a check started late
// within the server's interval, or a TCP check's deadline taken over a
// tenth of its timeout late) says more about the director's CPU than about
// the server: it is not counted, up to maxUncounted in a row, and the
// server keeps its state. A refusal or any other failure always counts.
type CheckStats struct {
	Started   uint64 `json:"checks_started"`
	Late      uint64 `json:"checks_late"`
	Uncounted uint64 `json:"timeouts_uncounted"`
	InFlight  int    `json:"checks_in_flight"`
	Limit     int    `json:"checks_in_flight_limit"` // see inflightLimit
}

// maxUncounted bounds the timeouts in a row not counted for one server, so
// that a server that stopped answering goes down even while the checker
// stays behind schedule.
const maxUncounted = 5

// errTakenLate is a TCP check's timeout that the poller took over a tenth
// of the timeout after the deadline: the process was short of CPU.
var errTakenLate = fmt.Errorf("%w (taken late: the director was short of CPU)", context.DeadlineExceeded)

type target struct {
	svc  ServiceKey
	real netip.AddrPort
}

type probe struct {
	t       target
	check   HealthCheck
	pol     Policy // check.Policy with defaults
	state   CheckState
	lastErr error
	index   int       // in queue, -1 if not there
	running bool      // a check is in flight
	since   time.Time // when the check in flight started
	gone    bool      // no longer configured
	// uncounted is the timeouts in a row not counted, the checker being
	// behind schedule.
	uncounted int
}

// Transition is a real server changing state.
type Transition struct {
	Service ServiceKey
	Real    netip.AddrPort
	Up      bool
	Err     error // the failure that took it down; nil when it comes up
}

// NewHealth returns a Health with nothing to check. log may be nil.
func NewHealth(log *slog.Logger) *Health {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Health{log: log, phase: phaseOf, probes: make(map[target]*probe), bySvc: make(map[ServiceKey][]*probe),
		down: make(map[target]bool), wake: make(chan struct{}, 1)}
}

// Configure sets what is checked: every real server with a Check, keyed by
// its service and address, as Update does with services changed and every
// other service removed.
func (h *Health) Configure(services []Service) error {
	h.mu.Lock()
	keep := make(map[ServiceKey]bool, len(services))
	for _, s := range services {
		keep[s.Key] = true
	}
	var removed []ServiceKey
	for k := range h.bySvc {
		if !keep[k] {
			removed = append(removed, k)
		}
	}
	h.mu.Unlock()
	return h.Update(services, removed)
}

// Update sets what is checked of the services named only: the real servers
// with a Check of each changed service, and nothing of each removed one. A
// server whose check is unchanged keeps its state and its schedule; one whose
// check changed keeps its state and is checked anew; a new one starts as its
// Policy says. Each is first checked at its place in its interval. An
// invalid check changes nothing. Pass Adjust the same services, so that the
// addresses agree.
func (h *Health) Update(changed []Service, removed []ServiceKey) error {
	next := make(map[ServiceKey][]*probe, len(changed))
	var errs []error
	for _, s := range changed {
		seen := make(map[netip.AddrPort]bool)
		var ps []*probe
		for _, r := range s.Reals {
			if r.Check == nil {
				continue
			}
			if err := r.Check.validate(); err != nil {
				errs = append(errs, fmt.Errorf("ipvs: service %s: real server %s: %w", s.Key, r.Addr, err))
				continue
			}
			if seen[r.Addr] {
				errs = append(errs, fmt.Errorf("ipvs: service %s: real server %s: defined twice", s.Key, r.Addr))
				continue
			}
			seen[r.Addr] = true
			pol := r.Check.Policy.withDefaults()
			ps = append(ps, &probe{t: target{s.Key, r.Addr}, check: *r.Check, pol: pol, state: pol.Start(time.Time{}), index: -1})
		}
		next[s.Key] = ps
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	h.mu.Lock()
	for _, k := range removed {
		for _, p := range h.bySvc[k] {
			h.retire(p)
		}
		delete(h.bySvc, k)
	}
	for k, ps := range next {
		old := make(map[netip.AddrPort]*probe, len(h.bySvc[k]))
		for _, p := range h.bySvc[k] {
			old[p.t.real] = p
		}
		for i, p := range ps {
			o := old[p.t.real]
			delete(old, p.t.real)
			if o != nil && sameCheck(o.check, p.check) {
				ps[i] = o
				continue
			}
			if o != nil {
				p.state.Up, p.state.Streak, p.lastErr = o.state.Up, o.state.Streak, o.lastErr
				h.retire(o)
			}
			h.probes[p.t] = p
			h.fresh = append(h.fresh, p)
			if !p.state.Up {
				h.down[p.t] = true
			}
		}
		for _, o := range old {
			h.retire(o)
		}
		if len(ps) == 0 {
			delete(h.bySvc, k)
		} else {
			h.bySvc[k] = ps
		}
	}
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return nil
}

// retire forgets a probe; a check of it in flight is ignored when it ends.
func (h *Health) retire(p *probe) {
	p.gone = true
	h.queue.remove(p)
	delete(h.probes, p.t)
	delete(h.down, p.t)
}

// sameCheck reports whether two checks probe alike.
func sameCheck(a, b HealthCheck) bool {
	return a.Policy == b.Policy && reflect.DeepEqual(a.Checker, b.Checker)
}

// Up reports whether the real server at addr of service svc is up. A real
// server without a check is always up.
func (h *Health) Up(svc ServiceKey, addr netip.AddrPort) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.probes[target{svc, addr}]
	return p == nil || p.state.Up
}

// Down returns the real servers that are down, by service and address.
func (h *Health) Down() []Transition {
	h.mu.Lock()
	out := make([]Transition, 0, len(h.down))
	for t := range h.down {
		out = append(out, Transition{Service: t.svc, Real: t.real})
	}
	h.mu.Unlock()
	slices.SortFunc(out, func(a, b Transition) int {
		return cmp.Or(compareKeys(a.Service, b.Service), a.Real.Compare(b.Real))
	})
	return out
}

// Adjust returns services with weights adjusted by health (see the
// package's Adjust).
func (h *Health) Adjust(services []Service) []Service { return Adjust(services, h.Up) }

// place gives the fresh probes their first due time, at their place in the
// interval after now, and queues them. h.mu is held.
func (h *Health) place(now time.Time) {
	for _, p := range h.fresh {
		if p.gone || p.running || p.index >= 0 {
			continue
		}
		p.state.Due = now.Add(h.phase(p.t, p.pol.Interval))
		h.queue.push(p)
	}
	h.fresh = nil
}

// complete records the result of a check of p that ended at now and queues
// its next check, an interval after now (see Policy.Next). It returns the
// transition, if p changed state. h.mu is held.
func (h *Health) complete(p *probe, err error, now time.Time) (Transition, bool) {
	p.running = false
	if p.gone {
		return Transition{}, false
	}
	if h.uncount(p, err, now) {
		p.state.Due = now.Add(p.pol.Interval)
		h.queue.push(p)
		return Transition{}, false
	}
	was := p.state.Up
	p.state = p.pol.Next(p.state, now, err == nil)
	p.lastErr = err
	h.queue.push(p)
	if p.state.Up == was {
		return Transition{}, false
	}
	tr := Transition{Service: p.t.svc, Real: p.t.real, Up: p.state.Up}
	if !tr.Up {
		tr.Err = err
		h.down[p.t] = true
		h.log.Warn("real server down", "service", p.t.svc.String(), "real", p.t.real.String(), "err", err)
	} else {
		delete(h.down, p.t)
		h.log.Info("real server up", "service", p.t.svc.String(), "real", p.t.real.String())
	}
	return tr, true
}

// uncount reports whether err, a check of p ending at now, is a timeout
// not to count (see CheckStats), and counts it. h.mu is held.
func (h *Health) uncount(p *probe, err error, now time.Time) bool {
	behind := errors.Is(err, errTakenLate) || (!h.lastLate.IsZero() && now.Sub(h.lastLate) < p.pol.Interval)
	if !errors.Is(err, context.DeadlineExceeded) || !behind || p.uncounted >= maxUncounted {
		p.uncounted = 0
		return false
	}
	p.uncounted++
	h.stats.Uncounted++
	return true
}

// check runs one check of p, bounded by its Timeout.
func check(ctx context.Context, p *probe, chk Checker) error {
	ctx, cancel := context.WithTimeout(ctx, p.pol.Timeout)
	defer cancel()
	return chk.Check(ctx)
}

// Tick runs, in parallel, every check due at now, each bounded by its
// Policy's Timeout, and returns the real servers that changed state. Results
// are discarded if ctx ends meanwhile.
func (h *Health) Tick(ctx context.Context, now time.Time) []Transition {
	h.tickMu.Lock()
	defer h.tickMu.Unlock()
	type run struct {
		p   *probe
		chk Checker
		err error
	}
	h.mu.Lock()
	h.place(now)
	var runs []*run
	for p := h.queue.popDue(now); p != nil; p = h.queue.popDue(now) {
		p.running = true
		runs = append(runs, &run{p: p, chk: p.check.Checker})
	}
	h.mu.Unlock()

	sem := make(chan struct{}, maxParallelChecks)
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r.err = check(ctx, r.p, r.chk)
		}()
	}
	wg.Wait()

	h.mu.Lock()
	defer h.mu.Unlock()
	if ctx.Err() != nil {
		for _, r := range runs { // as if they had not run
			r.p.running = false
			if !r.p.gone {
				h.queue.push(r.p)
			}
		}
		return nil
	}
	var out []Transition
	for _, r := range runs {
		if tr, ok := h.complete(r.p, r.err, now); ok {
			out = append(out, tr)
		}
	}
	return out
}

// nextDue returns the earliest time a queued check is due, if any real
// server is checked; a server not placed yet is due at once (zero time).
func (h *Health) nextDue() (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.fresh) > 0 {
		return time.Time{}, true
	}
	if len(h.queue) > 0 {
		return h.queue[0].state.Due, true
	}
	return time.Time{}, len(h.probes) > 0
}

type checkResult struct {
	p   *probe
	err error
}

// Run checks real servers as they fall due, by clk, until ctx ends, and
// calls changed with the transitions of the checks that ended together, so
// the caller can Adjust and Reconcile. One goroutine schedules every check,
// on one timer; TCP checks run in one tcpPoller, and any other check in a
// goroutine of its own until it answers or times out; an inflightLimit
// bounds the checks in flight at once. A check's timeout runs from when it
// starts. It returns nil when ctx ends, once the checks in flight have.
func (h *Health) Run(ctx context.Context, clk clock.Clock, changed func([]Transition)) error {
	results := make(chan checkResult, maxParallelChecks)
	inflight, limit := 0, newInflightLimit()
	h.mu.Lock()
	h.stats.Limit = limit.n
	h.mu.Unlock()
	tcp, err := newTCPPoller(results)
	if err != nil {
		h.log.Warn("tcp checks run one goroutine each", "err", err)
	}
	defer func() {
		if tcp != nil {
			tcp.close()
		}
		for ; inflight > 0; inflight-- {
			<-results
		}
	}()
	var due <-chan time.Time
	var dueAt time.Time
	for {
		now := clk.Now()
		h.mu.Lock()
		h.place(now)
		for inflight < limit.n {
			p := h.queue.popDue(now.Add(checkBatch))
			if p == nil {
				break
			}
			h.started(p, now)
			p.running, p.since = true, now
			inflight++
			if c, ok := p.check.Checker.(TCPCheck); ok && tcp != nil {
				tcp.start(p, c.Addr, time.Now().Add(p.pol.Timeout))
				continue
			}
			go func(p *probe, chk Checker) { results <- checkResult{p, check(ctx, p, chk)} }(p, p.check.Checker)
		}
		h.stats.InFlight = inflight
		if len(h.queue) > 0 && inflight < limit.n {
			if next := h.queue[0].state.Due; due == nil || next.Before(dueAt) {
				due, dueAt = clk.After(next.Sub(now)), next
			}
		}
		h.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil
		case <-due:
			due = nil
		case <-h.wake:
		case r := <-results:
			inflight--
			batch := []checkResult{r}
			for more := true; more; {
				select {
				case r := <-results:
					inflight--
					batch = append(batch, r)
				default:
					more = false
				}
			}
			if ctx.Err() != nil {
				return nil
			}
			now := clk.Now()
			var trs []Transition
			h.mu.Lock()
			for _, r := range batch {
				if _, ok := r.p.check.Checker.(TCPCheck); ok && tcp != nil {
					limit.ended(now.Sub(r.p.since), r.p.pol.Timeout, r.err, now)
				}
				if tr, ok := h.complete(r.p, r.err, now); ok {
					trs = append(trs, tr)
				}
			}
			h.stats.Limit = limit.n
			h.mu.Unlock()
			if len(trs) > 0 && changed != nil {
				changed(trs)
			}
		}
	}
}

// lateLogEvery bounds how often Run logs checks behind schedule.
const lateLogEvery = time.Minute

// started counts a check of p starting at now and, at most every
// lateLogEvery, logs the checks that started late. h.mu is held.
func (h *Health) started(p *probe, now time.Time) {
	h.stats.Started++
	lag := now.Sub(p.state.Due)
	if lag <= p.pol.Interval/10 {
		return
	}
	h.stats.Late++
	h.lastLate = now
	h.lateSince++
	h.lateMax = max(h.lateMax, lag)
	if now.Sub(h.lateLogged) < lateLogEvery {
		return
	}
	h.log.Warn("health checks behind schedule: checking less often, timeouts not counted", "late", h.lateSince,
		"max_lag", h.lateMax.Round(time.Millisecond), "in_flight", h.stats.InFlight, "bound", h.stats.Limit,
		"timeouts_uncounted", h.stats.Uncounted)
	h.lateLogged, h.lateSince, h.lateMax = now, 0, 0
}

// Stats returns the counts of checks Run started.
func (h *Health) Stats() CheckStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}
