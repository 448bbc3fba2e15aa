package conf

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// bgpBase is a BGP-only director: [bgp] at line 1, the peer at line 5,
// the instance at line 10.
const bgpBase = `[bgp]
asn = 65001
router_id = "192.0.2.11"

[[bgp.peer]]
address = "192.0.2.1"
asn = 65000
hold_time = "3s"

[[instance]]
name = "web"
mode = "bgp"
vips = ["203.0.113.10", "2001:db8::10"]
`

func TestBGPDefaults(t *testing.T) {
	c, err := Parse("t.toml", []byte(bgpBase))
	if err != nil {
		t.Fatal(err)
	}
	want := &BGP{
		ASN: 65001, RouterID: netip.MustParseAddr("192.0.2.11"), DrainTime: 5 * time.Second,
		Peers: []BGPPeer{{Address: netip.MustParseAddr("192.0.2.1"), ASN: 65000, HoldTime: 3 * time.Second}},
		Instances: []BGPInstance{{Name: "web", Interface: "lo", MinUp: 1,
			VIPs: []netip.Addr{netip.MustParseAddr("203.0.113.10"), netip.MustParseAddr("2001:db8::10")}}},
	}
	if !reflect.DeepEqual(c.BGP, want) {
		t.Errorf("got  %+v\nwant %+v", c.BGP, want)
	}
	if len(c.Instances) != 0 {
		t.Errorf("VRRP instances: %+v", c.Instances)
	}
}

func TestBGPFull(t *testing.T) {
	c, err := Parse("t.toml", []byte(`[global]
[bgp]
asn = 4200000001
router_id = "192.0.2.11"
communities = ["65001:100", "0:65535"]
next_hop = "192.0.2.11"
next_hop6 = "2001:db8::11"
announce_delay = "2s"
drain_time = "30s"
[[bgp.peer]]
address = "192.0.2.1"
asn = 65000
port = 1179
local_address = "192.0.2.11"
password = "s3cret"
multihop = 2
bfd = true
bfd_min_tx = "100ms"
bfd_multiplier = 5
[[bgp.peer]]
address = "2001:db8::1"
asn = 65000
[ipvs]
sloppy_tcp = true
sloppy_sctp = false
[[instance]]
name = "vrrp"
interface = "eth0"
vrid = 1
priority = 100
vips = ["192.0.2.100"]
[[instance]]
name = "web"
mode = "bgp"
interface = "lo"
vips = ["203.0.113.10"]
min_up = 2
[[instance.track_script]]
command = ["/bin/true"]
[sync]
interface = "eth1"
`))
	if err != nil {
		t.Fatal(err)
	}
	b := c.BGP
	if b.ASN != 4200000001 || !reflect.DeepEqual(b.Communities, []uint32{65001<<16 | 100, 65535}) ||
		b.NextHop != netip.MustParseAddr("192.0.2.11") || b.NextHop6 != netip.MustParseAddr("2001:db8::11") ||
		b.AnnounceDelay != 2*time.Second || b.DrainTime != 30*time.Second {
		t.Errorf("bgp: %+v", b)
	}
	want := BGPPeer{Address: netip.MustParseAddr("192.0.2.1"), ASN: 65000, Port: 1179, LocalAddress: netip.MustParseAddr("192.0.2.11"),
		Password: "s3cret", HoldTime: 9 * time.Second, Multihop: 2,
		BFD: &BFD{MinTx: 100 * time.Millisecond, MinRx: 100 * time.Millisecond, Multiplier: 5}}
	if !reflect.DeepEqual(b.Peers[0], want) || b.Peers[1].Address != netip.MustParseAddr("2001:db8::1") || b.Peers[1].BFD != nil {
		t.Errorf("peers: %+v", b.Peers)
	}
	if in := b.Instances[0]; in.MinUp != 2 || len(in.Track) != 1 || len(c.Instances) != 1 || c.Instances[0].Name != "vrrp" {
		t.Errorf("instances: %+v and %+v", b.Instances, c.Instances)
	}
	if c.IPVS.SloppyTCP == nil || !*c.IPVS.SloppyTCP || c.IPVS.SloppySCTP == nil || *c.IPVS.SloppySCTP {
		t.Errorf("sloppy: %v %v", c.IPVS.SloppyTCP, c.IPVS.SloppySCTP)
	}
	if s := c.Sync; s == nil || s.Instance != "" || s.FailbackHold || s.Mode.String() != "both" {
		t.Errorf("sync without an instance on a BGP director: %+v", s)
	}
	c, err = Parse("t.toml", []byte(base))
	if err != nil || c.BGP != nil || c.IPVS.SloppyTCP != nil {
		t.Errorf("without [bgp]: %+v %v", c, err)
	}
}

