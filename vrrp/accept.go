package vrrp

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Reason is why a received packet was dropped. Its String is a stable lowercase name
// usable as a metric label.
type Reason uint8

// Drop reasons. The zero Reason is not one of them ("unknown").
const (
	ReasonTTL       Reason = iota + 1 // IP TTL not 255
	ReasonVersion                     // VRRP version not 2 or 3, or not the instance's
	ReasonType                        // packet type not advertisement
	ReasonLength                      // more bytes than the address count says
	ReasonTruncated                   // fewer bytes than the header or the address count needs
	ReasonChecksum                    // bad checksum
	ReasonVRID                        // no instance for this VRID
	ReasonAddrCount                   // v2: address count differs from the configured VIPs
	ReasonAddrList                    // v2: addresses differ from the configured VIPs
	ReasonAuthType                    // v2 auth type unsupported or not the instance's
	ReasonAuth                        // v2 password wrong
	ReasonInterval                    // advert interval 0, or (v2) not the instance's
	ReasonOwn                         // our own advert, looped back
	ReasonNotPeer                     // unicast advert from an address that is not a configured peer
	ReasonInterface                   // received on another interface than the instance's
	ReasonOverload                    // the kernel dropped adverts: the socket's queue was full
	ReasonSource                      // IPv6 multicast advert from a source that is not link-local
	reasonEnd
)

// NumReasons bounds the reasons: every Reason is below it.
const NumReasons = reasonEnd

var reasonNames = [...]string{
	ReasonTTL:       "ttl",
	ReasonVersion:   "version",
	ReasonType:      "type",
	ReasonLength:    "length",
	ReasonTruncated: "truncated",
	ReasonChecksum:  "checksum",
	ReasonVRID:      "vrid",
	ReasonAddrCount: "addr_count",
	ReasonAddrList:  "addr_list",
	ReasonAuthType:  "auth_type",
	ReasonAuth:      "auth",
	ReasonInterval:  "interval",
	ReasonOwn:       "own",
	ReasonNotPeer:   "not_peer",
	ReasonInterface: "interface",
	ReasonOverload:  "overload",
	ReasonSource:    "source",
}

// String returns the reason's metric label, or "unknown".
func (r Reason) String() string {
	if r == 0 || r >= reasonEnd {
		return "unknown"
	}
	return reasonNames[r]
}

// Reasons lists every drop reason, for registering metric labels up front.
func Reasons() []Reason {
	rs := make([]Reason, 0, reasonEnd-1)
	for r := Reason(1); r < reasonEnd; r++ {
		rs = append(rs, r)
	}
	return rs
}

// DropError reports a received packet that was dropped, and why.
type DropError struct {
	Reason Reason
	Detail string
}

func (e *DropError) Error() string {
	if e.Detail == "" {
		return "vrrp: drop (" + e.Reason.String() + ")"
	}
	return "vrrp: drop (" + e.Reason.String() + "): " + e.Detail
}

// DropReason returns the Reason of the *DropError in err's chain, if there is one.
func DropReason(err error) (Reason, bool) {
	var de *DropError
	if errors.As(err, &de) {
		return de.Reason, true
	}
	return 0, false
}

func dropf(r Reason, format string, args ...any) *DropError {
	return &DropError{Reason: r, Detail: fmt.Sprintf(format, args...)}
}

// Expect is what one local instance requires of adverts for it.
type Expect struct {
	Version        uint8
	VRID           uint8
	AdvertInterval time.Duration // checked for v2 only (RFC 3768 7.1); v3 learns the master's
	AuthType       uint8         // v2 only
	Password       [8]byte       // v2 with AuthPassword only
	VIPs           []netip.Addr  // the configured VIPs
	// TTL is the range of IP TTLs (IPv6: hop limits) accepted. The zero
	// TTLRange accepts 255 only, as RFC 3768 and RFC 5798 require; a unicast
	// peer behind a router arrives with less (keepalived's per-peer
	// min_ttl/max_ttl).
	TTL TTLRange
	// IPv6 is the instance's address family.
	IPv6 bool
	// Unicast is set for an instance with unicast peers: an IPv6 advert
	// then comes from the peer's configured address, not a link-local one.
	Unicast bool
}

// TTLRange is an inclusive range of IP TTLs; the zero TTLRange is 255 only.
type TTLRange struct{ Min, Max uint8 }

// Contains reports whether ttl is in r.
func (r TTLRange) Contains(ttl int) bool {
	if r == (TTLRange{}) {
		return ttl == 255
	}
	return ttl >= int(r.Min) && ttl <= int(r.Max)
}

