package sync

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// Listener receives the sync group's datagrams on one interface, next to
// the kernel's own backup thread (which binds the same group and port with
// address reuse, as this socket does).
type Listener struct {
	c *net.UDPConn
}

// Datagram is one received sync datagram: its sender, arrival time and
// bytes, and the decoded message or why it could not be decoded.
type Datagram struct {
	From netip.Addr
	At   time.Time
	Raw  []byte
	Msg  Message
	Err  error
}

// Listen joins group (zero: 224.0.0.81) on port (0: 8848) on interface
// ifname. An IPv6 group is joined over IPv6, as the kernel's threads do
// when given one.
func Listen(ifname string, group netip.Addr, port uint16) (*Listener, error) {
	if !group.IsValid() {
		group = netip.MustParseAddr(DefaultGroup)
	}
	if port == 0 {
		port = DefaultPort
	}
	if !group.IsMulticast() || group.Is4In6() || group.Zone() != "" {
		return nil, fmt.Errorf("sync: group %s is not a plain IPv4 or IPv6 multicast address", group)
	}
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("sync: interface %s: %w", ifname, err)
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	network, bind := "udp4", group
	if group.Is6() {
		// Binding a link-scoped group needs the interface as its zone,
		// as the kernel's backup socket is bound to the device.
		network, bind = "udp6", group.WithZone(ifname)
	}
	pc, err := lc.ListenPacket(context.Background(), network, netip.AddrPortFrom(bind, port).String())
	if err != nil {
		return nil, fmt.Errorf("sync: listening on %s: %w", netip.AddrPortFrom(group, port), err)
	}
	c := pc.(*net.UDPConn)
	gaddr := &net.UDPAddr{IP: group.AsSlice()}
	if group.Is6() {
		err = ipv6.NewPacketConn(c).JoinGroup(ifi, gaddr)
	} else {
		err = ipv4.NewPacketConn(c).JoinGroup(ifi, gaddr)
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("sync: joining %s on %s: %w", group, ifname, err)
	}
	return &Listener{c: c}, nil
}

// Read waits for the next datagram; it fails once the listener is closed.
func (l *Listener) Read() (Datagram, error) {
	buf := make([]byte, 65536)
	n, from, err := l.c.ReadFromUDPAddrPort(buf)
	if err != nil {
		return Datagram{}, err
	}
	d := Datagram{From: from.Addr().Unmap(), At: time.Now(), Raw: buf[:n:n]}
	d.Msg, d.Err = Unmarshal(d.Raw)
	return d, nil
}

// Close leaves the group and closes the socket.
func (l *Listener) Close() error { return l.c.Close() }

// Closed reports whether err is Read's error after Close.
func Closed(err error) bool { return errors.Is(err, net.ErrClosed) }
