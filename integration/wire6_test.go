package integration

import (
	"strings"
	"testing"
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
	stop := p.startCapture("wire6.pcap", "ip6 proto 112 or (icmp6 and ip6[40] == 136)")

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
	p.runUntilMaster("wire6", conf, 2)
	capture := stop()
	lines := tsharkFields(t, capture, "vrrp.version", "vrrp.prio", "vrrp.checksum.status", "ipv6.src", "ipv6.dst",
		"ipv6.hlim", "ipv6.tclass", "icmpv6.type", "icmpv6.checksum.status",
		"icmpv6.nd.na.flag.o", "icmpv6.nd.na.flag.r", "icmpv6.nd.na.target_address")
	seen := map[string]int{}
	for _, line := range lines {
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
	noTsharkWarnings(t, capture)
}
