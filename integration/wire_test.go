package integration

import (
	"strings"
	"testing"
)

// Everything we put on the wire decodes in tshark with good checksums and no
// expert warnings: VRRPv2 with a password, VRRPv3 unicast, priority-0
// adverts of both, and the gratuitous ARPs.
func TestWireDecodesInTshark(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	stop := p.startCapture("wire.pcap", "arp or ip proto 112")

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
	p.runUntilMaster("wire", conf, 2)
	capture := stop()
	lines := tsharkFields(t, capture, "vrrp.version", "vrrp.prio", "vrrp.checksum.status", "ip.dst",
		"vrrp.auth_type", "arp.isgratuitous", "ip.ttl", "ip.dsfield")
	seen := map[string]int{}
	for _, line := range lines {
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
	noTsharkWarnings(t, capture)
}
