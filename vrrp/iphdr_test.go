package vrrp

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// The send socket's IP header reads back, once the kernel has filled in
// the length, as every advert's: TOS, don't-fragment, TTL, protocol and the
// addresses; without a source, the kernel's to fill.
func TestPutIPv4Header(t *testing.T) {
	src, dst := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.9")
	for _, tc := range []struct {
		name    string
		src     netip.Addr
		wantSrc netip.Addr
	}{
		{"source", src, src},
		{"no source", netip.Addr{}, netip.IPv4Unspecified()},
	} {
		var h [IPv4HeaderLen]byte
		for k := range h {
			h[k] = 0xff // scratch from an earlier send
		}
		PutIPv4Header(&h, tc.src, dst)
		pkt := append(h[:], 1, 2, 3, 4)
		binary.BigEndian.PutUint16(pkt[2:4], uint16(len(pkt))) // the kernel's part
		payload, s, d, ttl, err := SplitIPv4(pkt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if string(payload) != "\x01\x02\x03\x04" || s != tc.wantSrc || d != dst || ttl != TTL {
			t.Errorf("%s: payload %x from %s to %s TTL %d; want 01020304 from %s to %s TTL %d", tc.name, payload, s, d, ttl, tc.wantSrc, dst, TTL)
		}
		if h[1] != TOS || h[6] != 0x40 || h[7] != 0 || h[9] != ProtocolNumber {
			t.Errorf("%s: TOS %#x, flags %#x%02x, protocol %d; want %#x, 0x4000, %d", tc.name, h[1], h[6], h[7], h[9], TOS, ProtocolNumber)
		}
		if id, sum := binary.BigEndian.Uint16(h[4:6]), binary.BigEndian.Uint16(h[10:12]); id != 0 || sum != 0 {
			t.Errorf("%s: identification %#x, checksum %#x; want both 0, for the kernel", tc.name, id, sum)
		}
	}
}
