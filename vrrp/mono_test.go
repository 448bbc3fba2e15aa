package vrrp

import (
	"strings"
	"testing"
	"time"
)

func TestMono(t *testing.T) {
	wall := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // an injected clock's: no monotonic reading
	now := time.Now()
	cases := []struct {
		name string
		t    time.Time
	}{
		{"wall only", wall},
		{"now", now},
		{"fifty years ago", wall.AddDate(-50, 0, 0)},
		{"a century on", wall.AddDate(100, 0, 0)},
	}
	for _, c := range cases {
		m := MonoOf(c.t)
		if m.IsZero() || !Mono(0).Before(m) {
			t.Errorf("%s: %d is unset or not after the zero Mono", c.name, m)
		}
		if back := m.Time(); !back.Equal(c.t) {
			t.Errorf("%s: back as %v, want %v", c.name, back, c.t)
		}
		if d := m.Add(time.Second).Sub(m); d != time.Second {
			t.Errorf("%s: a second later is %v later", c.name, d)
		}
	}
	if !MonoOf(time.Time{}).IsZero() || !Mono(0).Time().IsZero() {
		t.Error("the zero time and the zero Mono are not each other")
	}
	// Deadlines taken from time.Now go by the monotonic clock.
	if s := MonoOf(now).Time().String(); !strings.Contains(s, " m=") {
		t.Errorf("%s has no monotonic reading", s)
	}
	if a, b := MonoOf(wall), MonoOf(wall.Add(time.Millisecond)); !a.Before(b) || !b.After(a) || b.Sub(a) != time.Millisecond {
		t.Errorf("order: %d, %d", a, b)
	}
}
