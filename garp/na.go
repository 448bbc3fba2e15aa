package garp

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/ndp"
)

// AllNodes is the IPv6 all-nodes multicast group unsolicited neighbour
// advertisements go to (RFC 4861 7.2.6).
var AllNodes = netip.MustParseAddr("ff02::1")

// allNodesMAC is AllNodes' Ethernet address (RFC 2464 7).
var allNodesMAC = [6]byte{0x33, 0x33, 0, 0, 0, 1}

const (
	ipv6HeaderLen = 40
	etherTypeIPv6 = 0x86dd
	icmpv6        = 58
)

// NA returns the unsolicited neighbour advertisement for vip from mac, as
// RFC 4861 7.2.6 has a node send when its link-layer address changes: the
// target is vip, the override flag is set so that neighbours replace what
// they cached, the solicited flag is clear, the router flag is router (set
// for a VIP the hosts route through: a neighbour that clears it stops using
// the address as a default router), and the Target Link-Layer Address
// option carries mac.
func NA(mac net.HardwareAddr, vip netip.Addr, router bool) (*ndp.NeighborAdvertisement, error) {
	if !vip.Is6() || vip.Is4In6() || vip.Zone() != "" {
		return nil, fmt.Errorf("neighbour advertisement for %s: not an IPv6 address", vip)
	}
	if len(mac) != 6 {
		return nil, fmt.Errorf("neighbour advertisement for %s: hardware address %q is not Ethernet", vip, mac)
	}
	return &ndp.NeighborAdvertisement{
		Router:        router,
		Override:      true,
		TargetAddress: vip,
		Options:       []ndp.Option{&ndp.LinkLayerAddress{Direction: ndp.Target, Addr: mac}},
	}, nil
}

// NAFrame is the Ethernet frame that carries NA(mac, vip, router) from vip
// to AllNodes (33:33:00:00:00:01) with hop limit 255, which RFC 4861 7.1.2
// makes receivers require. The source is the VIP itself, an address of the
// interface once the master holds it, as keepalived sends; the ICMPv6
// checksum covers the IPv6 pseudo-header.
func NAFrame(mac net.HardwareAddr, vip netip.Addr, router bool) ([]byte, error) {
	na, err := NA(mac, vip, router)
	if err != nil {
		return nil, err
	}
	icmp, err := ndp.MarshalMessageChecksum(na, vip, AllNodes)
	if err != nil {
		return nil, fmt.Errorf("neighbour advertisement for %s: %w", vip, err)
	}
	f := make([]byte, 14+ipv6HeaderLen, 14+ipv6HeaderLen+len(icmp))
	copy(f[0:6], allNodesMAC[:])
	copy(f[6:12], mac)
	binary.BigEndian.PutUint16(f[12:14], etherTypeIPv6)
	h := f[14:]
	h[0] = 6 << 4 // version; traffic class and flow label 0
	binary.BigEndian.PutUint16(h[4:6], uint16(len(icmp)))
	h[6], h[7] = icmpv6, 255
	src, dst := vip.As16(), AllNodes.As16()
	copy(h[8:24], src[:])
	copy(h[24:40], dst[:])
	return append(f, icmp...), nil
}
