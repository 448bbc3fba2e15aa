package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"reflect"
	"sync"
	"syscall"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/notify"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp/router"
)

// reloader re-reads the configuration file on SIGHUP or `hadirector
// reload`. The new file is validated first; an invalid one changes
// nothing. Then VRRP instances are kept, rebuilt, added or removed
// (router.Daemon.Reload), the IPVS table and the sync threads follow the
// new file, and notify commands change. What cannot change without a
// restart is named in the result's warnings.
type reloader struct {
	file   string
	log    *slog.Logger
	logs   *logFlags
	vrrp   *router.Daemon
	ipvs   *ipvs.Manager
	sync   *lvssync.Manager
	notify *notify.Notifier
	trim   *trimmer

	mu  sync.Mutex   // one reload at a time; guards cur
	cur *conf.Config // see compared
}

// compared is what the next reload compares a new file with: the global
// and sync settings. The instances are left out; the VRRP daemon and the
// notifier hold what they need of them, and a second copy of a thousand
// instances' settings was half a megabyte.
func compared(cfg *conf.Config) *conf.Config {
	c := *cfg
	c.Instances = nil
	return &c
}

// ReloadReport is what `hadirector reload` prints.
type ReloadReport struct {
	router.ReloadResult
	Warnings []string `json:"warnings,omitempty"`
}

func (r *reloader) reload() (ReloadReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	defer r.trim.Soon() // the old file's instances and the parse are garbage
	cfg, err := conf.Load(r.file)
	if err != nil {
		r.log.Error("reload refused: the file is invalid; nothing changed", "err", err)
		return ReloadReport{}, fmt.Errorf("reload refused, nothing changed: %w", err)
	}
	var warn []string
	w := func(format string, args ...any) {
		msg := fmt.Sprintf(format, args...)
		warn = append(warn, msg)
		r.log.Warn("reload: " + msg)
	}
	old := r.cur
	if cfg.Global.MetricsAddress != old.Global.MetricsAddress {
		w("global.metrics_address changed: it takes effect at the next restart")
	}
	if cfg.Global.NotifyFIFO != old.Global.NotifyFIFO {
		w("global.notify_fifo changed: it takes effect at the next restart")
	}
	hasIPVS := len(cfg.IPVS.Services) > 0 || cfg.IPVS.Timeouts != (ipvs.Timeouts{})
	if hasIPVS && r.ipvs == nil {
		w("the file now configures IPVS: it takes effect at the next restart")
	}
	if (cfg.Sync == nil) != (old.Sync == nil) || cfg.Sync != nil && cfg.Sync.Instance != old.Sync.Instance {
		w("[sync] was added, removed or given another instance: that takes effect at the next restart")
	}
	res, err := r.vrrp.Reload(routerConfig(cfg))
	if err != nil {
		r.log.Error("reload failed; nothing changed", "err", err)
		return ReloadReport{}, err
	}
	if err := r.logs.setLevel(cfg.Global.LogLevel); err != nil {
		w("log_level: %v", err)
	}
	if r.notify != nil {
		r.notify.Update(cfg)
	}
	if r.ipvs != nil {
		if err := r.ipvs.Configure(cfg.IPVS.Services, cfg.IPVS.Timeouts, cfg.IPVS.Resync); err != nil {
			w("ipvs: %v (the previous table stays)", err)
		}
	}
	if r.sync != nil && cfg.Sync != nil && old.Sync != nil && cfg.Sync.Instance == old.Sync.Instance &&
		!reflect.DeepEqual(*cfg.Sync, *old.Sync) {
		if err := r.sync.Reconfigure(cfg.Sync.Daemon, cfg.Sync.Mode); err != nil {
			w("sync: %v", err)
		}
	}
	r.cur = compared(cfg)
	return ReloadReport{ReloadResult: res, Warnings: warn}, nil
}

func (r *reloader) setNotifier(n *notify.Notifier) {
	r.mu.Lock()
	r.notify = n
	r.mu.Unlock()
}

// reloadOnHangup reloads on every SIGHUP until ctx ends.
func reloadOnHangup(ctx context.Context, r *reloader, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				log.Info("SIGHUP: reloading", "config", r.file)
				r.reload() // the outcome is logged
			}
		}
	}()
}
