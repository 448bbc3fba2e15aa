package ipvs

import (
	"encoding/binary"
	"errors"
	"net"
	"reflect"
	"syscall"
	"testing"

	"github.com/moby/ipvs"
)

// Replies built by hand, attribute by attribute, as the kernel lays them
// out (include/uapi/linux/ip_vs.h).

func u16(v uint16) []byte  { return ne.AppendUint16(nil, v) }
func u32(v uint32) []byte  { return ne.AppendUint32(nil, v) }
func u64(v uint64) []byte  { return ne.AppendUint64(nil, v) }
func be16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }

func attrs(kv ...any) []byte {
	var b []byte
	for i := 0; i < len(kv); i += 2 {
		b = appendAttr(b, uint16(kv[i].(int)), kv[i+1].([]byte))
	}
	return b
}

func inetAddr(ip string) []byte {
	a := make([]byte, 16)
	p := net.ParseIP(ip)
	if v4 := p.To4(); v4 != nil {
		copy(a, v4)
	} else {
		copy(a, p)
	}
	return a
}

// message wraps a generic netlink payload in a netlink header.
func message(typ, flags uint16, seq uint32, payload []byte) []byte {
	b := ne.AppendUint32(nil, uint32(nlmsgHdrLen+len(payload)))
	b = ne.AppendUint16(b, typ)
	b = ne.AppendUint16(b, flags)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 4242)
	b = append(b, payload...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func genl(cmd uint8, a []byte) []byte { return append([]byte{cmd, genlVersion, 0, 0}, a...) }

var stats32 = attrs(statConns, u32(1), statInPkts, u32(2), statOutPkts, u32(3),
	statInBytes, u64(1<<40), statOutBytes, u64(5), statCPS, u32(6), statInPPS, u32(7),
	statOutPPS, u32(8), statInBPS, u32(9), statOutBPS, u32(10), 11, u64(0)) // 11: padding, ignored

var wantStats = ipvs.SvcStats{Connections: 1, PacketsIn: 2, PacketsOut: 3, BytesIn: 1 << 40, BytesOut: 5,
	CPS: 6, PPSIn: 7, PPSOut: 8, BPSIn: 9, BPSOut: 10}

// checkDecoded fails t unless a decoder gave want, or an error if wantErr.
func checkDecoded[T any](t *testing.T, got T, err error, want T, wantErr bool) {
	t.Helper()
	if wantErr {
		if err == nil {
			t.Fatalf("got %+v, want an error", got)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %+v\nwant %+v", got, want)
	}
}

func TestUnmarshalService(t *testing.T) {
	for _, tc := range []struct {
		name    string
		attrs   []byte
		want    *ipvs.Service
		wantErr bool
	}{
		{
			name: "IPv4 TCP, every attribute",
			attrs: attrs(cmdAttrService|nlaFNested, attrs(svcAttrAF, u16(syscall.AF_INET), svcAttrProtocol, u16(syscall.IPPROTO_TCP),
				svcAttrAddr, inetAddr("192.0.2.10"), svcAttrPort, be16(80), svcAttrSched, []byte("wlc\x00"),
				svcAttrFlags, append(u32(0x1), u32(0xffffffff)...), svcAttrTimeout, u32(300), svcAttrNetmask, u32(0xffffffff),
				svcAttrStats|nlaFNested, stats32, svcAttrPEName, []byte("sip\x00"), 12, make([]byte, 88), 99, []byte{1})),
			want: &ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: syscall.IPPROTO_TCP, Address: net.IP{192, 0, 2, 10},
				Port: 80, SchedName: "wlc", PEName: "sip", Flags: 1, Timeout: 300, Netmask: 0xffffffff, Stats: wantStats},
		},
		{
			name: "IPv6 firewall mark, no address",
			attrs: attrs(cmdAttrService|nlaFNested, attrs(svcAttrAF, u16(syscall.AF_INET6), svcAttrFWMark, u32(7),
				svcAttrSched, []byte("rr\x00"), svcAttrNetmask, u32(128))),
			want: &ipvs.Service{AddressFamily: syscall.AF_INET6, FWMark: 7, SchedName: "rr", Netmask: 128},
		},
		{
			name: "IPv6 address",
			attrs: attrs(cmdAttrService, attrs(svcAttrAF, u16(syscall.AF_INET6), svcAttrProtocol, u16(syscall.IPPROTO_UDP),
				svcAttrAddr, inetAddr("2001:db8::1"), svcAttrPort, be16(53))),
			want: &ipvs.Service{AddressFamily: syscall.AF_INET6, Protocol: syscall.IPPROTO_UDP, Address: net.ParseIP("2001:db8::1"), Port: 53},
		},
		{name: "no service attribute", attrs: attrs(cmdAttrDest, attrs()), wantErr: true},
		{name: "short port", attrs: attrs(cmdAttrService, attrs(svcAttrPort, []byte{1})), wantErr: true},
		{name: "short IPv4 address", attrs: attrs(cmdAttrService, attrs(svcAttrAF, u16(syscall.AF_INET), svcAttrAddr, []byte{1, 2})), wantErr: true},
		{name: "address of an unknown family", attrs: attrs(cmdAttrService, attrs(svcAttrAF, u16(99), svcAttrAddr, inetAddr("192.0.2.1"))), wantErr: true},
		{name: "short stats counter", attrs: attrs(cmdAttrService, attrs(svcAttrStats, attrs(statInBytes, u32(1)))), wantErr: true},
		{name: "attribute longer than the message", attrs: []byte{200, 0, 1, 0, 0, 0, 0, 0}, wantErr: true},
		{name: "attribute header cut", attrs: []byte{8, 0}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unmarshalService(tc.attrs)
			checkDecoded(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestUnmarshalDest(t *testing.T) {
	for _, tc := range []struct {
		name    string
		attrs   []byte
		svcAF   uint16
		want    *ipvs.Destination
		wantErr bool
	}{
		{
			name:  "IPv4, every attribute",
			svcAF: syscall.AF_INET,
			attrs: attrs(cmdAttrDest|nlaFNested, attrs(dstAttrAddr, inetAddr("198.51.100.2"), dstAttrPort, be16(8080),
				dstAttrFwd, u32(ipvs.ConnectionFlagDirectRoute), dstAttrWeight, u32(65535), dstAttrUThresh, u32(100),
				dstAttrLThresh, u32(10), dstAttrActive, u32(3), dstAttrInact, u32(4), 9, u32(5),
				dstAttrStats|nlaFNested, stats32, dstAttrAF, u16(syscall.AF_INET))),
			want: &ipvs.Destination{AddressFamily: syscall.AF_INET, Address: net.IP{198, 51, 100, 2}, Port: 8080,
				ConnectionFlags: ipvs.ConnectionFlagDirectRoute, Weight: 65535, UpperThreshold: 100, LowerThreshold: 10,
				ActiveConnections: 3, InactiveConnections: 4, Stats: ipvs.DstStats(wantStats)},
		},
		{
			name:  "no family attribute: the service's (kernels before 5.3)",
			svcAF: syscall.AF_INET6,
			attrs: attrs(cmdAttrDest, attrs(dstAttrAddr, inetAddr("2001:db8::2"), dstAttrPort, be16(80), dstAttrWeight, u32(0))),
			want:  &ipvs.Destination{AddressFamily: syscall.AF_INET6, Address: net.ParseIP("2001:db8::2"), Port: 80},
		},
		{
			name:  "IPv6 real server of an IPv4 service",
			svcAF: syscall.AF_INET,
			attrs: attrs(cmdAttrDest, attrs(dstAttrAF, u16(syscall.AF_INET6), dstAttrAddr, inetAddr("2001:db8::3"), dstAttrFwd, u32(ipvs.ConnectionFlagTunnel))),
			want:  &ipvs.Destination{AddressFamily: syscall.AF_INET6, Address: net.ParseIP("2001:db8::3"), ConnectionFlags: ipvs.ConnectionFlagTunnel},
		},
		{name: "no address", svcAF: syscall.AF_INET, attrs: attrs(cmdAttrDest, attrs(dstAttrPort, be16(80))), wantErr: true},
		{name: "no destination attribute", svcAF: syscall.AF_INET, attrs: attrs(cmdAttrService, attrs()), wantErr: true},
		{name: "short weight", svcAF: syscall.AF_INET, attrs: attrs(cmdAttrDest, attrs(dstAttrAddr, inetAddr("198.51.100.2"), dstAttrWeight, u16(1))), wantErr: true},
		{name: "short IPv6 address", svcAF: syscall.AF_INET6, attrs: attrs(cmdAttrDest, attrs(dstAttrAddr, make([]byte, 8))), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unmarshalDest(tc.attrs, tc.svcAF)
			checkDecoded(t, got, err, tc.want, tc.wantErr)
		})
	}
}

func TestUnmarshalReplies(t *testing.T) {
	svc := genl(cmdNewServiceReply, attrs(cmdAttrService, attrs(svcAttrAF, u16(syscall.AF_INET))))
	errMsg := func(errno int32) []byte { return append(u32(uint32(-errno)), make([]byte, 16)...) }
	for _, tc := range []struct {
		name     string
		buf      []byte
		wantN    int
		wantDone bool
		wantErr  error
	}{
		{name: "two parts of a dump, more to come", buf: append(message(7, nlmFMulti, 1, svc), message(7, nlmFMulti, 1, svc)...), wantN: 2},
		{name: "parts then done", buf: append(message(7, nlmFMulti, 1, svc), message(nlmsgDoneType, nlmFMulti, 1, u32(0))...), wantN: 1, wantDone: true},
		{name: "another request's reply is skipped", buf: append(message(7, nlmFMulti, 9, svc), message(nlmsgDoneType, 0, 1, u32(0))...), wantDone: true},
		{name: "a single reply ends it", buf: message(7, 0, 1, svc), wantN: 1, wantDone: true},
		{name: "kernel error", buf: message(nlmsgErrorType, 0, 1, errMsg(int32(syscall.ESRCH))), wantDone: true, wantErr: syscall.ESRCH},
		{name: "acknowledgement", buf: message(nlmsgErrorType, 0, 1, errMsg(0)), wantDone: true},
		{name: "empty buffer", buf: nil},
		{name: "length past the buffer", buf: message(7, nlmFMulti, 1, svc)[:20], wantErr: errTruncated},
		{name: "length under a header", buf: append(u32(8), make([]byte, 12)...), wantErr: errTruncated},
		{name: "no generic netlink header", buf: message(7, nlmFMulti, 1, []byte{1, 1}), wantErr: errTruncated},
		{name: "short error", buf: message(nlmsgErrorType, 0, 1, []byte{1}), wantErr: errTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := 0
			done, err := unmarshalReplies(tc.buf, 1, func(a []byte) error {
				if _, err := unmarshalService(a); err != nil {
					t.Fatal(err)
				}
				n++
				return nil
			})
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && (n != tc.wantN || done != tc.wantDone) {
				t.Fatalf("%d replies, done %v; want %d, %v", n, done, tc.wantN, tc.wantDone)
			}
		})
	}
}

// cmdNewServiceReply is the command the kernel puts on its dump replies.
const cmdNewServiceReply = 1

func TestMarshalDump(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  uint8
		svc  *ipvs.Service
		want []byte // the nested service attributes; nil for none
	}{
		{name: "every service", cmd: cmdGetService},
		{
			name: "destinations of an IPv4 service", cmd: cmdGetDest,
			svc: &ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: syscall.IPPROTO_TCP, Address: net.ParseIP("192.0.2.10"), Port: 443, SchedName: "wlc"},
			want: attrs(svcAttrAF, u16(syscall.AF_INET), svcAttrProtocol, u16(syscall.IPPROTO_TCP),
				svcAttrAddr, inetAddr("192.0.2.10"), svcAttrPort, be16(443)),
		},
		{
			name: "destinations of an IPv6 service", cmd: cmdGetDest,
			svc: &ipvs.Service{AddressFamily: syscall.AF_INET6, Protocol: syscall.IPPROTO_UDP, Address: net.ParseIP("2001:db8::1"), Port: 53},
			want: attrs(svcAttrAF, u16(syscall.AF_INET6), svcAttrProtocol, u16(syscall.IPPROTO_UDP),
				svcAttrAddr, inetAddr("2001:db8::1"), svcAttrPort, be16(53)),
		},
		{
			name: "destinations of a firewall-mark service", cmd: cmdGetDest,
			svc:  &ipvs.Service{AddressFamily: syscall.AF_INET, FWMark: 5, Protocol: syscall.IPPROTO_TCP},
			want: attrs(svcAttrAF, u16(syscall.AF_INET), svcAttrFWMark, u32(5)),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := marshalDump([]byte("prefix"), 0x1234, 77, tc.cmd, tc.svc)[len("prefix"):]
			if int(ne.Uint32(b)) != len(b) {
				t.Fatalf("length %d, message %d bytes", ne.Uint32(b), len(b))
			}
			if typ, flags, seq := ne.Uint16(b[4:]), ne.Uint16(b[6:]), ne.Uint32(b[8:]); typ != 0x1234 || flags != nlmFRequest|nlmFDump || seq != 77 {
				t.Fatalf("header type %#x flags %#x seq %d", typ, flags, seq)
			}
			if b[16] != tc.cmd || b[17] != genlVersion {
				t.Fatalf("generic header % x", b[16:20])
			}
			body := b[nlmsgHdrLen+genlHdrLen:]
			if tc.want == nil {
				if len(body) != 0 {
					t.Fatalf("attributes % x, want none", body)
				}
				return
			}
			got, err := nested(body, cmdAttrService, "service")
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("service attributes\n got % x\nwant % x", got, tc.want)
			}
		})
	}
}

