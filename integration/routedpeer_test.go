package integration

import (
	"slices"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// routedLab is two directors on two subnets with a router between them:
// dA 192.0.2.11 on swA, dB 198.51.100.12 on swB, r forwarding with
// 192.0.2.1 and 198.51.100.1. Unicast adverts reach the other side with
// TTL 254.
func routedLab(t *testing.T) *pairLab {
	t.Helper()
	needLab(t)
	l := newLab(t)
	must(t, l.Switch("swA"))
	must(t, l.Switch("swB"))
	must(t, l.AddHost(netlab.Host{Name: "r", Switch: "swA", If: "eth0", Addrs: []string{"192.0.2.1/24"}}))
	must(t, l.AddHost(netlab.Host{Name: "r", Switch: "swB", If: "eth1", Addrs: []string{"198.51.100.1/24"}}))
	_, err := l.Exec("r", "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	must(t, err)
	must(t, l.AddHost(netlab.Host{Name: "dA", Switch: "swA", MAC: macA, Addrs: []string{"192.0.2.11/24"},
		Routes: [][]string{{"198.51.100.0/24", "via", "192.0.2.1"}}}))
	must(t, l.AddHost(netlab.Host{Name: "dB", Switch: "swB", MAC: macB, Addrs: []string{"198.51.100.12/24"},
		Routes: [][]string{{"192.0.2.0/24", "via", "198.51.100.1"}}}))
	// Resolve both hops' neighbours before any director starts: adverts
	// queued behind a first ARP would arrive late, and make a master of
	// the backup for a moment.
	for _, ping := range [][]string{{"dA", "198.51.100.12"}, {"dB", "192.0.2.11"}} {
		_, err := l.Exec(ping[0], "ping", "-c", "1", "-W", "10", ping[1])
		must(t, err)
	}
	return &pairLab{t: t, lab: l, dir: t.TempDir(), keepalived: map[string]bool{}}
}

// routedConf is one director's instance, its peer across the router given
// by peerLines (unicast_peers, or a [[instance.unicast_peer]] table).
func routedConf(prio int, src, peerLines string) instanceConf {
	return instanceConf{Priority: prio, Version: 3, Interval: "100ms", Preempt: true,
		Extra: `vips = ["192.0.2.100"]` + "\n" + `unicast_src = "` + src + `"` + "\n" + peerLines}
}

// With the default (TTL 255 required, as RFC 5798 says) adverts across the
// router are dropped as ttl, and both directors are master.
func TestRoutedPeerDefaultTTLDropped(t *testing.T) {
	t.Parallel()
	p := routedLab(t)
	a := p.start("dA", routedConf(150, "192.0.2.11", `unicast_peers = ["198.51.100.12"]`))
	b := p.start("dB", routedConf(100, "198.51.100.12", `unicast_peers = ["192.0.2.11"]`))
	p.waitState(a, 0, "MASTER")
	p.waitState(b, 0, "MASTER")
	for _, d := range []*netlab.Proc{a, b} {
		if _, _, err := d.WaitFor(0, waitFor, func(e netlab.Event) bool {
			return e.Str("msg") == "packet dropped" && e.Str("reason") == "ttl"
		}); err != nil {
			t.Errorf("%s logged no ttl drop: %v", d.Name, err)
		}
	}
}

// A peer given min_ttl 254 is heard across one router: one master.
func TestRoutedPeerMinTTL(t *testing.T) {
	t.Parallel()
	p := routedLab(t)
	peer := func(addr string) string {
		return "\n[[instance.unicast_peer]]\naddress = \"" + addr + "\"\nmin_ttl = 254\n"
	}
	a := p.start("dA", routedConf(150, "192.0.2.11", peer("198.51.100.12")))
	p.waitState(a, 0, "MASTER")
	b := p.start("dB", routedConf(100, "198.51.100.12", peer("192.0.2.11")))
	// Twenty adverts are two seconds, several Master_Down_Intervals
	// (0.36 s): had they been dropped, dB would have become master.
	next := 0
	for range 20 {
		next = p.waitAdvertFrom(b, next, "192.0.2.11")
	}
	if s := transitions(b); slices.Contains(s, "MASTER") {
		t.Errorf("dB became master beside dA: transitions %v", s)
	}
	p.wantVIPs("dA", 1)
	p.wantVIPs("dB", 0)
	for _, e := range b.Events(0) {
		if e.Str("msg") == "packet dropped" {
			t.Errorf("dB dropped a packet: %v", e)
		}
	}
}
