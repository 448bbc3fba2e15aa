package announce

import (
	"strings"
	"testing"
	"time"
)

func TestDecide(t *testing.T) {
	web := []ServiceUp{{"TCP 203.0.113.10:80", 2}, {"TCP 203.0.113.10:443", 1}}
	fit := Inputs{OnHost: true, Services: web, MinUp: 1}
	with := func(f func(*Inputs)) Inputs { in := fit; f(&in); return in }
	cases := []struct {
		name   string
		in     Inputs
		ok     bool
		reason string
	}{
		{"fit", fit, true, Healthy},
		{"no services: nothing to count", Inputs{OnHost: true, MinUp: 1}, true, Healthy},
		{"min_up 0 takes none up", with(func(i *Inputs) { i.MinUp = 0; i.Services = []ServiceUp{{"TCP x", 0}} }), true, Healthy},
		{"one service short", with(func(i *Inputs) { i.MinUp = 2 }), false, "reals-down: TCP 203.0.113.10:443 has 1 real servers up, min_up 2"},
		{"no real server up", with(func(i *Inputs) { i.Services = []ServiceUp{{"TCP 203.0.113.10:80", 0}} }), false, "reals-down: TCP 203.0.113.10:80 has 0 real servers up, min_up 1"},
		{"VIP not on the host", with(func(i *Inputs) { i.OnHost = false }), false, NotOnHost},
		{"tracking fault", with(func(i *Inputs) { i.Fault = "script /bin/check failed" }), false, "track: script /bin/check failed"},
		{"drained", with(func(i *Inputs) { i.Drained = true }), false, Drained},
		{"stopping", with(func(i *Inputs) { i.Stopping = true }), false, Stopping},
		{"stopping beats everything", Inputs{Stopping: true, Drained: true, Fault: "x"}, false, Stopping},
		{"drained beats not on host", Inputs{Drained: true}, false, Drained},
		{"not on host beats a fault", Inputs{Fault: "x"}, false, NotOnHost},
		{"a fault beats reals down", with(func(i *Inputs) { i.Fault = "x"; i.MinUp = 5 }), false, "track: x"},
	}
	for _, c := range cases {
		ok, why := Decide(c.in)
		if ok != c.ok || why != c.reason {
			t.Errorf("%s: %v %q, want %v %q", c.name, ok, why, c.ok, c.reason)
		}
	}
}

func TestStep(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	fit := Inputs{OnHost: true, Services: []ServiceUp{{"TCP 203.0.113.10:80", 1}}, MinUp: 1}
	down := Inputs{OnHost: true, Services: []ServiceUp{{"TCP 203.0.113.10:80", 0}}, MinUp: 1}
	drained := Inputs{OnHost: true, Drained: true}
	type step struct {
		ms     int
		in     Inputs
		op     Op
		ann    bool
		reason string // prefix
		wakeMs int    // -1: none
	}
	cases := []struct {
		name  string
		delay time.Duration
		steps []step
	}{
		{"announce at once, withdraw at once, again", 0, []step{
			{0, fit, Announce, true, Healthy, -1},
			{10, fit, None, true, Healthy, -1},
			{20, down, Withdraw, false, RealsDown, -1},
			{30, down, None, false, RealsDown, -1},
			{40, fit, Announce, true, Healthy, -1},
		}},
		{"unfit from the start: nothing to withdraw", 0, []step{
			{0, down, None, false, RealsDown, -1},
			{10, drained, None, false, Drained, -1},
			{20, fit, Announce, true, Healthy, -1},
			{30, drained, Withdraw, false, Drained, -1},
		}},
		{"delay: announced once fit for the delay", time.Second, []step{
			{0, fit, None, false, Settling, 1000},
			{500, fit, None, false, Settling, 1000},
			{1000, fit, Announce, true, Healthy, -1},
			{1200, down, Withdraw, false, RealsDown, -1}, // withdrawal never waits
			{1300, fit, None, false, Settling, 2300},
			{1400, down, None, false, RealsDown, -1}, // flapped: the delay starts over
			{1500, fit, None, false, Settling, 2500},
			{2500, fit, Announce, true, Healthy, -1},
		}},
	}
	for _, c := range cases {
		var s State
		for i, st := range c.steps {
			var op Op
			var wake time.Time
			prev := s
			s, op, wake = Step(s, st.in, at(st.ms), c.delay)
			if op != st.op || s.Announced != st.ann || !strings.HasPrefix(s.Reason, st.reason) {
				t.Errorf("%s step %d: %v announced %v reason %q, want %v %v %q", c.name, i, op, s.Announced, s.Reason, st.op, st.ann, st.reason)
			}
			wantWake := time.Time{}
			if st.wakeMs >= 0 {
				wantWake = at(st.wakeMs)
			}
			if !wake.Equal(wantWake) {
				t.Errorf("%s step %d: wake %v, want %v", c.name, i, wake, wantWake)
			}
			switch {
			case i == 0 && !s.Since.Equal(at(st.ms)):
				t.Errorf("%s: first step since %v, want its time", c.name, s.Since)
			case i > 0 && op != None && !s.Since.Equal(at(st.ms)):
				t.Errorf("%s step %d: changed, since %v, want its time", c.name, i, s.Since)
			case i > 0 && op == None && !s.Since.Equal(prev.Since):
				t.Errorf("%s step %d: unchanged, since moved to %v", c.name, i, s.Since)
			}
		}
	}
}
