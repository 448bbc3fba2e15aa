package bgp

import (
	"net/netip"
	"time"
)

// Config is a speaker's identity, its peers and the attributes of the
// routes it originates.
type Config struct {
	ASN      uint32
	RouterID netip.Addr // IPv4
	// ListenPort is the TCP port the speaker accepts sessions on; 0 takes
	// none (the speaker connects out to every peer, as a director's
	// sessions are set up), -1 too.
	ListenPort int32
	Peers      []Peer
	// Communities are standard communities (ASN<<16 | value) attached to
	// every route.
	Communities []uint32
	// NextHop4 and NextHop6, when valid, are the next hops of IPv4 and
	// IPv6 routes; unset, a route's next hop is the session's own address.
	NextHop4, NextHop6 netip.Addr
}

// Peer is one BGP neighbour, a router.
type Peer struct {
	Address netip.Addr
	ASN     uint32
	// Port is the peer's TCP port; 0 means 179.
	Port uint16
	// LocalAddress, when valid, is the session's source address.
	LocalAddress netip.Addr
	// Password enables TCP MD5 signatures (RFC 2385) on the session.
	Password string
	// HoldTime is proposed in OPEN; keepalives go every third of it. 0
	// means GoBGP's default (90s).
	HoldTime time.Duration
	// Multihop, when above 1, is the TTL of an eBGP session to a peer that
	// is not on a directly connected network.
	Multihop uint8
	// BFD, when set, runs a BFD session (RFC 5880, single hop, RFC 5881)
	// with the peer: the BGP session goes down when BFD does.
	BFD *BFD
}

// BFD is a peer's BFD timing.
type BFD struct {
	// MinTx and MinRx are the desired transmit and required receive
	// intervals; Multiplier the number of missed packets that declare the
	// session down.
	MinTx, MinRx time.Duration
	Multiplier   uint8
}

// The watchdog's bounds: below the floor a busy machine's scheduling
// could fire it; above the ceiling a frozen director would be announced
// for long.
const (
	watchdogFloor   = time.Second
	watchdogCeiling = 30 * time.Second
)

// Watchdog is how long the speaker process waits for the director's next
// word before it takes the director for frozen and stops, closing its
// sessions: the shortest time any peer would itself take to notice a
// frozen speaker (its hold time, or BFD's detection time), between one
// and 30 seconds. So a frozen director is withdrawn about as soon as it
// would have been with the speaker in its own process.
func (c Config) Watchdog() time.Duration {
	w := watchdogCeiling
	for _, p := range c.Peers {
		d := p.HoldTime
		if d == 0 {
			d = 90 * time.Second // GoBGP's default
		}
		if p.BFD != nil {
			d = min(d, max(p.BFD.MinTx, p.BFD.MinRx)*time.Duration(p.BFD.Multiplier))
		}
		w = min(w, d)
	}
	return max(w, watchdogFloor)
}
