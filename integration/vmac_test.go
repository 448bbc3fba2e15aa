package integration

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
)

// vmac51 is virtual router 51's IPv4 virtual MAC.
const vmac51 = "00:00:5e:00:01:33"

// ignoreGARP makes the lab's gateway one that ignores gratuitous ARP: the
// switch drops, on the way to any port, every ARP packet whose sender and
// target address are both the VIP (nft's bridge family cannot compare two
// fields of a packet, so the rule names the VIP), and counts them. The
// gateway keeps its neighbour entries reachable for an hour, so that
// nothing but an ARP it accepts moves one.
func (p *pairLab) ignoreGARP() {
	p.t.Helper()
	for _, cmd := range [][]string{
		{"nft", "add", "table", "bridge", "lab"},
		{"nft", "add", "chain", "bridge", "lab", "garp", "{ type filter hook forward priority 0; }"},
		{"nft", "add", "rule", "bridge", "lab", "garp", "arp", "saddr", "ip", vip, "arp", "daddr", "ip", vip, "counter", "drop"},
	} {
		_, err := p.lab.Exec("sw", cmd...)
		must(p.t, err)
	}
	must(p.t, p.lab.Sysctl("gw", "net.ipv4.neigh.eth0.base_reachable_time_ms=3600000"))
}

var nftCounter = regexp.MustCompile(`counter packets (\d+)`)

// garpsDropped is how many gratuitous ARPs the switch has dropped.
func (p *pairLab) garpsDropped() int {
	p.t.Helper()
	out, err := p.lab.Exec("sw", "nft", "list", "chain", "bridge", "lab", "garp")
	must(p.t, err)
	m := nftCounter.FindStringSubmatch(out)
	if m == nil {
		p.t.Fatalf("no counter in:\n%s", out)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// waitGARPsDropped waits until the switch has counted more than n gratuitous ARPs (dropped, unless the rule accepts).
func (p *pairLab) waitGARPsDropped(n int) {
	p.t.Helper()
	for deadline := time.Now().Add(waitFor); p.garpsDropped() <= n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			p.t.Fatalf("the switch counted no gratuitous ARP past %d in %v", n, waitFor)
		}
	}
}

var pingStamp = regexp.MustCompile(`^\[(\d+\.\d+)\] \d+ bytes from`)

// replies are the times of ping -D's replies at or after line from.
func replies(proc *netlab.Proc, from int) []time.Time {
	var ts []time.Time
	for _, l := range proc.Lines()[from:] {
		if m := pingStamp.FindStringSubmatch(l); m != nil {
			sec, _ := strconv.ParseFloat(m[1], 64)
			ts = append(ts, time.Unix(0, int64(sec*1e9)))
		}
	}
	return ts
}

// vmacFailover runs dA (150) and dB (100) at 100 ms adverts, with or
// without use_vmac, behind a gateway that ignores gratuitous ARP; the
// gateway pings the VIP every 10 ms and its neighbour table is followed
// from before the first ping. It ends dA with SIGTERM once the gateway's
// entry for the VIP is set, waits for dB to take over and for its
// gratuitous ARP to be dropped, and returns the ping, the neighbour
// monitor, the ping's line at dA's exit and the gateway's entry before.
func vmacFailover(t *testing.T, useVMAC bool) (p *pairLab, ping, neigh *netlab.Proc, exited int, before string) {
	return failoverBehind(t, useVMAC, true)
}

// failoverBehind is vmacFailover behind a gateway that ignores gratuitous
// ARP or, with ignore false, one that follows it.
func failoverBehind(t *testing.T, useVMAC, ignore bool) (p *pairLab, ping, neigh *netlab.Proc, exited int, before string) {
	p = newPairLab(t)
	p.ignoreGARP()
	if !ignore {
		_, err := p.lab.Exec("sw", "nft", "flush", "chain", "bridge", "lab", "garp")
		must(t, err)
		_, err = p.lab.Exec("sw", "nft", "add", "rule", "bridge", "lab", "garp", "arp", "saddr", "ip", vip, "arp", "daddr", "ip", vip, "counter", "accept")
		must(t, err)
	}
	c := instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true, VIPs: []string{vip},
		Extra: `vips = ["` + vip + `"]` + "\n" + "use_vmac = " + strconv.FormatBool(useVMAC) + "\n"}
	a := p.start("dA", c)
	p.waitState(a, 0, "MASTER")
	c.Priority = 100
	b := p.start("dB", c)
	p.waitState(b, 0, "BACKUP")
	var err error
	neigh, err = p.lab.Start("gw", nil, "ip", "monitor", "neigh", "dev", "eth0")
	must(t, err)
	ping, err = p.lab.Start("gw", nil, "ping", "-D", "-O", "-n", "-i", "0.01", vip)
	must(t, err)
	if _, err := ping.WaitLine(0, waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("no ping reply from the VIP: %v", err)
	}
	before = p.gatewayMAC()
	dropped := p.garpsDropped()
	bm := b.Mark()
	must(t, a.Signal(syscall.SIGTERM))
	p.waitState(b, bm, "MASTER")
	p.waitGARPsDropped(dropped)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := a.Wait(ctx); err != nil {
		t.Fatalf("dA did not exit: %v", err)
	}
	return p, ping, neigh, ping.Mark(), before
}

