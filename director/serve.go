package director

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp/router"
)

// parts are what the control socket reports on and acts on; ipvs and sync
// are nil when the file does not configure them.
type parts struct {
	vrrp VRRP
	ipvs IPVS
	sync Sync
	// reload re-reads the file (nil: not offered).
	reload func() (control.ReloadReport, error)
	bgp    BGPControl // nil: no [bgp]
}

// BGPControl is what the control socket asks of the BGP part.
type BGPControl interface {
	Status() announce.Status
	Drain(on bool)
}

// serveControl answers the CLI on the control socket at path. The
// returned stop ends it and waits for the requests in flight.
func serveControl(path string, p parts, log *slog.Logger) (func(), error) {
	srv, err := control.Listen(path, log)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, controlHandler(p)); close(done) }()
	return func() { cancel(); <-done }, nil
}

// controlHandler routes each control command to the part that answers it.
func controlHandler(p parts) control.Handler {
	return func(ctx context.Context, req control.Request, send func(any) error) error {
		switch req.Cmd {
		case control.CmdIPVSStatus:
			if p.ipvs == nil {
				return send(nil)
			}
			return send(p.ipvs.Status())
		case control.CmdSyncStatus:
			if p.sync == nil {
				return send(nil)
			}
			return send(p.sync.Status())
		case control.CmdBGPStatus:
			if p.bgp == nil {
				return send(nil)
			}
			return send(p.bgp.Status())
		case control.CmdDrain, control.CmdUndrain:
			if p.bgp == nil {
				return fmt.Errorf("%s: this daemon announces nothing over BGP (no [bgp] in its file)", req.Cmd)
			}
			p.bgp.Drain(req.Cmd == control.CmdDrain)
			return send(p.bgp.Status())
		case control.CmdReload:
			if p.reload == nil {
				return fmt.Errorf("reload is not offered here")
			}
			rep, err := p.reload()
			if err != nil {
				return err
			}
			return send(rep)
		case control.CmdStatus, control.CmdStepDown, control.CmdVanish, control.CmdResume, control.CmdWatch:
			return instanceCommand(ctx, p.vrrp, req, send)
		}
		return fmt.Errorf("unknown command %q", req.Cmd)
	}
}

// instanceCommand answers a command on the instance req names, or on
// every instance.
func instanceCommand(ctx context.Context, d VRRP, req control.Request, send func(any) error) error {
	insts, err := pick(d, req.Instance)
	if err != nil {
		return err
	}
	switch req.Cmd {
	case control.CmdStatus:
		var sts []router.Status
		for _, i := range insts {
			sts = append(sts, i.Status())
		}
		return send(sts)
	case control.CmdStepDown:
		return stepDown(ctx, insts, req.Instance != "", send)
	case control.CmdVanish:
		d, err := time.ParseDuration(req.Duration)
		if err != nil || d <= 0 || d > time.Hour {
			return fmt.Errorf("vanish: bad duration %q", req.Duration)
		}
		for _, i := range insts {
			i.Vanish(d)
		}
		return send(control.VanishReply{VanishedFor: d.String()})
	case control.CmdResume:
		for _, i := range insts {
			i.Resume()
		}
		return send(control.ResumeReply{Resumed: len(insts)})
	}
	return watch(ctx, d, req.Instance, send)
}

// watch streams the transitions of the named instance (empty: all) until
// the client leaves.
func watch(ctx context.Context, d VRRP, instance string, send func(any) error) error {
	ch := make(chan router.Transition, 256)
	d.Subscribe(ctx, func(t router.Transition) {
		if instance == "" || t.Instance == instance {
			select {
			case ch <- t:
			case <-ctx.Done():
			}
		}
	})
	if err := send(control.WatchAck{Watching: "transitions"}); err != nil {
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

func pick(d VRRP, name string) ([]Instance, error) {
	if name == "" {
		return d.Instances(), nil
	}
	for _, i := range d.Instances() {
		if i.Name() == name {
			return []Instance{i}, nil
		}
	}
	return nil, fmt.Errorf("no instance named %q", name)
}
