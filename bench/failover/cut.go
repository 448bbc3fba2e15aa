package main

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/internal/drill"
	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/mdlayher/packet"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// cutAfterAdvert cuts the switch port of the director whose address is src
// the moment one of its adverts reaches the gateway, and returns when the
// cut was made. Every link cut then falls at the same point of the advert
// cycle, Master_Down_Interval before the takeover, whatever the
// implementation. Cut with `ip link` at an arbitrary moment, the outage
// depended on where in the cycle the cut fell: on the exec's delay, and on
// whether the master's adverts keep to a grid (hadirector's do) or to its
// own start (keepalived's), which biased the ping-gap row.
func cutAfterAdvert(gwNS, gwIf, swNS, port string, src netip.Addr, timeout time.Duration) (time.Time, error) {
	sw, err := netns.GetFromName(swNS)
	if err != nil {
		return time.Time{}, fmt.Errorf("namespace %s: %w", swNS, err)
	}
	defer sw.Close()
	h, err := netlink.NewHandleAt(sw)
	if err != nil {
		return time.Time{}, fmt.Errorf("netlink in %s: %w", swNS, err)
	}
	defer h.Close()
	link, err := h.LinkByName(port)
	if err != nil {
		return time.Time{}, fmt.Errorf("port %s in %s: %w", port, swNS, err)
	}
	c, err := listenIn(gwNS, gwIf)
	if err != nil {
		return time.Time{}, err
	}
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return time.Time{}, err
	}
	buf := make([]byte, 2048)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return time.Time{}, fmt.Errorf("waiting for an advert from %s on %s: %w", src, gwIf, err)
		}
		if s, ok := drill.Decode(buf[:n], time.Now()); ok && s.Kind == "advert" && s.Src == src {
			break
		}
	}
	t0 := time.Now()
	if err := h.LinkSetDown(link); err != nil {
		return time.Time{}, fmt.Errorf("cutting %s: %w", port, err)
	}
	return t0, nil
}

// listenIn opens a packet socket on interface ifname of namespace ns.
func listenIn(ns, ifname string) (*packet.Conn, error) {
	var c *packet.Conn
	err := nsenter.Do(nsenter.Path(ns), func() error {
		ifi, err := net.InterfaceByName(ifname)
		if err != nil {
			return fmt.Errorf("%s in %s: %w", ifname, ns, err)
		}
		c, err = packet.Listen(ifi, packet.Raw, int(fam.etherType), nil) // ETH_P_IP or ETH_P_IPV6
		if err != nil {
			return fmt.Errorf("packet socket on %s in %s: %w", ifname, ns, err)
		}
		return nil
	})
	return c, err
}
