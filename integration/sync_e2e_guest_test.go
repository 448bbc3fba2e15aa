package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/integration/guest"
)

// TestSyncFailoverInGuest is connection sync end to end, in one qemu
// guest: a client's TCP connection through the VIP survives the master's
// link cut and, after the hold, the return of the rebooted master, on the
// same real server; with sync off, the same cut breaks it. The steps are
// in testdata/sync-e2e.sh.
func TestSyncFailoverInGuest(t *testing.T) {
	needLab(t)
	k, err := guest.FindKernel("/")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var files []guest.File
	for _, b := range []struct{ name, pkg string }{{"hadirector", "../cmd/hadirector"}, {"connprobe", "./connprobe"}} {
		out := filepath.Join(dir, b.name)
		build := exec.Command("go", "build", "-o", out, b.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			t.Fatalf("building a static %s: %v\n%s", b.name, err, msg)
		}
		files = append(files, guest.File{Path: "/work/" + b.name, Host: out, Mode: 0o755})
	}
	script, err := os.ReadFile("testdata/sync-e2e.sh")
	if err != nil {
		t.Fatal(err)
	}
	img := guest.Image{
		Kernel: k, Modules: append(guest.IPVSModules, "bridge"), Binaries: guest.IPVSTools,
		Files: files, Script: string(script),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	res, err := guest.Run(ctx, img, guest.Options{})
	t.Logf("guest console (%.1fs):\n%s", res.Elapsed.Seconds(), res.Text())
	if err != nil {
		t.Fatalf("guest: %v", err)
	}
	if res.Exit != 0 || !strings.Contains(res.Text(), "SYNC-E2E-OK") {
		t.Fatalf("the sync script exited %d in the guest", res.Exit)
	}
}
