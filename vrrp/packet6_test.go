package vrrp

import (
	"encoding/binary"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestUnmarshalDropsIPv6(t *testing.T) {
	c := loadCapture(t, "vrrp_v3_ipv6_linklocal.pcap")[0]
	cases := []struct {
		name     string
		msg      []byte
		src, dst netip.Addr
		want     Reason
		detail   string
	}{
		{"version 2 over IPv6", mutated(c, true, func(b []byte) []byte { b[0] = 0x21; return b }), c.src, c.dst, ReasonVersion, "over IPv6"},
		{"count beyond data", mutated(c, true, func(b []byte) []byte { b[3] = 4; return b }), c.src, c.dst, ReasonTruncated, "needs 72 bytes, have 56"},
		{"IPv4-sized addresses", c.msg[:20], c.src, c.dst, ReasonTruncated, "needs 56 bytes, have 20"},
		{"trailing bytes", mutated(c, true, func(b []byte) []byte { return append(b, 0, 0, 0, 0) }), c.src, c.dst, ReasonLength, "is 56 bytes, have 60"},
		{"checksum", mutated(c, false, func(b []byte) []byte { b[7] ^= 1; return b }), c.src, c.dst, ReasonChecksum, "want 0x"},
		{"corrupt address", mutated(c, false, func(b []byte) []byte { b[30] ^= 1; return b }), c.src, c.dst, ReasonChecksum, ""},
		{"wrong source", c.msg, directorA6g, c.dst, ReasonChecksum, ""},
		{"wrong destination", c.msg, c.src, netip.MustParseAddr("ff02::1"), ReasonChecksum, ""},
		{"IPv4 destination", c.msg, c.src, Group, ReasonChecksum, "IPv6 source and destination"},
		{"IPv4 pseudo-header sum", mutated(c, false, func(b []byte) []byte {
			binary.BigEndian.PutUint16(b[6:], refChecksum(b, directorA, Group))
			return b
		}), c.src, c.dst, ReasonChecksum, ""},
		{"interval 0", mutated(c, true, func(b []byte) []byte { b[4], b[5] = 0, 0; return b }), c.src, c.dst, ReasonInterval, ""},
		{"type 2", mutated(c, true, func(b []byte) []byte { b[0] = 0x32; return b }), c.src, c.dst, ReasonType, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Unmarshal(tc.msg, tc.src, tc.dst)
			var de *DropError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want a *DropError", err, err)
			}
			if de.Reason != tc.want || !strings.Contains(de.Detail, tc.detail) {
				t.Errorf("%v, want reason %v with %q", err, tc.want, tc.detail)
			}
		})
	}
	// The same message form with the message-only checksum is refused: an IPv6
	// advert's checksum always covers the pseudo-header.
	b := mutated(c, false, func(b []byte) []byte {
		binary.BigEndian.PutUint16(b[6:], refChecksumForm(b, c.src, c.dst, ChecksumMessageOnly))
		return b
	})
	if err := new(Packet).UnmarshalForm(b, c.src, c.dst, ChecksumMessageOnly); err == nil {
		t.Error("IPv6 advert with a message-only checksum accepted under ChecksumMessageOnly")
	}
}

func TestMarshalIPv6(t *testing.T) {
	good := Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, IPv6: true, Addrs: []netip.Addr{vip6ll, vip6_100}}
	with := func(f func(*Packet)) Packet {
		p := good
		p.Addrs = append([]netip.Addr(nil), p.Addrs...)
		f(&p)
		return p
	}
	b, err := good.Marshal(directorA6, Group6)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 8+2*16 || good.Len() != len(b) {
		t.Fatalf("%d bytes, Len %d, want 40", len(b), good.Len())
	}
	if got, want := binary.BigEndian.Uint16(b[6:]), refChecksum(b, directorA6, Group6); got != want {
		t.Errorf("checksum %#04x, reference %#04x", got, want)
	}
	p, err := Unmarshal(b, directorA6, Group6)
	if err != nil {
		t.Fatal(err)
	}
	p.Checksum = 0
	if !reflect.DeepEqual(p, good) {
		t.Errorf("round trip %+v, want %+v", p, good)
	}
	for _, tc := range []struct {
		name     string
		p        Packet
		src, dst netip.Addr
		form     ChecksumForm
		want     string
	}{
		{"version 2", with(func(p *Packet) { p.Version = 2 }), directorA6, Group6, 0, "only VRRPv3 runs over IPv6"},
		{"IPv4 address", with(func(p *Packet) { p.Addrs[1] = vip100 }), directorA6, Group6, 0, "address 1 (192.0.2.100) is not IPv6"},
		{"IPv6 address in an IPv4 advert", with(func(p *Packet) { p.IPv6 = false }), directorA, Group, 0, "is not IPv4"},
		{"IPv4 source", good, directorA, Group6, 0, "IPv6 source and destination"},
		{"IPv4-mapped destination", good, directorA6, netip.AddrFrom16(Group.As16()), 0, "IPv6 source and destination"},
		{"message-only checksum", good, directorA6, Group6, ChecksumMessageOnly, "pseudo-header checksum only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.p.MarshalForm(tc.src, tc.dst, tc.form)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// FuzzUnmarshal6 is FuzzUnmarshal for IPv6 adverts: sources and destinations of 16
// bytes, seeded from the IPv6 captures.
func FuzzUnmarshal6(f *testing.F) {
	for _, c := range allCaptures6(f) {
		f.Add(c.msg, c.src.AsSlice(), c.dst.AsSlice(), false)
		f.Add(c.msg, c.src.AsSlice(), c.dst.AsSlice(), true)
	}
	f.Fuzz(func(t *testing.T, b, srcBytes, dstBytes []byte, fix bool) {
		if len(srcBytes) != 16 || len(dstBytes) != 16 {
			return
		}
		src, dst := netip.AddrFrom16([16]byte(srcBytes)), netip.AddrFrom16([16]byte(dstBytes))
		if fix && len(b) >= headerLen {
			fixChecksum(b, src, dst)
		}
		roundTrip(t, b, src, dst)
	})
}
