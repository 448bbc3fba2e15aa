package netio

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// Conn is a raw IP protocol-112 socket bound to one interface: it receives only
// that interface's VRRP traffic, is joined to 224.0.0.18 (IPv6: ff02::12)
// there, and sends with TTL (hop limit) 255 and TOS (traffic class) 0xc0. One
// Conn serves every instance of its family on the interface.
type Conn struct {
	ifi *net.Interface
	raw net.PacketConn
	pc  *ipv4.PacketConn // IPv4 only
	v6  bool

	rc syscall.RawConn
	in *Inbox // Receive's

	// sfd is the socket adverts leave by (openSender), outside the
	// runtime's poller; -1: none, send on the polled one.
	sfd int

	wmu   sync.Mutex // guards the batch send's scratch below
	out   *outbox
	cmsgs map[netip.Addr][]byte
}

// Listen opens the IPv4 VRRP socket on the named interface.
func Listen(ifname string) (*Conn, error) { return listen(ifname, false) }

// Listen6 opens the IPv6 VRRP socket on the named interface: adverts to
// ff02::12 and unicast ones, each with its destination and hop limit
// (IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT), since an IPv6 raw socket is not
// handed the IP header.
func Listen6(ifname string) (*Conn, error) { return listen(ifname, true) }

func listen(ifname string, v6 bool) (*Conn, error) {
	ifi, err := garp.Interface(ifname)
	if err != nil {
		return nil, fmt.Errorf("vrrp socket on %s: %w", ifname, err)
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname)
			if serr == nil { // count what the kernel drops when we fall behind
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RXQ_OVFL, 1)
			}
			if serr == nil { // when each advert arrived: timers start there
				serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	network, any := fmt.Sprintf("ip4:%d", vrrp.ProtocolNumber), "0.0.0.0"
	if v6 {
		network, any = fmt.Sprintf("ip6:%d", vrrp.ProtocolNumber), "::"
	}
	raw, err := lc.ListenPacket(context.Background(), network, any)
	if err != nil {
		return nil, fmt.Errorf("vrrp socket on %s: %w", ifname, err)
	}
	c := &Conn{ifi: ifi, raw: raw, v6: v6, sfd: -1}
	if c.rc, err = raw.(syscall.Conn).SyscallConn(); err != nil {
		raw.Close()
		return nil, fmt.Errorf("vrrp socket on %s: %w", ifname, err)
	}
	if v6 {
		err = c.setup6()
	} else {
		c.pc = ipv4.NewPacketConn(raw)
		err = c.setup()
	}
	if err != nil {
		raw.Close()
		return nil, fmt.Errorf("vrrp socket on %s: %w", ifname, err)
	}
	open := openSender
	if v6 {
		open = openSender6
	}
	if c.sfd, err = open(ifname, ifi.Index); err != nil {
		raw.Close()
		return nil, fmt.Errorf("vrrp socket on %s: %w", ifname, err)
	}
	return c, nil
}

// dialSender opens a Conn that only sends, on the send socket alone
// (openSender): it joins no group and queues nothing, and its Receive
// returns at once. A virtual-MAC macvlan's adverts leave so; the parent's
// Conn reads them.
func dialSender(ifname string, v6 bool) (*Conn, error) {
	ifi, err := garp.Interface(ifname)
	if err != nil {
		return nil, fmt.Errorf("vrrp send socket on %s: %w", ifname, err)
	}
	open := openSender
	if v6 {
		open = openSender6
	}
	c := &Conn{ifi: ifi, v6: v6}
	if c.sfd, err = open(ifname, ifi.Index); err != nil {
		return nil, fmt.Errorf("vrrp send socket on %s: %w", ifname, err)
	}
	return c, nil
}

func (c *Conn) setup() error {
	if err := c.pc.JoinGroup(c.ifi, &net.IPAddr{IP: vrrp.Group.AsSlice()}); err != nil {
		return fmt.Errorf("join %s: %w", vrrp.Group, err)
	}
	steps := []struct {
		what string
		err  error
	}{
		{"multicast interface", c.pc.SetMulticastInterface(c.ifi)},
		{"multicast TTL", c.pc.SetMulticastTTL(vrrp.TTL)},
		{"unicast TTL", c.pc.SetTTL(vrrp.TTL)},
		{"TOS", c.pc.SetTOS(vrrp.TOS)},
		{"multicast loopback", c.pc.SetMulticastLoopback(false)},
	}
	for _, s := range steps {
		if s.err != nil {
			return fmt.Errorf("set %s: %w", s.what, s.err)
		}
	}
	return nil
}

// Interface is the interface the socket is bound to.
func (c *Conn) Interface() *net.Interface { return c.ifi }

// Send writes one VRRP message to dst with source address src.
func (c *Conn) Send(b []byte, src, dst netip.Addr) error {
	_, err := c.SendBatch([]vrrp.Outgoing{{B: b, Src: src, Dst: dst}})
	return err
}

// Close closes the sockets; a Receive returns an error wrapping net.ErrClosed.
func (c *Conn) Close() error {
	var err error
	if c.raw != nil {
		err = c.raw.Close()
	}
	c.wmu.Lock() // no send is using the send socket
	defer c.wmu.Unlock()
	if c.sfd >= 0 {
		if serr := unix.Close(c.sfd); serr != nil && err == nil {
			err = fmt.Errorf("close the send socket: %w", serr)
		}
		c.sfd = -1
	}
	return err
}
