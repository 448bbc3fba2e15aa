package vrrp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/pcapfile"
)

var (
	directorA = netip.MustParseAddr("192.0.2.11")
	directorB = netip.MustParseAddr("192.0.2.12")
	vip100    = netip.MustParseAddr("192.0.2.100")
	vip101    = netip.MustParseAddr("192.0.2.101")
	vip102    = netip.MustParseAddr("192.0.2.102")

	// The IPv6 captures' director A: link-local (EUI-64 of 02:00:00:00:00:11) and global.
	directorA6   = netip.MustParseAddr("fe80::ff:fe00:11")
	directorA6g  = netip.MustParseAddr("2001:db8::11")
	directorB6g  = netip.MustParseAddr("2001:db8::12")
	vip6ll       = netip.MustParseAddr("fe80::1:100")
	vip6_100     = netip.MustParseAddr("2001:db8::100")
	vip6_101     = netip.MustParseAddr("2001:db8::101")
	unicast6Hops = TTLRange{64, 64} // keepalived 2.2.7 sends IPv6 unicast adverts with hop limit 64
)

// captured is one VRRP message from a keepalived capture, with its IP header fields.
type captured struct {
	name     string // file:frame
	src, dst netip.Addr
	ttl, tos uint8
	msg      []byte       // the IP payload
	form     ChecksumForm // the VRRPv3 checksum form the sender used
	v6       bool         // an IPv6 packet (ttl is its hop limit, tos its traffic class)
}

// loadCapture returns the VRRP messages in testdata/file.
func loadCapture(tb testing.TB, file string) []captured {
	tb.Helper()
	frames, err := pcapfile.ReadFile(filepath.Join("testdata", file))
	if err != nil {
		tb.Fatal(err)
	}
	var out []captured
	for i, f := range frames {
		if ip6, err := f.IPv6(); err == nil {
			if ip6.NextHeader != ProtocolNumber {
				tb.Fatalf("%s frame %d: next header %d, want %d", file, i+1, ip6.NextHeader, ProtocolNumber)
			}
			out = append(out, captured{
				name: fmt.Sprintf("%s frame %d", file, i+1),
				src:  ip6.Src, dst: ip6.Dst, ttl: ip6.HopLimit, tos: ip6.TrafficClass,
				msg: ip6.Payload, v6: true,
			})
			continue
		}
		ip, err := f.IPv4()
		if err != nil {
			tb.Fatalf("%s frame %d: %v", file, i+1, err)
		}
		if ip.Protocol != ProtocolNumber {
			tb.Fatalf("%s frame %d: IP protocol %d, want %d", file, i+1, ip.Protocol, ProtocolNumber)
		}
		out = append(out, captured{
			name: fmt.Sprintf("%s frame %d", file, i+1),
			src:  ip.Src, dst: ip.Dst, ttl: ip.TTL, tos: ip.TOS,
			msg: ip.Payload, form: captureForm(file),
		})
	}
	return out
}

// allCaptures returns the IPv4 adverts of every capture in testdata.
func allCaptures(tb testing.TB) []captured {
	tb.Helper()
	return capturesOf(tb, false)
}

// allCaptures6 returns the IPv6 adverts of every capture in testdata.
func allCaptures6(tb testing.TB) []captured {
	tb.Helper()
	return capturesOf(tb, true)
}

func capturesOf(tb testing.TB, v6 bool) []captured {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "*.pcap"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no captures in testdata: %v", err)
	}
	var all []captured
	for _, f := range files {
		for _, c := range loadCapture(tb, filepath.Base(f)) {
			if c.v6 == v6 {
				all = append(all, c)
			}
		}
	}
	if len(all) == 0 {
		tb.Fatalf("no captures of IPv6=%v in testdata", v6)
	}
	return all
}

func password(s string) (pw [8]byte) {
	copy(pw[:], s)
	return pw
}

