package conf

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Defaults of optional keys.
const (
	DefaultVersion        = 3
	DefaultAdvertInterval = time.Second
	DefaultGARPCount      = 5
	DefaultGARPRepeat     = 5 * time.Second
)

// build checks every value of raw and converts it; problems go to e.
func build(file string, raw rawFile, e *errs) *Config {
	c := &Config{File: file, Global: Global{LogLevel: "info"}}
	if v := raw.Global.LogLevel; v != nil {
		switch *v {
		case "debug", "info", "warn", "error":
			c.Global.LogLevel = *v
		default:
			e.add("global.log_level", "%q is not one of debug, info, warn, error", *v)
		}
	}
	if v := raw.Global.MetricsAddress; v != nil {
		ap, err := netip.ParseAddrPort(*v)
		if err != nil || ap.Port() == 0 {
			e.add("global.metrics_address", "%q is not IP:port (for example \"127.0.0.1:9650\" or \"[::1]:9650\")", *v)
		} else {
			c.Global.MetricsAddress = ap
		}
	}
	if v := raw.Global.NotifyFIFO; v != nil {
		if !strings.HasPrefix(*v, "/") {
			e.add("global.notify_fifo", "%q: give an absolute path", *v)
		} else {
			c.Global.NotifyFIFO = *v
		}
	}
	c.Global.StartupDelay = duration(e, "global", "startup_delay", raw.Global.StartupDelay, 0)
	if d := c.Global.StartupDelay; d < 0 || d > time.Hour {
		e.add("global.startup_delay", "%v: must be from 0s to 1h", d)
	}
	if raw.Global.StartupWaitTraffic != nil {
		c.Global.StartupWaitTraffic = *raw.Global.StartupWaitTraffic
	}
	c.Global.StartupWaitMax = duration(e, "global", "startup_wait_max", raw.Global.StartupWaitMax, DefaultStartupWaitMax)
	if d := c.Global.StartupWaitMax; d <= 0 || d > time.Hour {
		e.add("global.startup_wait_max", "%v: must be more than 0s and at most 1h", d)
	}
	if raw.Global.StartupWaitMax != nil && !c.Global.StartupWaitTraffic {
		e.add("global.startup_wait_max", "only meaningful with startup_wait_traffic = true")
	}
	if len(raw.Instance) == 0 {
		e.add("instance", "no [[instance]]: nothing to do")
	}
	var bgpVIPs map[netip.Addr]int
	if raw.BGP != nil {
		c.BGP = buildBGP(raw.BGP, e)
		bgpVIPs = map[netip.Addr]int{}
	}
	// The instances, and the maps of what two of them must not share, are
	// sized once, and the maps hold no strings of their own: growing them
	// and formatting their keys took 0.6 MB for 1000 instances.
	c.Instances = make([]Instance, 0, len(raw.Instance))
	names := make(map[string]int, len(raw.Instance))
	vrids := make(map[vridKey]int, len(raw.Instance))
	vips := make(map[vipKey]int, len(raw.Instance))
	vmacs := map[vmacKey]int{}
	for n, ri := range raw.Instance {
		p := fmt.Sprintf("instance[%d]", n)
		if isBGP(p, ri, e) {
			b := buildBGPInstance(p, ri, e)
			if b.Name != "" {
				if other, dup := names[b.Name]; dup {
					e.add(p+".name", "%q is also the name of instance[%d]", b.Name, other)
				}
				names[b.Name] = n
			}
			if c.BGP == nil {
				e.add(p+".mode", "\"bgp\" needs a [bgp] table: the speaker and its peers")
				continue
			}
			for _, v := range b.VIPs {
				if other, dup := bgpVIPs[v]; dup {
					e.add(p+".vips", "%s is also announced by instance[%d]", v, other)
				}
				bgpVIPs[v] = n
			}
			c.BGP.Instances = append(c.BGP.Instances, b)
			continue
		}
		in := buildInstance(p, ri, e)
		if in.Name != "" {
			if other, dup := names[in.Name]; dup {
				e.add(p+".name", "%q is also the name of instance[%d]", in.Name, other)
			}
			names[in.Name] = n
		}
		if in.Interface != "" && in.VRID != 0 {
			k := vridKey{in.Interface, in.VRID, in.Version, in.IPv6}
			if other, dup := vrids[k]; dup {
				e.add(p+".vrid", "VRID %d (v%d, %s) on %s is also used by instance[%d]", in.VRID, in.Version, family(in.IPv6), in.Interface, other)
			}
			vrids[k] = n
		}
		if in.UseVMAC && in.VRID != 0 {
			// The macvlan is named for the VRID alone (vrrp.VRID), host-wide.
			k := vmacKey{in.VRID, in.IPv6}
			if other, dup := vmacs[k]; dup {
				e.add(p+".use_vmac", "VRID %d (%s) has a virtual-MAC interface already, for instance[%d]: one per VRID and family on a host", in.VRID, family(in.IPv6), other)
			}
			vmacs[k] = n
		}
		for i, v := range in.VIPs {
			k := vipKey{in.Interface, v}
			if other, dup := vips[k]; dup && other != n {
				e.add(p+".vips", "VIP %d (%s) on %s is also held by instance[%d]", i+1, v, in.Interface, other)
			}
			vips[k] = n
		}
		in.StartupDelay = c.Global.StartupDelay
		if c.Global.StartupWaitTraffic {
			in.StartupWait = c.Global.StartupWaitMax
		}
		c.Instances = append(c.Instances, in)
	}
	for n, in := range c.Instances {
		for _, v := range in.VIPs {
			if other, dup := bgpVIPs[v]; dup {
				e.add(fmt.Sprintf("instance[%d].vips", vrrpIndex(raw.Instance, n)), "%s is also announced over BGP by instance[%d]", v, other)
			}
		}
	}
	c.IPVS = buildIPVS(raw, e)
	if raw.Sync != nil {
		c.Sync = buildSync(*raw.Sync, c.Instances, c.BGP != nil, e)
	}
	c.SyncGroups = buildGroups(raw.Group, c.Instances, e)
	return c
}

