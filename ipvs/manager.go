package ipvs

import (
	"context"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// Manager keeps the kernel's table as the configuration and the health
// checks want it: it sets the timeouts, reconciles at start, again whenever
// a real server changes state, and reads the table back every Resync to
// repair changes made behind its back. It runs on every director, master or
// backup, so that a takeover needs no IPVS work.
type Manager struct {
	log    *slog.Logger
	clk    clock.Clock
	rec    *Reconciler
	health *Health
	k      Kernel
	kick   chan struct{}

	mu       sync.Mutex
	services []Service // normalized desired table, before health
	timeouts Timeouts
	resync   time.Duration
	last     ManagerStatus

	reconciled func(ManagerStatus) // test hook: called after each pass
	onHealth   []func()            // called after real servers changed state
}

// ManagerStatus summarises the Manager for status and metrics.
type ManagerStatus struct {
	Services       int       `json:"services"`
	Reals          int       `json:"reals"`
	RealsUp        int       `json:"reals_up"`
	Reconciles     uint64    `json:"reconciles"`
	Ops            uint64    `json:"ops"`
	Failures       uint64    `json:"failures"`
	LastReconcile  time.Time `json:"last_reconcile,omitzero"`
	LastError      string    `json:"last_error,omitempty"`
	HealthChanges  uint64    `json:"health_changes"`
	DownRealsNamed []string  `json:"down,omitempty"` // "TCP 192.0.2.10:80 -> 198.51.100.11:80"
}

// NewManager returns a Manager of k with nothing configured. log may be nil;
// clk nil means the system clock.
func NewManager(k Kernel, log *slog.Logger, clk clock.Clock) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if clk == nil {
		clk = clock.System{}
	}
	return &Manager{log: log, clk: clk, k: k, rec: NewReconciler(k, log), health: NewHealth(log),
		kick: make(chan struct{}, 1), resync: time.Minute}
}

// Configure sets the desired table, timeouts and resync interval; a
// running Manager applies them at once. Real servers that keep their
// check keep their health state.
func (m *Manager) Configure(services []Service, t Timeouts, resync time.Duration) error {
	norm, err := Normalize(services)
	if err != nil {
		return err
	}
	if err := m.health.Configure(norm); err != nil {
		return err
	}
	m.mu.Lock()
	m.services, m.timeouts = norm, t
	if resync > 0 {
		m.resync = resync
	}
	m.mu.Unlock()
	m.poke()
	return nil
}

func (m *Manager) poke() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

// Run applies the configuration and keeps it applied until ctx ends. It
// leaves the table programmed when it returns: a restarted director adopts
// it without a gap.
func (m *Manager) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.health.Run(ctx, m.clk, func(tr []Transition) { // Health logs each
			m.mu.Lock()
			m.last.HealthChanges += uint64(len(tr))
			fns := m.onHealth
			m.mu.Unlock()
			m.poke()
			for _, fn := range fns {
				fn()
			}
		})
	}()
	defer func() { <-done }()
	select { // the first pass below applies everything Configure asked for
	case <-m.kick:
	default:
	}
	var timeoutsSet Timeouts
	var resyncC <-chan time.Time
	for {
		m.mu.Lock()
		t, resync := m.timeouts, m.resync
		m.mu.Unlock()
		if t != timeoutsSet && t != (Timeouts{}) {
			if err := SetTimeouts(m.k, t); err != nil {
				m.log.Error("setting IPVS timeouts", "err", err)
			} else {
				timeoutsSet = t
				m.log.Info("ipvs timeouts set", "tcp", t.TCP, "tcpfin", t.TCPFin, "udp", t.UDP)
			}
		}
		m.reconcile()
		if resyncC == nil { // armed after the pass, so a resync never overlaps it
			resyncC = m.clk.After(resync)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-m.kick:
		case <-resyncC:
			resyncC = nil
			m.rec.Resync()
		}
	}
}

func (m *Manager) reconcile() {
	m.mu.Lock()
	desired := m.health.Adjust(m.services)
	st := m.last
	st.Services, st.Reals, st.RealsUp, st.DownRealsNamed = len(m.services), 0, 0, nil
	for _, s := range m.services {
		for _, r := range s.Reals {
			st.Reals++
			if m.health.Up(s.Key, r.Addr) {
				st.RealsUp++
			} else {
				st.DownRealsNamed = append(st.DownRealsNamed, s.Key.String()+" -> "+r.Addr.String())
			}
		}
	}
	m.mu.Unlock()
	res, err := m.rec.Reconcile(desired)
	st.Reconciles++
	st.Ops += uint64(res.Applied)
	st.LastReconcile = m.clk.Now()
	st.LastError = ""
	if err != nil {
		st.Failures++
		st.LastError = err.Error()
		m.log.Error("reconciling the IPVS table", "err", err)
	}
	m.mu.Lock()
	m.last = st
	m.mu.Unlock()
	if m.reconciled != nil {
		m.reconciled(st)
	}
}

// Status returns the Manager's figures as of its last reconciliation.
func (m *Manager) Status() ManagerStatus {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.last
}

// Up reports whether a configured real server is up by its checks.
func (m *Manager) Up(svc ServiceKey, addr netip.AddrPort) bool { return m.health.Up(svc, addr) }

// OnHealth has fn called, in the health checks' goroutine, each time
// real servers change state by their checks (Up tells the new states).
func (m *Manager) OnHealth(fn func()) {
	m.mu.Lock()
	m.onHealth = append(m.onHealth, fn)
	m.mu.Unlock()
}

// Services returns the desired table as last configured (normalized,
// before health adjusts the weights).
func (m *Manager) Services() []Service {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.services
}
