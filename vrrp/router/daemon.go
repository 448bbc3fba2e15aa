package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// link is one interface's shared machinery: the Link, and the instances on
// it by VRID.
type link struct {
	name     string // the interface
	key      string // the daemon's key: the interface, for IPv6 its IPv6 link (linkKey)
	link     Link
	sched    *Scheduler // its clock times each batch
	Counters Counters   // drops that no instance can be charged with
	drops    dropLog
	log      *slog.Logger
	// pkt is the reader's decoded advert, its address storage reused from
	// one packet to the next: whatever keeps the addresses copies them.
	pkt vrrp.Packet

	mu sync.RWMutex // guards byVRID; a reload changes it while read() runs
	// byVRID are the link's instances by VRID, in attach order: the
	// configuration allows one per VRID and version.
	byVRID map[uint8][]*Instance
	reader sync.WaitGroup // read
	stop   chan struct{}  // closed when the link closes
	once   sync.Once
}

// Daemon runs every instance of a configuration, and on Reload changes the
// set: instances whose settings did not change run on untouched.
type Daemon struct {
	net    Network
	log    *slog.Logger
	events *Events
	sched  *Scheduler // every instance's timers and GARP rounds
	carry  *carriers  // every link's carrier

	mu        sync.Mutex // guards what follows
	links     map[string]*link
	instances []*Instance            // configuration order
	runs      map[*Instance]*instRun // the instances that track or wait: see start
	vmacs     map[string]Link        // the virtual-MAC interfaces, by vmacKey
	ctx       context.Context        // Run's, once it runs
	closed    bool                   // Close ran: Run may not
	groups    *groups

	nmu    sync.Mutex           // guards byName, apart from mu (see instance)
	byName map[string]*Instance // the running instances
}

type instRun struct {
	cancel func() // starts the instance's shutdown
	done   <-chan struct{}
}

// NewDaemon opens a link on nw for every interface cfg names and prepares
// the instances; Run runs them.
func NewDaemon(cfg Config, nw Network, log *slog.Logger) (*Daemon, error) {
	d := &Daemon{net: nw, log: log, events: &Events{}, sched: NewScheduler(nw.NewAlarm), carry: newCarriers(log), links: map[string]*link{}, vmacs: map[string]Link{}, runs: map[*Instance]*instRun{}, groups: newGroups()}
	d.groups.set(cfg.SyncGroups)
	insts, opened, vmacs, err := d.prepare(cfg.Instances)
	if err != nil {
		closeLinks(opened)
		d.closeVMACs(vmacs)
		return nil, err
	}
	for _, l := range opened {
		d.links[l.key] = l
	}
	maps.Copy(d.vmacs, vmacs)
	for _, inst := range insts {
		d.attach(inst)
	}
	d.instances = insts
	d.setNames(insts)
	return d, nil
}

// prepare makes instances for cfgs, opening the links and virtual-MAC
// interfaces that are not open yet; it changes nothing of the daemon
// (opened lists the new links, vmacs the new virtual-MAC interfaces).
func (d *Daemon) prepare(cfgs []InstanceConfig) (insts []*Instance, opened []*link, vmacs map[string]Link, err error) {
	byName := map[string]*link{}
	vmacs = map[string]Link{}
	// Instances that send on one link with one source share their
	// dependencies: one copy per interface, not a hundred bytes each.
	type depsKey struct {
		tx  Link
		src netip.Addr
	}
	shared := map[depsKey]*instDeps{}
	// One address dump per interface, not one per instance.
	addrs := map[string][]netip.Prefix{}
	for _, ic := range cfgs {
		key := ic.linkKey()
		l := d.links[key]
		if l == nil {
			l = byName[key]
		}
		if l == nil {
			if l, err = d.openLink(ic.Interface, ic.IPv6); err != nil {
				return nil, opened, vmacs, err
			}
			byName[key] = l
			opened = append(opened, l)
		}
		if r, ok := l.link.(interface{ AddRouters([]netip.Addr) }); ok && len(ic.NARouter) > 0 {
			r.AddRouters(ic.NARouter)
		}
		src := ic.UnicastSrc
		if !src.IsValid() {
			list, ok := addrs[key]
			if !ok {
				if list, err = l.link.Addrs(); err != nil {
					return nil, opened, vmacs, fmt.Errorf("instance %s: %w", ic.Name, err)
				}
				addrs[key] = list
			}
			if src, err = primaryOf(ic.Interface, list, ic.VIPs, ic.IPv6); err != nil {
				return nil, opened, vmacs, fmt.Errorf("instance %s: %w", ic.Name, err)
			}
		}
		tx := l.link
		if k := ic.vmacKey(); k != "" {
			if tx = d.vmacs[k]; tx == nil {
				tx = vmacs[k]
			}
			if tx == nil {
				if tx, err = d.net.OpenVMAC(ic.Interface, ic.VRID, ic.IPv6); err != nil {
					return nil, opened, vmacs, fmt.Errorf("instance %s: use_vmac: %w", ic.Name, err)
				}
				vmacs[k] = tx
			}
		}
		deps := shared[depsKey{tx, src}]
		if deps == nil {
			deps = &instDeps{Link: tx, Src: src, Log: d.log, Events: d.events, Sched: d.sched}
			shared[depsKey{tx, src}] = deps
		}
		insts = append(insts, newInstance(ic, deps))
	}
	return insts, opened, vmacs, nil
}