// vridKey and vipKey are what two instances must not share: a virtual
// router, and a VIP on one interface.
type (
	vridKey struct {
		iface   string
		vrid    uint8
		version int
		ipv6    bool // VRIDs are per address family (RFC 5798 5.2.3)
	}
	vipKey struct {
		iface string
		vip   netip.Addr
	}
	// vmacKey is what two use_vmac instances must not share: the
	// virtual-MAC macvlan, named for the VRID and family.
	vmacKey struct {
		vrid uint8
		ipv6 bool
	}
)

func buildInstance(p string, ri rawInstance, e *errs) Instance {
	in := Instance{Version: DefaultVersion, AdvertInterval: DefaultAdvertInterval, Preempt: true,
		GARP: GARP{Count: DefaultGARPCount, RepeatDelay: DefaultGARPRepeat}}
	if ri.Name == nil || *ri.Name == "" {
		e.add(p+".name", "required")
	} else {
		in.Name = *ri.Name
	}
	if ri.Interface == nil || *ri.Interface == "" {
		e.add(p+".interface", "required")
	} else if len(*ri.Interface) > 15 {
		e.add(p+".interface", "%q is longer than an interface name can be (15)", *ri.Interface)
	} else {
		in.Interface = *ri.Interface
	}
	in.VRID = uint8(intIn(e, p, "vrid", ri.VRID, 1, 255, true, 0))
	in.Priority = uint8(intIn(e, p, "priority", ri.Priority, 1, 255, true, 0))
	in.Version = int(intIn(e, p, "version", ri.Version, 2, 3, false, DefaultVersion))
	in.AdvertInterval = duration(e, p, "advert_interval", ri.AdvertInterval, DefaultAdvertInterval)
	switch iv := in.AdvertInterval; {
	case in.Version == 2 && (iv < time.Second || iv > 255*time.Second || iv%time.Second != 0):
		e.add(p+".advert_interval", "%v: VRRPv2 needs whole seconds from 1s to 255s", iv)
	case in.Version == 3 && (iv < 10*time.Millisecond || iv > 40950*time.Millisecond || iv%(10*time.Millisecond) != 0):
		e.add(p+".advert_interval", "%v: VRRPv3 needs 10ms to 40.95s in steps of 10ms", iv)
	}
	if len(ri.VIPs) == 0 {
		e.add(p+".vips", "at least one VIP is required")
	}
	if len(ri.VIPs) > 255 {
		e.add(p+".vips", "%d VIPs: an advert carries at most 255", len(ri.VIPs))
	}
	seen := buildVIPs(p, ri, &in, e)
	if ri.Preempt != nil {
		in.Preempt = *ri.Preempt
	}
	in.PreemptDelay = duration(e, p, "preempt_delay", ri.PreemptDelay, 0)
	if in.PreemptDelay > time.Hour {
		e.add(p+".preempt_delay", "%v is more than 1h", in.PreemptDelay)
	}
	buildPeers(p, ri, seen, &in, e)
	if ri.V3ChecksumAsV2 != nil {
		if *ri.V3ChecksumAsV2 && in.Version != 3 {
			e.add(p+".v3_checksum_as_v2", "only for VRRPv3 (version = 3): a VRRPv2 checksum covers the message alone already")
		} else if *ri.V3ChecksumAsV2 && in.IPv6 {
			e.add(p+".v3_checksum_as_v2", "only for IPv4: an IPv6 advert's checksum always covers the IPv6 pseudo-header")
		} else {
			in.V3ChecksumAsV2 = *ri.V3ChecksumAsV2
		}
	}
	if ri.UnicastSrc != nil {
		if len(ri.UnicastPeers) == 0 && len(ri.UnicastPeer) == 0 {
			e.add(p+".unicast_src", "only meaningful with unicast_peers or [[instance.unicast_peer]]")
		} else if a, ok := unicastAddr(e, p, "unicast_src", -1, *ri.UnicastSrc, in.IPv6); ok {
			in.UnicastSrc = a
		}
	}
	if ri.UseVMAC != nil {
		in.UseVMAC = *ri.UseVMAC
	}
	buildNARouter(p, ri, &in, e)
	if ri.Password != nil {
		switch pw := *ri.Password; {
		case in.Version != 2:
			e.add(p+".password", "authentication exists only in VRRPv2 (version = 2)")
		case len(pw) == 0 || len(pw) > 8:
			e.add(p+".password", "must be 1 to 8 bytes, is %d", len(pw))
		default:
			in.Password = pw
		}
	}
	g := ri.GARP
	in.GARP.Count = int(intIn(e, p, "garp.count", g.Count, 0, 100, false, DefaultGARPCount))
	in.GARP.Spacing = duration(e, p, "garp.spacing", g.Spacing, 0)
	if in.GARP.Spacing > 10*time.Second {
		e.add(p+".garp.spacing", "%v is more than 10s", in.GARP.Spacing)
	}
	in.GARP.RepeatDelay = duration(e, p, "garp.repeat_delay", g.RepeatDelay, DefaultGARPRepeat)
	in.GARP.Refresh = duration(e, p, "garp.refresh", g.Refresh, 0)
	if r := in.GARP.Refresh; r != 0 && r < time.Second {
		e.add(p+".garp.refresh", "%v: a refresh must be 0 (off) or at least 1s", r)
	}
	if n := buildNotify(e, p, rawNotify{ri.Notify, ri.NotifyMaster, ri.NotifyBackup, ri.NotifyStop, ri.NotifyFault, ri.NotifyTimeout}); n.Set() {
		in.Notify = new(n) // a copy: &n would allocate n for every instance
	}
	in.Track = buildTracks(p, ri, e)
	return in
}

