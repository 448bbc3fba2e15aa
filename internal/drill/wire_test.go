package drill

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
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
	f.Add(eth(0x0806, make([]byte, 28)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		Decode(b, time.Time{})
	})
}
