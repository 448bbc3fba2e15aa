package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp/router"
)

// Client asks a running daemon over its control socket; each call is one
// connection.
type Client struct {
	Path string // the socket, DefaultPath unless the daemon was told otherwise
}

// Answer is a decoded reply and its JSON as the daemon sent it, which
// --json prints unchanged (fields of a newer or older daemon included).
type Answer[T any] struct {
	Value T
	JSON  json.RawMessage
}

// Status returns the status of the named instance, or of every instance
// when instance is empty.
func (c Client) Status(ctx context.Context, instance string) (Answer[[]router.Status], error) {
	return one[[]router.Status](ctx, c, Request{Cmd: CmdStatus, Instance: instance})
}

// Watch calls fn with each transition of the named instance (empty: of
// every instance) until ctx ends, the daemon stops, or fn fails.
func (c Client) Watch(ctx context.Context, instance string, fn func(Answer[router.Transition]) error) error {
	acked := false
	return c.call(ctx, Request{Cmd: CmdWatch, Instance: instance}, func(b json.RawMessage) error {
		if !acked {
			acked = true
			return nil
		}
		var t router.Transition
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		return fn(Answer[router.Transition]{t, b})
	})
}

// StepDown hands the named instance's mastership over (empty: every
// master's) and waits until each handover has ended: began is called with
// the first line, ended with each instance's outcome (either may be nil).
// It gives the daemon AnswerWait for the first line, and the bound it
// names and AnswerWait more for the rest. An instance that did not hand
// over makes it fail.
func (c Client) StepDown(ctx context.Context, instance string, began func(Answer[StepDownReply]) error, ended func(Answer[router.StepDownOutcome]) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var late atomic.Bool
	limit := time.AfterFunc(AnswerWait, func() { late.Store(true); cancel() })
	defer limit.Stop()
	first := true
	err := c.call(ctx, Request{Cmd: CmdStepDown, Instance: instance}, func(b json.RawMessage) error {
		if first {
			first = false
			var r StepDownReply
			if err := json.Unmarshal(b, &r); err != nil {
				return err
			}
			if d, err := time.ParseDuration(r.Bound); err == nil {
				limit.Reset(d + AnswerWait)
			}
			if began == nil {
				return nil
			}
			return began(Answer[StepDownReply]{r, b})
		}
		var o router.StepDownOutcome
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		if ended == nil {
			return nil
		}
		return ended(Answer[router.StepDownOutcome]{o, b})
	})
	if err == nil && late.Load() {
		err = fmt.Errorf("the daemon at %s did not finish answering in time", c.Path)
	}
	return err
}

// Resume lifts the preemption hold of a step-down.
func (c Client) Resume(ctx context.Context, instance string) (Answer[ResumeReply], error) {
	return one[ResumeReply](ctx, c, Request{Cmd: CmdResume, Instance: instance})
}

// Vanish silences the named instance for d, as if its director had died.
func (c Client) Vanish(ctx context.Context, instance string, d time.Duration) (Answer[VanishReply], error) {
	return one[VanishReply](ctx, c, Request{Cmd: CmdVanish, Instance: instance, Duration: d.String()})
}

// Reload has the daemon re-read its file, as SIGHUP does.
func (c Client) Reload(ctx context.Context) (Answer[ReloadReport], error) {
	return one[ReloadReport](ctx, c, Request{Cmd: CmdReload})
}

// IPVSStatus returns the daemon's IPVS manager summary; its Value is nil
// when the daemon has no IPVS part.
func (c Client) IPVSStatus(ctx context.Context) (Answer[*ipvs.ManagerStatus], error) {
	return one[*ipvs.ManagerStatus](ctx, c, Request{Cmd: CmdIPVSStatus})
}

// SyncStatus returns the daemon's connection-sync status; its Value is nil
// when the daemon has no [sync] part.
func (c Client) SyncStatus(ctx context.Context) (Answer[*lvssync.Status], error) {
	return one[*lvssync.Status](ctx, c, Request{Cmd: CmdSyncStatus})
}

// BGPStatus returns the daemon's BGP sessions and announcements; its
// Value is nil when the daemon has no [bgp] part.
func (c Client) BGPStatus(ctx context.Context) (Answer[*announce.Status], error) {
	return one[*announce.Status](ctx, c, Request{Cmd: CmdBGPStatus})
}

// Drain withdraws every VIP the daemon announces over BGP, for planned
// work, and returns once the speaker has been told, with the new status.
// The VIPs stay withdrawn until Undrain (or a restart).
func (c Client) Drain(ctx context.Context) (Answer[announce.Status], error) {
	return one[announce.Status](ctx, c, Request{Cmd: CmdDrain})
}

// Undrain lets the daemon announce its fit VIPs again.
func (c Client) Undrain(ctx context.Context) (Answer[announce.Status], error) {
	return one[announce.Status](ctx, c, Request{Cmd: CmdUndrain})
}

// one sends req and decodes the one reply it expects.
func one[T any](ctx context.Context, c Client, req Request) (Answer[T], error) {
	var a Answer[T]
	got := false
	err := c.call(ctx, req, func(b json.RawMessage) error {
		if got {
			return fmt.Errorf("control socket %s: %s: more than one reply", c.Path, req.Cmd)
		}
		got = true
		a.JSON = b
		return json.Unmarshal(b, &a.Value)
	})
	if err == nil && !got {
		err = fmt.Errorf("control socket %s: %s: no reply", c.Path, req.Cmd)
	}
	return a, err
}

// call sends req and calls fn with each reply's data until the daemon
// closes the connection or ctx ends.
func (c Client) call(ctx context.Context, req Request, fn func(json.RawMessage) error) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.Path)
	if err != nil {
		return fmt.Errorf("cannot reach the daemon at %s: %w", c.Path, err)
	}
	defer conn.Close()
	go func() { <-ctx.Done(); conn.Close() }()
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return fmt.Errorf("control socket %s: %w", c.Path, err)
	}
	dec := json.NewDecoder(conn)
	for {
		var r Reply
		if err := dec.Decode(&r); err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("control socket %s: %w", c.Path, err)
		}
		if r.Error != "" {
			return errors.New(r.Error)
		}
		if err := fn(r.Data); err != nil {
			return err
		}
	}
}
