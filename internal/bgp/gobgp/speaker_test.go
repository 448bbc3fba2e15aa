package gobgp

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/bgp"
	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	bgppkt "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// router is a plain GoBGP server on 127.0.0.1 standing in for the
// upstream router: it accepts the speaker's session and keeps what it
// learns in its RIB. (The namespace lab uses FRR.)
type router struct {
	srv  *server.BgpServer
	port uint16
}

func startRouter(t *testing.T, peer netip.Addr, peerASN uint32, password string) *router {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := uint16(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	srv := server.NewBgpServer()
	go srv.Serve()
	t.Cleanup(srv.Stop)
	ctx := context.Background()
	if err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: 64512, RouterId: "192.0.2.1", ListenPort: int32(port), ListenAddresses: []string{"127.0.0.1"},
	}}); err != nil {
		t.Fatal(err)
	}
	p := &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: peer.String(), PeerAsn: peerASN, AuthPassword: password},
		Transport: &api.Transport{PassiveMode: true},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		},
	}
	if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: p}); err != nil {
		t.Fatal(err)
	}
	return &router{srv: srv, port: port}
}

// routes is the router's RIB: each prefix with its next hops and
// communities, as "PREFIX via NH [COMMUNITIES]".
func (r *router) routes(t *testing.T) []string {
	var out []string
	for _, fam := range []bgppkt.Family{bgppkt.RF_IPv4_UC, bgppkt.RF_IPv6_UC} {
		err := r.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: fam}, func(n bgppkt.NLRI, paths []*apiutil.Path) {
			for _, p := range paths {
				nh, comms := "", ""
				for _, a := range p.Attrs {
					switch a := a.(type) {
					case *bgppkt.PathAttributeNextHop:
						nh = a.Value.String()
					case *bgppkt.PathAttributeMpReachNLRI:
						nh = a.Nexthop.String()
					case *bgppkt.PathAttributeCommunities:
						comms = fmt.Sprint(a.Value)
					}
				}
				out = append(out, fmt.Sprintf("%s via %s %s", n, nh, comms))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	slices.Sort(out)
	return out
}

// await polls f until it holds or 10 s pass.
func await(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSpeakerAnnounceWithdraw(t *testing.T) {
	local := netip.MustParseAddr("127.0.0.2")
	r := startRouter(t, local, 65001, "s3cret")
	sp, err := Start(context.Background(), bgp.Config{
		ASN: 65001, RouterID: netip.MustParseAddr("192.0.2.11"),
		Communities: []uint32{65001<<16 | 100},
		Peers: []bgp.Peer{{
			Address: netip.MustParseAddr("127.0.0.1"), ASN: 64512, Port: r.port, LocalAddress: local,
			Password: "s3cret", HoldTime: 3 * time.Second,
		}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Stop()
	await(t, "the session", func() bool { return sp.Peers()[0].Established() })
	ps := sp.Peers()[0]
	if ps.HoldTime != 3*time.Second || ps.Since.IsZero() || ps.ASN != 64512 {
		t.Errorf("peer status %+v: want hold time 3s, a since, AS 64512", ps)
	}
	vip := netip.MustParseAddr("203.0.113.10")
	vip6 := netip.MustParseAddr("2001:db8::10")
	if err := sp.Announce(vip); err != nil {
		t.Fatal(err)
	}
	if err := sp.Announce(vip); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	if err := sp.Announce(vip6); err != nil {
		t.Fatal(err)
	}
	want := []string{"203.0.113.10/32 via 127.0.0.2 [4259905636]"}
	await(t, "the routes", func() bool { return len(r.routes(t)) == 2 })
	got := r.routes(t)
	if got[1] != want[0] {
		t.Errorf("IPv4 route %q, want %q", got[1], want[0])
	}
	t.Logf("IPv6 route over an IPv4 session: %q", got[0])
	if got[0][:len("2001:db8::10/128 via")] != "2001:db8::10/128 via" {
		t.Errorf("IPv6 route %q", got[0])
	}
	if err := sp.Withdraw(vip); err != nil {
		t.Fatal(err)
	}
	if err := sp.Withdraw(vip); err != nil { // again: nothing changes
		t.Fatal(err)
	}
	await(t, "the withdrawal", func() bool { return len(r.routes(t)) == 1 })
	if got := r.routes(t); got[0][:len("2001:db8::10/128")] != "2001:db8::10/128" {
		t.Errorf("left %q, want the IPv6 route", got)
	}
	sp.Stop()
	await(t, "the routes to go with the session", func() bool { return len(r.routes(t)) == 0 })
	if err := sp.Announce(vip); err == nil {
		t.Error("announce after Stop: no error")
	}
}

func TestSpeakerWrongPassword(t *testing.T) {
	local := netip.MustParseAddr("127.0.0.3")
	r := startRouter(t, local, 65001, "right")
	sp, err := Start(context.Background(), bgp.Config{
		ASN: 65001, RouterID: netip.MustParseAddr("192.0.2.11"),
		Peers: []bgp.Peer{{Address: netip.MustParseAddr("127.0.0.1"), ASN: 64512, Port: r.port, LocalAddress: local, Password: "wrong", HoldTime: 3 * time.Second}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Stop()
	// MD5 mismatch: the router's kernel drops every segment, so the
	// session never comes up. Wait for the speaker to have tried.
	await(t, "a connection attempt", func() bool { s := sp.Peers()[0].State; return s == "active" || s == "connect" })
	for range 50 {
		if sp.Peers()[0].Established() {
			t.Fatal("a session with the wrong TCP MD5 password came up")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
