package garp

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// Schedule is how announcements are repeated.
type Schedule struct {
	Count       int           // packets per VIP in one burst (at least 1)
	Spacing     time.Duration // between the rounds of a burst; a round sends one packet per VIP
	RepeatDelay time.Duration // a second burst this long after the first starts; 0 = none
	Refresh     time.Duration // then a burst every Refresh while running; 0 = none
	// Follow is one more round this long after the first burst starts
	// (after the repeat, when that comes earlier): a new master's GARP
	// that follows whatever the old master answered while it still held
	// the VIPs. 0 = none.
	Follow time.Duration
}

// Announce sends the schedule for vips through s until it is complete or ctx
// is done, and returns the packets sent and the first send error. The first
// packet leaves at once. It keeps going after errors (a flaky NIC must not
// stop the announcements) and logs at most one error per burst.
func Announce(ctx context.Context, s Sender, vips []netip.Addr, sch Schedule, clk clock.Clock, log *slog.Logger) (sent int, err error) {
	start := clk.Now()
	logged := false
	for at := (position{}); ; {
		if at.round == 0 {
			logged = false
		}
		for _, v := range vips {
			if ctx.Err() != nil {
				return sent, err
			}
			if e := s.Send(v); e != nil {
				if err == nil {
					err = e
				}
				if !logged && log != nil {
					log.Warn("gratuitous ARP", "err", e)
					logged = true
				}
				continue
			}
			sent++
		}
		next, d, ok := sch.next(at, clk.Now().Sub(start))
		if !ok || !wait(ctx, clk, d) {
			return sent, err
		}
		at = next
	}
}

// wait waits d on clk; false if ctx ended first.
func wait(ctx context.Context, clk clock.Clock, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-ctx.Done():
		return false
	case <-clk.After(d):
		return true
	}
}
