package router

import (
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// dropLogEvery is how often one drop reason may be logged; a flood of bad
// packets costs a counter increment each, and one log line per period.
const dropLogEvery = 10 * time.Second

// warner is what a drop is logged to: a *slog.Logger, or an instance's
// lazily made one (instLog), as for the GARP announcer.
type warner = garp.Logger

// dropLog logs dropped packets at most once per reason per dropLogEvery,
// saying how many of that reason went unlogged since.
type dropLog struct {
	mu         sync.Mutex
	last       map[vrrp.Reason]time.Time
	suppressed map[vrrp.Reason]uint64
}

func (d *dropLog) log(log warner, r vrrp.Reason, src netip.Addr, err error, now time.Time) {
	d.mu.Lock()
	if d.last == nil {
		d.last, d.suppressed = map[vrrp.Reason]time.Time{}, map[vrrp.Reason]uint64{}
	}
	if t, ok := d.last[r]; ok && now.Sub(t) < dropLogEvery {
		d.suppressed[r]++
		d.mu.Unlock()
		return
	}
	n := d.suppressed[r]
	d.last[r], d.suppressed[r] = now, 0
	d.mu.Unlock()
	log.Warn("packet dropped", "reason", r.String(), "src", src.String(), "err", err, "unlogged_since_last", n)
}

// dropLog returns the instance's drop log, making it at the first drop
// logged: most instances never log one.
func (i *Instance) dropLog() *dropLog {
	if d := i.drops.Load(); d != nil {
		return d
	}
	i.drops.CompareAndSwap(nil, new(dropLog))
	return i.drops.Load()
}
