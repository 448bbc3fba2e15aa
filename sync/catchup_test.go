package sync

import (
	"testing"
	"time"
)

func TestCatchup(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	c1 := Conn{Protocol: 6, Client: ap("198.51.100.7:1000"), Virtual: ap("192.0.2.10:80"), Real: ap("192.0.2.11:80")}
	c2 := c1
	c2.Client = ap("198.51.100.7:1001")
	tmpl := c1
	tmpl.Flags = FlagTemplate
	msg := func(cs ...Conn) Message { return Message{Conns: cs} }
	type obs struct {
		at  time.Duration
		m   Message
		new int
	}
	cases := []struct {
		name     string
		obs      []obs
		check    time.Duration
		done     bool
		why      string
		deadline time.Duration
	}{
		{name: "nothing heard: waits for the bound", check: 59 * time.Second, deadline: time.Minute},
		{name: "nothing heard: released at the bound", check: time.Minute, done: true, why: "bound", deadline: time.Minute},
		{name: "heard, not yet quiet", obs: []obs{{time.Second, msg(c1), 1}}, check: 3 * time.Second, deadline: 4 * time.Second},
		{name: "heard, quiet", obs: []obs{{time.Second, msg(c1), 1}}, check: 4 * time.Second, done: true, why: "quiet", deadline: 4 * time.Second},
		{name: "a known connection again does not restart the quiet time",
			obs: []obs{{time.Second, msg(c1), 1}, {3 * time.Second, msg(c1), 0}}, check: 4 * time.Second, done: true, why: "quiet", deadline: 4 * time.Second},
		{name: "a new connection restarts it",
			obs: []obs{{time.Second, msg(c1), 1}, {3 * time.Second, msg(c1, c2), 1}}, check: 5 * time.Second, deadline: 6 * time.Second},
		{name: "a template is not its connection",
			obs: []obs{{time.Second, msg(c1, tmpl), 2}}, check: 2 * time.Second, deadline: 4 * time.Second},
		{name: "an empty message counts as heard",
			obs: []obs{{time.Second, msg(), 0}}, check: 4 * time.Second, done: true, why: "quiet", deadline: 4 * time.Second},
		{name: "the bound wins over endless news",
			obs: []obs{{58 * time.Second, msg(c1), 1}, {59 * time.Second, msg(c2), 1}}, check: time.Minute, done: true, why: "bound", deadline: time.Minute},
	}
	for _, tc := range cases {
		c := NewCatchup(3*time.Second, time.Minute, t0)
		for _, o := range tc.obs {
			if n := c.Observe(o.m, at(o.at)); n != o.new {
				t.Errorf("%s: Observe at %v: %d new, want %d", tc.name, o.at, n, o.new)
			}
		}
		done, why := c.Done(at(tc.check))
		if done != tc.done || why != tc.why {
			t.Errorf("%s: Done = %v %q, want %v %q", tc.name, done, why, tc.done, tc.why)
		}
		if got := c.Deadline(); !got.Equal(at(tc.deadline)) {
			t.Errorf("%s: Deadline %v, want %v", tc.name, got.Sub(t0), tc.deadline)
		}
	}
}
