package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp/router"
)

// parts are what the control socket reports on; ipvs and sync are nil
// when the file does not configure them.
type parts struct {
	vrrp *router.Daemon
	ipvs *ipvs.Manager
	sync *lvssync.Manager
	// reload re-reads the file (nil: not offered).
	reload func() (ReloadReport, error)
	// worked, if set, is called after each request (the trimmer's Soon:
	// a status of a thousand instances leaves garbage behind).
	worked func()
}

// serveControl answers the CLI on the control socket until ctx ends.
func serveControl(ctx context.Context, path string, p parts, log *slog.Logger) (func(), error) {
	srv, err := control.Listen(path, log)
	if err != nil {
		return nil, err
	}
	done := make(chan struct{})
	h := controlHandler(p)
	if p.worked != nil {
		inner := h
		h = func(ctx context.Context, req control.Request, send func(any) error) error {
			defer p.worked()
			return inner(ctx, req, send)
		}
	}
	go func() { srv.Serve(ctx, h); close(done) }()
	return func() { <-done }, nil
}

func controlHandler(p parts) control.Handler {
	d := p.vrrp
	return func(ctx context.Context, req control.Request, send func(any) error) error {
		switch req.Cmd {
		case "ipvs-status":
			if p.ipvs == nil {
				return send(nil)
			}
			return send(p.ipvs.Status())
		case "sync-status":
			if p.sync == nil {
				return send(nil)
			}
			return send(p.sync.Status())
		case "reload":
			if p.reload == nil {
				return fmt.Errorf("reload is not offered here")
			}
			rep, err := p.reload()
			if err != nil {
				return err
			}
			return send(rep)
		}
		insts, err := pick(d, req.Instance)
		if err != nil {
			return err
		}
		switch req.Cmd {
		case "status":
			var sts []router.Status
			for _, i := range insts {
				sts = append(sts, i.Status())
			}
			return send(sts)
		case "step-down":
			return stepDown(ctx, insts, req.Instance != "", send)
		case "vanish":
			d, err := time.ParseDuration(req.Duration)
			if err != nil || d <= 0 || d > time.Hour {
				return fmt.Errorf("vanish: bad duration %q", req.Duration)
			}
			for _, i := range insts {
				i.Vanish(d)
			}
			return send(map[string]string{"vanished_for": d.String()})
		case "resume":
			for _, i := range insts {
				i.Resume()
			}
			return send(map[string]int{"resumed": len(insts)})
		case "watch":
			ch := make(chan router.Transition, 256)
			d.Events().Subscribe(ctx, func(t router.Transition) {
				if req.Instance == "" || t.Instance == req.Instance {
					select {
					case ch <- t:
					case <-ctx.Done():
					}
				}
			})
			if err := send(map[string]string{"watching": "transitions"}); err != nil {
				return err
			}
			for {
				select {
				case <-ctx.Done():
					return nil
				case t := <-ch:
					if err := send(t); err != nil {
						return nil
					}
				}
			}
		}
		return fmt.Errorf("unknown command %q", req.Cmd)
	}
}

func pick(d *router.Daemon, name string) ([]*router.Instance, error) {
	if name == "" {
		return d.Instances(), nil
	}
	for _, i := range d.Instances() {
		if i.Config().Name == name {
			return []*router.Instance{i}, nil
		}
	}
	return nil, fmt.Errorf("no instance named %q", name)
}
