package track

import (
	"context"
	"log/slog"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/netio"
)

// update is one watcher's news: object k is now s.
type update struct {
	k int
	s State
}

// Run watches ts until ctx ends and calls apply with the fault, the
// effective priority and, in a fault, why (the object that fails) at the
// first complete picture and on every change.
// apply runs in Run's goroutine. Tracked interfaces are followed on
// carriers, the process's one link-event subscription.
func Run(ctx context.Context, ts []conf.Track, base uint8, carriers *netio.Carriers, log *slog.Logger, apply func(fault bool, prio uint8, why string)) {
	if len(ts) == 0 {
		return
	}
	ch := make(chan update)
	for k, t := range ts {
		send := func(s State) {
			select {
			case ch <- update{k, s}:
			case <-ctx.Done():
			}
		}
		switch t.Kind {
		case conf.TrackInterface:
			go watchInterface(ctx, carriers, t.Interface, log, send)
		case conf.TrackScript:
			go watchScript(ctx, t, log, send)
		case conf.TrackFile:
			go watchFile(ctx, t, log, send)
		}
	}
	st := make([]State, len(ts))
	applied := false
	var lastFault bool
	var lastPrio uint8
	for {
		select {
		case <-ctx.Done():
			return
		case u := <-ch:
			if st[u.k] == u.s {
				continue
			}
			if st[u.k].Known {
				log.Info("tracked object changed", "object", ts[u.k].Name(), "up", u.s.Up, "value", u.s.Value)
			}
			st[u.k] = u.s
		}
		fault, prio, why := Effect(base, ts, st)
		if applied && fault == lastFault && prio == lastPrio {
			continue
		}
		switch {
		case fault && (!applied || !lastFault):
			log.Warn("tracking: fault", "why", why)
		case !fault && applied && lastFault:
			log.Info("tracking: fault cleared")
		}
		if prio != lastPrio && applied {
			log.Info("tracking: effective priority", "priority", prio, "configured", base)
		}
		applied, lastFault, lastPrio = true, fault, prio
		apply(fault, prio, why)
	}
}
