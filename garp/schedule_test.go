package garp

import (
	"testing"
	"time"
)

// The schedule's steps: rounds of a burst, the repeat counted from the
// first burst's start, refreshes, the end.
func TestScheduleNext(t *testing.T) {
	sch := Schedule{Count: 3, Spacing: 10 * time.Millisecond, RepeatDelay: 5 * time.Second, Refresh: time.Minute}
	follow := sch
	follow.Follow = 200 * time.Millisecond
	cases := []struct {
		name    string
		sch     Schedule
		at      Position
		elapsed time.Duration
		want    Position
		wait    time.Duration
		more    bool
	}{
		{"next round of the first burst", sch, Position{0, 0}, 0, Position{0, 1}, 10 * time.Millisecond, true},
		{"repeat counted from the first burst", sch, Position{0, 2}, 20 * time.Millisecond, Position{1, 0}, 5*time.Second - 20*time.Millisecond, true},
		{"repeat overdue goes at once", sch, Position{0, 2}, 6 * time.Second, Position{1, 0}, 0, true},
		{"refresh after the repeat", sch, Position{1, 2}, 5 * time.Second, Position{2, 0}, time.Minute, true},
		{"refresh after a refresh", sch, Position{7, 2}, time.Hour, Position{8, 0}, time.Minute, true},
		{"no repeat, no refresh: done", Schedule{Count: 5}, Position{0, 4}, 0, Position{0, 4}, 0, false},
		{"count 0 is one round", Schedule{}, Position{0, 0}, 0, Position{0, 0}, 0, false},
		{"no repeat: refresh after the first", Schedule{Count: 1, Refresh: time.Second}, Position{0, 0}, 0, Position{1, 0}, time.Second, true},
		{"repeat without refresh: done after it", Schedule{Count: 1, RepeatDelay: time.Second}, Position{1, 0}, time.Second, Position{1, 0}, 0, false},
		{"follow round after the first burst", follow, Position{0, 2}, 20 * time.Millisecond, Position{0, 3}, 180 * time.Millisecond, true},
		{"follow round overdue goes at once", follow, Position{0, 2}, 300 * time.Millisecond, Position{0, 3}, 0, true},
		{"repeat after the follow round", follow, Position{0, 3}, 200 * time.Millisecond, Position{1, 0}, 4800 * time.Millisecond, true},
		{"no second follow round after the repeat", follow, Position{1, 2}, 5 * time.Second, Position{2, 0}, time.Minute, true},
		{"follow round after a repeat due before it", Schedule{Count: 1, RepeatDelay: 20 * time.Millisecond, Follow: 200 * time.Millisecond},
			Position{1, 0}, 20 * time.Millisecond, Position{1, 1}, 180 * time.Millisecond, true},
		{"done after a follow round that came after the repeat", Schedule{Count: 1, RepeatDelay: 20 * time.Millisecond, Follow: 200 * time.Millisecond},
			Position{1, 1}, 200 * time.Millisecond, Position{1, 1}, 0, false},
		{"follow round alone", Schedule{Count: 1, Follow: 200 * time.Millisecond}, Position{0, 0}, 0, Position{0, 1}, 200 * time.Millisecond, true},
		{"done after a follow round alone", Schedule{Count: 1, Follow: 200 * time.Millisecond}, Position{0, 1}, 200 * time.Millisecond, Position{0, 1}, 0, false},
	}
	for _, c := range cases {
		p, d, ok := c.sch.Next(c.at, c.elapsed)
		if ok != c.more || ok && (p != c.want || d != c.wait) {
			t.Errorf("%s: next = %v, %v, %v; want %v, %v, %v", c.name, p, d, ok, c.want, c.wait, c.more)
		}
	}
}
