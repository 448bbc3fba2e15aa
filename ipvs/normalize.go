package ipvs

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// Normalize validates services and returns copies with ipvsadm's defaults
// filled in: the scheduler (wlc), the persistence timeout (300 s) and netmask
// (/32 or /128), and real server ports (see Real). The input is not modified,
// nor shared with the result.
// The result is what Reconcile programs and what Health keys its checks by.
func Normalize(services []Service) ([]Service, error) {
	out := make([]Service, 0, len(services))
	seen := make(map[ServiceKey]bool, len(services))
	var errs []error
	for _, s := range services {
		n, err := normalizeService(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if seen[n.Key] {
			errs = append(errs, fmt.Errorf("ipvs: service %s: defined twice", n.Key))
			continue
		}
		seen[n.Key] = true
		if len(n.Reals) > 0 && &n.Reals[0] == &s.Reals[0] {
			n.Reals = slices.Clone(n.Reals)
		}
		out = append(out, n)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// normalizeService is Normalize of one service; its result shares s's real
// servers when they need no change.
func normalizeService(s Service) (Service, error) {
	fail := func(format string, a ...any) (Service, error) {
		return Service{}, fmt.Errorf("ipvs: service %s: %s", s.Key, fmt.Sprintf(format, a...))
	}
	if err := validateKey(s.Key); err != nil {
		return fail("%v", err)
	}
	if s.Scheduler == "" {
		s.Scheduler = DefaultScheduler
	}
	if !s.Scheduler.Valid() {
		return fail("unknown scheduler %q", s.Scheduler)
	}
	if (s.Fallback || s.HashPort) && !s.Scheduler.Hashing() {
		return fail("scheduler %s takes no fallback or port flag (only sh and mh do)", s.Scheduler)
	}
	if s.Persistent {
		if s.PersistTimeout == 0 {
			s.PersistTimeout = DefaultPersistTimeout
		}
		if s.PersistTimeout < time.Second || s.PersistTimeout > MaxPersistTimeout || s.PersistTimeout%time.Second != 0 {
			return fail("persistence timeout %v: want whole seconds from 1s to %v", s.PersistTimeout, MaxPersistTimeout)
		}
		full := s.Key.bits()
		if s.PersistNetmask == 0 {
			s.PersistNetmask = full
		}
		if s.PersistNetmask < 1 || s.PersistNetmask > full {
			return fail("persistence netmask /%d: want 1..%d", s.PersistNetmask, full)
		}
	} else {
		if s.PersistTimeout != 0 || s.PersistNetmask != 0 {
			return fail("persistence timeout or netmask set on a service that is not persistent")
		}
		if s.Key.Proto != FWMark && s.Key.Addr.Port() == 0 {
			return fail("port 0 (all ports) needs a persistent service")
		}
	}
	// The result shares the input's real servers until one needs a change:
	// a table that names its ports is held once, not once per copy.
	reals := s.Reals
	if reals == nil {
		reals = []Real{}
	}
	seen := make(map[netip.AddrPort]bool, len(s.Reals))
	for i, r := range s.Reals {
		n, err := normalizeReal(s.Key, r)
		if err != nil {
			return fail("%v", err)
		}
		if seen[n.Addr] {
			return fail("real server %s: defined twice", n.Addr)
		}
		seen[n.Addr] = true
		if n != r {
			if &reals[0] == &s.Reals[0] {
				reals = slices.Clone(s.Reals)
			}
			reals[i] = n
		}
	}
	s.Reals = reals
	if s.Sorry.Addr.IsValid() {
		n, err := normalizeReal(s.Key, s.Sorry)
		if err != nil {
			return fail("sorry server: %v", err)
		}
		if seen[n.Addr] {
			return fail("sorry server %s is also a real server", n.Addr)
		}
		n.Check = nil
		s.Sorry = n
	} else if s.Sorry != (Real{}) {
		return fail("sorry server has no address")
	}
	return s, nil
}

// bits is the length of a full netmask for the service's address family.
func (k ServiceKey) bits() int {
	if k.Is6() {
		return 128
	}
	return 32
}

func validateKey(k ServiceKey) error {
	switch k.Proto {
	case TCP, UDP, SCTP:
		if k.FWMark != 0 {
			return errors.New("firewall mark set on an address-based service")
		}
		return validateUnicast(k.Addr.Addr(), "virtual address")
	case FWMark:
		if k.FWMark == 0 {
			return errors.New("firewall mark 0")
		}
		if k.Addr != (netip.AddrPort{}) && k.Addr != netip.AddrPortFrom(netip.IPv6Unspecified(), 0) {
			return errors.New("a firewall-mark service has no address (use FWMarkKey)")
		}
		return nil
	}
	return fmt.Errorf("unsupported protocol %d", uint8(k.Proto))
}

func validateUnicast(a netip.Addr, what string) error {
	switch {
	case !a.IsValid():
		return fmt.Errorf("no %s", what)
	case a.Is4In6():
		return fmt.Errorf("%s %s: use the plain IPv4 form", what, a)
	case a.Zone() != "":
		return fmt.Errorf("%s %s: zones are not supported", what, a)
	case a.IsUnspecified(), a.IsMulticast():
		return fmt.Errorf("%s %s is not unicast", what, a)
	}
	return nil
}

func normalizeReal(k ServiceKey, r Real) (Real, error) {
	if err := validateUnicast(r.Addr.Addr(), "real server address"); err != nil {
		return Real{}, err
	}
	fail := func(format string, a ...any) (Real, error) {
		return Real{}, fmt.Errorf("real server %s: %s", r.Addr, fmt.Sprintf(format, a...))
	}
	// Netlink sends no address family with a real server (as moby/ipvs,
	// whose types it takes), so the kernel takes the service's: mixed
	// families (tunnels only) cannot be expressed.
	if r.Addr.Addr().Is6() != k.Is6() {
		return fail("address family differs from the service's")
	}
	if r.Weight < 0 || r.Weight > MaxWeight {
		return fail("weight %d: want 0..%d", r.Weight, MaxWeight)
	}
	if r.Check != nil {
		if err := r.Check.validate(); err != nil {
			return fail("%v", err)
		}
	}
	switch r.Forward {
	case DR, Tunnel:
		if k.Proto != FWMark {
			if p := r.Addr.Port(); p != 0 && p != k.Addr.Port() {
				return fail("%v forwarding cannot change the port: use %d or 0", r.Forward, k.Addr.Port())
			}
			r.Addr = netip.AddrPortFrom(r.Addr.Addr(), k.Addr.Port())
		}
	case NAT:
		if k.Proto != FWMark && r.Addr.Port() == 0 {
			r.Addr = netip.AddrPortFrom(r.Addr.Addr(), k.Addr.Port())
		}
	default:
		return fail("forwarding method %v cannot be configured", r.Forward)
	}
	return r, nil
}