// goldenFiles describes every capture in testdata: director A 192.0.2.11 (IPv6:
// fe80::ff:fe00:11, 2001:db8::11 for unicast), VRID 51, priority 150 (0 on shutdown), as
// recorded by scripts/capture-keepalived.sh.
var goldenFiles = []struct {
	file   string
	frames int
	dst    netip.Addr
	want   Packet       // Checksum not compared here: Marshal must reproduce it
	form   ChecksumForm // the VRRPv3 checksum form: RFC 5798's unless set
	src    netip.Addr   // the IP source: directorA unless set
	hops   TTLRange     // the IP TTL or hop limit: 255 unless set
}{
	{"vrrp_v2_basic.pcap", 5, Group, Packet{Version: 2, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v2_prio0.pcap", 1, Group, Packet{Version: 2, Type: 1, VRID: 51, Priority: 0, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v3_basic.pcap", 5, Group, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v3_prio0.pcap", 1, Group, Packet{Version: 3, Type: 1, VRID: 51, Priority: 0, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v2_auth_pass.pcap", 3, Group, Packet{Version: 2, Type: 1, VRID: 51, Priority: 150, AuthType: AuthPassword, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}, Password: password("s3cret")}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v2_3vips.pcap", 3, Group, Packet{Version: 2, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100, vip101, vip102}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v3_3vips.pcap", 3, Group, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100, vip101, vip102}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v3_100ms.pcap", 10, Group, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: 100 * time.Millisecond, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v2_unicast.pcap", 3, directorB, Packet{Version: 2, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	{"vrrp_v3_unicast.pcap", 3, directorB, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}, 0, netip.Addr{}, TTLRange{}},
	// keepalived 2.2.8 with v3_checksum_as_v2 (2.2.7 has no such option).
	{"vrrp_v3_checksum_as_v2.pcap", 3, Group, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100, vip101}}, ChecksumMessageOnly, netip.Addr{}, TTLRange{}},
	// keepalived 2.2.7, vrrp_version 3 with IPv6 VIPs: from the link-local address to ff02::12.
	{"vrrp_v3_ipv6.pcap", 3, Group6, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, IPv6: true, Addrs: []netip.Addr{vip6_100}}, 0, directorA6, TTLRange{}},
	{"vrrp_v3_ipv6_linklocal.pcap", 3, Group6, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, IPv6: true, Addrs: []netip.Addr{vip6ll, vip6_100, vip6_101}}, 0, directorA6, TTLRange{}},
	{"vrrp_v3_ipv6_100ms.pcap", 10, Group6, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: 100 * time.Millisecond, IPv6: true, Addrs: []netip.Addr{vip6_100}}, 0, directorA6, TTLRange{}},
	{"vrrp_v3_ipv6_unicast.pcap", 3, directorB6g, Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, IPv6: true, Addrs: []netip.Addr{vip6_100}}, 0, directorA6g, unicast6Hops},
}

// captureForm is the checksum form of a capture in goldenFiles.
func captureForm(file string) ChecksumForm {
	for _, g := range goldenFiles {
		if g.file == file {
			return g.form
		}
	}
	return ChecksumRFC5798
}

