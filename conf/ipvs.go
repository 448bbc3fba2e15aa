package conf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/ipvs"
)

// IPVS is the LVS half of the file: the [ipvs] table and every [[service]].
type IPVS struct {
	// Timeouts are ipvsadm --set tcp tcpfin udp; zero leaves one as it is.
	Timeouts ipvs.Timeouts
	// Resync is how often the kernel's table is read back and repaired;
	// between resyncs only changes are written. Default 60s.
	Resync   time.Duration
	Services []ipvs.Service
	// SloppyTCP and SloppySCTP, when set, are written to the kernel's
	// net.ipv4.vs.sloppy_tcp and sloppy_sctp: a director then takes up a
	// connection from any packet of it, not only its first, as one that
	// the routers' ECMP moved to it mid-stream needs. nil leaves the
	// kernel's value.
	SloppyTCP, SloppySCTP *bool
}

// DefaultResync is the default of ipvs.resync.
const DefaultResync = time.Minute

func buildIPVS(raw rawFile, e *errs) IPVS {
	v := IPVS{Resync: duration(e, "ipvs", "resync", raw.IPVS.Resync, DefaultResync)}
	if v.Resync < time.Second {
		e.add("ipvs.resync", "%v is less than 1s", v.Resync)
	}
	timeout := func(k string, s *string) time.Duration {
		d := duration(e, "ipvs", k, s, 0)
		if d%time.Second != 0 || d > 0 && d < time.Second || d > 24*time.Hour*365 {
			e.add(join("ipvs", k), "%v: the kernel takes whole seconds, from 1s", d)
			return 0
		}
		return d
	}
	v.SloppyTCP, v.SloppySCTP = raw.IPVS.SloppyTCP, raw.IPVS.SloppySCTP
	v.Timeouts = ipvs.Timeouts{
		TCP:    timeout("tcp_timeout", raw.IPVS.TCPTimeout),
		TCPFin: timeout("tcpfin_timeout", raw.IPVS.TCPFinTimeout),
		UDP:    timeout("udp_timeout", raw.IPVS.UDPTimeout),
	}
	keys := map[ipvs.ServiceKey]string{}
	for n, rs := range raw.Service {
		p := fmt.Sprintf("service[%d]", n)
		s, ok := buildService(p, rs, e)
		if !ok {
			continue
		}
		if other, dup := keys[s.Key]; dup {
			e.add(p, "%s is also defined by %s", s.Key, other)
			continue
		}
		keys[s.Key] = p
		v.Services = append(v.Services, s)
	}
	return v
}

