package netio

import (
	"fmt"
	"net"
	"net/netip"
	"unsafe"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/vrrp"
)

// Batched socket I/O: recvmmsg on the non-blocking VRRP socket, made with
// RawSyscall inside the runtime poller's Read, and sendmmsg on the send
// socket (sender.go), outside the poller, or inside its Write when the send
// socket is full. They never block (EAGAIN waits in the poller), and a raw
// syscall does not wake the runtime's sysmon thread from its idle sleep as
// a Syscall does: a director that wakes a few dozen times a second for a
// batch stays cheap.

// Inbox is a reusable set of receive buffers for Receive.
type Inbox struct {
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	bufs   [][]byte
	oobs   [][]byte
	pkts   []vrrp.Received // the batch handed on
	stamps []int64         // each packet's arrival (SO_TIMESTAMPNS), Unix ns
	ovfl   uint32          // the socket's drop count at the last read (SO_RXQ_OVFL)

	// IPv6: the socket hands no IP header, so each packet's source comes in
	// its name, and its destination and hop limit in control messages.
	v6    bool
	names []unix.RawSockaddrInet6
	dsts  []netip.Addr
	hops  []int

	// The poller's callback, made once (a closure made per read would be
	// the receive path's one allocation), what it hands batches to, and
	// the error that ended it.
	recv   func(fd uintptr) bool
	handle func(pkts []vrrp.Received, dropped uint32)
	serr   error
	reads  int // recvmmsg calls, for tests: one per batch, and one on entry
}

const (
	// inboxBuf holds the largest VRRP advert over IPv4: an IP header with
	// options (60 bytes), the VRRP header (8), 255 addresses and a v2
	// password (8). A longer packet is cut short, and SplitIPv4 drops it
	// as truncated: it could not have been a valid advert.
	inboxBuf = 60 + 8 + 255*4 + 8
	inboxOOB = 64 // room for SO_RXQ_OVFL (24 bytes) and SO_TIMESTAMPNS (32)

	// inboxBuf6 and inboxOOB6 are the same for IPv6: no IP header, 255
	// addresses of 16 bytes; and IPV6_PKTINFO (40) and IPV6_HOPLIMIT (24).
	inboxBuf6 = 8 + 255*16
	inboxOOB6 = inboxOOB + 40 + 24
)

// NewInbox makes room for n IPv4 packets per read.
func NewInbox(n int) *Inbox { return newInbox(n, false) }

// newInbox makes room for n packets per read of an IPv4 or IPv6 socket.
func newInbox(n int, v6 bool) *Inbox {
	in := &Inbox{hdrs: make([]unix.Mmsghdr, n), iovs: make([]unix.Iovec, n), bufs: make([][]byte, n), oobs: make([][]byte, n), stamps: make([]int64, n), pkts: make([]vrrp.Received, n), v6: v6}
	bl, ol := inboxBuf, inboxOOB
	if v6 {
		bl, ol = inboxBuf6, inboxOOB6
		in.names, in.dsts, in.hops = make([]unix.RawSockaddrInet6, n), make([]netip.Addr, n), make([]int, n)
	}
	// One block for the packets and one for the control messages: an
	// inbox per interface, and a director may watch many.
	bufs, oobs := make([]byte, n*bl), make([]byte, n*ol)
	for k := range in.hdrs {
		in.bufs[k] = bufs[k*bl : (k+1)*bl : (k+1)*bl]
		in.oobs[k] = oobs[k*ol : (k+1)*ol : (k+1)*ol]
		in.iovs[k].Base = &in.bufs[k][0]
		in.iovs[k].SetLen(bl)
		in.hdrs[k].Hdr.Iov = &in.iovs[k]
		in.hdrs[k].Hdr.SetIovlen(1)
		in.hdrs[k].Hdr.Control = &in.oobs[k][0]
	}
	in.recv = in.recvmmsg
	return in
}

// inboxDepth is how many adverts one wake-up of a link's reader takes at
// most. The socket's queue holds what a read leaves for the next; deeper,
// the inbox's 17 KiB per interface would grow for nothing.
const inboxDepth = 16