// DefaultStartupWaitMax bounds startup_wait_traffic unless
// startup_wait_max says.
const DefaultStartupWaitMax = time.Minute

// rawNotify are the notify keys an instance and a sync group share.
type rawNotify struct {
	any, master, backup, stop, fault []string
	timeout                          *string
}

func buildNotify(e *errs, p string, r rawNotify) Notify {
	n := Notify{
		Any:    argv(e, p, "notify", r.any),
		Master: argv(e, p, "notify_master", r.master),
		Backup: argv(e, p, "notify_backup", r.backup),
		Stop:   argv(e, p, "notify_stop", r.stop),
		Fault:  argv(e, p, "notify_fault", r.fault),
	}
	n.Timeout = duration(e, p, "notify_timeout", r.timeout, DefaultNotifyTimeout)
	if t := n.Timeout; t <= 0 || t > time.Hour {
		e.add(p+".notify_timeout", "%v: must be more than 0s and at most 1h", t)
	}
	return n
}

// DefaultNotifyTimeout bounds a notify command unless notify_timeout says.
const DefaultNotifyTimeout = 10 * time.Second

// The checks of one value below take its key as the path p of its table
// and the key k in it, joined only to name a problem: otherwise a valid
// file of 1000 instances would make 16000 key strings, each for nothing.

