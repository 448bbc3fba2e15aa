package netio

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/vrrp"
)

// cmsg builds one control message as the kernel lays it out.
func cmsg(level, typ int32, data []byte) []byte {
	b := make([]byte, unix.CmsgSpace(len(data)))
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[0]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[unix.CmsgLen(0):], data)
	return b
}

// stampMsg is an SO_TIMESTAMPNS control message for sec.nsec.
func stampMsg(sec, nsec int64) []byte {
	ts := unix.Timespec{Sec: sec, Nsec: nsec}
	return cmsg(unix.SOL_SOCKET, unix.SCM_TIMESTAMPNS, unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts)))
}

func cat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}

// The kernel's drop count and arrival stamp are found among the control
// messages, in any order, and absent when the kernel sent none.
func TestParseRx(t *testing.T) {
	count := cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, binary.NativeEndian.AppendUint32(nil, 7))
	ttl := cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{255, 0, 0, 0})
	stamp := stampMsg(1700000000, 123456789)
	const ns = 1700000000_123456789
	group := netip.MustParseAddr("ff02::12").As16()
	pktinfo6 := cmsg(unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, append(group[:], 3, 0, 0, 0))
	hops6 := cmsg(unix.IPPROTO_IPV6, unix.IPV6_HOPLIMIT, binary.NativeEndian.AppendUint32(nil, 255))
	cases := []struct {
		name string
		oob  []byte
		want rxMeta
	}{
		{"count alone", count, rxMeta{ovfl: 7, hasOvfl: true}},
		{"count after the TTL", cat(ttl, count), rxMeta{ovfl: 7, hasOvfl: true}},
		{"stamp and count", cat(stamp, count), rxMeta{ovfl: 7, hasOvfl: true, stamp: ns}},
		{"count and stamp", cat(count, stamp), rxMeta{ovfl: 7, hasOvfl: true, stamp: ns}},
		{"none", ttl, rxMeta{}},
		{"empty", nil, rxMeta{}},
		{"truncated count", count[:10], rxMeta{}},
		{"truncated stamp", cat(count, stamp[:24]), rxMeta{ovfl: 7, hasOvfl: true}},
		{"IPv6 destination and hop limit", cat(count, pktinfo6, hops6, stamp), rxMeta{ovfl: 7, hasOvfl: true, stamp: ns, dst: netip.MustParseAddr("ff02::12"), hops: 255}},
		{"short IPv6 packet info", cmsg(unix.IPPROTO_IPV6, unix.IPV6_PKTINFO, group[:8]), rxMeta{}},
	}
	for _, c := range cases {
		if got := parseRx(c.oob); got != c.want {
			t.Errorf("%s: parseRx = %+v, want %+v", c.name, got, c.want)
		}
	}
}

// FuzzParseRx checks the in-place walk against x/sys's parser: the same
// count and stamp, or none, for any bytes.
func FuzzParseRx(f *testing.F) {
	count := cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, binary.NativeEndian.AppendUint32(nil, 7))
	ttl := cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{255, 0, 0, 0})
	f.Add(count)
	f.Add(cat(ttl, count))
	f.Add(cat(stampMsg(1, 2), count))
	f.Add(ttl)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, oob []byte) {
		got := parseRx(oob)
		cms, err := unix.ParseSocketControlMessage(oob)
		if err != nil {
			return // malformed (the kernel writes none): only no panic is asked
		}
		var want rxMeta
		for _, cm := range cms {
			if cm.Header.Level == unix.IPPROTO_IPV6 {
				switch {
				case cm.Header.Type == unix.IPV6_PKTINFO && len(cm.Data) >= unix.SizeofInet6Pktinfo:
					want.dst = netip.AddrFrom16([16]byte(cm.Data[:16]))
				case cm.Header.Type == unix.IPV6_HOPLIMIT && len(cm.Data) >= 4:
					want.hops = int(int32(binary.NativeEndian.Uint32(cm.Data)))
				}
				continue
			}
			if cm.Header.Level != unix.SOL_SOCKET {
				continue
			}
			switch {
			case cm.Header.Type == unix.SO_RXQ_OVFL && len(cm.Data) >= 4:
				want.ovfl, want.hasOvfl = binary.NativeEndian.Uint32(cm.Data), true
			case cm.Header.Type == unix.SCM_TIMESTAMPNS && len(cm.Data) >= int(unsafe.Sizeof(unix.Timespec{})):
				var ts unix.Timespec
				copy(unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts)), cm.Data)
				want.stamp = ts.Nano()
			}
		}
		if got != want {
			t.Fatalf("parseRx = %+v; x/sys finds %+v", got, want)
		}
	})
}

