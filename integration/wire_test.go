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

// Everything we put on the wire decodes in tshark with good checksums and no
// expert warnings: VRRPv2 with a password, VRRPv3 unicast, priority-0
// adverts of both, and the gratuitous ARPs.
func TestWireDecodesInTshark(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (scripts/install-deps installs it)")
	}
	capture := filepath.Join(p.dir, "wire.pcap")
	// Capture on the bridge: it sees unicast between ports too.
	dump, err := p.lab.Start("sw", nil, "tcpdump", "-i", "br0", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", capture, "arp or ip proto 112")
	must(t, err)
	_, err = dump.WaitLine(0, waitFor, func(l string) bool { return strings.Contains(l, "listening on") })
	must(t, err)

	conf := `[[instance]]
name = "v2pass"
interface = "eth0"
vrid = 51
priority = 150
version = 2
advert_interval = "1s"
password = "s3cret"
vips = ["192.0.2.100", "192.0.2.101"]

[[instance]]
name = "v3ucast"
interface = "eth0"
vrid = 52
priority = 150
version = 3
advert_interval = "100ms"
unicast_peers = ["192.0.2.12"]
vips = ["192.0.2.102"]
`
	path := filepath.Join(p.dir, "wire.toml")
	must(t, os.WriteFile(path, []byte(conf), 0o644))
	d, err := p.lab.Start("dA", nil, binary, "run", "-c", path, "-s", path+".sock", "--log-format", "json")
	must(t, err)
	next := 0
	for range 2 {
		_, next, err = d.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("to") == "MASTER" })
		must(t, err)
	}
	must(t, d.Signal(syscall.SIGTERM))
	waitExit(t, d)
	must(t, dump.Signal(syscall.SIGTERM))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	_, err = dump.Wait(ctx)
	must(t, err)

	out, err := exec.Command("tshark", "-r", capture, "-T", "fields", "-E", "separator=,",
		"-e", "vrrp.version", "-e", "vrrp.prio", "-e", "vrrp.checksum.status", "-e", "ip.dst",
		"-e", "vrrp.auth_type", "-e", "arp.isgratuitous", "-e", "ip.ttl", "-e", "ip.dsfield").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 8 {
			t.Fatalf("tshark line %q", line)
		}
		version, prio, cksum, dst, auth, garp, ttl, tos := f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
		switch {
		case garp == "1" || garp == "True":
			seen["garp"]++
		case version != "":
			if cksum != "1" {
				t.Errorf("VRRP v%s advert with checksum status %q (want 1, good): %s", version, cksum, line)
			}
			if ttl != "255" || tos != "0xc0" {
				t.Errorf("advert with TTL %s TOS %s, want 255 and 0xc0: %s", ttl, tos, line)
			}
			kind := "v" + version
			if version == "2" && auth != "1" {
				t.Errorf("v2 advert with auth type %q, want 1 (simple password)", auth)
			}
			if version == "3" && dst != "192.0.2.12" {
				t.Errorf("v3 advert to %s, want unicast to 192.0.2.12", dst)
			}
			if prio == "0" {
				kind += "-prio0"
			}
			seen[kind]++
		}
	}
	for _, k := range []string{"v2", "v2-prio0", "v3", "v3-prio0", "garp"} {
		if seen[k] == 0 {
			t.Errorf("no %s packet on the wire; saw %v", k, seen)
		}
	}
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
