package convert

import (
	"net/netip"
	"testing"

	"github.com/hadirector/hadirector/conf"
)

// vi6 is a minimal instance around VIP lines and extra lines.
func vi6(vipLines, extra string) string {
	return "vrrp_instance V6 {\n interface eth0\n virtual_router_id 61\n priority 150\n" + extra + " virtual_ipaddress {\n" + vipLines + " }\n}\n"
}

func isV6(t *testing.T, c *conf.Config, want bool) {
	t.Helper()
	eq(t, "IPv6", c.Instances[0].IPv6, want)
}

// TestIPv6 follows keepalived 2.2.7 as keepalived -t and its adverts on
// the wire show it: the first address decides the family, later ones of
// the other family are skipped, an IPv6 instance runs VRRPv3 unless it
// says version 2 itself.
func TestIPv6(t *testing.T) {
	run(t, []convertCase{
		{name: "IPv6 instance on keepalived's default version", in: vi6("  2001:db8::10\n  fe80::1%eth0\n  2001:db8::11/64 dev eth0 nodad\n", ""),
			check: func(t *testing.T, c *conf.Config) {
				isV6(t, c, true)
				eq(t, "version", c.Instances[0].Version, 3)
				eq(t, "vips", vips(c.Instances[0]), "fe80::1 2001:db8::10 2001:db8::11")
				eq(t, "vip 2001:db8::11", c.Instances[0].VIPPrefix(2).String(), "2001:db8::11/64")
			}},
		{name: "IPv6 use_vmac", in: vi6("  2001:db8::10\n", " use_vmac\n"),
			check: func(t *testing.T, c *conf.Config) { eq(t, "use_vmac", c.Instances[0].UseVMAC, true) }},
		{name: "preferred_lft", in: vi6("  2001:db8::10 preferred_lft forever\n  2001:db8::11/128 preferred_lft 30\n", ""),
			notes: []string{":7: note: 2001:db8::11/128: keepalived holds this IPv6 VIP deprecated"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "vips", vips(c.Instances[0]), "2001:db8::10 2001:db8::11") }},
		{name: "global vrrp_version 2 gives an IPv6 instance VRRPv3", in: "global_defs {\n vrrp_version 2\n}\n" + vi6("  2001:db8::10\n", ""),
			check: func(t *testing.T, c *conf.Config) { eq(t, "version", c.Instances[0].Version, 3) }},
		{name: "explicit version 2 over IPv6 is lost", in: vi6("  2001:db8::10\n", " version 2\n"), lost: true,
			notes: []string{":5: LOST: version: version 2 on an IPv6 instance"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "version", c.Instances[0].Version, 3) }},
		{name: "unicast over IPv6", in: vi6("  2001:db8::10\n", " unicast_src_ip 2001:db8::1\n unicast_peer {\n  2001:db8::2\n  2001:db8::3 min_ttl 250\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				in := c.Instances[0]
				isV6(t, c, true)
				eq(t, "src", in.UnicastSrc, netip.MustParseAddr("2001:db8::1"))
				eq(t, "peers", len(in.UnicastPeers), 2)
				eq(t, "ttl", in.PeerTTLs[1].Min, uint8(250))
			}},
		{name: "IPv4 first: IPv6 VIPs ignored", in: vi6("  192.0.2.10\n  2001:db8::10\n  192.0.2.11\n", ""),
			notes: []string{":7: note: 2001:db8::10: not carried: 2001:db8::10 is IPv6, the instance IPv4"},
			check: func(t *testing.T, c *conf.Config) {
				isV6(t, c, false)
				eq(t, "vips", vips(c.Instances[0]), "192.0.2.10 192.0.2.11")
				eq(t, "version", c.Instances[0].Version, 2)
			}},
		{name: "IPv6 first: IPv4 VIPs ignored", in: vi6("  2001:db8::10\n  192.0.2.10\n", ""),
			notes: []string{"note: 192.0.2.10: not carried: 192.0.2.10 is IPv4, the instance IPv6"},
			check: func(t *testing.T, c *conf.Config) {
				isV6(t, c, true)
				eq(t, "vips", vips(c.Instances[0]), "2001:db8::10")
			}},
		{name: "a peer settles the family", in: vi6("  192.0.2.10\n  2001:db8::10\n", " unicast_peer {\n  2001:db8::2\n  192.0.2.2\n }\n"),
			notes: []string{"note: 192.0.2.2: not carried: unicast peer 192.0.2.2 is IPv4, the instance IPv6", "note: 192.0.2.10: not carried: 192.0.2.10 is IPv4"},
			check: func(t *testing.T, c *conf.Config) {
				isV6(t, c, true)
				eq(t, "vips", vips(c.Instances[0]), "2001:db8::10")
				eq(t, "peers", len(c.Instances[0].UnicastPeers), 1)
			}},
		{name: "src of the other family skipped", in: vi6("  2001:db8::10\n", "") + "vrrp_instance W {\n interface eth0\n virtual_router_id 62\n virtual_ipaddress {\n  2001:db8::20\n }\n unicast_src_ip 192.0.2.1\n unicast_peer {\n  2001:db8::2\n }\n}\n",
			notes: []string{":15: note: unicast_src_ip: not carried: src address 192.0.2.1 is IPv4, the instance IPv6"},
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "src", c.Instances[1].UnicastSrc, netip.Addr{})
				eq(t, "peers", len(c.Instances[1].UnicastPeers), 1)
			}},
		{name: "src without peers: multicast", in: vi6("  2001:db8::10\n", " unicast_src_ip 2001:db8::1\n"),
			notes: []string{":5: note: unicast_src_ip: not carried: no unicast_peer"},
			check: func(t *testing.T, c *conf.Config) {
				isV6(t, c, true)
				eq(t, "peers", len(c.Instances[0].UnicastPeers), 0)
			}},
		{name: "excluded VIP of the other family is lost", in: vi6("  2001:db8::10\n", " virtual_ipaddress_excluded {\n  192.0.2.30\n  2001:db8::31\n }\n"), lost: true,
			notes: []string{"LOST: 192.0.2.30: not carried: 192.0.2.30 is IPv4, the instance IPv6; keepalived holds excluded VIPs of either family"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "vips", vips(c.Instances[0]), "2001:db8::10 2001:db8::31") }},
		{name: "another IPv6 group is lost", in: "global_defs {\n vrrp_mcast_group6 ff02::13\n}\n" + vi6("  2001:db8::10\n", ""), lost: true,
			notes: []string{":2: LOST: vrrp_mcast_group6: not carried: hadirector sends IPv6 VRRP to ff02::12 only"}},
		{name: "the IPv6 group", in: "global_defs {\n vrrp_mcast_group6 ff02:0::12\n}\n" + vi6("  2001:db8::10\n", "")},
		{name: "no authentication over IPv6", in: vi6("  2001:db8::10\n", " authentication {\n  auth_type PASS\n  auth_pass secret\n }\n"),
			notes: []string{"note: authentication: not carried: VRRPv3 has no authentication"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "password", c.Instances[0].Password, "") }},
	})
}
