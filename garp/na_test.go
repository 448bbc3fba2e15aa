package garp

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/mdlayher/ndp"
)

// rfc1071 is the Internet checksum of data, written plainly.
func rfc1071(data []byte) uint16 {
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	var s uint32
	for i := 0; i < len(data); i += 2 {
		s += uint32(data[i])<<8 | uint32(data[i+1])
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

func TestNAFrame(t *testing.T) {
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x11}
	vip := netip.MustParseAddr("2001:db8::100")
	for _, router := range []bool{false, true} {
		f, err := NAFrame(mac, vip, router)
		if err != nil {
			t.Fatal(err)
		}
		// Ethernet: to 33:33:00:00:00:01 from mac, IPv6.
		if !bytes.Equal(f[0:6], []byte{0x33, 0x33, 0, 0, 0, 1}) || !bytes.Equal(f[6:12], mac) || binary.BigEndian.Uint16(f[12:]) != 0x86dd {
			t.Fatalf("Ethernet header %x", f[:14])
		}
		h := f[14:54]
		icmp := f[54:]
		if h[0]>>4 != 6 || int(binary.BigEndian.Uint16(h[4:])) != len(icmp) || h[6] != 58 || h[7] != 255 {
			t.Errorf("IPv6 header %x: want version 6, payload %d, ICMPv6, hop limit 255", h, len(icmp))
		}
		if src, dst := netip.AddrFrom16([16]byte(h[8:24])), netip.AddrFrom16([16]byte(h[24:40])); src != vip || dst != AllNodes {
			t.Errorf("IPv6 %v -> %v, want %v -> ff02::1", src, dst, vip)
		}
		// 24 bytes of NA and 8 of Target Link-Layer Address option.
		if len(icmp) != 32 {
			t.Fatalf("ICMPv6 message of %d bytes, want 32", len(icmp))
		}
		pseudo := append(append(append([]byte{}, h[8:40]...), 0, 0, 0, byte(len(icmp)), 0, 0, 0, 58), icmp...)
		if c := rfc1071(pseudo); c != 0 {
			t.Errorf("ICMPv6 checksum does not verify (residue %#04x)", c)
		}
		m, err := ndp.ParseMessage(icmp)
		if err != nil {
			t.Fatal(err)
		}
		na, ok := m.(*ndp.NeighborAdvertisement)
		if !ok || na.TargetAddress != vip || !na.Override || na.Solicited || na.Router != router {
			t.Fatalf("decoded %+v, want target %v, override, not solicited, router %v", m, vip, router)
		}
		if len(na.Options) != 1 {
			t.Fatalf("options %v", na.Options)
		}
		if lla, ok := na.Options[0].(*ndp.LinkLayerAddress); !ok || lla.Direction != ndp.Target || !bytes.Equal(lla.Addr, mac) {
			t.Errorf("option %+v, want the target link-layer address %v", na.Options[0], mac)
		}
	}
}

func TestNAErrors(t *testing.T) {
	mac := net.HardwareAddr{0x02, 0, 0, 0, 0, 0x11}
	for _, tc := range []struct {
		name string
		mac  net.HardwareAddr
		vip  netip.Addr
		want string
	}{
		{"IPv4", mac, netip.MustParseAddr("192.0.2.100"), "not an IPv6 address"},
		{"IPv4-mapped", mac, netip.MustParseAddr("::ffff:192.0.2.100"), "not an IPv6 address"},
		{"zone", mac, netip.MustParseAddr("fe80::1%eth0"), "not an IPv6 address"},
		{"invalid", mac, netip.Addr{}, "not an IPv6 address"},
		{"not Ethernet", net.HardwareAddr{1, 2, 3}, netip.MustParseAddr("2001:db8::100"), "not Ethernet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NAFrame(tc.mac, tc.vip, false); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}
