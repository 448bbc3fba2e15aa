package ipvs

import (
	"errors"
	"time"
)

// Bounds of the checks in flight at once (see inflightLimit).
const (
	// maxParallelChecks is the most checks in flight at once. A check in
	// flight holds a socket (or, for a check other than TCP, a goroutine)
	// until it answers or times out: high enough that a thousand servers
	// timing out at once do not hold up the others' checks.
	maxParallelChecks = 1024
	// minParallelChecks is the fewest the limit falls to.
	minParallelChecks = 32
	// limitCutEvery spaces the limit's cuts, so that the checks started
	// under the old limit drain before the next cut.
	limitCutEvery = time.Second
)

// inflightLimit is how many checks may be in flight at once, adapted as TCP
// does its window. By Little's law the checks in flight are the rate at
// which the checker gets through them times how long each takes: a checker
// short of CPU gets through fewer, so with as many in flight each takes
// longer, until connections to healthy servers outlast their timeout and the
// servers go down for the director's own delays. A TCP check that succeeds
// but takes over half its timeout, or a timeout that was taken late, is the
// sign: the limit halves (at most once a second, not below
// minParallelChecks). Each TCP check that succeeds within half its timeout
// raises it by one, up to maxParallelChecks. The checker then checks less
// often, and says so (behind schedule), instead of failing healthy servers.
// A check that times out on schedule says nothing of the checker and leaves
// the limit alone, so a rack of dead servers does not slow the others'
// checks more than the slots it holds.
type inflightLimit struct {
	n   int
	cut time.Time // when n last halved
}

func newInflightLimit() inflightLimit { return inflightLimit{n: maxParallelChecks} }

// ended adapts the limit to a TCP check that took took of its timeout and
// ended at now: passed, or failed with err.
func (l *inflightLimit) ended(took, timeout time.Duration, err error, now time.Time) {
	switch {
	case err == nil && took <= timeout/2:
		l.n = min(l.n+1, maxParallelChecks)
	case err == nil || errors.Is(err, errTakenLate):
		if now.Sub(l.cut) >= limitCutEvery {
			l.n = max(l.n/2, minParallelChecks)
			l.cut = now
		}
	}
}