// Each row changes bgpBase and expects an error with this text.
func TestBGPErrors(t *testing.T) {
	r := func(old, new string) string { return strings.Replace(bgpBase, old, new, 1) }
	cases := []struct{ name, text, want string }{
		{"asn missing", r("asn = 65001\n", ""), "t.toml:1: bgp.asn: required"},
		{"asn zero", r("asn = 65001", "asn = 0"), "t.toml:2: bgp.asn: 0 is out of range"},
		{"router id", r(`router_id = "192.0.2.11"`, `router_id = "2001:db8::1"`), `t.toml:3: bgp.router_id: "2001:db8::1" is not an IPv4 address`},
		{"router id missing", r("router_id = \"192.0.2.11\"\n", ""), "t.toml:1: bgp.router_id: required"},
		{"community", r("asn = 65001", "asn = 65001\ncommunities = [\"65001:100\", \"70000:1\"]"), `t.toml:3: bgp.communities: entry 2: "70000:1"`},
		{"no peer", r("[[bgp.peer]]\naddress = \"192.0.2.1\"\nasn = 65000\nhold_time = \"3s\"\n", ""), "t.toml:1: bgp: no [[bgp.peer]]"},
		{"peer address", r(`address = "192.0.2.1"`, `address = "224.0.0.5"`), `t.toml:6: bgp.peer[0].address: "224.0.0.5" is not a unicast IP address`},
		{"peer asn", r("asn = 65000\n", ""), "t.toml:5: bgp.peer[0].asn: required"},
		{"hold time short", r(`hold_time = "3s"`, `hold_time = "2s"`), "t.toml:8: bgp.peer[0].hold_time: 2s: BGP takes whole seconds from 3s"},
		{"hold time fraction", r(`hold_time = "3s"`, `hold_time = "3500ms"`), "t.toml:8: bgp.peer[0].hold_time: 3.5s"},
		{"password long", r(`hold_time = "3s"`, `password = "`+strings.Repeat("x", 81)+`"`), "t.toml:8: bgp.peer[0].password: must be 1 to 80 bytes, is 81"},
		{"local address family", r(`hold_time = "3s"`, `local_address = "2001:db8::2"`), "t.toml:8: bgp.peer[0].local_address: 2001:db8::2 is not of the address family"},
		{"bfd keys without bfd", r(`hold_time = "3s"`, `bfd_min_tx = "50ms"`), "t.toml:5: bgp.peer[0].bfd: bfd_min_tx, bfd_min_rx and bfd_multiplier need bfd = true"},
		{"bfd interval", r(`hold_time = "3s"`, "bfd = true\nbfd_min_rx = \"5ms\""), "t.toml:9: bgp.peer[0].bfd_min_rx: 5ms: must be whole milliseconds"},
		{"duplicate peer", r("[[instance]]", "[[bgp.peer]]\naddress = \"192.0.2.1\"\nasn = 1\n[[instance]]"), "t.toml:11: bgp.peer[1].address: 192.0.2.1 is also bgp.peer[0]"},
		{"mode", r(`mode = "bgp"`, `mode = "ecmp"`), `t.toml:12: instance[0].mode: "ecmp" is not "vrrp" or "bgp"`},
		{"bgp without [bgp]", "[[instance]]\nname = \"w\"\nmode = \"bgp\"\nvips = [\"203.0.113.10\"]\n", `t.toml:3: instance[0].mode: "bgp" needs a [bgp] table`},
		{"vrrp key on bgp", r(`mode = "bgp"`, "mode = \"bgp\"\nvrid = 5"), `t.toml:13: instance[0].vrid: a VRRP key; not one of an instance with mode = "bgp"`},
		{"garp on bgp", bgpBase + "[instance.garp]\ncount = 1\n", "t.toml:14: instance[0].garp: a VRRP key"},
		{"min_up on vrrp", base + "min_up = 1\n", `t.toml:10: instance[0].min_up: only for an instance with mode = "bgp"`},
		{"min_up range", r(`mode = "bgp"`, "mode = \"bgp\"\nmin_up = -1"), "t.toml:13: instance[0].min_up: -1 is out of range"},
		{"vip", r(`"2001:db8::10"`, `"fe80::1"`), `t.toml:13: instance[0].vips: entry 2: "fe80::1" is not a unicast IPv4 or IPv6 address`},
		{"no vip", r(`vips = ["203.0.113.10", "2001:db8::10"]`, ""), "t.toml:10: instance[0].vips: at least one VIP is required"},
		{"track weight", bgpBase + "[[instance.track_file]]\npath = \"/run/x\"\nweight = 2\n", "t.toml:16: instance[0].track_file[0].weight: 2: a BGP instance has no priority"},
		{"vip twice", bgpBase + "[[instance]]\nname = \"b\"\nmode = \"bgp\"\nvips = [\"203.0.113.10\"]\n", "t.toml:17: instance[1].vips: 203.0.113.10 is also announced by instance[0]"},
		{"name twice", bgpBase + "[[instance]]\nname = \"web\"\nmode = \"bgp\"\nvips = [\"203.0.113.11\"]\n", `t.toml:15: instance[1].name: "web" is also the name of instance[0]`},
		{"vrrp vip announced too", bgpBase + "[[instance]]\nname = \"v\"\ninterface = \"eth0\"\nvrid = 1\npriority = 100\nvips = [\"203.0.113.10\"]\n", "t.toml:19: instance[1].vips: 203.0.113.10 is also announced over BGP by instance[0]"},
		{"sync follow without instance", bgpBase + "[sync]\ninterface = \"eth1\"\nmode = \"follow\"\n", "t.toml:16: sync.mode: only with sync.instance"},
		{"sync without instance on VRRP", base + "[sync]\ninterface = \"eth1\"\n", "t.toml:10: sync.instance: required"},
		{"unknown key", r("asn = 65000", "asn = 65000\nbfd_interval = 3"), "t.toml:8: bgp.peer[0].bfd_interval: unknown key"},
	}
	for _, c := range cases {
		_, err := Parse("t.toml", []byte(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v\nwant %s", c.name, err, c.want)
		}
	}
}

func TestBGPExampleParses(t *testing.T) {
	c, err := Load("../examples/hadirector-bgp.toml")
	if err != nil {
		t.Fatal(err)
	}
	if c.BGP == nil || len(c.BGP.Instances) != 1 || c.BGP.Peers[0].BFD == nil || c.Sync == nil || c.Sync.Instance != "" ||
		c.IPVS.SloppyTCP == nil || c.IPVS.Services[0].Scheduler != "mh" {
		t.Errorf("example decoded as %+v", c)
	}
}