func buildService(p string, rs rawService, e *errs) (ipvs.Service, bool) {
	before := e.count()
	s := ipvs.Service{Scheduler: ipvs.WLC, Quiescent: true}
	proto := "tcp"
	if rs.Protocol != nil {
		proto = *rs.Protocol
	}
	switch {
	case rs.FWMark != nil && rs.Address != nil:
		e.add(p+".fwmark", "a service has either an address or a firewall mark, not both")
	case rs.FWMark != nil:
		if rs.Protocol != nil {
			e.add(p+".protocol", "a firewall-mark service matches every protocol the mark is set on")
		}
		if *rs.FWMark < 1 || *rs.FWMark > 1<<32-1 {
			e.add(p+".fwmark", "%d is out of range 1..4294967295", *rs.FWMark)
		} else {
			s.Key = ipvs.FWMarkKey(uint32(*rs.FWMark), false)
		}
	case rs.Address != nil:
		ap, err := netip.ParseAddrPort(*rs.Address)
		switch {
		case err != nil || !ap.Addr().Is4():
			e.add(p+".address", "%q is not an IPv4 VIP:port such as \"203.0.113.10:80\"", *rs.Address)
		case ap.Port() == 0:
			e.add(p+".address", "%s: port 0 (use fwmark for a service on every port)", ap)
		default:
			s.Key.Addr = ap
		}
		switch proto {
		case "tcp":
			s.Key.Proto = ipvs.TCP
		case "udp":
			s.Key.Proto = ipvs.UDP
		default:
			e.add(p+".protocol", "%q is not tcp or udp", proto)
		}
	default:
		e.add(p+".address", "required (or fwmark)")
	}
	if rs.Scheduler != nil {
		s.Scheduler = ipvs.Scheduler(*rs.Scheduler)
		if !s.Scheduler.Valid() {
			e.add(p+".scheduler", "%q is not one of %s", *rs.Scheduler, schedulerNames())
		}
	}
	schedulerFlags(p, rs.SchedulerFlags, &s, e)
	if rs.Persistent != nil {
		s.Persistent = *rs.Persistent
	}
	if rs.PersistenceTimeout != nil {
		if rs.Persistent != nil && !*rs.Persistent {
			e.add(p+".persistence_timeout", "set, but persistent = false")
		}
		s.Persistent = true
		d := duration(e, p, "persistence_timeout", rs.PersistenceTimeout, ipvs.DefaultPersistTimeout)
		if d < time.Second || d%time.Second != 0 || d > time.Duration(1<<31-1)*time.Second {
			e.add(p+".persistence_timeout", "%v: whole seconds from 1s", d)
		}
		s.PersistTimeout = d
	} else if s.Persistent {
		s.PersistTimeout = ipvs.DefaultPersistTimeout
	}
	if rs.PersistenceNetmask != nil {
		if !s.Persistent {
			e.add(p+".persistence_netmask", "only meaningful with persistence (persistent = true)")
		}
		if m := *rs.PersistenceNetmask; m < 1 || m > 32 {
			e.add(p+".persistence_netmask", "%d is not a prefix length 1..32", m)
		} else {
			s.PersistNetmask = int(m)
		}
	}
	if rs.Quiescent != nil {
		s.Quiescent = *rs.Quiescent
	}
	port := s.Key.Addr.Port()
	if rs.SorryServer != nil {
		if r, ok := buildRealAddr(p, "sorry_server", *rs.SorryServer, port, e); ok {
			s.Sorry = ipvs.Real{Addr: r, Weight: 1}
			if rs.SorryForward != nil {
				s.Sorry.Forward, _ = forward(p, "sorry_forward", *rs.SorryForward, e)
			}
		}
	} else if rs.SorryForward != nil {
		e.add(p+".sorry_forward", "only meaningful with sorry_server")
	}
	if len(rs.Real) == 0 {
		e.add(p+".real", "at least one [[service.real]] is required")
	}
	seen := map[netip.AddrPort]string{}
	for n, rr := range rs.Real {
		rp := fmt.Sprintf("%s.real[%d]", p, n)
		r, ok := buildReal(rp, rr, port, e)
		if !ok {
			continue
		}
		if other, dup := seen[r.Addr]; dup {
			e.add(rp+".address", "%s is also %s", r.Addr, other)
			continue
		}
		seen[r.Addr] = rp
		check := mergeCheck(rs.Check, rr.Check)
		if check != nil {
			r.Check = buildCheck(rp+".check", check, r.Addr, e)
		}
		s.Reals = append(s.Reals, r)
	}
	if rs.Check != nil && rs.Check.Type == nil {
		e.add(p+".check.type", "required: tcp, http, exec or none")
	}
	if e.count() > before {
		return s, false
	}
	if _, err := ipvs.Normalize([]ipvs.Service{s}); err != nil {
		e.add(p, "%v", err)
		return s, false
	}
	return s, true
}

// schedulerNames lists the schedulers a service may name.
func schedulerNames() string {
	names := make([]string, len(ipvs.Schedulers))
	for i, s := range ipvs.Schedulers {
		names[i] = string(s)
	}
	return strings.Join(names, " ")
}

