package integration

import (
	"testing"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

// TestDaemonIPVSInGuest runs the hadirector binary as a director in the
// qemu guest, against the real kernel's IPVS and real HTTP servers in a
// namespace: it programs the table from the file, follows health checks
// (quiescent and removing services), repairs changes at resync, leaves
// foreign services alone, and lists the table as ipvsadm does. The steps
// are in testdata/ipvs-daemon.sh.
func TestDaemonIPVSInGuest(t *testing.T) {
	needLab(t)
	files := append(staticBinaries(t, map[string]string{"hadirector": "../cmd/hadirector"}),
		guest.File{Path: "/etc/hadirector.toml", Host: "testdata/ipvs-daemon.toml"})
	runGuestScript(t, "ipvs-daemon.sh", "IPVS-DAEMON-OK", nil, files)
}
