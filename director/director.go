package director

import (
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/internal/notify"
)

// Options are what the command line adds to the configuration file.
type Options struct {
	// Socket is the control socket's path; empty: none.
	Socket string
	// Version is the daemon's, for the start-up log and the metrics.
	Version string
	// Level is the running log level, which a reload sets from the
	// file's log_level; nil if the command line fixed it.
	Level *slog.LevelVar
	// BGPSpeaker is the BGP speaker program's path; empty: found as
	// bgp.Locate says.
	BGPSpeaker string
}

// Director is a started daemon; Run runs it.
type Director struct {
	cfg  *conf.Config
	log  *slog.Logger
	opts Options
	k    kernel
	// carriers is the process's one subscription to link events, shared
	// by VRRP and every track_interface (VRRP's and BGP's).
	carriers *netio.Carriers

	cancel context.CancelFunc // ends the parts' context
	stops  []func()           // what stops each started part, in start order

	vrrp VRRP
	ipvs IPVS     // nil: not configured
	sync Sync     // nil: not configured
	bgp  *bgpPart // nil: not configured
}

// Start opens and starts the parts cfg configures, in the order the
// package documentation gives, each for as long as ctx lasts. If one
// fails, the parts already started stop, in reverse, and Start returns
// its error.
func Start(ctx context.Context, cfg *conf.Config, log *slog.Logger, o Options) (*Director, error) {
	return start(ctx, cfg, log, o, linux)
}

func start(ctx context.Context, cfg *conf.Config, log *slog.Logger, o Options, k kernel) (*Director, error) {
	d := &Director{cfg: cfg, log: log, opts: o, k: k, carriers: &netio.Carriers{}}
	ctx, d.cancel = context.WithCancel(ctx)
	if err := d.start(ctx); err != nil {
		d.stop()
		return nil, err
	}
	return d, nil
}

func (d *Director) start(ctx context.Context) error {
	for _, w := range conf.Warnings(d.cfg) {
		d.log.Warn("configuration", "warning", w.Error())
	}
	v, err := d.k.vrrp(d.cfg, d.carriers, d.log)
	if err != nil {
		return err
	}
	d.vrrp = v
	d.push(func() {
		if err := v.Close(); err != nil {
			d.log.Warn("closing the VRRP sockets", "err", err)
		}
	})
	m, stop, err := d.startIPVS(ctx)
	if err != nil {
		return err
	}
	d.push(stop)
	d.ipvs = m
	s, stop, err := d.startSync(ctx)
	if err != nil {
		return err
	}
	d.push(stop)
	d.sync = s
	b, stop, err := d.startBGP(ctx)
	if err != nil {
		return err
	}
	d.push(stop)
	d.bgp = b
	rl := &reloader{file: d.cfg.File, log: d.log, level: d.opts.Level, vrrp: d.vrrp, ipvs: d.ipvs, sync: d.sync, cur: compared(d.cfg)}
	if b != nil {
		rl.announce = b.step
	}
	if d.opts.Socket != "" {
		p := parts{vrrp: d.vrrp, ipvs: d.ipvs, sync: d.sync, reload: rl.reload}
		if d.bgp != nil {
			p.bgp = d.bgp
		}
		stop, err := serveControl(d.opts.Socket, p, d.log)
		if err != nil {
			return err
		}
		d.push(stop)
	}
	if err := d.serveMetrics(); err != nil {
		return err
	}
	d.log.Info("started", "config", d.cfg.File, "instances", len(d.cfg.Instances), "services", len(d.cfg.IPVS.Services),
		"sync", d.cfg.Sync != nil, "bgp", d.bgp != nil, "version", d.opts.Version, "gomaxprocs", runtime.GOMAXPROCS(0), "gogc", gcPercent())
	// The notifier always runs, so that a reload may add notify commands.
	n, err := notify.New(d.cfg, d.log)
	if err != nil {
		return err
	}
	d.push(func() { n.Close() })
	rl.setNotifier(n)
	// Subscribed before Run, so that the start-up transitions are
	// notified; ended after Run, so that the stop ones are too.
	nctx, nstop := context.WithCancel(context.Background())
	done := d.vrrp.Subscribe(nctx, n.Handle)
	d.push(func() { nstop(); <-done })
	d.push(reloadOnHangup(ctx, rl, d.log))
	// From here on the director reads only the global settings (the BGP
	// drain time); the parts hold their own copies of the rest.
	d.cfg = compared(d.cfg)
	return nil
}

// Run runs the VRRP instances until ctx ends, then stops them cleanly,
// withdraws the BGP VIPs and forwards for the drain time, and stops every
// other part, in the reverse of their start.
func (d *Director) Run(ctx context.Context) error {
	defer d.stop()
	notified := notifySystemd(ctx, d.log)
	defer notified()
	err := d.vrrp.Run(ctx)
	d.drain()
	return err
}

func (d *Director) push(stop func()) { d.stops = append(d.stops, stop) }

// stop ends the parts' context and stops the started parts in reverse.
func (d *Director) stop() {
	d.cancel()
	for i := len(d.stops) - 1; i >= 0; i-- {
		d.stops[i]()
	}
	d.stops = nil
}

// gcPercent is the collector's target in force (GOGC), for the start-up log.
func gcPercent() int {
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}
