package convert

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/conf/keepalived"
	"github.com/hadirector/hadirector/ipvs"
)

// convertCase is one keepalived configuration written for the test: what
// the converted file must hold, and the notes it must give.
type convertCase struct {
	name  string
	in    string
	check func(t *testing.T, c *conf.Config)
	notes []string // each a substring of one note, "LOST: ..." or "note: ..."
	lost  bool
}

// vi is a minimal instance around extra lines.
func vi(extra string) string {
	return "vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority 150\n virtual_ipaddress {\n  192.0.2.10\n }\n" + extra + "}\n"
}

func run(t *testing.T, cases []convertCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nodes, err := keepalived.Parse("/etc/keepalived/keepalived.conf", tc.in, keepalived.Options{FS: keepalived.MapFS{}})
			if err != nil {
				t.Fatal(err)
			}
			r := Convert("keepalived.conf", nodes)
			var notes []string
			for _, n := range r.Notes {
				notes = append(notes, n.String())
			}
			all := strings.Join(notes, "\n")
			for _, want := range tc.notes {
				if !strings.Contains(all, want) {
					t.Errorf("no note with %q; notes:\n%s", want, all)
				}
			}
			if r.Lost() != tc.lost {
				t.Errorf("Lost() = %v, want %v; notes:\n%s", r.Lost(), tc.lost, all)
			}
			c, err := conf.Parse("out.toml", r.TOML)
			if err != nil {
				t.Fatalf("converted file does not check: %v\n%s", err, r.TOML)
			}
			if tc.check != nil {
				tc.check(t, c)
			}
			if t.Failed() {
				t.Logf("converted:\n%s", r.TOML)
			}
		})
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func addrs(s ...string) string { return strings.Join(s, " ") }

func vips(in conf.Instance) string {
	var s []string
	for _, v := range in.VIPs {
		s = append(s, v.String())
	}
	return strings.Join(s, " ")
}

func TestGlobalDefs(t *testing.T) {
	run(t, []convertCase{
		{name: "keepalived's defaults made explicit", in: vi(""), check: func(t *testing.T, c *conf.Config) {
			in := c.Instances[0]
			eq(t, "version", in.Version, 2)
			eq(t, "advert", in.AdvertInterval, time.Second)
			eq(t, "preempt", in.Preempt, true)
			eq(t, "garp count", in.GARP.Count, 5)
			eq(t, "garp repeat", in.GARP.RepeatDelay, 5*time.Second)
		}},
		{name: "vrrp_version 3 and garp", in: "global_defs {\n router_id r1\n vrrp_version 3\n vrrp_garp_master_delay 2\n vrrp_garp_master_repeat 3\n vrrp_garp_interval 0.01\n vrrp_garp_master_refresh 60\n}\n" + vi(""),
			notes: []string{"keepalived.conf:2: note: router_id: not carried"},
			check: func(t *testing.T, c *conf.Config) {
				in := c.Instances[0]
				eq(t, "version", in.Version, 3)
				eq(t, "garp", in.GARP, conf.GARP{Count: 3, Spacing: 10 * time.Millisecond, RepeatDelay: 2 * time.Second, Refresh: time.Minute})
			}},
		{name: "instance garp over global", in: "global_defs {\n vrrp_garp_master_repeat 3\n}\n" + vi(" garp_master_repeat 7\n garp_master_delay 0\n"),
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "garp", c.Instances[0].GARP, conf.GARP{Count: 7})
			}},
		{name: "fifo, startup delay, timeouts", in: "global_defs {\n notify_fifo /run/k.fifo root root\n vrrp_startup_delay 5.5\n lvs_timeouts tcp 900 tcpfin 120 udp 300\n notify_fifo_script /x\n smtp_server 192.0.2.1\n script_user nobody\n}\n" + vi(""),
			notes: []string{":2: note: notify_fifo: the FIFO's owner", ":5: note: notify_fifo_script: not carried", ":6: note: smtp_server", ":7: note: script_user"},
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "fifo", c.Global.NotifyFIFO, "/run/k.fifo")
				eq(t, "delay", c.Global.StartupDelay, 5500*time.Millisecond)
				eq(t, "timeouts", c.IPVS.Timeouts, ipvs.Timeouts{TCP: 900 * time.Second, TCPFin: 120 * time.Second, UDP: 300 * time.Second})
			}},
		{name: "another multicast group is lost", in: "global_defs {\n vrrp_mcast_group4 224.0.0.19\n}\n" + vi(""),
			notes: []string{":2: LOST: vrrp_mcast_group4"}, lost: true},
		{name: "the standard multicast group is no note", in: "global_defs {\n vrrp_mcast_group4 224.0.0.18\n}\n" + vi("")},
		{name: "unknown top level", in: "bogus_block {\n x\n}\nstatic_routes {\n 192.0.2.0/24 via 198.51.100.1\n}\n" + vi(""),
			notes: []string{":1: note: bogus_block", ":4: LOST: static_routes"}, lost: true},
	})
}

