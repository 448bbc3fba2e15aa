package metrics

import (
	"strconv"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/hadirector/hadirector/internal/announce"
	"github.com/hadirector/hadirector/ipvs"
	lvssync "github.com/hadirector/hadirector/sync"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// Source gives the figures of one scrape. IPVS returns nil when the daemon
// has no IPVS part.
type Source struct {
	Instances func() []router.Status
	IPVS      func() *ipvs.ManagerStatus
	// Sync returns nil when the daemon runs no connection sync.
	Sync func() *lvssync.Status
	// BGP returns nil when the daemon announces nothing over BGP.
	BGP     func() *announce.Status
	Version string
}

// States are the VRRP states hadirector_vrrp_state reports, one series each.
var States = []vrrp.State{vrrp.Initialize, vrrp.Backup, vrrp.Master, vrrp.Fault}

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc("hadirector_"+name, help, labels, nil)
}

var (
	inst = []string{"instance", "vrid", "interface"}

	dBuild        = desc("build_info", "Always 1; the version label says which hadirector runs.", "version")
	dState        = desc("vrrp_state", "1 for the instance's current state, 0 for the others.", append(inst, "state")...)
	dPriority     = desc("vrrp_priority", "The configured priority.", inst...)
	dEffective    = desc("vrrp_effective_priority", "The priority in the adverts now (0 while stepping down).", inst...)
	dAdvertIval   = desc("vrrp_advert_interval_seconds", "The configured advert interval.", inst...)
	dVIPs         = desc("vrrp_vips", "VIPs configured on the instance.", inst...)
	dVIPsHeld     = desc("vrrp_vips_held", "1 while this director holds the instance's VIPs.", inst...)
	dTransitions  = desc("vrrp_transitions_total", "State transitions of the instance.", inst...)
	dLastTrans    = desc("vrrp_last_transition_timestamp_seconds", "Unix time of the last transition.", inst...)
	dAdvertsIn    = desc("vrrp_adverts_received_total", "Adverts accepted from other routers.", inst...)
	dAdvertsOut   = desc("vrrp_adverts_sent_total", "Adverts sent.", inst...)
	dGARPs        = desc("vrrp_garps_sent_total", "Gratuitous ARP packets sent.", inst...)
	dDrops        = desc("vrrp_drops_total", "Packets dropped for the instance, by reason.", append(inst, "reason")...)
	dMismatch     = desc("vrrp_addr_list_mismatch_total", "VRRPv3 adverts processed although their addresses differ from the instance's VIPs.", inst...)
	dSpeakers     = desc("vrrp_speakers", "Other routers heard on the VRID in the last minute.", inst...)
	dIPVSServices = desc("ipvs_services", "Virtual services configured.")
	dIPVSReals    = desc("ipvs_real_servers", "Real servers configured.")
	dIPVSUp       = desc("ipvs_real_servers_up", "Real servers up by their health checks.")
	dIPVSPasses   = desc("ipvs_reconciles_total", "Reconciliations of the kernel's table.")
	dIPVSOps      = desc("ipvs_operations_total", "Netlink writes the reconciliations applied.")
	dIPVSFailures = desc("ipvs_reconcile_failures_total", "Reconciliations that failed.")
	dIPVSHealth   = desc("ipvs_health_changes_total", "Real servers that changed state by their checks.")
	dIPVSLast     = desc("ipvs_last_reconcile_timestamp_seconds", "Unix time of the last reconciliation.")
	dChecks       = desc("ipvs_checks_total", "Health checks started.")
	dChecksLate   = desc("ipvs_checks_late_total", "Health checks started over a tenth of their interval late: the checker is behind schedule and checks less often.")
	dChecksUncnt  = desc("ipvs_check_timeouts_uncounted_total", "Check timeouts not counted as failures because the checker was behind schedule.")
	dChecksFlight = desc("ipvs_checks_in_flight", "Health checks running now.")
	dChecksLimit  = desc("ipvs_checks_in_flight_limit", "Health checks allowed in flight at once: halved while checks to healthy servers slow down.")
	dSyncDaemon   = desc("sync_daemon_running", "1 while the kernel's sync thread of the role runs.", "role")
	dSyncErrors   = desc("sync_daemon_errors_total", "Failed attempts to start or stop the kernel's sync threads.")
	dSyncHold     = desc("sync_failback_hold", "1 while the fail-back hold keeps this director from preempting.")
	dSyncHoldConn = desc("sync_failback_hold_connections", "Distinct connections the fail-back hold heard from the master.")
	dBGPPeerUp    = desc("bgp_peer_established", "1 while the BGP session with the peer is established.", "peer", "asn")
	dBGPPeerSince = desc("bgp_peer_established_timestamp_seconds", "Unix time the session was established, while it is.", "peer", "asn")
	dBGPVIP       = desc("bgp_vip_announced", "1 while the VIP is announced; reason says why it is or is not (healthy, settling, reals-down, track, vip-not-on-host, drained, stopping).", "instance", "vip", "reason")
	dBGPDrained   = desc("bgp_drained", "1 while an operator has drained the director (hadirector drain).")
)

// Collector is a prometheus.Collector over a Source.
type Collector struct{ src Source }

