package vrrp

import "sync/atomic"

// Counters are an instance's running totals, safe to read while it runs.
type Counters struct {
	AdvertsIn   atomic.Uint64
	AdvertsOut  atomic.Uint64
	GARPs       atomic.Uint64
	Transitions atomic.Uint64
	drops       [256]atomic.Uint64 // indexed by Reason
}

// Drop counts one dropped packet.
func (c *Counters) Drop(r Reason) { c.drops[r].Add(1) }

// Dropped is the number of packets dropped for reason r.
func (c *Counters) Dropped(r Reason) uint64 { return c.drops[r].Load() }

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