func TestInstance(t *testing.T) {
	run(t, []convertCase{
		{name: "election keys", in: "vrrp_instance A {\n state MASTER\n interface eth1\n virtual_router_id 7\n priority 200\n advert_int 3\n nopreempt\n preempt_delay 10\n virtual_ipaddress {\n 192.0.2.1\n}\n}\n",
			notes: []string{":2: note: state: state MASTER"},
			check: func(t *testing.T, c *conf.Config) {
				in := c.Instances[0]
				eq(t, "name", in.Name, "A")
				eq(t, "iface", in.Interface, "eth1")
				eq(t, "vrid", in.VRID, 7)
				eq(t, "prio", in.Priority, 200)
				eq(t, "advert", in.AdvertInterval, 3*time.Second)
				eq(t, "preempt", in.Preempt, false)
				eq(t, "delay", in.PreemptDelay, 10*time.Second)
			}},
		{name: "default priority 100", in: "vrrp_instance A {\n interface eth0\n virtual_router_id 7\n virtual_ipaddress {\n 192.0.2.1\n}\n}\n",
			check: func(t *testing.T, c *conf.Config) { eq(t, "prio", c.Instances[0].Priority, 100) }},
		{name: "v3 centiseconds", in: vi(" version 3\n advert_int 0.25\n"),
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "version", c.Instances[0].Version, 3)
				eq(t, "advert", c.Instances[0].AdvertInterval, 250*time.Millisecond)
			}},
		{name: "v2 whole seconds", in: vi(" advert_int 1.6\n"), notes: []string{"note: advert_int: VRRPv2 carries whole seconds"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "advert", c.Instances[0].AdvertInterval, 2*time.Second) }},
		{name: "unicast", in: vi(" unicast_src_ip 192.0.2.11\n unicast_peer {\n  192.0.2.12\n  192.0.2.13 min_ttl 250 max_ttl 255\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				in := c.Instances[0]
				eq(t, "src", in.UnicastSrc, netip.MustParseAddr("192.0.2.11"))
				eq(t, "peers", len(in.UnicastPeers), 2)
				eq(t, "ttl", in.PeerTTLs[1], conf.PeerTTL{Min: 250, Max: 255})
			}},
		{name: "PASS, cut to 8", in: vi(" authentication {\n  auth_type PASS\n  auth_pass 0123456789\n }\n"), notes: []string{"note: auth_pass: keepalived uses the first 8 bytes"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "password", c.Instances[0].Password, "01234567") }},
		{name: "AH is lost", in: vi(" authentication {\n  auth_type AH\n  auth_pass x\n }\n"), notes: []string{"LOST: authentication: not carried: auth_type AH"}, lost: true},
		{name: "v3 drops authentication", in: vi(" version 3\n authentication {\n  auth_type PASS\n  auth_pass x\n }\n"), notes: []string{"note: authentication: not carried: VRRPv3"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "password", c.Instances[0].Password, "") }},
		{name: "notify commands", in: vi(" notify_master \"/usr/local/bin/m 'a b'\"\n notify /bin/n\n notify_fault logger fault\n"),
			notes: []string{"note: notify_fault: \"logger\" is not an absolute path"},
			check: func(t *testing.T, c *conf.Config) {
				n := c.Instances[0].Notify
				eq(t, "master", strings.Join(n.Master, "|"), "/usr/local/bin/m|a b")
				eq(t, "any", strings.Join(n.Any, "|"), "/bin/n")
				eq(t, "fault", strings.Join(n.Fault, "|"), "/usr/bin/env|logger|fault")
			}},
		{name: "use_vmac", in: vi(" use_vmac\n vmac_xmit_base\n"), notes: []string{"note: vmac_xmit_base: not carried"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "use_vmac", c.Instances[0].UseVMAC, true) }},
		{name: "use_vmac with a name", in: vi(" use_vmac vmac7\n"), notes: []string{"note: use_vmac: the interface name vmac7 is not carried"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "use_vmac", c.Instances[0].UseVMAC, true) }},
		{name: "virtual_routes are lost", in: vi(" virtual_routes {\n  0.0.0.0/0 via 192.0.2.1\n }\n"), notes: []string{"LOST: virtual_routes"}, lost: true},
		{name: "an instance without interface is lost", in: "vrrp_instance A {\n virtual_router_id 7\n virtual_ipaddress {\n 192.0.2.1\n}\n}\n" + vi(""), notes: []string{":1: LOST: vrrp_instance: not carried: no interface"}, lost: true},
	})
}

