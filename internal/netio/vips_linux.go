package netio

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// LinkVIPs adds and removes VIPs over rtnetlink, exactly what
// `ip addr add VIP/32 brd VIP dev IF` and `ip addr del VIP/32 dev IF` do.
// It keeps its netlink sockets open (a mass failover of a thousand
// instances must not open a thousand): a vishvananda Handle for looking
// things up, and an addrSocket for the adds and deletes a takeover waits on.
type LinkVIPs struct {
	Link netlink.Link
	h    *netlink.Handle
	as   *addrSocket
}

// NewLinkVIPs looks the interface up by name.
func NewLinkVIPs(ifname string) (*LinkVIPs, error) {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("rtnetlink socket for %s: %w", ifname, err)
	}
	l, err := h.LinkByName(ifname)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("interface %s: %w", ifname, err)
	}
	as, err := newAddrSocket()
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("rtnetlink socket for %s: %w", ifname, err)
	}
	return &LinkVIPs{Link: l, h: h, as: as}, nil
}

// Close closes the netlink sockets.
func (v *LinkVIPs) Close() {
	v.h.Close()
	v.as.close()
}

// Addrs lists the interface's IPv4 addresses in the kernel's order.
func (v *LinkVIPs) Addrs() ([]netip.Prefix, error) { return v.addrs(false) }

// Addrs6 lists the interface's IPv6 addresses in the kernel's order, those
// still in duplicate address detection (tentative) left out: an advert
// cannot leave from one.
func (v *LinkVIPs) Addrs6() ([]netip.Prefix, error) { return v.addrs(true) }

func (v *LinkVIPs) addrs(v6 bool) ([]netip.Prefix, error) {
	family := netlink.FAMILY_V4
	if v6 {
		family = netlink.FAMILY_V6
	}
	list, err := v.h.AddrList(v.Link, family)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", v.Link.Attrs().Name, err)
	}
	var out []netip.Prefix
	for _, a := range list {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok || a.Flags&(unix.IFA_F_TENTATIVE|unix.IFA_F_DADFAILED) != 0 {
			continue
		}
		ip = ip.Unmap()
		if ip.Is6() != v6 {
			continue
		}
		ones, _ := a.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out, nil
}

// Add installs the addresses, each as a host address (/32, /128); it tries
// all and returns every failure.
func (v *LinkVIPs) Add(addrs []netip.Addr) error {
	var errs []error
	for _, a := range addrs {
		if err := v.add(netip.PrefixFrom(a, a.BitLen())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Remove deletes the host addresses; it tries all and returns every failure.
func (v *LinkVIPs) Remove(addrs []netip.Addr) error {
	var errs []error
	for _, a := range addrs {
		if err := v.remove(netip.PrefixFrom(a, a.BitLen())); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// AddPrefixes installs addresses with their prefix lengths (an IPv6 VIP
// given as A/64 is held so, nodad); present ones are fine.
func (v *LinkVIPs) AddPrefixes(ps []netip.Prefix) error {
	var errs []error
	for _, p := range ps {
		if err := v.add(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RemovePrefixes deletes addresses with their prefix lengths (the kernel
// matches the length too); absent ones are fine.
func (v *LinkVIPs) RemovePrefixes(ps []netip.Prefix) error {
	var errs []error
	for _, p := range ps {
		if err := v.remove(p); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (v *LinkVIPs) add(p netip.Prefix) error {
	if err := v.as.do(true, v.Link.Attrs().Index, p); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add VIP %s on %s: %w", p, v.Link.Attrs().Name, err)
	}
	return nil
}

func (v *LinkVIPs) remove(p netip.Prefix) error {
	err := v.as.do(false, v.Link.Attrs().Index, p)
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("remove VIP %s from %s: %w", p, v.Link.Attrs().Name, err)
	}
	return nil
}
