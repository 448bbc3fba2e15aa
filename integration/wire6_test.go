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

// Everything an IPv6 instance puts on the wire decodes in tshark with good
// checksums and no expert warning: VRRPv3 adverts from the link-local
// address (to ff02::12, and to a unicast peer when no unicast_src is
// given), their priority-0 adverts at shutdown,
// and the unsolicited neighbour advertisements for its VIPs, the router
// flag on the na_router VIP only.
func TestWire6DecodesInTshark(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.addIPv6()
	p.waitLinkLocal("dA")
	if _, err := exec.LookPath("tshark"); err != nil {
		t.Fatal("tshark is not installed (scripts/install-deps installs it)")
	}
	capture := filepath.Join(p.dir, "wire6.pcap")
	dump, err := p.lab.Start("sw", nil, "tcpdump", "-i", "br0", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", capture, "ip6 proto 112 or (icmp6 and ip6[40] == 136)")
	must(t, err)
	_, err = dump.WaitLine(0, waitFor, func(l string) bool { return strings.Contains(l, "listening on") })
	must(t, err)

	conf := `[[instance]]
name = "mcast6"
interface = "eth0"
vrid = 51
priority = 150
advert_interval = "100ms"
vips = ["2001:db8::100", "2001:db8::101"]
na_router = ["2001:db8::100"]
[instance.garp]
count = 2
repeat_delay = "0s"

[[instance]]
name = "ucast6"
interface = "eth0"
vrid = 52
priority = 150
advert_interval = "100ms"
unicast_peers = ["2001:db8::12"]
vips = ["2001:db8::102"]
[instance.garp]
count = 2
repeat_delay = "0s"
`
	path := filepath.Join(p.dir, "wire6.toml")
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
		"-e", "vrrp.version", "-e", "vrrp.prio", "-e", "vrrp.checksum.status", "-e", "ipv6.src", "-e", "ipv6.dst",
		"-e", "ipv6.hlim", "-e", "ipv6.tclass", "-e", "icmpv6.type", "-e", "icmpv6.checksum.status",
		"-e", "icmpv6.nd.na.flag.o", "-e", "icmpv6.nd.na.flag.r", "-e", "icmpv6.nd.na.target_address").Output()
	if err != nil {
		t.Fatalf("tshark: %v\n%s", err, out)
	}
	seen := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, ",")
		if len(f) < 12 {
			t.Fatalf("tshark line %q", line)
		}
		version, prio, cksum, src, dst, hlim, tclass := f[0], f[1], f[2], f[3], f[4], f[5], f[6]
		icmpType, icmpSum, override, router, target := f[7], f[8], f[9], f[10], f[11]
		switch {
		case icmpType == "136" && dst != "ff02::1":
			// A kernel's solicited answer (dB's, to dA's neighbour
			// solicitation for the unicast peer): not ours to check.
		case icmpType == "136":
			if icmpSum != "1" || hlim != "255" || dst != "ff02::1" || !isTrue(override) || isTrue(router) != (target == vip6) {
				t.Errorf("NA %q: want a good checksum, hop limit 255, to ff02::1, override, router flag for %s only", line, vip6)
			}
			seen["na "+target]++
		case version == "3":
			if cksum != "1" || hlim != "255" || tclass != "0x000000c0" {
				t.Errorf("advert %q: want a good checksum, hop limit 255, traffic class 0xc0", line)
			}
			kind := "mcast"
			switch {
			case !strings.HasPrefix(src, "fe80:"):
				t.Errorf("advert %q: want it from the link-local address", line)
			case dst == "2001:db8::12":
				kind = "ucast"
			case dst != "ff02::12":
				t.Errorf("advert %q: want it to ff02::12 or the unicast peer 2001:db8::12", line)
			}
			if prio == "0" {
				kind += "-prio0"
			}
			seen[kind]++
		default:
			t.Errorf("unexpected packet %q", line)
		}
	}
	for _, k := range []string{"mcast", "mcast-prio0", "ucast", "ucast-prio0", "na " + vip6, "na " + vip6b, "na 2001:db8::102"} {
		if seen[k] == 0 {
			t.Errorf("no %s on the wire; saw %v", k, seen)
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
