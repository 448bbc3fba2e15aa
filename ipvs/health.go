package ipvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// maxParallelChecks bounds the checks one Tick runs at the same time.
const maxParallelChecks = 64

// Health checks the real servers of services and says which are up. Tick
// runs the checks that are due at a given time, so tests drive it with any
// clock; Run drives it with a clock.Clock. Adjust feeds the result to Reconcile.
type Health struct {
	log    *slog.Logger
	tickMu sync.Mutex // one Tick at a time
	mu     sync.Mutex // guards probes
	probes map[target]*probe
	wake   chan struct{}
}

type target struct {
	svc  ServiceKey
	real netip.AddrPort
}

type probe struct {
	check   HealthCheck
	state   CheckState
	lastErr error
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
	return &Health{log: log, probes: make(map[target]*probe), wake: make(chan struct{}, 1)}
}

// Configure sets what is checked: every real server with a Check, keyed by
// its service and address. A server that was already checked keeps its
// state; a new one starts as its Policy says, with a check due at once.
// Pass Adjust the same services, so that the addresses agree.
func (h *Health) Configure(services []Service) error {
	next := make(map[target]*probe)
	var errs []error
	for _, s := range services {
		for _, r := range s.Reals {
			if r.Check == nil {
				continue
			}
			if err := r.Check.validate(); err != nil {
				errs = append(errs, fmt.Errorf("ipvs: service %s: real server %s: %w", s.Key, r.Addr, err))
				continue
			}
			t := target{s.Key, r.Addr}
			if next[t] != nil {
				errs = append(errs, fmt.Errorf("ipvs: service %s: real server %s: defined twice", s.Key, r.Addr))
				continue
			}
			next[t] = &probe{check: *r.Check, state: r.Check.Policy.Start(time.Time{})}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	h.mu.Lock()
	for t, p := range next {
		if old := h.probes[t]; old != nil {
			p.state, p.lastErr = old.state, old.lastErr
		}
	}
	h.probes = next
	h.mu.Unlock()
	select {
	case h.wake <- struct{}{}:
	default:
	}
	return nil
}

// Up reports whether the real server at addr of service svc is up. A real
// server without a check is always up.
func (h *Health) Up(svc ServiceKey, addr netip.AddrPort) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.probes[target{svc, addr}]
	return p == nil || p.state.Up
}

// Adjust returns services with weights adjusted by health (see the
// package's Adjust).
func (h *Health) Adjust(services []Service) []Service { return Adjust(services, h.Up) }

// Tick runs, in parallel, every check due at now, each bounded by its
// Policy's Timeout, and returns the real servers that changed state. Results
// are discarded if ctx ends meanwhile.
func (h *Health) Tick(ctx context.Context, now time.Time) []Transition {
	h.tickMu.Lock()
	defer h.tickMu.Unlock()

	type run struct {
		t   target
		p   *probe
		chk HealthCheck
		err error
	}
	h.mu.Lock()
	var runs []*run
	for t, p := range h.probes {
		if p.state.DueAt(now) {
			runs = append(runs, &run{t: t, p: p, chk: p.check})
		}
	}
	h.mu.Unlock()

	sem := make(chan struct{}, maxParallelChecks)
	var wg sync.WaitGroup
	for _, r := range runs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			cctx, cancel := context.WithTimeout(ctx, r.chk.Policy.withDefaults().Timeout)
			defer cancel()
			r.err = r.chk.Checker.Check(cctx)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Transition
	for _, r := range runs {
		if h.probes[r.t] != r.p {
			continue // reconfigured meanwhile
		}
		was := r.p.state.Up
		r.p.state = r.chk.Policy.Next(r.p.state, now, r.err == nil)
		r.p.lastErr = r.err
		if r.p.state.Up == was {
			continue
		}
		tr := Transition{Service: r.t.svc, Real: r.t.real, Up: r.p.state.Up}
		if !tr.Up {
			tr.Err = r.err
			h.log.Warn("real server down", "service", r.t.svc.String(), "real", r.t.real.String(), "err", r.err)
		} else {
			h.log.Info("real server up", "service", r.t.svc.String(), "real", r.t.real.String())
		}
		out = append(out, tr)
	}
	return out
}

// nextDue returns the earliest time a check is due, if any is configured.
func (h *Health) nextDue() (time.Time, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var next time.Time
	found := false
	for _, p := range h.probes {
		if !found || p.state.Due.Before(next) {
			next, found = p.state.Due, true
		}
	}
	return next, found
}

// Run checks real servers as they fall due, by clk, until ctx ends, and
// calls changed with the transitions of each Tick that has some, so the
// caller can Adjust and Reconcile. It returns nil when ctx ends.
func (h *Health) Run(ctx context.Context, clk clock.Clock, changed func([]Transition)) error {
	for {
		select { // this Tick sees any configuration made so far
		case <-h.wake:
		default:
		}
		if tr := h.Tick(ctx, clk.Now()); len(tr) > 0 && changed != nil {
			changed(tr)
		}
		var due <-chan time.Time
		if next, ok := h.nextDue(); ok {
			due = clk.After(next.Sub(clk.Now()))
		}
		select {
		case <-ctx.Done():
			return nil
		case <-due:
		case <-h.wake:
		}
	}
}
