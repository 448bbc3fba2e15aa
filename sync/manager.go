package sync

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	gosync "sync"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// Manager keeps the kernel's sync threads as a Mode wants them for the
// owning VRRP instance's state, and stops the ones it started on Close.
type Manager struct {
	k    Kernel
	d    Daemon // settings; Role unused
	mode Mode
	log  *slog.Logger

	mu      gosync.Mutex
	state   VRRP // as last applied, if applied
	applied int
	errs    int
	lastErr string
	hold    HoldStatus
	// onHold, if set (tests), sees every hold status update.
	onHold func(HoldStatus)
}

// HoldStatus is the fail-back hold as status reports it.
type HoldStatus struct {
	Active   bool      `json:"active"`
	Since    time.Time `json:"since,omitzero"`
	Released time.Time `json:"released,omitzero"`
	Reason   string    `json:"reason,omitempty"` // quiet, bound, stopped
	Conns    int       `json:"conns"`            // distinct connections heard
	Messages int       `json:"messages"`
}

// Status is what status and metrics report about sync.
type Status struct {
	Mode     string     `json:"mode"`
	State    string     `json:"vrrp_state"`
	Daemons  []Daemon   `json:"daemons"`
	Applies  int        `json:"applies"`
	Errors   int        `json:"errors"`
	LastErr  string     `json:"last_error,omitempty"`
	Hold     HoldStatus `json:"failback_hold"`
	ListFail string     `json:"list_error,omitempty"`
}

// NewManager returns a manager for daemons with settings d.
func NewManager(k Kernel, d Daemon, mode Mode, log *slog.Logger) *Manager {
	return &Manager{k: k, d: d, mode: mode, log: log}
}

func (m *Manager) want(r Role) Daemon {
	d := m.d
	d.Role = r
	return d
}

// same reports whether a running thread has the settings we would start it
// with; the kernel fills in the defaults we left out.
func same(run, want Daemon) bool {
	if run.Interface != want.Interface || run.SyncID != want.SyncID {
		return false
	}
	if want.MaxLen != 0 && run.MaxLen != want.MaxLen ||
		want.Group.IsValid() && run.Group != want.Group ||
		want.Port != 0 && run.Port != want.Port ||
		want.TTL != 0 && run.TTL != want.TTL {
		return false
	}
	return true
}

// Apply makes the running threads match what the mode wants in state: it
// starts the missing ones, restarts any that run
// with other settings, and stops the unwanted ones.
func (m *Manager) Apply(state VRRP) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.state = state
	m.applied++
	err := m.apply(state)
	if err != nil {
		m.errs++
		m.lastErr = err.Error()
		m.log.Error("sync daemons", "state", state.String(), "err", err)
	}
	return err
}

func (m *Manager) apply(state VRRP) error {
	running, err := m.k.List()
	if err != nil {
		return err
	}
	have := map[Role]Daemon{}
	for _, d := range running {
		have[d.Role] = d
	}
	master, backup := Wanted(m.mode, state)
	var errs []error
	for _, w := range []struct {
		role Role
		on   bool
	}{{Master, master}, {Backup, backup}} {
		cur, runs := have[w.role]
		want := m.want(w.role)
		switch {
		case w.on && runs && same(cur, want):
		case w.on:
			if runs {
				if err := m.k.Stop(w.role); err != nil && !errors.Is(err, ErrNotRunning) {
					errs = append(errs, err)
					continue
				}
				m.log.Info("sync daemon stopped to change its settings", "role", w.role.String(), "was", cur.String())
			}
			if err := m.k.Start(want); err != nil {
				errs = append(errs, err)
				continue
			}
			m.log.Info("sync daemon started", "role", w.role.String(), "interface", want.Interface, "sync_id", want.SyncID, "state", state.String())
		case runs:
			if err := m.k.Stop(w.role); err != nil && !errors.Is(err, ErrNotRunning) {
				errs = append(errs, err)
				continue
			}
			m.log.Info("sync daemon stopped", "role", w.role.String(), "state", state.String())
		}
	}
	return errors.Join(errs...)
}

