package pcapfile

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

const (
	etherTypeIPv6 = 0x86dd
	ipv6HeaderLen = 40
)

// IPv6 is the IPv6 packet carried by an Ethernet frame. Extension headers are not
// walked: Payload is what follows the fixed header, of type NextHeader.
type IPv6 struct {
	Src, Dst     netip.Addr
	TrafficClass uint8
	HopLimit     uint8
	NextHeader   uint8
	Payload      []byte // cut at the header's payload length (Ethernet padding dropped)
}

// IPv6 decodes the IPv6 packet in the frame (Ethernet II, optionally one 802.1Q tag).
// Payload aliases f.Data.
func (f Frame) IPv6() (IPv6, error) {
	b, err := f.etherPayload(etherTypeIPv6, "IPv6")
	if err != nil {
		return IPv6{}, err
	}
	if len(b) < ipv6HeaderLen {
		return IPv6{}, fmt.Errorf("ipv6: %d bytes is shorter than the header", len(b))
	}
	if v := b[0] >> 4; v != 6 {
		return IPv6{}, fmt.Errorf("ipv6: version %d", v)
	}
	n := int(binary.BigEndian.Uint16(b[4:6]))
	if ipv6HeaderLen+n > len(b) {
		return IPv6{}, fmt.Errorf("ipv6: payload length %d, %d bytes captured", n, len(b)-ipv6HeaderLen)
	}
	return IPv6{
		Src:          netip.AddrFrom16([16]byte(b[8:24])),
		Dst:          netip.AddrFrom16([16]byte(b[24:40])),
		TrafficClass: uint8(binary.BigEndian.Uint16(b[0:2]) >> 4),
		HopLimit:     b[7],
		NextHeader:   b[6],
		Payload:      b[ipv6HeaderLen : ipv6HeaderLen+n],
	}, nil
}
