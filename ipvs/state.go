package ipvs

import (
	"fmt"
	"syscall"

	"github.com/moby/ipvs"
)

// ServiceState is a service as the kernel holds it, for listing.
type ServiceState struct {
	// Service holds the key, scheduler and persistence; its Reals are nil
	// (see Reals) and its health policy is unset.
	Service Service
	// Flags are the kernel's raw service flags, for the flags Service does
	// not model (one-packet scheduling, scheduler flags).
	Flags uint32
	Stats Stats
	Reals []RealState
}

// RealState is a real server as the kernel holds it.
type RealState struct {
	Real                           Real
	ActiveConns, InactConns        uint64
	UpperThreshold, LowerThreshold uint32
	Stats                          Stats
}

// Stats are traffic counters and rates (ipvsadm --stats and --rate). Through
// moby/ipvs, which reads the kernel's 32-bit counter attributes, Conns,
// InPkts, OutPkts and the rates wrap at 2^32 where ipvsadm shows 64 bits.
type Stats struct {
	Conns, InPkts, OutPkts, InBytes, OutBytes uint64
	CPS, InPPS, OutPPS, InBPS, OutBPS         uint64
}

func statsFromMoby(s ipvs.SvcStats) Stats {
	return Stats{
		Conns: uint64(s.Connections), InPkts: uint64(s.PacketsIn), OutPkts: uint64(s.PacketsOut),
		InBytes: s.BytesIn, OutBytes: s.BytesOut,
		CPS: uint64(s.CPS), InPPS: uint64(s.PPSIn), OutPPS: uint64(s.PPSOut),
		InBPS: uint64(s.BPSIn), OutBPS: uint64(s.BPSOut),
	}
}

// List reads the whole table, every service with its real servers, in the
// kernel's order (Format sorts as ipvsadm does).
func List(k Kernel) ([]ServiceState, error) {
	ms, err := k.GetServices()
	if err != nil {
		return nil, fmt.Errorf("ipvs: list services: %w", err)
	}
	out := make([]ServiceState, 0, len(ms))
	for _, m := range ms {
		s, err := fromMoby(m)
		if err != nil {
			return nil, err
		}
		st := ServiceState{Service: s, Flags: m.Flags, Stats: statsFromMoby(m.Stats)}
		ds, err := k.GetDestinations(m)
		if err != nil {
			return nil, fmt.Errorf("ipvs: list real servers of %s: %w", s.Key, err)
		}
		for _, d := range ds {
			r, err := destFromMoby(d)
			if err != nil {
				return nil, fmt.Errorf("ipvs: service %s: %w", s.Key, err)
			}
			st.Reals = append(st.Reals, RealState{
				Real:           r,
				ActiveConns:    uint64(d.ActiveConnections),
				InactConns:     uint64(d.InactiveConnections),
				UpperThreshold: d.UpperThreshold,
				LowerThreshold: d.LowerThreshold,
				Stats:          statsFromMoby(ipvs.SvcStats(d.Stats)),
			})
		}
		out = append(out, st)
	}
	return out, nil
}

// readTable returns the kernel's services; the real servers are read only for
// services in want, the only ones whose real servers Diff looks at. Services
// this package cannot represent are left out: they cannot be desired.
func readTable(k Kernel, want func(ServiceKey) bool) ([]Service, error) {
	ms, err := k.GetServices()
	if err != nil {
		return nil, fmt.Errorf("ipvs: list services: %w", err)
	}
	out := make([]Service, 0, len(ms))
	for _, m := range ms {
		s, err := fromMoby(m)
		if err != nil {
			continue
		}
		if want(s.Key) {
			ds, err := k.GetDestinations(m)
			if err != nil {
				return nil, fmt.Errorf("ipvs: list real servers of %s: %w", s.Key, err)
			}
			s.Reals = make([]Real, 0, len(ds))
			for _, d := range ds {
				r, err := destFromMoby(d)
				if err != nil {
					return nil, fmt.Errorf("ipvs: service %s: %w", s.Key, err)
				}
				s.Reals = append(s.Reals, r)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

// is6 reports whether a kernel service is IPv6.
func is6(m *ipvs.Service) bool { return m.AddressFamily == syscall.AF_INET6 }
