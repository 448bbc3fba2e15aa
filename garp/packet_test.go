package garp

import (
	"bytes"
	"net"
	"net/netip"
	"testing"

	"github.com/hadirector/hadirector/internal/pcapfile"
	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// Our GARP must be byte-for-byte what keepalived 2.2.7 sent when director B
// (02:00:00:00:00:12) took over 192.0.2.100.
func TestPacketMatchesKeepalived(t *testing.T) {
	frames, err := pcapfile.ReadFile("testdata/garp_v2_B_takeover.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(frames) != 10 {
		t.Fatalf("capture has %d frames, want 10", len(frames))
	}
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 0x12}
	p, err := Packet(mac, netip.MustParseAddr("192.0.2.100"))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	f := &ethernet.Frame{Destination: ethernet.Broadcast, Source: mac, EtherType: ethernet.EtherTypeARP, Payload: payload}
	frame, err := f.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range frames {
		// The capture holds the 42 meaningful bytes (a veth does not pad
		// to 60); compare exactly what both carry.
		got := c.Data
		if len(got) > len(frame) {
			got = got[:len(frame)]
		}
		if !bytes.Equal(got, frame[:len(got)]) || len(got) < 42 {
			t.Fatalf("frame %d:\n got %x\nwant %x", i, frame, c.Data)
		}
	}
}

func TestPacketRejects(t *testing.T) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 1}
	if _, err := Packet(mac, netip.MustParseAddr("2001:db8::1")); err == nil {
		t.Error("an IPv6 address was accepted")
	}
	if _, err := Packet(net.HardwareAddr{1, 2, 3}, netip.MustParseAddr("192.0.2.1")); err == nil {
		t.Error("a 3-byte hardware address was accepted")
	}
}

// putFrame writes what arp.Client sends for Packet: the same 60 bytes.
func TestPutFrameMatchesTheLibrary(t *testing.T) {
	cases := []struct {
		mac net.HardwareAddr
		vip string
	}{
		{net.HardwareAddr{2, 0, 0, 0, 0, 0x12}, "192.0.2.100"},
		{net.HardwareAddr{0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54}, "203.0.113.255"},
		{net.HardwareAddr{0, 0, 0, 0, 0, 1}, "198.51.100.0"},
	}
	for _, c := range cases {
		vip := netip.MustParseAddr(c.vip)
		p, err := Packet(c.mac, vip)
		if err != nil {
			t.Fatal(err)
		}
		payload, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		want, err := (&ethernet.Frame{Destination: ethernet.Broadcast, Source: c.mac, EtherType: ethernet.EtherTypeARP, Payload: payload}).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var f [frameLen]byte
		f[59] = 0xaa // a reused buffer: the padding is cleared
		putFrame(&f, c.mac, vip.As4())
		if !bytes.Equal(f[:], want) {
			t.Errorf("%s from %s:\n got %x\nwant %x", c.vip, c.mac, f, want)
		}
	}
}

// putRequestFrame writes the plain ARP request arp.Client would send to
// ask for a neighbour: who has target, tell sender, target MAC zero, to
// the broadcast address.
func TestPutRequestFrameMatchesTheLibrary(t *testing.T) {
	mac := net.HardwareAddr{2, 0, 0, 0, 0, 0x11}
	src, target := netip.MustParseAddr("192.0.2.11"), netip.MustParseAddr("192.0.2.12")
	p, err := arp.NewPacket(arp.OperationRequest, mac, src, ethernet.Broadcast[:6:6], target)
	if err != nil {
		t.Fatal(err)
	}
	p.TargetHardwareAddr = net.HardwareAddr{0, 0, 0, 0, 0, 0}
	payload, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	want, err := (&ethernet.Frame{Destination: ethernet.Broadcast, Source: mac, EtherType: ethernet.EtherTypeARP, Payload: payload}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var f [frameLen]byte
	f[59] = 0xaa
	putRequestFrame(&f, mac, src.As4(), target.As4())
	if !bytes.Equal(f[:], want) {
		t.Errorf("who-has %s tell %s:\n got %x\nwant %x", target, src, f, want)
	}
}
