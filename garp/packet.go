package garp

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
)

// Packet returns the gratuitous ARP for vip from hardware address mac, in
// the form `arping -U` and keepalived send: an ARP request with sender IP =
// target IP = vip, sender MAC = mac and target MAC ff:ff:ff:ff:ff:ff, sent to
// the Ethernet broadcast address.
func Packet(mac net.HardwareAddr, vip netip.Addr) (*arp.Packet, error) {
	if !vip.Is4() {
		return nil, fmt.Errorf("gratuitous ARP for %s: not an IPv4 address", vip)
	}
	if len(mac) != 6 {
		return nil, fmt.Errorf("gratuitous ARP for %s: hardware address %q is not Ethernet", vip, mac)
	}
	return arp.NewPacket(arp.OperationRequest, mac, vip, ethernet.Broadcast, vip)
}
