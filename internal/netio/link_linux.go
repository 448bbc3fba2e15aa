package netio

import (
	"errors"
	"fmt"
	"net/netip"
	"sync/atomic"

	"github.com/hadirector/hadirector/garp"
)

// Link is one interface as vrrp/router uses it (router.Link): the VRRP
// socket, rtnetlink for the VIPs and addresses, and an ARP socket.
type Link struct {
	*Conn
	vips *LinkVIPs
	arp  *garp.Conn
	v6   bool
	vmac string // the virtual-MAC macvlan Close removes (OpenVMAC); "": none
	// ll is an IPv6 virtual-MAC link's advert source, the parent's
	// link-local address, held on the macvlan while it sends (vmac6.go).
	ll     netip.Prefix
	llHeld atomic.Bool
}

// Open opens the sockets of the named interface. It needs CAP_NET_RAW and
// CAP_NET_ADMIN.
func Open(name string) (*Link, error) { return open(name, false) }

// Open6 opens the interface's IPv6 link: the IPv6 VRRP socket (Listen6),
// IPv6 addresses and VIPs (nodad), and the AF_PACKET socket that sends
// neighbour advertisements.
func Open6(name string) (*Link, error) { return open(name, true) }

func open(name string, v6 bool) (*Link, error) {
	listen := Listen
	if v6 {
		listen = Listen6
	}
	return openWith(name, v6, listen)
}

// openWith opens the link's VIPs, its VRRP socket (by listen) and its ARP
// socket.
func openWith(name string, v6 bool, listen func(string) (*Conn, error)) (*Link, error) {
	vips, err := NewLinkVIPs(name)
	if err != nil {
		return nil, err
	}
	conn, err := listen(name)
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
	return &Link{Conn: conn, vips: vips, arp: arp, v6: v6}, nil
}

// Addrs lists the interface's addresses of the link's family in the
// kernel's order (IPv6: those past DAD).
func (l *Link) Addrs() ([]netip.Prefix, error) {
	if l.v6 {
		return l.vips.Addrs6()
	}
	return l.vips.Addrs()
}

// AddRouters names more IPv6 VIPs whose neighbour advertisements carry the
// router flag.
func (l *Link) AddRouters(vips []netip.Addr) { l.arp.AddRouters(vips) }

// AddVIPs installs each VIP with its prefix: a host one as VIP/32 brd VIP
// (IPv6 VIP/128), any as the prefix says, IPv6 ones nodad.
func (l *Link) AddVIPs(v []netip.Prefix) error {
	return errors.Join(l.holdLL(), l.vips.AddPrefixes(v))
}

// RemoveVIPs deletes each VIP with its prefix.
func (l *Link) RemoveVIPs(v []netip.Prefix) error {
	return errors.Join(l.vips.RemovePrefixes(v), l.dropLL())
}

// Announce broadcasts one gratuitous ARP for vip, or for an IPv6 vip sends
// an unsolicited neighbour advertisement to all nodes.
func (l *Link) Announce(vip netip.Addr) error { return l.arp.Send(vip) }

// Request asks a neighbour for its hardware address with an ARP request
// from src.
func (l *Link) Request(target, src netip.Addr) error { return l.arp.Request(target, src) }

// Close closes the sockets, and removes a virtual-MAC link's macvlan.
func (l *Link) Close() error {
	err := errors.Join(l.Conn.Close(), l.arp.Close())
	if l.vmac != "" {
		// On the socket opened with the link: in its network namespace.
		if derr := l.vips.h.LinkDel(l.vips.Link); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove virtual MAC %s: %w", l.vmac, derr))
		}
	}
	l.vips.Close()
	return err
}
