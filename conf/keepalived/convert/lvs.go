package convert

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/conf/keepalived"
)

// key is one IPVS service a virtual_server stands for.
type key struct {
	addr   netip.Addr
	port   string // "" for none
	fwmark string
}

// virtualServer converts virtual_server IP [PORT] | fwmark N | group NAME.
func (c *converter) virtualServer(n *keepalived.Node) {
	keys := c.serviceKeys(n)
	for _, k := range keys {
		c.service(n, k)
	}
}

func (c *converter) serviceKeys(n *keepalived.Node) []key {
	if len(n.Args) == 0 {
		c.skip(n, "a virtual_server needs an address, fwmark N or group NAME", true)
		return nil
	}
	switch n.Args[0] {
	case "fwmark":
		if len(n.Args) < 2 {
			c.skip(n, "fwmark without a number", true)
			return nil
		}
		return []key{{fwmark: n.Args[1]}}
	case "group":
		if len(n.Args) < 2 || c.vsgs[n.Args[1]] == nil {
			c.skip(n, "no such virtual_server_group", true)
			return nil
		}
		var out []key
		for _, m := range c.vsgs[n.Args[1]].Children {
			if m.Name == "fwmark" {
				if len(m.Args) > 0 {
					out = append(out, key{fwmark: m.Args[0]})
				}
				continue
			}
			out = append(out, c.groupMember(m)...)
		}
		return out
	}
	return c.addrKeys(n, n.Args[0], n.Args[1:])
}

// groupMember expands a virtual_server_group line: IP [PORT] or a range
// A.B.C.D-E [PORT].
func (c *converter) groupMember(m *keepalived.Node) []key {
	if i := strings.LastIndexByte(m.Name, '-'); i > 0 {
		first, err := netip.ParseAddr(m.Name[:i])
		last, lerr := strconv.Atoi(m.Name[i+1:])
		if err != nil || lerr != nil || !first.Is4() || last < int(first.As4()[3]) || last > 255 {
			c.changed(m, true, "not carried: %q is not a range A.B.C.D-E", m.Name)
			return nil
		}
		var out []key
		for a := first; ; a = a.Next() {
			out = append(out, c.addrKeys(m, a.String(), m.Args)...)
			if int(a.As4()[3]) >= last {
				break
			}
		}
		return out
	}
	return c.addrKeys(m, m.Name, m.Args)
}

func (c *converter) addrKeys(n *keepalived.Node, addr string, rest []string) []key {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		c.changed(n, true, "not carried: %q is not an address", addr)
		return nil
	}
	if !a.Is4() {
		c.changed(n, true, "not carried: %s is IPv6; hadirector's services are IPv4", a)
		return nil
	}
	k := key{addr: a}
	if len(rest) > 0 {
		k.port = rest[0]
	}
	if k.port == "" || k.port == "0" {
		c.changed(n, true, "not carried: a service on every port (port 0); use a fwmark service")
		return nil
	}
	return []key{k}
}

// timing is a checker's timing as keepalived inherits it: the virtual
// server's, the real server's, then the checker's own.
type timing struct {
	delayLoop, connectTimeout time.Duration
	retry                     int64 // -1: the checker's default
	alpha                     bool
}

// apply reads a timing key; it reports whether k was one.
func (c *converter) apply(k *keepalived.Node, t *timing) bool {
	switch k.Name {
	case "delay_loop":
		if d, ok := c.timer(k); ok {
			t.delayLoop = d
		}
	case "connect_timeout":
		if d, ok := c.timer(k); ok {
			t.connectTimeout = d
		}
	case "retry", "nb_get_retry":
		if v, ok := c.integer(k, 0, 0, 99); ok {
			t.retry = v
		}
	case "alpha":
		t.alpha = flag(k)
	case "delay_before_retry":
		c.changed(k, false, "not carried: hadirector retries at the check interval")
	case "warmup":
		c.changed(k, false, "not carried: hadirector starts every check at once")
	default:
		return false
	}
	return true
}

