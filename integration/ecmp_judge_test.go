package integration

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The ECMP survival test's guest script (testdata/ecmp-survival.sh)
// prints its observations as lines starting "@RUN"; this file reads them
// and works out, per phase, which streams moved to another director and
// which survived. It is pure: TestECMPJudge checks it on made-up lines.

// ecmpPhase is one change of the router's next hops.
type ecmpPhase struct {
	name string
	set  []string // the directors in the route after the change
	// t and s are the watchers' transition and settled epochs after the
	// change; the change itself falls in epoch t-1, which began after
	// the settled epoch t-2 of the phase before.
	t, s int
	// before and after are the client's marks: every live stream had
	// exchanged a line after mark before (taken before the change) and
	// after mark after (taken in the settled epoch).
	before, after int
}

// ecmpRun is what one run of the script saw.
type ecmpRun struct {
	phases []ecmpPhase
	// seen[epoch][director] holds the client ports the director's
	// watcher saw in that epoch.
	seen map[int]map[string]map[int]bool
	// opened is each stream's first real server; ended is the number of
	// client marks printed before it broke or changed real server.
	opened map[int]string
	ended  map[int]int
	marks  int
	// drops counts the packets the watchers' sockets dropped; -1 when
	// one could not tell.
	drops int
}

// parseECMP reads the "@" lines of a console, by run.
func parseECMP(console string) (map[string]*ecmpRun, error) {
	runs := map[string]*ecmpRun{}
	for i, line := range strings.Split(console, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || !strings.HasPrefix(f[0], "@") {
			continue
		}
		name := f[0][1:]
		r := runs[name]
		if r == nil {
			r = &ecmpRun{seen: map[int]map[string]map[int]bool{}, opened: map[int]string{}, ended: map[int]int{}}
			runs[name] = r
		}
		if err := r.parse(f[1:]); err != nil {
			return nil, fmt.Errorf("console line %d %q: %v", i+1, line, err)
		}
	}
	return runs, nil
}

func (r *ecmpRun) parse(f []string) error {
	nums := func(s []string) ([]int, error) {
		out := make([]int, len(s))
		for i, x := range s {
			n, err := strconv.Atoi(strings.TrimSuffix(x, ":"))
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	switch {
	case f[0] == "phase" && len(f) == 7:
		n, err := nums(f[3:])
		if err != nil {
			return err
		}
		r.phases = append(r.phases, ecmpPhase{name: f[1], set: strings.Split(f[2], ","), t: n[0], s: n[1], before: n[2], after: n[3]})
	case f[0] == "seen" && len(f) >= 3:
		n, err := nums(f[2:])
		if err != nil {
			return err
		}
		if r.seen[n[0]] == nil {
			r.seen[n[0]] = map[string]map[int]bool{}
		}
		ports := map[int]bool{}
		for _, p := range n[1:] {
			ports[p] = true
		}
		r.seen[n[0]][f[1]] = ports
	case f[0] == "drops" && len(f) == 4:
		n, err := strconv.Atoi(f[3])
		if err != nil {
			return err
		}
		if n < 0 || r.drops < 0 {
			r.drops = -1
		} else {
			r.drops += n
		}
	case f[0] != "client" || len(f) < 3:
		return fmt.Errorf("not a phase, seen, drops or client line")
	case f[1] == "mark":
		r.marks++
	case f[1] == "stream" && len(f) == 4:
		p, err := strconv.Atoi(f[2])
		if err != nil {
			return err
		}
		r.opened[p] = f[3]
	case f[1] == "broken" || f[1] == "changed":
		p, err := strconv.Atoi(f[2])
		if err != nil {
			return err
		}
		r.ended[p] = r.marks
	}
	return nil
}

// aliveAt reports whether the stream from port was exchanging on its
// first real server when mark m was printed.
func (r *ecmpRun) aliveAt(port, m int) bool {
	if _, ok := r.opened[port]; !ok {
		return false
	}
	end, ended := r.ended[port]
	return !ended || end >= m
}

// carriers returns the directors among set whose watchers saw port in epoch e.
func (r *ecmpRun) carriers(port, e int, set []string) []string {
	var ds []string
	for d, ports := range r.seen[e] {
		if ports[port] && (set == nil || slices.Contains(set, d)) {
			ds = append(ds, d)
		}
	}
	slices.Sort(ds)
	return ds
}

// phaseResult counts the streams of one phase.
type phaseResult struct {
	alive    int // exchanging before the change
	survived int // of alive: still exchanging, on the same real server, after it
	moved    int // of alive: carried by another director after the change
	// movedLost and stayedLost are the alive streams that did not survive,
	// among those that moved and those that did not.
	movedLost, stayedLost int
	// unknown are alive streams whose director before the change is not
	// known: seen by no director, or by several, in the settled epoch.
	unknown int
}

func (p phaseResult) String() string {
	return fmt.Sprintf("%d of %d streams survived (%.1f %%); %d moved to another director, %d of them lost; %d stayed, %d of them lost; %d of unknown director",
		p.survived, p.alive, pct(p.survived, p.alive), p.moved, p.movedLost, p.alive-p.moved-p.unknown, p.stayedLost, p.unknown)
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

// judge counts phase i's streams. The directors before the change are
// those of the previous phase (all that carried streams, for the first).
func (r *ecmpRun) judge(i int) phaseResult {
	ph := r.phases[i]
	var prevSet []string
	if i > 0 {
		prevSet = r.phases[i-1].set
	}
	var res phaseResult
	for port := range r.opened {
		if !r.aliveAt(port, ph.before) {
			continue
		}
		res.alive++
		lost := !r.aliveAt(port, ph.after)
		if !lost {
			res.survived++
		}
		before := r.carriers(port, ph.t-2, prevSet)
		if len(before) != 1 {
			res.unknown++
			continue
		}
		// Epoch t-1 holds packets from before the change too, and one the
		// router sent before it may reach the old director after it: only
		// another director's sighting is a move. A stream that breaks at
		// its first packet after the change may be seen in t-1 alone.
		moved := false
		for _, e := range []int{ph.t - 1, ph.t, ph.s} {
			for _, d := range r.carriers(port, e, ph.set) {
				moved = moved || d != before[0]
			}
		}
		switch {
		case moved:
			res.moved++
			if lost {
				res.movedLost++
			}
		case lost:
			res.stayedLost++
		}
	}
	return res
}
