package garp

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ethernet"
	"github.com/mdlayher/packet"
)

// Sender sends one gratuitous ARP for one address.
type Sender interface {
	Send(vip netip.Addr) error
}

// Conn is the real Sender: an AF_PACKET socket on one interface.
type Conn struct {
	ifi *net.Interface
	c   *arp.Client
}

// Dial opens a send-only ARP socket on the named interface. The socket is
// bound to protocol 0, so the kernel queues no received frames on it: a
// sender that never reads must not collect the segment's ARP traffic.
func Dial(ifname string) (*Conn, error) {
	ifi, err := Interface(ifname)
	if err != nil {
		return nil, fmt.Errorf("gratuitous ARP on %s: %w", ifname, err)
	}
	if len(ifi.HardwareAddr) != 6 {
		return nil, fmt.Errorf("gratuitous ARP on %s: no Ethernet hardware address", ifname)
	}
	pc, err := packet.Listen(ifi, packet.Raw, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("gratuitous ARP on %s: %w", ifname, err)
	}
	c, err := arp.New(ifi, pc)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("gratuitous ARP on %s: %w", ifname, err)
	}
	return &Conn{ifi: ifi, c: c}, nil
}

// Send broadcasts one gratuitous ARP for vip.
func (c *Conn) Send(vip netip.Addr) error {
	p, err := Packet(c.ifi.HardwareAddr, vip)
	if err != nil {
		return err
	}
	if err := c.c.WriteTo(p, ethernet.Broadcast); err != nil {
		return fmt.Errorf("gratuitous ARP for %s on %s: %w", vip, c.ifi.Name, err)
	}
	return nil
}

// Close releases the socket.
func (c *Conn) Close() error { return c.c.Close() }