func (c *converter) service(n *keepalived.Node, k key) {
	t := &table{header: "[[service]]", comment: []string{fmt.Sprintf("keepalived virtual_server %s (%s)", strings.Join(n.Args, " "), n.Pos)}}
	if k.fwmark != "" {
		m, err := strconv.ParseUint(k.fwmark, 0, 32)
		if err != nil {
			c.changed(n, true, "not carried: fwmark %q is not a number", k.fwmark)
			return
		}
		t.set("fwmark", num(int64(m)), "")
	} else {
		t.set("address", str(netip.AddrPortFrom(k.addr, 0).Addr().String()+":"+k.port), "")
	}
	method := "nat" // keepalived's default lvs_method
	methodSet := false
	sched := "wlc"
	schedSet := false
	var flags []string
	proto := "udp" // keepalived 2.2.7's default, as it logs
	inhibit := false
	tm := timing{delayLoop: 60 * time.Second, connectTimeout: 5 * time.Second, retry: -1}
	var reals []*keepalived.Node
	var sorry, sorryMethod string
	var host string
	for _, x := range n.Children {
		if c.apply(x, &tm) {
			continue
		}
		switch x.Name {
		case "lb_algo", "lvs_sched":
			if s, ok := c.arg(x, 0); ok {
				sched, schedSet = strings.ToLower(s), true
			}
		case "lb_kind", "lvs_method":
			if m, ok := c.method(x); ok {
				method, methodSet = m, true
			}
		case "sh-port", "sh-fallback", "mh-port", "mh-fallback":
			flags = append(flags, x.Name)
		case "flag-1", "flag-2", "flag-3":
			c.changed(x, false, "not carried: write the scheduler's flag by name (sh-port, mh-fallback, ...)")
		case "persistence_timeout":
			d := 360 * time.Second
			if len(x.Args) > 0 {
				var ok bool
				if d, ok = c.timer(x); !ok {
					continue
				}
			}
			t.set("persistence_timeout", dur(d), cmt(len(x.Args) == 0, "keepalived's 360s for persistence_timeout without a value"))
		case "persistence_granularity":
			s, _ := c.arg(x, 0)
			if bits, ok := netmaskBits(s); ok && bits > 0 {
				t.set("persistence_netmask", num(bits), "keepalived persistence_granularity "+s)
			} else {
				c.changed(x, false, "not carried: %q is not an IPv4 netmask", s)
			}
		case "protocol":
			s, _ := c.arg(x, 0)
			switch strings.ToLower(s) {
			case "tcp", "udp":
				proto = strings.ToLower(s)
			default:
				c.changed(x, true, "not carried: protocol %s; hadirector's services are TCP or UDP", s)
				return
			}
		case "inhibit_on_failure":
			inhibit = flag(x)
		case "sorry_server":
			if len(x.Args) > 0 {
				sorry = x.Args[0]
				if len(x.Args) > 1 {
					sorry += ":" + x.Args[1]
				}
			}
		case "sorry_server_lvs_method":
			sorryMethod, _ = c.method(x)
		case "sorry_server_inhibit":
			c.changed(x, false, "not carried: hadirector removes the sorry server when a real server is back")
		case "virtualhost":
			host, _ = c.arg(x, 0)
		case "real_server":
			reals = append(reals, x)
		case "quorum", "hysteresis", "quorum_up", "quorum_down":
			c.skip(x, "hadirector has no quorum: the service keeps the real servers that are up, and the sorry server takes over when none is", false)
		case "ha_suspend":
			c.skip(x, "hadirector programs IPVS on master and backup alike", false)
		case "omega", "smtp_alert", "ops", "one_packet", "persistence_engine":
			c.skip(x, "no counterpart in hadirector", false)
		default:
			c.skip(x, "not a virtual_server keyword hadirector knows", false)
		}
	}
	if k.fwmark == "" {
		given := n.Child("protocol") != nil
		t.set("protocol", str(proto), cmt(!given, "keepalived 2.2.7's default without protocol is UDP"))
		if !given {
			c.changed(n, false, "no protocol: keepalived 2.2.7 makes it UDP (\"no protocol set - defaulting to UDP\"), and so does the converted file; add protocol TCP if a TCP service was meant")
		}
	}
	t.set("scheduler", str(sched), cmt(!schedSet, "keepalived's default"))
	if len(flags) > 0 {
		t.set("scheduler_flags", list(flags), "")
	}
	t.set("quiescent", boolean(inhibit), cmt(!inhibit, "keepalived removes a failed real server unless inhibit_on_failure"))
	if sorry != "" {
		t.set("sorry_server", str(sorry), "")
		if sorryMethod == "" {
			sorryMethod = method
		}
		t.set("sorry_forward", str(sorryMethod), "")
	}
	for _, r := range reals {
		if rt := c.real(r, k, method, methodSet, tm, host, &inhibit, t); rt != nil {
			t.sub = append(t.sub, rt)
		}
	}
	c.svcs = append(c.svcs, t)
}