func TestVIPs(t *testing.T) {
	run(t, []convertCase{
		{name: "forms", in: vi(" virtual_ipaddress {\n  192.0.2.20/32 dev eth0\n  192.0.2.21/24 brd 192.0.2.255 dev eth0 label eth0:1\n  192.0.2.22/32 brd 192.0.2.22 scope global\n }\n"),
			notes: []string{":10: note: 192.0.2.21/24: 192.0.2.21/24 is held as 192.0.2.21/32", ":10: note: 192.0.2.21/24: not carried: brd 192.0.2.255, label eth0:1"},
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "vips", vips(c.Instances[0]), addrs("192.0.2.10", "192.0.2.20", "192.0.2.21", "192.0.2.22"))
			}},
		{name: "another dev is lost", in: vi(" virtual_ipaddress {\n  192.0.2.20/32 dev eth1\n }\n"), notes: []string{"LOST: 192.0.2.20/32: not carried: dev eth1"}, lost: true,
			check: func(t *testing.T, c *conf.Config) { eq(t, "vips", vips(c.Instances[0]), "192.0.2.10") }},
		{name: "IPv6 in an IPv4 instance is ignored, as keepalived does", in: vi(" virtual_ipaddress {\n  2001:db8::1/64\n }\n"), notes: []string{"note: 2001:db8::1/64: not carried: 2001:db8::1 is IPv6, the instance IPv4"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "vips", vips(c.Instances[0]), "192.0.2.10") }},
		{name: "excluded joins vips", in: vi(" virtual_ipaddress_excluded {\n  192.0.2.30\n }\n"), notes: []string{"note: virtual_ipaddress_excluded: carried into vips"},
			check: func(t *testing.T, c *conf.Config) { eq(t, "vips", vips(c.Instances[0]), "192.0.2.10 192.0.2.30") }},
		{name: "sequence of VIPs", in: vi(" virtual_ipaddress {\n  ~SEQ(N, 20, 22) 192.0.2.${N}/32\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "vips", vips(c.Instances[0]), "192.0.2.10 192.0.2.20 192.0.2.21 192.0.2.22")
			}},
	})
}

func TestTracking(t *testing.T) {
	// Without dont_track_primary every instance tracks its interface
	// first (TestOwnInterface); these look at the tracks after it.
	vi := func(extra string) string { return vi(" dont_track_primary\n" + extra) }
	scripts := "vrrp_script chk {\n script \"/usr/bin/pgrep nginx\"\n interval 2\n timeout 1\n weight -20\n rise 2\n fall 3\n}\nvrrp_script rev {\n script /bin/true\n weight 10 reverse\n}\ntrack_file tf {\n file /run/prio\n}\nvrrp_track_file tf2 {\n file /run/prio2\n weight -5\n}\n"
	run(t, []convertCase{
		{name: "script with instance weight", in: scripts + vi(" track_script {\n  chk weight -30\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				tr := c.Instances[0].Track[0]
				eq(t, "cmd", strings.Join(tr.Command, " "), "/usr/bin/pgrep nginx")
				eq(t, "interval", tr.Interval, 2*time.Second)
				eq(t, "timeout", tr.Timeout, time.Second)
				eq(t, "rise/fall", [2]int{tr.Rise, tr.Fall}, [2]int{2, 3})
				eq(t, "weight", tr.Weight, -30)
			}},
		{name: "script defaults", in: "vrrp_script s {\n script /bin/true\n}\n" + vi(" track_script {\n  s\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				tr := c.Instances[0].Track[0]
				eq(t, "interval", tr.Interval, time.Second)
				eq(t, "weight", tr.Weight, 0)
			}},
		{name: "reverse is lost", in: scripts + vi(" track_script {\n  rev\n }\n"), notes: []string{"LOST: weight: not carried: reverse"}, lost: true},
		{name: "missing script", in: vi(" track_script {\n  nope\n }\n"), notes: []string{"note: nope: not carried: no vrrp_script"}},
		{name: "interfaces", in: vi(" track_interface {\n  eth1\n  eth2 weight -10\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				tr := c.Instances[0].Track
				eq(t, "n", len(tr), 2)
				eq(t, "w0", tr[0].Weight, 0)
				eq(t, "w1", tr[1].Weight, -10)
				eq(t, "if", tr[1].Interface, "eth2")
			}},
		{name: "files", in: scripts + vi(" track_file {\n  tf\n  tf2\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				tr := c.Instances[0].Track
				eq(t, "path", tr[0].Path, "/run/prio")
				eq(t, "default weight", tr[0].Weight, 1)
				eq(t, "weight", tr[1].Weight, -5)
			}},
		{name: "process tracking is lost", in: vi(" track_process {\n  p\n }\n"), notes: []string{"LOST: track_process"}, lost: true},
	})
}

