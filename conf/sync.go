package conf

import (
	"net/netip"
	"time"

	lvssync "github.com/hadirector/hadirector/sync"
)

// Sync is the [sync] table: the kernel's connection-sync daemons, driven by
// one VRRP instance's state.
type Sync struct {
	// Instance names the VRRP instance whose state drives the daemons;
	// empty on a BGP director, where both threads always run.
	Instance string
	// Daemon holds the interface, sync id and the optional group, port,
	// TTL and maximum length; its Role is unused.
	Daemon lvssync.Daemon
	// Mode is "both" (default: master and backup threads always run) or
	// "follow" (master thread on MASTER, backup thread otherwise).
	Mode lvssync.Mode
	// FailbackHold makes a starting director hold preemption until the
	// master's connections have reached it: no new one for FailbackQuiet
	// after sync traffic was heard, or FailbackMax after start.
	FailbackHold  bool
	FailbackQuiet time.Duration
	FailbackMax   time.Duration
}

// Defaults of [sync].
const (
	DefaultFailbackQuiet = 3 * time.Second
	DefaultFailbackMax   = time.Minute
)

func buildSync(rs rawSync, ins []Instance, bgp bool, e *errs) *Sync {
	s := &Sync{Mode: lvssync.Both, FailbackHold: true}
	owner := -1
	switch {
	case rs.Instance == nil && bgp:
		// A BGP director: both threads run for as long as the daemon,
		// driven by no instance; no preemption to hold.
		s.FailbackHold = false
		for _, x := range []struct {
			k   string
			set bool
		}{{"mode", rs.Mode != nil && *rs.Mode != "both"}, {"failback_hold", rs.FailbackHold != nil},
			{"failback_quiet", rs.FailbackQuiet != nil}, {"failback_max", rs.FailbackMax != nil}} {
			if x.set {
				e.add("sync."+x.k, "only with sync.instance: without it (BGP) both threads always run")
			}
		}
	case rs.Instance == nil:
		e.add("sync.instance", "required: the VRRP instance whose state drives the sync daemons")
	default:
		s.Instance = *rs.Instance
		for i, in := range ins {
			if in.Name == s.Instance {
				owner = i
			}
		}
		if owner < 0 {
			e.add("sync.instance", "%q is not the name of an [[instance]]", s.Instance)
		}
	}
	switch {
	case rs.Interface == nil || *rs.Interface == "":
		e.add("sync.interface", "required: the interface the sync multicast uses")
	case len(*rs.Interface) > 15:
		e.add("sync.interface", "%q is longer than an interface name can be (15)", *rs.Interface)
	default:
		s.Daemon.Interface = *rs.Interface
	}
	s.Daemon.SyncID = uint8(intIn(e, "sync", "sync_id", rs.SyncID, 0, 255, false, 0))
	if rs.Mode != nil {
		m, err := lvssync.ParseMode(*rs.Mode)
		if err != nil {
			e.add("sync.mode", "%q is not \"both\" or \"follow\"", *rs.Mode)
		}
		s.Mode = m
	}
	if rs.Group != nil {
		// The kernel takes an IPv6 group (IPVS_DAEMON_ATTR_MCAST_GROUP6)
		// and then syncs over IPv6; it has no IPv6 default.
		g, err := netip.ParseAddr(*rs.Group)
		switch {
		case err != nil || g.Zone() != "" || g.Is4In6() || !g.IsMulticast():
			e.add("sync.group", "%q is not an IPv4 or IPv6 multicast address", *rs.Group)
		case g.IsInterfaceLocalMulticast():
			e.add("sync.group", "%q is interface-local: it never leaves this host (use ff02:: or wider)", *rs.Group)
		default:
			s.Daemon.Group = g
		}
	}
	s.Daemon.Port = uint16(intIn(e, "sync", "port", rs.Port, 1, 65535, false, 0))
	s.Daemon.TTL = uint8(intIn(e, "sync", "ttl", rs.TTL, 1, 255, false, 0))
	// The kernel takes 1500-20-8 at most on a standard MTU and refuses
	// less than a header and one record.
	s.Daemon.MaxLen = uint16(intIn(e, "sync", "max_len", rs.MaxLen, 64, 65507, false, 0))
	if rs.FailbackHold != nil {
		s.FailbackHold = *rs.FailbackHold
	}
	s.FailbackQuiet = duration(e, "sync", "failback_quiet", rs.FailbackQuiet, DefaultFailbackQuiet)
	s.FailbackMax = duration(e, "sync", "failback_max", rs.FailbackMax, DefaultFailbackMax)
	if s.FailbackQuiet <= 0 {
		e.add("sync.failback_quiet", "%v: must be positive", s.FailbackQuiet)
	}
	if s.FailbackMax < s.FailbackQuiet {
		e.add("sync.failback_max", "%v is less than failback_quiet (%v)", s.FailbackMax, s.FailbackQuiet)
	}
	if owner >= 0 && s.FailbackHold {
		ins[owner].HoldPreemptAtStart = true
	}
	return s
}
