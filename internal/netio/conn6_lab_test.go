package netio

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/vrrp"
)

// The IPv6 VRRP socket: an advert sent from the link-local address to
// ff02::12, and one sent unicast, arrive with their source, destination
// and hop limit 255, and decode with the IPv6 pseudo-header checksum the
// codec wrote. Root: two namespaces joined by a veth, made and deleted by
// the test; the link-local addresses are set without DAD, so nothing waits.
func TestConn6MulticastAndUnicast(t *testing.T) {
	ns, run := labNamespaces(t, 2)
	run("-n", ns[0], "link", "add", "veth0", "type", "veth", "peer", "name", "veth1", "netns", ns[1])
	ll := [2]netip.Addr{netip.MustParseAddr("fe80::a"), netip.MustParseAddr("fe80::b")}
	global := [2]netip.Addr{netip.MustParseAddr("2001:db8::a"), netip.MustParseAddr("2001:db8::b")}
	var c [2]*Conn
	for k := range ns {
		dev := fmt.Sprintf("veth%d", k)
		run("-n", ns[k], "link", "set", dev, "addrgenmode", "none")
		run("-n", ns[k], "addr", "add", ll[k].String()+"/64", "dev", dev, "nodad")
		run("-n", ns[k], "addr", "add", global[k].String()+"/64", "dev", dev, "nodad")
		run("-n", ns[k], "link", "set", dev, "up")
		if err := nsenter.Do(nsenter.Path(ns[k]), func() (err error) { c[k], err = Listen6(dev); return err }); err != nil {
			t.Fatal(err)
		}
		defer c[k].Close()
	}
	type arrival struct {
		b    []byte
		info vrrp.RecvInfo
		err  error
	}
	got := [2]chan arrival{make(chan arrival, 4), make(chan arrival, 4)}
	errs := make(chan error, 2)
	for k := range c {
		go func() {
			errs <- c[k].Receive(func(pkts []vrrp.Received, _ uint32) {
				for _, p := range pkts {
					got[k] <- arrival{append([]byte(nil), p.Msg...), p.Info, p.Err}
				}
			})
		}()
	}
	send := func(from int, src, dst netip.Addr) {
		t.Helper()
		p := vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 100, AdvertInterval: time.Second, IPv6: true,
			Addrs: []netip.Addr{netip.MustParseAddr("fe80::7"), netip.MustParseAddr("2001:db8::7")}}
		b, err := p.Marshal(src, dst)
		if err != nil {
			t.Fatal(err)
		}
		if err := c[from].Send(b, src, dst); err != nil {
			t.Fatal(err)
		}
		select {
		case a := <-got[1-from]:
			if a.err != nil || a.info.Src != src || a.info.Dst != dst || a.info.TTL != 255 {
				t.Fatalf("received from %v to %v, hop limit %d (%v); want from %v to %v, 255", a.info.Src, a.info.Dst, a.info.TTL, a.err, src, dst)
			}
			q, err := vrrp.Unmarshal(a.b, a.info.Src, a.info.Dst)
			if err != nil || !q.IPv6 || len(q.Addrs) != 2 {
				t.Fatalf("decoded %+v: %v", q, err)
			}
		case err := <-errs:
			t.Fatal(err)
		case <-time.After(10 * time.Second): // bounds a hung test only
			t.Fatalf("no advert from %v to %v arrived", src, dst)
		}
	}
	send(0, ll[0], vrrp.Group6)
	send(1, ll[1], vrrp.Group6)
	send(0, global[0], global[1])
	send(1, ll[1], ll[0]) // a link-local unicast peer: the scope is the interface
	select {
	case a := <-got[0]:
		t.Errorf("the sender heard its own advert from %v", a.info.Src)
	default:
	}
}
