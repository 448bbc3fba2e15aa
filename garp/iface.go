package garp

import (
	"fmt"
	"net"
	"slices"

	"github.com/vishvananda/netlink"
)

// Interface is the named interface as net.InterfaceByName gives it, read
// with one netlink request for that interface alone. The standard library
// dumps and parses every link of the host for each lookup (n² links for a
// director on n interfaces), and the hardware address it returns points
// into the dump, which would stay alive with it. This
// one's address is a copy, and, as the standard library's, absent when it
// is all zeros (the loopback's).
func Interface(name string) (*net.Interface, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return nil, fmt.Errorf("interface %s: %w", name, err)
	}
	a := l.Attrs()
	ifi := &net.Interface{Index: a.Index, MTU: a.MTU, Name: a.Name, Flags: a.Flags}
	if slices.ContainsFunc(a.HardwareAddr, func(b byte) bool { return b != 0 }) {
		ifi.HardwareAddr = slices.Clone(a.HardwareAddr)
	}
	return ifi, nil
}
