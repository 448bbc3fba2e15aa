package garp

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
)

// Announce sends the schedule for vips through s until it is complete or ctx
// is done, and returns the packets sent and the first send error. The first
// packet leaves at once. It keeps going after errors (a flaky NIC must not
// stop the announcements) and logs at most one error per burst.
func Announce(ctx context.Context, s Sender, vips []netip.Addr, sch Schedule, clk clock.Clock, log *slog.Logger) (sent int, err error) {
	start := clk.Now()
	logged := false
	for at := (Position{}); ; {
		if at.Round == 0 {
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
		next, d, ok := sch.Next(at, clk.Now().Sub(start))
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
