package netio

import (
	"encoding/binary"
	"net/netip"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestAddrRequest(t *testing.T) {
	vip := netip.MustParseAddr("192.0.2.100")
	for _, c := range []struct {
		add   bool
		typ   uint16
		flags uint16
		attrs []uint16
	}{
		{true, unix.RTM_NEWADDR, unix.NLM_F_REQUEST | unix.NLM_F_ACK | unix.NLM_F_CREATE | unix.NLM_F_EXCL, []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS, unix.IFA_BROADCAST}},
		{false, unix.RTM_DELADDR, unix.NLM_F_REQUEST | unix.NLM_F_ACK, []uint16{unix.IFA_LOCAL, unix.IFA_ADDRESS}},
	} {
		b := addrRequest(c.add, 7, vip, 42)
		msgs, err := syscall.ParseNetlinkMessage(b)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("add=%v: %d messages, %v", c.add, len(msgs), err)
		}
		m := msgs[0]
		if m.Header.Type != c.typ || m.Header.Flags != c.flags || m.Header.Seq != 42 {
			t.Errorf("add=%v: header %+v, want type %d flags %#x seq 42", c.add, m.Header, c.typ, c.flags)
		}
		if m.Data[0] != unix.AF_INET || m.Data[1] != 32 || binary.NativeEndian.Uint32(m.Data[4:8]) != 7 {
			t.Errorf("add=%v: ifaddrmsg % x, want family inet, /32, index 7", c.add, m.Data[:8])
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			t.Fatal(err)
		}
		if len(attrs) != len(c.attrs) {
			t.Fatalf("add=%v: %d attributes, want %d", c.add, len(attrs), len(c.attrs))
		}
		for k, a := range attrs {
			if a.Attr.Type != c.attrs[k] || netip.AddrFrom4([4]byte(a.Value)) != vip {
				t.Errorf("add=%v: attribute %d is %d=% x, want %d=%s", c.add, k, a.Attr.Type, a.Value, c.attrs[k], vip)
			}
		}
	}
}

// ack builds an NLMSG_ERROR message answering seq with errno (0: success).
func ack(seq uint32, errno int32) []byte {
	b := make([]byte, 36)
	binary.NativeEndian.PutUint32(b[0:], 36)
	binary.NativeEndian.PutUint16(b[4:], unix.NLMSG_ERROR)
	binary.NativeEndian.PutUint32(b[8:], seq)
	binary.NativeEndian.PutUint32(b[16:], uint32(-errno))
	return b
}

func TestParseAck(t *testing.T) {
	for _, c := range []struct {
		name    string
		b       []byte
		errno   unix.Errno
		ok, bad bool
	}{
		{name: "success", b: ack(5, 0), ok: true},
		{name: "EEXIST", b: ack(5, int32(unix.EEXIST)), errno: unix.EEXIST, ok: true},
		{name: "an earlier request's ack", b: ack(4, 0)},
		{name: "earlier then ours", b: append(ack(4, int32(unix.EEXIST)), ack(5, int32(unix.EADDRNOTAVAIL))...), errno: unix.EADDRNOTAVAIL, ok: true},
		{name: "empty", b: nil},
		{name: "length beyond the datagram", b: ack(5, 0)[:20], bad: true},
		{name: "length below a header", b: func() []byte { b := ack(5, 0); b[0] = 8; return b }(), bad: true},
		{name: "error message without errno", b: func() []byte { b := ack(5, 0)[:16]; b[0] = 16; return b }(), bad: true},
	} {
		errno, ok, err := parseAck(c.b, 5)
		if (err != nil) != c.bad || ok != c.ok || errno != c.errno {
			t.Errorf("%s: parseAck = %v, %v, %v; want errno %v, ok %v, error %v", c.name, errno, ok, err, c.errno, c.ok, c.bad)
		}
	}
}

func FuzzParseAck(f *testing.F) {
	f.Add(ack(5, 0))
	f.Add(ack(5, int32(unix.EEXIST)))
	f.Add(append(ack(4, 0), ack(5, 0)...))
	f.Add(addrRequest(true, 3, netip.MustParseAddr("192.0.2.100"), 5))
	f.Fuzz(func(t *testing.T, b []byte) {
		errno, ok, err := parseAck(b, 5)
		if err != nil && ok {
			t.Fatalf("ok with an error: %v", err)
		}
		if !ok && errno != 0 {
			t.Fatalf("errno %v without an ack", errno)
		}
	})
}
