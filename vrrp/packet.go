package vrrp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// ProtocolNumber is VRRP's IP protocol number.
const ProtocolNumber = 112

// TypeAdvertisement is the only VRRP packet type (RFC 5798 section 5.2.2).
const TypeAdvertisement = 1

// Authentication types of VRRPv2 (RFC 3768 section 5.3.6). Type 2 (IP Authentication
// Header) is not supported: such adverts are dropped.
const (
	AuthNone     = 0
	AuthPassword = 1
)

// MaxAddrs is the most addresses one advertisement can carry (an 8-bit count).
const MaxAddrs = 255

// TOS is the IP type-of-service byte of every advert: DSCP CS6, as keepalived sends.
const TOS = 0xc0

// TTL is the IP TTL of every advert; receivers drop adverts with any other TTL.
const TTL = 255

// Group is the IPv4 multicast group VRRP advertisements are sent to.
var Group = netip.MustParseAddr("224.0.0.18")

// Group6 is the IPv6 multicast group VRRP advertisements are sent to (RFC 5798 5.1.2.2).
var Group6 = netip.MustParseAddr("ff02::12")

const (
	headerLen     = 8
	authLen       = 8 // VRRPv2 authentication data
	checksumOff   = 6
	v3IntervalMax = 0x0fff // 12 bits of centiseconds
	centisecond   = 10 * time.Millisecond
)

// Packet is one VRRP advertisement: version 2 or 3 over IPv4, or version 3 over IPv6.
//
// Wire layout (RFC 3768 section 5.1, RFC 5798 section 5.1):
//
//	byte 0     version (high nibble) and type (low nibble)
//	byte 1     VRID
//	byte 2     priority
//	byte 3     count of addresses
//	bytes 4-5  v2: auth type, advert interval in seconds
//	           v3: 4 reserved bits (sent 0, ignored), 12-bit max advert interval in centiseconds
//	bytes 6-7  checksum
//	           4 bytes per IPv4 address, or 16 per IPv6 address
//	           v2 only: 8 bytes of authentication data
type Packet struct {
	Version        uint8         // 2 or 3
	Type           uint8         // TypeAdvertisement (the only type)
	VRID           uint8         // virtual router ID
	Priority       uint8         // 0 = master stepping down, 255 = address owner
	AuthType       uint8         // v2 only: AuthNone or AuthPassword; 0 for v3
	AdvertInterval time.Duration // v2: whole seconds, 1-255 s; v3: centiseconds, 10 ms-40.95 s
	// IPv6 is the address family: the advert rides IPv6, carries IPv6 addresses and its
	// checksum covers the IPv6 pseudo-header. Only VRRPv3 runs over IPv6.
	IPv6     bool
	Addrs    []netip.Addr // of the packet's family, at most MaxAddrs
	Password [8]byte      // v2 authentication data, sent verbatim (zeros for AuthNone); zero for v3
	Checksum uint16       // as read by Unmarshal; Marshal computes it
}

// Len is the length of p's encoding in bytes.
func (p Packet) Len() int {
	n := headerLen + addrLen(p.IPv6)*len(p.Addrs)
	if p.Version == 2 {
		n += authLen
	}
	return n
}

