package gobgp

import (
	"context"
	"net/netip"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/announce"
	api "github.com/osrg/gobgp/v4/api"
)

// Peers returns every configured peer's session, in configuration order.
func (s *Speaker) Peers() []announce.PeerStatus {
	by := map[netip.Addr]announce.PeerStatus{}
	s.srv.ListPeer(context.Background(), &api.ListPeerRequest{}, func(p *api.Peer) {
		if p.Conf == nil {
			return
		}
		a, err := netip.ParseAddr(p.Conf.NeighborAddress)
		if err != nil {
			return
		}
		by[a] = peerStatus(a, p)
	})
	out := make([]announce.PeerStatus, 0, len(s.cfg.Peers))
	for _, c := range s.cfg.Peers {
		st, ok := by[c.Address]
		if !ok {
			st = announce.PeerStatus{Address: c.Address, ASN: c.ASN, State: "idle"}
		}
		out = append(out, st)
	}
	return out
}

func peerStatus(a netip.Addr, p *api.Peer) announce.PeerStatus {
	st := announce.PeerStatus{Address: a, ASN: p.Conf.PeerAsn, State: "idle"}
	if ps := p.State; ps != nil {
		st.State = sessionState(ps.SessionState)
		if ps.DisconnectMessage != "" {
			st.LastError = ps.DisconnectMessage
		}
		if b := ps.BfdState; b != nil && b.SessionState != api.BfdSessionState_BFD_SESSION_STATE_UNSPECIFIED {
			st.BFD = strings.ToLower(strings.TrimPrefix(b.SessionState.String(), "BFD_SESSION_STATE_"))
		}
	}
	if st.Established() && p.Timers != nil && p.Timers.State != nil {
		ts := p.Timers.State
		if ts.Uptime != nil {
			st.Since = ts.Uptime.AsTime()
		}
		st.HoldTime = time.Duration(ts.NegotiatedHoldTime) * time.Second
	}
	return st
}

func sessionState(s api.PeerState_SessionState) string {
	n := strings.TrimPrefix(s.String(), "SESSION_STATE_")
	if s == api.PeerState_SESSION_STATE_UNSPECIFIED {
		n = "idle"
	}
	return strings.ToLower(n)
}