// FuzzUnmarshalIPVSReply feeds arbitrary receive buffers to the reply
// walker and both decoders: an error is fine, a panic is not, and a
// service that decodes asks for its destinations by the same key.
func FuzzUnmarshalIPVSReply(f *testing.F) {
	f.Add(message(7, nlmFMulti, 1, genl(1, attrs(cmdAttrService, attrs(svcAttrAF, u16(syscall.AF_INET), svcAttrProtocol, u16(6),
		svcAttrAddr, inetAddr("192.0.2.10"), svcAttrPort, be16(80), svcAttrSched, []byte("wlc\x00"), svcAttrStats, stats32)))))
	f.Add(message(7, nlmFMulti, 1, genl(5, attrs(cmdAttrDest, attrs(dstAttrAddr, inetAddr("2001:db8::2"), dstAttrAF, u16(syscall.AF_INET6),
		dstAttrWeight, u32(1), dstAttrStats, stats32)))))
	f.Add(message(nlmsgErrorType, 0, 1, make([]byte, 20)))
	f.Add(message(nlmsgDoneType, nlmFMulti, 1, u32(0)))
	f.Fuzz(func(t *testing.T, b []byte) {
		unmarshalReplies(b, 1, func(a []byte) error {
			unmarshalDest(a, syscall.AF_INET)
			s, err := unmarshalService(a)
			if err != nil || (s.AddressFamily != syscall.AF_INET && s.AddressFamily != syscall.AF_INET6) {
				return nil
			}
			req := marshalDump(nil, 1, 1, cmdGetDest, s)
			in, err := nested(req[nlmsgHdrLen+genlHdrLen:], cmdAttrService, "service")
			if err != nil {
				t.Fatal(err)
			}
			back, err := unmarshalService(attrs(cmdAttrService, in))
			if err != nil {
				t.Fatalf("the request's service attributes do not decode: %v", err)
			}
			if back.AddressFamily != s.AddressFamily || back.FWMark != s.FWMark ||
				(s.FWMark == 0 && (back.Protocol != s.Protocol || back.Port != s.Port || (s.Address != nil && !back.Address.Equal(s.Address)))) {
				t.Fatalf("asked for %+v, decoded %+v", back, s)
			}
			return nil
		})
	})
}