func TestGoldenKeepalived(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.pcap"))
	if len(files) != len(goldenFiles) {
		t.Errorf("testdata has %d captures, the golden table %d: describe every capture", len(files), len(goldenFiles))
	}
	for _, g := range goldenFiles {
		t.Run(g.file, func(t *testing.T) {
			msgs := loadCapture(t, g.file)
			if len(msgs) != g.frames {
				t.Fatalf("%d frames, want %d", len(msgs), g.frames)
			}
			src := directorA
			if g.src.IsValid() {
				src = g.src
			}
			for _, c := range msgs {
				// keepalived's IP header: what our sender must match.
				if c.v6 != g.want.IPv6 || c.src != src || c.dst != g.dst || !g.hops.Contains(int(c.ttl)) || c.tos != 0xc0 {
					t.Errorf("%s: IPv6=%v %v -> %v TTL %d TOS %#x, want %v -> %v TTL %v TOS 0xc0", c.name, c.v6, c.src, c.dst, c.ttl, c.tos, src, g.dst, g.hops)
				}
				var p Packet
				if err := p.UnmarshalForm(c.msg, c.src, c.dst, g.form); err != nil {
					t.Fatalf("%s: Unmarshal (%v checksum): %v", c.name, g.form, err)
				}
				// A v3 IPv4 advert passes in its own checksum form only.
				other := ChecksumRFC5798 + ChecksumMessageOnly - g.form
				if err := new(Packet).UnmarshalForm(c.msg, c.src, c.dst, other); p.Version == 3 && !p.IPv6 && err == nil {
					t.Errorf("%s: decoded with the %v checksum too", c.name, other)
				}
				if p.Checksum != binary.BigEndian.Uint16(c.msg[6:8]) {
					t.Errorf("%s: Checksum %#04x, wire has %x", c.name, p.Checksum, c.msg[6:8])
				}
				want := g.want
				want.Checksum = p.Checksum
				if !reflect.DeepEqual(p, want) {
					t.Errorf("%s: decoded\n%+v\nwant\n%+v", c.name, p, want)
				}
				if p.Len() != len(c.msg) {
					t.Errorf("%s: Len %d, message is %d bytes", c.name, p.Len(), len(c.msg))
				}
				out, err := p.MarshalForm(c.src, c.dst, g.form)
				if err != nil {
					t.Fatalf("%s: Marshal: %v", c.name, err)
				}
				if !bytes.Equal(out, c.msg) {
					t.Errorf("%s: Marshal\n got %x\nwant %x", c.name, out, c.msg)
				}
				// The instance keepalived's peer would run accepts it.
				e := Expect{Version: want.Version, VRID: 51, AdvertInterval: want.AdvertInterval,
					AuthType: want.AuthType, Password: want.Password, VIPs: want.Addrs, TTL: g.hops,
					IPv6: want.IPv6, Unicast: g.dst != Group && g.dst != Group6}
				if _, err := AcceptFrom(p, c.src, int(c.ttl), e); err != nil {
					t.Errorf("%s: Accept: %v", c.name, err)
				}
			}
		})
	}
}

// keepalived 2.2.7 puts the real (unicast) destination in the VRRPv3 pseudo-header, not the
// multicast group as keepalived up to v1.3.6 did.
func TestUnicastV3ChecksumUsesRealDestination(t *testing.T) {
	c := loadCapture(t, "vrrp_v3_unicast.pcap")[0]
	if _, err := Unmarshal(c.msg, c.src, c.dst); err != nil {
		t.Fatalf("with the real destination: %v", err)
	}
	_, err := Unmarshal(c.msg, c.src, Group)
	if r, _ := DropReason(err); r != ReasonChecksum {
		t.Fatalf("with the group as destination: error %v, want a checksum drop", err)
	}
}

// refChecksum is RFC 1071 written out independently of checksum.go: the one's complement
// of the one's complement sum of (pseudo-header +) message, with the checksum field zeroed.
func refChecksum(msg []byte, src, dst netip.Addr) uint16 {
	var data []byte
	if src.Is6() && !src.Is4In6() {
		s, d := src.As16(), dst.As16()
		data = append(data, s[:]...)
		data = append(data, d[:]...)
		data = append(data, 0, 0, byte(len(msg)>>8), byte(len(msg)), 0, 0, 0, ProtocolNumber)
	} else if msg[0]>>4 == 3 && dst.Unmap().Is4() {
		// An IPv4 (or v4-mapped) source to an IPv6 destination has no
		// pseudo-header to build: the sum is then over the message alone.
		s, d := src.As4(), dst.Unmap().As4()
		data = append(data, s[:]...)
		data = append(data, d[:]...)
		data = append(data, 0, ProtocolNumber, byte(len(msg)>>8), byte(len(msg)))
	}
	data = append(data, msg[:6]...)
	data = append(data, 0, 0)
	data = append(data, msg[8:]...)
	return refFold(data)
}

