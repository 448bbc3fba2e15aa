package integration

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// These tests run the binary on the host's kernel, which has no IPVS (the
// guest tests cover a kernel that has it): IPVS commands, and a director
// configured with services, must fail with one line naming the cause, not
// panic in moby/ipvs or print its logrus lines.

const noIPVSCause = "this kernel has no IPVS ("
const noIPVSFix = "; load the ip_vs module or use a kernel built with CONFIG_IP_VS"

// noIPVSLab is a lab with one host, dA (192.0.2.11 on eth0), on a kernel
// without IPVS.
func noIPVSLab(t *testing.T) *netlab.Lab {
	t.Helper()
	needLab(t)
	if _, err := os.Stat("/proc/net/ip_vs"); err == nil {
		t.Skip("this kernel has IPVS: the test is of one without")
	}
	l := newLab(t)
	must(t, l.Switch("sw"))
	must(t, l.AddHost(netlab.Host{Name: "dA", Switch: "sw", Addrs: []string{"192.0.2.11/24"}}))
	return l
}

// runToExit runs the binary in dA until it exits and returns its exit
// status and its stderr lines (stdout is dropped).
func runToExit(t *testing.T, l *netlab.Lab, args ...string) (int, []string) {
	t.Helper()
	var stdout strings.Builder
	proc, err := l.Start("dA", &stdout, append([]string{binary}, args...)...)
	must(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	code, err := proc.Wait(ctx)
	must(t, err)
	return code, proc.Lines()
}

// wantOneCleanLine checks that a failed command printed one line, without
// a stack or logrus's format, that holds want and the fix.
func wantOneCleanLine(t *testing.T, code int, lines []string, want string) {
	t.Helper()
	all := strings.Join(lines, "\n")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if strings.Contains(all, "panic") || strings.Contains(all, "goroutine") {
		t.Fatalf("it panicked:\n%s", all)
	}
	if strings.Contains(all, "level=warning") || strings.Contains(all, "level=error") || strings.Contains(all, "ipvs family") {
		t.Errorf("moby/ipvs's logrus lines reached stderr:\n%s", all)
	}
	if len(lines) != 1 {
		t.Fatalf("stderr has %d lines, want 1:\n%s", len(lines), all)
	}
	if !strings.Contains(lines[0], want) || !strings.Contains(lines[0], noIPVSFix) {
		t.Errorf("stderr %q, want it to hold %q and %q", lines[0], want, noIPVSFix)
	}
}

func TestNoIPVSListIsOneLineError(t *testing.T) {
	t.Parallel()
	l := noIPVSLab(t)
	code, lines := runToExit(t, l, "ipvs", "list", "-n")
	wantOneCleanLine(t, code, lines, "hadirector ipvs list: "+noIPVSCause)
}

func TestNoIPVSSyncDaemonsIsOneLineError(t *testing.T) {
	t.Parallel()
	l := noIPVSLab(t)
	code, lines := runToExit(t, l, "sync", "daemons")
	wantOneCleanLine(t, code, lines, "hadirector sync daemons: "+noIPVSCause)
}

const noIPVSInstance = `[[instance]]
name = "vi51"
interface = "eth0"
vrid = 51
priority = 100
vips = ["192.0.2.100"]
`

// A director told to program IPVS that cannot stops at once, saying why.
func TestNoIPVSRunWithServiceFails(t *testing.T) {
	t.Parallel()
	l := noIPVSLab(t)
	path := filepath.Join(t.TempDir(), "svc.toml")
	must(t, os.WriteFile(path, []byte(noIPVSInstance+`
[[service]]
address = "192.0.2.100:80"
  [[service.real]]
  address = "198.51.100.1"
`), 0o644))
	code, lines := runToExit(t, l, "run", "-c", path, "-s", "", "--log-format", "json")
	wantOneCleanLine(t, code, lines, path+" configures IPVS, but "+noIPVSCause)
	var e netlab.Event
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.Str("msg") != "cannot start" {
		t.Errorf("stderr %q is not the JSON line \"cannot start\" (%v)", lines[0], err)
	}
}

// Without services, IPVS is never asked for: the director runs.
func TestNoIPVSRunWithoutServicesStarts(t *testing.T) {
	t.Parallel()
	l := noIPVSLab(t)
	path := filepath.Join(t.TempDir(), "vrrp.toml")
	must(t, os.WriteFile(path, []byte(noIPVSInstance), 0o644))
	proc, err := l.Start("dA", nil, binary, "run", "-c", path, "-s", "", "--log-format", "json")
	must(t, err)
	if _, _, err := proc.WaitFor(0, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "started" }); err != nil {
		t.Fatalf("%v; log:\n%s", err, strings.Join(proc.Lines(), "\n"))
	}
	must(t, proc.Signal(syscall.SIGTERM))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	code, err := proc.Wait(ctx)
	must(t, err)
	if code != 0 {
		t.Errorf("exit status %d after SIGTERM, want 0; log:\n%s", code, strings.Join(proc.Lines(), "\n"))
	}
}