// New returns a Collector of src.
func New(src Source) *Collector { return &Collector{src} }

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{dBuild, dState, dPriority, dEffective, dAdvertIval, dVIPs, dVIPsHeld,
		dTransitions, dLastTrans, dAdvertsIn, dAdvertsOut, dGARPs, dDrops, dMismatch, dSpeakers, dIPVSServices, dIPVSReals,
		dIPVSUp, dIPVSPasses, dIPVSOps, dIPVSFailures, dIPVSHealth, dIPVSLast, dChecks, dChecksLate, dChecksUncnt, dChecksFlight, dChecksLimit,
		dSyncDaemon, dSyncErrors, dSyncHold, dSyncHoldConn, dBGPPeerUp, dBGPPeerSince, dBGPVIP, dBGPDrained} {
		ch <- d
	}
}

// Collect reads the Source and sends the metrics.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ch <- prometheus.MustNewConstMetric(dBuild, prometheus.GaugeValue, 1, c.src.Version)
	if c.src.Instances != nil {
		for _, s := range c.src.Instances() {
			collectInstance(ch, s)
		}
	}
	if c.src.Sync != nil {
		if st := c.src.Sync(); st != nil {
			collectSync(ch, st)
		}
	}
	if c.src.BGP != nil {
		if st := c.src.BGP(); st != nil {
			collectBGP(ch, st)
		}
	}
	if c.src.IPVS == nil {
		return
	}
	st := c.src.IPVS()
	if st == nil {
		return
	}
	g := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	n := func(d *prometheus.Desc, v uint64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	g(dIPVSServices, float64(st.Services))
	g(dIPVSReals, float64(st.Reals))
	g(dIPVSUp, float64(st.RealsUp))
	n(dIPVSPasses, st.Reconciles)
	n(dIPVSOps, st.Ops)
	n(dIPVSFailures, st.Failures)
	n(dIPVSHealth, st.HealthChanges)
	n(dChecks, st.Checks.Started)
	n(dChecksLate, st.Checks.Late)
	n(dChecksUncnt, st.Checks.Uncounted)
	g(dChecksFlight, float64(st.Checks.InFlight))
	g(dChecksLimit, float64(st.Checks.Limit))
	if !st.LastReconcile.IsZero() {
		g(dIPVSLast, float64(st.LastReconcile.UnixNano())/1e9)
	}
}

func collectInstance(ch chan<- prometheus.Metric, s router.Status) {
	lv := []string{s.Name, strconv.Itoa(int(s.VRID)), s.Interface}
	g := func(d *prometheus.Desc, v float64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, append(lv[:3:3], extra...)...)
	}
	n := func(d *prometheus.Desc, v uint64, extra ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), append(lv[:3:3], extra...)...)
	}
	for _, st := range States {
		g(dState, b2f(s.State == st), st.String())
	}
	g(dPriority, float64(s.Priority))
	g(dEffective, float64(s.Effective))
	g(dAdvertIval, s.AdvertInterval.Seconds())
	g(dVIPs, float64(len(s.VIPs)))
	g(dVIPsHeld, b2f(s.VIPsHeld))
	n(dTransitions, s.Transitions)
	if t := s.LastTransition; t != nil {
		g(dLastTrans, float64(t.At.UnixNano())/1e9)
	}
	n(dAdvertsIn, s.AdvertsIn)
	n(dAdvertsOut, s.AdvertsOut)
	n(dGARPs, s.GARPs)
	for reason, v := range s.Drops {
		n(dDrops, v, reason)
	}
	n(dMismatch, s.AddrListMismatch)
	g(dSpeakers, float64(len(s.Speakers)))
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func collectSync(ch chan<- prometheus.Metric, st *lvssync.Status) {
	run := map[lvssync.Role]bool{}
	for _, d := range st.Daemons {
		run[d.Role] = true
	}
	for _, r := range []lvssync.Role{lvssync.Master, lvssync.Backup} {
		ch <- prometheus.MustNewConstMetric(dSyncDaemon, prometheus.GaugeValue, b2f(run[r]), r.String())
	}
	ch <- prometheus.MustNewConstMetric(dSyncErrors, prometheus.CounterValue, float64(st.Errors))
	ch <- prometheus.MustNewConstMetric(dSyncHold, prometheus.GaugeValue, b2f(st.Hold.Active))
	ch <- prometheus.MustNewConstMetric(dSyncHoldConn, prometheus.GaugeValue, float64(st.Hold.Conns))
}

func collectBGP(ch chan<- prometheus.Metric, st *announce.Status) {
	g := func(d *prometheus.Desc, v float64, lv ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, lv...)
	}
	g(dBGPDrained, b2f(st.Drained))
	for _, p := range st.Peers {
		asn := strconv.FormatUint(uint64(p.ASN), 10)
		g(dBGPPeerUp, b2f(p.Established()), p.Address.String(), asn)
		if p.Established() && !p.Since.IsZero() {
			g(dBGPPeerSince, float64(p.Since.UnixNano())/1e9, p.Address.String(), asn)
		}
	}
	for _, v := range st.VIPs {
		reason, _, _ := strings.Cut(v.Reason, ":") // the class: the detail would make a series per message
		g(dBGPVIP, b2f(v.Announced), v.Instance, v.VIP.String(), reason)
	}
}
