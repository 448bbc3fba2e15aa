package main

import (
	"strings"
	"testing"
	"time"
)

func TestSince(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	for _, c := range []struct {
		name  string
		start string
		cs    []change
		want  time.Duration
		err   string
	}{
		{"added after the trigger", "", []change{{at(36), "dB", held}}, 36 * time.Millisecond, ""},
		{"held throughout (step-down inside the release grace)", held, nil, 0, ""},
		{"other keys do not count", held, []change{{at(5), "dA", ""}, {at(7), "gw", "m"}}, 0, ""},
		{"a flap counts from the last add", "", []change{{at(10), "dB", held}, {at(12), "dB", ""}, {at(40), "dB", held}}, 40 * time.Millisecond, ""},
		{"a repeated value is no change", "", []change{{at(10), "dB", held}, {at(20), "dB", held}}, 10 * time.Millisecond, ""},
		{"never added", "", []change{{at(10), "dA", held}}, 0, "ends as"},
		{"lost at the end", held, []change{{at(10), "dB", ""}}, 0, "ends as"},
		{"a change before the trigger is no sample", "", []change{{at(-1), "dB", held}}, 0, "before the row's trigger"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := since(c.start, t0, c.cs, "dB", held)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("since = %v, %v; want error %q", d, err, c.err)
				}
				return
			}
			if err != nil || d != c.want {
				t.Fatalf("since = %v, %v; want %v", d, err, c.want)
			}
		})
	}
}

func TestFigureRefusesNegative(t *testing.T) {
	t0 := time.Unix(1000, 0)
	if d, err := figure(t0, t0.Add(-1439800*time.Microsecond)); err == nil {
		t.Fatalf("figure = %v, want an error", d)
	}
	if d, err := figure(t0, t0); err != nil || d != 0 {
		t.Fatalf("figure = %v, %v; want 0", d, err)
	}
}

func TestReplayAndMatches(t *testing.T) {
	start := state{"dA": held, "dB": "", "gw": "a"}
	s := replay(start, []change{{key: "dB", val: held}, {key: "gw", val: "b"}, {key: "dA", val: ""}})
	if start["dB"] != "" {
		t.Fatal("replay changed its input")
	}
	if !matches(s, state{"dB": held, "gw": "b"}) || matches(s, state{"dA": held}) {
		t.Fatalf("state %s", s)
	}
}

func TestLongestGap(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	replies := []time.Time{at(-4), at(-2), at(0), at(2), at(40), at(42), at(44), at(100), at(200)}
	// The window ends at 60: the gap from 44 to 100 is the next row's.
	gap, from := longestGap(replies, at(1), at(60))
	if gap != 38*time.Millisecond || !from.Equal(at(2)) {
		t.Fatalf("gap %v from %v", gap, from.Sub(t0))
	}
	// An outage that begins at the trigger counts from the trigger.
	if gap, _ := longestGap(replies, at(3), at(60)); gap != 37*time.Millisecond {
		t.Fatalf("gap %v", gap)
	}
}
