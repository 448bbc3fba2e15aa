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

// TestDaemonIPVSInGuest runs the hadirector binary as a director in the
// qemu guest, against the real kernel's IPVS and real HTTP servers in a
// namespace: it programs the table from the file, follows health checks
// (quiescent and removing services), repairs changes at resync, leaves
// foreign services alone, and lists the table as ipvsadm does. The steps
// are in testdata/ipvs-daemon.sh.
func TestDaemonIPVSInGuest(t *testing.T) {
	needLab(t)
	k, err := guest.FindKernel("/")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "hadirector")
	build := exec.Command("go", "build", "-o", bin, "../cmd/hadirector")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building a static hadirector: %v\n%s", err, out)
	}
	script, err := os.ReadFile("testdata/ipvs-daemon.sh")
	if err != nil {
		t.Fatal(err)
	}
	img := guest.Image{
		Kernel: k, Modules: guest.IPVSModules, Binaries: guest.IPVSTools,
		Files: []guest.File{
			{Path: "/work/hadirector", Host: bin, Mode: 0o755},
			{Path: "/etc/hadirector.toml", Host: "testdata/ipvs-daemon.toml"},
		},
		Script: string(script),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	res, err := guest.Run(ctx, img, guest.Options{})
	t.Logf("guest console (%.1fs):\n%s", res.Elapsed.Seconds(), res.Text())
	if err != nil {
		t.Fatalf("guest: %v", err)
	}
	if res.Exit != 0 || !strings.Contains(res.Text(), "IPVS-DAEMON-OK") {
		t.Fatalf("the director script exited %d in the guest", res.Exit)
	}
}
