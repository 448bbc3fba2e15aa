package ipvs

import (
	"bytes"
	"net"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

// request is what a marshal function must produce: a netlink message to
// the family (0x1234 here) from port 0, with a generic netlink header.
func request(flags uint16, seq uint32, cmd uint8, a []byte) []byte {
	b := ne.AppendUint32(nil, uint32(nlmsgHdrLen+genlHdrLen+len(a)))
	b = ne.AppendUint16(b, 0x1234)
	b = ne.AppendUint16(b, flags)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0)
	return append(b, append([]byte{cmd, genlVersion, 0, 0}, a...)...)
}

var (
	tcpSvc = &ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: syscall.IPPROTO_TCP,
		Address: net.ParseIP("192.0.2.10"), Port: 443, SchedName: "wlc", Flags: flagPersistent | flagSched1,
		Timeout: 300, Netmask: 0x00ffffff}
	tcpSvcKey = attrs(svcAttrAF, u16(syscall.AF_INET), svcAttrProtocol, u16(syscall.IPPROTO_TCP),
		svcAttrAddr, inetAddr("192.0.2.10"), svcAttrPort, be16(443))
	markSvc = &ipvs.Service{AddressFamily: syscall.AF_INET6, FWMark: 9, Protocol: syscall.IPPROTO_TCP,
		SchedName: "sh", PEName: "sip", Netmask: 128}
	markSvcKey = attrs(svcAttrAF, u16(syscall.AF_INET6), svcAttrFWMark, u32(9))
	drReal     = &ipvs.Destination{AddressFamily: syscall.AF_INET, Address: net.ParseIP("198.51.100.2"), Port: 8443,
		ConnectionFlags: ipvs.ConnectionFlagDirectRoute | 0x0100, Weight: 7, UpperThreshold: 100, LowerThreshold: 10}
	drRealKey = attrs(dstAttrAddr, inetAddr("198.51.100.2"), dstAttrPort, be16(8443))
)

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func TestMarshalWrite(t *testing.T) {
	const ack = nlmFRequest | nlmFAck
	for _, tc := range []struct {
		name string
		cmd  uint8
		svc  *ipvs.Service
		d    *ipvs.Destination
		want []byte
	}{
		{
			name: "add an IPv4 TCP service: key, scheduler, every flag, timeout, netmask",
			cmd:  cmdNewService, svc: tcpSvc,
			want: request(ack, 5, cmdNewService, attrs(cmdAttrService|nlaFNested, cat(tcpSvcKey,
				attrs(svcAttrSched, []byte("wlc\x00"), svcAttrFlags, cat(u32(flagPersistent|flagSched1), u32(0xffffffff)),
					svcAttrTimeout, u32(300), svcAttrNetmask, u32(0x00ffffff))))),
		},
		{
			name: "change an IPv6 firewall-mark service with a persistence engine",
			cmd:  cmdSetService, svc: markSvc,
			want: request(ack, 5, cmdSetService, attrs(cmdAttrService|nlaFNested, cat(markSvcKey,
				attrs(svcAttrSched, []byte("sh\x00"), svcAttrPEName, []byte("sip\x00"), svcAttrFlags, cat(u32(0), u32(0xffffffff)),
					svcAttrTimeout, u32(0), svcAttrNetmask, u32(128))))),
		},
		{
			name: "delete a service: its key alone",
			cmd:  cmdDelService, svc: tcpSvc,
			want: request(ack, 5, cmdDelService, attrs(cmdAttrService|nlaFNested, tcpSvcKey)),
		},
		{
			name: "add a real server: the service's key, the forwarding method alone of the flags",
			cmd:  cmdNewDest, svc: tcpSvc, d: drReal,
			want: request(ack, 5, cmdNewDest, cat(attrs(cmdAttrService|nlaFNested, tcpSvcKey),
				attrs(cmdAttrDest|nlaFNested, cat(drRealKey, attrs(dstAttrFwd, u32(ipvs.ConnectionFlagDirectRoute),
					dstAttrWeight, u32(7), dstAttrUThresh, u32(100), dstAttrLThresh, u32(10)))))),
		},
		{
			name: "quiesce an IPv6 tunnelled real server",
			cmd:  cmdSetDest, svc: markSvc,
			d: &ipvs.Destination{AddressFamily: syscall.AF_INET6, Address: net.ParseIP("2001:db8::7"), Port: 0,
				ConnectionFlags: ipvs.ConnectionFlagTunnel},
			want: request(ack, 5, cmdSetDest, cat(attrs(cmdAttrService|nlaFNested, markSvcKey),
				attrs(cmdAttrDest|nlaFNested, attrs(dstAttrAddr, inetAddr("2001:db8::7"), dstAttrPort, be16(0),
					dstAttrFwd, u32(ipvs.ConnectionFlagTunnel), dstAttrWeight, u32(0), dstAttrUThresh, u32(0), dstAttrLThresh, u32(0))))),
		},
		{
			name: "delete a real server: both keys alone",
			cmd:  cmdDelDest, svc: tcpSvc, d: drReal,
			want: request(ack, 5, cmdDelDest, cat(attrs(cmdAttrService|nlaFNested, tcpSvcKey),
				attrs(cmdAttrDest|nlaFNested, drRealKey))),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := marshalWrite([]byte("prefix"), 0x1234, 5, tc.cmd, tc.svc, tc.d)
			if !bytes.Equal(got[:6], []byte("prefix")) {
				t.Fatalf("the buffer's start was overwritten: %q", got[:6])
			}
			if got = got[6:]; !bytes.Equal(got, tc.want) {
				t.Fatalf("request\n got % x\nwant % x", got, tc.want)
			}
		})
	}
}

