package main

import (
	"strings"
	"testing"

	"github.com/hadirector/hadirector/ipvs"
)

// The status names the checks started and late, and says nothing of checks
// where there are none.
func TestPrintIPVSStatusChecks(t *testing.T) {
	var b strings.Builder
	printIPVSStatus(&b, &ipvs.ManagerStatus{Services: 1, Reals: 2, RealsUp: 2, Checks: ipvs.CheckStats{Started: 40, Late: 3, Uncounted: 1, InFlight: 2, Limit: 512}})
	if want := "  checks: 40 started, 3 late (behind schedule), 1 timeouts not counted, 2 in flight (limit 512)\n"; !strings.Contains(b.String(), want) {
		t.Errorf("status %q lacks %q", b.String(), want)
	}
	b.Reset()
	printIPVSStatus(&b, &ipvs.ManagerStatus{Services: 1, Reals: 2, RealsUp: 2})
	if strings.Contains(b.String(), "checks:") {
		t.Errorf("status %q names checks where none ran", b.String())
	}
}
