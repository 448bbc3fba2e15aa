package ipvs

import (
	"fmt"
	"time"
)

// Policy says when a real server is checked and how many results it takes to
// change its state. Zero fields take the defaults below.
type Policy struct {
	Interval time.Duration // from the end of one check to the start of the next; default 5s
	Timeout  time.Duration // for one check; default 3s, at most Interval
	Rise     int           // consecutive successes that bring a down server up; default 1
	Fall     int           // consecutive failures that take an up server down; default 1
	// StartDown starts a server down, so it serves only after Rise
	// successes; by default it starts up (keepalived's default, without alpha).
	StartDown bool
}

// Policy defaults.
const (
	DefaultCheckInterval = 5 * time.Second
	DefaultCheckTimeout  = 3 * time.Second
)

func (p Policy) withDefaults() Policy {
	if p.Interval == 0 {
		p.Interval = DefaultCheckInterval
	}
	if p.Timeout == 0 {
		p.Timeout = min(DefaultCheckTimeout, p.Interval)
	}
	if p.Rise == 0 {
		p.Rise = 1
	}
	if p.Fall == 0 {
		p.Fall = 1
	}
	return p
}

func (p Policy) validate() error {
	p = p.withDefaults()
	switch {
	case p.Interval < 0 || p.Timeout < 0:
		return fmt.Errorf("check interval %v or timeout %v is negative", p.Interval, p.Timeout)
	case p.Timeout > p.Interval:
		return fmt.Errorf("check timeout %v is longer than the interval %v", p.Timeout, p.Interval)
	case p.Rise < 0 || p.Fall < 0:
		return fmt.Errorf("check rise %d or fall %d is negative", p.Rise, p.Fall)
	}
	return nil
}

// CheckState is where a checked real server stands.
type CheckState struct {
	Up     bool
	Streak int       // consecutive results that disagree with Up
	Due    time.Time // when the next check is due
}

// Start is the state of a server first checked at now: up unless StartDown,
// with a check due at once.
func (p Policy) Start(now time.Time) CheckState {
	return CheckState{Up: !p.StartDown, Due: now}
}

// DueAt reports whether a check is due at now.
func (s CheckState) DueAt(now time.Time) bool { return !now.Before(s.Due) }

// Next is the state after a check that ended at now succeeded (ok) or
// failed: the server changes state once Rise successes or Fall failures have
// come in a row, and the next check is due an Interval after now, as
// keepalived's delay_loop: a checker short of time checks less often rather
// than counting its own delays as the servers' failures.
func (p Policy) Next(s CheckState, now time.Time, ok bool) CheckState {
	p = p.withDefaults()
	s.Due = now.Add(p.Interval)
	if ok == s.Up {
		s.Streak = 0
		return s
	}
	s.Streak++
	need := p.Fall
	if !s.Up {
		need = p.Rise
	}
	if s.Streak >= need {
		s.Up, s.Streak = ok, 0
	}
	return s
}
