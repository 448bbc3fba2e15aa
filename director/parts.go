package director

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/clock"
	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// VRRP is what the director needs of the VRRP daemon.
type VRRP interface {
	// Run runs the instances until ctx ends, then stops them cleanly.
	Run(ctx context.Context) error
	// Reload makes the running instances match cfg's, which is valid.
	Reload(cfg *conf.Config) (router.ReloadResult, error)
	Instances() []Instance
	// Subscribe calls fn with every transition, in order, until ctx
	// ends; the channel closes once fn will not be called again.
	Subscribe(ctx context.Context, fn func(router.Transition)) <-chan struct{}
	// Close closes the sockets if Run never ran; after Run, a no-op.
	Close() error
}

// Instance is one VRRP instance, as the control socket and sync use it.
type Instance interface {
	Name() string
	State() vrrp.State
	Status() router.Status
	// CanStepDown says why StepDownWait would refuse, or nil.
	CanStepDown() error
	// StepDownBound is how long StepDownWait may wait for a new master.
	StepDownBound() time.Duration
	// StepDownWait steps a master down and waits for the handover's end.
	StepDownWait(ctx context.Context) (router.StepDownOutcome, error)
	Resume()
	Vanish(d time.Duration)
}

// IPVS is what the director needs of the IPVS manager (*ipvs.Manager).
type IPVS interface {
	Run(ctx context.Context) error
	Configure(services []ipvs.Service, t ipvs.Timeouts, resync time.Duration) error
	Status() ipvs.ManagerStatus
	// Up reports whether a configured real server is up by its checks.
	Up(svc ipvs.ServiceKey, addr netip.AddrPort) bool
	// OnHealth has fn called each time real servers change state.
	OnHealth(fn func())
	// Services is the desired table as last configured (reloads included).
	Services() []ipvs.Service
}

// Sync is what the director needs of the connection-sync manager
// (*sync.Manager).
type Sync interface {
	// Apply runs the kernel's threads for a VRRP state.
	Apply(state lvssync.VRRP) error
	Reconfigure(d lvssync.Daemon, mode lvssync.Mode) error
	Hold(ctx context.Context, src lvssync.Source, quiet, max time.Duration, clk clock.Clock, release func(reason string))
	Status() lvssync.Status
	Close() error
}

// kernel opens the parts that need the kernel; tests replace it.
type kernel struct {
	vrrp func(cfg *conf.Config, carriers *netio.Carriers, log *slog.Logger) (VRRP, error)
	// ipvs returns the manager and what closes its kernel connection.
	ipvs func(cfg *conf.Config, log *slog.Logger) (IPVS, func(), error)
	sync func(cfg *conf.Config, log *slog.Logger) (Sync, error)
	// syncListen joins the sync group, for the fail-back hold.
	syncListen func(d lvssync.Daemon) (lvssync.Source, error)
	// bgp starts the BGP speaker; addrs holds and watches the host's
	// addresses; after is the drain's wait.
	// program is the speaker program's path from the command line.
	bgp   func(cfg *conf.Config, program string, log *slog.Logger) (Speaker, error)
	addrs func() HostAddrs
	after func(d time.Duration) <-chan time.Time
	// sloppy writes the sloppy_tcp and sloppy_sctp sysctls.
	sloppy func(tcp, sctp *bool) error
}

// linux is the kernel the daemon runs on.
var linux = kernel{vrrp: newVRRP, ipvs: openIPVS, sync: openSync, syncListen: listenSync,
	bgp: openSpeaker, addrs: func() HostAddrs { return &linuxAddrs{} }, after: sleep,
	sloppy: func(tcp, sctp *bool) error { return ipvs.SetSloppy(ipvs.SysctlDir, tcp, sctp) }}

// hasIPVS reports whether cfg configures IPVS.
func hasIPVS(cfg *conf.Config) bool {
	return len(cfg.IPVS.Services) > 0 || cfg.IPVS.Timeouts != (ipvs.Timeouts{}) ||
		cfg.IPVS.SloppyTCP != nil || cfg.IPVS.SloppySCTP != nil
}
