package conf

import (
	"fmt"
	"net/netip"
)

// buildPeers checks an instance's unicast peers: unicast_peers, a list of
// addresses that must send TTL 255, then the [[instance.unicast_peer]]
// tables, each an address with the TTL range accepted from it (keepalived's
// unicast_peer { ADDR min_ttl N max_ttl N }). vips are the instance's.
func buildPeers(p string, ri rawInstance, vips map[netip.Addr]bool, in *Instance, e *errs) {
	peers := map[netip.Addr]bool{}
	add := func(key string, a netip.Addr) bool {
		switch {
		case peers[a]:
			e.add(key, "%s is listed twice", a)
		case vips[a]:
			e.add(key, "%s is one of the instance's VIPs", a)
		default:
			peers[a] = true
			in.UnicastPeers = append(in.UnicastPeers, a)
			return true
		}
		return false
	}
	for i, s := range ri.UnicastPeers {
		if a, ok := unicastAddr(e, p, "unicast_peers", i, s, in.IPv6); ok {
			add(p+".unicast_peers", a)
		}
	}
	var ttls []PeerTTL
	for i, rp := range ri.UnicastPeer {
		q := fmt.Sprintf("%s.unicast_peer[%d]", p, i)
		ttl, ttlOK := peerTTL(q, rp, e)
		if rp.Address == nil {
			e.add(q+".address", "required")
			continue
		}
		a, ok := unicastAddr(e, q, "address", -1, *rp.Address, in.IPv6)
		if !ok || !ttlOK || !add(q+".address", a) {
			continue
		}
		if ttl != (PeerTTL{255, 255}) && ttls == nil {
			ttls = make([]PeerTTL, len(in.UnicastPeers)-1, len(in.UnicastPeers))
			for k := range ttls {
				ttls[k] = PeerTTL{255, 255}
			}
		}
		if ttls != nil {
			ttls = append(ttls, ttl)
		}
	}
	in.PeerTTLs = ttls
}

// peerTTL checks a peer's min_ttl and max_ttl, each 1..255 and 255 unless
// set.
func peerTTL(q string, rp rawPeer, e *errs) (PeerTTL, bool) {
	n := e.count()
	lo := intIn(e, q, "min_ttl", rp.MinTTL, 1, 255, false, 255)
	hi := intIn(e, q, "max_ttl", rp.MaxTTL, 1, 255, false, 255)
	if e.count() > n {
		return PeerTTL{}, false
	}
	if lo > hi {
		e.add(q+".min_ttl", "%d is more than max_ttl (%d)", lo, hi)
		return PeerTTL{}, false
	}
	return PeerTTL{uint8(lo), uint8(hi)}, true
}