// Reconfigure takes new settings (a reloaded file) and applies them in the
// last state: threads running with other settings are restarted.
func (m *Manager) Reconfigure(d Daemon, mode Mode) error {
	m.mu.Lock()
	m.d, m.mode = d, mode
	state, applied := m.state, m.applied > 0
	m.mu.Unlock()
	if !applied {
		return nil
	}
	return m.Apply(state)
}

// Close stops both threads, as the instance's stop (INIT) wants.
func (m *Manager) Close() error { return m.Apply(VRRPStopped) }

// Status lists the running threads and the hold.
func (m *Manager) Status() Status {
	m.mu.Lock()
	st := Status{Mode: m.mode.String(), Applies: m.applied, Errors: m.errs, LastErr: m.lastErr, Hold: m.hold}
	if m.applied > 0 {
		st.State = m.state.String()
	}
	m.mu.Unlock()
	ds, err := m.k.List()
	if err != nil {
		st.ListFail = err.Error()
	}
	st.Daemons = ds
	return st
}

// Source is where a fail-back hold hears the sync group: Listener, or a
// fake in tests.
type Source interface {
	Read() (Datagram, error)
	Close() error
}

// Hold runs the fail-back catch-up: it reads src until the Catchup is done
// (or ctx ends), then calls release once, with the reason (not when ctx
// ended first). It returns when done.
func (m *Manager) Hold(ctx context.Context, src Source, quiet, max time.Duration, clk clock.Clock, release func(reason string)) {
	now := clk.Now
	start := now()
	c := NewCatchup(quiet, max, start)
	m.setHold(HoldStatus{Active: true, Since: start})
	m.log.Info("fail-back hold: not preempting until the master's connections have arrived", "quiet", quiet, "max", max)
	got := make(chan Datagram)
	go func() {
		defer close(got)
		for {
			d, err := src.Read()
			if err != nil {
				if !Closed(err) {
					m.log.Warn("fail-back hold: reading the sync group", "err", err)
				}
				return
			}
			select {
			case got <- d:
			case <-ctx.Done():
				return
			}
		}
	}()
	defer func() {
		src.Close()
		for range got {
		}
	}()
	finish := func(reason string) {
		t := now()
		m.setHold(HoldStatus{Since: start, Released: t, Reason: reason, Conns: c.Conns(), Messages: c.Messages})
		m.log.Info("fail-back hold released", "reason", reason, "conns", c.Conns(), "messages", c.Messages, "after", t.Sub(start).Round(time.Millisecond))
		if reason != "stopped" {
			release(reason)
		}
	}
	for {
		if done, why := c.Done(now()); done {
			finish(why)
			return
		}
		wake := clk.After(c.Deadline().Sub(now()))
		select {
		case <-ctx.Done():
			finish("stopped")
			return
		case d, ok := <-got:
			if !ok {
				finish("listener-failed")
				return
			}
			if d.Err != nil {
				m.log.Debug("fail-back hold: undecodable sync datagram", "from", d.From, "err", d.Err)
				continue
			}
			if d.Msg.SyncID != m.d.SyncID && m.d.SyncID != 0 {
				continue // another pair's traffic, as the kernel ignores it
			}
			n := c.Observe(d.Msg, now())
			m.setHold(HoldStatus{Active: true, Since: start, Conns: c.Conns(), Messages: c.Messages})
			if n > 0 {
				m.log.Debug("fail-back hold: new connections", "new", n, "total", c.Conns())
			}
		case <-wake:
		}
	}
}

func (m *Manager) setHold(h HoldStatus) {
	m.mu.Lock()
	m.hold = h
	hook := m.onHold
	m.mu.Unlock()
	if hook != nil {
		hook(h)
	}
}

// String is one line for status.
func (s Status) String() string {
	line := fmt.Sprintf("sync: mode %s, %d daemon(s)", s.Mode, len(s.Daemons))
	switch {
	case s.Hold.Active:
		line += fmt.Sprintf(", fail-back hold active (%d connections heard)", s.Hold.Conns)
	case s.Hold.Reason != "":
		line += fmt.Sprintf(", fail-back hold released (%s, %d connections)", s.Hold.Reason, s.Hold.Conns)
	}
	if s.LastErr != "" {
		line += ", last error: " + s.LastErr
	}
	return line
}
