package conf

import (
	"net/netip"
	"slices"
	"strings"
)

// buildVIPs checks an instance's VIPs and returns them as a set. The first
// one decides the instance's family: an instance is IPv4 or IPv6, as in
// keepalived, and a VIP of the other family is an error. An IPv4 VIP is a
// bare address; an IPv6 one is an address (held as /128) or an address
// with the prefix it is held with. The first link-local IPv6 VIP moves to
// the front of the list: RFC 5798 5.2.9 makes it the first address an
// advert carries.
func buildVIPs(p string, ri rawInstance, in *Instance, e *errs) map[netip.Addr]bool {
	seen := make(map[netip.Addr]bool, len(ri.VIPs))
	var bits []uint8
	for i, s := range ri.VIPs {
		a, n, ok := parseVIP(e, p, i, s)
		if !ok {
			continue
		}
		if len(seen) == 0 {
			in.IPv6 = a.Is6()
		}
		if a.Is6() != in.IPv6 {
			e.add(p+".vips", "entry %d: %s is %s, the VIPs before it %s: an instance is IPv4 or IPv6; give the %s VIPs an instance of their own",
				i+1, a, family(a.Is6()), family(in.IPv6), family(a.Is6()))
			continue
		}
		if seen[a] {
			e.add(p+".vips", "%s is listed twice", a)
			continue
		}
		seen[a] = true
		in.VIPs = append(in.VIPs, a)
		bits = append(bits, n)
	}
	if k := slices.IndexFunc(in.VIPs, netip.Addr.IsLinkLocalUnicast); k > 0 {
		ll, llBits := in.VIPs[k], bits[k]
		copy(in.VIPs[1:k+1], in.VIPs[:k])
		copy(bits[1:k+1], bits[:k])
		in.VIPs[0], bits[0] = ll, llBits
	}
	if slices.ContainsFunc(bits, func(n uint8) bool { return n != 128 && n != 32 }) {
		in.VIPBits = bits
	}
	if in.IPv6 && in.Version != 3 {
		e.add(p+".version", "%d: only VRRPv3 runs over IPv6 (the instance's VIPs are IPv6)", in.Version)
	}
	return seen
}

// parseVIP parses entry i of vips: an IPv4 address, or an IPv6 address with
// or without a prefix length; it returns the address and its prefix length.
func parseVIP(e *errs, p string, i int, s string) (netip.Addr, uint8, bool) {
	if !strings.Contains(s, ":") {
		a, ok := unicastAddr(e, p, "vips", i, s, false)
		return a, 32, ok
	}
	addr, n := s, 128
	if strings.Contains(s, "/") {
		pf, err := netip.ParsePrefix(s)
		if err != nil || !pf.Addr().Is6() || pf.Bits() == 0 {
			e.add(p+".vips", "entry %d: %q is not an IPv6 address with a prefix length from 1 to 128", i+1, s)
			return netip.Addr{}, 0, false
		}
		addr, n = pf.Addr().String(), pf.Bits()
	}
	a, ok := unicastAddr(e, p, "vips", i, addr, true)
	return a, uint8(n), ok
}

// buildNARouter checks na_router: IPv6 VIPs of the instance.
func buildNARouter(p string, ri rawInstance, in *Instance, e *errs) {
	for i, s := range ri.NARouter {
		a, err := netip.ParseAddr(s)
		switch {
		case !in.IPv6:
			e.add(p+".na_router", "only for an IPv6 instance: IPv4 VIPs are announced by gratuitous ARP")
			return
		case err != nil || !slices.Contains(in.VIPs, a):
			e.add(p+".na_router", "entry %d: %q is not one of the instance's VIPs", i+1, s)
		case slices.Contains(in.NARouter, a):
			e.add(p+".na_router", "%s is listed twice", a)
		default:
			in.NARouter = append(in.NARouter, a)
		}
	}
}

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}

// VIPPrefix is VIP i of the instance with the prefix it is held with.
func (in *Instance) VIPPrefix(i int) netip.Prefix {
	if in.VIPBits != nil {
		return netip.PrefixFrom(in.VIPs[i], int(in.VIPBits[i]))
	}
	return netip.PrefixFrom(in.VIPs[i], in.VIPs[i].BitLen())
}