// refFold is RFC 1071's checksum of data, written plainly.
func refFold(data []byte) uint16 {
	if len(data)%2 == 1 {
		data = append(data, 0)
	}
	var s uint64
	for i := 0; i < len(data); i += 2 {
		s += uint64(data[i])<<8 | uint64(data[i+1])
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// fixChecksum rewrites msg's checksum to be correct.
func fixChecksum(msg []byte, src, dst netip.Addr) []byte {
	binary.BigEndian.PutUint16(msg[6:8], refChecksum(msg, src, dst))
	return msg
}

// mutated returns a copy of a captured message changed by f, with a correct checksum if fix.
func mutated(c captured, fix bool, f func([]byte) []byte) []byte {
	b := f(bytes.Clone(c.msg))
	if fix {
		fixChecksum(b, c.src, c.dst)
	}
	return b
}

func TestRefChecksumMatchesCaptures(t *testing.T) {
	for _, c := range append(allCaptures(t), allCaptures6(t)...) {
		if got, want := refChecksumForm(c.msg, c.src, c.dst, c.form), binary.BigEndian.Uint16(c.msg[6:8]); got != want {
			t.Errorf("%s: reference checksum %#04x, keepalived sent %#04x", c.name, got, want)
		}
	}
}

func TestUnmarshalDrops(t *testing.T) {
	v2 := loadCapture(t, "vrrp_v2_auth_pass.pcap")[0]
	v3 := loadCapture(t, "vrrp_v3_3vips.pcap")[0]
	cases := []struct {
		name     string
		msg      []byte
		src, dst netip.Addr
		want     Reason
		detail   string
	}{
		{"empty", nil, directorA, Group, ReasonTruncated, "0 bytes"},
		{"short header", v2.msg[:7], directorA, Group, ReasonTruncated, "header needs 8"},
		{"version 1", mutated(v2, true, func(b []byte) []byte { b[0] = 0x11; return b }), directorA, Group, ReasonVersion, "version 1"},
		{"version 4", mutated(v3, true, func(b []byte) []byte { b[0] = 0x41; return b }), directorA, Group, ReasonVersion, "version 4"},
		{"version 0", mutated(v3, true, func(b []byte) []byte { b[0] = 0x01; return b }), directorA, Group, ReasonVersion, "version 0"},
		{"v2 without auth data", v2.msg[:12], directorA, Group, ReasonTruncated, "needs 20 bytes, have 12"},
		{"v2 count beyond data", mutated(v2, true, func(b []byte) []byte { b[3] = 2; return b }), directorA, Group, ReasonTruncated, "needs 24 bytes, have 20"},
		{"v3 count beyond data", mutated(v3, true, func(b []byte) []byte { b[3] = 4; return b }), directorA, Group, ReasonTruncated, "needs 24 bytes, have 20"},
		{"v3 count 255 on 20 bytes", mutated(v3, false, func(b []byte) []byte { b[3] = 255; return b }), directorA, Group, ReasonTruncated, "needs 1028"},
		{"v2 trailing byte", mutated(v2, true, func(b []byte) []byte { return append(b, 0) }), directorA, Group, ReasonLength, "is 20 bytes, have 21"},
		{"v3 trailing address", mutated(v3, true, func(b []byte) []byte { return append(b, 192, 0, 2, 103) }), directorA, Group, ReasonLength, "is 20 bytes, have 24"},
		{"v2 count short of data", mutated(v2, true, func(b []byte) []byte { b[3] = 0; return b }), directorA, Group, ReasonLength, "0 addresses is 16 bytes, have 20"},
		{"v2 checksum", mutated(v2, false, func(b []byte) []byte { b[7] ^= 1; return b }), directorA, Group, ReasonChecksum, "want 0x"},
		{"v2 corrupt address", mutated(v2, false, func(b []byte) []byte { b[11] = 101; return b }), directorA, Group, ReasonChecksum, ""},
		{"v2 corrupt password", mutated(v2, false, func(b []byte) []byte { b[12] = 'S'; return b }), directorA, Group, ReasonChecksum, ""},
		{"v3 checksum", mutated(v3, false, func(b []byte) []byte { b[6] ^= 0x80; return b }), directorA, Group, ReasonChecksum, ""},
		{"v3 wrong source", v3.msg, directorB, Group, ReasonChecksum, ""},
		{"v3 wrong destination", v3.msg, directorA, directorB, ReasonChecksum, ""},
		{"v3 invalid source", v3.msg, netip.Addr{}, Group, ReasonChecksum, "IPv4 source"},
		{"v3 IPv6 destination", v3.msg, directorA, netip.MustParseAddr("2001:db8::1"), ReasonChecksum, "IPv4 source and destination"},
		{"type 0", mutated(v2, true, func(b []byte) []byte { b[0] = 0x20; return b }), directorA, Group, ReasonType, "type 0"},
		{"type 2", mutated(v3, true, func(b []byte) []byte { b[0] = 0x32; return b }), directorA, Group, ReasonType, "type 2"},
		{"type 15", mutated(v3, true, func(b []byte) []byte { b[0] = 0x3f; return b }), directorA, Group, ReasonType, "type 15"},
		{"v2 auth type 2 (AH)", mutated(v2, true, func(b []byte) []byte { b[4] = 2; return b }), directorA, Group, ReasonAuthType, "auth type 2"},
		{"v2 auth type 255", mutated(v2, true, func(b []byte) []byte { b[4] = 255; return b }), directorA, Group, ReasonAuthType, "auth type 255"},
		{"v2 interval 0", mutated(v2, true, func(b []byte) []byte { b[5] = 0; return b }), directorA, Group, ReasonInterval, "interval 0"},
		{"v3 interval 0", mutated(v3, true, func(b []byte) []byte { b[4], b[5] = 0, 0; return b }), directorA, Group, ReasonInterval, "interval 0"},
		{"v3 interval 0, reserved bits set", mutated(v3, true, func(b []byte) []byte { b[4], b[5] = 0xf0, 0; return b }), directorA, Group, ReasonInterval, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := Packet{Addrs: []netip.Addr{vip102}, VRID: 9}
			p := before
			err := p.Unmarshal(tc.msg, tc.src, tc.dst)
			var de *DropError
			if !errors.As(err, &de) {
				t.Fatalf("error %v (%T), want a *DropError", err, err)
			}
			if de.Reason != tc.want {
				t.Errorf("reason %v (%v), want %v", de.Reason, err, tc.want)
			}
			if !strings.Contains(de.Detail, tc.detail) {
				t.Errorf("detail %q, want it to contain %q", de.Detail, tc.detail)
			}
			if !reflect.DeepEqual(p, before) {
				t.Errorf("failed Unmarshal changed the packet to %+v", p)
			}
			if _, err2 := Unmarshal(tc.msg, tc.src, tc.dst); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("function Unmarshal: %v, method: %v", err2, err)
			}
		})
	}
}

