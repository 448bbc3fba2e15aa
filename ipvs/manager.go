package ipvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// Manager keeps the kernel's table as the configuration and the health
// checks want it: it sets the timeouts, reconciles at start, then applies
// each change as it comes, a reload's changed services or a health check's
// real servers, touching only the services concerned; it reads the whole
// table back every Resync to repair changes made behind its back. It runs
// on every director, master or backup, so that a takeover needs no IPVS work.
type Manager struct {
	log    *slog.Logger
	clk    clock.Clock
	rec    *Reconciler
	health *Health
	k      Kernel
	kick   chan struct{}

	mu       sync.Mutex
	services map[ServiceKey]configured
	dirty    map[ServiceKey]bool // services to reconcile at the next pass
	reals    int
	timeouts Timeouts
	resync   time.Duration
	last     ManagerStatus

	reconciled func(ManagerStatus) // test hook: called after each pass
	onHealth   []func()            // called after real servers changed state
}

// configured is a service as configured and as normalized.
type configured struct{ raw, norm Service }

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
	// Checks is as of now, not of the last reconciliation.
	Checks CheckStats `json:"checks"`
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
		kick: make(chan struct{}, 1), resync: time.Minute,
		services: make(map[ServiceKey]configured), dirty: make(map[ServiceKey]bool)}
}

// Configure sets the desired table, timeouts and resync interval; a
// running Manager applies them at once. Only the services that differ from
// the last configuration are normalized, checked anew and reconciled; real
// servers that keep their check keep their health state. An invalid table
// changes nothing. The Manager keeps services' real servers and checks
// rather than copy them: the caller must not change them afterwards, and
// passes a new table to change it.
func (m *Manager) Configure(services []Service, t Timeouts, resync time.Duration) error {
	m.mu.Lock()
	old := m.services
	m.mu.Unlock()
	next := make(map[ServiceKey]configured, len(services))
	var changed []Service
	var errs []error
	reals := 0
	for _, s := range services {
		if _, dup := next[s.Key]; dup {
			errs = append(errs, fmt.Errorf("ipvs: service %s: defined twice", s.Key))
			continue
		}
		reals += len(s.Reals)
		if o, ok := old[s.Key]; ok && sameConfig(o.raw, s) {
			next[s.Key] = o
			continue
		}
		n, err := normalizeService(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next[s.Key] = configured{raw: s, norm: n}
		changed = append(changed, n)
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	var removed []ServiceKey
	for k := range old {
		if _, ok := next[k]; !ok {
			removed = append(removed, k)
		}
	}
	if err := m.health.Update(changed, removed); err != nil {
		return err
	}
	m.mu.Lock()
	m.services, m.timeouts, m.reals = next, t, reals
	for _, s := range changed {
		m.dirty[s.Key] = true
	}
	for _, k := range removed {
		m.dirty[k] = true
	}
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
		m.health.Run(ctx, m.clk, m.healthChanged)
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
		if res := m.reconcile(); res.Diffed+len(res.Ops) >= bulkPass {
			debug.FreeOSMemory()
		}
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

// bulkPass is the size of a pass, in services compared and operations
// planned, after which Run returns the garbage to the kernel at once. Such
// a pass (the first, a large reload, a resync) leaves its plan and the
// table it read as garbage, and the start-up's with it; a daemon that then
// allocates little would otherwise hold it until the runtime's forced
// collection two minutes on, and its pages for minutes after.
const bulkPass = 1000

// healthChanged marks the services of the real servers that changed state
// for the next pass. Health logs each change.
func (m *Manager) healthChanged(tr []Transition) {
	m.mu.Lock()
	m.last.HealthChanges += uint64(len(tr))
	for _, t := range tr {
		m.dirty[t.Service] = true
	}
	fns := m.onHealth
	m.mu.Unlock()
	m.poke()
	for _, fn := range fns {
		fn()
	}
}

// reconcile applies the services marked dirty since the last pass, adjusted
// by health; after a Resync or a failure the Reconciler reads and diffs the
// whole table.
func (m *Manager) reconcile() Result {
	m.mu.Lock()
	var changed []Service
	var removed []ServiceKey
	for k := range m.dirty {
		if c, ok := m.services[k]; ok {
			changed = append(changed, c.norm)
		} else {
			removed = append(removed, k)
		}
	}
	clear(m.dirty)
	st := m.last
	st.Services, st.Reals = len(m.services), m.reals
	m.mu.Unlock()
	changed = m.health.Adjust(changed)
	down := m.health.Down()
	st.RealsUp, st.DownRealsNamed = st.Reals-len(down), nil
	for _, d := range down {
		st.DownRealsNamed = append(st.DownRealsNamed, d.Service.String()+" -> "+d.Real.String())
	}
	res, err := m.rec.update(changed, removed)
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
	return res
}

// Status returns the Manager's figures as of its last reconciliation, and
// the health checks' counts as of now.
func (m *Manager) Status() ManagerStatus {
	m.mu.Lock()
	st := m.last
	m.mu.Unlock()
	st.Checks = m.health.Stats()
	return st
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
// before health adjusts the weights), in the order of their keys' names.
// The real servers are the Manager's own: read them, do not change them.
func (m *Manager) Services() []Service {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Service, 0, len(m.services))
	for _, c := range m.services {
		out = append(out, c.norm)
	}
	slices.SortFunc(out, func(a, b Service) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	return out
}
