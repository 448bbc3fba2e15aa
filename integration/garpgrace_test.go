package integration

import (
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/mdlayher/arp"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/nsenter"
)

// After a handover the old master keeps the VIPs for its release grace
// and answers the gateway's ARP requests for them meanwhile. The new
// master's GARPs must have the last word: here the gateway asks the
// loser, inside its grace and after the winner's first GARP burst, and
// its neighbour entry must still end on the winner well before the
// winner's repeat burst (5 s). Both kinds of handover: a preemption back
// (dA outranks dB) and a step-down (dA hands over to dB).
func TestNewMasterGARPFollowsTheLoserGrace(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	// A Linux gateway ignores an ARP reply that would change an entry
	// updated less than locktime (1 s) ago, so the loser's answer would
	// not move it after the winner's GARP. Many routers have no such
	// lock: the gateway here takes the last answer, as they do.
	_, err := p.lab.Exec("gw", "sysctl", "-qw", "net.ipv4.neigh.eth0.locktime=0")
	must(t, err)
	w := p.watchARP("gw")
	neigh := p.neighChanges("gw")

	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "1s", Preempt: true})
	_, nb := p.waitState(b, 0, "MASTER")
	p.seedGatewayNeigh(macB)
	sockA := filepath.Join(p.dir, "dA.toml.sock")

	// The grace lasts 100 ms after the loser heard the winner; a loaded
	// machine may miss it now and then, so each kind of handover gets a
	// few tries, and one whose answer moved the gateway is enough. A try
	// that leaves the gateway on the loser fails the test.
	const tries = 4
	var a *netlab.Proc
	hit := map[string]bool{}
	for try := 0; try < tries && !(hit["preempt"] && hit["step-down"]); try++ {
		// dA preempts dB: by starting the first time, then by resuming.
		mark := w.mark()
		if a == nil {
			a = p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true})
		} else {
			_, err := p.lab.Exec("dA", binary, "resume", "-s", sockA)
			must(t, err)
		}
		if p.probeGrace(w, neigh, mark, macA, macB) {
			hit["preempt"] = true
		}
		_, nb = p.waitState(b, nb, "BACKUP") // and dB's VIPs gone
		p.waitGatewayMAC(macA)

		// dA steps down to dB.
		mark = w.mark()
		done := make(chan error, 1)
		go func() { _, err := p.lab.Exec("dA", binary, "step-down", "-s", sockA); done <- err }()
		if p.probeGrace(w, neigh, mark, macB, macA) {
			hit["step-down"] = true
		}
		must(t, <-done)
		_, nb = p.waitState(b, nb, "MASTER")
		p.waitGatewayMAC(macB)
		if t.Failed() {
			return
		}
	}
	for _, kind := range []string{"preempt", "step-down"} {
		if !hit[kind] {
			t.Errorf("%s: in %d tries the loser never answered an ARP request inside its grace; the handover was not exercised", kind, tries)
		}
	}
}

