package vrrp

import "time"

// Mono is an instant as nanoseconds since an origin 100 years before the
// process started; zero means unset and, as time.Time's zero does, comes
// before every instant. The state machine keeps its deadlines as Monos,
// a third of a time.Time's size; the methods are time.Time's.
//
// An instant taken from time.Now keeps its monotonic reading through
// MonoOf and Time: deadlines do not move when the wall clock is stepped.
// An instant without one (tests' injected clocks) goes by the wall clock,
// as time.Time compares it.
type Mono int64

// monoOrigin is 100 years before the process's start, with its monotonic
// reading (time keeps one for instants after 1885 only): Monos count from
// it, and cover the instants from then until some 190 years after the
// start.
var monoOrigin = time.Now().Add(-100 * 365 * 24 * time.Hour)

// MonoOf is t as a Mono; the zero time is the zero Mono.
func MonoOf(t time.Time) Mono {
	if t.IsZero() {
		return 0
	}
	m := Mono(t.Sub(monoOrigin))
	if m == 0 {
		m = 1 // the origin itself: 1 ns later, not unset
	}
	return m
}

// Time is m as a time.Time with a monotonic reading; the zero Mono is the
// zero time.
func (m Mono) Time() time.Time {
	if m == 0 {
		return time.Time{}
	}
	return monoOrigin.Add(time.Duration(m))
}

func (m Mono) IsZero() bool             { return m == 0 }
func (m Mono) Before(u Mono) bool       { return m < u }
func (m Mono) After(u Mono) bool        { return m > u }
func (m Mono) Add(d time.Duration) Mono { return m + Mono(d) }
func (m Mono) Sub(u Mono) time.Duration { return time.Duration(m - u) }
func (m Mono) UnixNano() int64          { return m.Time().UnixNano() }
func (m Mono) String() string           { return m.Time().String() }
