package integration

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

const (
	vip     = "192.0.2.100"
	macGW   = "02:00:00:00:00:01"
	macA    = "02:00:00:00:00:11"
	macB    = "02:00:00:00:00:12"
	waitFor = 30 * time.Second // bounds a hung test; never a timing assert
)

// pairLab is two directors (dA 192.0.2.11, dB 192.0.2.12) and a gateway
// (gw 192.0.2.1) on one switch.
type pairLab struct {
	t   *testing.T
	lab *netlab.Lab
	dir string
	// keepalived marks hosts running keepalived, which adds VIP/32 with no
	// broadcast address; hadirector must add VIP/32 brd VIP.
	keepalived map[string]bool
	// env is more environment for the directors start runs (VAR=value).
	env []string
	// ipv6 makes vips and wantVIPs look at the IPv6 VIPs (2001:db8::1xx/128).
	ipv6 bool
}

// newLab makes an empty lab that is removed, namespaces and processes,
// when the test ends.
func newLab(t *testing.T) *netlab.Lab {
	t.Helper()
	l, err := netlab.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("lab cleanup: %v", err)
		}
	})
	return l
}

func newPairLab(t *testing.T) *pairLab {
	t.Helper()
	needLab(t)
	l := newLab(t)
	must(t, l.Switch("sw"))
	must(t, l.AddHost(netlab.Host{Name: "gw", Switch: "sw", MAC: macGW, Addrs: []string{"192.0.2.1/24"}}))
	must(t, l.AddHost(netlab.Host{Name: "dA", Switch: "sw", MAC: macA, Addrs: []string{"192.0.2.11/24"}}))
	must(t, l.AddHost(netlab.Host{Name: "dB", Switch: "sw", MAC: macB, Addrs: []string{"192.0.2.12/24"}}))
	return &pairLab{t: t, lab: l, dir: t.TempDir(), keepalived: map[string]bool{}}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// instanceConf is the one instance both directors run in most tests.
type instanceConf struct {
	Priority int
	Version  int
	Interval string
	Preempt  bool
	Extra    string   // more TOML lines for the instance
	VIPs     []string // default 192.0.2.100 and .101 (when Extra sets no vips)
}

func (c instanceConf) toml() string {
	return fmt.Sprintf(`[[instance]]
name = "vi51"
interface = "eth0"
vrid = 51
priority = %d
version = %d
advert_interval = %q
preempt = %v
%s
`, c.Priority, c.Version, c.Interval, c.Preempt, c.extra())
}

func (c instanceConf) extra() string {
	if strings.Contains(c.Extra, "vips =") {
		return c.Extra
	}
	return `vips = ["192.0.2.100", "192.0.2.101"]` + "\n" + c.Extra
}

// start runs hadirector in the host's namespace with JSON debug logs.
func (p *pairLab) start(host string, c instanceConf) *netlab.Proc {
	p.t.Helper()
	path := filepath.Join(p.dir, host+".toml")
	must(p.t, os.WriteFile(path, []byte(c.toml()), 0o644))
	args := []string{binary, "run", "-c", path, "-s", path + ".sock", "--log-format", "json", "--log-level", "debug"}
	if len(p.env) > 0 {
		args = append(append([]string{"env"}, p.env...), args...) // env execs: the PID stays the director's
	}
	proc, err := p.lab.Start(host, nil, args...)
	must(p.t, err)
	p.t.Cleanup(func() {
		for _, l := range proc.Lines() {
			if strings.Contains(l, "DATA RACE") {
				p.t.Errorf("%s: the race detector fired; log:\n%s", host, strings.Join(proc.Lines(), "\n"))
				return
			}
		}
		if p.t.Failed() {
			p.t.Logf("%s log:\n%s", host, strings.Join(proc.Lines(), "\n"))
		}
	})
	return proc
}

// waitState waits for a transition into state logged at or after from and
// returns the line index after it.
func (p *pairLab) waitState(proc *netlab.Proc, from int, state string) (netlab.Event, int) {
	p.t.Helper()
	e, next, err := proc.WaitFor(from, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "transition" && e.Str("to") == state
	})
	if err != nil {
		p.t.Fatalf("waiting for %s to become %s: %v", proc.Name, state, err)
	}
	// The VIPs change right after the transition is logged: wait for that
	// too, so that callers may check the addresses at once.
	want := ""
	switch {
	case state == "MASTER":
		want = "vips added"
	case e.Str("from") == "MASTER":
		want = "vips removed"
	}
	if want != "" {
		if _, next, err = proc.WaitFor(next, waitFor, func(e netlab.Event) bool { return e.Str("msg") == want }); err != nil {
			p.t.Fatalf("waiting for %s to log %q: %v", proc.Name, want, err)
		}
	}
	return e, next
}

