package netio

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// VMACName is the macvlan that carries virtual router vrid's virtual MAC:
// vrrp.VRID, for IPv6 vrrp6.VRID, the names keepalived gives it.
func VMACName(vrid uint8, v6 bool) string {
	if v6 {
		return "vrrp6." + strconv.Itoa(int(vrid))
	}
	return "vrrp." + strconv.Itoa(int(vrid))
}

// VMACAddr is virtual router vrid's MAC (RFC 5798 7.3): 00:00:5e:00:01:VRID,
// for IPv6 00:00:5e:00:02:VRID.
func VMACAddr(vrid uint8, v6 bool) net.HardwareAddr {
	family := byte(1)
	if v6 {
		family = 2
	}
	return net.HardwareAddr{0x00, 0x00, 0x5e, 0x00, family, vrid}
}

// The sysctls the parent of a virtual-MAC macvlan gets, each raised to this
// value if lower: arp_ignore 1 answers an ARP request only for an address
// of the interface it came in on, so the parent never answers for the VIPs
// the macvlan holds (with its own MAC, which would undo the virtual MAC);
// arp_announce 2 makes the parent's own ARP requests carry its own address,
// never a VIP, so no neighbour learns a VIP at the parent's MAC.
var parentSysctls = []sysctl{{"ipv4", "arp_ignore", 1}, {"ipv4", "arp_announce", 2}}

// The macvlan's own: the same ARP rules (it must not answer for the
// parent's addresses with the virtual MAC), and no reverse-path filter,
// since the route back to a client leaves by the parent, not by the
// macvlan the packet came in on.
var vmacSysctls = []sysctl{{"ipv4", "arp_ignore", 1}, {"ipv4", "arp_announce", 2}, {"ipv4", "rp_filter", 0}}

type sysctl struct {
	family, name string
	value        int
}

// set sets the interface's sysctl to s.value: exactly, or, unless exact,
// only if it is lower (a stricter setting the operator chose stays).
func (s sysctl) set(ifname string, exact bool) error {
	path := "/proc/sys/net/" + s.family + "/conf/" + ifname + "/" + s.name
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("sysctl net.%s.conf.%s.%s: %w", s.family, ifname, s.name, err)
	}
	if cur, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && (cur == s.value || !exact && cur > s.value) {
		return nil
	}
	if err := os.WriteFile(path, []byte(strconv.Itoa(s.value)), 0); err != nil {
		return fmt.Errorf("sysctl net.%s.conf.%s.%s=%d: %w", s.family, ifname, s.name, s.value, err)
	}
	return nil
}

// OpenVMAC makes virtual router vrid's macvlan on parent (VMACName, in
// bridge mode, with VMACAddr), replacing one a previous run left there, and
// opens it as a Link: adverts, VIPs and announcements of a use_vmac instance
// go out there, from the virtual MAC. It receives nothing: adverts are read
// on the parent. It sets the parent's and the macvlan's ARP sysctls
// (parentSysctls, vmacSysctls); an IPv4 macvlan gets no IPv6 at all, so a
// backup's puts no frame on the wire. Close removes the macvlan.
func OpenVMAC(parent string, vrid uint8, v6 bool) (*Link, error) {
	name := VMACName(vrid, v6)
	var ll netip.Prefix
	if v6 {
		var err error
		if ll, err = parentLinkLocal(parent, name); err != nil {
			return nil, err
		}
	}
	if err := makeVMAC(parent, name, VMACAddr(vrid, v6), v6); err != nil {
		return nil, err
	}
	l, err := openWith(name, v6, func(name string) (*Conn, error) { return dialSender(name, v6) })
	if err != nil {
		return nil, errors.Join(err, deleteVMAC(name))
	}
	l.vmac, l.ll = name, ll
	return l, nil
}