func (r TTLRange) String() string {
	if r == (TTLRange{}) {
		r = TTLRange{255, 255}
	}
	if r.Min == r.Max {
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d..%d", r.Min, r.Max)
}

// Mismatch says how an accepted VRRPv3 advert's addresses differ from the
// configured VIPs. RFC 5798 section 7.1 makes the check a MAY whose failure
// SHOULD be logged, not a drop: the advert is processed all the same.
type Mismatch uint8

// Mismatches; the zero Mismatch is none.
const (
	MismatchNone  Mismatch = iota
	MismatchCount          // the address count differs
	MismatchList           // the count agrees, the addresses do not
)

func (m Mismatch) String() string {
	switch m {
	case MismatchNone:
		return "none"
	case MismatchCount:
		return "count"
	case MismatchList:
		return "list"
	}
	return "unknown"
}

// AcceptFrom is Accept for an advert from src: an IPv6 advert to the
// multicast group must come from a link-local address (RFC 5798 5.1.2.1 and
// 7.1), else it is a ReasonSource drop; with unicast peers (e.Unicast) the
// caller checks src against them instead.
func AcceptFrom(p Packet, src netip.Addr, ttl int, e Expect) (Mismatch, error) {
	if p.IPv6 && !e.Unicast && !src.IsLinkLocalUnicast() {
		return 0, dropf(ReasonSource, "IPv6 advert from %v, want a link-local source", src)
	}
	return Accept(p, ttl, e)
}

// Accept applies the per-instance receive checks of RFC 5798 section 7.1 and RFC 3768
// section 7.1 to a packet Unmarshal accepted; ttl is the received IP TTL. In order:
//
//   - ReasonTTL: ttl (IPv6: the hop limit) is not in e.TTL (255 unless set);
//   - ReasonVersion, ReasonVRID: not e's; ReasonVRID also for an advert of
//     the other address family (VRIDs are per family);
//   - v2 only: ReasonAuthType, ReasonAuth: auth type, or for AuthPassword the password,
//     not e's; ReasonInterval: advert interval not e's;
//   - v2 only: ReasonAddrCount, ReasonAddrList: the addresses are not e.VIPs as a set
//     (order and duplicates aside), unless the sender is the address owner (priority
//     255), whose adverts RFC 3768 says to process anyway.
//
// It returns nil or a *DropError. For an accepted v3 advert whose addresses are not
// e.VIPs as a set it also returns which way they differ (whatever the priority), for
// the caller to count and log; v3 adverts are never dropped for their addresses.
func Accept(p Packet, ttl int, e Expect) (Mismatch, error) {
	if !e.TTL.Contains(ttl) {
		return 0, dropf(ReasonTTL, "TTL %d, want %v", ttl, e.TTL)
	}
	if p.Version != e.Version {
		return 0, dropf(ReasonVersion, "version %d, want %d", p.Version, e.Version)
	}
	if p.VRID != e.VRID {
		return 0, dropf(ReasonVRID, "VRID %d, want %d", p.VRID, e.VRID)
	}
	if p.IPv6 != e.IPv6 {
		return 0, dropf(ReasonVRID, "VRID %d: %s advert, the instance is %s", p.VRID, family(p.IPv6), family(e.IPv6))
	}
	if p.Version == 3 {
		return CompareAddrs(p.Addrs, e.VIPs), nil
	}
	if p.AuthType != e.AuthType {
		return 0, dropf(ReasonAuthType, "auth type %d, want %d", p.AuthType, e.AuthType)
	}
	if p.AuthType == AuthPassword && subtle.ConstantTimeCompare(p.Password[:], e.Password[:]) != 1 {
		return 0, &DropError{Reason: ReasonAuth, Detail: "wrong password"}
	}
	if p.AdvertInterval != e.AdvertInterval {
		return 0, dropf(ReasonInterval, "advert interval %v, want %v", p.AdvertInterval, e.AdvertInterval)
	}
	if p.Priority == 255 {
		return 0, nil
	}
	switch CompareAddrs(p.Addrs, e.VIPs) {
	case MismatchCount:
		return 0, dropf(ReasonAddrCount, "%d addresses, want %d", len(p.Addrs), len(e.VIPs))
	case MismatchList:
		return 0, dropf(ReasonAddrList, "%s", AddrDiff(p.Addrs, e.VIPs))
	}
	return 0, nil
}

// CompareAddrs tells whether an advert's addresses are the configured VIPs
// as a set. Both directions are checked, so that duplicates on either side
// cannot hide a missing address. At most 255 addresses: quadratic is fine
// and allocates nothing.
func CompareAddrs(addrs, vips []netip.Addr) Mismatch {
	if len(addrs) != len(vips) {
		return MismatchCount
	}
	for _, a := range addrs {
		if !containsAddr(vips, a) {
			return MismatchList
		}
	}
	for _, v := range vips {
		if !containsAddr(addrs, v) {
			return MismatchList
		}
	}
	return MismatchNone
}

// AddrDiff describes how addrs differ from vips, for a log line: the
// count, the first address that is not a VIP and the first VIP missing.
func AddrDiff(addrs, vips []netip.Addr) string {
	s := fmt.Sprintf("%d addresses, want %d", len(addrs), len(vips))
	for _, a := range addrs {
		if !containsAddr(vips, a) {
			s += fmt.Sprintf("; address %v is not a configured VIP", a)
			break
		}
	}
	for _, v := range vips {
		if !containsAddr(addrs, v) {
			s += fmt.Sprintf("; VIP %v missing from the advert", v)
			break
		}
	}
	return s
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func family(v6 bool) string {
	if v6 {
		return "IPv6"
	}
	return "IPv4"
}
