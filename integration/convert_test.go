package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
)

// diffCase is one keepalived configuration run twice: by keepalived in one
// pair, and by hadirector on `hadirector convert` of it in an identical
// pair. Lines for one director only use keepalived's conditionals: each
// director runs with its host name as config id (-i dA, -i dB).
type diffCase struct {
	name  string
	conf  string            // keepalived.conf; {{DIR}} is the case's directory
	files map[string]string // more files in that directory
	first string            // started first, alone
	ipv6  bool              // the pairs get 2001:db8::/64 too
	// want is the host holding each VIP: after both run, after the
	// master's link is cut, and after it is healed. The cut host is the
	// one holding the first VIP.
	want, cut, heal map[string][]string
}

func both(host string, vips ...string) map[string][]string {
	other := map[string]string{"dA": "dB", "dB": "dA"}[host]
	return map[string][]string{host: vips, other: nil}
}

const vipsAB = "192.0.2.100 192.0.2.101"

// vrrpCases cover the keyword families of vrrp_instance, vrrp_sync_group,
// vrrp_script, track_file, global_defs and the language itself.
func vrrpCases() []diffCase {
	v := strings.Fields(vipsAB)
	v6 := []string{"2001:db8::100", "2001:db8::101"}
	inst := func(name string, vrid int, extra string) string {
		return fmt.Sprintf("vrrp_instance %s {\n  interface eth0\n  virtual_router_id %d\n%s}\n", name, vrid, extra)
	}
	prio := "  @dA priority 150\n  @dB priority 100\n"
	vipBlock := "  virtual_ipaddress {\n    192.0.2.100\n    192.0.2.101/32 dev eth0\n  }\n"
	v3 := "global_defs {\n  vrrp_version 3\n}\n"
	fast := "  advert_int 0.3\n"
	return []diffCase{
		{name: "v2-defaults", first: "dA", conf: inst("VI_1", 51, prio+vipBlock),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "v2-pass-auth", first: "dB", conf: inst("VI_1", 51, prio+vipBlock+"  authentication {\n    auth_type PASS\n    auth_pass longer-than-8\n  }\n"),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "v3-fast", first: "dA", conf: v3 + inst("VI_1", 51, prio+fast+vipBlock),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "v3-nopreempt", first: "dB", conf: v3 + inst("VI_1", 51, "  state BACKUP\n  nopreempt\n"+prio+fast+vipBlock),
			want: both("dB", v...), cut: both("dA", v...), heal: both("dA", v...)},
		{name: "v3-preempt-delay", first: "dB", conf: v3 + inst("VI_1", 51, "  preempt_delay 0.5\n"+prio+fast+vipBlock),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "v3-unicast-conditional-src", first: "dA", conf: v3 + inst("VI_1", 51, prio+fast+vipBlock+
			"  @dA unicast_src_ip 192.0.2.11\n  @dB unicast_src_ip 192.0.2.12\n  unicast_peer {\n    @^dA 192.0.2.11\n    @^dB 192.0.2.12\n  }\n"),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "v2-unicast-ttl", first: "dA", conf: inst("VI_1", 51, prio+vipBlock+
			"  unicast_peer {\n    @^dA 192.0.2.11 min_ttl 250 max_ttl 255\n    @^dB 192.0.2.12 min_ttl 250 max_ttl 255\n  }\n"),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "include-vars-conditionals", first: "dA",
			conf:  "@dA $PRIO=200\n@dB $PRIO=100\n$IF=eth0\ninclude {{DIR}}/conf.d/*.conf\n",
			files: map[string]string{"conf.d/10-global.conf": v3, "conf.d/20-vi.conf": "$VI= \\\nvrrp_instance VI_${N} { \\\n  interface $IF \\\n  virtual_router_id 5${N} \\\n  priority ${PRIO} \\\n  advert_int 0.3 \\\n  virtual_ipaddress { \\\n    192.0.2.10${N} \\\n  } \\\n}\n$N=0\n$VI\n$N=1\n$VI\n"},
			want:  both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "seq-vips-comments", first: "dA", conf: v3 + "! a comment\n" + inst("VI_1", 51, prio+fast+"  virtual_ipaddress {  # the VIPs\n    ~SEQ(N, 100, 103) 192.0.2.${N}/32\n  }\n"),
			want: both("dA", "192.0.2.100", "192.0.2.101", "192.0.2.102", "192.0.2.103"), cut: both("dB", "192.0.2.100", "192.0.2.101", "192.0.2.102", "192.0.2.103"), heal: both("dA", "192.0.2.100", "192.0.2.101", "192.0.2.102", "192.0.2.103")},
		{name: "vip-forms-brd-excluded", first: "dA", conf: v3 + inst("VI_1", 51, prio+fast+"  virtual_ipaddress {\n    192.0.2.100/32 brd 192.0.2.100 dev eth0 scope global\n  }\n  virtual_ipaddress_excluded {\n    192.0.2.101\n  }\n"),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "track-script-weight", first: "dA", conf: v3 + "vrrp_script down {\n  script \"/bin/false\"\n  interval 0.2\n  weight -60\n}\n" + inst("VI_1", 51, prio+fast+vipBlock+"  @dA track_script {\n  @dA   down\n  @dA }\n"),
			want: both("dB", v...), cut: both("dA", v...), heal: both("dB", v...)},
		{name: "track-file-weight", first: "dB", files: map[string]string{"prio": "3\n"},
			conf: v3 + "track_file f {\n  file {{DIR}}/prio\n  weight -20\n}\n" + inst("VI_1", 51, prio+fast+vipBlock+"  @dA track_file {\n  @dA   f\n  @dA }\n"),
			want: both("dB", v...), cut: both("dA", v...), heal: both("dB", v...)},
		{name: "track-interface", first: "dA", conf: v3 + inst("VI_1", 51, prio+fast+vipBlock+"  track_interface {\n    eth0\n  }\n"),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "sync-group", first: "dA", conf: v3 + inst("VI_1", 51, prio+fast+"  virtual_ipaddress {\n    192.0.2.100\n  }\n") +
			inst("VI_2", 52, prio+fast+"  virtual_ipaddress {\n    192.0.2.101\n  }\n") + "vrrp_sync_group G {\n  group {\n    VI_1 VI_2\n  }\n  notify_master \"/bin/true master\"\n}\n",
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
		{name: "split-masters-notify-garp", first: "dA", conf: "global_defs {\n  vrrp_version 3\n  vrrp_garp_master_repeat 2\n  vrrp_garp_master_delay 1\n  router_id r\n}\n" +
			inst("VI_1", 51, prio+fast+"  notify /bin/true\n  notify_master \"/bin/true m\"\n  virtual_ipaddress {\n    192.0.2.100\n  }\n") +
			inst("VI_2", 52, "  @dA priority 100\n  @dB priority 150\n"+fast+"  garp_master_repeat 1\n  virtual_ipaddress {\n    192.0.2.101\n  }\n"),
			want: map[string][]string{"dA": {"192.0.2.100"}, "dB": {"192.0.2.101"}},
			cut:  map[string][]string{"dB": v}, heal: map[string][]string{"dA": {"192.0.2.100"}, "dB": {"192.0.2.101"}}},
		{name: "ipv6-unicast-default-version", first: "dA", ipv6: true, conf: inst("VI_6", 61, prio+
			"  @dA unicast_src_ip 2001:db8::11\n  @dB unicast_src_ip 2001:db8::12\n  unicast_peer {\n    @^dA 2001:db8::11\n    @^dB 2001:db8::12\n  }\n"+
			"  virtual_ipaddress {\n    2001:db8::100\n    2001:db8::101/128 dev eth0\n    192.0.2.100\n  }\n"),
			want: both("dA", v6...), cut: both("dB", v6...), heal: both("dA", v6...)},
		{name: "v3-priority-owner", first: "dB", conf: v3 + inst("VI_1", 51, "  @dA priority 255\n  @dB priority 100\n"+fast+vipBlock),
			want: both("dA", v...), cut: both("dB", v...), heal: both("dA", v...)},
	}
}

// TestConvertDifferential runs keepalived and the converted hadirector
// side by side on each configuration: the same master, the same VIPs in
// the same form, the same failover on a link cut and the same return, and
// the same sequence of states per instance.
func TestConvertDifferential(t *testing.T) {
	needLab(t)
	for _, c := range vrrpCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			runDiff(t, c)
		})
	}
}

