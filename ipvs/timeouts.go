package ipvs

import (
	"fmt"
	"time"

	"github.com/moby/ipvs"
)

// maxTimeout is the largest timeout the kernel takes (INT_MAX jiffies at HZ=1000).
const maxTimeout = 2147483 * time.Second

// SetTimeouts sets the kernel's connection timeouts as ipvsadm --set does: a
// zero timeout leaves that one unchanged. Timeouts are whole seconds.
func SetTimeouts(k Kernel, t Timeouts) error {
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{"tcp", t.TCP}, {"tcpfin", t.TCPFin}, {"udp", t.UDP}} {
		if v.d < 0 || v.d%time.Second != 0 || v.d > maxTimeout {
			return fmt.Errorf("ipvs: %s timeout %v: want whole seconds from 0 (unchanged) to %v", v.name, v.d, maxTimeout)
		}
	}
	if t == (Timeouts{}) {
		return nil
	}
	err := k.SetConfig(&ipvs.Config{TimeoutTCP: t.TCP, TimeoutTCPFin: t.TCPFin, TimeoutUDP: t.UDP})
	if err != nil {
		return fmt.Errorf("ipvs: set timeouts %v %v %v: %w", t.TCP, t.TCPFin, t.UDP, err)
	}
	return nil
}

// GetTimeouts returns the kernel's connection timeouts (ipvsadm -L --timeout).
func GetTimeouts(k Kernel) (Timeouts, error) {
	c, err := k.GetConfig()
	if err != nil {
		return Timeouts{}, fmt.Errorf("ipvs: get timeouts: %w", err)
	}
	return Timeouts{TCP: c.TimeoutTCP, TCPFin: c.TimeoutTCPFin, UDP: c.TimeoutUDP}, nil
}
