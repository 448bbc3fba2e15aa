package drill

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/mdlayher/ndp"
)

var mac = net.HardwareAddr{2, 0, 0, 0, 0, 0x11}

func eth(typ uint16, payload []byte) []byte {
	f := append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, mac...)
	f = append(f, byte(typ>>8), byte(typ))
	return append(f, payload...)
}

func advertFrame(t *testing.T, prio uint8) []byte {
	src := netip.MustParseAddr("192.0.2.11")
	p := vrrp.Packet{Version: 3, Type: 1, VRID: 51, Priority: prio, AdvertInterval: time.Second,
		Addrs: []netip.Addr{netip.MustParseAddr("192.0.2.100")}}
	b, err := p.Marshal(src, vrrp.Group)
	if err != nil {
		t.Fatal(err)
	}
	ip := []byte{0x45, 0xc0, 0, byte(20 + len(b)), 0, 0, 0, 0, 255, vrrp.ProtocolNumber, 0, 0, 192, 0, 2, 11, 224, 0, 0, 18}
	return eth(0x0800, append(ip, b...))
}

// advertFrame6 is a VRRPv3 advert over IPv6 from fe80::11 to ff02::12.
func advertFrame6(t testing.TB, prio uint8) []byte {
	src := netip.MustParseAddr("fe80::11")
	p := vrrp.Packet{Version: 3, Type: 1, VRID: 51, Priority: prio, AdvertInterval: time.Second, IPv6: true,
		Addrs: []netip.Addr{netip.MustParseAddr("2001:db8::100")}}
	b, err := p.Marshal(src, vrrp.Group6)
	if err != nil {
		t.Fatal(err)
	}
	return eth(0x86dd, ip6(vrrp.ProtocolNumber, src, vrrp.Group6, b))
}

func ip6(next uint8, src, dst netip.Addr, payload []byte) []byte {
	h := make([]byte, 40, 40+len(payload))
	h[0] = 6 << 4
	h[4], h[5] = byte(len(payload)>>8), byte(len(payload))
	h[6], h[7] = next, 255
	s, d := src.As16(), dst.As16()
	copy(h[8:], s[:])
	copy(h[24:], d[:])
	return append(h, payload...)
}

func TestDecode6(t *testing.T) {
	vip := netip.MustParseAddr("2001:db8::100")
	na, err := garp.NAFrame(mac, vip, false)
	if err != nil {
		t.Fatal(err)
	}
	solicited := func() []byte {
		m, _ := garp.NA(mac, vip, false)
		m.Solicited = true
		b, err := ndp.MarshalMessageChecksum(m, vip, netip.MustParseAddr("fe80::1"))
		if err != nil {
			t.Fatal(err)
		}
		return eth(0x86dd, ip6(58, vip, netip.MustParseAddr("fe80::1"), b))
	}()
	ll := netip.MustParseAddr("fe80::11")
	at := time.Unix(2, 0)
	cases := []struct {
		name string
		f    []byte
		ok   bool
		want Seen
	}{
		{"advert", advertFrame6(t, 150), true, Seen{Kind: "advert", Src: ll, VRID: 51, Priority: 150}},
		{"priority 0", advertFrame6(t, 0), true, Seen{Kind: "advert", Src: ll, VRID: 51}},
		{"unsolicited NA", na, true, Seen{Kind: "garp", Src: vip, VIP: vip}},
		{"solicited NA", solicited, false, Seen{}},
		{"bad advert checksum", func() []byte { f := advertFrame6(t, 150); f[len(f)-1] ^= 1; return f }(), false, Seen{}},
		{"payload length past the frame", func() []byte { f := advertFrame6(t, 150); f[14+4] = 0xff; return f }(), false, Seen{}},
		{"not version 6", func() []byte { f := advertFrame6(t, 150); f[14] = 0x40; return f }(), false, Seen{}},
		{"short header", eth(0x86dd, make([]byte, 39)), false, Seen{}},
		{"other next header", eth(0x86dd, ip6(17, ll, vrrp.Group6, make([]byte, 8))), false, Seen{}},
	}
	for _, c := range cases {
		got, ok := Decode(c.f, at)
		if ok != c.ok {
			t.Errorf("%s: ok %v, want %v", c.name, ok, c.ok)
			continue
		}
		if ok && (got.Kind != c.want.Kind || got.Src != c.want.Src || got.VRID != c.want.VRID ||
			got.Priority != c.want.Priority || got.VIP != c.want.VIP || got.MAC.String() != mac.String() || !got.At.Equal(at)) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestDecode(t *testing.T) {
	vip := netip.MustParseAddr("192.0.2.100")
	gp, err := garp.Packet(mac, vip)
	if err != nil {
		t.Fatal(err)
	}
	gb, err := gp.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	at := time.Unix(1, 0)
	cases := []struct {
		name string
		f    []byte
		ok   bool
		want Seen
	}{
		{"advert", advertFrame(t, 150), true, Seen{Kind: "advert", Src: netip.MustParseAddr("192.0.2.11"), VRID: 51, Priority: 150}},
		{"priority 0", advertFrame(t, 0), true, Seen{Kind: "advert", Src: netip.MustParseAddr("192.0.2.11"), VRID: 51}},
		{"garp", eth(0x0806, gb), true, Seen{Kind: "garp", Src: vip, VIP: vip}},
		{"short", []byte{1, 2, 3}, false, Seen{}},
		{"ipv6", eth(0x86dd, make([]byte, 40)), false, Seen{}},
		{"bad advert", func() []byte { f := advertFrame(t, 150); f[len(f)-1] ^= 1; return f }(), false, Seen{}},
	}
	for _, c := range cases {
		got, ok := Decode(c.f, at)
		if ok != c.ok {
			t.Errorf("%s: ok %v, want %v", c.name, ok, c.ok)
			continue
		}
		if !ok {
			continue
		}
		if got.Kind != c.want.Kind || got.Src != c.want.Src || got.VRID != c.want.VRID ||
			got.Priority != c.want.Priority || got.VIP != c.want.VIP || got.MAC.String() != mac.String() || !got.At.Equal(at) {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(advertFrame(&testing.T{}, 100))
	f.Add(advertFrame6(&testing.T{}, 100))
	if na, err := garp.NAFrame(mac, netip.MustParseAddr("2001:db8::100"), true); err == nil {
		f.Add(na)
	}
	f.Add(eth(0x0806, make([]byte, 28)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		Decode(b, time.Time{})
	})
}
