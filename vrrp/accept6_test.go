package vrrp

import (
	"net/netip"
	"testing"
	"time"
)

// The receive checks of RFC 5798 7.1 for IPv6 adverts: hop limit 255, a link-local
// source unless the instance has unicast peers, the family and, as for IPv4, an
// address list that is only compared, never a drop.
func TestAcceptIPv6(t *testing.T) {
	p := Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, IPv6: true, Addrs: []netip.Addr{vip6ll, vip6_100}}
	e := Expect{Version: 3, VRID: 51, AdvertInterval: time.Second, IPv6: true, VIPs: []netip.Addr{vip6ll, vip6_100}}
	with := func(e Expect, f func(*Expect)) Expect { f(&e); return e }
	pkt := func(p Packet, f func(*Packet)) Packet { f(&p); return p }
	cases := []struct {
		name string
		p    Packet
		src  netip.Addr
		hops int
		e    Expect
		want Reason
		mis  Mismatch
	}{
		{"good", p, directorA6, 255, e, 0, 0},
		{"hop limit 254", p, directorA6, 254, e, ReasonTTL, 0},
		{"hop limit 64", p, directorA6, 64, e, ReasonTTL, 0},
		{"global source to the group", p, directorA6g, 255, e, ReasonSource, 0},
		{"IPv4-mapped source", p, netip.AddrFrom16(directorA.As16()), 255, e, ReasonSource, 0},
		{"multicast source", p, Group6, 255, e, ReasonSource, 0},
		{"source checked before hop limit", p, directorA6g, 1, e, ReasonSource, 0},
		{"unicast peer with a global source", p, directorA6g, 255, with(e, func(e *Expect) { e.Unicast = true }), 0, 0},
		{"unicast peer at keepalived's hop limit", p, directorA6g, 64, with(e, func(e *Expect) { e.Unicast = true; e.TTL = unicast6Hops }), 0, 0},
		{"IPv6 advert, IPv4 instance", p, directorA6, 255, with(e, func(e *Expect) { e.IPv6 = false }), ReasonVRID, 0},
		{"IPv4 advert, IPv6 instance", pkt(p, func(p *Packet) { p.IPv6 = false; p.Addrs = []netip.Addr{vip100} }), directorA, 255, e, ReasonVRID, 0},
		{"other VRID", pkt(p, func(p *Packet) { p.VRID = 52 }), directorA6, 255, e, ReasonVRID, 0},
		{"count differs, processed", pkt(p, func(p *Packet) { p.Addrs = p.Addrs[:1] }), directorA6, 255, e, 0, MismatchCount},
		{"list differs, processed", pkt(p, func(p *Packet) { p.Addrs = []netip.Addr{vip6ll, vip6_101} }), directorA6, 255, e, 0, MismatchList},
		{"order does not matter", pkt(p, func(p *Packet) { p.Addrs = []netip.Addr{vip6_100, vip6ll} }), directorA6, 255, e, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mis, err := AcceptFrom(tc.p, tc.src, tc.hops, tc.e)
			r, _ := DropReason(err)
			if (err == nil) != (tc.want == 0) || r != tc.want {
				t.Fatalf("AcceptFrom: %v, want reason %v", err, tc.want)
			}
			if mis != tc.mis {
				t.Errorf("mismatch %v, want %v", mis, tc.mis)
			}
		})
	}
}
