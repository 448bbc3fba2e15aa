package director

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/ipvs"
)

// openIPVS opens the kernel's IPVS over netlink and a Manager that keeps
// the table as cfg says.
func openIPVS(cfg *conf.Config, log *slog.Logger) (IPVS, func(), error) {
	k, err := ipvs.OpenNetlink("")
	if err != nil {
		return nil, nil, kernelFault(cfg.File, "IPVS", err)
	}
	return ipvs.NewManager(k, log, nil), func() { k.Close() }, nil
}

// startIPVS starts the IPVS manager, if cfg has an IPVS part (nil if not).
// It runs on master and backup alike, so that a takeover needs no IPVS
// work. The returned stop waits for it to end once ctx has ended; the
// table stays programmed.
func (d *Director) startIPVS(ctx context.Context) (IPVS, func(), error) {
	cfg := d.cfg
	if !hasIPVS(cfg) {
		return nil, func() {}, nil
	}
	m, closeKernel, err := d.k.ipvs(cfg, d.log.With("part", "ipvs"))
	if err != nil {
		return nil, nil, err
	}
	if err := m.Configure(cfg.IPVS.Services, cfg.IPVS.Timeouts, cfg.IPVS.Resync); err != nil {
		closeKernel()
		return nil, nil, fmt.Errorf("%s: %w", cfg.File, err)
	}
	if cfg.IPVS.SloppyTCP != nil || cfg.IPVS.SloppySCTP != nil {
		if err := d.k.sloppy(cfg.IPVS.SloppyTCP, cfg.IPVS.SloppySCTP); err != nil {
			closeKernel()
			return nil, nil, kernelFault(cfg.File, "IPVS", err)
		}
		d.log.Info("ipvs sloppy set", "tcp", fmtBool(cfg.IPVS.SloppyTCP), "sctp", fmtBool(cfg.IPVS.SloppySCTP))
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.Run(ctx); err != nil {
			d.log.Error("ipvs manager stopped", "err", err)
		}
	}()
	return m, func() { <-done; closeKernel() }, nil
}

// fmtBool names an optional setting for the log.
func fmtBool(b *bool) string {
	if b == nil {
		return "unchanged"
	}
	return fmt.Sprint(*b)
}
