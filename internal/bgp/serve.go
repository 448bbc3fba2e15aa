package bgp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
)

// Engine is the BGP speaker the process runs (*gobgp.Speaker).
type Engine interface {
	Announce(vip netip.Addr) error
	Withdraw(vip netip.Addr) error
	Peers() []announce.PeerStatus
	// Stop closes the sessions (the routers drop the routes) and stops.
	Stop()
}

// Opener starts an Engine; log goes to the director.
type Opener func(ctx context.Context, cfg Config, log *slog.Logger) (Engine, error)

// ErrWatchdog is Serve's error when the director fell silent.
var ErrWatchdog = errors.New("bgp: the director sent nothing within the watchdog time")

// Serve is the speaker process: it reads requests from in (the director),
// answers and logs on out, and runs the Engine open starts for the first
// request. It returns nil when in ends (the director closed it: stop),
// ErrWatchdog when the director says nothing for the watchdog time, or
// the error that ended it; the Engine is stopped first in every case.
func Serve(in io.Reader, out io.Writer, open Opener) error {
	w := &replyWriter{w: out}
	log := slog.New(&wireHandler{w: w})
	reqs := make(chan Request)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), MaxLine)
		for sc.Scan() {
			r, err := UnmarshalRequest(sc.Bytes())
			if err != nil {
				readErr <- err
				return
			}
			reqs <- r
		}
		readErr <- sc.Err() // nil at EOF
	}()

	var first Request
	select {
	case first = <-reqs:
	case err := <-readErr:
		if err == nil {
			return nil // the director went before it asked for anything
		}
		return err
	}
	if first.Op != OpStart {
		err := fmt.Errorf("bgp: request %d: %q before %q", first.ID, first.Op, OpStart)
		w.reply(Reply{ID: first.ID, Err: err.Error()})
		return err
	}
	eng, err := open(context.Background(), *first.Config, log)
	if err != nil {
		w.reply(Reply{ID: first.ID, Err: err.Error()})
		return err
	}
	defer eng.Stop()
	if err := w.reply(Reply{ID: first.ID}); err != nil {
		return err
	}
	var watchdog <-chan time.Time
	var timer *time.Timer
	if d := first.Watchdog; d > 0 {
		timer = time.NewTimer(d)
		defer timer.Stop()
		watchdog = timer.C
	}
	for {
		select {
		case r := <-reqs:
			if timer != nil {
				timer.Reset(first.Watchdog)
			}
			if err := w.reply(handle(eng, r)); err != nil {
				return err
			}
		case err := <-readErr:
			if err != nil {
				log.Error("bgp speaker: bad request from the director; stopping", "err", err)
			}
			return err
		case <-watchdog:
			log.Error("bgp speaker: the director sent nothing for the watchdog time (frozen or hung); "+
				"stopping, so that the routers withdraw its VIPs", "watchdog", first.Watchdog)
			return ErrWatchdog
		}
	}
}

// handle runs one request after the start.
func handle(eng Engine, r Request) Reply {
	rep := Reply{ID: r.ID}
	switch r.Op {
	case OpAnnounce, OpWithdraw:
		do := eng.Announce
		if r.Op == OpWithdraw {
			do = eng.Withdraw
		}
		for _, v := range r.VIPs {
			if err := do(v); err != nil {
				rep.Err = err.Error()
				break
			}
		}
	case OpPeers:
		rep.Peers = eng.Peers()
		if rep.Peers == nil {
			rep.Peers = []announce.PeerStatus{}
		}
	case OpPing:
	default:
		rep.Err = fmt.Sprintf("bgp: %q: the speaker is started already", r.Op)
	}
	return rep
}

// replyWriter writes whole lines, one writer at a time.
type replyWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *replyWriter) reply(r Reply) error {
	b, err := MarshalReply(r)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	_, err = w.w.Write(b)
	return err
}

// wireHandler sends log records to the director, as Log replies.
type wireHandler struct {
	w     *replyWriter
	attrs []string
	group string
}

func (h *wireHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *wireHandler) Handle(_ context.Context, r slog.Record) error {
	l := &Log{Level: r.Level, Msg: r.Message, Attrs: append([]string(nil), h.attrs...)}
	r.Attrs(func(a slog.Attr) bool {
		l.Attrs = append(l.Attrs, h.group+a.Key, a.Value.String())
		return true
	})
	return h.w.reply(Reply{Log: l})
}

func (h *wireHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append([]string(nil), h.attrs...)
	for _, a := range as {
		n.attrs = append(n.attrs, h.group+a.Key, a.Value.String())
	}
	return &n
}

func (h *wireHandler) WithGroup(name string) slog.Handler {
	n := *h
	n.group = h.group + name + "."
	return &n
}