// The receive path's control-message walk allocates nothing.
func TestParseRxAllocs(t *testing.T) {
	oob := cat(cmsg(unix.IPPROTO_IP, unix.IP_TTL, []byte{255, 0, 0, 0}), cmsg(unix.SOL_SOCKET, unix.SO_RXQ_OVFL, binary.NativeEndian.AppendUint32(nil, 7)), stampMsg(1, 2))
	if n := testing.AllocsPerRun(100, func() { parseRx(oob) }); n != 0 {
		t.Errorf("parseRx allocates %v times per call, want 0", n)
	}
}

// and a packet one byte longer reaches the decoder as truncated.
func TestInboxHoldsTheLargestAdvert(t *testing.T) {
	largest := vrrp.Packet{Version: 2, AuthType: vrrp.AuthPassword, Addrs: make([]netip.Addr, vrrp.MaxAddrs)}
	if n := 60 + largest.Len(); n != inboxBuf {
		t.Fatalf("the largest advert with a 60-byte IP header is %d bytes; the inbox holds %d", n, inboxBuf)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	defer unix.Close(fds[1])
	ipPacket := func(total int) []byte {
		b := make([]byte, total)
		b[0] = 0x4f // IPv4, 15 words of header
		binary.BigEndian.PutUint16(b[2:4], uint16(total))
		b[8] = 255
		copy(b[12:16], []byte{192, 0, 2, 1})
		copy(b[16:20], []byte{224, 0, 0, 18})
		return b
	}
	for _, total := range []int{inboxBuf, inboxBuf + 1} {
		if _, err := unix.Write(fds[0], ipPacket(total)); err != nil {
			t.Fatal(err)
		}
	}
	in := NewInbox(2)
	batches := 0
	in.handle = func(pkts []vrrp.Received, _ uint32) {
		batches++
		if len(pkts) != 2 {
			t.Fatalf("a batch of %d packets, want 2", len(pkts))
		}
		b, info, err := pkts[0].Msg, pkts[0].Info, pkts[0].Err
		if err != nil || len(b) != inboxBuf-60 || info.Src != netip.MustParseAddr("192.0.2.1") {
			t.Errorf("largest packet: %d bytes from %s, err %v; want %d bytes from 192.0.2.1", len(b), info.Src, err, inboxBuf-60)
		}
		var de *vrrp.DropError
		if err := pkts[1].Err; !errors.As(err, &de) || de.Reason != vrrp.ReasonTruncated {
			t.Errorf("a packet one byte longer: err %v, want a truncated drop", err)
		}
	}
	// A full batch reads on, to EAGAIN: then it waits.
	if in.recvmmsg(uintptr(fds[1])) || in.serr != nil || batches != 1 {
		t.Fatalf("recvmmsg: %d batches, err %v; want 1 and a wait", batches, in.serr)
	}
}

// Receive stays in the poller between batches: a packet sent after a batch
// has drained the queue wakes it, one after another, with no read that
// finds nothing, and a close ends it.
func TestReceiveWakesForEachPacket(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_DGRAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	f := os.NewFile(uintptr(fds[1]), "receiver")
	pc, err := net.FilePacketConn(f) // a socket in the poller, as a VRRP one is
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := pc.(*net.UnixConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	c := &Conn{ifi: &net.Interface{Name: "pair"}, rc: rc, sfd: -1}
	got := make(chan int)
	in := NewInbox(4)
	done := make(chan error, 1)
	go func() { done <- c.receive(in, func(pkts []vrrp.Received, _ uint32) { got <- len(pkts) }) }()
	pkt := []byte{0x45, 0, 0, 20, 0, 0, 0, 0, 255, 112, 0, 0, 192, 0, 2, 1, 224, 0, 0, 18}
	for k := range 50 {
		if _, err := unix.Write(fds[0], pkt); err != nil {
			t.Fatal(err)
		}
		if n := <-got; n != 1 {
			t.Fatalf("packet %d: a batch of %d, want 1", k, n)
		}
	}
	pc.Close()
	if err := <-done; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Receive after the close: %v, want net.ErrClosed", err)
	}
	if in.reads > 51 { // 50 when the first packet came before the entry's read
		t.Errorf("%d reads for 50 packets one at a time, want at most 51: one each and one on entry", in.reads)
	}
}