func TestUnmarshalAccepts(t *testing.T) {
	v2 := loadCapture(t, "vrrp_v2_basic.pcap")[0]
	v3 := loadCapture(t, "vrrp_v3_basic.pcap")[0]
	t.Run("v3 reserved bits ignored", func(t *testing.T) {
		b := bytes.Clone(v3.msg)
		b[4] |= 0xf0
		fixChecksum(b, v3.src, v3.dst)
		p, err := Unmarshal(b, v3.src, v3.dst)
		if err != nil {
			t.Fatal(err)
		}
		if p.AdvertInterval != time.Second {
			t.Errorf("interval %v, want 1s", p.AdvertInterval)
		}
		out, _ := p.Marshal(v3.src, v3.dst)
		if !bytes.Equal(out, v3.msg) {
			t.Errorf("re-encoded %x, want reserved bits cleared: %x", out, v3.msg)
		}
	})
	t.Run("v2 auth data kept under auth type none", func(t *testing.T) {
		b := bytes.Clone(v2.msg)
		copy(b[12:], "garbage!")
		fixChecksum(b, v2.src, v2.dst)
		p, err := Unmarshal(b, v2.src, v2.dst)
		if err != nil {
			t.Fatal(err)
		}
		if p.Password != password("garbage!") {
			t.Errorf("password %q", p.Password)
		}
		if out, _ := p.Marshal(v2.src, v2.dst); !bytes.Equal(out, b) {
			t.Errorf("re-encoded %x, want %x", out, b)
		}
	})
	t.Run("no addresses", func(t *testing.T) {
		// keepalived sends this for an instance without VIPs (it only warns about the config).
		b := fixChecksum([]byte{0x31, 51, 100, 0, 0, 100, 0, 0}, directorA, Group)
		p, err := Unmarshal(b, directorA, Group)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Addrs) != 0 || p.Priority != 100 {
			t.Errorf("decoded %+v", p)
		}
	})
	t.Run("IPv4-mapped source and destination", func(t *testing.T) {
		src := netip.AddrFrom16(v3.src.As16())
		dst := netip.AddrFrom16(v3.dst.As16())
		if _, err := Unmarshal(v3.msg, src, dst); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("v2 ignores source and destination", func(t *testing.T) {
		if _, err := Unmarshal(v2.msg, netip.Addr{}, netip.Addr{}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("max interval and 255 addresses", func(t *testing.T) {
		p := Packet{Version: 3, Type: 1, VRID: 1, Priority: 1, AdvertInterval: 40950 * time.Millisecond}
		for i := range MaxAddrs {
			p.Addrs = append(p.Addrs, netip.AddrFrom4([4]byte{198, 51, 100, byte(i)}))
		}
		b, err := p.Marshal(directorA, Group)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != 8+4*255 || b[4] != 0x0f || b[5] != 0xff {
			t.Fatalf("encoded %d bytes, interval field %x", len(b), b[4:6])
		}
		got, err := Unmarshal(b, directorA, Group)
		if err != nil {
			t.Fatal(err)
		}
		p.Checksum = got.Checksum
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip changed the packet")
		}
	})
}

// A message whose checksum computes to 0 may carry it as 0x0000 or 0xffff (both sum to
// all ones); Unmarshal accepts both and Marshal writes 0x0000.
func TestChecksumZeroAlternate(t *testing.T) {
	b := []byte{0x31, 51, 150, 1, 0, 100, 0, 0, 198, 51, 0, 0} // low address word 0 for now
	// Choose the address's low word so that the whole sum is 0xffff.
	binary.BigEndian.PutUint16(b[10:], refChecksum(b, directorA, Group))
	if c := refChecksum(b, directorA, Group); c != 0 {
		t.Fatalf("construction failed: checksum %#04x", c)
	}
	for _, field := range []uint16{0x0000, 0xffff} {
		binary.BigEndian.PutUint16(b[6:], field)
		p, err := Unmarshal(b, directorA, Group)
		if err != nil {
			t.Fatalf("checksum field %#04x: %v", field, err)
		}
		out, err := p.Marshal(directorA, Group)
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint16(out[6:]); got != 0 {
			t.Errorf("Marshal wrote checksum %#04x, want 0", got)
		}
	}
}

func TestMarshalErrors(t *testing.T) {
	good2 := Packet{Version: 2, Type: 1, VRID: 51, Priority: 100, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}
	good3 := good2
	good3.Version = 3
	many := make([]netip.Addr, MaxAddrs+1)
	for i := range many {
		many[i] = netip.AddrFrom4([4]byte{198, 51, 100, byte(i)})
	}
	with := func(p Packet, f func(*Packet)) Packet { f(&p); return p }
	cases := []struct {
		name     string
		p        Packet
		src, dst netip.Addr
		want     string
	}{
		{"version 0", with(good2, func(p *Packet) { p.Version = 0 }), directorA, Group, "version 0"},
		{"version 4", with(good2, func(p *Packet) { p.Version = 4 }), directorA, Group, "version 4"},
		{"type 0", with(good2, func(p *Packet) { p.Type = 0 }), directorA, Group, "type 0"},
		{"type 2", with(good3, func(p *Packet) { p.Type = 2 }), directorA, Group, "type 2"},
		{"v2 interval 0", with(good2, func(p *Packet) { p.AdvertInterval = 0 }), directorA, Group, "interval 0s"},
		{"v2 interval 1.5s", with(good2, func(p *Packet) { p.AdvertInterval = 1500 * time.Millisecond }), directorA, Group, "1.5s"},
		{"v2 interval 256s", with(good2, func(p *Packet) { p.AdvertInterval = 256 * time.Second }), directorA, Group, "4m16s"},
		{"v2 interval negative", with(good2, func(p *Packet) { p.AdvertInterval = -time.Second }), directorA, Group, "-1s"},
		{"v3 interval 0", with(good3, func(p *Packet) { p.AdvertInterval = 0 }), directorA, Group, "interval 0s"},
		{"v3 interval 5ms", with(good3, func(p *Packet) { p.AdvertInterval = 5 * time.Millisecond }), directorA, Group, "5ms"},
		{"v3 interval 15ms", with(good3, func(p *Packet) { p.AdvertInterval = 15 * time.Millisecond }), directorA, Group, "15ms"},
		{"v3 interval 40.96s", with(good3, func(p *Packet) { p.AdvertInterval = 40960 * time.Millisecond }), directorA, Group, "40.96s"},
		{"256 addresses", with(good3, func(p *Packet) { p.Addrs = many }), directorA, Group, "256 addresses"},
		{"IPv6 address", with(good2, func(p *Packet) { p.Addrs = []netip.Addr{vip100, netip.MustParseAddr("2001:db8::1")} }), directorA, Group, "address 1 (2001:db8::1)"},
		{"mapped address", with(good2, func(p *Packet) { p.Addrs = []netip.Addr{netip.AddrFrom16(vip100.As16())} }), directorA, Group, "address 0"},
		{"zero address", with(good3, func(p *Packet) { p.Addrs = []netip.Addr{{}} }), directorA, Group, "address 0 (invalid IP)"},
		{"v2 auth type 2", with(good2, func(p *Packet) { p.AuthType = 2 }), directorA, Group, "auth type 2"},
		{"v3 auth type", with(good3, func(p *Packet) { p.AuthType = AuthPassword }), directorA, Group, "auth type set"},
		{"v3 password", with(good3, func(p *Packet) { p.Password = password("x") }), directorA, Group, "password set"},
		{"v3 invalid source", good3, netip.Addr{}, Group, "IPv4 source and destination"},
		{"v3 IPv6 destination", good3, directorA, netip.MustParseAddr("ff02::12"), "IPv4 source and destination"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if b, err := tc.p.Marshal(tc.src, tc.dst); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Marshal = %x, %v; want an error containing %q", b, err, tc.want)
			}
			prefix := []byte{1, 2, 3}
			b, err := tc.p.AppendMarshal(prefix, tc.src, tc.dst)
			if err == nil || !bytes.Equal(b, prefix) {
				t.Errorf("AppendMarshal = %x, %v; want the prefix back and an error", b, err)
			}
		})
	}
}

func TestMarshalBoundaries(t *testing.T) {
	for _, tc := range []struct {
		name  string
		p     Packet
		field []byte // bytes 4-5
	}{
		{"v2 1s", Packet{Version: 2, Type: 1, AdvertInterval: time.Second}, []byte{0, 1}},
		{"v2 255s", Packet{Version: 2, Type: 1, AdvertInterval: 255 * time.Second, AuthType: AuthPassword}, []byte{1, 255}},
		{"v3 10ms", Packet{Version: 3, Type: 1, AdvertInterval: 10 * time.Millisecond}, []byte{0, 1}},
		{"v3 100ms", Packet{Version: 3, Type: 1, AdvertInterval: 100 * time.Millisecond}, []byte{0, 10}},
		{"v3 40.95s", Packet{Version: 3, Type: 1, AdvertInterval: 40950 * time.Millisecond}, []byte{0x0f, 0xff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := tc.p.Marshal(directorA, Group)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b[4:6], tc.field) || len(b) != tc.p.Len() {
				t.Errorf("encoded %x (%d bytes), want bytes 4-5 %x and %d bytes", b, len(b), tc.field, tc.p.Len())
			}
			if got := refChecksum(b, directorA, Group); got != binary.BigEndian.Uint16(b[6:]) {
				t.Errorf("checksum %x, reference %#04x", b[6:8], got)
			}
			p, err := Unmarshal(b, directorA, Group)
			if err != nil {
				t.Fatal(err)
			}
			if p.AdvertInterval != tc.p.AdvertInterval {
				t.Errorf("decoded interval %v", p.AdvertInterval)
			}
		})
	}
}

