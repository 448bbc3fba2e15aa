package ipvs

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"
)

// Protocol is the kind of a virtual service: the IP protocol number of an
// address-based service (TCP, UDP, SCTP), or FWMark for a service that matches
// a firewall mark. Other values are IP protocol numbers the kernel may hold
// (services this package did not create); they are listed, never created.
type Protocol uint8

// Service kinds: ipvsadm's -t, -u, --sctp-service and -f.
const (
	TCP    Protocol = 6
	UDP    Protocol = 17
	SCTP   Protocol = 132
	FWMark Protocol = 255 // reserved IP protocol number, used here for firewall-mark services
)

// String returns ipvsadm's name for the kind: TCP, UDP, SCTP, FWM, or "?".
func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	case FWMark:
		return "FWM"
	}
	return "?"
}

// Scheduler names a kernel scheduling algorithm (ipvsadm -s).
type Scheduler string

// The schedulers of the kernel (ipvsadm -s, keepalived's lb_algo).
const (
	RR    Scheduler = "rr"    // round robin
	WRR   Scheduler = "wrr"   // weighted round robin
	LC    Scheduler = "lc"    // least connections
	WLC   Scheduler = "wlc"   // weighted least connections, the default
	LBLC  Scheduler = "lblc"  // locality-based least connections
	LBLCR Scheduler = "lblcr" // locality-based least connections with replication
	DH    Scheduler = "dh"    // destination hashing
	SH    Scheduler = "sh"    // source hashing
	SED   Scheduler = "sed"   // shortest expected delay
	NQ    Scheduler = "nq"    // never queue
	FO    Scheduler = "fo"    // weighted failover: the highest weight available
	OVF   Scheduler = "ovf"   // weighted overflow: the highest weight until its active conns exceed it
	MH    Scheduler = "mh"    // maglev hashing
	TWOS  Scheduler = "twos"  // weighted random twos choice (Linux 6.2 and later)
)

// Schedulers are the schedulers Valid accepts, in ipvsadm's order.
var Schedulers = []Scheduler{RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, FO, OVF, MH, TWOS}

// DefaultScheduler is the scheduler of a Service that names none, as in ipvsadm.
const DefaultScheduler = WLC

// Valid reports whether s is one of Schedulers.
func (s Scheduler) Valid() bool {
	switch s {
	case RR, WRR, LC, WLC, LBLC, LBLCR, DH, SH, SED, NQ, FO, OVF, MH, TWOS:
		return true
	}
	return false
}

// Hashing reports whether s hashes the client to a real server (sh, mh):
// the schedulers that take the Fallback and HashPort flags.
func (s Scheduler) Hashing() bool { return s == SH || s == MH }

// Forward is a real server's packet-forwarding method.
type Forward uint8

// Forwarding methods: ipvsadm's -g (the default), -i and -m. Local is what the
// kernel reports for a real server that is the director itself; it is listed,
// never configured.
const (
	DR     Forward = iota // direct routing (gatewaying)
	Tunnel                // IP-in-IP tunnelling
	NAT                   // masquerading
	Local                 // local node (kernel-reported only)
)

// String returns the name ipvsadm -L prints: Route, Tunnel, Masq or Local.
func (f Forward) String() string {
	switch f {
	case DR:
		return "Route"
	case Tunnel:
		return "Tunnel"
	case NAT:
		return "Masq"
	case Local:
		return "Local"
	}
	return "Forward(" + strconv.Itoa(int(f)) + ")"
}

// ServiceKey identifies a virtual service in the kernel.
//
// For TCP, UDP and SCTP, Addr is the virtual address and port and FWMark is 0.
// For FWMark, FWMark is the mark and Addr is the zero AddrPort for an IPv4
// service or [::]:0 (netip.IPv6Unspecified, port 0) for an IPv6 one; FWMarkKey
// builds both.
type ServiceKey struct {
	Proto  Protocol
	Addr   netip.AddrPort
	FWMark uint32
}

// FWMarkKey returns the key of the firewall-mark service mark, IPv6 if v6.
func FWMarkKey(mark uint32, v6 bool) ServiceKey {
	k := ServiceKey{Proto: FWMark, FWMark: mark}
	if v6 {
		k.Addr = netip.AddrPortFrom(netip.IPv6Unspecified(), 0)
	}
	return k
}

// Is6 reports whether the service is an IPv6 one.
func (k ServiceKey) Is6() bool { return k.Addr.Addr().Is6() }

// String returns the key as "TCP 192.0.2.10:80", "FWM 7" or "FWM 7 IPv6".
func (k ServiceKey) String() string {
	if k.Proto == FWMark {
		if k.Is6() {
			return fmt.Sprintf("FWM %d IPv6", k.FWMark)
		}
		return fmt.Sprintf("FWM %d", k.FWMark)
	}
	if k.Proto.String() == "?" {
		return fmt.Sprintf("proto %d %s", uint8(k.Proto), k.Addr)
	}
	return k.Proto.String() + " " + k.Addr.String()
}

// Service is a virtual service as the director wants it: the kernel's
// attributes, its configured real servers, and the health policy applied to
// them (Quiescent, Sorry, and each Real's Check), which the kernel never sees.
type Service struct {
	Key       ServiceKey
	Scheduler Scheduler // "" means DefaultScheduler
	// Persistent sends every connection of one client (see PersistNetmask) to
	// the same real server for PersistTimeout (ipvsadm -p).
	Persistent bool
	// PersistTimeout is in whole seconds; 0 means 300 s, ipvsadm's default.
	PersistTimeout time.Duration
	// PersistNetmask is the persistence granularity (ipvsadm -M) as a prefix
	// length: clients in the same /n share a real server. 0 means one client
	// address (/32 or /128), ipvsadm's default.
	PersistNetmask int
	Reals          []Real
	// Quiescent: a real server that fails its check keeps its place with
	// weight 0, so established connections continue. Otherwise it is removed.
	Quiescent bool
	// Sorry, when its Addr is valid, is added as a real server while every
	// real server of the service is down.
	Sorry Real
	// Fallback and HashPort are the flags of a Hashing scheduler (ipvsadm
	// -b sh-fallback,sh-port or mh-fallback,mh-port): Fallback picks
	// another real server when the hashed one is unavailable (weight 0 or
	// overloaded); HashPort hashes the client's source port along with its
	// address. Other schedulers take neither.
	Fallback, HashPort bool
}

// Real is a real server of a service.
//
// Weight is taken as written: 0 is a valid, quiescent weight (ipvsadm's
// default is 1). For TCP, UDP and SCTP services the kernel needs the
// service's port on DR and Tunnel real servers: port 0 is filled in, another
// port is an error. A NAT real server with port 0 gets the service's port too.
type Real struct {
	Addr    netip.AddrPort
	Forward Forward
	Weight  int          // 0..65535
	Check   *HealthCheck // nil: never checked, always up
}

// Timeouts are the kernel's per-connection idle timeouts (ipvsadm --set), in
// whole seconds. 0 means leave unchanged.
type Timeouts struct {
	TCP, TCPFin, UDP time.Duration
}

// Limits ipvsadm enforces.
const (
	DefaultPersistTimeout = 300 * time.Second
	MaxPersistTimeout     = 31 * 24 * time.Hour // ipvsadm's MAX_TIMEOUT
	MaxWeight             = 65535
)