// schedulerFlags sets the flags of s's scheduler, named as ipvsadm -b
// names them: sh-fallback and sh-port for sh, mh-fallback and mh-port for mh.
func schedulerFlags(p string, flags []string, s *ipvs.Service, e *errs) {
	k := p + ".scheduler_flags"
	seen := map[string]bool{}
	for _, f := range flags {
		sched, name, _ := strings.Cut(f, "-")
		switch {
		case sched != "sh" && sched != "mh" || name != "fallback" && name != "port":
			e.add(k, "%q is not one of sh-fallback sh-port mh-fallback mh-port", f)
			continue
		case ipvs.Scheduler(sched) != s.Scheduler:
			e.add(k, "%q is a flag of the %s scheduler, and this service's is %s", f, sched, s.Scheduler)
			continue
		case seen[f]:
			e.add(k, "%q is listed twice", f)
			continue
		}
		seen[f] = true
		if name == "fallback" {
			s.Fallback = true
		} else {
			s.HashPort = true
		}
	}
}

func forward(p, k, s string, e *errs) (ipvs.Forward, bool) {
	switch s {
	case "dr":
		return ipvs.DR, true
	case "tun":
		return ipvs.Tunnel, true
	case "nat":
		return ipvs.NAT, true
	}
	e.add(join(p, k), "%q is not dr, tun or nat", s)
	return ipvs.DR, false
}

// buildRealAddr parses "IP" or "IP:port"; a missing port is the service's.
func buildRealAddr(p, k, s string, svcPort uint16, e *errs) (netip.AddrPort, bool) {
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return netip.AddrPortFrom(a, svcPort), true
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil || !ap.Addr().Is4() {
		e.add(join(p, k), "%q is not an IPv4 address or address:port", s)
		return netip.AddrPort{}, false
	}
	return ap, true
}

func buildReal(p string, rr rawReal, svcPort uint16, e *errs) (ipvs.Real, bool) {
	r := ipvs.Real{Weight: 1}
	if rr.Address == nil {
		e.add(p+".address", "required")
		return r, false
	}
	addr, ok := buildRealAddr(p, "address", *rr.Address, svcPort, e)
	if !ok {
		return r, false
	}
	r.Addr = addr
	if rr.Forward != nil {
		if r.Forward, ok = forward(p, "forward", *rr.Forward, e); !ok {
			return r, false
		}
	}
	if r.Forward != ipvs.NAT && svcPort != 0 && addr.Port() != svcPort {
		e.add(p+".address", "port %d differs from the service's %d: only a NAT (forward = \"nat\") real server may change the port", addr.Port(), svcPort)
		return r, false
	}
	r.Weight = int(intIn(e, p, "weight", rr.Weight, 0, 65535, false, 1))
	return r, true
}

// mergeCheck lays a real server's check keys over its service's; a real
// server whose check has another type inherits only the timing keys.
func mergeCheck(svc, real *rawCheck) *rawCheck {
	if svc == nil {
		return real
	}
	if real == nil {
		return svc
	}
	m := *svc
	if real.Type != nil && svc.Type != nil && *real.Type != *svc.Type {
		// Another kind of check: only the service's timing applies.
		m = rawCheck{Interval: svc.Interval, Timeout: svc.Timeout, Rise: svc.Rise, Fall: svc.Fall, StartDown: svc.StartDown}
	}
	pick(&m.Type, real.Type)
	pick(&m.Interval, real.Interval)
	pick(&m.Timeout, real.Timeout)
	pick(&m.Rise, real.Rise)
	pick(&m.Fall, real.Fall)
	pick(&m.StartDown, real.StartDown)
	pick(&m.Port, real.Port)
	pick(&m.Path, real.Path)
	pick(&m.Host, real.Host)
	pick(&m.Status, real.Status)
	pick(&m.BodySHA256, real.BodySHA256)
	if real.Command != nil {
		m.Command = real.Command
	}
	return &m
}

