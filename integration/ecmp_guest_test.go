package integration

import (
	"testing"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

// TestECMPSurvivalInGuest is BGP mode's promise on a real IPVS: three
// directors behind a router's multipath route, 200 long-lived TCP streams
// through them to two DR real servers, and one director leaving the
// route. The router is a namespace whose route the script sets with
// `ip route replace VIP nexthop ... nexthop ...`, as zebra installs the
// routes BGP gives it (director/bgplab_test.go checks that FRR's next
// hops follow the directors' announcements); the directors run
// hadirector in BGP mode, its speaker process hadirector-bgp beside it,
// with no router to talk to. The steps are in testdata/ecmp-survival.sh.
//
// The route is a plain multipath route (hash-threshold, the kernel's and
// FRR's default), not a resilient next-hop group: when one of three next
// hops leaves, about half of all streams move, a third from the director
// that left and a sixth between the two that stay, so that the test
// also covers streams moved onto a director that was forwarding all
// along. A watcher on each director tells which streams moved.
//
// With mh (mh-port), sloppy_tcp and sync on every director, at least 99 %
// of the streams keep exchanging with their real server when a director
// is drained, comes back, and crashes. With wlc, sloppy_tcp off and no
// sync, most of the streams that moved break (the new director answers
// their next segment with a reset), while those that stayed survive.
func TestECMPSurvivalInGuest(t *testing.T) {
	needLab(t)
	// The speaker links GoBGP: built as go vet builds it (see guest.Binary).
	speaker, err := guest.Binary(t.TempDir(), "hadirector-bgp", "../cmd/hadirector-bgp")
	if err != nil {
		t.Fatal(err)
	}
	files := append(staticBinaries(t, map[string]string{"hadirector": "../cmd/hadirector", "connprobe": "../internal/testlab/connprobe"}), speaker)
	console := runGuestScript(t, "ecmp-survival.sh", "ECMP-SURVIVAL-DONE", []string{"bridge"}, files)
	runs, err := parseECMP(console)
	if err != nil {
		t.Fatal(err)
	}
	checkECMP(t, runs)
}

// checkECMP holds the runs to the promise and logs the survival figures.
func checkECMP(t testing.TB, runs map[string]*ecmpRun) {
	t.Helper()
	want := map[string][]string{"mh": {"drain", "undrain", "crash"}, "wlc": {"drain"}}
	for name, phases := range want {
		r := runs[name]
		if r == nil || len(r.phases) != len(phases) {
			t.Errorf("run %s: the console lacks its phases %v", name, phases)
			continue
		}
		if r.drops != 0 {
			t.Errorf("run %s: the watchers dropped packets (%d; -1: unknown): which director carried a stream is not known", name, r.drops)
		}
		if len(r.opened) != 200 {
			t.Errorf("run %s: %d streams opened, want 200", name, len(r.opened))
		}
		for i, ph := range r.phases {
			res := r.judge(i)
			t.Logf("ECMP-SURVIVAL run=%s phase=%s: %s", name, ph.name, res)
			switch {
			case ph.name != phases[i]:
				t.Errorf("run %s: phase %d is %s, want %s", name, i+1, ph.name, phases[i])
			case res.alive < 190 || res.unknown*10 > res.alive:
				t.Errorf("run %s, %s: %d streams alive before, %d of unknown director: the set-up did not hold", name, ph.name, res.alive, res.unknown)
			case res.moved*5 < res.alive:
				// Hash-threshold moves about half of them: fewer than a
				// fifth means the route did not change as the script said.
				t.Errorf("run %s, %s: only %d of %d streams moved to another director", name, ph.name, res.moved, res.alive)
			case name == "mh" && res.survived*100 < res.alive*99:
				t.Errorf("run %s, %s: %d of %d streams survived, want at least 99 %%", name, ph.name, res.survived, res.alive)
			case name == "wlc" && res.movedLost*10 < res.moved*9:
				t.Errorf("run %s, %s: only %d of the %d streams that moved broke: without mh, sloppy_tcp and sync most must", name, ph.name, res.movedLost, res.moved)
			case name == "wlc" && res.stayedLost*100 > res.alive:
				t.Errorf("run %s, %s: %d streams that stayed on their director broke", name, ph.name, res.stayedLost)
			}
		}
	}
}