// diffSide is one pair: keepalived's or hadirector's.
type diffSide struct {
	name  string
	p     *pairLab
	procs map[string]*netlab.Proc
	start func(host string) *netlab.Proc
	ipv6  bool // adverts come from 2001:db8::11 and ::12
}

func runDiff(t *testing.T, c diffCase) {
	dir := t.TempDir()
	conf := strings.ReplaceAll(c.conf, "{{DIR}}", dir)
	must(t, os.WriteFile(filepath.Join(dir, "keepalived.conf"), []byte(conf), 0o644))
	for name, text := range c.files {
		path := filepath.Join(dir, name)
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		must(t, os.WriteFile(path, []byte(strings.ReplaceAll(text, "{{DIR}}", dir)), 0o644))
	}
	src := filepath.Join(dir, "keepalived.conf")
	t0 := time.Now()
	logf := func(format string, args ...any) {
		t.Logf("%5.2fs "+format, append([]any{time.Since(t0).Seconds()}, args...)...)
	}

	ka := &diffSide{name: "keepalived", p: newPairLab(t), procs: map[string]*netlab.Proc{}}
	ka.p.keepalived["dA"], ka.p.keepalived["dB"] = true, true
	ka.start = func(host string) *netlab.Proc {
		k, err := testlab.StartKeepalivedFile(ka.p.lab, host, ka.p.dir, src, "-i", host)
		must(t, err)
		return k
	}
	hd := &diffSide{name: "hadirector", p: newPairLab(t), procs: map[string]*netlab.Proc{}}
	hd.start = func(host string) *netlab.Proc {
		out := filepath.Join(dir, host+".toml")
		cmd := exec.Command(binary, "convert", "-i", host, "-o", out, "--check", src)
		msg, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("convert -i %s: %v\n%s", host, err, msg)
		}
		args := []string{binary, "run", "-c", out, "-s", out + ".sock", "--log-format", "json", "--log-level", "debug"}
		proc, err := hd.p.lab.Start(host, nil, args...)
		must(t, err)
		return proc
	}
	sides := []*diffSide{ka, hd}
	if c.ipv6 {
		for _, s := range sides {
			s.p.addIPv6()
			s.ipv6 = true
		}
		for _, s := range sides {
			s.p.waitLinkLocal("dA")
			s.p.waitLinkLocal("dB")
		}
	}
	t.Cleanup(func() {
		if t.Failed() {
			for _, s := range sides {
				for h, p := range s.procs {
					t.Logf("%s %s log:\n%s", s.name, h, strings.Join(p.Lines(), "\n"))
				}
			}
			for _, h := range []string{"dA", "dB"} {
				b, _ := os.ReadFile(filepath.Join(dir, h+".toml"))
				t.Logf("converted for %s:\n%s", h, b)
			}
		}
	})

	second := map[string]string{"dA": "dB", "dB": "dA"}[c.first]
	var allVIPs []string
	for _, vs := range c.want {
		allVIPs = append(allVIPs, vs...)
	}
	// Sorted, so the host cut below (the one holding allVIPs[0]) does not
	// depend on map order: a split case has a master per VIP.
	slices.Sort(allVIPs)
	for _, s := range sides {
		s.procs[c.first] = s.start(c.first)
		logf("%s started", s.name)
	}
	for _, s := range sides {
		s.waitVIPs(t, "alone", map[string][]string{c.first: allVIPs})
		logf("%s alone", s.name)
	}
	logf("first alone")
	for _, s := range sides {
		s.procs[second] = s.start(second)
	}
	settle := func(phase string, want map[string][]string) {
		logf("%s", phase)
		for _, s := range sides {
			s.waitVIPs(t, phase, want)
		}
		// Let either side do what it would do next: hadirector's backup
		// hears more adverts than fit in Master_Down_Interval, the same
		// time for keepalived's; a late change of either shows in the
		// states compared at the end.
		logf("%s: VIPs as wanted", phase)
		hd.hearAdverts(t, want)
		sameForms(t, phase, ka, hd)
	}
	settle("both running", c.want)

	master := ""
	for h, vs := range c.want {
		if slices.Contains(vs, allVIPs[0]) {
			master = h
		}
	}
	logf("cut %s", master)
	for _, s := range sides {
		must(t, s.p.lab.Cut("sw", master))
	}
	for _, s := range sides {
		s.waitVIPs(t, "cut", c.cut)
	}
	// The cut director's own addresses: equal on both sides once each
	// has dropped what it drops on losing its link.
	logf("cut: VIPs as wanted")
	sameFormsEventually(t, "cut", ka, hd)
	logf("heal %s", master)
	for _, s := range sides {
		must(t, s.p.lab.Heal("sw", master))
	}
	settle("healed", c.heal)

	logf("healed: same forms")
	// The same transitions per host and instance, in the same order.
	for _, h := range []string{"dA", "dB"} {
		k, d := kaStates(ka.procs[h]), hdStates(hd.procs[h])
		if fmt.Sprint(k) != fmt.Sprint(d) {
			t.Errorf("%s went through %v under keepalived, %v under hadirector", h, k, d)
		}
	}
}

