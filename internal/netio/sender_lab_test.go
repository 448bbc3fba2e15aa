package netio

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/vrrp"
)

// An advert leaves by the send socket, so the polled socket never learns
// that its buffer was freed: a master's wake-ups are its timer's. And the
// send socket is handed no advert, multicast or unicast, to queue. Root:
// two namespaces joined by a veth, made and deleted by the test.
func TestSendLeavesThePolledSocketQuiet(t *testing.T) {
	ns, run := labNamespaces(t, 2)
	run("-n", ns[0], "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", ns[1])
	addr := [2]netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")}
	var c [2]*Conn
	for k := range ns {
		dev := fmt.Sprintf("veth%d", k)
		run("-n", ns[k], "addr", "add", addr[k].String()+"/24", "dev", dev)
		run("-n", ns[k], "link", "set", dev, "up")
		if err := nsenter.Do(nsenter.Path(ns[k]), func() (err error) { c[k], err = Listen(dev); return err }); err != nil {
			t.Fatal(err)
		}
		defer c[k].Close()
	}
	advert := func(src, dst netip.Addr) []byte {
		b, err := vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 100, AdvertInterval: time.Second,
			Addrs: []netip.Addr{netip.MustParseAddr("203.0.113.7")}}.Marshal(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type arrival struct {
		n    int
		b    []byte
		info vrrp.RecvInfo
		err  error
	}
	got := [2]chan arrival{make(chan arrival, 4), make(chan arrival, 4)}
	errs := make(chan error, 2)
	for k := range c {
		go func() {
			errs <- c[k].Receive(func(pkts []vrrp.Received, _ uint32) {
				got[k] <- arrival{len(pkts), append([]byte(nil), pkts[0].Msg...), pkts[0].Info, pkts[0].Err}
			})
		}()
	}
	// awaitOne waits for the one advert that k receives next, sent from
	// src to dst, and checks it came as sent.
	awaitOne := func(k int, want []byte, src, dst netip.Addr) {
		t.Helper()
		select {
		case a := <-got[k]:
			if a.n != 1 || a.err != nil {
				t.Fatalf("%s received a batch of %d (%v), want 1", ns[k], a.n, a.err)
			}
			if string(a.b) != string(want) || a.info.Src != src || a.info.Dst != dst || a.info.TTL != vrrp.TTL {
				t.Errorf("%s received %x from %s to %s, TTL %d; want %x from %s to %s, TTL %d",
					ns[k], a.b, a.info.Src, a.info.Dst, a.info.TTL, want, src, dst, vrrp.TTL)
			}
		case err := <-errs:
			t.Fatal(err)
		}
	}

	// Watch the polled socket as the runtime's poller does: for write
	// space, edge-triggered. Registering reports it writable once.
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(ep)
	var cerr error
	if err := c[0].rc.Control(func(fd uintptr) {
		cerr = unix.EpollCtl(ep, unix.EPOLL_CTL_ADD, int(fd), &unix.EpollEvent{Events: unix.EPOLLOUT | unix.EPOLLET})
	}); err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	events := make([]unix.EpollEvent, 4)
	if n, err := unix.EpollWait(ep, events, 0); n != 1 || err != nil {
		t.Fatalf("the registration's edge: %d events, %v; want 1", n, err)
	}

	mine := advert(addr[0], vrrp.Group)
	if err := c[0].Send(mine, addr[0], vrrp.Group); err != nil {
		t.Fatal(err)
	}
	awaitOne(1, mine, addr[0], vrrp.Group)
	// The peer has the advert, so the veth has freed the sent buffer (it
	// does so in the sender's own softirq); allow it time to say so anyway.
	if n, err := unix.EpollWait(ep, events, 200); n != 0 || err != nil {
		t.Errorf("after a send, the polled socket reported write space %d times (%v): a send wakes the poller", n, err)
	}

	// The peer's adverts, multicast and unicast, reach the polled socket
	// and not the send socket.
	theirs, unicast := advert(addr[1], vrrp.Group), advert(addr[1], addr[0])
	if err := c[1].Send(theirs, addr[1], vrrp.Group); err != nil {
		t.Fatal(err)
	}
	awaitOne(0, theirs, addr[1], vrrp.Group)
	if err := c[1].Send(unicast, addr[1], addr[0]); err != nil {
		t.Fatal(err)
	}
	awaitOne(0, unicast, addr[1], addr[0])
	if q, err := unix.IoctlGetInt(c[0].sfd, unix.SIOCINQ); q != 0 || err != nil {
		t.Errorf("the send socket has %d bytes queued (%v), want none", q, err)
	}

	// Without the send socket (as when it is full), the polled socket
	// sends the same packet.
	sfd := c[0].sfd
	c[0].sfd = -1
	defer unix.Close(sfd)
	if err := c[0].Send(unicast[:0:0], addr[0], vrrp.Group); err == nil {
		t.Error("an empty advert was sent")
	}
	if err := c[0].Send(mine, addr[0], vrrp.Group); err != nil {
		t.Fatal(err)
	}
	awaitOne(1, mine, addr[0], vrrp.Group)
}
