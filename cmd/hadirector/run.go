package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/internal/logw"
	"github.com/hadirector/hadirector/internal/metrics"
	"github.com/hadirector/hadirector/internal/notify"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp/router"
)

func runCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	file := fs.String("c", "/etc/hadirector/hadirector.toml", "configuration file")
	sock := fs.String("s", control.DefaultPath, "control socket (empty: none)")
	var lf logFlags
	lf.register(fs)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	procs, gcPercent := tuneRuntime()
	cfg, err := conf.Load(*file)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	// The log never blocks the daemon: a full disk or a pipe nobody reads
	// costs log lines (counted and reported), not a state machine.
	logOut := logw.New(stderr, 4096)
	defer logOut.Close()
	log, err := lf.logger(logOut, cfg.Global.LogLevel)
	if err != nil {
		fmt.Fprintln(stderr, "hadirector:", err)
		return 2
	}
	for _, w := range conf.Warnings(cfg) {
		log.Warn("configuration", "warning", w.Error())
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	d, err := router.NewDaemon(routerConfig(cfg), network{}, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	mgr, stopIPVS, err := startIPVS(ctx, cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer stopIPVS()
	syncMgr, stopSync, err := startSync(ctx, cfg, d, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer stopSync()
	// Memory that start-up, takeovers, reloads and requests leave behind
	// goes back to the kernel once the daemon is quiet again.
	trim := newTrimmer(trimAfter)
	defer trim.Stop()
	trim.Soon()
	rl := &reloader{file: *file, log: log, logs: &lf, vrrp: d, ipvs: mgr, sync: syncMgr, cur: compared(cfg), trim: trim}
	ctlCtx, ctlStop := context.WithCancel(context.Background())
	defer ctlStop()
	if *sock != "" {
		wait, err := serveControl(ctlCtx, *sock, parts{vrrp: d, ipvs: mgr, sync: syncMgr, reload: rl.reload, worked: trim.Soon}, log)
		if err != nil {
			log.Error("cannot start", "err", err)
			return 1
		}
		defer wait()
		defer ctlStop()
	}
	if a := cfg.Global.MetricsAddress; a.IsValid() {
		reg := metrics.Registry(metrics.Source{Version: version(), Instances: func() []router.Status {
			var sts []router.Status
			for _, i := range d.Instances() {
				sts = append(sts, i.Status())
			}
			return sts
		}, IPVS: func() *ipvs.ManagerStatus {
			if mgr == nil {
				return nil
			}
			st := mgr.Status()
			return &st
		}, Sync: func() *lvssync.Status {
			if syncMgr == nil {
				return nil
			}
			st := syncMgr.Status()
			return &st
		}})
		_, wait, err := metrics.Serve(ctlCtx, a.String(), reg, log)
		if err != nil {
			log.Error("cannot start", "err", err)
			return 1
		}
		defer wait()
		defer ctlStop()
	}
	log.Info("started", "config", cfg.File, "instances", len(cfg.Instances), "services", len(cfg.IPVS.Services), "sync", cfg.Sync != nil, "version", version(), "gomaxprocs", procs, "gogc", gcPercent)
	// The notifier always runs, so that a reload may add notify commands.
	n, err := notify.New(cfg, log)
	if err != nil {
		log.Error("cannot start", "err", err)
		return 1
	}
	defer n.Close()
	rl.setNotifier(n)
	// Subscribed before Run, so that the start-up transitions are
	// notified; ended after Run, so that the stop ones are too.
	nctx, nstop := context.WithCancel(context.Background())
	done := d.Events().Subscribe(nctx, func(t router.Transition) { n.Handle(t); trim.Soon() })
	defer func() { nstop(); <-done }()
	reloadOnHangup(ctx, rl, log)
	notifyDone := notifySystemd(ctx, log)
	defer notifyDone()
	if err := d.Run(ctx); err != nil {
		log.Error("stopped", "err", err)
		return 1
	}
	log.Info("stopped")
	return 0
}

// startIPVS starts the Manager that keeps the kernel's IPVS table as the
// file says, if the file has an IPVS part. It runs on master and backup
// alike, so that a takeover needs no IPVS work. The returned stop waits for
// it to end once ctx has ended; the table stays programmed.
func startIPVS(ctx context.Context, cfg *conf.Config, log *slog.Logger) (*ipvs.Manager, func(), error) {
	if len(cfg.IPVS.Services) == 0 && cfg.IPVS.Timeouts == (ipvs.Timeouts{}) {
		return nil, func() {}, nil
	}
	k, err := ipvs.OpenNetlink("")
	if err != nil {
		return nil, nil, kernelFault(cfg.File, "IPVS", err)
	}
	m := ipvs.NewManager(k, log.With("part", "ipvs"), nil)
	if err := m.Configure(cfg.IPVS.Services, cfg.IPVS.Timeouts, cfg.IPVS.Resync); err != nil {
		k.Close()
		return nil, nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Run(ctx); err != nil {
			log.Error("ipvs manager stopped", "err", err)
		}
	}()
	return m, func() { <-done; k.Close() }, nil
}
