package director

import (
	"context"

	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/internal/metrics"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp/router"
)

// serveMetrics serves the Prometheus metrics, if the file gives an address.
func (d *Director) serveMetrics() error {
	a := d.cfg.Global.MetricsAddress
	if !a.IsValid() {
		return nil
	}
	reg := metrics.Registry(metrics.Source{Version: d.opts.Version, Instances: func() []router.Status {
		var sts []router.Status
		for _, i := range d.vrrp.Instances() {
			sts = append(sts, i.Status())
		}
		return sts
	}, IPVS: func() *ipvs.ManagerStatus {
		if d.ipvs == nil {
			return nil
		}
		st := d.ipvs.Status()
		return &st
	}, BGP: func() *announce.Status {
		if d.bgp == nil {
			return nil
		}
		st := d.bgp.Status()
		return &st
	}, Sync: func() *lvssync.Status {
		if d.sync == nil {
			return nil
		}
		st := d.sync.Status()
		return &st
	}})
	ctx, cancel := context.WithCancel(context.Background())
	_, wait, err := metrics.Serve(ctx, a.String(), reg, d.log)
	if err != nil {
		cancel()
		return err
	}
	d.push(func() { cancel(); wait() })
	return nil
}
