package ipvs

import (
	"encoding/binary"
	"net"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/ipvs/ipvstest"
	"github.com/moby/ipvs"
)

func TestToMoby(t *testing.T) {
	persistent := Service{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 24}
	m := toMoby(persistent)
	want := &ipvs.Service{
		Address: net.IP{192, 0, 2, 10}, Protocol: syscall.IPPROTO_TCP, Port: 80,
		SchedName: "wlc", Flags: flagPersistent, Timeout: 300,
		Netmask: binary.NativeEndian.Uint32([]byte{255, 255, 255, 0}), AddressFamily: syscall.AF_INET,
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("persistent: got %+v, want %+v", m, want)
	}
	// The kernel reads the netmask attribute's bytes as a __be32: they must
	// be the mask's bytes in order, whatever the host's byte order.
	var attr [4]byte
	binary.NativeEndian.PutUint32(attr[:], m.Netmask)
	if attr != [4]byte{255, 255, 255, 0} {
		t.Errorf("netmask attribute bytes %v", attr)
	}

	plain := toMoby(Service{Key: udp53, Scheduler: RR})
	if plain.Flags != 0 || plain.Timeout != 0 || plain.Netmask != 0xffffffff || plain.Protocol != syscall.IPPROTO_UDP {
		t.Errorf("plain: %+v", plain)
	}
	fw := toMoby(Service{Key: FWMarkKey(7, true), Scheduler: SH, Persistent: true, PersistTimeout: time.Minute, PersistNetmask: 64})
	if fw.FWMark != 7 || fw.Address != nil || fw.Protocol != 0 || fw.AddressFamily != syscall.AF_INET6 || fw.Netmask != 64 {
		t.Errorf("fwmark v6: %+v", fw)
	}
	if fw6 := toMoby(Service{Key: FWMarkKey(7, true), Scheduler: SH}); fw6.Netmask != 128 {
		t.Errorf("IPv6 default netmask %d, want 128", fw6.Netmask)
	}
}

func TestConvertRoundTrip(t *testing.T) {
	services := []Service{
		{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32},
		{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 3600 * time.Second, PersistNetmask: 16},
		{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 1 * time.Second, PersistNetmask: 1},
		{Key: udp53, Scheduler: RR},
		{Key: fwm7, Scheduler: SH},
		{Key: FWMarkKey(9, true), Scheduler: NQ, Persistent: true, PersistTimeout: time.Minute, PersistNetmask: 48},
		{Key: tcp6, Scheduler: LBLCR},
		{Key: ServiceKey{Proto: SCTP, Addr: ap(vip, 9)}, Scheduler: DH},
		{Key: tcp80, Scheduler: MH, Fallback: true, HashPort: true},
		{Key: tcp80, Scheduler: MH, HashPort: true, Persistent: true, PersistTimeout: time.Minute, PersistNetmask: 24},
		{Key: fwm7, Scheduler: SH, Fallback: true},
		{Key: udp53, Scheduler: FO},
		{Key: udp53, Scheduler: OVF},
		{Key: tcp6, Scheduler: TWOS},
	}
	for _, s := range services {
		got, err := fromMoby(toMoby(s))
		if err != nil {
			t.Fatalf("%v: %v", s.Key, err)
		}
		if !reflect.DeepEqual(got, s) {
			t.Errorf("round trip: got %+v, want %+v", got, s)
		}
	}
	for _, r := range []Real{
		{Addr: ap(realIP(1), 80), Forward: DR, Weight: 1},
		{Addr: ap(realIP(2), 8080), Forward: NAT, Weight: 0},
		{Addr: ap(realIP(3), 0), Forward: Tunnel, Weight: 65535},
		{Addr: ap(vip6, 443), Forward: NAT, Weight: 7},
	} {
		got, err := destFromMoby(destToMoby(r, r.Addr.Addr().Is6()))
		if err != nil {
			t.Fatal(err)
		}
		if got != r {
			t.Errorf("real round trip: got %+v, want %+v", got, r)
		}
	}
}

