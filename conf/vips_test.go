package conf

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

const base6 = `[[instance]]
name = "v6"
interface = "eth0"
vrid = 51
priority = 150
vips = ["2001:db8::100", "2001:db8::1/64", "fe80::1:100/64"]
`

func TestIPv6Instance(t *testing.T) {
	c, err := Parse("t.toml", []byte(base6+"use_vmac = true\nna_router = [\"2001:db8::1\"]\nunicast_peers = [\"2001:db8::12\"]\nunicast_src = \"2001:db8::11\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	in := c.Instances[0]
	a := netip.MustParseAddr
	// The link-local VIP goes first, the others keep their order.
	if want := []netip.Addr{a("fe80::1:100"), a("2001:db8::100"), a("2001:db8::1")}; !reflect.DeepEqual(in.VIPs, want) {
		t.Errorf("VIPs %v, want %v", in.VIPs, want)
	}
	if want := []uint8{64, 128, 64}; !reflect.DeepEqual(in.VIPBits, want) {
		t.Errorf("VIPBits %v, want %v", in.VIPBits, want)
	}
	if got := in.VIPPrefix(2); got != netip.MustParsePrefix("2001:db8::1/64") {
		t.Errorf("VIPPrefix(2) = %v", got)
	}
	if !in.IPv6 || !in.UseVMAC || in.Version != 3 {
		t.Errorf("IPv6 %v UseVMAC %v version %d", in.IPv6, in.UseVMAC, in.Version)
	}
	if !reflect.DeepEqual(in.NARouter, []netip.Addr{a("2001:db8::1")}) || in.UnicastSrc != a("2001:db8::11") ||
		!reflect.DeepEqual(in.UnicastPeers, []netip.Addr{a("2001:db8::12")}) {
		t.Errorf("na_router %v src %v peers %v", in.NARouter, in.UnicastSrc, in.UnicastPeers)
	}

	// Host addresses only: no VIPBits; IPv4 stays as it was; use_vmac is off by default.
	c, err = Parse("t.toml", []byte(strings.Replace(base6, `, "2001:db8::1/64", "fe80::1:100/64"`, "", 1)+"\n"+base[len("[global]\nlog_level = \"info\"\n"):]))
	if err != nil {
		t.Fatal(err)
	}
	v6, v4 := c.Instances[0], c.Instances[1]
	if v6.VIPBits != nil || v6.VIPPrefix(0) != netip.MustParsePrefix("2001:db8::100/128") || v6.UseVMAC {
		t.Errorf("v6 bits %v prefix %v vmac %v", v6.VIPBits, v6.VIPPrefix(0), v6.UseVMAC)
	}
	if v4.IPv6 || v4.VIPBits != nil || v4.VIPPrefix(0) != netip.MustParsePrefix("192.0.2.100/32") {
		t.Errorf("v4 %+v", v4)
	}
}

// The same VRID on one interface is two virtual routers when the families differ.
func TestSameVRIDBothFamilies(t *testing.T) {
	text := base + "\n" + strings.Replace(base6, `name = "v6"`, `name = "b"`, 1)
	if _, err := Parse("t.toml", []byte(text)); err != nil {
		t.Fatalf("VRID 51 for IPv4 and for IPv6 on eth0: %v", err)
	}
}

func TestIPv6Errors(t *testing.T) {
	vips := func(s string) string {
		return strings.Replace(base6, `["2001:db8::100", "2001:db8::1/64", "fe80::1:100/64"]`, s, 1)
	}
	for _, tc := range []struct{ name, text, want string }{
		{"mixed, IPv6 first", vips(`["2001:db8::100", "192.0.2.100"]`), "t.toml:6: instance[0].vips: entry 2: 192.0.2.100 is IPv4, the VIPs before it IPv6: an instance is IPv4 or IPv6"},
		{"mixed, IPv4 first", strings.Replace(base, `["192.0.2.100"]`, `["192.0.2.100", "2001:db8::100/64"]`, 1), "t.toml:9: instance[0].vips: entry 2: 2001:db8::100 is IPv6, the VIPs before it IPv4"},
		{"version 2", base6 + "version = 2\n", "t.toml:7: instance[0].version: 2: only VRRPv3 runs over IPv6"},
		{"prefix 0", vips(`["2001:db8::100/0"]`), "t.toml:6: instance[0].vips: entry 1: \"2001:db8::100/0\" is not an IPv6 address with a prefix length"},
		{"prefix 129", vips(`["2001:db8::100/129"]`), "t.toml:6: instance[0].vips: entry 1: \"2001:db8::100/129\" is not an IPv6"},
		{"multicast", vips(`["ff02::12"]`), "t.toml:6: instance[0].vips: entry 1: ff02::12 is not a unicast address"},
		{"zone", vips(`["fe80::1%eth0"]`), "t.toml:6: instance[0].vips: entry 1: \"fe80::1%eth0\" is not an IPv6 address (without a zone)"},
		{"mapped", vips(`["::ffff:192.0.2.1"]`), "t.toml:6: instance[0].vips: entry 1: \"::ffff:192.0.2.1\" is not an IPv6"},
		{"twice with prefixes", vips(`["2001:db8::1/64", "2001:db8::1"]`), "t.toml:6: instance[0].vips: 2001:db8::1 is listed twice"},
		{"IPv4 peer", base6 + "unicast_peers = [\"192.0.2.12\"]\n", "t.toml:7: instance[0].unicast_peers: entry 1: \"192.0.2.12\" is not an IPv6 address"},
		{"IPv6 peer of IPv4", base + "unicast_peers = [\"2001:db8::12\"]\n", "t.toml:10: instance[0].unicast_peers: entry 1: \"2001:db8::12\" is not an IPv4"},
		{"IPv4 src", base6 + "unicast_peers = [\"2001:db8::12\"]\nunicast_src = \"192.0.2.1\"\n", "t.toml:8: instance[0].unicast_src: \"192.0.2.1\" is not an IPv6"},
		{"na_router not a VIP", base6 + "na_router = [\"2001:db8::9\"]\n", "t.toml:7: instance[0].na_router: entry 1: \"2001:db8::9\" is not one of the instance's VIPs"},
		{"na_router twice", base6 + "na_router = [\"2001:db8::1\", \"2001:db8::1\"]\n", "t.toml:7: instance[0].na_router: 2001:db8::1 is listed twice"},
		{"na_router on IPv4", base + "na_router = [\"192.0.2.100\"]\n", "t.toml:10: instance[0].na_router: only for an IPv6 instance"},
		{"use_vmac type", base6 + "use_vmac = 1\n", "t.toml:7: "},
		{"checksum as v2", base6 + "v3_checksum_as_v2 = true\n", "t.toml:7: instance[0].v3_checksum_as_v2: only for IPv4"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.toml", []byte(tc.text))
			if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error\n  %v\nwant prefix\n  %s", err, tc.want)
			}
		})
	}
}

// The virtual-MAC macvlan is named for the VRID and family alone, so two
// use_vmac instances of one VRID and family are an error even on two
// interfaces; of two families, or one without use_vmac, they are not.
func TestUseVMACOnePerVRID(t *testing.T) {
	second := func(iface, vip, extra string) string {
		return base + "use_vmac = true\n\n[[instance]]\nname = \"b\"\ninterface = \"" + iface + "\"\nvrid = 51\npriority = 100\nvips = [\"" + vip + "\"]\n" + extra
	}
	_, err := Parse("t.toml", []byte(second("eth1", "192.0.2.101", "use_vmac = true\n")))
	if want := "t.toml:18: instance[1].use_vmac: VRID 51 (IPv4) has a virtual-MAC interface already, for instance[0]"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error\n  %v\nwant prefix\n  %s", err, want)
	}
	for _, ok := range []string{second("eth1", "192.0.2.101", ""), second("eth0", "2001:db8::101", "use_vmac = true\n")} {
		if _, err := Parse("t.toml", []byte(ok)); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}
