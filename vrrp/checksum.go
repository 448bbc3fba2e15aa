package vrrp

// The Internet checksum (RFC 1071): the 16-bit one's complement of the one's complement sum
// of the data taken as big-endian 16-bit words.

// sum adds b to the running, unfolded sum acc. An odd final byte is padded with a zero.
// A uint32 accumulator cannot overflow for inputs under 128 KiB; VRRP messages are at most
// 8+4*255+8 bytes.
func sum(acc uint32, b []byte) uint32 {
	for len(b) >= 2 {
		acc += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		acc += uint32(b[0]) << 8
	}
	return acc
}

// fold reduces an accumulated sum to 16 bits with end-around carry.
func fold(acc uint32) uint16 {
	for acc > 0xffff {
		acc = acc>>16 + acc&0xffff
	}
	return uint16(acc)
}

// pseudoHeaderSum is the sum of the IPv4 pseudo-header that RFC 5798 section 5.2.8 puts
// in front of a VRRPv3 message: source, destination, a zero byte, protocol 112 and the
// VRRP message length.
func pseudoHeaderSum(src, dst [4]byte, length int) uint32 {
	acc := sum(0, src[:])
	acc = sum(acc, dst[:])
	return acc + ProtocolNumber + uint32(length)
}

// pseudoHeaderSum6 is the sum of the IPv6 pseudo-header of RFC 8200 section 8.1 that
// RFC 5798 section 5.2.8 puts in front of a VRRPv3 message: source, destination, the
// 32-bit upper-layer length, three zero bytes and next header 112.
func pseudoHeaderSum6(src, dst [16]byte, length int) uint32 {
	acc := sum(0, src[:])
	acc = sum(acc, dst[:])
	return acc + uint32(length>>16) + uint32(length&0xffff) + ProtocolNumber
}

// ChecksumForm is what a VRRPv3 IPv4 advert's checksum covers. VRRPv2's
// covers the message alone, in either form; an IPv6 advert's always covers
// the IPv6 pseudo-header.
type ChecksumForm uint8

// Checksum forms.
const (
	// ChecksumRFC5798 covers an IPv4 pseudo-header (source, destination,
	// zero, protocol 112, VRRP length) and the message, as RFC 5798
	// section 5.2.8 says; the default, and keepalived's.
	ChecksumRFC5798 ChecksumForm = iota
	// ChecksumMessageOnly covers the message alone, as VRRPv2's does:
	// RFC 9568's form for IPv4, and keepalived's with v3_checksum_as_v2.
	ChecksumMessageOnly
)

func (f ChecksumForm) String() string {
	switch f {
	case ChecksumRFC5798:
		return "rfc5798"
	case ChecksumMessageOnly:
		return "message-only"
	}
	return "unknown"
}
