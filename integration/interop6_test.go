package integration

import "testing"

// The IPv6 interop matrix against keepalived 2.2.7 (vrrp_version 3, /128
// VIPs): both sides as master, multicast and unicast, 1 s and 100 ms, link
// cut and SIGTERM, preempt back; each checked as the IPv4 matrix is, and
// the gateway's IPv6 neighbour entry follows every takeover.
func TestKeepalivedInterop6(t *testing.T) {
	two := []string{vip6, vip6b}
	cases := []interopCase{
		{ipv6: true, version: 3, interval: "1s", hdMaster: true, vips: two},
		{ipv6: true, version: 3, interval: "100ms", hdMaster: false, vips: two, termFirst: true},
		{ipv6: true, version: 3, interval: "100ms", unicast: true, hdMaster: true, vips: two, termFirst: true},
		{ipv6: true, version: 3, interval: "1s", unicast: true, hdMaster: false, vips: two},
	}
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			runInterop(t, c)
		})
	}
}