// closeVMACs closes virtual-MAC interfaces, which removes them.
func (d *Daemon) closeVMACs(vmacs map[string]Link) {
	for k, tx := range vmacs {
		if err := tx.Close(); err != nil {
			d.log.Warn("removing the virtual-MAC interface", "vmac", k, "err", err)
		}
	}
}

// dropUnusedVMACs closes the daemon's virtual-MAC interfaces that none of
// insts runs on; d.mu is held.
func (d *Daemon) dropUnusedVMACs(insts []*Instance) {
	used := map[string]bool{}
	for _, i := range insts {
		used[i.cfg.vmacKey()] = true
	}
	for k, tx := range d.vmacs {
		if !used[k] {
			d.closeVMACs(map[string]Link{k: tx})
			delete(d.vmacs, k)
		}
	}
}

func (d *Daemon) attach(inst *Instance) { d.links[inst.cfg.linkKey()].attach(inst) }

func (d *Daemon) detach(inst *Instance) { d.links[inst.cfg.linkKey()].detach(inst) }

// attach adds inst after the link's other instances of its VRID.
func (l *link) attach(inst *Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byVRID == nil {
		l.byVRID = map[uint8][]*Instance{}
	}
	l.byVRID[inst.cfg.VRID] = append(l.byVRID[inst.cfg.VRID], inst)
}

func (l *link) detach(inst *Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v := inst.cfg.VRID
	if l.byVRID[v] = slices.DeleteFunc(l.byVRID[v], func(x *Instance) bool { return x == inst }); len(l.byVRID[v]) == 0 {
		delete(l.byVRID, v)
	}
}

// forVRID returns the instance that takes adverts of that VRID and version:
// the one of the VRID with the version, else the first of the VRID, whose
// checks then drop the advert.
func (l *link) forVRID(vrid, version uint8) *Instance {
	l.mu.RLock()
	defer l.mu.RUnlock()
	insts := l.byVRID[vrid]
	for _, c := range insts {
		if uint8(c.cfg.Version) == version {
			return c
		}
	}
	if len(insts) > 0 {
		return insts[0]
	}
	return nil
}

func (d *Daemon) openLink(name string, v6 bool) (*link, error) {
	open, key, log := d.net.Open, name, d.log.With("interface", name)
	if v6 {
		open, key, log = d.net.Open6, name+"%ipv6", log.With("family", "ipv6")
	}
	ll, err := open(name)
	if err != nil {
		return nil, err // the network names the interface and the cause
	}
	return &link{name: name, key: key, link: ll, sched: d.sched, log: log, stop: make(chan struct{})}, nil
}

func closeLinks(ls []*link) {
	for _, l := range ls {
		l.once.Do(func() {
			if err := l.link.Close(); err != nil {
				l.log.Warn("closing the interface", "err", err)
			}
			close(l.stop)
		})
	}
}

// Events carries every transition of every instance, numbered in order.
func (d *Daemon) Events() *Events { return d.events }

// Instances lists the instances in configuration order.
func (d *Daemon) Instances() []*Instance {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]*Instance(nil), d.instances...)
}

// Close closes the sockets of a daemon that does not run: NewDaemon opened
// them, and Run closes them when it ends, but a director whose later parts
// fail to start never runs it. After Run, or a second time, it does
// nothing; Run refuses to start after it.
func (d *Daemon) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.closed = true
	if d.ctx != nil && d.ctx.Err() == nil {
		return errors.New("router: close: the daemon is running; end Run's context")
	}
	for _, l := range d.links {
		closeLinks([]*link{l})
	}
	d.dropUnusedVMACs(nil)
	return nil
}

