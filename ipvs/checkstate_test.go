package ipvs

import (
	"testing"
	"time"
)

func TestPolicyNext(t *testing.T) {
	t0 := time.Date(2025, 5, 20, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		policy  Policy
		results []bool
		want    []bool // Up after each result
	}{
		{"defaults fall and rise at once", Policy{}, []bool{true, false, true, false}, []bool{true, false, true, false}},
		{"fall 3", Policy{Fall: 3}, []bool{false, false, true, false, false, false, true}, []bool{true, true, true, true, true, false, true}},
		{"rise 2 from down", Policy{StartDown: true, Rise: 2}, []bool{true, false, true, true, false}, []bool{false, false, false, true, false}},
		{"rise 2 fall 2", Policy{Rise: 2, Fall: 2}, []bool{false, false, true, false, true, true}, []bool{true, false, false, false, false, true}},
		{"steady up", Policy{Fall: 2}, []bool{true, true, true}, []bool{true, true, true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.policy.Start(t0)
			if s.Up == tt.policy.StartDown || !s.DueAt(t0) {
				t.Fatalf("start %+v", s)
			}
			now := t0
			for i, ok := range tt.results {
				if !s.DueAt(now) {
					t.Fatalf("result %d: not due at %v (due %v)", i, now, s.Due)
				}
				s = tt.policy.Next(s, now, ok)
				if s.Up != tt.want[i] {
					t.Errorf("after result %d (%v): up %v, want %v", i, ok, s.Up, tt.want[i])
				}
				now = now.Add(tt.policy.withDefaults().Interval)
			}
		})
	}
}

func TestPolicySchedule(t *testing.T) {
	t0 := time.Date(2025, 5, 20, 12, 0, 0, 0, time.UTC)
	p := Policy{Interval: 10 * time.Second}
	s := p.Next(p.Start(t0), t0, true)
	tests := []struct {
		at  time.Duration
		due bool
	}{{0, false}, {9 * time.Second, false}, {10 * time.Second, true}, {time.Minute, true}}
	for _, tt := range tests {
		if got := s.DueAt(t0.Add(tt.at)); got != tt.due {
			t.Errorf("due at +%v: %v, want %v", tt.at, got, tt.due)
		}
	}
	if d := (Policy{}).withDefaults(); d.Interval != DefaultCheckInterval || d.Timeout != DefaultCheckTimeout || d.Rise != 1 || d.Fall != 1 {
		t.Errorf("defaults %+v", d)
	}
	if d := (Policy{Interval: time.Second}).withDefaults(); d.Timeout != time.Second {
		t.Errorf("timeout with a 1s interval: %v, want 1s", d.Timeout)
	}
}