// method converts NAT|DR|TUN; a tunnel type other than ipip is lost.
func (c *converter) method(x *keepalived.Node) (string, bool) {
	s, ok := c.arg(x, 0)
	if !ok {
		return "", false
	}
	switch strings.ToUpper(s) {
	case "NAT":
		return "nat", true
	case "DR":
		return "dr", true
	case "TUN":
		if len(x.Args) > 2 && x.Args[1] == "type" && x.Args[2] != "ipip" {
			c.changed(x, true, "not carried: tunnel type %s; hadirector's tunnels are IPIP", x.Args[2])
		}
		return "tun", true
	}
	c.changed(x, true, "not carried: %q is not NAT, DR or TUN", s)
	return "", false
}

func (c *converter) real(n *keepalived.Node, k key, method string, methodSet bool, tm timing, host string, inhibit *bool, svc *table) *table {
	if len(n.Args) == 0 {
		c.changed(n, true, "not carried: a real_server needs an address")
		return nil
	}
	a, err := netip.ParseAddr(n.Args[0])
	if err != nil || !a.Is4() {
		c.changed(n, true, "not carried: %q is not an IPv4 address", n.Args[0])
		return nil
	}
	port := k.port
	if len(n.Args) > 1 {
		port = n.Args[1]
	}
	t := &table{header: "  [[service.real]]"}
	weight := int64(1)
	var checks []*keepalived.Node
	for _, x := range n.Children {
		if c.apply(x, &tm) {
			continue
		}
		switch x.Name {
		case "weight":
			if v, ok := c.integer(x, 0, 0, 65535); ok {
				weight = v
			}
		case "lvs_method":
			if m, ok := c.method(x); ok {
				method, methodSet = m, true
			}
		case "inhibit_on_failure":
			if flag(x) != *inhibit {
				c.changed(x, false, "hadirector sets quiescent per service: this real server follows the service's (%v)", *inhibit)
			}
		case "HTTP_GET", "SSL_GET", "TCP_CHECK", "MISC_CHECK":
			checks = append(checks, x)
		case "SMTP_CHECK", "DNS_CHECK", "UDP_CHECK", "PING_CHECK", "FILE_CHECK", "BFD_CHECK":
			c.skip(x, "hadirector checks by TCP, HTTP or a command: use a MISC_CHECK-style exec check", false)
		case "notify_up", "notify_down", "smtp_alert", "virtualhost":
			if x.Name == "virtualhost" {
				host, _ = c.arg(x, 0)
				continue
			}
			c.skip(x, "no counterpart in hadirector", false)
		default:
			c.skip(x, "not a real_server keyword hadirector knows", false)
		}
	}
	if method != "nat" && k.port != "" && port != k.port {
		c.changed(n, false, "port %s differs from the service's %s: with %s the kernel forwards to the service's port, so it is written so", port, k.port, strings.ToUpper(method))
		port = k.port
	}
	addr := a.String()
	if port != "" && port != "0" {
		addr += ":" + port
	}
	t.set("address", str(addr), "")
	t.set("weight", num(weight), "")
	t.set("forward", str(method), cmt(!methodSet, "keepalived's default lvs_method is NAT"))
	if len(checks) > 1 {
		for _, x := range checks[1:] {
			c.changed(x, false, "not carried: hadirector runs one check per real server, the first (%s)", checks[0].Name)
		}
	}
	if len(checks) > 0 {
		if ct := c.check(checks[0], tm, host); ct != nil {
			t.sub = append(t.sub, ct)
		}
	}
	return t
}