// Run runs every instance until ctx ends, then shuts them all down cleanly
// (priority-0 adverts, VIPs removed) and closes the sockets.
func (d *Daemon) Run(ctx context.Context) error {
	d.mu.Lock()
	closed := d.closed
	d.mu.Unlock()
	if closed {
		return errors.New("router: run: the daemon is closed")
	}
	fctx, fstop := context.WithCancel(context.Background())
	followed := d.events.Subscribe(fctx, func(t Transition) { d.follow(ctx, t) })
	defer func() { fstop(); <-followed }()
	sctx, sstop := context.WithCancel(context.Background())
	sdone := make(chan struct{})
	go func() { d.sched.Run(sctx); close(sdone) }()
	defer func() { sstop(); <-sdone }() // after every instance has stopped
	cctx, cstop := context.WithCancel(context.Background())
	cdone := make(chan struct{})
	go func() {
		defer close(cdone)
		if err := d.net.WatchCarrier(cctx, d.log, d.carry.event); err != nil {
			d.log.Warn("cannot follow the interfaces' carrier; no re-announce when it returns", "err", err)
		}
	}()
	defer func() { cstop(); <-cdone }()
	d.mu.Lock()
	d.ctx = ctx
	for _, l := range d.links {
		d.startLink(l)
	}
	d.clearStale(d.instances)
	now := d.sched.now()
	for _, inst := range d.instances {
		d.start(inst, now)
	}
	d.mu.Unlock()
	<-ctx.Done()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopAll(d.instances)
	d.dropUnusedVMACs(nil)
	for _, l := range d.links {
		d.carry.remove(l)
		closeLinks([]*link{l})
		l.reader.Wait()
		l.log.Info("interface stopped", "drops", l.Counters.Drops())
	}
	return nil
}

// clearStale removes the VIPs of insts that a crashed run left behind, each
// held with its prefix, one address dump per interface, before any of them
// starts, and the virtual-MAC interface a use_vmac run left for an
// instance that runs without it now; d.mu is held. (A use_vmac instance's
// stale macvlan went when OpenVMAC replaced it, with its addresses.)
func (d *Daemon) clearStale(insts []*Instance) {
	byLink := map[*link]map[netip.Prefix]bool{}
	for _, i := range insts {
		l := d.links[i.cfg.linkKey()]
		if byLink[l] == nil {
			byLink[l] = map[netip.Prefix]bool{}
		}
		for _, v := range i.cfg.vipPrefixes() {
			byLink[l][v] = true
		}
	}
	for _, i := range insts {
		c := &i.cfg
		if c.VMAC || d.vmacs[c.vmacID()] != nil {
			continue // its own, or the one a reload is about to close
		}
		if removed, err := d.net.RemoveStaleVMAC(c.Interface, c.VRID, c.IPv6); err != nil {
			i.log(slog.LevelError, "removing a stale virtual-MAC interface", "err", err)
		} else if removed {
			i.log(slog.LevelInfo, "stale virtual-MAC interface removed")
		}
	}
	for l, vips := range byLink {
		held, err := l.link.Addrs()
		if err != nil {
			l.log.Error("removing stale VIPs", "err", err)
			continue
		}
		var stale []netip.Prefix
		for _, p := range held {
			if vips[p] {
				stale = append(stale, p)
			}
		}
		if len(stale) == 0 {
			continue
		}
		if err := l.link.RemoveVIPs(stale); err != nil {
			l.log.Error("removing stale VIPs", "err", err)
		} else {
			l.log.Info("stale vips removed", "vips", len(stale))
		}
	}
}

// startLink starts l's reader and follows its carrier.
func (d *Daemon) startLink(l *link) {
	l.reader.Add(1)
	go func() { defer l.reader.Done(); l.read() }()
	d.carry.add(l)
}

