package integration

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// fakeConsole writes the "@" lines of one run as the guest script does:
// 200 streams from ports 40000..40199, on director d(1+port%3) at first;
// dir(port, phase) says which director carries it after each phase's
// change and lost(port, phase) whether it breaks in that phase.
func fakeConsole(run string, phases [][]string, names []string, dir func(port, phase int) string, lost func(port, phase int) bool) string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, "@"+run+" "+f+"\n", a...) }
	ports := make([]int, 200)
	for i := range ports {
		ports[i] = 40000 + i
		w("client stream %d r%d", ports[i], 1+i%2)
	}
	// seen[epoch][director]: the watchers' lines, written at the end.
	seen := map[int]map[string][]string{}
	see := func(epoch, phase int, alive func(int) bool) {
		if seen[epoch] == nil {
			seen[epoch] = map[string][]string{}
		}
		for _, p := range ports {
			if alive(p) {
				d := dir(p, phase)
				seen[epoch][d] = append(seen[epoch][d], fmt.Sprint(p))
			}
		}
	}
	// Epoch 0 is the set-up: a SYN sent again may have gone elsewhere.
	seen[0] = map[string][]string{}
	for _, p := range ports {
		for _, d := range []string{"d1", "d2", "d3"} {
			seen[0][d] = append(seen[0][d], fmt.Sprint(p))
		}
	}
	see(1, -1, func(int) bool { return true })
	w("client mark 1 alive 200 broken 0 changed 0")
	gone := map[int]bool{}
	mark := 1
	for i, set := range phases {
		// The epoch of the change: every stream at its director before,
		// and the streams that break at their only packet after it.
		g, lostNow := 3*i+2, map[int]bool{}
		see(g, i-1, func(p int) bool { return !gone[p] })
		for _, p := range ports {
			if !gone[p] && lost(p, i) {
				lostNow[p] = true
				w("client broken %d 7: read: connection reset by peer", p)
			}
		}
		see(g, i, func(p int) bool { return lostNow[p] })
		maps.Copy(gone, lostNow)
		see(g+1, i, func(p int) bool { return !gone[p] })
		w("client mark %d", mark+1)
		see(g+2, i, func(p int) bool { return !gone[p] })
		w("client mark %d", mark+2)
		w("phase %s %s %d %d %d %d", names[i], strings.Join(set, ","), g+1, g+2, mark, mark+2)
		mark += 2
	}
	for _, e := range slices.Sorted(maps.Keys(seen)) {
		for _, d := range slices.Sorted(maps.Keys(seen[e])) {
			w("seen %s %d %s", d, e, strings.Join(seen[e][d], " "))
			w("drops %s %d 0", d, e)
		}
	}
	return b.String()
}

// hashThreshold is where the kernel's hash-threshold multipath sends a
// stream whose hash is port%6 (in sixths) over set.
func hashThreshold(port int, set []string) string {
	return set[(port%6)*len(set)/6]
}

// TestECMPJudge checks the judging of the guest's lines: a run where the
// moved streams survive passes, and each way a run can fall short fails.
func TestECMPJudge(t *testing.T) {
	all, drain, crash := []string{"d1", "d2", "d3"}, []string{"d2", "d3"}, []string{"d1", "d2"}
	mhSets := [][]string{drain, all, crash}
	mhNames := []string{"drain", "undrain", "crash"}
	dirFor := func(sets [][]string) func(int, int) string {
		return func(p, phase int) string {
			if phase < 0 {
				return hashThreshold(p, all)
			}
			return hashThreshold(p, sets[phase])
		}
	}
	moved := func(p int) bool { return hashThreshold(p, all) != hashThreshold(p, drain) }
	none := func(int, int) bool { return false }
	wlcMovedBreak := func(p, phase int) bool { return moved(p) }
	cases := []struct {
		name    string
		mhLost  func(int, int) bool
		wlcLost func(int, int) bool
		wlcDir  func(int, int) string
		fails   string // a part of the error, "" for none
	}{
		{"as promised", none, wlcMovedBreak, nil, ""},
		{"mh loses 3 in the crash", func(p, phase int) bool { return phase == 2 && p < 40003 }, wlcMovedBreak, nil,
			"crash: 197 of 200 streams survived, want at least 99 %"},
		{"mh loses 2", func(p, phase int) bool { return phase == 0 && p < 40002 }, wlcMovedBreak, nil, ""},
		{"wlc keeps the moved ones", none, func(p, phase int) bool { return moved(p) && p%2 == 0 }, nil,
			"only 33 of the 99 streams that moved broke"},
		{"wlc loses the stayed ones", none, func(int, int) bool { return true }, nil,
			"101 streams that stayed on their director broke"},
		{"the route did not change", none, none, func(p, phase int) string { return hashThreshold(p, all) },
			"only 0 of 200 streams moved"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wlcDir := c.wlcDir
			if wlcDir == nil {
				wlcDir = dirFor([][]string{drain})
			}
			console := "boot noise\n" + fakeConsole("mh", mhSets, mhNames, dirFor(mhSets), c.mhLost) +
				fakeConsole("wlc", [][]string{drain}, []string{"drain"}, wlcDir, c.wlcLost)
			runs, err := parseECMP(console)
			if err != nil {
				t.Fatal(err)
			}
			rec := &recorder{}
			checkECMP(rec, runs)
			got := strings.Join(rec.errs, "\n")
			if c.fails == "" && got != "" || c.fails != "" && !strings.Contains(got, c.fails) {
				t.Errorf("errors:\n%s\nwant one containing %q\nlog:\n%s", got, c.fails, strings.Join(rec.logs, "\n"))
			}
		})
	}
}

// TestECMPJudgeCounts pins the counts of one drain: hash-threshold from
// three next hops to two moves half of the streams (99 of 200 here).
func TestECMPJudgeCounts(t *testing.T) {
	all, drain := []string{"d1", "d2", "d3"}, []string{"d2", "d3"}
	dir := func(p, phase int) string {
		if phase < 0 {
			return hashThreshold(p, all)
		}
		return hashThreshold(p, drain)
	}
	lost := func(p, _ int) bool { return p%6 == 0 } // on d1 before, d2 after
	runs, err := parseECMP(fakeConsole("x", [][]string{drain}, []string{"drain"}, dir, lost))
	if err != nil {
		t.Fatal(err)
	}
	got := runs["x"].judge(0)
	want := phaseResult{alive: 200, survived: 167, moved: 99, movedLost: 33}
	if got != want {
		t.Errorf("judge = %+v, want %+v", got, want)
	}
	if runs, _ := parseECMP("@x drops d1 3 2\n@x drops d2 3 0\n"); runs["x"].drops != 2 {
		t.Errorf("drops = %d, want 2", runs["x"].drops)
	}
	if _, err := parseECMP("@x seen d1 zero 1 2\n"); err == nil {
		t.Error("a seen line with no epoch number parsed")
	}
}

// recorder is a testing.TB that keeps what checkECMP reports.
type recorder struct {
	testing.TB
	errs, logs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, a...))
}
func (r *recorder) Logf(format string, a ...any) { r.logs = append(r.logs, fmt.Sprintf(format, a...)) }
