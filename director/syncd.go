package director

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/clock"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// openSync opens the kernel's sync threads over netlink and a Manager for
// cfg's [sync] table.
func openSync(cfg *conf.Config, log *slog.Logger) (Sync, error) {
	k, err := lvssync.OpenNetlink()
	if err != nil {
		return nil, kernelFault(cfg.File, "connection sync", err)
	}
	return lvssync.NewManager(k, cfg.Sync.Daemon, cfg.Sync.Mode, log), nil
}

// listenSync joins the sync group that d's threads send to.
func listenSync(d lvssync.Daemon) (lvssync.Source, error) {
	return lvssync.Listen(d.Interface, d.Group, d.Port)
}

// startSync runs the kernel's connection-sync threads for the file's [sync]
// table (nil if it has none): the backup thread (and, in mode both, the
// master thread) before VRRP starts, then as the owning instance's
// transitions say. With the fail-back hold on, that instance does not
// preempt until the master's connections have reached this director. The
// returned stop, called after VRRP has stopped, waits for the hold and
// stops the threads.
func (d *Director) startSync(ctx context.Context) (Sync, func(), error) {
	sc := d.cfg.Sync
	if sc == nil {
		return nil, func() {}, nil
	}
	if sc.Instance == "" {
		return d.startSyncAlways()
	}
	var inst Instance
	for _, i := range d.vrrp.Instances() {
		if i.Name() == sc.Instance {
			inst = i
		}
	}
	if inst == nil {
		return nil, nil, fmt.Errorf("sync: no instance %q", sc.Instance)
	}
	log := d.log.With("part", "sync", "instance", sc.Instance)
	m, err := d.k.sync(d.cfg, log)
	if err != nil {
		return nil, nil, err
	}
	if err := m.Apply(lvssync.VRRPBackup); err != nil {
		m.Close()
		return nil, nil, err
	}
	subCtx, subStop := context.WithCancel(context.Background())
	subDone := d.vrrp.Subscribe(subCtx, func(t router.Transition) {
		if t.Instance == sc.Instance {
			m.Apply(syncState(t.To)) // errors are logged and counted by the manager
		}
	})
	holdDone := make(chan struct{})
	if sc.FailbackHold {
		l, err := d.k.syncListen(sc.Daemon)
		if err != nil {
			log.Error("fail-back hold: cannot listen to the sync group; not holding", "err", err)
			inst.Resume()
			close(holdDone)
		} else {
			go func() {
				defer close(holdDone)
				m.Hold(ctx, l, sc.FailbackQuiet, sc.FailbackMax, clock.System{}, func(string) { inst.Resume() })
			}()
		}
	} else {
		close(holdDone)
	}
	return m, func() {
		<-holdDone
		subStop()
		<-subDone
		m.Close()
	}, nil
}

// syncState is what the sync threads follow of the instance's state.
func syncState(s vrrp.State) lvssync.VRRP {
	switch s {
	case vrrp.Master:
		return lvssync.VRRPMaster
	case vrrp.Backup:
		return lvssync.VRRPBackup
	}
	return lvssync.VRRPStopped
}

// startSyncAlways runs both of the kernel's sync threads for as long as
// the daemon runs, driven by no VRRP instance: on a BGP director every
// director forwards, so each sends its connections and takes the others'.
func (d *Director) startSyncAlways() (Sync, func(), error) {
	m, err := d.k.sync(d.cfg, d.log.With("part", "sync"))
	if err != nil {
		return nil, nil, err
	}
	// Mode is "both" (conf requires it): the backup state runs both threads.
	if err := m.Apply(lvssync.VRRPBackup); err != nil {
		m.Close()
		return nil, nil, err
	}
	return m, func() { m.Close() }, nil
}
