package main

import (
	"net/netip"
	"testing"
)

func TestSrcPort(t *testing.T) {
	vip := netip.MustParseAddrPort("192.0.2.10:80")
	// An IPv4 header (IHL 5, total length 42) from 198.51.100.2 to
	// 192.0.2.10, TCP; a TCP header from 40001 to 80 (data offset 5),
	// then 2 bytes of data.
	pkt := func(mod func(b []byte)) []byte {
		b := append(append([]byte{0x45, 0, 0, 42, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 51, 100, 2, 192, 0, 2, 10},
			0x9c, 0x41, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0), '7', '\n')
		if mod != nil {
			mod(b)
		}
		return b
	}
	for _, c := range []struct {
		name string
		pkt  []byte
		port uint16
		ok   bool
	}{
		{"to the VIP", pkt(nil), 40001, true},
		{"UDP", pkt(func(b []byte) { b[9] = 17 }), 0, false},
		{"another address", pkt(func(b []byte) { b[19] = 11 }), 0, false},
		{"another port", pkt(func(b []byte) { b[23] = 81 }), 0, false},
		{"IPv6", pkt(func(b []byte) { b[0] = 0x60 }), 0, false},
		{"IHL past the end", pkt(func(b []byte) { b[0] = 0x4f }), 0, false},
		{"IHL too small", pkt(func(b []byte) { b[0] = 0x44 }), 0, false},
		{"cut after the TCP header", pkt(nil)[:40], 40001, true},
		{"cut in the TCP header", pkt(nil)[:39], 0, false},
		{"no data (an ACK)", pkt(func(b []byte) { b[3] = 40 }), 0, false},
		{"TCP options, no data", pkt(func(b []byte) { b[32] = 0x60; b[3] = 44 }), 0, false},
		{"TCP options and data", pkt(func(b []byte) { b[32] = 0x60; b[3] = 46 }), 40001, true},
		{"data offset too small", pkt(func(b []byte) { b[32] = 0x40 }), 0, false},
		{"empty", nil, 0, false},
	} {
		p, ok := srcPort(c.pkt, vip)
		if p != c.port || ok != c.ok {
			t.Errorf("%s: srcPort = %d, %v; want %d, %v", c.name, p, ok, c.port, c.ok)
		}
	}
}

func FuzzSrcPort(f *testing.F) {
	f.Add([]byte{0x45, 0, 0, 42, 0, 0, 0x40, 0, 64, 6, 0, 0, 198, 51, 100, 2, 192, 0, 2, 10,
		0x9c, 0x41, 0, 80, 0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x18, 0xff, 0xff, 0, 0, 0, 0, '7', '\n'})
	vip := netip.MustParseAddrPort("192.0.2.10:80")
	f.Fuzz(func(t *testing.T, b []byte) { srcPort(b, vip) })
}
