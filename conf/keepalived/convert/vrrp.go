package convert

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// instance converts a vrrp_instance.
func (c *converter) instance(n *keepalived.Node) {
	if len(n.Args) != 1 {
		c.skip(n, "a vrrp_instance needs one name", true)
		return
	}
	name := n.Args[0]
	t := &table{header: "[[instance]]", comment: []string{fmt.Sprintf("keepalived vrrp_instance %s (%s)", name, n.Pos)}}
	t.set("name", str(name), "")
	version, priority := c.version, int64(100)
	var iface string
	var advert time.Duration = time.Second
	advertSet := false
	var vips []string
	var excluded []*keepalived.Node
	var fam family
	var src, vmac *keepalived.Node
	var peers []*keepalived.Node
	var password string
	garp := c.garp
	var tracks []*table
	notify := map[string][]string{}
	for _, k := range n.Children {
		switch k.Name {
		case "interface":
			if s, ok := c.arg(k, 0); ok {
				iface = s
			}
		case "virtual_router_id":
			if v, ok := c.integer(k, 0, 1, 255); ok {
				t.set("vrid", num(v), "")
			}
		case "priority":
			if v, ok := c.integer(k, 0, 1, 255); ok {
				priority = v
			}
		case "version":
			if v, ok := c.integer(k, 0, 2, 3); ok {
				version = int(v)
			}
		case "advert_int":
			if d, ok := c.timer(k); ok {
				advert, advertSet = d, true
			}
		case "state":
			if len(k.Args) > 0 && strings.EqualFold(k.Args[0], "MASTER") {
				c.changed(k, false, "state MASTER only lets keepalived skip the wait at start; hadirector starts as backup and the priority elects the master, as keepalived's does a moment later")
			}
		case "nopreempt":
			t.set("preempt", "false", "keepalived nopreempt")
		case "preempt":
		case "preempt_delay":
			if d, ok := c.timer(k); ok {
				t.set("preempt_delay", dur(d), "")
			}
		case "unicast_src_ip":
			if s, ok := c.arg(k, 0); ok && c.ofFamily(k, s, &fam, "src address") {
				src = k
			}
		case "unicast_peer":
			for _, p := range k.Children {
				if c.ofFamily(p, p.Name, &fam, "unicast peer") {
					peers = append(peers, p)
				}
			}
		case "authentication":
			password = c.auth(k)
		case "virtual_ipaddress":
			vips = append(vips, c.vips(k, &iface, &fam, false)...)
		case "virtual_ipaddress_excluded":
			excluded = append(excluded, k)
		case "track_interface":
			tracks = append(tracks, c.trackInterfaces(k)...)
		case "track_script":
			tracks = append(tracks, c.trackScripts(k)...)
		case "track_file":
			tracks = append(tracks, c.trackFiles(k)...)
		case "notify", "notify_master", "notify_backup", "notify_fault", "notify_stop":
			if argv, ok := c.script(k); ok {
				notify[k.Name] = argv
			}
		case "garp_master_delay", "garp_master_repeat", "garp_interval", "garp_master_refresh", "garp_master_refresh_repeat":
			c.garpKey(k, k.Name, &garp)
		case "lvs_sync_daemon_interface":
			c.lvsSyncDaemon(k, name)
		case "use_vmac":
			vmac = k
		case "vmac_xmit_base":
			c.changed(k, false, "not carried: hadirector sends a use_vmac instance's adverts from the virtual MAC interface, as keepalived does without it; a keepalived peer hears them either way")
		case "mcast_src_ip":
			c.changed(k, false, "not carried: hadirector sends multicast adverts from the interface's primary address (IPv6: its link-local address)")
		case "virtual_routes", "virtual_rules":
			c.skip(k, "hadirector moves addresses, not routes or rules: add them from notify_master", true)
		case "track_process", "track_bfd":
			c.skip(k, "hadirector tracks interfaces, scripts and files only; the priority would not follow it", true)
		case "notify_master_rx_lower_pri", "notify_deleted":
			c.skip(k, "hadirector has no such transition", false)
		case "dont_track_primary":
			// Carried by leaving out the track of the instance's interface.
		case "skip_check_adv_addr", "check_unicast_src", "accept", "no_accept", "strict_mode", "debug",
			"smtp_alert", "kernel_rx_buf_size", "native_ipv6", "linkbeat_use_polling", "promote_secondaries", "unicast_fault_no_peer", "notify_priority_changes":
			c.skip(k, "no counterpart in hadirector; no effect on the election or the VIPs", false)
		default:
			c.skip(k, "not a vrrp_instance keyword hadirector knows", false)
		}
	}
	if iface == "" {
		c.skip(n, "no interface", true)
		return
	}
	t.set("interface", str(iface), "")
	t.set("priority", num(priority), cmt(priority == 100 && n.Child("priority") == nil, "keepalived's default"))
	if priority == 255 && n.Child("priority") == nil {
		t.note("priority 255: the address owner")
	}
	versionNote := cmt(n.Child("version") == nil && c.version == 2, "keepalived's default is VRRPv2 (hadirector's is 3)")
	if fam.v6 && version == 2 {
		version, versionNote = 3, "keepalived runs an IPv6 instance as VRRPv3 unless the instance itself says version 2"
		if k := n.Child("version"); k != nil {
			c.changed(k, true, "version 2 on an IPv6 instance: keepalived sends VRRPv2 adverts over IPv6 to ff02::12 (no standard does); hadirector runs only VRRPv3 over IPv6, so the converted instance says version 3 and a keepalived peer left at version 2 will not hear it")
		}
	}
	t.set("version", num(version), versionNote)
	if version == 2 && advert%time.Second != 0 {
		if r := advert.Round(time.Second); r >= time.Second {
			c.changed(n.Child("advert_int"), false, "VRRPv2 carries whole seconds: %v becomes %v, as keepalived sends it", advert, r)
			advert = r
		}
	}
	if version == 3 && advert%(10*time.Millisecond) != 0 {
		c.changed(n.Child("advert_int"), false, "VRRPv3 carries centiseconds: %v becomes %v", advert, advert.Round(10*time.Millisecond))
		advert = advert.Round(10 * time.Millisecond)
	}
	t.set("advert_interval", dur(advert), cmt(!advertSet, "keepalived's default"))
	for _, x := range excluded {
		ex := c.vips(x, &iface, &fam, true)
		if len(ex) > 0 {
			c.changed(x, false, "carried into vips: hadirector lists every address it holds in its adverts, so a keepalived peer sees a longer address list (it logs it, nothing more)")
		}
		vips = append(vips, ex...)
	}
	t.set("vips", list(vips), cmt(!fam.v6, "each held as VIP/32 brd VIP on the master")+cmt(fam.v6, "IPv6: each held as VIP/128 (or its /N) nodad on the master"))
	if src != nil && len(peers) == 0 {
		c.changed(src, false, "not carried: no unicast_peer of the instance's family, so keepalived multicasts (it warns the usage is deprecated), as the converted file does")
	} else if src != nil {
		t.set("unicast_src", str(src.Args[0]), "")
	}
	c.peers(t, peers)
	c.useVMAC(t, vmac, fam)
	if password != "" {
		if version == 2 {
			t.set("password", str(password), "keepalived authentication PASS")
		} else {
			c.changed(n.Child("authentication"), false, "not carried: VRRPv3 has no authentication (keepalived ignores it too)")
		}
	}
	for _, k := range []string{"notify", "notify_master", "notify_backup", "notify_fault", "notify_stop"} {
		if v := notify[k]; v != nil {
			t.set(k, list(v), "")
		}
	}
	if g := garpTable(garp); g != nil {
		t.sub = append(t.sub, g)
	}
	if n.Child("dont_track_primary") == nil && !tracksInterface(tracks, iface) {
		// keepalived faults an instance whose own interface goes down.
		p := &table{header: "  [[instance.track_interface]]", comment: []string{"keepalived tracks the instance's own interface (dont_track_primary turns it off): down is a fault"}}
		p.set("interface", str(iface), "")
		p.set("weight", "0", "")
		tracks = append([]*table{p}, tracks...)
	}
	t.sub = append(t.sub, tracks...)
	c.names[name] = true
	c.inst = append(c.inst, t)
}

