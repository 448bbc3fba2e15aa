package netio

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/hadirector/hadirector/vrrp"
)

// An IPv6 macvlan makes no address of its own (addr_gen_mode 1, none) and
// takes no router advertisement: an address would send duplicate address
// detection and MLD reports from the virtual MAC, and on a backup teach the
// switch that the virtual MAC is there.
var vmac6Sysctls = []sysctl{{"ipv6", "addr_gen_mode", 1}, {"ipv6", "accept_ra", 0}}

// An IPv6 advert leaves from the parent's link-local address (RFC 5798
// 5.1.2.1), which the kernel takes as a source only on an interface that
// holds it: an IPv6 virtual-MAC link holds it, nodad, from its first send
// or VIP add until its VIPs are removed, so only the master's macvlan
// holds an address.

// parentLinkLocal is parent's first link-local address past DAD.
func parentLinkLocal(parent, name string) (netip.Prefix, error) {
	v, err := NewLinkVIPs(parent)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("virtual MAC %s: %w", name, err)
	}
	defer v.Close()
	addrs, err := v.Addrs6()
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("virtual MAC %s: %w", name, err)
	}
	for _, p := range addrs {
		if p.Addr().IsLinkLocalUnicast() {
			return netip.PrefixFrom(p.Addr(), 64), nil
		}
	}
	return netip.Prefix{}, fmt.Errorf("virtual MAC %s: interface %s has no link-local IPv6 address (past DAD) to send adverts from", name, parent)
}

// holdLL puts the link-local source on an IPv6 virtual-MAC link.
func (l *Link) holdLL() error {
	if !l.ll.IsValid() || l.llHeld.Load() {
		return nil
	}
	if err := l.vips.AddPrefixes([]netip.Prefix{l.ll}); err != nil {
		return err
	}
	l.llHeld.Store(true)
	return nil
}

// dropLL takes the link-local source off again.
func (l *Link) dropLL() error {
	if !l.ll.IsValid() || !l.llHeld.Load() {
		return nil
	}
	l.llHeld.Store(false)
	return l.vips.RemovePrefixes([]netip.Prefix{l.ll})
}

// Send writes one VRRP message (Conn.Send), on an IPv6 virtual-MAC link
// with the link-local source held first.
func (l *Link) Send(b []byte, src, dst netip.Addr) error {
	_, err := l.SendBatch([]vrrp.Outgoing{{B: b, Src: src, Dst: dst}})
	return err
}

// SendBatch is Conn.SendBatch, on an IPv6 virtual-MAC link with the
// link-local source held first.
func (l *Link) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	if err := l.holdLL(); err != nil {
		return 0, errors.Join(fmt.Errorf("advert source on %s", l.vmac), err)
	}
	return l.Conn.SendBatch(msgs)
}
