package gobgp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/bgp"
	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	bgppkt "github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Speaker is a running BGP speaker: GoBGP's server with this director's
// sessions. Its methods are safe for concurrent use.
type Speaker struct {
	cfg bgp.Config
	log *slog.Logger
	srv *server.BgpServer

	mu        sync.Mutex
	announced map[netip.Prefix]bool
	stopped   bool
}

// Start starts GoBGP's server with cfg's identity and adds every peer;
// the sessions come up in the background. log receives GoBGP's own
// records, at warning level and above.
func Start(ctx context.Context, cfg bgp.Config, log *slog.Logger) (*Speaker, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	// GoBGP logs every session event at info; the daemon's own log says
	// what matters (announcements, sessions in status), so only GoBGP's
	// warnings and errors go through.
	lv := new(slog.LevelVar)
	lv.Set(slog.LevelWarn)
	glog := slog.New(atLeast{log.Handler(), lv}).With("component", "gobgp")
	srv := server.NewBgpServer(server.LoggerOption(glog, lv))
	go srv.Serve()
	s := &Speaker{cfg: cfg, log: log, srv: srv, announced: map[netip.Prefix]bool{}}
	port := cfg.ListenPort
	if port == 0 {
		port = -1
	}
	err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn:        cfg.ASN,
		RouterId:   cfg.RouterID.String(),
		ListenPort: port,
	}})
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("bgp: start the speaker (AS %d, router id %s): %w", cfg.ASN, cfg.RouterID, err)
	}
	for _, p := range cfg.Peers {
		if err := srv.AddPeer(ctx, &api.AddPeerRequest{Peer: apiPeer(p)}); err != nil {
			srv.Stop()
			return nil, fmt.Errorf("bgp: add peer %s (AS %d): %w", p.Address, p.ASN, err)
		}
	}
	return s, nil
}

// apiPeer is GoBGP's form of p: both unicast families, so that IPv4 and
// IPv6 VIPs go over the same session.
func apiPeer(p bgp.Peer) *api.Peer {
	ap := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: p.Address.String(), PeerAsn: p.ASN, AuthPassword: p.Password},
		Timers: &api.Timers{Config: &api.TimersConfig{
			// Retry a lost session soon: a router that restarts should
			// get the VIPs back within seconds, not GoBGP's 120 s (GoBGP
			// waits at least 2 s between attempts).
			ConnectRetry: 2,
			// And after a reset (BFD down, a NOTIFICATION): 1 s, not
			// GoBGP's 30 s. FRR's bgpd replaces its BFD session once the
			// BGP session is up (it registers it first without the local
			// address); GoBGP takes the old session's Down for the peer's
			// and resets BGP, which would then stay down for 30 s.
			IdleHoldTimeAfterReset: 1,
			HoldTime:               uint64(p.HoldTime / time.Second),
			// Keepalives every third of the hold time, as RFC 4271 suggests.
			KeepaliveInterval: uint64(p.HoldTime / time.Second / 3),
		}},
		Transport: &api.Transport{RemotePort: uint32(p.Port)},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		},
	}
	if p.LocalAddress.IsValid() {
		ap.Transport.LocalAddress = p.LocalAddress.String()
	}
	if p.Multihop > 1 {
		ap.EbgpMultihop = &api.EbgpMultihop{Enabled: true, MultihopTtl: uint32(p.Multihop)}
	}
	if p.BFD != nil {
		ap.Bfd = &api.BfdPeerConfig{
			Enabled:                  true,
			DesiredMinimumTxInterval: uint32(p.BFD.MinTx / time.Microsecond),
			RequiredMinimumReceive:   uint32(p.BFD.MinRx / time.Microsecond),
			DetectionMultiplier:      uint32(p.BFD.Multiplier),
		}
	}
	return ap
}

// Announce originates the host route of vip (/32 or /128) to every peer;
// announcing one already announced does nothing.
func (s *Speaker) Announce(vip netip.Addr) error { return s.set(vip, true) }

// Withdraw withdraws the host route of vip from every peer; withdrawing
// one not announced does nothing.
func (s *Speaker) Withdraw(vip netip.Addr) error { return s.set(vip, false) }

// set announces (on) or withdraws vip's route, if it is not so already.
func (s *Speaker) set(vip netip.Addr, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopped {
		return errors.New("bgp: speaker stopped")
	}
	p := netip.PrefixFrom(vip, vip.BitLen())
	if s.announced[p] == on {
		return nil
	}
	path, err := s.path(p)
	if err != nil {
		return err
	}
	if on {
		_, err = s.srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{path}})
	} else {
		err = s.srv.DeletePath(apiutil.DeletePathRequest{Paths: []*apiutil.Path{path}})
	}
	if err != nil {
		verb := map[bool]string{true: "announce", false: "withdraw"}[on]
		return fmt.Errorf("bgp: %s %s: %w", verb, p, err)
	}
	if on {
		s.announced[p] = true
	} else {
		delete(s.announced, p)
	}
	return nil
}

// path is the route GoBGP originates for p: origin IGP, the configured
// next hop (unspecified: GoBGP puts the session's own address) and
// communities.
func (s *Speaker) path(p netip.Prefix) (*apiutil.Path, error) {
	nlri, err := bgppkt.NewIPAddrPrefix(p)
	if err != nil {
		return nil, fmt.Errorf("bgp: route %s: %w", p, err)
	}
	attrs := []bgppkt.PathAttributeInterface{bgppkt.NewPathAttributeOrigin(bgppkt.BGP_ORIGIN_ATTR_TYPE_IGP)}
	fam := bgppkt.RF_IPv4_UC
	if p.Addr().Is4() {
		nh := s.cfg.NextHop4
		if !nh.IsValid() {
			nh = netip.IPv4Unspecified()
		}
		a, err := bgppkt.NewPathAttributeNextHop(nh)
		if err != nil {
			return nil, fmt.Errorf("bgp: route %s: next hop %s: %w", p, nh, err)
		}
		attrs = append(attrs, a)
	} else {
		fam = bgppkt.RF_IPv6_UC
		nh := s.cfg.NextHop6
		if !nh.IsValid() {
			nh = netip.IPv6Unspecified()
		}
		a, err := bgppkt.NewPathAttributeMpReachNLRI(fam, []bgppkt.PathNLRI{{NLRI: nlri}}, nh)
		if err != nil {
			return nil, fmt.Errorf("bgp: route %s: next hop %s: %w", p, nh, err)
		}
		attrs = append(attrs, a)
	}
	if len(s.cfg.Communities) > 0 {
		attrs = append(attrs, bgppkt.NewPathAttributeCommunities(s.cfg.Communities))
	}
	return &apiutil.Path{Family: fam, Nlri: nlri, Attrs: attrs}, nil
}

// Stop withdraws every route, closes the sessions (a BGP NOTIFICATION
// Cease to each peer) and stops the server.
func (s *Speaker) Stop() {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	s.stopped = true
	s.mu.Unlock()
	s.srv.Stop()
}

// atLeast passes on the records at or above a level.
type atLeast struct {
	slog.Handler
	min slog.Leveler
}

func (h atLeast) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.min.Level() && h.Handler.Enabled(ctx, l)
}

func (h atLeast) WithAttrs(as []slog.Attr) slog.Handler {
	return atLeast{h.Handler.WithAttrs(as), h.min}
}
func (h atLeast) WithGroup(n string) slog.Handler { return atLeast{h.Handler.WithGroup(n), h.min} }
