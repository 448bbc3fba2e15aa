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
	ReasonAddrCount                   // address count differs from the configured VIPs
	ReasonAddrList                    // addresses differ from the configured VIPs
	ReasonAuthType                    // v2 auth type unsupported or not the instance's
	ReasonAuth                        // v2 password wrong
	ReasonInterval                    // advert interval 0, or (v2) not the instance's
	ReasonOwn                         // our own advert, looped back
	ReasonNotPeer                     // unicast advert from an address that is not a configured peer
	ReasonInterface                   // received on another interface than the instance's
	ReasonOverload                    // the kernel dropped adverts: the socket's queue was full
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
	// IgnoreTTL skips the TTL check. RFC 5798 has none, but keepalived skips it for
	// unicast peers, which may sit behind a router.
	IgnoreTTL bool
}

// Accept applies the per-instance receive checks of RFC 5798 section 7.1 and RFC 3768
// section 7.1 to a packet Unmarshal accepted; ttl is the received IP TTL. In order:
//
//   - ReasonTTL: ttl is not 255 (unless e.IgnoreTTL);
//   - ReasonVersion, ReasonVRID: not e's;
//   - v2 only: ReasonAuthType, ReasonAuth: auth type, or for AuthPassword the password,
//     not e's; ReasonInterval: advert interval not e's;
//   - ReasonAddrCount, ReasonAddrList: the addresses are not e.VIPs as a set (order and
//     duplicates aside), unless the sender is the address owner (priority 255), whose
//     adverts RFC 5798 says to process anyway. keepalived drops those too.
//
// It returns nil or a *DropError.
func Accept(p Packet, ttl int, e Expect) error {
	if ttl != 255 && !e.IgnoreTTL {
		return dropf(ReasonTTL, "TTL %d, want 255", ttl)
	}
	if p.Version != e.Version {
		return dropf(ReasonVersion, "version %d, want %d", p.Version, e.Version)
	}
	if p.VRID != e.VRID {
		return dropf(ReasonVRID, "VRID %d, want %d", p.VRID, e.VRID)
	}
	if p.Version == 2 {
		if p.AuthType != e.AuthType {
			return dropf(ReasonAuthType, "auth type %d, want %d", p.AuthType, e.AuthType)
		}
		if p.AuthType == AuthPassword && subtle.ConstantTimeCompare(p.Password[:], e.Password[:]) != 1 {
			return &DropError{Reason: ReasonAuth, Detail: "wrong password"}
		}
		if p.AdvertInterval != e.AdvertInterval {
			return dropf(ReasonInterval, "advert interval %v, want %v", p.AdvertInterval, e.AdvertInterval)
		}
	}
	if p.Priority == 255 {
		return nil
	}
	if len(p.Addrs) != len(e.VIPs) {
		return dropf(ReasonAddrCount, "%d addresses, want %d", len(p.Addrs), len(e.VIPs))
	}
	// Both directions, so that duplicates on either side cannot hide a missing address.
	// At most 255 addresses: quadratic is fine and allocates nothing.
	for _, a := range p.Addrs {
		if !containsAddr(e.VIPs, a) {
			return dropf(ReasonAddrList, "address %v is not a configured VIP", a)
		}
	}
	for _, v := range e.VIPs {
		if !containsAddr(p.Addrs, v) {
			return dropf(ReasonAddrList, "VIP %v missing from the advert", v)
		}
	}
	return nil
}

func containsAddr(list []netip.Addr, a netip.Addr) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}
