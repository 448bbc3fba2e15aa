package director

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/internal/clock"
	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// events records what the fakes were asked, in order.
type events struct {
	mu  sync.Mutex
	got []string
}

func (e *events) add(format string, args ...any) {
	e.mu.Lock()
	e.got = append(e.got, fmt.Sprintf(format, args...))
	e.mu.Unlock()
}

func (e *events) list() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.got)
}

// index is where ev first occurs (-1: never).
func (e *events) index(ev string) int { return slices.Index(e.list(), ev) }

// fakeVRRP is a VRRP daemon whose transitions the test publishes.
type fakeVRRP struct {
	ev     *events
	insts  []*fakeInst
	reload router.ReloadResult

	mu   sync.Mutex
	subs map[int]func(router.Transition)
	next int
}

func (f *fakeVRRP) Run(ctx context.Context) error {
	f.ev.add("vrrp run")
	<-ctx.Done()
	f.ev.add("vrrp stopped")
	return nil
}

func (f *fakeVRRP) Reload(cfg *conf.Config) (router.ReloadResult, error) {
	f.ev.add("vrrp reload %d", len(cfg.Instances))
	return f.reload, nil
}

func (f *fakeVRRP) Close() error {
	f.ev.add("vrrp close")
	return nil
}

func (f *fakeVRRP) Instances() []Instance {
	var is []Instance
	for _, i := range f.insts {
		is = append(is, i)
	}
	return is
}

func (f *fakeVRRP) Subscribe(ctx context.Context, fn func(router.Transition)) <-chan struct{} {
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[int]func(router.Transition){}
	}
	id := f.next
	f.next++
	f.subs[id] = fn
	f.mu.Unlock()
	done := make(chan struct{})
	go func() {
		<-ctx.Done()
		f.mu.Lock()
		delete(f.subs, id)
		f.mu.Unlock()
		close(done)
	}()
	return done
}

// subscribers is how many subscriptions are live.
func (f *fakeVRRP) subscribers() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.subs)
}

// publish hands t to every subscriber, in order of subscription.
func (f *fakeVRRP) publish(t router.Transition) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for id := range f.next {
		if fn, ok := f.subs[id]; ok {
			fn(t)
		}
	}
}

type fakeInst struct {
	ev    *events
	name  string
	state vrrp.State
}

func (i *fakeInst) Name() string      { return i.name }
func (i *fakeInst) State() vrrp.State { return i.state }
func (i *fakeInst) Status() router.Status {
	return router.Status{Name: i.name, State: i.state}
}
func (i *fakeInst) CanStepDown() error {
	if i.state != vrrp.Master {
		return fmt.Errorf("instance %s is not master", i.name)
	}
	return nil
}
func (i *fakeInst) StepDownBound() time.Duration { return time.Second }
func (i *fakeInst) StepDownWait(context.Context) (router.StepDownOutcome, error) {
	i.ev.add("%s step-down", i.name)
	return router.StepDownOutcome{Instance: i.name, Outcome: router.OutcomeHandedOver, State: vrrp.Backup}, nil
}
func (i *fakeInst) Resume() { i.ev.add("%s resume", i.name) }
func (i *fakeInst) Vanish(d time.Duration) {
	i.ev.add("%s vanish %v", i.name, d)
}

type fakeIPVS struct {
	ev        *events
	configure error

	mu       sync.Mutex
	down     map[netip.Addr]bool
	services []ipvs.Service
	onHealth func()
}

func (f *fakeIPVS) Run(ctx context.Context) error {
	<-ctx.Done()
	f.ev.add("ipvs run ended")
	return nil
}

func (f *fakeIPVS) Configure(s []ipvs.Service, _ ipvs.Timeouts, _ time.Duration) error {
	f.ev.add("ipvs configure %d", len(s))
	f.mu.Lock()
	f.services = s // kept, as the manager keeps the caller's table
	f.mu.Unlock()
	return f.configure
}

func (f *fakeIPVS) Status() ipvs.ManagerStatus { return ipvs.ManagerStatus{Services: 7} }

func (f *fakeIPVS) Up(_ ipvs.ServiceKey, addr netip.AddrPort) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.down[addr.Addr()]
}

func (f *fakeIPVS) OnHealth(fn func()) { f.mu.Lock(); f.onHealth = fn; f.mu.Unlock() }

func (f *fakeIPVS) Services() []ipvs.Service {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.services
}

// setDown marks a real server down by its checks and tells OnHealth.
func (f *fakeIPVS) setDown(a netip.Addr, down bool) {
	f.mu.Lock()
	if f.down == nil {
		f.down = map[netip.Addr]bool{}
	}
	f.down[a] = down
	fn := f.onHealth
	f.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// fakeSpeaker is the BGP speaker; what it announces goes to the events.
type fakeSpeaker struct{ ev *events }

func (f *fakeSpeaker) Announce(v netip.Addr) error { f.ev.add("bgp announce %s", v); return nil }
func (f *fakeSpeaker) Withdraw(v netip.Addr) error { f.ev.add("bgp withdraw %s", v); return nil }
func (f *fakeSpeaker) Peers() []announce.PeerStatus {
	return []announce.PeerStatus{{Address: netip.MustParseAddr("192.0.2.1"), ASN: 65000, State: "established"}}
}
func (f *fakeSpeaker) Stop() { f.ev.add("bgp stop") }
func (f *fakeSpeaker) Process() announce.SpeakerStatus {
	return announce.SpeakerStatus{PID: 4242}
}

// fakeAddrs is the host's addresses.
type fakeAddrs struct {
	ev      *events
	mu      sync.Mutex
	has     map[netip.Addr]bool
	changed func()
}

func (f *fakeAddrs) Add(iface string, v netip.Addr) error {
	f.ev.add("addr add %s %s", iface, v)
	f.set(v, true)
	return nil
}
func (f *fakeAddrs) Watch(_ context.Context, changed func()) error {
	f.mu.Lock()
	f.changed = changed
	f.mu.Unlock()
	return nil
}
func (f *fakeAddrs) Has(_ string, v netip.Addr) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.has[v]
}

