package metrics

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func source(withIPVS bool) Source {
	src := Source{Version: "v1.2.3", Instances: func() []router.Status {
		return []router.Status{{
			Name: "web", Interface: "eth0", VRID: 51, State: vrrp.Master, Priority: 150, Effective: 150,
			AdvertInterval: 100 * time.Millisecond, VIPs: []netip.Addr{netip.MustParseAddr("203.0.113.10")},
			VIPsHeld: true, GARPs: 10, AdvertsIn: 3, AdvertsOut: 42, Transitions: 2, AddrListMismatch: 7,
			LastTransition: &router.Transition{At: t0},
			Drops:          map[string]uint64{"bad-checksum": 4, "ttl": 1},
			Speakers:       []router.Speaker{{Src: netip.MustParseAddr("192.0.2.2")}},
		}}
	}}
	if withIPVS {
		src.IPVS = func() *ipvs.ManagerStatus {
			return &ipvs.ManagerStatus{Services: 2, Reals: 4, RealsUp: 3, Reconciles: 5, Ops: 8, Failures: 1,
				HealthChanges: 2, LastReconcile: t0,
				Checks: ipvs.CheckStats{Started: 40, Late: 3, InFlight: 2}}
		}
		src.Sync = func() *lvssync.Status {
			return &lvssync.Status{Daemons: []lvssync.Daemon{{Role: lvssync.Backup, Interface: "eth0"}}, Errors: 1,
				Hold: lvssync.HoldStatus{Active: true, Conns: 12}}
		}
	}
	return src
}

func TestCollector(t *testing.T) {
	want := `
# HELP hadirector_build_info Always 1; the version label says which hadirector runs.
# TYPE hadirector_build_info gauge
hadirector_build_info{version="v1.2.3"} 1
# HELP hadirector_ipvs_real_servers_up Real servers up by their health checks.
# TYPE hadirector_ipvs_real_servers_up gauge
hadirector_ipvs_real_servers_up 3
# HELP hadirector_ipvs_operations_total Netlink writes the reconciliations applied.
# TYPE hadirector_ipvs_operations_total counter
hadirector_ipvs_operations_total 8
# HELP hadirector_ipvs_checks_late_total Health checks started over a tenth of their interval late: the checker is behind schedule and checks less often.
# TYPE hadirector_ipvs_checks_late_total counter
hadirector_ipvs_checks_late_total 3
# HELP hadirector_sync_daemon_running 1 while the kernel's sync thread of the role runs.
# TYPE hadirector_sync_daemon_running gauge
hadirector_sync_daemon_running{role="backup"} 1
hadirector_sync_daemon_running{role="master"} 0
# HELP hadirector_sync_failback_hold 1 while the fail-back hold keeps this director from preempting.
# TYPE hadirector_sync_failback_hold gauge
hadirector_sync_failback_hold 1
# HELP hadirector_sync_failback_hold_connections Distinct connections the fail-back hold heard from the master.
# TYPE hadirector_sync_failback_hold_connections gauge
hadirector_sync_failback_hold_connections 12
# HELP hadirector_vrrp_drops_total Packets dropped for the instance, by reason.
# TYPE hadirector_vrrp_drops_total counter
hadirector_vrrp_drops_total{instance="web",interface="eth0",reason="bad-checksum",vrid="51"} 4
hadirector_vrrp_drops_total{instance="web",interface="eth0",reason="ttl",vrid="51"} 1
# HELP hadirector_vrrp_addr_list_mismatch_total VRRPv3 adverts processed although their addresses differ from the instance's VIPs.
# TYPE hadirector_vrrp_addr_list_mismatch_total counter
hadirector_vrrp_addr_list_mismatch_total{instance="web",interface="eth0",vrid="51"} 7
# HELP hadirector_vrrp_state 1 for the instance's current state, 0 for the others.
# TYPE hadirector_vrrp_state gauge
hadirector_vrrp_state{instance="web",interface="eth0",state="BACKUP",vrid="51"} 0
hadirector_vrrp_state{instance="web",interface="eth0",state="FAULT",vrid="51"} 0
hadirector_vrrp_state{instance="web",interface="eth0",state="INIT",vrid="51"} 0
hadirector_vrrp_state{instance="web",interface="eth0",state="MASTER",vrid="51"} 1
# HELP hadirector_vrrp_adverts_sent_total Adverts sent.
# TYPE hadirector_vrrp_adverts_sent_total counter
hadirector_vrrp_adverts_sent_total{instance="web",interface="eth0",vrid="51"} 42
# HELP hadirector_vrrp_advert_interval_seconds The configured advert interval.
# TYPE hadirector_vrrp_advert_interval_seconds gauge
hadirector_vrrp_advert_interval_seconds{instance="web",interface="eth0",vrid="51"} 0.1
# HELP hadirector_vrrp_last_transition_timestamp_seconds Unix time of the last transition.
# TYPE hadirector_vrrp_last_transition_timestamp_seconds gauge
hadirector_vrrp_last_transition_timestamp_seconds{instance="web",interface="eth0",vrid="51"} 1.795608e+09
`
	names := []string{"hadirector_build_info", "hadirector_ipvs_real_servers_up", "hadirector_ipvs_operations_total", "hadirector_ipvs_checks_late_total",
		"hadirector_sync_daemon_running", "hadirector_sync_failback_hold", "hadirector_sync_failback_hold_connections",
		"hadirector_vrrp_drops_total", "hadirector_vrrp_addr_list_mismatch_total", "hadirector_vrrp_state", "hadirector_vrrp_adverts_sent_total",
		"hadirector_vrrp_advert_interval_seconds", "hadirector_vrrp_last_transition_timestamp_seconds"}
	if err := testutil.CollectAndCompare(New(source(true)), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(New(source(true))); n != 37 {
		t.Errorf("%d series with IPVS and sync, want 37", n)
	}
	if n := testutil.CollectAndCount(New(source(false))); n != 19 {
		t.Errorf("%d series without IPVS, want 19", n)
	}
	// Names follow Prometheus' conventions (units, _total on counters).
	problems, err := testutil.CollectAndLint(New(source(true)))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestServe scrapes a live server, and checks that a bad address fails at
// once and that the server ends with its context.
func TestServe(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	if _, _, err := Serve(context.Background(), "256.0.0.1:1", Registry(source(false)), log); err == nil {
		t.Error("a bad address was accepted")
	}
	ctx, cancel := context.WithCancel(context.Background())
	addr, wait, err := Serve(ctx, "127.0.0.1:0", Registry(source(true)), log)
	if err != nil {
		t.Fatal(err)
	}
	defer wait()
	defer cancel()
	resp, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`hadirector_vrrp_state{instance="web",interface="eth0",state="MASTER",vrid="51"} 1`,
		"hadirector_ipvs_real_servers 4", "process_resident_memory_bytes", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("scrape lacks %q", want)
		}
	}
	cancel()
	wait()
	if _, err := http.Get("http://" + addr.String() + "/metrics"); err == nil {
		t.Error("the server still answers after its context ended")
	}
}

