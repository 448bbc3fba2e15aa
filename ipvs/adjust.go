package ipvs

import (
	"net/netip"
	"slices"
)

// Adjust returns the services the kernel should hold given which real
// servers are up: a real server that is down gets weight 0 if its service is
// Quiescent (connections in progress continue) and is left out otherwise;
// while no real server of a service is up, its Sorry server, if any, is added.
// services should be normalized, so that real server addresses are those up
// is asked about. The result is what the kernel should hold: its Sorry is
// cleared (the sorry server, when in, is one of its Reals), so that it
// normalizes again. The input is not modified; a result shares its service's
// real servers while they are all up. Adjust does no I/O.
func Adjust(services []Service, up func(ServiceKey, netip.AddrPort) bool) []Service {
	out := make([]Service, len(services))
	for i, s := range services {
		// While every real server is up, the result shares the input's.
		var reals []Real
		anyUp, changed := false, false
		for j, r := range s.Reals {
			switch {
			case up(s.Key, r.Addr):
				anyUp = true
			case s.Quiescent:
				r.Weight = 0
			default:
				r = Real{} // left out
			}
			if !changed && r != s.Reals[j] {
				changed = true
				reals = append(make([]Real, 0, len(s.Reals)+1), s.Reals[:j]...)
			}
			if changed && r.Addr.IsValid() {
				reals = append(reals, r)
			}
		}
		if !changed {
			reals = slices.Clip(s.Reals) // so that an append copies
		}
		if !anyUp && s.Sorry.Addr.IsValid() {
			reals = append(reals, s.Sorry)
		}
		s.Reals, s.Sorry = reals, Real{}
		out[i] = s
	}
	return out
}