func TestMarshalSourceDestination(t *testing.T) {
	p := Packet{Version: 3, Type: 1, VRID: 51, Priority: 150, AdvertInterval: time.Second, Addrs: []netip.Addr{vip100}}
	want := loadCapture(t, "vrrp_v3_basic.pcap")[0].msg
	b, err := p.Marshal(netip.AddrFrom16(directorA.As16()), netip.AddrFrom16(Group.As16()))
	if err != nil || !bytes.Equal(b, want) {
		t.Errorf("v3 with IPv4-mapped addresses: %x, %v; want %x", b, err, want)
	}
	p.Version = 2
	want = loadCapture(t, "vrrp_v2_basic.pcap")[0].msg
	if b, err := p.Marshal(netip.Addr{}, netip.Addr{}); err != nil || !bytes.Equal(b, want) {
		t.Errorf("v2 without addresses: %x, %v; want %x", b, err, want)
	}
}

func TestAppendMarshal(t *testing.T) {
	c := loadCapture(t, "vrrp_v2_3vips.pcap")[0]
	p, err := Unmarshal(c.msg, c.src, c.dst)
	if err != nil {
		t.Fatal(err)
	}
	b, err := p.AppendMarshal([]byte("head"), c.src, c.dst)
	if err != nil {
		t.Fatal(err)
	}
	if string(b[:4]) != "head" || !bytes.Equal(b[4:], c.msg) {
		t.Errorf("AppendMarshal = %x, want head + %x", b, c.msg)
	}
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		buf, err = p.AppendMarshal(buf[:0], c.src, c.dst)
		if err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendMarshal into a buffer with room: %v allocations, want 0", allocs)
	}
}

