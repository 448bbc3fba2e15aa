package router

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hadirector/hadirector/conf"
)

// instConfig is an instance's configuration as it keeps it: what is its own
// (name, VRID, priority, VIPs) inline, and the rest of its settings behind
// a pointer that instances with the same settings share. The settings'
// fields read as the configuration's (i.cfg.Interface); Name, VIPs, VRID
// and Priority are zero there and shadowed here. A director's thousand
// instances mostly differ in those four alone: they keep 56 bytes each
// where a whole conf.Instance took 232.
type instConfig struct {
	*conf.Instance
	Name     string
	VIPs     []netip.Addr
	VRID     uint8
	Priority uint8
}

// whole is the configuration as it was given, without its notify commands.
func (c instConfig) whole() conf.Instance {
	w := *c.Instance
	w.Name, w.VIPs, w.VRID, w.Priority = c.Name, c.VIPs, c.VRID, c.Priority
	return w
}

// settingsKey is what two instances must have equal to share settings:
// every field but the four an instance keeps, and notify commands (the
// notifier's). Lists, which do not compare, are in their printed form.
type settingsKey struct {
	iface        string
	preempt      bool
	holdAtStart  bool
	version      int
	interval     time.Duration
	preemptDelay time.Duration
	peers        string
	src          netip.Addr
	password     string
	garp         conf.GARP
	startupDelay time.Duration
	startupWait  time.Duration
	track        string
}

// settingsTable hands out shared settings; the zero table is ready.
type settingsTable map[settingsKey]*conf.Instance

// config splits c into the instance's own fields and settings shared
// with the other instances of the table that have the same.
func (t *settingsTable) config(c conf.Instance) instConfig {
	k := settingsKey{iface: c.Interface, preempt: c.Preempt, holdAtStart: c.HoldPreemptAtStart, version: c.Version,
		interval: c.AdvertInterval, preemptDelay: c.PreemptDelay, src: c.UnicastSrc, password: c.Password,
		garp: c.GARP, startupDelay: c.StartupDelay, startupWait: c.StartupWait}
	if len(c.UnicastPeers) > 0 {
		k.peers = fmt.Sprint(c.UnicastPeers)
	}
	if len(c.Track) > 0 {
		k.track = fmt.Sprintf("%#v", c.Track)
	}
	own := instConfig{Name: c.Name, VIPs: c.VIPs, VRID: c.VRID, Priority: c.Priority}
	if *t == nil {
		*t = settingsTable{}
	}
	if own.Instance = (*t)[k]; own.Instance == nil {
		s := c
		s.Name, s.VIPs, s.VRID, s.Priority, s.Notify = "", nil, 0, 0, nil
		own.Instance = &s
		(*t)[k] = &s
	}
	return own
}

// packOwn gives back cfgs with every name in one string and every VIP list
// in one array, so that what each instance keeps of its own is two
// allocations for the lot, not two small ones each scattered among the
// parser's garbage: the spans that held them stayed resident a few
// objects full (heap "unused"). The blocks live while any of the
// instances does.
func packOwn(cfgs []conf.Instance) []conf.Instance {
	var nb, nv int
	for _, c := range cfgs {
		nb += len(c.Name)
		nv += len(c.VIPs)
	}
	var names strings.Builder
	names.Grow(nb)
	for _, c := range cfgs {
		names.WriteString(c.Name)
	}
	all := names.String()
	vips := make([]netip.Addr, 0, nv)
	out := make([]conf.Instance, len(cfgs))
	off := 0
	for k, c := range cfgs {
		c.Name = all[off : off+len(c.Name)]
		off += len(c.Name)
		if len(c.VIPs) > 0 {
			v := len(vips)
			vips = append(vips, c.VIPs...)
			c.VIPs = vips[v:len(vips):len(vips)] // capped: an append copies
		}
		out[k] = c
	}
	return out
}
