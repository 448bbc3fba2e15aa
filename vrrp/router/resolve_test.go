package router

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// fakeResolver records the ARP requests an instance makes.
type fakeResolver struct{ asked chan [2]netip.Addr } // target, source

func (f *fakeResolver) Request(target, src netip.Addr) error {
	f.asked <- [2]netip.Addr{target, src}
	return nil
}

// When the carrier returns, a unicast master asks each peer for its MAC
// from its own address, the first time before its advert leaves and then
// on the schedule (two bursts), and asserts itself; an instance without unicast peers
// asks no one.
func TestInstanceResolvesPeersOnLinkUp(t *testing.T) {
	src := netip.MustParseAddr("192.0.2.11")
	peers := []netip.Addr{netip.MustParseAddr("192.0.2.12"), netip.MustParseAddr("192.0.2.13")}
	for _, unicast := range []bool{true, false} {
		cfg := ownerConfig()
		cfg.AdvertInterval = 40 * time.Millisecond
		if unicast {
			cfg.UnicastPeers = peers
		}
		tx := &fakeTx{sent: make(chan []byte, 64)}
		res := &fakeResolver{asked: make(chan [2]netip.Addr, 64)}
		inst := newTestInstance(cfg, testDeps{Tx: tx, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 64)}, Peers: res, Src: src})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { <-startTest(ctx, inst, time.Now()); close(done) }()
		select { // master: its first advert
		case <-tx.sent:
		case <-time.After(10 * time.Second):
			t.Fatal("no advert sent")
		}
		if len(res.asked) != 0 {
			t.Fatalf("unicast %v: peers asked before the carrier returned", unicast)
		}
		for len(tx.sent) > 0 {
			<-tx.sent
		}
		inst.post(ctlMsg{kind: vrrp.EvLinkUp})
		if !unicast {
			// The first requests leave within post: none means none.
			if len(res.asked) != 0 {
				t.Fatalf("a multicast instance made %d ARP requests", len(res.asked))
			}
			cancel()
			<-done
			continue
		}
		// The first round leaves within post, before the advert.
		if n := len(res.asked); n != len(peers) {
			t.Fatalf("%d requests as the carrier returned, want one per peer (%d)", n, len(peers))
		}
		if len(tx.sent) == 0 {
			t.Fatal("no advert as the carrier returned")
		}
		want := 2 * resolveSchedule(cfg.AdvertInterval).Count * len(peers) // two bursts
		count := map[netip.Addr]int{}
		for k := 0; k < want; k++ {
			select {
			case a := <-res.asked:
				if a[1] != src {
					t.Fatalf("request for %s from %s, want from %s", a[0], a[1], src)
				}
				count[a[0]]++
			case <-time.After(10 * time.Second):
				t.Fatalf("%d of %d requests made", k, want)
			}
		}
		for _, p := range peers {
			if count[p] != want/len(peers) {
				t.Errorf("peer %s asked %d times, want %d", p, count[p], want/len(peers))
			}
		}
		cancel()
		<-done
	}
}