// probeGrace waits for the winner's first GARP seen after mark, then asks
// the loser (unicast to its MAC) for the VIP every 10 ms, as a gateway
// that keeps asking would, for as long as the loser answers: it holds
// the VIP in its grace. If one of its answers moved the gateway's entry,
// the entry must move on to the winner within 2 s of the last, long
// before the winner's 5 s repeat burst, and stay there. It reports
// whether the loser's answer moved the gateway.
func (p *pairLab) probeGrace(w *arpWatch, neigh *stream[netlink.NeighUpdate], mark int, winner, loser string) bool {
	p.t.Helper()
	vipAddr := netip.MustParseAddr(vip)
	if _, _, err := w.wait(mark, waitFor, func(s arpSeen) bool {
		return s.op == arp.OperationRequest && s.ip == vipAddr && s.target == vipAddr && s.mac == winner
	}); err != nil {
		p.t.Fatalf("no GARP from the winner %s: %v", winner, err)
	}
	moved := neigh.mark()
	answers := 0
	for {
		asked := w.mark()
		must(p.t, w.ask(vipAddr, loser))
		// A loser that holds the VIP answers at once; 50 ms is room for a
		// loaded machine. The kernel took the answer before the socket
		// handed it to us: the gateway's entry has it from here on.
		if _, _, err := w.wait(asked, 50*time.Millisecond, func(s arpSeen) bool {
			return s.op == arp.OperationReply && s.ip == vipAddr && s.mac == loser
		}); err != nil {
			break
		}
		answers++
		<-time.After(10 * time.Millisecond) // the pace of the requests, not a wait for anything
	}
	// A Linux gateway takes an answer only a jiffy after the entry's last
	// change (locktime 0 still compares jiffies): the first answers, right
	// after the winner's GARP, may change nothing.
	onVIP := func(mac string) func(netlink.NeighUpdate) bool {
		return func(u netlink.NeighUpdate) bool {
			return u.Type == unix.RTM_NEWNEIGH && u.IP.Equal(net.ParseIP(vip)) && u.HardwareAddr.String() == mac
		}
	}
	last := -1
	for k, u := range neigh.all()[moved:] {
		if onVIP(loser)(u) {
			last = moved + k
		}
	}
	if last < 0 {
		p.t.Logf("the loser %s answered %d requests in its grace; none moved the gateway", loser, answers)
		return false
	}
	p.t.Logf("the loser %s answered %d requests in its grace, and moved the gateway", loser, answers)
	if _, _, err := neigh.wait(last+1, 2*time.Second, onVIP(winner)); err != nil {
		p.t.Errorf("the gateway's entry for %s stayed on the loser %s after it answered in its grace: %s it moved back to the winner %s (whose GARPs must follow the loser's grace)",
			vip, loser, err, winner)
	} else if got := p.gatewayMAC(); got != winner {
		p.t.Errorf("the gateway's entry for %s went back to %s after the winner's GARP, want the winner %s", vip, got, winner)
	}
	return true
}

// arpSeen is one ARP packet the watcher received.
type arpSeen struct {
	at     time.Time
	op     arp.Operation
	mac    string     // sender's hardware address
	ip     netip.Addr // sender's IP
	target netip.Addr
}

// arpWatch is an ARP socket on a host's eth0 that keeps every ARP packet
// it receives, and sends requests.
type arpWatch struct {
	*stream[arpSeen]
	c *arp.Client
}

// watchARP opens the socket in host's namespace; it closes with the test.
func (p *pairLab) watchARP(host string) *arpWatch {
	p.t.Helper()
	var c *arp.Client
	err := nsenter.Do(nsenter.Path(p.lab.NS(host)), func() error {
		ifi, err := net.InterfaceByName("eth0")
		if err != nil {
			return err
		}
		c, err = arp.Dial(ifi)
		return err
	})
	if err != nil {
		p.t.Fatalf("ARP socket on %s: %v", host, err)
	}
	w := &arpWatch{stream: newStream[arpSeen](), c: c}
	read := make(chan struct{})
	go func() {
		defer close(read)
		for {
			pkt, _, err := c.Read()
			if err != nil {
				return // closed
			}
			w.add(arpSeen{at: time.Now(), op: pkt.Operation, mac: pkt.SenderHardwareAddr.String(), ip: pkt.SenderIP, target: pkt.TargetIP})
		}
	}()
	p.t.Cleanup(func() { c.Close(); <-read })
	return w
}

// ask sends an ARP request for ip from this host, to mac alone.
func (w *arpWatch) ask(ip netip.Addr, mac string) error {
	hw, err := net.ParseMAC(mac)
	if err != nil {
		return err
	}
	req, err := arp.NewPacket(arp.OperationRequest, w.c.HardwareAddr(), netip.MustParseAddr("192.0.2.1"), net.HardwareAddr{0, 0, 0, 0, 0, 0}, ip)
	if err != nil {
		return err
	}
	return w.c.WriteTo(req, hw)
}