// waitVIPs waits until each host named in want holds exactly those VIPs.
func (s *diffSide) waitVIPs(t *testing.T, phase string, want map[string][]string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		ok := true
		got := map[string][]string{}
		for h, vs := range want {
			got[h] = vipAddrs(addrForms(t, s.p, h))
			if !slices.Equal(got[h], sorted(slices.Clone(vs))) {
				ok = false
			}
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s, %s: hosts hold %v, want %v", s.name, phase, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// hearAdverts waits until every backup of hadirector's pair has accepted
// four adverts from the master since now.
func (s *diffSide) hearAdverts(t *testing.T, want map[string][]string) {
	t.Helper()
	srcs := map[string]string{"dA": "192.0.2.11", "dB": "192.0.2.12"}
	if s.ipv6 {
		srcs = map[string]string{"dA": "2001:db8::11", "dB": "2001:db8::12"}
	}
	for h, vs := range want {
		if len(vs) > 0 {
			continue
		}
		other := map[string]string{"dA": "dB", "dB": "dA"}[h]
		p := s.procs[h]
		n := p.Mark()
		for range 4 {
			n = s.p.waitAdvertFrom(p, n, srcs[other])
		}
	}
}

// addrForm is one address of `ip -j addr` with every attribute but the
// lifetimes, as "key=value" sorted.
type addrForm struct {
	local string
	attrs string
}

// addrForms lists a host's addresses on eth0 other than its own /24
// (and /64s: its IPv6 address and link-local one).
func addrForms(t *testing.T, p *pairLab, host string) []addrForm {
	t.Helper()
	out, err := p.lab.IP(host, "-j", "addr", "show", "dev", "eth0")
	must(t, err)
	var links []struct {
		AddrInfo []map[string]any `json:"addr_info"`
	}
	must(t, json.Unmarshal([]byte(out), &links))
	var forms []addrForm
	for _, l := range links {
		for _, a := range l.AddrInfo {
			if a["prefixlen"] == float64(24) || a["prefixlen"] == float64(64) {
				continue
			}
			var kv []string
			for k, v := range a {
				if k == "valid_life_time" || k == "preferred_life_time" {
					continue
				}
				kv = append(kv, fmt.Sprintf("%s=%v", k, v))
			}
			sort.Strings(kv)
			forms = append(forms, addrForm{fmt.Sprint(a["local"]), strings.Join(kv, " ")})
		}
	}
	sort.Slice(forms, func(i, j int) bool { return forms[i].local < forms[j].local })
	return forms
}

func vipAddrs(f []addrForm) []string {
	out := []string{}
	for _, a := range f {
		out = append(out, a.local)
	}
	return out
}

// normalForm is the form with keepalived's one known difference undone:
// keepalived adds a /32 VIP with no broadcast address unless told one,
// hadirector always with brd VIP. Every other attribute must be equal.
var brdSelf = regexp.MustCompile(`broadcast=(\S+) `)

func normalForm(f addrForm) string {
	s := f.attrs + " "
	// keepalived holds a /128 VIP deprecated (preferred_lft 0) unless
	// told preferred_lft forever; convert notes it, hadirector holds
	// VIPs preferred.
	s = strings.Replace(s, "deprecated=true ", "", 1)
	if m := brdSelf.FindStringSubmatch(s); m != nil && m[1] == f.local {
		s = strings.Replace(s, m[0], "", 1)
	}
	return strings.TrimSpace(s)
}

// formsDiffer compares both hosts' addresses of two pairs; "" if equal.
func formsDiffer(t *testing.T, ka, hd *diffSide) string {
	var diffs []string
	for _, h := range []string{"dA", "dB"} {
		kf, hf := addrForms(t, ka.p, h), addrForms(t, hd.p, h)
		var ks, hs []string
		for _, f := range kf {
			ks = append(ks, normalForm(f))
		}
		for _, f := range hf {
			hs = append(hs, normalForm(f))
			if !strings.Contains(f.local, ":") && !strings.Contains(f.attrs, "broadcast="+f.local) {
				diffs = append(diffs, fmt.Sprintf("%s: hadirector holds %s without brd VIP", h, f.attrs))
			}
		}
		if !slices.Equal(ks, hs) {
			diffs = append(diffs, fmt.Sprintf("%s: keepalived %q, hadirector %q", h, ks, hs))
		}
	}
	return strings.Join(diffs, "; ")
}

func sameForms(t *testing.T, phase string, ka, hd *diffSide) {
	t.Helper()
	if d := formsDiffer(t, ka, hd); d != "" {
		t.Errorf("%s: addresses differ: %s", phase, d)
	}
}

// sameFormsEventually waits for both pairs' addresses to agree: the cut
// director of each removes its VIPs on its own schedule.
func sameFormsEventually(t *testing.T, phase string, ka, hd *diffSide) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for {
		d := formsDiffer(t, ka, hd)
		if d == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: addresses differ: %s", phase, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var kaState = regexp.MustCompile(`\((\S+)\) Entering (\w+) STATE`)

// kaStates is keepalived's state sequence per instance.
func kaStates(p *netlab.Proc) map[string][]string {
	m := map[string][]string{}
	for _, l := range p.Lines() {
		if s := kaState.FindStringSubmatch(l); s != nil {
			m[s[1]] = append(m[s[1]], s[2])
		}
	}
	return m
}

// hdStates is hadirector's state sequence per instance.
func hdStates(p *netlab.Proc) map[string][]string {
	m := map[string][]string{}
	for _, e := range p.Events(0) {
		if e.Str("msg") == "transition" {
			m[e.Str("instance")] = append(m[e.Str("instance")], e.Str("to"))
		}
	}
	return m
}
