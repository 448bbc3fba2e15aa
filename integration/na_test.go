package integration

import (
	"context"
	"strings"
	"testing"
	"time"
)

const (
	vip6  = "2001:db8::100"
	vip6b = "2001:db8::101"
)

// addIPv6 turns IPv6 on for the pair lab's gateway and directors and
// gives them addresses in 2001:db8::/64, without DAD so that they are
// usable at once.
func (p *pairLab) addIPv6() {
	p.t.Helper()
	for host, a := range map[string]string{"gw": "2001:db8::1/64", "dA": "2001:db8::11/64", "dB": "2001:db8::12/64"} {
		must(p.t, p.lab.EnableIPv6(host, "eth0"))
		_, err := p.lab.IP(host, "addr", "add", a, "dev", "eth0", "nodad")
		must(p.t, err)
	}
}

// seedGatewayNeigh6 gives the gateway a stale IPv6 neighbour entry for
// addr pointing at mac: a neighbour ignores an unsolicited advertisement
// for an address it has no entry for (RFC 4861 7.2.5).
func (p *pairLab) seedGatewayNeigh6(addr, mac string) {
	p.t.Helper()
	_, err := p.lab.IP("gw", "-6", "neigh", "replace", addr, "lladdr", mac, "dev", "eth0", "nud", "stale")
	must(p.t, err)
}

// gatewayNeigh6 is the gateway's IPv6 neighbour entry for addr: its MAC,
// and whether it is flagged as a router.
func (p *pairLab) gatewayNeigh6(addr string) (mac string, router bool) {
	p.t.Helper()
	out, err := p.lab.IP("gw", "-6", "neigh", "show", addr, "dev", "eth0")
	must(p.t, err)
	f := strings.Fields(out)
	for i := range f {
		switch {
		case f[i] == "lladdr" && i+1 < len(f):
			mac = f[i+1]
		case f[i] == "router":
			router = true
		}
	}
	return mac, router
}

// `hadirector garp` sends unsolicited neighbour advertisements for IPv6
// addresses, as na6 would: the gateway's entries move to our MAC, the
// router flag is set only with -router, and tshark decodes every NA with a
// good checksum and no expert warning.
func TestGarpCommandNeighbourAdvertisements(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.addIPv6()
	stop := p.startCapture("na.pcap", "icmp6 and ip6[40] == 136")

	p.seedGatewayNeigh6(vip6, macB)
	if out := p.garp(vip6); !strings.Contains(out, "sent 2 neighbour advertisement(s) on eth0") {
		t.Errorf("output %q, want it to report 2 NAs sent", out)
	}
	if mac, router := p.gatewayNeigh6(vip6); mac != macA || router {
		t.Fatalf("gateway's entry for %s: %q router=%v after the NAs, want %s, not a router", vip6, mac, router, macA)
	}

	p.seedGatewayNeigh6(vip6b, macB)
	p.seedGatewayNeigh(macB)
	if out := p.garp("-router", vip6b, vip); !strings.Contains(out, "sent 4 gratuitous ARP(s) and neighbour advertisement(s)") {
		t.Errorf("output %q, want it to report 4 sent", out)
	}
	if mac, router := p.gatewayNeigh6(vip6b); mac != macA || !router {
		t.Fatalf("gateway's entry for %s: %q router=%v after -router NAs, want %s and router", vip6b, mac, router, macA)
	}
	if got := p.gatewayMAC(); got != macA {
		t.Errorf("gateway's entry for %s is %q, want %s: IPv4 addresses still get gratuitous ARP", vip, got, macA)
	}

	capture := stop()
	lines := tsharkFields(t, capture, "icmpv6.type", "icmpv6.checksum.status", "ipv6.hlim", "ipv6.dst",
		"icmpv6.nd.na.flag.o", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.r",
		"icmpv6.nd.na.target_address", "icmpv6.opt.linkaddr")
	if len(lines) != 4 {
		t.Fatalf("%d NAs on the wire, want 4:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	routers := 0
	for _, l := range lines {
		f := strings.Split(l, ",")
		if len(f) < 9 || f[0] != "136" || f[1] != "1" || f[2] != "255" || f[3] != "ff02::1" || !isTrue(f[4]) || isTrue(f[5]) || f[8] != macA {
			t.Errorf("NA %q: want type 136, good checksum, hop limit 255, to ff02::1, override, not solicited, target link-layer address %s", l, macA)
			continue
		}
		if isTrue(f[6]) {
			routers++
			if f[7] != vip6b {
				t.Errorf("router flag on the NA for %s: %s", f[7], l)
			}
		}
	}
	if routers != 2 {
		t.Errorf("%d NAs with the router flag, want 2", routers)
	}
	noTsharkWarnings(t, capture)
}

// isTrue reads a tshark boolean field, printed as 1 or True by versions.
func isTrue(s string) bool { return s == "1" || s == "True" }

// waitLinkLocal waits for the host's eth0 to have a link-local address
// past DAD (about 2 s after IPv6 comes up); the bound only stops a hung test.
func (p *pairLab) waitLinkLocal(host string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		out, err := p.lab.IP(host, "-6", "addr", "show", "dev", "eth0", "scope", "link")
		must(p.t, err)
		if strings.Contains(out, "inet6 fe80:") && !strings.Contains(out, "tentative") {
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("%s has no link-local address past DAD:\n%s", host, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitGatewayNeigh6 waits for the gateway's IPv6 entry for addr to read mac.
func (p *pairLab) waitGatewayNeigh6(addr, mac string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		if got, _ := p.gatewayNeigh6(addr); got == mac {
			return
		}
		select {
		case <-ctx.Done():
			got, _ := p.gatewayNeigh6(addr)
			p.t.Fatalf("gateway's IPv6 entry for %s is %q, want %s", addr, got, mac)
		case <-time.After(5 * time.Millisecond):
		}
	}
}
