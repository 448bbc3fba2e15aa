package main

import (
	"net"
	"time"

	"github.com/hadirector/hadirector/internal/drill"
	"github.com/hadirector/hadirector/internal/pcapfile"
)

// wireFrame is a VRRP advert, an ARP or an unsolicited NA captured at the
// gateway.
type wireFrame struct {
	at       time.Time
	arp      bool // an ARP or, for IPv6, an unsolicited NA
	srcMAC   string
	srcIP    string
	garp     string // the address announced: by an ARP whose sender and target are one, or an NA
	priority int    // VRRP
}

func readWire(path string) ([]wireFrame, error) {
	frames, err := pcapfile.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []wireFrame
	for _, f := range frames {
		if len(f.Data) < 14 {
			continue
		}
		w := wireFrame{at: f.Time, srcMAC: net.HardwareAddr(f.Data[6:12]).String()}
		if f.Data[12] == 0x08 && f.Data[13] == 0x06 {
			w.arp = true
			// Ethernet/IPv4 ARP: sender address at 14+14, target at 14+24.
			if a := f.Data[14:]; len(a) >= 28 && string(a[14:18]) == string(a[24:28]) {
				w.garp = net.IP(a[14:18]).String()
			}
			out = append(out, w)
			continue
		}
		if f.Data[12] == 0x86 && f.Data[13] == 0xdd {
			// An IPv6 advert, or an unsolicited NA: the GARP of IPv6.
			s, ok := drill.Decode(f.Data, f.Time)
			switch {
			case !ok:
				continue
			case s.Kind == "garp":
				w.arp, w.garp = true, s.VIP.String()
			default:
				w.srcIP, w.priority = s.Src.String(), int(s.Priority)
			}
			out = append(out, w)
			continue
		}
		ip, err := f.IPv4()
		if err != nil || ip.Protocol != 112 || len(ip.Payload) < 3 {
			continue
		}
		w.srcIP, w.priority = ip.Src.String(), int(ip.Payload[2])
		out = append(out, w)
	}
	return out, nil
}

// firstIn is the first frame in [from, to) that match accepts.
func firstIn(frames []wireFrame, from, to time.Time, match func(wireFrame) bool) (wireFrame, bool) {
	for _, f := range frames {
		if !f.at.Before(from) && f.at.Before(to) && match(f) {
			return f, true
		}
	}
	return wireFrame{}, false
}
