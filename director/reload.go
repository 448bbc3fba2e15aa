package director

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
	"github.com/hadirector/hadirector/internal/control"
)

// reloader re-reads the configuration file on SIGHUP or `hadirector
// reload`. The new file is validated first; an invalid one changes
// nothing. Then VRRP instances are kept, rebuilt, added or removed
// (VRRP.Reload), the log level, notify commands, the IPVS table and the
// sync threads follow the new file. What cannot change without a restart
// is named in the report's warnings.
type reloader struct {
	file  string
	log   *slog.Logger
	level *slog.LevelVar // nil: the command line fixed the level
	vrrp  VRRP
	ipvs  IPVS // nil: none configured at start
	sync  Sync // nil: none configured at start
	// announce steps the BGP announcements at once (nil: no [bgp]): a
	// reload may have changed a VIP's services or real servers.
	announce func()

	mu     sync.Mutex   // one reload at a time; guards the fields below
	notify notifier     // nil until the notifier has started
	cur    *conf.Config // see compared
}

// notifier is what a reload changes of the notifier (*notify.Notifier).
type notifier interface{ Update(cfg *conf.Config) }

// compared is what the next reload compares a new file with: the global,
// sync and BGP settings. The instances and the IPVS services are left out:
// the VRRP daemon, the notifier and the IPVS manager hold what they need
// of them, and a second copy of a large file's would stay resident for
// nothing.
func compared(cfg *conf.Config) *conf.Config {
	c := *cfg
	c.Instances = nil
	c.IPVS.Services = nil
	return &c
}

func (r *reloader) reload() (control.ReloadReport, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg, err := conf.Load(r.file)
	if err != nil {
		r.log.Error("reload refused: the file is invalid; nothing changed", "err", err)
		return control.ReloadReport{}, fmt.Errorf("reload refused, nothing changed: %w", err)
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
	if hasIPVS(cfg) && r.ipvs == nil {
		w("the file now configures IPVS: it takes effect at the next restart")
	}
	if (cfg.Sync == nil) != (old.Sync == nil) || cfg.Sync != nil && cfg.Sync.Instance != old.Sync.Instance {
		w("[sync] was added, removed or given another instance: that takes effect at the next restart")
	}
	if !reflect.DeepEqual(cfg.BGP, old.BGP) {
		w("[bgp] or an instance with mode = \"bgp\" changed: that takes effect at the next restart")
	}
	res, err := r.vrrp.Reload(cfg)
	if err != nil {
		r.log.Error("reload failed; nothing changed", "err", err)
		return control.ReloadReport{}, err
	}
	if err := r.setLevel(cfg.Global.LogLevel); err != nil {
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
	if r.announce != nil {
		r.announce()
	}
	return control.ReloadReport{ReloadResult: res, Warnings: warn}, nil
}

// setLevel applies a reloaded file's log_level, unless the command line
// fixed the level.
func (r *reloader) setLevel(name string) error {
	if r.level == nil || name == "" {
		return nil
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(name)); err != nil {
		return err
	}
	r.level.Set(lvl)
	return nil
}

func (r *reloader) setNotifier(n notifier) {
	r.mu.Lock()
	r.notify = n
	r.mu.Unlock()
}

// reloadOnHangup reloads on every SIGHUP until ctx ends. The returned stop
// waits for it to end.
func reloadOnHangup(ctx context.Context, r *reloader, log *slog.Logger) func() {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	done := make(chan struct{})
	go func() {
		defer close(done)
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
	return func() { <-done }
}
