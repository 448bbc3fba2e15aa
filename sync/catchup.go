package sync

import (
	"net/netip"
	"time"
)

// Catchup decides when a returning director has the master's connection
// table and may preempt: once it has heard sync traffic and no connection
// new to it has arrived for Quiet, or once Max has passed since it started
// listening, whichever comes first. The master re-sends each connection as
// its packets flow (every sync_period packets), so the table arrives over
// time, not at once. It is pure: the caller passes the time.
type Catchup struct {
	Quiet, Max time.Duration

	start, lastNew time.Time
	heard          bool
	seen           map[connKey]struct{}
	Messages       int // messages observed
}

type connKey struct {
	proto           uint8
	template        bool
	client, virtual netip.AddrPort
}

// NewCatchup starts a catch-up at now.
func NewCatchup(quiet, max time.Duration, now time.Time) *Catchup {
	return &Catchup{Quiet: quiet, Max: max, start: now, seen: map[connKey]struct{}{}}
}

// Observe records a message received at now and returns how many of its
// connections were new.
func (c *Catchup) Observe(m Message, now time.Time) int {
	c.heard = true
	c.Messages++
	n := 0
	for _, cn := range m.Conns {
		k := connKey{cn.Protocol, cn.Flags&FlagTemplate != 0, cn.Client, cn.Virtual}
		if _, ok := c.seen[k]; !ok {
			c.seen[k] = struct{}{}
			n++
		}
	}
	if n > 0 || c.lastNew.IsZero() {
		c.lastNew = now
	}
	return n
}

// Conns is how many distinct connections have been heard.
func (c *Catchup) Conns() int { return len(c.seen) }

// Done reports whether the hold may end at now, and why: "quiet" (the
// table stopped growing) or "bound" (Max passed).
func (c *Catchup) Done(now time.Time) (bool, string) {
	if c.heard && !now.Before(c.lastNew.Add(c.Quiet)) {
		return true, "quiet"
	}
	if !now.Before(c.start.Add(c.Max)) {
		return true, "bound"
	}
	return false, ""
}

// Deadline is when Done next may change if nothing more is heard.
func (c *Catchup) Deadline() time.Time {
	d := c.start.Add(c.Max)
	if c.heard {
		if q := c.lastNew.Add(c.Quiet); q.Before(d) {
			d = q
		}
	}
	return d
}