// useVMAC carries use_vmac [NAME], without the name.
func (c *converter) useVMAC(t *table, k *keepalived.Node, fam family) {
	if k == nil {
		return
	}
	if fam.v6 {
		t.set("use_vmac", "true", "keepalived use_vmac: the VIPs on macvlan vrrp6.VRID with 00:00:5e:00:02:VRID")
	} else {
		t.set("use_vmac", "true", "keepalived use_vmac: the VIPs on macvlan vrrp.VRID with 00:00:5e:00:01:VRID")
	}
	if len(k.Args) > 0 {
		c.changed(k, false, "the interface name %s is not carried: hadirector names the macvlan vrrp.VRID (IPv6 vrrp6.VRID)", k.Args[0])
	}
}

func cmt(cond bool, s string) string {
	if cond {
		return s
	}
	return ""
}

// auth converts authentication { auth_type PASS auth_pass X }.
func (c *converter) auth(n *keepalived.Node) string {
	typ, pass := "", ""
	for _, k := range n.Children {
		switch k.Name {
		case "auth_type":
			typ, _ = c.arg(k, 0)
		case "auth_pass":
			pass, _ = c.arg(k, 0)
			if len(pass) > 8 {
				c.changed(k, false, "keepalived uses the first 8 bytes of %d: so does the converted file", len(pass))
				pass = pass[:8]
			}
		default:
			c.skip(k, "not an authentication keyword", false)
		}
	}
	if !strings.EqualFold(typ, "PASS") {
		c.changed(n, true, "not carried: auth_type %s; hadirector has VRRPv2 simple-password authentication only, so the peers would not accept each other", typ)
		return ""
	}
	return pass
}

