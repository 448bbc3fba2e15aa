package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/testlab"
)

// healBound is how soon after its link returns a unicast master must have
// made keepalived yield. Its advert leaves at once; what it may wait on is
// the neighbour resolution of the peer, which the kernel, if the link was
// cut mid-resolution, retries only after its retrans_time (1 s).
const healBound = 500 * time.Millisecond

// TestUnicastHealAfterLinkFlap: hadirector, master with unicast peers (v3,
// 100 ms), and keepalived as its backup. The master's switch port goes
// down until keepalived has taken over, then up again: keepalived yields
// well within the kernel's ARP retry, each of five times.
func TestUnicastHealAfterLinkFlap(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	hd := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true,
		Extra: `vips = ["192.0.2.100"]` + "\n" + `unicast_peers = ["192.0.2.12"]` + "\n" + `unicast_src = "192.0.2.11"`})
	p.keepalived["dB"] = true
	k, err := testlab.StartKeepalived(p.lab, "dB", p.dir, testlab.KeepalivedInstance{
		Interface: "eth0", VRID: 51, Priority: 100, Version: 3, AdvertInt: "0.1", VIPs: []string{"192.0.2.100"},
		UnicastSrc: "192.0.2.12", UnicastPeers: []string{"192.0.2.11"},
	})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keepalived log:\n%s", strings.Join(k.Lines(), "\n"))
		}
	})
	p.waitState(hd, 0, "MASTER")
	mk := waitKA(t, k, 0, "Entering BACKUP STATE")
	for run := 0; run < 5; run++ {
		must(t, p.lab.Cut("sw", "dA"))
		mk = waitKA(t, k, mk, "Entering MASTER STATE")
		up := time.Now() // the port comes up while ip runs: the time includes its exec
		must(t, p.lab.Heal("sw", "dA"))
		mk = waitKA(t, k, mk, "Entering BACKUP STATE")
		if d := time.Since(up); d > healBound {
			t.Errorf("flap %d: keepalived yielded %v after the link came back, want within %v", run, d, healBound)
		} else {
			t.Logf("flap %d: keepalived yielded after %v", run, d)
		}
	}
	p.wantVIPs("dA", 1)
	p.wantVIPs("dB", 0)
}