// join is the dotted key k of the table at p.
func join(p, k string) string { return p + "." + k }

// argv checks a command given as a list: a program's absolute path (there
// is no shell and no PATH search) and its arguments.
func argv(e *errs, p, k string, v []string) []string {
	if v == nil {
		return nil
	}
	if len(v) == 0 || v[0] == "" {
		e.add(join(p, k), "empty: give [\"/path/to/program\", \"arg\", ...]")
		return nil
	}
	if !strings.HasPrefix(v[0], "/") {
		e.add(join(p, k), "%q: give the program's absolute path (no shell and no PATH search)", v[0])
		return nil
	}
	return v
}

func intIn(e *errs, p, k string, v *int64, lo, hi int64, required bool, def int64) int64 {
	if v == nil {
		if required {
			e.add(join(p, k), "required")
		}
		return def
	}
	if *v < lo || *v > hi {
		e.add(join(p, k), "%d is out of range %d..%d", *v, lo, hi)
		return def
	}
	return *v
}

func duration(e *errs, p, k string, v *string, def time.Duration) time.Duration {
	if v == nil {
		return def
	}
	d, err := time.ParseDuration(*v)
	if err != nil {
		e.add(join(p, k), "%q is not a duration such as \"1s\" or \"100ms\"", *v)
		return def
	}
	if d < 0 {
		e.add(join(p, k), "%v is negative", d)
		return def
	}
	return d
}

// unicastAddr parses one unicast address of the instance's family (IPv6 if
// v6); i is its index in a list, or -1.
func unicastAddr(e *errs, p, k string, i int, s string, v6 bool) (netip.Addr, bool) {
	where := ""
	if i >= 0 {
		where = fmt.Sprintf("entry %d: ", i+1)
	}
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil && v6, err == nil && v6 && (!a.Is6() || a.Is4In6() || a.Zone() != ""):
		e.add(join(p, k), "%s%q is not an IPv6 address (without a zone) of the IPv6 instance", where, s)
		return netip.Addr{}, false
	case !v6 && (err != nil || !a.Is4()):
		e.add(join(p, k), "%s%q is not an IPv4 address", where, s)
		return netip.Addr{}, false
	}
	if a.IsMulticast() || a.IsUnspecified() || a.IsLoopback() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		e.add(join(p, k), "%s%s is not a unicast address", where, a)
		return netip.Addr{}, false
	}
	return a, true
}
