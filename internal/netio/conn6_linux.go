package netio

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/vrrp"
)

// setup6 is setup for the IPv6 socket: joined to ff02::12 on the
// interface, sending there with hop limit 255 (RFC 5798 5.1.2.3) and
// traffic class 0xc0, without loopback, and told each advert's destination
// and hop limit. The kernel leaves the VRRP checksum alone (IPV6_CHECKSUM
// is off for a raw socket of protocol 112): the codec computes it.
func (c *Conn) setup6() error {
	var serr error
	err := c.rc.Control(func(fd uintptr) {
		mreq := &unix.IPv6Mreq{Multiaddr: vrrp.Group6.As16(), Interface: uint32(c.ifi.Index)}
		steps := []sockopt{
			{"join " + vrrp.Group6.String(), func() error {
				return unix.SetsockoptIPv6Mreq(int(fd), unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP, mreq)
			}},
			{"receive packet info", func() error { return unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1) }},
			{"receive hop limit", func() error { return unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVHOPLIMIT, 1) }},
		}
		for _, s := range append(steps, ipv6SendOptions(int(fd), c.ifi.Index)...) {
			if err := s.set(); err != nil {
				serr = fmt.Errorf("set %s: %w", s.what, err)
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return serr
}

// ipv6SendOptions are the options both IPv6 sockets send with.
func ipv6SendOptions(fd, ifindex int) []sockopt {
	return []sockopt{
		{"multicast interface", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_IF, ifindex) }},
		{"multicast loopback", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, 0) }},
		{"multicast hop limit", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, vrrp.TTL) }},
		{"unicast hop limit", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, vrrp.TTL) }},
		{"traffic class", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_TCLASS, vrrp.TOS) }},
	}
}

// openSender6 is openSender for IPv6: a raw protocol-112 socket bound to
// the interface that receives nothing (no group joined, IPV6_MULTICAST_ALL
// off, a drop-all filter for unicast) and sends as the polled one does.
func openSender6(ifname string, ifindex int) (fd int, err error) {
	return rawSender(unix.AF_INET6, ifname, func(fd int) []sockopt {
		return append([]sockopt{
			{"multicast all", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0) }},
		}, ipv6SendOptions(fd, ifindex)...)
	})
}