// With use_vmac, a gateway that ignores gratuitous ARP rides through a
// failover: its entry for the VIP is the virtual MAC before and after and
// never changes, and its pings are answered again after the takeover.
// (The gap is logged, not asserted: see bench/failover for timings.)
func TestVMACGatewayIgnoresGARP(t *testing.T) {
	p, ping, neigh, exited, before := vmacFailover(t, true)
	if before != vmac51 {
		t.Fatalf("gateway's entry for the VIP before the failover: %q, want the virtual MAC %s", before, vmac51)
	}
	if _, err := ping.WaitLine(exited, waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("the VIP answers no ping after the takeover: %v", err)
	}
	if got := p.gatewayMAC(); got != vmac51 {
		t.Errorf("gateway's entry after the failover: %q, want %s", got, vmac51)
	}
	neighStayed(t, neigh, vip, vmac51)
	// dB holds the VIP on its macvlan, not on eth0.
	out, err := p.lab.IP("dB", "-4", "addr", "show", "dev", "vrrp.51")
	must(t, err)
	if !strings.Contains(out, "inet "+vip+"/32 brd "+vip) {
		t.Errorf("dB's vrrp.51:\n%s", out)
	}
	if got := p.vips("dB"); len(got) != 0 {
		t.Errorf("dB holds %v on eth0", got)
	}
	logGap(t, ping)
}

// neighStayed fails the test if ip monitor neigh saw the gateway's entry
// for addr at any MAC but mac.
func neighStayed(t *testing.T, neigh *netlab.Proc, addr, mac string) {
	t.Helper()
	for _, l := range neigh.Lines() {
		if strings.HasPrefix(l, addr+" ") && strings.Contains(l, "lladdr") && !strings.Contains(l, mac) {
			t.Errorf("the gateway's entry for the VIP changed: %s", l)
		}
	}
}

// logGap logs the longest time between two ping replies, and the pings
// that went unanswered.
func logGap(t *testing.T, ping *netlab.Proc) {
	ts := replies(ping, 0)
	var gap time.Duration
	for k := 1; k < len(ts); k++ {
		gap = max(gap, ts[k].Sub(ts[k-1]))
	}
	lost := 0
	for _, l := range ping.Lines() {
		if strings.Contains(l, "] no answer yet") {
			lost++
		}
	}
	t.Logf("ping gap %v, %d pings unanswered (every 10 ms)", gap.Round(time.Millisecond), lost)
}

// For comparison, without use_vmac, a gateway that follows gratuitous ARP
// moves its entry to dB's MAC and the pings resume (the gap is logged).
func TestGARPGatewayFollows(t *testing.T) {
	p, ping, _, exited, before := failoverBehind(t, false, false)
	if before != macA {
		t.Fatalf("gateway's entry for the VIP before the failover: %q, want dA's %s", before, macA)
	}
	if _, err := ping.WaitLine(exited, waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("the VIP answers no ping after the takeover: %v", err)
	}
	p.waitGatewayMAC(macB)
	logGap(t, ping)
}

