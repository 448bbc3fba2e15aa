package netio

import (
	"fmt"
	"net/netip"
	"sync"

	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// addrSocket adds and deletes IPv4 /32 addresses over one rtnetlink socket
// with a receive buffer kept for its lifetime. It is what a takeover waits
// on between its advert and its first GARP. vishvananda's Handle receives
// every reply into a fresh 64 KiB buffer, whose pages the Go runtime hands
// back to the kernel after a few idle seconds, so that the next add takes
// a page fault per page. The requests are still built with vishvananda's
// nl package.
type addrSocket struct {
	mu  sync.Mutex
	fd  int
	seq uint32
	buf [4096]byte // acks are 36 bytes; an error ack with the request echoed, under 100
}

func newAddrSocket() (*addrSocket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, err
	}
	// The kernel answers an address request before sendto returns; the
	// timeout only guards against a kernel that never does.
	tv := unix.Timeval{Sec: 10}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return &addrSocket{fd: fd}, nil
}

func (s *addrSocket) close() error { return unix.Close(s.fd) }

// addrRequest is the RTM_NEWADDR or RTM_DELADDR message for a/32 brd a on
// the interface ifindex, as `ip addr add|del A/32 brd A dev IF` sends it.
func addrRequest(add bool, ifindex int, a netip.Addr, seq uint32) []byte {
	return prefixRequest(add, ifindex, netip.PrefixFrom(a, a.BitLen()), seq)
}

// prefixRequest is addrRequest for an address with its prefix length: an
// IPv4 one as `ip addr add|del A/N brd A dev IF`, an IPv6 one as `ip addr
// add|del A/N dev IF nodad`. A VIP skips duplicate address detection: it
// is usable at once, and the backup that held it a moment ago has dropped
// it, or is about to.
func prefixRequest(add bool, ifindex int, p netip.Prefix, seq uint32) []byte {
	a := p.Addr()
	typ, flags := unix.RTM_DELADDR, unix.NLM_F_ACK
	if add {
		typ, flags = unix.RTM_NEWADDR, unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL
	}
	req := nl.NewNetlinkRequest(typ, flags)
	req.Seq = seq
	msg := nl.NewIfAddrmsg(unix.AF_INET)
	if a.Is6() {
		msg = nl.NewIfAddrmsg(unix.AF_INET6)
		msg.Flags = unix.IFA_F_NODAD
	}
	msg.Prefixlen = uint8(p.Bits())
	msg.Index = uint32(ifindex)
	req.AddData(msg)
	ip := a.AsSlice()
	req.AddData(nl.NewRtAttr(unix.IFA_LOCAL, ip))
	req.AddData(nl.NewRtAttr(unix.IFA_ADDRESS, ip))
	if add && a.Is4() {
		req.AddData(nl.NewRtAttr(unix.IFA_BROADCAST, ip))
	}
	return req.Serialize()
}

// do sends one address request and returns the kernel's answer: nil, or
// the errno it acked with.
func (s *addrSocket) do(add bool, ifindex int, p netip.Prefix) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if err := unix.Sendto(s.fd, prefixRequest(add, ifindex, p, s.seq), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	for {
		n, _, err := unix.Recvfrom(s.fd, s.buf[:], 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		errno, ok, err := parseAck(s.buf[:n], s.seq)
		if err != nil {
			return err
		}
		if ok {
			if errno != 0 {
				return errno
			}
			return nil
		}
	}
}

// parseAck finds the ack for seq in one netlink datagram: ok is false when
// the datagram holds none (a late answer to an earlier request).
func parseAck(b []byte, seq uint32) (errno unix.Errno, ok bool, err error) {
	for len(b) >= unix.NLMSG_HDRLEN {
		h := nl.NativeEndian()
		l := int(h.Uint32(b[0:4]))
		typ := h.Uint16(b[4:6])
		if l < unix.NLMSG_HDRLEN || l > len(b) {
			return 0, false, fmt.Errorf("netlink: message of %d bytes in %d", l, len(b))
		}
		if h.Uint32(b[8:12]) == seq && typ == unix.NLMSG_ERROR {
			if l < unix.NLMSG_HDRLEN+4 {
				return 0, false, fmt.Errorf("netlink: short error message (%d bytes)", l)
			}
			return unix.Errno(-int32(h.Uint32(b[16:20]))), true, nil
		}
		b = b[min(nlAlign(l), len(b)):]
	}
	return 0, false, nil
}

func nlAlign(n int) int { return (n + unix.NLMSG_ALIGNTO - 1) &^ (unix.NLMSG_ALIGNTO - 1) }