func TestSync(t *testing.T) {
	two := vi("") + "vrrp_instance VI_2 {\n interface eth0\n virtual_router_id 52\n virtual_ipaddress {\n 192.0.2.20\n}\n}\n"
	run(t, []convertCase{
		{name: "group on one line", in: two + "vrrp_sync_group G {\n group { VI_1 VI_2 }\n notify_master /bin/m\n}\n",
			check: func(t *testing.T, c *conf.Config) {
				eq(t, "members", strings.Join(c.SyncGroups[0].Instances, " "), "VI_1 VI_2")
				eq(t, "notify", strings.Join(c.SyncGroups[0].Notify.Master, " "), "/bin/m")
			}},
		{name: "group of one", in: two + "vrrp_sync_group G {\n group {\n VI_1\n }\n}\n", notes: []string{"note: vrrp_sync_group: not carried: a group of 1"}},
		{name: "group of an unknown instance", in: two + "vrrp_sync_group G {\n group {\n VI_1\n VI_9\n }\n}\n", notes: []string{"LOST: VI_9"}, lost: true},
		{name: "lvs_sync_daemon", in: "global_defs {\n lvs_sync_daemon eth0 VI_1 id 51 maxlen 1400 port 8850 ttl 2 group 224.0.0.82\n}\n" + vi(""),
			check: func(t *testing.T, c *conf.Config) {
				s := c.Sync
				eq(t, "inst", s.Instance, "VI_1")
				eq(t, "id", s.Daemon.SyncID, 51)
				eq(t, "maxlen", s.Daemon.MaxLen, 1400)
				eq(t, "port", s.Daemon.Port, 8850)
				eq(t, "group", s.Daemon.Group.String(), "224.0.0.82")
				eq(t, "hold", s.FailbackHold, false)
				eq(t, "mode", s.Mode.String(), "follow")
			}},
		{name: "old lvs_sync_daemon_interface", in: vi(" lvs_sync_daemon_interface eth1\n"),
			check: func(t *testing.T, c *conf.Config) { eq(t, "iface", c.Sync.Daemon.Interface, "eth1") }},
		{name: "lvs_sync_daemon of an unknown instance", in: "global_defs {\n lvs_sync_daemon eth0 VI_9\n}\n" + vi(""), notes: []string{":2: LOST: lvs_sync_daemon"}, lost: true,
			check: func(t *testing.T, c *conf.Config) { eq(t, "sync", c.Sync == nil, true) }},
	})
}

func TestOwnInterface(t *testing.T) {
	run(t, []convertCase{
		{name: "keepalived tracks the instance's interface", in: vi(""),
			check: func(t *testing.T, c *conf.Config) {
				tr := c.Instances[0].Track
				eq(t, "n", len(tr), 1)
				eq(t, "kind", tr[0].Kind, conf.TrackInterface)
				eq(t, "iface", tr[0].Interface, "eth0")
				eq(t, "weight", tr[0].Weight, 0)
			}},
		{name: "dont_track_primary", in: vi(" dont_track_primary\n"),
			check: func(t *testing.T, c *conf.Config) { eq(t, "n", len(c.Instances[0].Track), 0) }},
		{name: "tracked already", in: vi(" track_interface {\n  eth0 weight -5\n }\n"),
			check: func(t *testing.T, c *conf.Config) {
				tr := c.Instances[0].Track
				eq(t, "n", len(tr), 1)
				eq(t, "weight", tr[0].Weight, -5)
			}},
	})
}