// Without use_vmac the same gateway stays on the old master's MAC: the
// new master's gratuitous ARP is dropped, nothing else moves the entry,
// and the VIP answers no ping. This is why use_vmac exists.
func TestNoVMACGatewayStaysOnOldMAC(t *testing.T) {
	p, ping, _, exited, before := vmacFailover(t, false)
	if before != macA {
		t.Fatalf("gateway's entry for the VIP before the failover: %q, want dA's %s", before, macA)
	}
	// Thirty pings sent after dA exited and dB's GARP was dropped.
	n := 0
	if _, err := ping.WaitLine(exited, waitFor, func(l string) bool {
		if strings.Contains(l, "] no answer yet") {
			n++
		}
		return n == 30
	}); err != nil {
		lines := ping.Lines()
		t.Fatalf("%v; ping's last lines:\n%s", err, strings.Join(lines[max(0, len(lines)-10):], "\n"))
	}
	if r := replies(ping, exited); len(r) > 0 {
		t.Errorf("the VIP answered %d pings after the failover; the gateway should still send them to dA", len(r))
	}
	if got := p.gatewayMAC(); got != macA {
		t.Errorf("gateway's entry after the failover: %q, want dA's %s still", got, macA)
	}
}

// An IPv6 VIP given with a prefix is held with it, so the kernel adds the
// prefix route, and removed with it; one left by a crash is removed at
// start. dA alone, the address owner.
func TestPrefixVIP6(t *testing.T) {
	p := newPairLab(t)
	p.addIPv6()
	p.waitLinkLocal("dA")
	const held = "2001:db8:1::100/64"
	_, err := p.lab.IP("dA", "addr", "add", held, "dev", "eth0", "nodad") // a crashed run's
	must(t, err)
	a := p.start("dA", instanceConf{Priority: 255, Version: 3, Interval: "100ms", Preempt: true, Extra: `vips = ["` + held + `"]` + "\n"})
	_, next, err := a.WaitFor(0, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "stale vips removed" })
	if err != nil {
		t.Fatalf("the stale VIP was not removed: %v", err)
	}
	p.waitState(a, next, "MASTER")
	addrs, err := p.lab.IP("dA", "-6", "addr", "show", "dev", "eth0")
	must(t, err)
	routes, err := p.lab.IP("dA", "-6", "route", "show", "dev", "eth0")
	must(t, err)
	if !strings.Contains(addrs, "inet6 "+held+" scope global") || strings.Contains(addrs, "2001:db8:1::100/128") {
		t.Errorf("the VIP is not held as %s:\n%s", held, addrs)
	}
	if !strings.Contains(routes, "2001:db8:1::/64 proto kernel") {
		t.Errorf("no prefix route for the VIP:\n%s", routes)
	}
	must(t, a.Signal(syscall.SIGTERM))
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if _, err := a.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	addrs, err = p.lab.IP("dA", "-6", "addr", "show", "dev", "eth0")
	must(t, err)
	if strings.Contains(addrs, "2001:db8:1::100") {
		t.Errorf("the VIP stayed after the exit:\n%s", addrs)
	}
}

// vmacMaster is the lab behind a gateway that ignores gratuitous ARP, with
// hadirector master in dA (150, VRRPv3 at 100 ms, use_vmac) for a peer to
// join in dB.
func vmacMaster(t *testing.T) (*pairLab, instanceConf, *netlab.Proc) {
	t.Helper()
	p := newPairLab(t)
	p.ignoreGARP()
	c := instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true, Extra: `vips = ["` + vip + `"]` + "\nuse_vmac = true\n"}
	hd := p.start("dA", c)
	p.waitState(hd, 0, "MASTER")
	return p, c, hd
}