// makeVMAC creates the macvlan name on parent with mac, removing a stale
// one of ours first, sets the sysctls, and brings it up.
func makeVMAC(parent, name string, mac net.HardwareAddr, v6 bool) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("virtual MAC %s: rtnetlink socket: %w", name, err)
	}
	defer h.Close()
	p, err := h.LinkByName(parent)
	if err != nil {
		return fmt.Errorf("virtual MAC %s: interface %s: %w", name, parent, err)
	}
	// A previous run's, left by a crash: start from a clean one.
	if _, err := removeStale(h, p, name, mac); err != nil {
		return err
	}
	for _, s := range parentSysctls {
		if err := s.set(parent, false); err != nil {
			return fmt.Errorf("virtual MAC %s: %w", name, err)
		}
	}
	mv := &netlink.Macvlan{LinkAttrs: netlink.LinkAttrs{Name: name, ParentIndex: p.Attrs().Index, HardwareAddr: mac}, Mode: netlink.MACVLAN_MODE_BRIDGE}
	if err := h.LinkAdd(mv); err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) {
			return fmt.Errorf("virtual MAC %s on %s: the kernel has no macvlan support (CONFIG_MACVLAN): %w", name, parent, err)
		}
		return fmt.Errorf("virtual MAC %s on %s: create the macvlan: %w", name, parent, err)
	}
	undo := func(err error) error {
		return errors.Join(fmt.Errorf("virtual MAC %s: %w", name, err), deleteVMAC(name))
	}
	family := []sysctl{{"ipv6", "disable_ipv6", 1}}
	if v6 {
		family = vmac6Sysctls
	}
	for _, s := range slices.Concat(vmacSysctls, family) {
		if err := s.set(name, true); err != nil {
			if s.family == "ipv6" && errors.Is(err, os.ErrNotExist) {
				continue // a kernel without IPv6 sends none
			}
			return undo(err)
		}
	}
	if err := h.LinkSetUp(mv); err != nil {
		return undo(fmt.Errorf("set up: %w", err))
	}
	return nil
}

// errNotOurs says an interface has a virtual-MAC name but is not the
// macvlan hadirector would make there.
var errNotOurs = errors.New("an interface of that name exists and is not the virtual-MAC macvlan")

// removeStale removes the macvlan name if it is ours (on parent, with
// mac) and says whether there was one; an interface of that name that is
// not ours is errNotOurs, and left alone.
func removeStale(h *netlink.Handle, parent netlink.Link, name string, mac net.HardwareAddr) (bool, error) {
	old, err := h.LinkByName(name)
	if errors.As(err, new(netlink.LinkNotFoundError)) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("virtual MAC %s: %w", name, err)
	}
	a := old.Attrs()
	if _, ok := old.(*netlink.Macvlan); !ok || a.ParentIndex != parent.Attrs().Index || !bytes.Equal(a.HardwareAddr, mac) {
		return false, fmt.Errorf("virtual MAC %s: %w with %s on %s; remove or rename it", name, errNotOurs, mac, parent.Attrs().Name)
	}
	if err := h.LinkDel(old); err != nil {
		return false, fmt.Errorf("virtual MAC %s: remove the stale macvlan: %w", name, err)
	}
	return true, nil
}

// RemoveStaleVMAC removes virtual router vrid's macvlan from parent if a
// previous run with use_vmac left it (a crash), holding the VIPs and
// answering for them; it says whether there was one. An interface of
// that name that is not such a macvlan is left alone.
func RemoveStaleVMAC(parent string, vrid uint8, v6 bool) (bool, error) {
	name := VMACName(vrid, v6)
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return false, fmt.Errorf("virtual MAC %s: rtnetlink socket: %w", name, err)
	}
	defer h.Close()
	p, err := h.LinkByName(parent)
	if err != nil {
		return false, fmt.Errorf("virtual MAC %s: interface %s: %w", name, parent, err)
	}
	removed, err := removeStale(h, p, name, VMACAddr(vrid, v6))
	if errors.Is(err, errNotOurs) {
		return false, nil
	}
	return removed, err
}

// deleteVMAC removes the macvlan; an absent one is fine.
func deleteVMAC(name string) error {
	h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("remove virtual MAC %s: rtnetlink socket: %w", name, err)
	}
	defer h.Close()
	l, err := h.LinkByName(name)
	if errors.As(err, new(netlink.LinkNotFoundError)) {
		return nil
	}
	if err == nil {
		err = h.LinkDel(l)
	}
	if err != nil {
		return fmt.Errorf("remove virtual MAC %s: %w", name, err)
	}
	return nil
}