// pick sets *dst to src if the key was given.
func pick[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// buildCheck builds the check of the real server at addr; nil for "none".
func buildCheck(p string, c *rawCheck, addr netip.AddrPort, e *errs) *ipvs.HealthCheck {
	if c.Type == nil {
		e.add(p+".type", "required: tcp, http, exec or none")
		return nil
	}
	h := &ipvs.HealthCheck{}
	h.Policy.Interval = duration(e, p, "interval", c.Interval, ipvs.DefaultCheckInterval)
	h.Policy.Timeout = duration(e, p, "timeout", c.Timeout, min(ipvs.DefaultCheckTimeout, h.Policy.Interval))
	if h.Policy.Interval < 10*time.Millisecond {
		e.add(p+".interval", "%v is less than 10ms", h.Policy.Interval)
	}
	if h.Policy.Timeout > h.Policy.Interval {
		e.add(p+".timeout", "%v is longer than the interval %v", h.Policy.Timeout, h.Policy.Interval)
	}
	if h.Policy.Timeout == 0 {
		e.add(p+".timeout", "must be more than 0s")
	}
	h.Policy.Rise = int(intIn(e, p, "rise", c.Rise, 1, 100, false, 1))
	h.Policy.Fall = int(intIn(e, p, "fall", c.Fall, 1, 100, false, 1))
	if c.StartDown != nil {
		h.Policy.StartDown = *c.StartDown
	}
	port := addr.Port()
	if c.Port != nil {
		port = uint16(intIn(e, p, "port", c.Port, 1, 65535, false, int64(port)))
	}
	target := netip.AddrPortFrom(addr.Addr(), port)
	only := func(typ string, keys map[string]bool) {
		for k, set := range keys {
			if set {
				e.add(p+"."+k, "not a key of a %s check", typ)
			}
		}
	}
	switch *c.Type {
	case "none":
		return nil
	case "tcp":
		only("tcp", map[string]bool{"path": c.Path != nil, "host": c.Host != nil, "status": c.Status != nil, "body_sha256": c.BodySHA256 != nil, "command": c.Command != nil})
		if port == 0 {
			e.add(p+".port", "required: the real server %s has no port to check", addr.Addr())
		}
		h.Checker = ipvs.TCPCheck{Addr: target}
	case "http":
		only("http", map[string]bool{"command": c.Command != nil})
		if port == 0 {
			e.add(p+".port", "required: the real server %s has no port to check", addr.Addr())
		}
		hc := ipvs.HTTPCheck{Addr: target, Path: "/", Status: 200}
		if c.Path != nil {
			hc.Path = *c.Path
			if !strings.HasPrefix(hc.Path, "/") {
				e.add(p+".path", "%q does not start with /", hc.Path)
			}
		}
		if c.Host != nil {
			hc.Host = *c.Host
		}
		hc.Status = int(intIn(e, p, "status", c.Status, 100, 599, false, 200))
		if c.BodySHA256 != nil {
			hc.BodySHA256 = strings.ToLower(*c.BodySHA256)
			if len(hc.BodySHA256) != 64 || strings.Trim(hc.BodySHA256, "0123456789abcdef") != "" {
				e.add(p+".body_sha256", "%q is not 64 hexadecimal digits", *c.BodySHA256)
			}
		}
		h.Checker = hc
	case "exec":
		only("exec", map[string]bool{"path": c.Path != nil, "host": c.Host != nil, "status": c.Status != nil, "body_sha256": c.BodySHA256 != nil})
		if len(c.Command) == 0 || c.Command[0] == "" {
			e.add(p+".command", "required: the program and its arguments, such as [\"/usr/local/bin/check\", \"{ip}\", \"{port}\"]")
			return nil
		}
		argv(e, p, "command", c.Command)
		args := make([]string, len(c.Command)-1)
		for i, a := range c.Command[1:] {
			args[i] = strings.NewReplacer("{ip}", addr.Addr().String(), "{port}", strconv.Itoa(int(port))).Replace(a)
		}
		h.Checker = ipvs.ExecCheck{Path: c.Command[0], Args: args}
	default:
		e.add(p+".type", "%q is not tcp, http, exec or none", *c.Type)
		return nil
	}
	return h
}
