package vrrp

import (
	"encoding/binary"
	"net/netip"
)

// SplitIPv4 takes apart a packet as a raw IPv4 socket receives it (header
// included): it returns the payload and the addresses and TTL. A header
// that does not hold together is a ReasonTruncated drop.
func SplitIPv4(b []byte) (payload []byte, src, dst netip.Addr, ttl int, err error) {
	if len(b) < 20 || b[0]>>4 != 4 {
		return nil, src, dst, 0, dropf(ReasonTruncated, "%d bytes are no IPv4 header", len(b))
	}
	hl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if hl < 20 || total < hl || total > len(b) {
		return nil, src, dst, 0, dropf(ReasonTruncated, "IPv4 header length %d, total %d, in %d bytes", hl, total, len(b))
	}
	src = netip.AddrFrom4([4]byte(b[12:16]))
	dst = netip.AddrFrom4([4]byte(b[16:20]))
	return b[hl:total], src, dst, int(b[8]), nil
}