func TestPacketUnmarshalReuse(t *testing.T) {
	c := loadCapture(t, "vrrp_v3_3vips.pcap")[0]
	var p Packet
	if err := p.Unmarshal(c.msg, c.src, c.dst); err != nil {
		t.Fatal(err)
	}
	backing := &p.Addrs[0]
	allocs := testing.AllocsPerRun(100, func() {
		if err := p.Unmarshal(c.msg, c.src, c.dst); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Unmarshal into a Packet with room: %v allocations, want 0", allocs)
	}
	if &p.Addrs[0] != backing {
		t.Errorf("Addrs storage not reused")
	}
	if want := []netip.Addr{vip100, vip101, vip102}; !reflect.DeepEqual(p.Addrs, want) {
		t.Errorf("Addrs %v, want %v", p.Addrs, want)
	}
	// A packet with fewer addresses leaves none of the old ones visible.
	one := loadCapture(t, "vrrp_v3_basic.pcap")[0]
	if err := p.Unmarshal(one.msg, one.src, one.dst); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Addrs, []netip.Addr{vip100}) {
		t.Errorf("Addrs %v after a one-address packet", p.Addrs)
	}
}

func BenchmarkUnmarshal(b *testing.B) {
	c := loadCapture(b, "vrrp_v3_3vips.pcap")[0]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Unmarshal(c.msg, c.src, c.dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPacketUnmarshal(b *testing.B) {
	c := loadCapture(b, "vrrp_v3_3vips.pcap")[0]
	var p Packet
	b.ReportAllocs()
	for b.Loop() {
		if err := p.Unmarshal(c.msg, c.src, c.dst); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendMarshal(b *testing.B) {
	c := loadCapture(b, "vrrp_v3_3vips.pcap")[0]
	p, err := Unmarshal(c.msg, c.src, c.dst)
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		if buf, err = p.AppendMarshal(buf[:0], c.src, c.dst); err != nil {
			b.Fatal(err)
		}
	}
}

// The worked example of RFC 1071 section 3, plus odd lengths and carries.
func TestChecksumSum(t *testing.T) {
	for _, tc := range []struct {
		in   []byte
		want uint16 // folded sum
	}{
		{[]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 0xddf2},
		{[]byte{0xab}, 0xab00},
		{[]byte{0x00, 0x01, 0xf2}, 0xf201},
		{[]byte{0xff, 0xff, 0xff, 0xff}, 0xffff},
		{[]byte{0xff, 0xff, 0x00, 0x01}, 0x0001},
		{nil, 0},
	} {
		if got := fold(sum(0, tc.in)); got != tc.want {
			t.Errorf("fold(sum(%x)) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	if got := fold(pseudoHeaderSum([4]byte{192, 0, 2, 11}, [4]byte{224, 0, 0, 18}, 20)); got != 0xa2a2 {
		t.Errorf("pseudo-header sum %#04x, want 0xa2a2", got)
	}
}
