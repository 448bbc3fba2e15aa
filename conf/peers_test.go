package conf

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

// unicast_peers and [[instance.unicast_peer]] make one list, in that order;
// PeerTTLs is parallel to it once one peer accepts less than TTL 255.
func TestUnicastPeerTTL(t *testing.T) {
	text := base + `unicast_peers = ["192.0.2.12"]
unicast_src = "192.0.2.11"

[[instance.unicast_peer]]
address = "198.51.100.12"
min_ttl = 250

[[instance.unicast_peer]]
address = "203.0.113.12"
min_ttl = 1
max_ttl = 64

[[instance.unicast_peer]]
address = "203.0.113.13"
`
	c, err := Parse("t.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	in := c.Instances[0]
	wantPeers := []netip.Addr{netip.MustParseAddr("192.0.2.12"), netip.MustParseAddr("198.51.100.12"),
		netip.MustParseAddr("203.0.113.12"), netip.MustParseAddr("203.0.113.13")}
	wantTTLs := []PeerTTL{{255, 255}, {250, 255}, {1, 64}, {255, 255}}
	if !reflect.DeepEqual(in.UnicastPeers, wantPeers) || !reflect.DeepEqual(in.PeerTTLs, wantTTLs) {
		t.Errorf("peers %v TTLs %v\nwant %v %v", in.UnicastPeers, in.PeerTTLs, wantPeers, wantTTLs)
	}

	// Peers that all need TTL 255, in either form, keep no TTL list.
	c, err = Parse("t.toml", []byte(base+"[[instance.unicast_peer]]\naddress = \"192.0.2.12\"\nmax_ttl = 255\n"))
	if err != nil {
		t.Fatal(err)
	}
	if in := c.Instances[0]; len(in.UnicastPeers) != 1 || in.PeerTTLs != nil {
		t.Errorf("peers %v TTLs %v, want one peer and no TTL list", in.UnicastPeers, in.PeerTTLs)
	}
}

func TestUnicastPeerErrors(t *testing.T) {
	peer := func(lines ...string) string {
		return base + "\n[[instance.unicast_peer]]\n" + strings.Join(lines, "\n") + "\n"
	}
	cases := []struct{ name, text, want string }{
		{"min above max", peer(`address = "192.0.2.12"`, "min_ttl = 254", "max_ttl = 250"),
			"t.toml:13: instance[0].unicast_peer[0].min_ttl: 254 is more than max_ttl (250)"},
		{"max alone below the default min", peer(`address = "192.0.2.12"`, "max_ttl = 64"),
			"t.toml:11: instance[0].unicast_peer[0].min_ttl: 255 is more than max_ttl (64)"},
		{"min 0", peer(`address = "192.0.2.12"`, "min_ttl = 0"),
			"t.toml:13: instance[0].unicast_peer[0].min_ttl: 0 is out of range 1..255"},
		{"max 256", peer(`address = "192.0.2.12"`, "max_ttl = 256"),
			"t.toml:13: instance[0].unicast_peer[0].max_ttl: 256 is out of range 1..255"},
		{"address missing", peer("min_ttl = 250"), "t.toml:11: instance[0].unicast_peer[0].address: required"},
		{"address bad", peer(`address = "x"`), "t.toml:12: instance[0].unicast_peer[0].address: \"x\" is not an IPv4 address"},
		{"address twice", base + "unicast_peers = [\"192.0.2.12\"]\n" + "\n[[instance.unicast_peer]]\naddress = \"192.0.2.12\"\n",
			"t.toml:13: instance[0].unicast_peer[0].address: 192.0.2.12 is listed twice"},
		{"address is a vip", peer(`address = "192.0.2.100"`), "t.toml:12: instance[0].unicast_peer[0].address: 192.0.2.100 is one of the instance's VIPs"},
		{"unknown key", peer(`address = "192.0.2.12"`, "ttl = 3"), "t.toml:13: instance[0].unicast_peer[0].ttl: unknown key"},
		{"second instance", base + "\n[[instance]]\nname = \"b\"\ninterface = \"eth0\"\nvrid = 52\npriority = 1\nvips = [\"192.0.2.7\"]\n" +
			"\n[[instance.unicast_peer]]\naddress = \"192.0.2.12\"\nmin_ttl = 300\n",
			"t.toml:20: instance[1].unicast_peer[0].min_ttl: 300 is out of range 1..255"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := Parse("t.toml", []byte(c.text))
			if err == nil || cfg != nil {
				t.Fatalf("config %v, error %v; want %q", cfg, err, c.want)
			}
			if !strings.HasPrefix(err.Error(), c.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, c.want)
			}
		})
	}
}

// v3_checksum_as_v2 is VRRPv3's: a VRRPv2 checksum never had the
// pseudo-header.
func TestV3ChecksumAsV2(t *testing.T) {
	c, err := Parse("t.toml", []byte(base+"v3_checksum_as_v2 = true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if !c.Instances[0].V3ChecksumAsV2 {
		t.Error("v3_checksum_as_v2 = true not kept")
	}
	_, err = Parse("t.toml", []byte(base+"version = 2\nv3_checksum_as_v2 = true\n"))
	if want := "t.toml:11: instance[0].v3_checksum_as_v2: only for VRRPv3"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want prefix %q", err, want)
	}
	_, err = Parse("t.toml", []byte(base+"v3_checksum_as_v2 = \"yes\"\n"))
	if err == nil || !strings.HasPrefix(err.Error(), "t.toml:10:") {
		t.Errorf("a string value: error %v, want one at line 10", err)
	}
}
