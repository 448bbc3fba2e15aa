package drill

import (
	"encoding/binary"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/mdlayher/arp"
	"github.com/mdlayher/packet"

	"github.com/hadirector/hadirector/vrrp"
)

// Seen is one packet of interest on the wire.
type Seen struct {
	At       time.Time
	Kind     string // "advert" or "garp"
	Src      netip.Addr
	MAC      net.HardwareAddr
	VRID     uint8
	Priority uint8
	VIP      netip.Addr // garp
}

// Watcher records adverts and gratuitous ARPs on one interface, ours
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

// Decode recognises a VRRP advert or a gratuitous ARP in an Ethernet frame.
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
	}
	return Seen{}, false
}

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
