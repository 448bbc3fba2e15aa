package netio

// The host addresses a BGP director announces: each VIP as VIP/32 or
// VIP/128 on an interface (the loopback, as DR directors hold them), so
// that the kernel accepts its packets; and a watch of them, so that a VIP
// removed behind the daemon's back is withdrawn.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// AddHostAddr adds vip to the interface as VIP/32 (VIP/128, without duplicate
// address detection); one already there is left as it is.
func AddHostAddr(iface string, vip netip.Addr) error {
	l, err := netlink.LinkByName(iface)
	if err != nil {
		return fmt.Errorf("netio: interface %s: %w", iface, err)
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: vip.AsSlice(), Mask: net.CIDRMask(vip.BitLen(), vip.BitLen())}}
	if vip.Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if err := netlink.AddrAdd(l, a); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("netio: add %s to %s: %w", vip, iface, err)
	}
	return nil
}

// HostAddrs keeps a copy of the host's addresses, by interface, up to
// date from rtnetlink's address events.
type HostAddrs struct {
	mu    sync.Mutex
	addrs map[hostAddrKey]bool
}

type hostAddrKey struct {
	iface string
	addr  netip.Addr
}

// WatchHostAddrs reads the host's addresses and follows their changes
// until ctx ends, calling changed after each (in the watch's goroutine).
// The subscription is made in the calling thread's namespace.
func WatchHostAddrs(ctx context.Context, changed func()) (*HostAddrs, error) {
	w := &HostAddrs{}
	ch := make(chan netlink.AddrUpdate, 64)
	done := make(chan struct{})
	errc := make(chan error, 1)
	err := netlink.AddrSubscribeWithOptions(ch, done, netlink.AddrSubscribeOptions{
		ErrorCallback: func(err error) {
			select {
			case errc <- err:
			default:
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("netio: follow address changes: %w", err)
	}
	if err := w.load(); err != nil {
		close(done)
		return nil, err
	}
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-errc:
				// Lost events (a full socket buffer): read everything again.
				w.load()
				changed()
			case _, ok := <-ch:
				if !ok {
					return
				}
				// Read it all again rather than apply the event: the
				// event names the interface by index, and a reload is
				// one dump.
				w.load()
				changed()
			}
		}
	}()
	return w, nil
}

// load replaces the copy by a dump of every address of the host.
func (w *HostAddrs) load() error {
	links, err := netlink.LinkList()
	if err != nil {
		return fmt.Errorf("netio: list interfaces: %w", err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	list, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("netio: list addresses: %w", err)
	}
	m := make(map[hostAddrKey]bool, len(list))
	for _, a := range list {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		m[hostAddrKey{names[a.LinkIndex], ip.Unmap()}] = true
	}
	w.mu.Lock()
	w.addrs = m
	w.mu.Unlock()
	return nil
}

// Has reports whether vip is an address of the interface.
func (w *HostAddrs) Has(iface string, vip netip.Addr) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addrs[hostAddrKey{iface, vip}]
}
