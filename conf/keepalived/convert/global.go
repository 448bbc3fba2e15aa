package convert

import (
	"net/netip"
	"strings"
	"time"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// garpDefaults are the gratuitous-ARP settings an instance starts from:
// keepalived's global vrrp_garp_* values.
type garpDefaults struct {
	delay, interval, refresh time.Duration
	repeat, refreshRepeat    int
	set                      bool // any was given in global_defs
}

// keepalivedGARP is keepalived's default: 5 packets, a second burst
// after 5s, no spacing, no refresh; hadirector's defaults are the same.
var keepalivedGARP = garpDefaults{delay: 5 * time.Second, repeat: 5, refreshRepeat: 1}

func (c *converter) globalDefs(g *keepalived.Node) {
	for _, n := range g.Children {
		switch n.Name {
		case "router_id":
			c.global.note("keepalived router_id %v: hadirector names nothing by it", n.Args)
			c.skip(n, "hadirector has no router id (logs and metrics name instances)", false)
		case "vrrp_version":
			if v, ok := c.integer(n, 0, 2, 3); ok {
				c.version = int(v)
			}
		case "vrrp_garp_master_delay", "vrrp_garp_master_repeat", "vrrp_garp_interval", "vrrp_garp_master_refresh", "vrrp_garp_master_refresh_repeat":
			// The defaults of every instance's garp_* keys.
			c.garpKey(n, strings.TrimPrefix(n.Name, "vrrp_"), &c.garp)
		case "notify_fifo", "vrrp_notify_fifo":
			if p, ok := c.arg(n, 0); ok {
				c.global.set("notify_fifo", str(p), "keepalived "+n.Name+": one line per VRRP transition, keepalived's format")
				if len(n.Args) > 1 {
					c.changed(n, false, "the FIFO's owner (%v) is not carried: hadirector makes it as its own user", n.Args[1:])
				}
			}
		case "lvs_notify_fifo":
			c.skip(n, "hadirector's FIFO carries VRRP transitions only, not real-server or quorum changes", false)
		case "notify_fifo_script", "vrrp_notify_fifo_script", "lvs_notify_fifo_script":
			c.skip(n, "hadirector runs no FIFO reader; run it yourself on global.notify_fifo", false)
		case "script_user":
			c.skip(n, "hadirector runs notify, track and check commands as its own user, by absolute path and with no shell", false)
		case "enable_script_security":
			c.skip(n, "hadirector runs no shell and no PATH search; keep the programs it runs writable by root only", false)
		case "vrrp_startup_delay":
			if d, ok := c.timer(n); ok {
				c.global.set("startup_delay", dur(d), "keepalived vrrp_startup_delay")
			}
		case "lvs_sync_daemon":
			c.lvsSyncDaemon(n, "")
		case "lvs_timeouts":
			c.lvsTimeouts(n)
		case "vrrp_mcast_group4":
			if len(n.Args) == 0 || n.Args[0] != netip.AddrFrom4([4]byte{224, 0, 0, 18}).String() {
				c.skip(n, "hadirector sends VRRP to 224.0.0.18 only: the peers would not hear each other", true)
			}
		case "vrrp_mcast_group6":
			if a, err := netip.ParseAddr(firstArg(n)); err != nil || a != netip.MustParseAddr("ff02::12") {
				c.skip(n, "hadirector sends IPv6 VRRP to ff02::12 only: the peers would not hear each other", true)
			}
		case "vrrp_strict":
			c.skip(n, "hadirector follows the RFCs without keepalived's strict mode (no firewall rules, no refusal of unicast or v2 authentication)", false)
		case "vrrp_garp_lower_prio_delay", "vrrp_garp_lower_prio_repeat", "vrrp_gna_interval", "vrrp_min_garp":
			c.skip(n, "hadirector sends gratuitous ARP (IPv6: unsolicited NAs) on becoming master and on refresh only", false)
		default:
			c.skip(n, "no effect on what hadirector does (mail, SNMP, D-Bus, logging and tuning have no counterpart)", false)
		}
	}
}

// lvsTimeouts converts lvs_timeouts tcp N tcpfin N udp N.
func (c *converter) lvsTimeouts(n *keepalived.Node) {
	keys := map[string]string{"tcp": "tcp_timeout", "tcpfin": "tcpfin_timeout", "udp": "udp_timeout"}
	for i := 0; i+1 < len(n.Args); i += 2 {
		k, ok := keys[n.Args[i]]
		d, good := seconds(n.Args[i+1])
		if !ok || !good || d%time.Second != 0 || d == 0 {
			c.changed(n, false, "not carried: %s %s (want tcp|tcpfin|udp and whole seconds)", n.Args[i], n.Args[i+1])
			continue
		}
		c.ipvs.set(k, dur(d), "keepalived lvs_timeouts "+n.Args[i])
	}
	if len(n.Args)%2 != 0 {
		c.changed(n, false, "not carried: %q has no value", n.Args[len(n.Args)-1])
	}
}

// firstArg is n's first argument, or "".
func firstArg(n *keepalived.Node) string {
	if len(n.Args) == 0 {
		return ""
	}
	return n.Args[0]
}