// start runs the instance, and its tracking if it tracks anything, until
// its run is cancelled (a reload) or Run's context ends.
func (d *Daemon) start(inst *Instance, now time.Time) {
	if inst.cfg.StartupWait <= 0 && inst.cfg.Track == nil {
		// No goroutine, context, callback, channel or record per
		// instance: a thousand cost nothing idle. stopAll ends it.
		inst.start(now)
		return
	}
	stopped := inst.doneChan()
	inst.start(now)
	r := &instRun{}
	d.runs[inst] = r
	ctx, cancel := context.WithCancel(d.ctx)
	context.AfterFunc(ctx, inst.end)
	r.cancel = cancel
	all := make(chan struct{})
	r.done = all
	var wg sync.WaitGroup
	if inst.cfg.StartupWait > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wctx, cancel := context.WithTimeout(ctx, inst.cfg.StartupWait)
			defer cancel()
			if d.net.WaitTraffic(wctx, inst.cfg.Interface, inst.logger()) {
				inst.Ready()
			}
		}()
	}
	if inst.cfg.Track != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.cfg.Track.Run(ctx, inst.cfg.Priority, inst.logger(), func(fault bool, prio uint8) {
				d.tracked(inst, fault, prio)
			})
		}()
	}
	go func() { <-stopped; wg.Wait(); close(all) }()
}

// stopAll shuts insts down, all at once, and waits until each has and its
// tracking has ended; d.mu is held. An instance without tracking shuts
// down in a goroutine of its own.
func (d *Daemon) stopAll(insts []*Instance) {
	var wg sync.WaitGroup
	for _, i := range insts {
		if r := d.runs[i]; r != nil {
			r.cancel()
			wg.Go(func() { <-r.done })
			delete(d.runs, i)
		} else {
			wg.Go(i.end)
		}
	}
	wg.Wait()
}

// ReloadResult says what a Reload did, by instance name.
type ReloadResult struct {
	Kept    []string `json:"kept"`
	Rebuilt []string `json:"rebuilt"`
	Added   []string `json:"added"`
	Removed []string `json:"removed"`
}

// sameConfig reports whether an instance may run on: its settings are
// equal, start-up-only ones aside (the start-up delay and the fail-back
// hold apply to the daemon's start, not to a reload).
func sameConfig(a, b InstanceConfig) bool {
	return reflect.DeepEqual(a.startOnly(), b.startOnly())
}

// Reload makes the running set match cfg, whose validity the caller has
// checked: instances with unchanged settings keep their state, timers and
// VIPs; changed ones stop cleanly (priority 0, VIPs removed) and start
// again with the new settings; removed ones stop cleanly; new ones start.
// It opens the new interfaces first: if one cannot be opened, nothing
// changes.
func (d *Daemon) Reload(cfg Config) (ReloadResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var res ReloadResult
	if d.ctx == nil || d.ctx.Err() != nil {
		return res, errors.New("router: reload: the daemon is not running")
	}
	old := map[string]*Instance{}
	for _, i := range d.instances {
		old[i.cfg.Name] = i
	}
	var fresh []InstanceConfig
	seen := map[string]bool{}
	for _, ic := range cfg.Instances {
		seen[ic.Name] = true
		ic = ic.startOnly()
		switch o := old[ic.Name]; {
		case o == nil:
			res.Added = append(res.Added, ic.Name)
			fresh = append(fresh, ic)
		case sameConfig(o.Config(), ic):
			res.Kept = append(res.Kept, ic.Name)
		default:
			res.Rebuilt = append(res.Rebuilt, ic.Name)
			fresh = append(fresh, ic)
		}
	}
	for _, i := range d.instances {
		if !seen[i.cfg.Name] {
			res.Removed = append(res.Removed, i.cfg.Name)
		}
	}
	made, opened, vmacs, err := d.prepare(fresh)
	if err != nil {
		closeLinks(opened)
		d.closeVMACs(vmacs)
		return ReloadResult{}, fmt.Errorf("router: reload: %w; nothing changed", err)
	}
	// Stop the removed and the changed, all at once, and wait for their
	// clean shutdowns.
	var stopping []*Instance
	for _, i := range d.instances {
		if !seen[i.cfg.Name] || !sameConfig(i.Config(), cfgByName(cfg, i.cfg.Name)) {
			stopping = append(stopping, i)
		}
	}
	d.stopAll(stopping)
	for _, i := range stopping {
		d.detach(i)
	}
	for _, l := range opened {
		d.links[l.key] = l
		d.startLink(l)
	}
	maps.Copy(d.vmacs, vmacs)
	byName := map[string]*Instance{}
	for _, i := range made {
		byName[i.cfg.Name] = i
	}
	var order []*Instance
	for _, ic := range cfg.Instances {
		if i := byName[ic.Name]; i != nil {
			order = append(order, i)
		} else {
			order = append(order, old[ic.Name])
		}
	}
	d.instances = order
	d.setNames(order)
	d.groups.set(cfg.SyncGroups)
	d.clearStale(made)
	now := d.sched.now()
	for _, i := range made {
		d.attach(i)
		d.start(i, now)
	}
	// Interfaces no instance uses any more are closed.
	d.dropUnusedVMACs(order)
	used := map[string]bool{}
	for _, i := range order {
		used[i.cfg.linkKey()] = true
	}
	for name, l := range d.links {
		if !used[name] {
			d.carry.remove(l)
			closeLinks([]*link{l})
			l.reader.Wait()
			delete(d.links, name)
			l.log.Info("interface closed: no instance uses it after the reload")
		}
	}
	d.log.Info("reloaded", "kept", res.Kept, "rebuilt", res.Rebuilt, "added", res.Added, "removed", res.Removed)
	return res, nil
}