// check converts a checker into [service.real.check].
func (c *converter) check(n *keepalived.Node, tm timing, host string) *table {
	t := &table{header: "    [service.real.check]"}
	retry := int64(1)
	if n.Name == "MISC_CHECK" {
		retry = 0
	}
	var typ string
	var argv []string
	var path string
	status := ""
	var miscTimeout time.Duration
	for _, x := range n.Children {
		if c.apply(x, &tm) {
			continue
		}
		switch x.Name {
		case "connect_port":
			if v, ok := c.integer(x, 0, 1, 65535); ok {
				t.set("port", num(v), "keepalived connect_port")
			}
		case "url":
			if path != "" {
				c.changed(x, false, "not carried: hadirector checks one URL, the first")
				continue
			}
			path, status = c.url(x)
		case "misc_path":
			argv, _ = c.script(x)
		case "misc_timeout":
			if d, ok := c.timer(x); ok {
				miscTimeout = d
			}
		case "misc_dynamic":
			c.changed(x, false, "not carried: hadirector reads the exit status as up (0) or down, not as a weight")
		case "user":
			c.skip(x, "hadirector runs check commands as its own user", false)
		case "virtualhost":
			host, _ = c.arg(x, 0)
		case "bindto", "bind_port", "bind_if", "connect_ip", "fwmark", "http_protocol", "fast_recovery", "log_all_failures":
			c.skip(x, "no counterpart in hadirector's checks", false)
		default:
			c.skip(x, "not a checker keyword hadirector knows", false)
		}
	}
	if tm.retry >= 0 {
		retry = tm.retry
	}
	switch n.Name {
	case "TCP_CHECK":
		typ = "tcp"
	case "SSL_GET":
		typ = "tcp"
		c.changed(n, false, "hadirector's HTTP check has no TLS: converted to a TCP connect check of the same port")
	case "HTTP_GET":
		typ = "http"
		if path == "" {
			path = "/"
		}
		t.set("path", str(path), "")
		if host != "" {
			t.set("host", str(host), "")
		}
		if status != "" {
			t.set("status", status, "")
		}
	case "MISC_CHECK":
		typ = "exec"
		if argv == nil {
			c.changed(n, false, "not carried: MISC_CHECK without misc_path; the real server is left unchecked")
			return nil
		}
		t.set("command", list(argv), "")
		if miscTimeout > 0 {
			tm.connectTimeout = miscTimeout
		} else {
			tm.connectTimeout = tm.delayLoop // keepalived's misc_timeout default
		}
	}
	t.lines = append([]string{"type = " + str(typ)}, t.lines...)
	interval := tm.delayLoop
	if interval < 10*time.Millisecond {
		interval = 10 * time.Millisecond
	}
	timeout := min(tm.connectTimeout, interval)
	if timeout <= 0 {
		timeout = interval
	}
	t.set("interval", dur(interval), "keepalived delay_loop")
	t.set("timeout", dur(timeout), "keepalived connect_timeout (at most the interval)")
	t.set("rise", "1", "")
	t.set("fall", num(retry+1), "keepalived retry + 1")
	t.set("start_down", boolean(tm.alpha), "keepalived alpha")
	return t
}

// url converts url { path P status_code N digest D }.
func (c *converter) url(n *keepalived.Node) (path, status string) {
	for _, x := range n.Children {
		switch x.Name {
		case "path":
			path, _ = c.arg(x, 0)
		case "status_code":
			s, _ := c.arg(x, 0)
			if v, err := strconv.Atoi(s); err == nil && len(x.Args) == 1 && v >= 100 && v <= 599 {
				status = num(v)
			} else {
				c.changed(x, false, "not carried: %v; hadirector expects one status (200 here)", x.Args)
			}
		case "digest":
			c.changed(x, false, "not carried: an MD5 digest; hadirector compares a SHA-256 (body_sha256): compute it from the page")
		default:
			c.skip(x, "not a url keyword hadirector knows", false)
		}
	}
	if status == "" && n.Child("status_code") == nil {
		c.changed(n, false, "keepalived accepts any 2xx without status_code; hadirector expects 200")
	}
	return path, status
}