// vips converts the lines of a virtual_ipaddress block: ADDR[/LEN] [brd
// B] [dev D] [scope S] [label L] and flags. iface is the instance's
// interface, the only one hadirector holds VIPs on.
func (c *converter) vips(n *keepalived.Node, iface *string, fam *family, excluded bool) []string {
	var out []string
	for _, k := range n.Children {
		words := append([]string{k.Name}, k.Args...)
		p, err := netip.ParsePrefix(words[0])
		if err != nil {
			a, aerr := netip.ParseAddr(words[0])
			if aerr != nil {
				c.changed(k, true, "not carried: %q is not an address", words[0])
				continue
			}
			p = netip.PrefixFrom(a.WithZone(""), a.BitLen())
		}
		a := p.Addr().Unmap()
		if a.Is4() {
			p = netip.PrefixFrom(a, min(p.Bits(), 32))
		}
		if !fam.fits(a) {
			if excluded {
				c.changed(k, true, "not carried: %s is %s, the instance %s; keepalived holds excluded VIPs of either family, hadirector an instance's VIPs of its family only: give it a %s instance of its own", a, family{v6: a.Is6()}, fam, family{v6: a.Is6()})
			} else {
				c.changed(k, false, "not carried: %s is %s, the instance %s (settled by its first address); keepalived ignores it too (\"address family must match VRRP instance\")", a, family{v6: a.Is6()}, fam)
			}
			continue
		}
		lost := false
		var what []string
		deprecated := a.Is6() && p.Bits() == 128 // keepalived's default for a /128
		for i := 1; i < len(words); i++ {
			w := words[i]
			val := ""
			if i+1 < len(words) {
				val = words[i+1]
			}
			switch w {
			case "dev":
				i++
				if *iface != "" && val != *iface {
					c.changed(k, true, "not carried: dev %s; hadirector holds an instance's VIPs on its interface %s", val, *iface)
					lost = true
				}
			case "brd", "broadcast":
				i++
				if a.Is4() && val != a.String() {
					what = append(what, "brd "+val)
				}
			case "scope":
				i++
				if val != "global" {
					what = append(what, "scope "+val)
				}
			case "label":
				i++
				what = append(what, "label "+val)
			case "preferred_lft":
				i++
				deprecated = a.Is6() && val != "forever"
				if a.Is4() {
					what = append(what, "preferred_lft "+val)
				}
			case "-nodad", "nodad":
				if a.Is4() {
					what = append(what, w)
				}
			case "no_track", "home", "noprefixroute", "autojoin":
				what = append(what, w)
			default:
				what = append(what, w)
			}
		}
		if lost {
			continue
		}
		switch {
		case a.Is4() && p.Bits() != 32:
			c.changed(k, false, "%s is held as %s/32 brd %s: the /%d and its prefix route are not carried (hadirector's VIP form)", p, a, a, p.Bits())
		}
		if deprecated {
			c.changed(k, false, "keepalived holds this IPv6 VIP deprecated (preferred_lft 0, so the kernel never picks it as a source address); hadirector holds it preferred")
		}
		if len(what) > 0 {
			form := "VIP/32 brd VIP"
			if a.Is6() {
				form = "VIP/128 nodad"
			}
			c.changed(k, false, "not carried: %s (hadirector holds %s, global scope, no label)", strings.Join(what, ", "), form)
		}
		if a.Is6() && p.Bits() != 128 {
			out = append(out, netip.PrefixFrom(a, p.Bits()).String())
		} else {
			out = append(out, a.String())
		}
	}
	return out
}

