package garp

import "time"

// Schedule is how announcements are repeated.
type Schedule struct {
	Count       int           // packets per VIP in one burst (at least 1)
	Spacing     time.Duration // between the rounds of a burst; a round sends one packet per VIP
	RepeatDelay time.Duration // a second burst this long after the first starts; 0 = none
	Refresh     time.Duration // then a burst every Refresh while running; 0 = none
	// Follow is one more round this long after the first burst starts
	// (after the repeat, when that comes earlier): a new master's GARP
	// that follows whatever the old master answered while it still held
	// the VIPs. 0 = none.
	Follow time.Duration
}

// Position is where a schedule stands: the burst (0 the first, 1 the
// repeat when there is one, then refreshes) and the round within it. The
// follow round is the round after the last of the burst it follows. The
// zero Position is the first round.
type Position struct{ Burst, Round int }

// Next is what follows the round at p: the position of the next round and
// how long after this one it is due (elapsed is the time since the first
// burst began), or false when the schedule is complete.
func (sch Schedule) Next(p Position, elapsed time.Duration) (Position, time.Duration, bool) {
	n := max(sch.Count, 1)
	if p.Round+1 < n {
		return Position{p.Burst, p.Round + 1}, sch.Spacing, true
	}
	if sch.Follow > 0 && p.Round+1 == n && p.Burst == sch.followAfter() {
		return Position{p.Burst, n}, max(sch.Follow-elapsed, 0), true
	}
	if p.Burst == 0 && sch.RepeatDelay > 0 {
		return Position{1, 0}, max(sch.RepeatDelay-elapsed, 0), true
	}
	if sch.Refresh > 0 {
		return Position{p.Burst + 1, 0}, sch.Refresh, true
	}
	return p, 0, false
}

// followAfter is the burst the follow round comes after: the first, or
// the repeat when that is due before it.
func (sch Schedule) followAfter() int {
	if sch.RepeatDelay > 0 && sch.RepeatDelay < sch.Follow {
		return 1
	}
	return 0
}
