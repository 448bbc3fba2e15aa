package integration

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// keepalived, master, advertises fewer VIPs than hadirector has configured
// (a rolling VIP change, or virtual_ipaddress_excluded on its side). VRRPv3
// processes such adverts (RFC 5798 7.1: log, do not drop): hadirector stays
// backup behind keepalived, holds no VIP, and counts the mismatch.
func TestKeepalivedAddrListMismatchV3(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.keepalived["dB"] = true
	k, err := testlab.StartKeepalived(p.lab, "dB", p.dir, testlab.KeepalivedInstance{
		Interface: "eth0", VRID: 51, Priority: 150, Version: 3, AdvertInt: "0.1", VIPs: []string{"192.0.2.100"},
	})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keepalived log:\n%s", strings.Join(k.Lines(), "\n"))
		}
	})
	waitKA(t, k, 0, "Entering MASTER STATE")

	hd := p.start("dA", instanceConf{Priority: 100, Version: 3, Interval: "100ms", Preempt: true,
		VIPs: []string{"192.0.2.100", "192.0.2.101"}})
	// Twenty adverts are two seconds, several Master_Down_Intervals (0.36 s):
	// had they been dropped, hadirector would have become master meanwhile.
	next := 0
	for range 20 {
		next = p.waitAdvertFrom(hd, next, "192.0.2.12")
	}
	if _, _, err := hd.WaitFor(0, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "advert address list differs from the configured VIPs, processed anyway"
	}); err != nil {
		t.Errorf("the mismatch was not logged: %v", err)
	}
	if s := transitions(hd); slices.Contains(s, "MASTER") {
		t.Errorf("hadirector became master beside keepalived: transitions %v", s)
	}
	p.wantVIPs("dA", 0)
	p.wantVIPs("dB", 1)

	out, err := p.lab.Exec("dA", binary, "status", "--json", "-s", filepath.Join(p.dir, "dA.toml.sock"))
	must(t, err)
	var sts []router.Status
	must(t, json.Unmarshal([]byte(out), &sts))
	if len(sts) != 1 {
		t.Fatalf("status of %d instances", len(sts))
	}
	s := sts[0]
	if s.State != vrrp.Backup || s.Master != "192.0.2.12" || s.AddrListMismatch < 20 || len(s.Drops) != 0 {
		t.Errorf("status: state %s master %q mismatches %d drops %v; want BACKUP behind 192.0.2.12, >= 20 mismatches, no drops",
			s.State, s.Master, s.AddrListMismatch, s.Drops)
	}
}