// Receive reads the socket until it is closed or a read fails, and hands
// each batch to handle: its packets, and dropped, how many the kernel
// discarded since the last batch because the socket's queue was full. A
// batch is as many packets as are queued, up to 16, in one recvmmsg.
// Receive is not safe for concurrent use.
//
// handle runs inside the runtime poller's Read, which Receive leaves only
// when the socket closes: the poller forgets a readiness edge that came
// before a Read begins, so a reader that left it after every batch would
// have to make one more recvmmsg, to EAGAIN, before each wait. Inside it,
// a batch shorter than the inbox has drained the queue, and the next
// packet's edge, which the poller keeps, ends the wait: a packet costs a
// read. handle must not close the socket.
func (c *Conn) Receive(handle func(pkts []vrrp.Received, dropped uint32)) error {
	if c.rc == nil {
		return fmt.Errorf("vrrp receive on %s: a send-only socket: %w", c.ifi.Name, net.ErrClosed)
	}
	if c.in == nil {
		c.in = newInbox(inboxDepth, c.v6)
	}
	return c.receive(c.in, handle)
}

func (c *Conn) receive(in *Inbox, handle func(pkts []vrrp.Received, dropped uint32)) error {
	in.handle, in.serr = handle, nil
	err := c.rc.Read(in.recv)
	in.handle = nil
	if err == nil {
		err = in.serr
	}
	return fmt.Errorf("vrrp receive on %s: %w", c.ifi.Name, err)
}

// recvmmsg is the poller's Read callback: it reads batches and hands them
// on until the queue is drained (false: wait for the socket to become
// readable) or a read fails (true, with the error in serr).
func (in *Inbox) recvmmsg(fd uintptr) bool {
	for {
		for k := range in.hdrs {
			in.hdrs[k].Hdr.SetControllen(len(in.oobs[k]))
			in.hdrs[k].Hdr.Flags = 0
			in.hdrs[k].Len = 0
			if in.v6 {
				in.hdrs[k].Hdr.Name = (*byte)(unsafe.Pointer(&in.names[k]))
				in.hdrs[k].Hdr.Namelen = unix.SizeofSockaddrInet6
			}
		}
		in.reads++
		r, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&in.hdrs[0])), uintptr(len(in.hdrs)), unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			in.serr = e
			return true
		}
		n := int(r)
		dropped := in.stamp(n)
		for k := range n {
			b, info, err := in.Packet(k)
			in.pkts[k] = vrrp.Received{Msg: b, Info: info, Err: err}
		}
		in.handle(in.pkts[:n], dropped)
		clear(in.pkts[:n])
		if n < len(in.hdrs) {
			return false
		}
	}
}

// stamp reads the control messages of a batch's n packets: their arrival
// times, and the drops since the last batch.
func (in *Inbox) stamp(n int) (dropped uint32) {
	for k := 0; k < n; k++ {
		m := parseRx(in.oobs[k][:in.hdrs[k].Hdr.Controllen])
		if m.hasOvfl {
			dropped += m.ovfl - in.ovfl
			in.ovfl = m.ovfl
		}
		in.stamps[k] = m.stamp
		if in.v6 {
			in.dsts[k], in.hops[k] = m.dst, m.hops
		}
	}
	return dropped
}

// Packet returns the k-th packet of the batch being handled: the VRRP message
// and what the IP header says.
func (in *Inbox) Packet(k int) ([]byte, vrrp.RecvInfo, error) {
	if in.v6 {
		b := in.bufs[k][:in.hdrs[k].Len]
		info := vrrp.RecvInfo{Src: netip.AddrFrom16(in.names[k].Addr), Dst: in.dsts[k], TTL: in.hops[k], Stamp: in.stamps[k]}
		if in.hdrs[k].Hdr.Flags&unix.MSG_TRUNC != 0 {
			return nil, info, &vrrp.DropError{Reason: vrrp.ReasonTruncated, Detail: "longer than any advert"}
		}
		return b, info, nil
	}
	b, src, dst, ttl, err := vrrp.SplitIPv4(in.bufs[k][:in.hdrs[k].Len])
	return b, vrrp.RecvInfo{Src: src, Dst: dst, TTL: ttl, Stamp: in.stamps[k]}, err
}

// outbox is SendBatch's scratch, kept between calls.
type outbox struct {
	hdrs   []unix.Mmsghdr
	iovs   []unix.Iovec
	names  []unix.RawSockaddrInet4
	names6 []unix.RawSockaddrInet6

	// The poller's callback and its state, made once: a closure made per
	// send would allocate per batch.
	write   func(fd uintptr) bool
	n, sent int
	serr    error
}

