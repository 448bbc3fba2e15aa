package main

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

// startSync runs the kernel's connection-sync threads for the file's [sync]
// table: the backup thread (and, in mode both, the master thread) before
// VRRP starts, then as the owning instance's transitions say. With the
// fail-back hold on, that instance does not preempt until the master's
// connections have reached this director. The returned stop, called after
// VRRP has stopped, waits for the hold and stops the threads.
func startSync(ctx context.Context, cfg *conf.Config, d *router.Daemon, log *slog.Logger) (*lvssync.Manager, func(), error) {
	sc := cfg.Sync
	if sc == nil {
		return nil, func() {}, nil
	}
	var inst *router.Instance
	for _, i := range d.Instances() {
		if i.Config().Name == sc.Instance {
			inst = i
		}
	}
	if inst == nil {
		return nil, nil, fmt.Errorf("sync: no instance %q", sc.Instance)
	}
	k, err := lvssync.OpenNetlink()
	if err != nil {
		return nil, nil, kernelFault(cfg.File, "connection sync", err)
	}
	log = log.With("part", "sync", "instance", sc.Instance)
	m := lvssync.NewManager(k, sc.Daemon, sc.Mode, log)
	if err := m.Apply(lvssync.VRRPBackup); err != nil {
		m.Close()
		return nil, nil, err
	}
	subCtx, subStop := context.WithCancel(context.Background())
	subDone := d.Events().Subscribe(subCtx, func(t router.Transition) {
		if t.Instance == sc.Instance {
			m.Apply(syncState(t.To)) // errors are logged and counted by the manager
		}
	})
	holdDone := make(chan struct{})
	if sc.FailbackHold {
		l, err := lvssync.Listen(sc.Daemon.Interface, sc.Daemon.Group, sc.Daemon.Port)
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
