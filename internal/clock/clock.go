// Package clock is the one time source of the packages that wait (IPVS
// health checks, the one-shot GARP command, the connection-sync hold):
// System is the real one, and tests hand them a fake. The VRRP state
// machine needs none: it is handed the time of each event.
package clock

import "time"

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// System is the real Clock: time.Now and time.After.
type System struct{}

// Now is time.Now.
func (System) Now() time.Time { return time.Now() }

// After is time.After.
func (System) After(d time.Duration) <-chan time.Time { return time.After(d) }

// Func is a Clock made of two functions, for tests.
type Func struct {
	NowFunc   func() time.Time
	AfterFunc func(time.Duration) <-chan time.Time
}

// Now calls NowFunc.
func (f Func) Now() time.Time { return f.NowFunc() }

// After calls AfterFunc.
func (f Func) After(d time.Duration) <-chan time.Time { return f.AfterFunc(d) }