func TestForwardEncoding(t *testing.T) {
	for f, flag := range map[Forward]uint32{
		DR: ipvs.ConnectionFlagDirectRoute, Tunnel: ipvs.ConnectionFlagTunnel,
		NAT: ipvs.ConnectionFlagMasq, Local: ipvs.ConnectionFlagLocalNode,
	} {
		if got := forwardToMoby(f); got != flag {
			t.Errorf("%v: flag %d, want %d", f, got, flag)
		}
		if got := forwardFromMoby(flag | 0x100); got != f {
			t.Errorf("flag %d: %v, want %v", flag, got, f)
		}
	}
}

func TestFromMobyKernelForms(t *testing.T) {
	// The kernel lists IPv4 addresses in 16-byte attributes; moby/ipvs cuts
	// them to 4, but a mapped 16-byte form must be read too.
	s, err := fromMoby(&ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: 6, Address: net.ParseIP("192.0.2.10"), Port: 80,
		SchedName: "wlc", Flags: flagHashed | flagPersistent, Timeout: 300, Netmask: 0xffffffff})
	if err != nil {
		t.Fatal(err)
	}
	want := Service{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("got %+v, want %+v", s, want)
	}
	for _, bad := range []*ipvs.Service{
		{AddressFamily: 99, FWMark: 1},
		{AddressFamily: syscall.AF_INET, Protocol: 6, Address: net.IP{1, 2, 3}},
		{AddressFamily: syscall.AF_INET, Protocol: 6, Address: net.ParseIP("2001:db8::1")},
		{AddressFamily: syscall.AF_INET, Protocol: 0, Address: net.IP{1, 2, 3, 4}},
	} {
		if _, err := fromMoby(bad); err == nil {
			t.Errorf("fromMoby(%+v) succeeded", bad)
		}
	}
}

func TestNetmaskBitsNonContiguous(t *testing.T) {
	raw := binary.NativeEndian.Uint32([]byte{255, 0, 255, 0})
	if got := netmaskBits(false, raw); got != 8 {
		t.Errorf("255.0.255.0: %d bits, want 8", got)
	}
	for ones := 0; ones <= 32; ones++ {
		if got := netmaskBits(false, rawNetmask(false, ones)); got != ones {
			t.Errorf("/%d: got /%d", ones, got)
		}
	}
}

// FuzzFromMoby feeds the converter kernel entries of any shape: it must not
// panic, and what it accepts must convert back to the same kernel identity.
func FuzzFromMoby(f *testing.F) {
	f.Add(uint16(syscall.AF_INET), uint16(6), []byte{192, 0, 2, 10}, uint16(80), uint32(0), uint32(1), uint32(300), uint32(0xffffffff), "wlc")
	f.Add(uint16(syscall.AF_INET6), uint16(0), []byte(nil), uint16(0), uint32(7), uint32(0), uint32(0), uint32(128), "sh")
	f.Add(uint16(syscall.AF_INET), uint16(17), make([]byte, 16), uint16(53), uint32(0), uint32(3), uint32(60), uint32(0x00ffffff), "rr")
	f.Fuzz(func(t *testing.T, af, proto uint16, addr []byte, port uint16, mark, flags, timeout, netmask uint32, sched string) {
		m := &ipvs.Service{AddressFamily: af, Protocol: proto, Address: addr, Port: port, FWMark: mark,
			Flags: flags, Timeout: timeout, Netmask: netmask, SchedName: sched}
		s, err := fromMoby(m)
		if err != nil {
			return
		}
		back := toMoby(s)
		if !ipvstest.SameService(back, &ipvs.Service{AddressFamily: af, Protocol: proto, Address: s.Key.Addr.Addr().AsSlice(), Port: port, FWMark: mark}) {
			t.Errorf("%+v -> %+v -> %+v", m, s, back)
		}
	})
}