func TestCollectorBGP(t *testing.T) {
	src := Source{Version: "v1", BGP: func() *announce.Status {
		return &announce.Status{ASN: 65001, Drained: false,
			Peers: []announce.PeerStatus{
				{Address: netip.MustParseAddr("192.0.2.1"), ASN: 65000, State: "established", Since: t0},
				{Address: netip.MustParseAddr("192.0.2.2"), ASN: 65000, State: "active"},
			},
			VIPs: []announce.VIPStatus{
				{Instance: "lb", VIP: netip.MustParseAddr("203.0.113.80"), Announced: true, Reason: "healthy"},
				{Instance: "lb", VIP: netip.MustParseAddr("2001:db8::80"), Reason: "reals-down: TCP [2001:db8::80]:80 has 0 real servers up, min_up 1"},
			}}
	}}
	want := `
# HELP hadirector_bgp_drained 1 while an operator has drained the director (hadirector drain).
# TYPE hadirector_bgp_drained gauge
hadirector_bgp_drained 0
# HELP hadirector_bgp_peer_established 1 while the BGP session with the peer is established.
# TYPE hadirector_bgp_peer_established gauge
hadirector_bgp_peer_established{asn="65000",peer="192.0.2.1"} 1
hadirector_bgp_peer_established{asn="65000",peer="192.0.2.2"} 0
# HELP hadirector_bgp_peer_established_timestamp_seconds Unix time the session was established, while it is.
# TYPE hadirector_bgp_peer_established_timestamp_seconds gauge
hadirector_bgp_peer_established_timestamp_seconds{asn="65000",peer="192.0.2.1"} 1.795608e+09
# HELP hadirector_bgp_vip_announced 1 while the VIP is announced; reason says why it is or is not (healthy, settling, reals-down, track, vip-not-on-host, drained, stopping).
# TYPE hadirector_bgp_vip_announced gauge
hadirector_bgp_vip_announced{instance="lb",reason="healthy",vip="203.0.113.80"} 1
hadirector_bgp_vip_announced{instance="lb",reason="reals-down",vip="2001:db8::80"} 0
`
	if err := testutil.CollectAndCompare(New(src), strings.NewReader(want), "hadirector_bgp_drained", "hadirector_bgp_peer_established",
		"hadirector_bgp_peer_established_timestamp_seconds", "hadirector_bgp_vip_announced"); err != nil {
		t.Error(err)
	}
	problems, err := testutil.CollectAndLint(New(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}
