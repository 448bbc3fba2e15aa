package netio

import (
	"fmt"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/vrrp"
)

// A Conn sends its adverts on a second raw socket that the runtime's
// poller never sees. The poller registers every socket it holds for
// readiness to write as well as to read, edge-triggered, and the kernel
// signals write space each time it frees a buffer the socket sent: when
// the peer's stack, or the NIC's transmit completion, is done with it,
// which is after the director has gone back to sleep. Sending on the
// polled socket woke a master twice per advert, once for the timer and
// once for nothing; keepalived, which polls for reads only, wakes once.
// The kernel writes the IP header, with TTL 255 and TOS 0xc0 set on the
// socket, and the source each advert's IP_PKTINFO names.

// openSender opens the send socket for interface ifname (index ifindex),
// bound to it and sending multicast there, without loopback. It receives
// nothing: it joins no group and IP_MULTICAST_ALL is off, so the kernel
// hands it no multicast advert, and a filter drops a unicast one before it
// is queued.
func openSender(ifname string, ifindex int) (fd int, err error) {
	return rawSender(unix.AF_INET, ifname, func(fd int) []sockopt {
		return []sockopt{
			{"multicast all", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0) }},
			{"multicast interface", func() error {
				return unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_IF, &unix.IPMreqn{Ifindex: int32(ifindex)})
			}},
			{"multicast loopback", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0) }},
			{"multicast TTL", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, vrrp.TTL) }},
			{"unicast TTL", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, vrrp.TTL) }},
			{"TOS", func() error { return unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TOS, vrrp.TOS) }},
		}
	})
}

// sockopt is one socket option to set, named for the error.
type sockopt struct {
	what string
	set  func() error
}

// rawSender opens a raw protocol-112 send socket of the family, bound to
// the interface, with a filter that drops every packet it would receive,
// and sets the family's options on it.
func rawSender(family int, ifname string, opts func(fd int) []sockopt) (fd int, err error) {
	fd, err = unix.Socket(family, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, vrrp.ProtocolNumber)
	if err != nil {
		return -1, fmt.Errorf("send socket: %w", err)
	}
	dropAll := []unix.SockFilter{{Code: unix.BPF_RET | unix.BPF_K, K: 0}}
	steps := []sockopt{
		{"bind to device", func() error { return unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname) }},
		{"receive filter", func() error {
			return unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &unix.SockFprog{Len: 1, Filter: &dropAll[0]})
		}},
	}
	for _, s := range append(steps, opts(fd)...) {
		if err := s.set(); err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("send socket: set %s: %w", s.what, err)
		}
	}
	return fd, nil
}
