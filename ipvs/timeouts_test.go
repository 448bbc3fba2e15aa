package ipvs

import (
	"strings"
	"testing"
	"time"
)

func TestSetTimeouts(t *testing.T) {
	m := newMemKernel()
	steps := []struct {
		set    Timeouts
		want   Timeouts
		writes int
	}{
		{Timeouts{TCP: 901 * time.Second, TCPFin: 121 * time.Second, UDP: 301 * time.Second}, Timeouts{901 * time.Second, 121 * time.Second, 301 * time.Second}, 1},
		{Timeouts{TCP: 60 * time.Second}, Timeouts{60 * time.Second, 121 * time.Second, 301 * time.Second}, 1},
		{Timeouts{UDP: 5 * time.Second}, Timeouts{60 * time.Second, 121 * time.Second, 5 * time.Second}, 1},
		{Timeouts{}, Timeouts{60 * time.Second, 121 * time.Second, 5 * time.Second}, 0},
	}
	for i, s := range steps {
		m.ResetCounts()
		if err := SetTimeouts(m, s.set); err != nil {
			t.Fatal(err)
		}
		got, err := GetTimeouts(m)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("step %d: %+v, want %+v", i, got, s.want)
		}
		if w := m.Counts().SetConfig; w != s.writes {
			t.Errorf("step %d: %d SetConfig, want %d", i, w, s.writes)
		}
	}
}

func TestSetTimeoutsInvalid(t *testing.T) {
	m := newMemKernel()
	for _, bad := range []Timeouts{
		{TCP: -time.Second},
		{TCPFin: 1500 * time.Millisecond},
		{UDP: maxTimeout + time.Second},
	} {
		if err := SetTimeouts(m, bad); err == nil || !strings.Contains(err.Error(), "whole seconds") {
			t.Errorf("%+v: error %v", bad, err)
		}
	}
	if m.Counts().SetConfig != 0 {
		t.Error("invalid timeouts reached the kernel")
	}
}
