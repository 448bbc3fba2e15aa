package drill

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/ndp"
	"github.com/mdlayher/packet"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// Seen is one packet of interest on the wire.
type Seen struct {
	At       time.Time
	Kind     string // "advert" or "garp" (a gratuitous ARP, or an unsolicited NA for an IPv6 VIP)
	Src      netip.Addr
	MAC      net.HardwareAddr
	VRID     uint8
	Priority uint8
	VIP      netip.Addr // garp
}

// Watcher records adverts, gratuitous ARPs and unsolicited NAs on one interface, ours
// (outgoing) included.
type Watcher struct {
	c    *packet.Conn
	mu   sync.Mutex
	seen []Seen
	done chan struct{}
}

const ethPAll = 0x0003

// Watch starts recording on the interface.
func Watch(ifname string) (*Watcher, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, err
	}
	c, err := packet.Listen(ifi, packet.Raw, ethPAll, nil)
	if err != nil {
		return nil, err
	}
	w := &Watcher{c: c, done: make(chan struct{})}
	go w.read()
	return w, nil
}

func (w *Watcher) read() {
	defer close(w.done)
	buf := make([]byte, 2048)
	for {
		n, _, err := w.c.ReadFrom(buf)
		if err != nil {
			return
		}
		if s, ok := Decode(buf[:n], time.Now()); ok {
			w.mu.Lock()
			w.seen = append(w.seen, s)
			w.mu.Unlock()
		}
	}
}

// Decode recognises a VRRP advert (IPv4 or IPv6), a gratuitous ARP or an
// unsolicited neighbour advertisement in an Ethernet frame.
func Decode(f []byte, at time.Time) (Seen, bool) {
	if len(f) < 14 {
		return Seen{}, false
	}
	mac := net.HardwareAddr(append([]byte(nil), f[6:12]...))
	switch binary.BigEndian.Uint16(f[12:14]) {
	case 0x0806:
		var p arp.Packet
		if p.UnmarshalBinary(f[14:]) != nil || p.Operation != arp.OperationRequest || p.SenderIP != p.TargetIP {
			return Seen{}, false
		}
		return Seen{At: at, Kind: "garp", MAC: mac, VIP: p.SenderIP, Src: p.SenderIP}, true
	case 0x0800:
		ip := f[14:]
		if len(ip) < 20 || ip[9] != vrrp.ProtocolNumber {
			return Seen{}, false
		}
		hl := int(ip[0]&0x0f) * 4
		if hl < 20 || len(ip) < hl {
			return Seen{}, false
		}
		src, _ := netip.AddrFromSlice(ip[12:16])
		dst, _ := netip.AddrFromSlice(ip[16:20])
		p, err := vrrp.Unmarshal(ip[hl:], src, dst)
		if err != nil {
			return Seen{}, false
		}
		return Seen{At: at, Kind: "advert", Src: src, MAC: mac, VRID: p.VRID, Priority: p.Priority}, true
	case 0x86dd:
		return decode6(f[14:], mac, at)
	}
	return Seen{}, false
}

// decode6 recognises, in an IPv6 packet without extension headers (VRRP
// and neighbour discovery send none), a VRRPv3 advert or an unsolicited
// neighbour advertisement (to all nodes, override set), the IPv6
// counterpart of a gratuitous ARP, which it reports as Kind "garp".
func decode6(ip []byte, mac net.HardwareAddr, at time.Time) (Seen, bool) {
	if len(ip) < 40 || ip[0]>>4 != 6 {
		return Seen{}, false
	}
	plen := int(binary.BigEndian.Uint16(ip[4:6]))
	if 40+plen > len(ip) {
		return Seen{}, false
	}
	src := netip.AddrFrom16([16]byte(ip[8:24]))
	dst := netip.AddrFrom16([16]byte(ip[24:40]))
	payload := ip[40 : 40+plen]
	switch ip[6] {
	case vrrp.ProtocolNumber:
		p, err := vrrp.Unmarshal(payload, src, dst)
		if err != nil {
			return Seen{}, false
		}
		return Seen{At: at, Kind: "advert", Src: src, MAC: mac, VRID: p.VRID, Priority: p.Priority}, true
	case ipv6ICMP:
		m, err := ndp.ParseMessage(payload)
		if err != nil {
			return Seen{}, false
		}
		na, ok := m.(*ndp.NeighborAdvertisement)
		if !ok || !na.Override || na.Solicited || dst != garp.AllNodes {
			return Seen{}, false
		}
		return Seen{At: at, Kind: "garp", MAC: mac, VIP: na.TargetAddress, Src: na.TargetAddress}, true
	}
	return Seen{}, false
}

const ipv6ICMP = 58

// Seen returns what was recorded so far.
func (w *Watcher) Seen() []Seen {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Seen(nil), w.seen...)
}

// Close stops recording.
func (w *Watcher) Close() error {
	err := w.c.Close()
	<-w.done
	return err
}
