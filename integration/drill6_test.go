package integration

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hadirector/hadirector/internal/drill"
)

// `hadirector drill` of an IPv6 instance, unplanned and planned, in a
// namespace pair: the report names dB's link-local address as the new
// master, counts its unsolicited NAs for the VIP, and ping6 from the
// gateway measures a gap; the gateway's neighbour entry for the VIP moves
// to dB during each drill and back to dA once dA preempts back. The
// status of the IPv6 instance shows its VIP and link-local master, and its
// metrics the labels an IPv4 instance's have.
func TestDrillIPv6(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.ipv6 = true
	p.addIPv6()
	p.waitLinkLocal("dA")
	p.waitLinkLocal("dB")
	conf := func(prio int) instanceConf {
		return instanceConf{Priority: prio, Version: 3, Interval: "100ms", Preempt: true,
			Extra: fmt.Sprintf("vips = [%q]", vip6), VIPs: []string{vip6}}
	}
	confA := conf(150)
	confA.Extra += "\n[global]\nmetrics_address = \"[2001:db8::11]:9650\"\n"
	a := p.start("dA", confA)
	p.waitState(a, 0, "MASTER")
	b := p.start("dB", conf(100))
	p.waitState(b, 0, "BACKUP")
	p.wantVIPs("dA", 1)
	// The gateway resolves the VIP to dA; the NAs of a new master then
	// override the entry.
	if out, err := p.lab.Exec("gw", "ping", "-6", "-c", "1", "-W", "5", vip6); err != nil {
		t.Fatalf("ping6 from the gateway: %v: %s", err, out)
	}
	p.waitGatewayNeigh6(vip6, macA)

	sock := filepath.Join(p.dir, "dA.toml.sock")
	out, err := p.lab.Exec("dA", binary, "status", "--json", "-s", sock)
	if err != nil {
		t.Fatalf("status: %v: %s", err, out)
	}
	const llA, llB = "fe80::ff:fe00:11", "fe80::ff:fe00:12"
	for _, want := range []string{`"` + vip6 + `"`, `"master": "` + llA + `"`} {
		if !strings.Contains(strings.ReplaceAll(out, `":"`, `": "`), want) {
			t.Errorf("status of the IPv6 instance lacks %s:\n%s", want, out)
		}
	}

	// Metrics of the IPv6 instance carry the labels an IPv4 one's do,
	// served on an IPv6 address, scraped from the gateway.
	scrape, err := p.lab.Exec("gw", "busybox", "wget", "-q", "-O", "-", "http://[2001:db8::11]:9650/metrics")
	if err != nil {
		t.Fatalf("scraping dA's metrics over IPv6: %v: %s", err, scrape)
	}
	for _, m := range []struct{ name, extra, value string }{
		{"hadirector_vrrp_state", `state="MASTER"`, "1"}, {"hadirector_vrrp_vips_held", "", "1"},
		{"hadirector_vrrp_vips", "", "1"}, {"hadirector_vrrp_adverts_sent_total", "", ""},
	} {
		found := false
		for _, l := range strings.Split(scrape, "\n") {
			if !strings.HasPrefix(l, m.name+"{") || m.value != "" && !strings.HasSuffix(l, " "+m.value) {
				continue
			}
			found = true
			for _, lb := range []string{`instance="vi51"`, `interface="eth0"`, `vrid="51"`, m.extra} {
				found = found && strings.Contains(l, lb)
			}
			if found {
				break
			}
		}
		if !found {
			t.Errorf("the scrape has no %s{instance=\"vi51\",interface=\"eth0\",vrid=\"51\" %s} %s:\n%s", m.name, m.extra, m.value, scrape)
		}
	}

	for _, planned := range []bool{false, true} {
		monitor, err := p.lab.Start("gw", nil, "ip", "-6", "monitor", "neigh")
		must(t, err)
		args := []string{binary, "drill", "--json", "-s", sock, "--ping-netns", "/run/netns/" + p.lab.NS("gw")}
		if planned {
			args = append(args, "--planned")
		}
		out, err := p.lab.Exec("dA", args...)
		if err != nil {
			t.Fatalf("drill (planned %v): %v: %s", planned, err, out)
		}
		var r drill.Report
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("drill report: %v: %s", err, out)
		}
		t.Logf("drill (planned %v): takeover %v, first NA %v, %d NAs, ping %d/%d, longest gap %v; %s",
			planned, r.Takeover, r.FirstGARP, r.GARPs, r.PingReplies, r.PingSent, r.LongestGap, r.RestoredNote)
		if r.VIP != vip6 || r.OldMaster != llA || r.NewMaster != llB || r.NewPriority != 100 {
			t.Errorf("drill: VIP %s, master %s -> %s (priority %d), want %s, %s -> %s (100)", r.VIP, r.OldMaster, r.NewMaster, r.NewPriority, vip6, llA, llB)
		}
		if r.GARPs == 0 || r.Takeover <= 0 || r.PingReplies == 0 || r.LongestGap <= 0 || len(r.Problems) > 0 {
			t.Errorf("drill: %d NAs, takeover %v, %d ping replies, gap %v, problems %q", r.GARPs, r.Takeover, r.PingReplies, r.LongestGap, r.Problems)
		}
		// dA preempts back after the drill: the entry comes back to it.
		p.waitGatewayNeigh6(vip6, macA)
		must(t, monitor.Signal(syscall.SIGTERM))
		monitor.Wait(t.Context())
		moved := false
		for _, l := range monitor.Lines() {
			if strings.HasPrefix(l, vip6+" ") && strings.Contains(l, "lladdr "+macB) {
				moved = true
			}
		}
		if !moved {
			t.Errorf("the gateway's entry for %s never pointed at dB (%s) during the drill:\n%s", vip6, macB, strings.Join(monitor.Lines(), "\n"))
		}
	}
}
