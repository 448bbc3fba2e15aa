// Package hostaddr holds and watches the host addresses a BGP director
// announces: each VIP as VIP/32 or VIP/128 on an interface (the loopback,
// as DR directors hold them), so that the kernel accepts its packets.
package hostaddr

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

// Add adds vip to the interface as VIP/32 (VIP/128, without duplicate
// address detection); one already there is left as it is.
func Add(iface string, vip netip.Addr) error {
	l, err := netlink.LinkByName(iface)
	if err != nil {
		return fmt.Errorf("hostaddr: interface %s: %w", iface, err)
	}
	a := &netlink.Addr{IPNet: &net.IPNet{IP: vip.AsSlice(), Mask: net.CIDRMask(vip.BitLen(), vip.BitLen())}}
	if vip.Is6() {
		a.Flags = unix.IFA_F_NODAD
	}
	if err := netlink.AddrAdd(l, a); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("hostaddr: add %s to %s: %w", vip, iface, err)
	}
	return nil
}

// Watch keeps a copy of the host's addresses, by interface, up to date
// from rtnetlink's address events.
type Watch struct {
	mu    sync.Mutex
	addrs map[key]bool
}

type key struct {
	iface string
	addr  netip.Addr
}

// Start reads the host's addresses and follows their changes until ctx
// ends, calling changed after each (in the watch's goroutine).
func Start(ctx context.Context, changed func()) (*Watch, error) {
	w := &Watch{}
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
		return nil, fmt.Errorf("hostaddr: follow address changes: %w", err)
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
func (w *Watch) load() error {
	links, err := netlink.LinkList()
	if err != nil {
		return fmt.Errorf("hostaddr: list interfaces: %w", err)
	}
	names := map[int]string{}
	for _, l := range links {
		names[l.Attrs().Index] = l.Attrs().Name
	}
	list, err := netlink.AddrList(nil, netlink.FAMILY_ALL)
	if err != nil {
		return fmt.Errorf("hostaddr: list addresses: %w", err)
	}
	m := make(map[key]bool, len(list))
	for _, a := range list {
		ip, ok := netip.AddrFromSlice(a.IP)
		if !ok {
			continue
		}
		m[key{names[a.LinkIndex], ip.Unmap()}] = true
	}
	w.mu.Lock()
	w.addrs = m
	w.mu.Unlock()
	return nil
}

// Has reports whether vip is an address of the interface.
func (w *Watch) Has(iface string, vip netip.Addr) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.addrs[key{iface, vip}]
}
