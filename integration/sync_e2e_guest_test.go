package integration

import "testing"

// TestSyncFailoverInGuest is connection sync end to end, in one qemu
// guest: a client's TCP connection through the VIP survives the master's
// link cut and, after the hold, the return of the rebooted master, on the
// same real server; with sync off, the same cut breaks it. The steps are
// in testdata/sync-e2e.sh.
func TestSyncFailoverInGuest(t *testing.T) {
	needLab(t)
	files := staticBinaries(t, map[string]string{"hadirector": "../cmd/hadirector", "connprobe": "../internal/testlab/connprobe"})
	runGuestScript(t, "sync-e2e.sh", "SYNC-E2E-OK", []string{"bridge"}, files)
}
