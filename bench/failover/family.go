package main

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

// family is the address plan of one lab: IPv4 (VRRPv3 over IPv4, GARPs)
// or IPv6 (VRRPv3 over IPv6 from the link-local addresses, unsolicited
// NAs). The bench runs one family at a time; fam is the current one.
type family struct {
	name      string // "IPv4" or "IPv6", the table's column
	vip       string
	hostAddrs map[string]string // host -> address/prefix on eth0
	// advertSrc is each director's advert source: its address, or for
	// IPv6 the link-local one (EUI-64 of its MAC).
	advertSrc map[string]netip.Addr
	etherType uint16 // of the adverts, for the packet sockets
	announce  string // how a new master announces the VIP: GARP or NA
	filter    string // tcpdump's: adverts and announcements
}

var (
	ipv4 = family{
		name: "IPv4", vip: "192.0.2.100",
		hostAddrs: map[string]string{"gw": "192.0.2.1/24", "dA": "192.0.2.11/24", "dB": "192.0.2.12/24"},
		advertSrc: map[string]netip.Addr{"dA": netip.MustParseAddr("192.0.2.11"), "dB": netip.MustParseAddr("192.0.2.12")},
		etherType: 0x0800, filter: "arp or ip proto 112", announce: "GARP",
	}
	ipv6 = family{
		name: "IPv6", vip: "2001:db8::100",
		hostAddrs: map[string]string{"gw": "2001:db8::1/64", "dA": "2001:db8::11/64", "dB": "2001:db8::12/64"},
		advertSrc: map[string]netip.Addr{"dA": netip.MustParseAddr("fe80::ff:fe00:11"), "dB": netip.MustParseAddr("fe80::ff:fe00:12")},
		etherType: 0x86dd, filter: "ip6 proto 112 or (icmp6 and ip6[40] == 136)", announce: "NA",
	}
	fam = ipv4
)

// parseFamilies reads -families: a list of 4 and 6.
func parseFamilies(s string) ([]family, error) {
	var out []family
	for _, f := range strings.Split(s, ",") {
		switch strings.TrimSpace(f) {
		case "4":
			out = append(out, ipv4)
		case "6":
			out = append(out, ipv6)
		default:
			return nil, fmt.Errorf("family %q: want 4 or 6", f)
		}
	}
	return out, nil
}

// addHosts puts the gateway and the directors on switch sw with the
// family's addresses; for IPv6 it waits until the directors' link-local
// addresses, their advert sources, are past duplicate address detection.
func (f family) addHosts(l *netlab.Lab) error {
	macs := map[string]string{"gw": "02:00:00:00:00:01", "dA": macA, "dB": macB}
	for _, h := range []string{"gw", "dA", "dB"} {
		host := netlab.Host{Name: h, Switch: "sw", MAC: macs[h]}
		if f.etherType == ipv4.etherType {
			host.Addrs = []string{f.hostAddrs[h]}
		}
		if err := l.AddHost(host); err != nil {
			return err
		}
		if f.etherType == ipv4.etherType {
			continue
		}
		if err := l.EnableIPv6(h, "eth0"); err != nil {
			return err
		}
		if _, err := l.IP(h, "addr", "add", f.hostAddrs[h], "dev", "eth0", "nodad"); err != nil {
			return err
		}
	}
	if f.etherType == ipv4.etherType {
		return nil
	}
	for _, h := range []string{"dA", "dB"} {
		if err := waitLinkLocal(l, h); err != nil {
			return err
		}
	}
	return nil
}

// waitLinkLocal waits for host's eth0 to have a link-local address past
// DAD (about 2 s after IPv6 comes up).
func waitLinkLocal(l *netlab.Lab, host string) error {
	ctx, cancel := context.WithTimeout(context.Background(), bound)
	defer cancel()
	for {
		out, err := l.IP(host, "-6", "addr", "show", "dev", "eth0", "scope", "link")
		if err != nil {
			return err
		}
		if strings.Contains(out, "inet6 fe80:") && !strings.Contains(out, "tentative") {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s has no link-local address past DAD: %s", host, out)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