// Marshal encodes p as the payload of an IP packet from src to dst. For VRRPv3 the
// checksum covers the pseudo-header of p's family (IPv4: src, dst, zero, protocol 112,
// VRRP length; IPv6: RFC 8200 8.1's) and the message; for VRRPv2 it covers the message
// only, and src and dst are not used.
// It fails, naming the field, for values the wire cannot carry.
func (p Packet) Marshal(src, dst netip.Addr) ([]byte, error) {
	b, err := p.AppendMarshal(make([]byte, 0, p.Len()), src, dst)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendMarshal is Marshal appending to b; with enough capacity in b it does not allocate.
// On error b is returned unchanged.
func (p Packet) AppendMarshal(b []byte, src, dst netip.Addr) ([]byte, error) {
	return p.AppendMarshalForm(b, src, dst, ChecksumRFC5798)
}

// MarshalForm is Marshal with the VRRPv3 checksum in the given form; with
// ChecksumMessageOnly src and dst are not used. VRRPv2 has one form only, and so has
// IPv6 (the pseudo-header's: ChecksumMessageOnly is an error there).
func (p Packet) MarshalForm(src, dst netip.Addr, form ChecksumForm) ([]byte, error) {
	b, err := p.AppendMarshalForm(make([]byte, 0, p.Len()), src, dst, form)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendMarshalForm is MarshalForm appending to b, as AppendMarshal is.
func (p Packet) AppendMarshalForm(b []byte, src, dst netip.Addr, form ChecksumForm) ([]byte, error) {
	field, err := p.wireInterval()
	if err != nil {
		return b, err
	}
	if err := p.validate(); err != nil {
		return b, err
	}
	if form > ChecksumMessageOnly {
		return b, fmt.Errorf("vrrp: marshal: checksum form %d, want %d or %d", form, ChecksumRFC5798, ChecksumMessageOnly)
	}
	var pseudo uint32
	switch {
	case p.IPv6:
		if form != ChecksumRFC5798 {
			return b, fmt.Errorf("vrrp: marshal v3: IPv6 adverts have the pseudo-header checksum only, not %v", form)
		}
		if !is6(src) || !is6(dst) {
			return b, fmt.Errorf("vrrp: marshal v3: pseudo-header needs IPv6 source and destination, have %v and %v", src, dst)
		}
		pseudo = pseudoHeaderSum6(src.As16(), dst.As16(), p.Len())
	case p.Version == 3 && form == ChecksumRFC5798:
		src, dst = src.Unmap(), dst.Unmap()
		if !src.Is4() || !dst.Is4() {
			return b, fmt.Errorf("vrrp: marshal v3: pseudo-header needs IPv4 source and destination, have %v and %v", src, dst)
		}
		pseudo = pseudoHeaderSum(src.As4(), dst.As4(), p.Len())
	}

	start := len(b)
	b = append(b, make([]byte, p.Len())...) // the compiler turns this into a grow without allocating a temporary
	m := b[start:]
	m[0] = p.Version<<4 | p.Type
	m[1] = p.VRID
	m[2] = p.Priority
	m[3] = uint8(len(p.Addrs))
	if p.Version == 2 {
		m[4] = p.AuthType
		m[5] = uint8(field)
	} else {
		binary.BigEndian.PutUint16(m[4:6], field)
	}
	off := headerLen
	for _, a := range p.Addrs {
		if p.IPv6 {
			a16 := a.As16()
			off += copy(m[off:], a16[:])
		} else {
			a4 := a.As4()
			off += copy(m[off:], a4[:])
		}
	}
	if p.Version == 2 {
		copy(m[off:], p.Password[:])
	}
	binary.BigEndian.PutUint16(m[checksumOff:], ^fold(sum(pseudo, m)))
	return b, nil
}

// wireInterval checks the version and returns the advert interval as its wire field.
func (p Packet) wireInterval() (uint16, error) {
	d := p.AdvertInterval
	switch p.Version {
	case 2:
		if d < time.Second || d > 255*time.Second || d%time.Second != 0 {
			return 0, fmt.Errorf("vrrp: marshal v2: advert interval %v is not a whole number of seconds from 1s to 255s", d)
		}
		return uint16(d / time.Second), nil
	case 3:
		if d < centisecond || d > v3IntervalMax*centisecond || d%centisecond != 0 {
			return 0, fmt.Errorf("vrrp: marshal v3: advert interval %v is not a multiple of 10ms from 10ms to 40.95s", d)
		}
		return uint16(d / centisecond), nil
	default:
		return 0, fmt.Errorf("vrrp: marshal: version %d, want 2 or 3", p.Version)
	}
}

// validate checks the fields other than version and interval.
func (p Packet) validate() error {
	if p.Type != TypeAdvertisement {
		return fmt.Errorf("vrrp: marshal: type %d, want %d (advertisement)", p.Type, TypeAdvertisement)
	}
	if len(p.Addrs) > MaxAddrs {
		return fmt.Errorf("vrrp: marshal: %d addresses, at most %d fit", len(p.Addrs), MaxAddrs)
	}
	for i, a := range p.Addrs {
		if p.IPv6 && !a.Is6() {
			return fmt.Errorf("vrrp: marshal: address %d (%v) is not IPv6", i, a)
		}
		if !p.IPv6 && !a.Is4() {
			return fmt.Errorf("vrrp: marshal: address %d (%v) is not IPv4", i, a)
		}
	}
	switch {
	case p.IPv6 && p.Version != 3:
		return fmt.Errorf("vrrp: marshal v%d: only VRRPv3 runs over IPv6", p.Version)
	case p.Version == 2 && p.AuthType != AuthNone && p.AuthType != AuthPassword:
		return fmt.Errorf("vrrp: marshal v2: auth type %d, want %d (none) or %d (password)", p.AuthType, AuthNone, AuthPassword)
	case p.Version == 3 && p.AuthType != 0:
		return errors.New("vrrp: marshal v3: auth type set, but VRRPv3 has no authentication")
	case p.Version == 3 && p.Password != [8]byte{}:
		return errors.New("vrrp: marshal v3: password set, but VRRPv3 has no authentication")
	}
	return nil
}

// Unmarshal decodes and checks a VRRP message: the payload of an IP packet from src to
// dst (no IP header). The family of src says the packet's: an IPv6 source (not an
// IPv4-mapped one) makes an IPv6 advert, with 16-byte addresses and the IPv6
// pseudo-header checksum; otherwise it is an IPv4 advert, and src and dst are only used
// for the VRRPv3 checksum (IPv4-mapped IPv6 addresses are accepted for them, and a v2
// message does not use them). Every failure is a *DropError:
//
//   - ReasonTruncated: shorter than the header, or than the address count needs;
//   - ReasonVersion: version not 2 or 3, or 2 over IPv6;
//   - ReasonLength: longer than the address count says (8+4n bytes for v3, 8+4n+8 for
//     v2, 8+16n over IPv6). Trailing bytes are refused, as keepalived does: a well-formed
//     advert has none, and the checksum would be ambiguous with them;
//   - ReasonChecksum: bad checksum (for v3, also a dst not of src's family);
//   - ReasonType: type not TypeAdvertisement;
//   - ReasonAuthType: v2 auth type other than AuthNone or AuthPassword;
//   - ReasonInterval: advert interval 0.
//
// The v3 reserved bits are ignored. The v2 authentication data is kept whatever the auth
// type, so that Marshal reproduces the message exactly.
func Unmarshal(b []byte, src, dst netip.Addr) (Packet, error) {
	var p Packet
	err := p.Unmarshal(b, src, dst)
	return p, err
}

// Unmarshal is the function Unmarshal decoding into p: it reuses the storage of p.Addrs,
// so a caller that keeps one Packet per receive loop decodes without allocating. On error
// p is left unchanged.
func (p *Packet) Unmarshal(b []byte, src, dst netip.Addr) error {
	return p.UnmarshalForm(b, src, dst, ChecksumRFC5798)
}

// UnmarshalForm is Unmarshal accepting a VRRPv3 IPv4 checksum in the given form only;
// with ChecksumMessageOnly src and dst are not used for an IPv4 advert. A v2 message, and
// an IPv6 one, is checked as Unmarshal does.
func (p *Packet) UnmarshalForm(b []byte, src, dst netip.Addr, form ChecksumForm) error {
	if len(b) < headerLen {
		return dropf(ReasonTruncated, "%d bytes, the header needs %d", len(b), headerLen)
	}
	version := b[0] >> 4
	if version != 2 && version != 3 {
		return dropf(ReasonVersion, "version %d, want 2 or 3", version)
	}
	v6 := is6(src)
	if v6 && version != 3 {
		return dropf(ReasonVersion, "version %d over IPv6, want 3", version)
	}
	n := int(b[3])
	al := addrLen(v6)
	want := headerLen + al*n
	if version == 2 {
		want += authLen
	}
	if len(b) < want {
		return dropf(ReasonTruncated, "v%d with %d addresses needs %d bytes, have %d", version, n, want, len(b))
	}
	if len(b) > want {
		return dropf(ReasonLength, "v%d with %d addresses is %d bytes, have %d", version, n, want, len(b))
	}

	var acc uint32
	switch {
	case v6:
		if !is6(dst) {
			return dropf(ReasonChecksum, "cannot verify v3: pseudo-header needs IPv6 source and destination, have %v and %v", src, dst)
		}
		acc = pseudoHeaderSum6(src.As16(), dst.As16(), len(b))
	case version == 3 && form != ChecksumMessageOnly:
		src, dst = src.Unmap(), dst.Unmap()
		if !src.Is4() || !dst.Is4() {
			return dropf(ReasonChecksum, "cannot verify v3: pseudo-header needs IPv4 source and destination, have %v and %v", src, dst)
		}
		acc = pseudoHeaderSum(src.As4(), dst.As4(), len(b))
	}
	got := binary.BigEndian.Uint16(b[checksumOff:])
	acc = sum(sum(acc, b[:checksumOff]), b[checksumOff+2:])
	// fold(acc) is never 0 (the version nibble is non-zero), so a computed checksum of 0 can
	// also be sent as 0xffff; summing the received field in accepts both, as RFC 1071 does.
	if fold(acc+uint32(got)) != 0xffff {
		return dropf(ReasonChecksum, "checksum %#04x, want %#04x", got, ^fold(acc))
	}

	if t := b[0] & 0x0f; t != TypeAdvertisement {
		return dropf(ReasonType, "type %d, want %d (advertisement)", t, TypeAdvertisement)
	}
	var interval time.Duration
	if version == 2 {
		if a := b[4]; a != AuthNone && a != AuthPassword {
			return dropf(ReasonAuthType, "v2 auth type %d, want %d (none) or %d (password)", a, AuthNone, AuthPassword)
		}
		interval = time.Duration(b[5]) * time.Second
	} else {
		interval = time.Duration(binary.BigEndian.Uint16(b[4:6])&v3IntervalMax) * centisecond
	}
	if interval == 0 {
		return dropf(ReasonInterval, "advert interval 0")
	}

	addrs := p.Addrs[:0]
	if cap(addrs) < n {
		addrs = make([]netip.Addr, 0, n)
	}
	for i := range n {
		if v6 {
			addrs = append(addrs, netip.AddrFrom16([16]byte(b[headerLen+16*i:])))
		} else {
			addrs = append(addrs, netip.AddrFrom4([4]byte(b[headerLen+4*i:])))
		}
	}
	*p = Packet{
		Version:        version,
		Type:           TypeAdvertisement,
		IPv6:           v6,
		VRID:           b[1],
		Priority:       b[2],
		AdvertInterval: interval,
		Addrs:          addrs,
		Checksum:       got,
	}
	if version == 2 {
		p.AuthType = b[4]
		p.Password = [8]byte(b[want-authLen:])
	}
	return nil
}

// addrLen is the length of one address on the wire.
func addrLen(v6 bool) int {
	if v6 {
		return 16
	}
	return 4
}

// is6 reports whether a is an IPv6 address proper, not an IPv4-mapped one.
func is6(a netip.Addr) bool { return a.Is6() && !a.Is4In6() }
