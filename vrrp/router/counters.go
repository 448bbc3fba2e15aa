package router

import (
	"sync/atomic"

	"github.com/hadirector/hadirector/vrrp"
)

// Counters are an instance's running totals, safe to read while it runs.
type Counters struct {
	AdvertsIn   atomic.Uint64
	AdvertsOut  atomic.Uint64
	GARPs       atomic.Uint64
	Transitions atomic.Uint64
	// AddrListMismatch counts VRRPv3 adverts processed although their
	// addresses are not the configured VIPs.
	AddrListMismatch atomic.Uint64
	// drops are indexed by Reason, 0 holding unknown ones; made at the
	// first drop, as most instances never drop a packet.
	drops atomic.Pointer[dropCounts]
}

type dropCounts [vrrp.NumReasons]atomic.Uint64

// dropCounts returns the drop counters, making them if need be.
func (c *Counters) dropCounts() *dropCounts {
	if d := c.drops.Load(); d != nil {
		return d
	}
	c.drops.CompareAndSwap(nil, new(dropCounts))
	return c.drops.Load()
}

// Drop counts one dropped packet.
func (c *Counters) Drop(r vrrp.Reason) { c.DropN(r, 1) }

// DropN counts n packets dropped for one reason.
func (c *Counters) DropN(r vrrp.Reason, n uint64) {
	if r >= vrrp.NumReasons {
		r = 0
	}
	c.dropCounts()[r].Add(n)
}

// Dropped is the number of packets dropped for reason r.
func (c *Counters) Dropped(r vrrp.Reason) uint64 {
	d := c.drops.Load()
	if r >= vrrp.NumReasons || d == nil {
		return 0
	}
	return d[r].Load()
}

// Drops returns the non-zero drop counts keyed by reason name.
func (c *Counters) Drops() map[string]uint64 {
	m := map[string]uint64{}
	d := c.drops.Load()
	if d == nil {
		return m
	}
	for i := range d {
		if n := d[i].Load(); n > 0 {
			m[vrrp.Reason(i).String()] = n
		}
	}
	return m
}