func TestMarshalConfig(t *testing.T) {
	got := marshalSetConfig(nil, 0x1234, 3, &ipvs.Config{TimeoutTCP: 900 * time.Second, TimeoutUDP: 300*time.Second + 999*time.Millisecond})
	want := request(nlmFRequest|nlmFAck, 3, cmdSetConfig, attrs(cmdAttrTimeoutTCP, u32(900), cmdAttrTimeoutTCPFin, u32(0), cmdAttrTimeoutUDP, u32(300)))
	if !bytes.Equal(got, want) {
		t.Fatalf("set\n got % x\nwant % x", got, want)
	}
	if got, want := marshalGetConfig(nil, 0x1234, 4), request(nlmFRequest, 4, cmdGetConfig, nil); !bytes.Equal(got, want) {
		t.Fatalf("get\n got % x\nwant % x", got, want)
	}
}

func TestUnmarshalConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		attrs   []byte
		want    *ipvs.Config
		wantErr bool
	}{
		{
			name:  "the three timeouts, an unknown attribute ignored",
			attrs: attrs(cmdAttrTimeoutTCP, u32(900), 99, u16(1), cmdAttrTimeoutTCPFin, u32(120), cmdAttrTimeoutUDP, u32(300)),
			want:  &ipvs.Config{TimeoutTCP: 900 * time.Second, TimeoutTCPFin: 120 * time.Second, TimeoutUDP: 300 * time.Second},
		},
		{name: "none", attrs: nil, want: &ipvs.Config{}},
		{name: "short timeout", attrs: attrs(cmdAttrTimeoutUDP, u16(300)), wantErr: true},
		{name: "attribute cut", attrs: []byte{8, 0, 4, 0, 1}, wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := unmarshalConfig(tc.attrs)
			checkDecoded(t, got, err, tc.want, tc.wantErr)
		})
	}
}

// FuzzUnmarshalConfig: any reply decodes or errs, and one that decodes
// is what a set request for it would carry.
func FuzzUnmarshalConfig(f *testing.F) {
	f.Add(attrs(cmdAttrTimeoutTCP, u32(900), cmdAttrTimeoutTCPFin, u32(120), cmdAttrTimeoutUDP, u32(300)))
	f.Add(attrs(cmdAttrTimeoutUDP, u16(1)))
	f.Add([]byte{8, 0, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := unmarshalConfig(b)
		if err != nil {
			return
		}
		req := marshalSetConfig(nil, 1, 1, c)
		back, err := unmarshalConfig(req[nlmsgHdrLen+genlHdrLen:])
		if err != nil || !reflect.DeepEqual(back, c) {
			t.Fatalf("set request for %+v decodes as %+v, %v", c, back, err)
		}
	})
}

// FuzzMarshalWrite: what an add request carries decodes, as the kernel
// would read it, to the service and the real server that were sent.
func FuzzMarshalWrite(f *testing.F) {
	f.Add(true, uint16(6), []byte{192, 0, 2, 10}, uint16(80), uint32(0), "wlc", "", uint32(1), uint32(300), uint32(0xffffffff),
		[]byte{198, 51, 100, 2}, uint16(8080), uint32(3), int32(5), uint32(0), uint32(0))
	f.Add(false, uint16(17), []byte(net.ParseIP("2001:db8::1").To16()), uint16(53), uint32(7), "sh", "sip", uint32(0x18), uint32(0), uint32(128),
		[]byte(net.ParseIP("2001:db8::2").To16()), uint16(0), uint32(2), int32(0), uint32(9), uint32(1))
	f.Fuzz(func(t *testing.T, v4 bool, proto uint16, addr []byte, port uint16, mark uint32, sched, pe string, flags, timeout, netmask uint32,
		daddr []byte, dport uint16, fwd uint32, weight int32, uth, lth uint32) {
		n := 16
		af := uint16(syscall.AF_INET6)
		if v4 {
			n, af = 4, syscall.AF_INET
		}
		if len(addr) != n || len(daddr) != n || bytes.IndexByte([]byte(sched+pe), 0) >= 0 || len(sched)+len(pe) > 200 {
			return
		}
		s := &ipvs.Service{AddressFamily: af, FWMark: mark, Protocol: proto, Address: net.IP(addr), Port: port,
			SchedName: sched, PEName: pe, Flags: flags, Timeout: timeout, Netmask: netmask}
		d := &ipvs.Destination{AddressFamily: af, Address: net.IP(daddr), Port: dport, ConnectionFlags: fwd,
			Weight: int(weight), UpperThreshold: uth, LowerThreshold: lth}

		in := marshalWrite(nil, 1, 1, cmdNewService, s, nil)[nlmsgHdrLen+genlHdrLen:]
		got, err := unmarshalService(in)
		if err != nil {
			t.Fatal(err)
		}
		want := *s
		if mark != 0 {
			want.Protocol, want.Address, want.Port = 0, nil, 0 // a mark is the whole key
		}
		if !reflect.DeepEqual(got, &want) {
			t.Fatalf("sent %+v, decoded %+v", &want, got)
		}

		in = marshalWrite(nil, 1, 1, cmdNewDest, s, d)[nlmsgHdrLen+genlHdrLen:]
		gotD, err := unmarshalDest(in, af)
		if err != nil {
			t.Fatal(err)
		}
		wantD := *d
		wantD.ConnectionFlags &= ipvs.ConnectionFlagFwdMask
		if !reflect.DeepEqual(gotD, &wantD) {
			t.Fatalf("sent %+v, decoded %+v", &wantD, gotD)
		}
	})
}
