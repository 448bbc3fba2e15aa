package director

import (
	"context"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/vrrp/router"
)

// newVRRP opens the VRRP daemon's sockets for cfg's instances. It is the
// one place that names the daemon's concrete type. The daemon and every
// track_interface, now and after reloads, share the process's one carrier
// subscription.
func newVRRP(cfg *conf.Config, carriers *netio.Carriers, log *slog.Logger) (VRRP, error) {
	nw := network{carriers: carriers}
	d, err := router.NewDaemon(routerConfig(cfg, nw.carriers), nw, log)
	if err != nil {
		return nil, err
	}
	return vrrpDaemon{d, nw.carriers}, nil
}

type vrrpDaemon struct {
	*router.Daemon
	carriers *netio.Carriers
}

func (d vrrpDaemon) Reload(cfg *conf.Config) (router.ReloadResult, error) {
	return d.Daemon.Reload(routerConfig(cfg, d.carriers))
}

func (d vrrpDaemon) Instances() []Instance {
	var is []Instance
	for _, i := range d.Daemon.Instances() {
		is = append(is, vrrpInstance{i})
	}
	return is
}

func (d vrrpDaemon) Subscribe(ctx context.Context, fn func(router.Transition)) <-chan struct{} {
	return d.Events().Subscribe(ctx, fn)
}

type vrrpInstance struct{ *router.Instance }

func (i vrrpInstance) Name() string { return i.Config().Name }