// set adds or removes an address, and tells the watch.
func (f *fakeAddrs) set(v netip.Addr, on bool) {
	f.mu.Lock()
	if f.has == nil {
		f.has = map[netip.Addr]bool{}
	}
	f.has[v] = on
	fn := f.changed
	f.mu.Unlock()
	if fn != nil {
		fn()
	}
}

type fakeSync struct {
	ev      *events
	release bool // Hold releases at once
}

func (f *fakeSync) Apply(state lvssync.VRRP) error { f.ev.add("sync apply %s", state); return nil }
func (f *fakeSync) Reconfigure(d lvssync.Daemon, _ lvssync.Mode) error {
	f.ev.add("sync reconfigure %d", d.SyncID)
	return nil
}
func (f *fakeSync) Hold(ctx context.Context, _ lvssync.Source, _, _ time.Duration, _ clock.Clock, release func(string)) {
	f.ev.add("sync hold")
	if f.release {
		release("quiet")
		return
	}
	<-ctx.Done()
}
func (f *fakeSync) Status() lvssync.Status { return lvssync.Status{Mode: "both"} }
func (f *fakeSync) Close() error           { f.ev.add("sync close"); return nil }

type nopSource struct{}

func (nopSource) Read() (lvssync.Datagram, error) { return lvssync.Datagram{}, errors.New("closed") }
func (nopSource) Close() error                    { return nil }

// lab is a director's fake kernel and what it recorded.
type lab struct {
	ev   *events
	vrrp *fakeVRRP
	ipvs *fakeIPVS
	sync *fakeSync
	bgp  *fakeSpeaker
	addr *fakeAddrs
	// drained receives the drain's wait; the test ends it.
	drained chan chan time.Time
	// fail names the part whose opening fails: "vrrp", "ipvs" or "sync".
	fail string
}

func newLab() *lab {
	ev := &events{}
	return &lab{ev: ev,
		vrrp: &fakeVRRP{ev: ev, insts: []*fakeInst{{ev: ev, name: "web", state: vrrp.Backup}, {ev: ev, name: "dns", state: vrrp.Master}}},
		ipvs: &fakeIPVS{ev: ev}, sync: &fakeSync{ev: ev}, bgp: &fakeSpeaker{ev: ev}, addr: &fakeAddrs{ev: ev},
		drained: make(chan chan time.Time, 1)}
}

func (l *lab) kernel() kernel {
	return kernel{
		vrrp: func(*conf.Config, *netio.Carriers, *slog.Logger) (VRRP, error) {
			if l.fail == "vrrp" {
				return nil, errors.New("vrrp: no such interface")
			}
			l.ev.add("vrrp open")
			return l.vrrp, nil
		},
		ipvs: func(*conf.Config, *slog.Logger) (IPVS, func(), error) {
			if l.fail == "ipvs" {
				return nil, nil, errors.New("ipvs: no IPVS")
			}
			l.ev.add("ipvs open")
			return l.ipvs, func() { l.ev.add("ipvs close") }, nil
		},
		sync: func(*conf.Config, *slog.Logger) (Sync, error) {
			if l.fail == "sync" {
				return nil, errors.New("sync: no IPVS")
			}
			l.ev.add("sync open")
			return l.sync, nil
		},
		bgp: func(*conf.Config, string, *slog.Logger) (Speaker, error) {
			if l.fail == "bgp" {
				return nil, errors.New("bgp: router id refused")
			}
			l.ev.add("bgp start")
			return l.bgp, nil
		},
		addrs: func() HostAddrs { return l.addr },
		after: func(d time.Duration) <-chan time.Time {
			l.ev.add("drain %v", d)
			c := make(chan time.Time, 1)
			l.drained <- c
			return c
		},
		sloppy: func(tcp, sctp *bool) error {
			l.ev.add("sloppy %s %s", fmtBool(tcp), fmtBool(sctp))
			return nil
		},
		syncListen: func(lvssync.Daemon) (lvssync.Source, error) {
			if l.fail == "listen" {
				return nil, errors.New("no such interface")
			}
			return nopSource{}, nil
		},
	}
}

// file writes a configuration file with the two instances, web and dns,
// and extra appended, and loads it.
func file(t *testing.T, path, extra string) *conf.Config {
	t.Helper()
	const base = `
[[instance]]
name = "web"
interface = "eth0"
vrid = 51
priority = 150
vips = ["203.0.113.10"]

[[instance]]
name = "dns"
interface = "eth0"
vrid = 52
priority = 150
vips = ["203.0.113.53"]
`
	if err := os.WriteFile(path, []byte(base+extra), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := conf.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

const withIPVS = `
[[service]]
address = "203.0.113.10:80"
  [[service.real]]
  address = "198.51.100.21"
`

const withSync = `
[sync]
instance = "web"
interface = "eth0"
sync_id = 51
`

func tempFile(t *testing.T) string { return filepath.Join(t.TempDir(), "hadirector.toml") }

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }
