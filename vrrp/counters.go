package vrrp

import "sync/atomic"

// Counters are an instance's running totals, safe to read while it runs.
type Counters struct {
	AdvertsIn   atomic.Uint64
	AdvertsOut  atomic.Uint64
	GARPs       atomic.Uint64
	Transitions atomic.Uint64
	drops       [reasonEnd]atomic.Uint64 // indexed by Reason; 0 holds unknown ones
}

// Drop counts one dropped packet.
func (c *Counters) Drop(r Reason) { c.DropN(r, 1) }

// DropN counts n packets dropped for one reason.
func (c *Counters) DropN(r Reason, n uint64) {
	if r >= reasonEnd {
		r = 0
	}
	c.drops[r].Add(n)
}

// Dropped is the number of packets dropped for reason r.
func (c *Counters) Dropped(r Reason) uint64 {
	if r >= reasonEnd {
		return 0
	}
	return c.drops[r].Load()
}

// Drops returns the non-zero drop counts keyed by reason name.
func (c *Counters) Drops() map[string]uint64 {
	m := map[string]uint64{}
	for i := range c.drops {
		if n := c.drops[i].Load(); n > 0 {
			m[Reason(i).String()] = n
		}
	}
	return m
}
