package router

import (
	"context"
	"log/slog"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// Link is one interface as the router uses it: the VRRP socket, the
// interface's addresses and gratuitous ARP. The instances on an interface
// share one.
type Link interface {
	// Receive reads adverts until the link closes, then returns an error
	// wrapping net.ErrClosed. It hands handle each batch read at once and
	// the number of packets the kernel dropped since the last batch;
	// handle must not keep pkts or their bytes.
	Receive(handle func(pkts []vrrp.Received, dropped uint32)) error
	// Send puts one advert on the wire, with TTL 255 and TOS 0xc0.
	Send(b []byte, src, dst netip.Addr) error
	// SendBatch sends msgs in order and returns how many left before the
	// first that failed, and that one's error.
	SendBatch(msgs []vrrp.Outgoing) (int, error)
	// Addrs lists the interface's IPv4 addresses in the kernel's order.
	Addrs() ([]netip.Prefix, error)
	// AddVIPs installs each VIP with its prefix: a host one as VIP/32 brd
	// VIP (IPv6 VIP/128), IPv6 ones without DAD; present ones are fine.
	AddVIPs(vips []netip.Prefix) error
	// RemoveVIPs deletes each VIP with its prefix; absent ones are fine.
	RemoveVIPs(vips []netip.Prefix) error
	// Announce broadcasts one gratuitous ARP for vip.
	Announce(vip netip.Addr) error
	// Request asks a neighbour for its hardware address with an ARP
	// request from src.
	Request(target, src netip.Addr) error
	Close() error
}

// Network opens links and reports on interfaces; the composition root
// hands the daemon the real one, tests a fake.
type Network interface {
	Open(ifname string) (Link, error)
	// Open6 opens the interface's IPv6 link: adverts to and from ff02::12,
	// Addrs lists the IPv6 addresses that passed DAD, AddVIPs adds VIP/128
	// without DAD, and Announce sends an unsolicited neighbour
	// advertisement.
	Open6(ifname string) (Link, error)
	// OpenVMAC makes virtual router vrid's virtual-MAC interface on
	// ifname (a macvlan with 00:00:5e:00:01:VRID, IPv6 00:00:5e:00:02:VRID),
	// replacing one a previous run left, and opens it: a use_vmac
	// instance's adverts, VIPs and announcements go there, its adverts
	// are read on ifname's link. Close removes the interface.
	OpenVMAC(ifname string, vrid uint8, v6 bool) (Link, error)
	// RemoveStaleVMAC removes the virtual-MAC interface OpenVMAC would
	// make, if a run that crashed left it, and says whether there was one;
	// for an instance without use_vmac at start.
	RemoveStaleVMAC(ifname string, vrid uint8, v6 bool) (bool, error)
	// WatchCarrier calls fn with every interface's carrier (IFF_UP and
	// IFF_LOWER_UP) now and on every change, until ctx ends.
	WatchCarrier(ctx context.Context, log *slog.Logger, fn func(ifname string, up bool)) error
	// WaitTraffic returns true once the interface is up and has received
	// packets since the call, false if ctx ends first.
	WaitTraffic(ctx context.Context, ifname string, log *slog.Logger) bool
	// NewAlarm opens the timer the scheduler sleeps on; an error makes it
	// sleep on a runtime timer.
	NewAlarm() (Alarm, error)
}

// An Alarm is what the scheduler sleeps on: Arm makes Wait return once a
// duration has passed. The scheduler arms it with its lock held, so an
// alarm needs no lock of its own.
type Alarm interface {
	Arm(d time.Duration) // Wait returns after d, at once if d <= 0
	Disarm()             // Wait returns only when armed again
	Wait()
	Close() error
}