// hadirector and keepalived, both with use_vmac, behind a gateway that
// ignores gratuitous ARP: hadirector (150) is master, keepalived (100)
// takes over at its SIGTERM and gives way when it returns; the gateway's
// entry for the VIP is the virtual MAC throughout, the VIP answers pings
// after each change, and keepalived logs no complaint about our adverts.
func TestKeepalivedInteropVMAC(t *testing.T) {
	p, hdConf, hd := vmacMaster(t)
	// keepalived 2.2.7 leaves the parent's arp_announce at 0: its host's
	// ARP request for the gateway, answering a ping to the VIP, then
	// carries the VIP from the parent's MAC, and the gateway learns that
	// MAC for the VIP. hadirector raises it to 2; the keepalived host gets
	// it here, as its operator would have to.
	must(t, p.lab.Sysctl("dB", "net.ipv4.conf.eth0.arp_announce=2"))
	p.keepalived["dB"] = true
	k, err := testlab.StartKeepalived(p.lab, "dB", p.dir, testlab.KeepalivedInstance{
		Interface: "eth0", VRID: 51, Priority: 100, Version: 3, AdvertInt: "0.1", VIPs: []string{vip}, UseVMAC: true,
	})
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("keepalived log:\n%s", strings.Join(k.Lines(), "\n"))
		}
	})
	waitKA(t, k, 0, "Entering BACKUP STATE")
	neigh, err := p.lab.Start("gw", nil, "ip", "monitor", "neigh", "dev", "eth0")
	must(t, err)
	ping, err := p.lab.Start("gw", nil, "ping", "-D", "-O", "-n", "-i", "0.01", vip)
	must(t, err)
	answered := func(from int, what string) {
		t.Helper()
		if _, err := ping.WaitLine(from, waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
			t.Fatalf("no ping reply %s: %v", what, err)
		}
		if got := p.gatewayMAC(); got != vmac51 {
			t.Fatalf("gateway's entry for the VIP %s: %q, want %s", what, got, vmac51)
		}
	}
	answered(0, "from hadirector")

	mk := len(k.Lines())
	must(t, hd.Signal(syscall.SIGTERM))
	waitExit(t, hd)
	waitKA(t, k, mk, "Entering MASTER STATE")
	answered(ping.Mark(), "from keepalived")

	mk = len(k.Lines())
	hd = p.start("dA", hdConf)
	p.waitState(hd, 0, "MASTER")
	waitKA(t, k, mk, "Entering BACKUP STATE")
	answered(ping.Mark(), "from hadirector again")

	neighStayed(t, neigh, vip, vmac51)
	for _, l := range k.Lines() {
		for _, bad := range keepalivedErrors {
			if strings.Contains(l, bad) {
				t.Errorf("keepalived: %s", l)
			}
		}
	}
	logGap(t, ping)
}

// vmac6_51 is virtual router 51's IPv6 virtual MAC.
const vmac6_51 = "00:00:5e:00:02:33"

// The IPv6 case: with use_vmac the gateway's neighbour entry for an IPv6
// VIP is the virtual MAC before and after a SIGTERM failover and never
// changes; the new master holds the VIP on vrrp6.51, and the backup's
// vrrp6.51 holds no address at all.
func TestVMAC6Failover(t *testing.T) {
	p := newPairLab(t)
	p.addIPv6()
	p.waitLinkLocal("dA")
	p.waitLinkLocal("dB")
	c := instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true, Extra: `vips = ["` + vip6 + `"]` + "\nuse_vmac = true\n"}
	a := p.start("dA", c)
	p.waitState(a, 0, "MASTER")
	c.Priority = 100
	b := p.start("dB", c)
	p.waitState(b, 0, "BACKUP")
	if out, err := p.lab.IP("dB", "addr", "show", "dev", "vrrp6.51"); err != nil || strings.Contains(out, "inet") {
		t.Errorf("the backup's vrrp6.51 holds an address (%v):\n%s", err, out)
	}
	neigh, err := p.lab.Start("gw", nil, "ip", "-6", "monitor", "neigh", "dev", "eth0")
	must(t, err)
	ping, err := p.lab.Start("gw", nil, "ping", "-6", "-D", "-O", "-n", "-i", "0.01", vip6)
	must(t, err)
	if _, err := ping.WaitLine(0, waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("no ping reply from the VIP: %v", err)
	}
	if mac, _ := p.gatewayNeigh6(vip6); mac != vmac6_51 {
		t.Fatalf("gateway's entry for %s: %q, want the virtual MAC %s", vip6, mac, vmac6_51)
	}
	bm := b.Mark()
	must(t, a.Signal(syscall.SIGTERM))
	waitExit(t, a)
	p.waitState(b, bm, "MASTER")
	if _, err := ping.WaitLine(ping.Mark(), waitFor, func(l string) bool { return pingStamp.MatchString(l) }); err != nil {
		t.Fatalf("the VIP answers no ping after the takeover: %v", err)
	}
	if mac, _ := p.gatewayNeigh6(vip6); mac != vmac6_51 {
		t.Errorf("gateway's entry for %s after the failover: %q, want %s", vip6, mac, vmac6_51)
	}
	neighStayed(t, neigh, vip6, vmac6_51)
	out, err := p.lab.IP("dB", "-6", "addr", "show", "dev", "vrrp6.51")
	must(t, err)
	if !strings.Contains(out, "inet6 "+vip6+"/128") {
		t.Errorf("dB's vrrp6.51:\n%s", out)
	}
	logGap(t, ping)
}
