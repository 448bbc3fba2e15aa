package router

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// VIPs installs and removes virtual IPs on one interface. The real one speaks
// netlink; tests use a double.
type VIPs interface {
	// Add installs each address as ADDR/32 brd ADDR; present ones are fine.
	Add(addrs []netip.Addr) error
	// Remove deletes each address; absent ones are fine.
	Remove(addrs []netip.Addr) error
}

// LinkVIPs is the real VIPs over rtnetlink, exactly what
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

// RemoveStale removes those of addrs that the interface holds, as a crashed
// run may have left them: one address dump for any number of instances.
func (v *LinkVIPs) RemoveStale(addrs []netip.Addr) error {
	list, err := v.h.AddrList(v.Link, netlink.FAMILY_V4)
	if err != nil {
		return fmt.Errorf("addresses of %s: %w", v.Link.Attrs().Name, err)
	}
	want := map[netip.Addr]bool{}
	for _, a := range addrs {
		want[a] = true
	}
	var stale []netip.Addr
	for _, a := range list {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if ones, _ := a.Mask.Size(); ok && ones == 32 && want[ip] {
			stale = append(stale, ip)
		}
	}
	return v.Remove(stale)
}

// Add installs the addresses; it tries all and returns every failure.
func (v *LinkVIPs) Add(addrs []netip.Addr) error {
	var errs []error
	for _, a := range addrs {
		if err := v.as.do(true, v.Link.Attrs().Index, a); err != nil && !errors.Is(err, unix.EEXIST) {
			errs = append(errs, fmt.Errorf("add VIP %s/32 on %s: %w", a, v.Link.Attrs().Name, err))
		}
	}
	return errors.Join(errs...)
}

// Remove deletes the addresses; it tries all and returns every failure.
func (v *LinkVIPs) Remove(addrs []netip.Addr) error {
	var errs []error
	for _, a := range addrs {
		err := v.as.do(false, v.Link.Attrs().Index, a)
		if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) && !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.ENOENT) {
			errs = append(errs, fmt.Errorf("remove VIP %s/32 from %s: %w", a, v.Link.Attrs().Name, err))
		}
	}
	return errors.Join(errs...)
}

// PrimaryIPv4 is the interface's first IPv4 address that is not one of skip:
// the source of our adverts and the tie-break address.
func PrimaryIPv4(ifname string, skip []netip.Addr) (netip.Addr, error) {
	addrs, err := ipv4Addrs(ifname)
	if err != nil {
		return netip.Addr{}, err
	}
	return primaryOf(ifname, addrs, skip)
}

// ipv4Addrs lists the interface's IPv4 addresses in the kernel's order.
func ipv4Addrs(ifname string) ([]netip.Addr, error) {
	l, err := netlink.LinkByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", ifname, err)
	}
	list, err := netlink.AddrList(l, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", ifname, err)
	}
	var out []netip.Addr
	for _, a := range list {
		if ip, ok := netip.AddrFromSlice(a.IP.To4()); ok {
			out = append(out, ip)
		}
	}
	return out, nil
}

// primaryOf is the first of the interface's addresses that is not one of
// skip.
func primaryOf(ifname string, addrs, skip []netip.Addr) (netip.Addr, error) {
	for _, ip := range addrs {
		if !slices.Contains(skip, ip) {
			return ip, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("interface %s has no IPv4 address to send adverts from", ifname)
}
