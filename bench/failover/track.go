package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// A state says what the lab looks like to the bench: for each director
// ("dA", "dB") whether it holds the VIP ("held" or ""), and for "gw" the
// MAC the gateway's neighbour entry for the VIP points at ("" for none).
type state map[string]string

const held = "held"

// change is one value a key of the state took, stamped when its event
// arrived.
type change struct {
	at       time.Time
	key, val string
}

// replay is s after changes cs, applied in order.
func replay(s state, cs []change) state {
	out := maps.Clone(s)
	if out == nil {
		out = state{}
	}
	for _, c := range cs {
		out[c.key] = c.val
	}
	return out
}

// matches reports whether s has every value want names.
func matches(s, want state) bool {
	for k, v := range want {
		if s[k] != v {
			return false
		}
	}
	return true
}

func (s state) String() string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(&b, "%s=%s ", k, v)
	}
	return strings.TrimSpace(b.String())
}

// split cuts a row's changes at its trigger t0: those stamped before it
// belong to the state the row started from.
func split(cs []change, t0 time.Time) (before, after []change) {
	for i, c := range cs {
		if !c.at.Before(t0) {
			return cs[:i], cs[i:]
		}
	}
	return cs, nil
}

// since is how long after a row's trigger t0 key took the value want and
// kept it to the row's end, judged by state: start is key's value when
// the row began and cs the row's changes. A key that had want at t0 and
// never lost it took it at 0. It is an error if key does not end with
// want, or a change predates t0: the figure would not be the row's own.
func since(start string, t0 time.Time, cs []change, key, want string) (time.Duration, error) {
	v, from := start, t0
	for _, c := range cs {
		if c.key != key {
			continue
		}
		if c.at.Before(t0) {
			return 0, fmt.Errorf("%s=%q at %s, before the row's trigger", key, c.val, span(t0, c.at))
		}
		if c.val != v {
			v, from = c.val, c.at
		}
	}
	if v != want {
		return 0, fmt.Errorf("%s ends as %q, not %q", key, v, want)
	}
	return figure(t0, from)
}

// figure is the time from a row's trigger to its effect; an effect before
// its trigger is a bench error, never a sample.
func figure(trigger, effect time.Time) (time.Duration, error) {
	d := effect.Sub(trigger)
	if d < 0 {
		return 0, fmt.Errorf("negative figure %s: the effect predates its trigger", ms(d))
	}
	return d, nil
}

func span(t0, t time.Time) string {
	return fmt.Sprintf("%+.1fms", float64(t.Sub(t0))/float64(time.Millisecond))
}

// changesAt renders changes with their times from t0, for errors.
func changesAt(t0 time.Time, cs []change) string {
	var b strings.Builder
	for _, c := range cs {
		v := c.val
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(&b, "%s=%s at %s; ", c.key, v, span(t0, c.at))
	}
	return strings.TrimSuffix(b.String(), "; ")
}
