package netio

import (
	"context"
	"log/slog"
	"time"

	"github.com/vishvananda/netlink"
)

// TrafficPoll is how often WaitTraffic reads the interface's state.
const TrafficPoll = 100 * time.Millisecond

// WaitTraffic returns true once the interface is up with carrier and has
// received packets since the call began (the network in front of it
// works), or false when ctx ends first. It logs once when it starts
// waiting and at debug level every second after.
func WaitTraffic(ctx context.Context, name string, log *slog.Logger) bool {
	tick := time.NewTicker(TrafficPoll)
	defer tick.Stop()
	var first uint64
	seen := false
	start := time.Now()
	lastLog := start
	log.Info("start-up: waiting for the interface to be up and carry traffic before mastership")
	for {
		if l, err := netlink.LinkByName(name); err == nil {
			a := l.Attrs()
			up := carrier(a)
			var rx uint64
			if a.Statistics != nil {
				rx = a.Statistics.RxPackets
			}
			switch {
			case !seen:
				first, seen = rx, true
			case up && rx > first:
				log.Info("start-up: the interface is up and carries traffic", "rx_packets", rx-first, "after", time.Since(start).Round(time.Millisecond))
				return true
			}
		}
		select {
		case <-ctx.Done():
			return false
		case now := <-tick.C:
			if now.Sub(lastLog) >= time.Second {
				lastLog = now
				log.Debug("start-up: still waiting for traffic", "waited", now.Sub(start).Round(time.Second))
			}
		}
	}
}