// peers converts unicast_peer lines: ADDR [min_ttl N] [max_ttl N].
func (c *converter) peers(t *table, peers []*keepalived.Node) {
	var plain []string
	for _, k := range peers {
		a, err := netip.ParseAddr(k.Name)
		if err != nil || a.Zone() != "" {
			c.changed(k, true, "not carried: %q is not a peer address", k.Name)
			continue
		}
		minTTL, maxTTL := "", ""
		for i := 0; i+1 < len(k.Args); i += 2 {
			v, err := strconv.Atoi(k.Args[i+1])
			if err != nil {
				c.changed(k, true, "not carried: %s %q is not a number", k.Args[i], k.Args[i+1])
				continue
			}
			switch k.Args[i] {
			case "min_ttl":
				minTTL = num(v)
			case "max_ttl":
				maxTTL = num(v)
			default:
				c.changed(k, false, "not carried: %s %s", k.Args[i], k.Args[i+1])
			}
		}
		if minTTL == "" && maxTTL == "" {
			plain = append(plain, a.String())
			continue
		}
		p := &table{header: "[[instance.unicast_peer]]"}
		p.set("address", str(a.String()), "")
		if minTTL != "" {
			p.set("min_ttl", minTTL, "")
		}
		if maxTTL != "" {
			p.set("max_ttl", maxTTL, "")
		}
		t.sub = append(t.sub, p)
	}
	if len(plain) > 0 {
		t.set("unicast_peers", list(plain), "")
	}
}

// garpKey reads an instance's garp_* key k, named name, into g.
func (c *converter) garpKey(k *keepalived.Node, name string, g *garpDefaults) {
	switch name {
	case "garp_master_delay":
		if d, ok := c.timer(k); ok {
			g.delay, g.set = d, true
		}
	case "garp_master_repeat":
		if v, ok := c.integer(k, 0, 0, 100); ok {
			g.repeat, g.set = int(v), true
		}
	case "garp_interval":
		if d, ok := c.timer(k); ok {
			g.interval, g.set = d, true
		}
	case "garp_master_refresh":
		if d, ok := c.timer(k); ok {
			g.refresh, g.set = d, true
		}
	case "garp_master_refresh_repeat":
		if v, ok := c.integer(k, 0, 1, 100); ok {
			g.refreshRepeat, g.set = int(v), true
			if v != 1 {
				c.changed(k, false, "hadirector's refresh sends one burst of garp.count packets, not %d", v)
			}
		}
	}
}

// garpTable is [instance.garp] when anything differs from the default.
func garpTable(g garpDefaults) *table {
	if !g.set {
		return nil
	}
	t := &table{header: "  [instance.garp]"}
	t.set("count", num(g.repeat), "keepalived garp_master_repeat")
	t.set("repeat_delay", dur(g.delay), "keepalived garp_master_delay (0s: no second burst)")
	t.set("spacing", dur(g.interval), "keepalived garp_interval")
	if g.refresh > 0 {
		t.set("refresh", dur(max(g.refresh, time.Second)), "keepalived garp_master_refresh")
	}
	return t
}

// tracksInterface reports whether one of the track tables is the
// interface iface.
func tracksInterface(tracks []*table, iface string) bool {
	for _, t := range tracks {
		if strings.Contains(t.header, "track_interface") && slices.Contains(t.lines, "interface = "+str(iface)) {
			return true
		}
	}
	return false
}

// ofFamily reports whether the address s of node k (what names it in the
// note) is of the instance's family, settling the family on the first
// address; keepalived skips one of the other family, and so does the
// converted file. A word that is no address is left to the caller.
func (c *converter) ofFamily(k *keepalived.Node, s string, fam *family, what string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return true
	}
	if !fam.fits(a) {
		c.changed(k, false, "not carried: %s %s is %s, the instance %s (settled by its first address); keepalived skips it too (\"MUST be of the same family\")", what, a, family{v6: a.Is6()}, fam)
		return false
	}
	return true
}
