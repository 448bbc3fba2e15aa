package integration

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
)

// keepalivedErrors are keepalived log phrases for adverts it refused or a
// peer it disagrees with. None may appear when it runs with hadirector.
var keepalivedErrors = []string{
	"invalid", "bogus", "mismatch", "not present", "Invalid", "error", "unknown", "checksum",
}

// interopCase is one cell of the keepalived interop matrix.
type interopCase struct {
	version   int
	interval  string // Go duration
	unicast   bool
	password  string
	hdMaster  bool // hadirector is the higher priority
	vips      []string
	termFirst bool // fail over by SIGTERM rather than link cut
	ipv6      bool // an IPv6 instance (VIPs in 2001:db8::/64)
}

func (c interopCase) name() string {
	role := "hd-backup"
	if c.hdMaster {
		role = "hd-master"
	}
	mode := "mcast"
	if c.unicast {
		mode = "ucast"
	}
	n := fmt.Sprintf("v%d-%s-%s-%s-%dvip", c.version, c.interval, mode, role, len(c.vips))
	if c.ipv6 {
		n = "ipv6-" + n
	}
	if c.password != "" {
		n += "-pass"
	}
	if c.termFirst {
		n += "-sigterm"
	}
	return n
}

func TestKeepalivedInterop(t *testing.T) {
	two := []string{"192.0.2.100", "192.0.2.101"}
	three := []string{"192.0.2.100", "192.0.2.101", "192.0.2.102"}
	cases := []interopCase{
		{version: 2, interval: "1s", hdMaster: true, vips: two},
		{version: 2, interval: "1s", hdMaster: false, vips: two, termFirst: true},
		{version: 2, interval: "1s", hdMaster: true, vips: three, password: "s3cret", termFirst: true},
		{version: 2, interval: "1s", hdMaster: false, vips: three, password: "s3cret"},
		{version: 2, interval: "1s", unicast: true, hdMaster: false, vips: two},
		{version: 3, interval: "1s", hdMaster: true, vips: three},
		{version: 3, interval: "100ms", hdMaster: true, vips: two, termFirst: true},
		{version: 3, interval: "100ms", hdMaster: false, vips: three},
		{version: 3, interval: "100ms", unicast: true, hdMaster: true, vips: two},
		{version: 3, interval: "1s", unicast: true, hdMaster: false, vips: two, termFirst: true},
	}
	for _, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			t.Parallel()
			runInterop(t, c)
		})
	}
}