func newOutbox(n int) *outbox {
	o := &outbox{hdrs: make([]unix.Mmsghdr, n), iovs: make([]unix.Iovec, n), names: make([]unix.RawSockaddrInet4, n), names6: make([]unix.RawSockaddrInet6, n)}
	o.write = o.sendmmsg
	return o
}

// sendmmsg sends o.hdrs[o.sent:o.n] in non-blocking sendmmsg calls on fd,
// or sendmsg for one: false means it is full (wait for it to become
// writable, in the poller).
func (o *outbox) sendmmsg(fd uintptr) bool {
	for o.sent < o.n {
		var r uintptr
		var e unix.Errno
		if o.n-o.sent == 1 { // a one-instance director's every advert
			r, _, e = unix.RawSyscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&o.hdrs[o.sent].Hdr)), unix.MSG_DONTWAIT)
			if e == 0 {
				r = 1
			}
		} else {
			r, _, e = unix.RawSyscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&o.hdrs[o.sent])), uintptr(o.n-o.sent), unix.MSG_DONTWAIT, 0, 0)
		}
		switch e {
		case 0:
			if r == 0 {
				return true
			}
			o.sent += int(r)
		case unix.EAGAIN, unix.EINTR:
			return false // wait in the poller, then go on
		default:
			o.serr = e
			return true
		}
	}
	return true
}

// SendBatch writes many VRRP messages in one sendmmsg (more if the kernel
// takes them in parts); it returns how many left before the first failure,
// and that failure.
func (c *Conn) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	o := c.out
	if o == nil || len(o.hdrs) < len(msgs) {
		o = newOutbox(len(msgs))
		c.out = o
	}
	for k, m := range msgs {
		if len(m.B) == 0 {
			return k, fmt.Errorf("send advert %s->%s on %s: empty message", m.Src, m.Dst, c.ifi.Name)
		}
		name, namelen := unsafe.Pointer(&o.names[k]), uint32(unix.SizeofSockaddrInet4)
		if c.v6 {
			// The scope is the interface: ff02::12 and link-local peers need it.
			o.names6[k] = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: m.Dst.As16(), Scope_id: uint32(c.ifi.Index)}
			name, namelen = unsafe.Pointer(&o.names6[k]), unix.SizeofSockaddrInet6
		} else {
			o.names[k] = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: m.Dst.As4()}
		}
		o.iovs[k].Base = &m.B[0]
		o.iovs[k].SetLen(len(m.B))
		cm := c.srcCmsg(m.Src) // IP_PKTINFO (IPV6_PKTINFO): the advert's source
		o.hdrs[k] = unix.Mmsghdr{Hdr: unix.Msghdr{
			Name: (*byte)(name), Namelen: namelen,
			Iov: &o.iovs[k], Iovlen: 1, Control: &cm[0], Controllen: uint64(len(cm)),
		}}
	}
	defer clear(o.iovs[:len(msgs)]) // do not keep the adverts alive
	o.n, o.sent, o.serr = len(msgs), 0, nil
	var err error
	if c.sfd < 0 || !o.sendmmsg(uintptr(c.sfd)) {
		// No send socket, or its buffer is full: send the rest on the
		// polled socket, waiting there for room if it is full too.
		err = c.rc.Write(o.write)
	}
	sent := o.sent
	if err == nil {
		err = o.serr
	}
	if err != nil && sent < len(msgs) {
		m := msgs[sent]
		return sent, fmt.Errorf("send advert %s->%s on %s: %w", m.Src, m.Dst, c.ifi.Name, err)
	}
	if sent < len(msgs) {
		m := msgs[sent]
		return sent, fmt.Errorf("send advert %s->%s on %s: the kernel took none", m.Src, m.Dst, c.ifi.Name)
	}
	return sent, nil
}

// srcCmsg is the IP_PKTINFO control message that sends from src; c.wmu is
// held.
func (c *Conn) srcCmsg(src netip.Addr) []byte {
	if b, ok := c.cmsgs[src]; ok {
		return b
	}
	if c.cmsgs == nil {
		c.cmsgs = map[netip.Addr][]byte{}
	}
	var b []byte
	if c.v6 {
		b = (&ipv6.ControlMessage{Src: src.AsSlice(), IfIndex: c.ifi.Index}).Marshal()
	} else {
		b = (&ipv4.ControlMessage{Src: src.AsSlice(), IfIndex: c.ifi.Index}).Marshal()
	}
	c.cmsgs[src] = b
	return b
}
