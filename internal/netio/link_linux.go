package netio

import (
	"errors"
	"net/netip"

	"github.com/hadirector/hadirector/garp"
)

// Link is one interface as vrrp/router uses it (router.Link): the VRRP
// socket, rtnetlink for the VIPs and addresses, and an ARP socket.
type Link struct {
	*Conn
	vips *LinkVIPs
	arp  *garp.Conn
}

// Open opens the sockets of the named interface. It needs CAP_NET_RAW and
// CAP_NET_ADMIN.
func Open(name string) (*Link, error) {
	vips, err := NewLinkVIPs(name)
	if err != nil {
		return nil, err
	}
	conn, err := Listen(name)
	if err != nil {
		vips.Close()
		return nil, err
	}
	arp, err := garp.Dial(name)
	if err != nil {
		conn.Close()
		vips.Close()
		return nil, err // garp.Dial names the interface and the cause
	}
	return &Link{Conn: conn, vips: vips, arp: arp}, nil
}

// Addrs lists the interface's IPv4 addresses in the kernel's order.
func (l *Link) Addrs() ([]netip.Prefix, error) { return l.vips.Addrs() }

// AddVIPs installs each address as VIP/32 brd VIP.
func (l *Link) AddVIPs(v []netip.Addr) error { return l.vips.Add(v) }

// RemoveVIPs deletes each VIP/32.
func (l *Link) RemoveVIPs(v []netip.Addr) error { return l.vips.Remove(v) }

// Announce broadcasts one gratuitous ARP for vip.
func (l *Link) Announce(vip netip.Addr) error { return l.arp.Send(vip) }

// Request asks a neighbour for its hardware address with an ARP request
// from src.
func (l *Link) Request(target, src netip.Addr) error { return l.arp.Request(target, src) }

// Close closes the sockets.
func (l *Link) Close() error {
	err := l.Conn.Close()
	l.vips.Close()
	return errors.Join(err, l.arp.Close())
}
