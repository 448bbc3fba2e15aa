package pcapfile

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

const (
	etherHeaderLen = 14
	etherTypeIPv4  = 0x0800
	etherTypeVLAN  = 0x8100
	ipv4MinHeader  = 20
)

// IPv4 is the IPv4 packet carried by an Ethernet frame.
type IPv4 struct {
	Src, Dst netip.Addr
	TOS      uint8
	TTL      uint8
	Protocol uint8
	Header   []byte // the IPv4 header, options included
	Payload  []byte // the IP payload, cut at the header's total length (Ethernet padding dropped)
}

// IPv4 decodes the IPv4 packet in the frame (Ethernet II, optionally one 802.1Q tag).
// Payload and Header alias f.Data.
func (f Frame) IPv4() (IPv4, error) {
	b, err := f.etherPayload(etherTypeIPv4, "IPv4")
	if err != nil {
		return IPv4{}, err
	}
	if len(b) < ipv4MinHeader {
		return IPv4{}, fmt.Errorf("ipv4: %d bytes is shorter than the header", len(b))
	}
	if v := b[0] >> 4; v != 4 {
		return IPv4{}, fmt.Errorf("ipv4: version %d", v)
	}
	ihl := int(b[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(b[2:4]))
	if ihl < ipv4MinHeader || total < ihl || total > len(b) {
		return IPv4{}, fmt.Errorf("ipv4: header length %d, total length %d, %d bytes captured", ihl, total, len(b))
	}
	return IPv4{
		Src:      netip.AddrFrom4([4]byte(b[12:16])),
		Dst:      netip.AddrFrom4([4]byte(b[16:20])),
		TOS:      b[1],
		TTL:      b[8],
		Protocol: b[9],
		Header:   b[:ihl],
		Payload:  b[ihl:total],
	}, nil
}

// etherPayload returns the frame's Ethernet payload (after one optional 802.1Q tag),
// which must be of the given ethertype.
func (f Frame) etherPayload(want uint16, name string) ([]byte, error) {
	b := f.Data
	if len(b) < etherHeaderLen {
		return nil, fmt.Errorf("ethernet: frame of %d bytes is shorter than the header", len(b))
	}
	etherType := binary.BigEndian.Uint16(b[12:14])
	b = b[etherHeaderLen:]
	if etherType == etherTypeVLAN {
		if len(b) < 4 {
			return nil, fmt.Errorf("ethernet: truncated 802.1Q tag")
		}
		etherType = binary.BigEndian.Uint16(b[2:4])
		b = b[4:]
	}
	if etherType != want {
		return nil, fmt.Errorf("ethernet: ethertype %#04x is not %s", etherType, name)
	}
	return b, nil
}