// waitAdvertFrom waits for proc to accept an advert from src, logged at or
// after from.
func (p *pairLab) waitAdvertFrom(proc *netlab.Proc, from int, src string) int {
	p.t.Helper()
	_, next, err := proc.WaitFor(from, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "advert" && e.Str("src") == src
	})
	if err != nil {
		p.t.Fatalf("waiting for %s to hear %s: %v", proc.Name, src, err)
	}
	return next
}

// transitions lists the states proc entered, in order.
func transitions(proc *netlab.Proc) []string {
	var s []string
	for _, e := range proc.Events(0) {
		if e.Str("msg") == "transition" {
			s = append(s, e.Str("to"))
		}
	}
	return s
}

var vipLine = regexp.MustCompile(`inet (192\.0\.2\.10[0-9])/32 (?:brd (\S+) )?scope global`)

var vip6Line = regexp.MustCompile(`inet6 (2001:db8::1[0-9][0-9])/128 scope global`)

// vips returns the VIPs the host holds, checking each is VIP/32 brd VIP
// (IPv6: VIP/128, never tentative).
func (p *pairLab) vips(host string) []string {
	p.t.Helper()
	if p.ipv6 {
		out, err := p.lab.IP(host, "-6", "addr", "show", "dev", "eth0")
		must(p.t, err)
		var got []string
		for _, m := range vip6Line.FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		if strings.Contains(out, "tentative") && strings.Contains(out, "2001:db8::1") && !p.keepalived[host] {
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "2001:db8::1") && strings.Contains(l, "tentative") {
					p.t.Errorf("%s holds a VIP in DAD: %s", host, l)
				}
			}
		}
		return got
	}
	out, err := p.lab.IP(host, "-4", "addr", "show", "dev", "eth0")
	must(p.t, err)
	var got []string
	for _, m := range vipLine.FindAllStringSubmatch(out, -1) {
		if m[1] != m[2] && !p.keepalived[host] {
			p.t.Errorf("%s holds %s with broadcast %q, want brd = the VIP", host, m[1], m[2])
		}
		got = append(got, m[1])
	}
	return got
}

func (p *pairLab) wantVIPs(host string, n int) {
	p.t.Helper()
	got := p.vips(host)
	// hadirector logs "vips added/removed" and the tests wait for those;
	// keepalived changes its addresses just after logging its state, with
	// no line that always follows, so its host is re-read for a while.
	for deadline := time.Now().Add(10 * time.Second); p.keepalived[host] && len(got) != n && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		got = p.vips(host)
	}
	if len(got) != n {
		p.t.Fatalf("%s holds VIPs %v, want %d of them", host, got, n)
	}
}

// seedGatewayNeigh gives the gateway a stale neighbour entry for the VIP
// pointing at mac, as a router that last talked to that director has.
func (p *pairLab) seedGatewayNeigh(mac string) {
	p.t.Helper()
	_, err := p.lab.IP("gw", "neigh", "replace", vip, "lladdr", mac, "dev", "eth0", "nud", "stale")
	must(p.t, err)
}

// gatewayMAC is the gateway's neighbour entry for the VIP.
func (p *pairLab) gatewayMAC() string {
	out, err := p.lab.IP("gw", "neigh", "show", vip, "dev", "eth0")
	must(p.t, err)
	f := strings.Fields(out)
	for i := range f {
		if f[i] == "lladdr" && i+1 < len(f) {
			return f[i+1]
		}
	}
	return ""
}

// waitGatewayMAC waits for the gateway's entry for the VIP to read mac. The
// kernel gives no event stream for this that `ip` exposes portably, so it
// polls the neighbour table; the bound only stops a hung test.
func (p *pairLab) waitGatewayMAC(mac string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	for {
		if got := p.gatewayMAC(); got == mac {
			return
		}
		select {
		case <-ctx.Done():
			p.t.Fatalf("gateway's entry for %s is %q, want %s", vip, p.gatewayMAC(), mac)
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// partition isolates the directors' switch ports from each other (both still
// reach the gateway) with bridge port isolation.
func (p *pairLab) partition(on bool) error {
	v := "off"
	if on {
		v = "on"
	}
	for _, port := range []string{"dA", "dB"} {
		if _, err := p.lab.IP("sw", "link", "set", port, "type", "bridge_slave", "isolated", v); err != nil {
			return err
		}
	}
	return nil
}