func runInterop(t *testing.T, c interopCase) {
	p := newPairLab(t)
	// The directors' addresses: the unicast ones, and the advert source of
	// each (for IPv6 the link-local one, EUI-64 of the MAC, unless unicast).
	addrA, addrB, srcB := "192.0.2.11", "192.0.2.12", "192.0.2.12"
	if c.ipv6 {
		p.ipv6 = true
		p.addIPv6()
		p.waitLinkLocal("dA")
		p.waitLinkLocal("dB")
		addrA, addrB, srcB = "2001:db8::11", "2001:db8::12", "fe80::ff:fe00:12"
		if c.unicast {
			srcB = addrB
		}
	}
	hdPrio, kaPrio := 100, 150
	if c.hdMaster {
		hdPrio, kaPrio = 150, 100
	}
	// hadirector runs in dA (192.0.2.11), keepalived in dB (192.0.2.12).
	var extra []string
	quoted := make([]string, len(c.vips))
	for i, v := range c.vips {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	extra = append(extra, fmt.Sprintf("vips = [%s]", strings.Join(quoted, ", ")))
	switch {
	case c.unicast && c.ipv6:
		// keepalived 2.2.7 sends unicast IPv6 adverts with hop limit 64.
		extra = append(extra, `unicast_src = "2001:db8::11"`, "[[instance.unicast_peer]]", `address = "2001:db8::12"`, "min_ttl = 64")
	case c.unicast:
		extra = append(extra, `unicast_peers = ["192.0.2.12"]`, `unicast_src = "192.0.2.11"`)
	}
	if c.password != "" {
		extra = append(extra, fmt.Sprintf("password = %q", c.password))
	}
	hdConf := instanceConf{Priority: hdPrio, Version: c.version, Interval: c.interval, Preempt: true, Extra: strings.Join(extra, "\n")}
	hdConf.VIPs = c.vips
	ka := testlab.KeepalivedInstance{
		Interface: "eth0", VRID: 51, Priority: kaPrio, Version: c.version,
		AdvertInt: kaInterval(c.interval), VIPs: c.vips, Password: c.password,
	}
	if c.unicast {
		ka.UnicastSrc, ka.UnicastPeers = addrB, []string{addrA}
	}
	startKA := func() *netlab.Proc {
		p.keepalived["dB"] = true
		k, err := testlab.StartKeepalived(p.lab, "dB", p.dir, ka)
		must(t, err)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("keepalived log:\n%s", strings.Join(k.Lines(), "\n"))
			}
		})
		return k
	}
	// The intended master starts first, so that the other joins a running
	// master: started together, a loaded machine can delay keepalived's
	// first advert past hadirector's Master_Down_Interval, and the
	// election under test becomes a race of start-ups.
	var hd, k *netlab.Proc
	if c.hdMaster {
		hd = p.start("dA", hdConf)
		k = startKA()
	} else {
		k = startKA()
		waitKA(t, k, 0, "Entering MASTER STATE")
		hd = p.start("dA", hdConf)
	}
	n := len(c.vips)

	// Election by priority, each side accepting the other's adverts.
	if c.hdMaster {
		p.waitState(hd, 0, "MASTER")
		waitKA(t, k, 0, "Entering BACKUP STATE")
		p.wantVIPs("dA", n)
		p.wantVIPs("dB", 0)
	} else {
		waitKA(t, k, 0, "Entering MASTER STATE")
		_, nh := p.waitState(hd, 0, "BACKUP")
		p.waitAdvertFrom(hd, nh, srcB)
		p.wantVIPs("dB", n)
		p.wantVIPs("dA", 0)
	}

	// Fail over from the master to the backup, then preempt back.
	masterHost, backupHost := "dA", "dB"
	if !c.hdMaster {
		masterHost, backupHost = "dB", "dA"
	}
	mh, mk := hd.Mark(), len(k.Lines())
	if c.ipv6 { // the gateway talks to the master; the takeover must move it
		p.seedGatewayNeigh6(c.vips[0], map[string]string{"dA": macA, "dB": macB}[masterHost])
	}
	if c.termFirst {
		if c.hdMaster {
			must(t, hd.Signal(syscall.SIGTERM))
			waitExit(t, hd)
			waitKA(t, k, mk, "Entering MASTER STATE")
			p.wantVIPs("dA", 0)
			p.wantVIPs("dB", n)
			if c.ipv6 {
				p.waitGatewayNeigh6(c.vips[0], macB)
			}
			hd = p.start("dA", hdConf)
			p.waitState(hd, 0, "MASTER")
			waitKA(t, k, mk, "Entering BACKUP STATE")
		} else {
			must(t, k.Signal(syscall.SIGTERM))
			waitExit(t, k)
			p.waitState(hd, mh, "MASTER")
			p.wantVIPs("dB", 0)
			p.wantVIPs("dA", n)
			if c.ipv6 {
				p.waitGatewayNeigh6(c.vips[0], macA)
			}
			mh = hd.Mark()
			k = startKA()
			waitKA(t, k, 0, "Entering MASTER STATE")
			p.waitState(hd, mh, "BACKUP")
		}
	} else {
		must(t, p.lab.Cut("sw", masterHost))
		if c.hdMaster {
			waitKA(t, k, mk, "Entering MASTER STATE")
		} else {
			p.waitState(hd, mh, "MASTER")
		}
		p.wantVIPs(backupHost, n)
		if c.ipv6 {
			p.waitGatewayNeigh6(c.vips[0], map[string]string{"dA": macA, "dB": macB}[backupHost])
		}
		mh, mk = hd.Mark(), len(k.Lines())
		must(t, p.lab.Heal("sw", masterHost))
		if c.hdMaster {
			waitKA(t, k, mk, "Entering BACKUP STATE")
		} else {
			p.waitState(hd, mh, "BACKUP")
		}
	}
	p.wantVIPs(masterHost, n)
	p.wantVIPs(backupHost, 0)

	// keepalived must have refused nothing of ours.
	for _, l := range k.Lines() {
		for _, bad := range keepalivedErrors {
			if strings.Contains(l, bad) {
				t.Errorf("keepalived complained: %s", l)
			}
		}
	}
	// And we must have dropped nothing of keepalived's.
	must(t, hd.Signal(syscall.SIGTERM))
	waitExit(t, hd)
	for _, e := range hd.Events(0) {
		if m := e.Str("msg"); m == "instance stopped" || m == "interface stopped" {
			if d, ok := e["drops"].(map[string]any); ok && len(d) > 0 {
				t.Errorf("hadirector dropped keepalived's adverts: %v", d)
			}
		}
	}
}

func kaInterval(d string) string {
	dur, _ := time.ParseDuration(d)
	return fmt.Sprintf("%g", dur.Seconds())
}

func waitKA(t *testing.T, k *netlab.Proc, from int, phrase string) int {
	t.Helper()
	n, err := k.WaitLine(from, waitFor, func(l string) bool { return strings.Contains(l, phrase) })
	if err != nil {
		t.Fatalf("keepalived never logged %q: %v", phrase, err)
	}
	return n
}

func waitExit(t *testing.T, p *netlab.Proc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	code, err := p.Wait(ctx)
	must(t, err)
	if code != 0 {
		t.Fatalf("%s exited %d, want 0", p.Name, code)
	}
}
