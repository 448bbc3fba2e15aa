package bgp

import (
	"context"
	"net/netip"
	"strings"
	"time"

	api "github.com/osrg/gobgp/v4/api"
)

// PeerStatus is what status and metrics show of one session.
type PeerStatus struct {
	Address netip.Addr `json:"address"`
	ASN     uint32     `json:"asn"`
	// State is the session's RFC 4271 state, lower case: idle, connect,
	// active, opensent, openconfirm, established.
	State string `json:"state"`
	// Since is when the session was last established, while it is.
	Since time.Time `json:"since,omitzero"`
	// HoldTime is the negotiated hold time, while established.
	HoldTime time.Duration `json:"hold_time,omitempty"`
	// BFD is the BFD session's state (up, down, init, admin_down), or empty
	// without BFD.
	BFD string `json:"bfd,omitempty"`
	// LastError is why the session last went down, if GoBGP says.
	LastError string `json:"last_error,omitempty"`
}

// Established reports whether the session is up.
func (p PeerStatus) Established() bool { return p.State == "established" }

// Peers returns every configured peer's session, in configuration order.
func (s *Speaker) Peers() []PeerStatus {
	by := map[netip.Addr]PeerStatus{}
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
	out := make([]PeerStatus, 0, len(s.cfg.Peers))
	for _, c := range s.cfg.Peers {
		st, ok := by[c.Address]
		if !ok {
			st = PeerStatus{Address: c.Address, ASN: c.ASN, State: "idle"}
		}
		out = append(out, st)
	}
	return out
}

func peerStatus(a netip.Addr, p *api.Peer) PeerStatus {
	st := PeerStatus{Address: a, ASN: p.Conf.PeerAsn, State: "idle"}
	if ps := p.State; ps != nil {
		st.State = sessionState(ps.SessionState)
		if ps.DisconnectMessage != "" {
			st.LastError = ps.DisconnectMessage
		}
		if b := ps.BfdState; b != nil {
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
