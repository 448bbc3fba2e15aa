package integration

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// startCapture runs tcpdump with filter on the switch's bridge (it sees
// unicast between ports too), writing name in the lab's directory, and
// returns once it listens; stop ends it and returns the file's path.
func (p *pairLab) startCapture(name, filter string) (stop func() string) {
	p.t.Helper()
	if _, err := exec.LookPath("tshark"); err != nil {
		p.t.Fatal("tshark is not installed (scripts/install-deps installs it)")
	}
	capture := filepath.Join(p.dir, name)
	dump, err := p.lab.Start("sw", nil, "tcpdump", "-i", "br0", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", capture, filter)
	must(p.t, err)
	_, err = dump.WaitLine(0, waitFor, func(l string) bool { return strings.Contains(l, "listening on") })
	must(p.t, err)
	return func() string {
		p.t.Helper()
		must(p.t, dump.Signal(syscall.SIGTERM))
		ctx, cancel := context.WithTimeout(context.Background(), waitFor)
		defer cancel()
		_, err := dump.Wait(ctx)
		must(p.t, err)
		return capture
	}
}

// tsharkFields decodes the capture into one line per packet of the given
// fields, comma-separated.
func tsharkFields(t *testing.T, capture string, fields ...string) []string {
	t.Helper()
	args := []string{"-r", capture, "-T", "fields", "-E", "separator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	out, err := exec.Command("tshark", args...).Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

// noTsharkWarnings fails the test for any expert warning or error tshark
// finds in the capture.
func noTsharkWarnings(t *testing.T, capture string) {
	t.Helper()
	expert, err := exec.Command("tshark", "-r", capture, "-q", "-z", "expert,warn").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark expert: %v\n%s", err, expert)
	}
	for _, l := range strings.Split(string(expert), "\n") {
		if strings.Contains(l, "Warning") || strings.Contains(l, "Error") {
			t.Errorf("tshark expert info: %s\n%s", l, expert)
		}
	}
}

// runUntilMaster runs hadirector in dA on the configuration text until n
// of its instances have become master, then stops it with SIGTERM (each
// master sends its priority-0 advert) and waits for it to exit.
func (p *pairLab) runUntilMaster(name, conf string, n int) {
	p.t.Helper()
	path := filepath.Join(p.dir, name+".toml")
	must(p.t, os.WriteFile(path, []byte(conf), 0o644))
	d, err := p.lab.Start("dA", nil, binary, "run", "-c", path, "-s", path+".sock", "--log-format", "json")
	must(p.t, err)
	next := 0
	for range n {
		_, next, err = d.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("to") == "MASTER" })
		must(p.t, err)
	}
	must(p.t, d.Signal(syscall.SIGTERM))
	waitExit(p.t, d)
}
