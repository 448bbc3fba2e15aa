package router

import (
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// dropLogEvery is how often one drop reason may be logged; a flood of bad
// packets costs a counter increment each, and one log line per period.
const dropLogEvery = 10 * time.Second

// warner is what a drop is logged to: a *slog.Logger, or an instance's
// lazily made one (instLog).
type warner interface {
	Warn(msg string, args ...any)
}

// dropLog logs dropped packets at most once per reason per dropLogEvery,
// saying how many of that reason went unlogged since; and likewise VRRPv3
// adverts processed with an address list that differs from ours.
type dropLog struct {
	mu         sync.Mutex
	last       map[vrrp.Reason]time.Time
	suppressed map[vrrp.Reason]uint64
}

// keyMismatch is the key address-list mismatches are limited under, apart
// from every drop reason: such adverts are processed, not dropped.
const keyMismatch = vrrp.NumReasons

func (d *dropLog) log(log warner, r vrrp.Reason, src netip.Addr, err error, now time.Time) {
	if n, ok := d.allow(r, now); ok {
		log.Warn("packet dropped", "reason", r.String(), "src", src.String(), "err", err, "unlogged_since_last", n)
	}
}

// mismatch logs a VRRPv3 advert whose addresses are not the configured
// VIPs, at most once per dropLogEvery.
func (d *dropLog) mismatch(log warner, src netip.Addr, addrs, vips []netip.Addr, now time.Time) {
	if n, ok := d.allow(keyMismatch, now); ok {
		log.Warn("advert address list differs from the configured VIPs, processed anyway", "src", src.String(),
			"detail", vrrp.AddrDiff(addrs, vips), "unlogged_since_last", n)
	}
}

// allow says whether a line under key may be logged at now and, if so,
// how many under it went unlogged since the last.
func (d *dropLog) allow(key vrrp.Reason, now time.Time) (uint64, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.last == nil {
		d.last, d.suppressed = map[vrrp.Reason]time.Time{}, map[vrrp.Reason]uint64{}
	}
	if t, ok := d.last[key]; ok && now.Sub(t) < dropLogEvery {
		d.suppressed[key]++
		return 0, false
	}
	n := d.suppressed[key]
	d.last[key], d.suppressed[key] = now, 0
	return n, true
}

// dropLog returns the instance's drop log, making it at the first drop or
// mismatch logged: most instances never log one.
func (i *Instance) dropLog() *dropLog {
	if d := i.drops.Load(); d != nil {
		return d
	}
	i.drops.CompareAndSwap(nil, new(dropLog))
	return i.drops.Load()
}
