package integration

import (
	"github.com/hadirector/hadirector/vrrp"

	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The address owner does not step down: it always preempts (RFC 5798
// 6.1) and would take its addresses straight back. The command says so
// and how to hand over, and the owner stays master with its VIPs.
func TestStepDownOfTheOwnerIsRefused(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 255, Version: 3, Interval: "1s", Preempt: false})
	p.waitState(a, 0, "MASTER")
	out, err := p.lab.Exec("dA", binary, "step-down", "-i", "vi51", "-s", filepath.Join(p.dir, "dA.toml.sock"))
	if err == nil || !strings.Contains(out, "RFC 5798 6.1") || !strings.Contains(out, "priority below") {
		t.Errorf("step-down of the owner: %v: %q; want exit 1 naming RFC 5798 6.1 and how to hand over", err, out)
	}
	if st := p.status("dA"); st.State != vrrp.Master || st.Effective != 255 || !st.VIPsHeld {
		t.Errorf("the owner after a refused step-down: %s, effective priority %d, VIPs held %v; want MASTER, 255, held", st.State, st.Effective, st.VIPsHeld)
	}
	if got := transitions(a); !slices.Equal(got, []string{"MASTER"}) {
		t.Errorf("the owner went through %v, want MASTER only", got)
	}
	p.wantVIPs("dA", 2)
}
