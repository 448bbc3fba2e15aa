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
func (v *LinkVIPs) Addrs() ([]netip.Prefix, error) {
	list, err := v.h.AddrList(v.Link, netlink.FAMILY_V4)
	if err != nil {
		return nil, fmt.Errorf("addresses of %s: %w", v.Link.Attrs().Name, err)
	}
	var out []netip.Prefix
	for _, a := range list {
		ip, ok := netip.AddrFromSlice(a.IP.To4())
		if !ok {
			continue
		}
		ones, _ := a.Mask.Size()
		out = append(out, netip.PrefixFrom(ip, ones))
	}
	return out, nil
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