func cfgByName(cfg Config, name string) InstanceConfig {
	for _, ic := range cfg.Instances {
		if ic.Name == name {
			return ic.startOnly()
		}
	}
	return InstanceConfig{}
}

// read receives adverts on the link until it closes, a batch per wake-up,
// decodes them and runs each through the instance that owns its VRID.
func (l *link) read() {
	for {
		err := l.link.Receive(l.batch)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		l.log.Warn("vrrp receive", "err", err)
		select {
		case <-l.stop:
			return
		default:
		}
	}
}

// batch runs the packets of one read through their instances, with one
// reading of the clock: it follows the kernel's arrival stamps of all.
func (l *link) batch(pkts []vrrp.Received, dropped uint32) {
	now := l.sched.now()
	if dropped > 0 {
		l.Counters.DropN(vrrp.ReasonOverload, uint64(dropped))
		l.drops.log(l.log, vrrp.ReasonOverload, netip.Addr{}, &vrrp.DropError{Reason: vrrp.ReasonOverload, Detail: fmt.Sprintf("the kernel dropped %d packets: the socket's queue was full", dropped)}, time.Now())
	}
	for k := range pkts {
		p := &pkts[k]
		if p.Err != nil {
			if r, ok := vrrp.DropReason(p.Err); ok {
				l.Counters.Drop(r)
				l.drops.log(l.log, r, p.Info.Src, p.Err, time.Now())
			}
			continue
		}
		l.dispatch(p.Msg, p.Info, now)
	}
}

// dispatch decodes one packet and hands it to the instance of its VRID.
// The instance is found first, from the header's VRID and version, since
// the checksum form it accepts is its own (v3_checksum_as_v2); a packet
// too short for that is Unmarshal's to drop.
func (l *link) dispatch(b []byte, info vrrp.RecvInfo, now time.Time) {
	var inst *Instance
	if len(b) >= vrrp.HeaderLen {
		inst = l.forVRID(b[1], b[0]>>4)
	}
	p := &l.pkt
	err := p.UnmarshalForm(b, info.Src, info.Dst, inst.checksumForm())
	if err != nil {
		if r, ok := vrrp.DropReason(err); ok {
			l.Counters.Drop(r)
			l.drops.log(l.log, r, info.Src, err, time.Now())
		}
		return
	}
	if inst == nil {
		l.Counters.Drop(vrrp.ReasonVRID)
		l.drops.log(l.log, vrrp.ReasonVRID, info.Src, &vrrp.DropError{Reason: vrrp.ReasonVRID, Detail: fmt.Sprintf("VRID %d is not configured on %s", p.VRID, l.name)}, time.Now())
		return
	}
	inst.onAdvert(*p, info, now)
}

// primaryOf is the first of the interface's addresses that is not one of
// skip: the source of our adverts and the tie-break address.
func primaryOf(ifname string, addrs []netip.Prefix, skip []netip.Addr, v6 bool) (netip.Addr, error) {
	for _, p := range addrs {
		if !slices.Contains(skip, p.Addr()) && (!v6 || p.Addr().IsLinkLocalUnicast()) {
			return p.Addr(), nil
		}
	}
	if v6 {
		// RFC 5798 5.1.2.1: IPv6 adverts leave from the link-local address.
		return netip.Addr{}, fmt.Errorf("interface %s has no link-local IPv6 address (past DAD) to send adverts from", ifname)
	}
	return netip.Addr{}, fmt.Errorf("interface %s has no IPv4 address to send adverts from", ifname)
}
