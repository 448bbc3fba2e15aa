package router

import (
	"github.com/hadirector/hadirector/vrrp"

	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"reflect"
	"slices"
	"sync"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/internal/track"
)

// link is one interface's shared machinery: the VRRP socket, the ARP socket,
// the address handle, and the instances on it by VRID.
type link struct {
	name     string
	conn     *Conn
	arp      *garp.Conn
	vips     *LinkVIPs
	Counters Counters // drops that no instance can be charged with
	drops    dropLog
	log      *slog.Logger
	// pkt is the reader's decoded advert, its address storage reused from
	// one packet to the next: whatever keeps the addresses copies them.
	pkt vrrp.Packet

	mu sync.RWMutex // guards byVRID; a reload changes it while read() runs
	// byVRID are the link's instances by VRID, and in attach order within
	// one: a sorted slice costs 8 bytes an instance where a map of slices
	// took 80, and a lookup is eight comparisons at 250 VRIDs.
	byVRID []*Instance
	reader sync.WaitGroup // read
	stop   chan struct{}  // closed when the link closes
	once   sync.Once
}

// Daemon runs every instance of a configuration, and on Reload changes the
// set: instances whose settings did not change run on untouched.
type Daemon struct {
	log    *slog.Logger
	events *Events
	sched  *Scheduler // every instance's timers
	carry  *carriers  // every link's carrier

	mu        sync.Mutex // guards what follows
	links     map[string]*link
	instances []*Instance            // configuration order
	runs      map[*Instance]*instRun // the instances that track or wait: see start
	ctx       context.Context        // Run's, once it runs
	groups    *groups

	nmu    sync.Mutex  // guards byName, apart from mu (see instance)
	byName []*Instance // sorted by name: 8 bytes an instance, where a map took 50
}

type instRun struct {
	cancel func() // starts the instance's shutdown
	done   <-chan struct{}
}

// NewDaemon opens the sockets for every interface the configuration names and
// prepares the instances. It needs CAP_NET_RAW and CAP_NET_ADMIN.
func NewDaemon(cfg *conf.Config, log *slog.Logger) (*Daemon, error) {
	d := &Daemon{log: log, events: &Events{}, sched: NewScheduler(), carry: newCarriers(log), links: map[string]*link{}, runs: map[*Instance]*instRun{}, groups: newGroups()}
	d.groups.set(cfg.SyncGroups)
	insts, opened, err := d.prepare(cfg.Instances)
	if err != nil {
		closeLinks(opened)
		return nil, err
	}
	for _, l := range opened {
		d.links[l.name] = l
	}
	for _, inst := range insts {
		d.attach(inst)
	}
	d.instances = insts
	d.setNames(insts)
	return d, nil
}

// prepare makes instances for cfgs, opening the links that are not open
// yet; it changes nothing of the daemon (opened lists the new links).
func (d *Daemon) prepare(cfgs []conf.Instance) (insts []*Instance, opened []*link, err error) {
	byName := map[string]*link{}
	// Instances on one interface with one source share their
	// dependencies: one copy per interface, not a hundred bytes each.
	type depsKey struct {
		l   *link
		src netip.Addr
	}
	shared := map[depsKey]*Deps{}
	var settings settingsTable
	// One address dump per interface, not one per instance: a thousand
	// instances were a thousand dumps at start-up, megabytes of garbage.
	addrs := map[string][]netip.Addr{}
	for _, ic := range packOwn(cfgs) {
		l := d.links[ic.Interface]
		if l == nil {
			l = byName[ic.Interface]
		}
		if l == nil {
			if l, err = openLink(ic.Interface, d.log); err != nil {
				return nil, opened, err
			}
			byName[ic.Interface] = l
			opened = append(opened, l)
		}
		src := ic.UnicastSrc
		if !src.IsValid() {
			list, ok := addrs[ic.Interface]
			if !ok {
				if list, err = ipv4Addrs(ic.Interface); err != nil {
					return nil, opened, fmt.Errorf("instance %s: %w", ic.Name, err)
				}
				addrs[ic.Interface] = list
			}
			if src, err = primaryOf(ic.Interface, list, ic.VIPs); err != nil {
				return nil, opened, fmt.Errorf("instance %s: %w", ic.Name, err)
			}
		}
		deps := shared[depsKey{l, src}]
		if deps == nil {
			deps = &Deps{Tx: l.conn, VIPs: l.vips, ARP: l.arp, Src: src, Log: d.log, Events: d.events, Sched: d.sched, StaleCleared: true}
			shared[depsKey{l, src}] = deps
		}
		insts = append(insts, newInstance(settings.config(ic), deps))
	}
	return insts, opened, nil
}

func (d *Daemon) attach(inst *Instance) { d.links[inst.cfg.Interface].attach(inst) }

func (d *Daemon) detach(inst *Instance) { d.links[inst.cfg.Interface].detach(inst) }

// attach adds inst after the link's other instances of its VRID.
func (l *link) attach(inst *Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	end := l.vridStart(inst.cfg.VRID + 1)
	if inst.cfg.VRID == 255 {
		end = len(l.byVRID)
	}
	l.byVRID = slices.Insert(l.byVRID, end, inst)
}

func (l *link) detach(inst *Instance) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.byVRID = slices.DeleteFunc(l.byVRID, func(x *Instance) bool { return x == inst })
}

// vridStart is the index of the link's first instance with a VRID of at
// least vrid; l.mu is held.
func (l *link) vridStart(vrid uint8) int {
	k, _ := slices.BinarySearchFunc(l.byVRID, vrid, func(i *Instance, v uint8) int { return int(i.cfg.VRID) - int(v) })
	return k
}

// forVRID returns the instance that takes adverts of that VRID and version:
// the one of the VRID with the version (the configuration allows one),
// else the first of the VRID, whose checks then drop the advert.
func (l *link) forVRID(vrid, version uint8) *Instance {
	l.mu.RLock()
	defer l.mu.RUnlock()
	var inst *Instance
	for _, c := range l.byVRID[l.vridStart(vrid):] {
		if c.cfg.VRID != vrid {
			break
		}
		if uint8(c.cfg.Version) == version {
			return c
		}
		if inst == nil {
			inst = c
		}
	}
	return inst
}

func openLink(name string, log *slog.Logger) (*link, error) {
	l := &link{name: name, log: log.With("interface", name), stop: make(chan struct{})}
	var err error
	if l.vips, err = NewLinkVIPs(name); err != nil {
		return nil, err
	}
	if l.conn, err = Listen(name); err != nil {
		l.vips.Close()
		return nil, err
	}
	if l.arp, err = garp.Dial(name); err != nil {
		l.conn.Close()
		l.vips.Close()
		return nil, err // garp.Dial names the interface and the cause
	}
	return l, nil
}

func closeLinks(ls []*link) {
	for _, l := range ls {
		l.once.Do(func() {
			l.conn.Close()
			l.arp.Close()
			l.vips.Close()
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

// Run runs every instance until ctx ends, then shuts them all down cleanly
// (priority-0 adverts, VIPs removed) and closes the sockets.
func (d *Daemon) Run(ctx context.Context) error {
	fctx, fstop := context.WithCancel(context.Background())
	followed := d.events.Subscribe(fctx, func(t Transition) { d.follow(ctx, t) })
	defer func() { fstop(); <-followed }()
	sctx, sstop := context.WithCancel(context.Background())
	sdone := make(chan struct{})
	go func() { d.sched.Run(sctx); close(sdone) }()
	defer func() { sstop(); <-sdone }() // after every instance has stopped
	go d.carry.run()
	defer d.carry.close()
	d.mu.Lock()
	d.ctx = ctx
	for _, l := range d.links {
		d.startLink(l)
	}
	d.clearStale(d.instances)
	now := time.Now()
	for _, inst := range d.instances {
		d.start(inst, now)
	}
	d.mu.Unlock()
	<-ctx.Done()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stopAll(d.instances)
	for _, l := range d.links {
		d.carry.remove(l)
		closeLinks([]*link{l})
		l.reader.Wait()
		l.log.Info("interface stopped", "drops", l.Counters.Drops())
	}
	return nil
}

// clearStale removes the VIPs of insts that a crashed run left behind, one
// pass per interface, before any of them starts; d.mu is held.
func (d *Daemon) clearStale(insts []*Instance) {
	byLink := map[*link][]netip.Addr{}
	for _, i := range insts {
		l := d.links[i.cfg.Interface]
		byLink[l] = append(byLink[l], i.cfg.VIPs...)
	}
	for l, vips := range byLink {
		if err := l.vips.RemoveStale(vips); err != nil {
			l.log.Error("removing stale VIPs", "err", err)
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
	if inst.cfg.StartupWait <= 0 && len(inst.cfg.Track) == 0 {
		// No goroutine, context, callback, channel or record per
		// instance: a thousand cost nothing idle. stopAll ends it.
		inst.startIn(now)
		return
	}
	stopped := inst.doneChan()
	inst.startIn(now)
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
			if track.WaitTraffic(wctx, inst.cfg.Interface, inst.logger()) {
				inst.Ready()
			}
		}()
	}
	if len(inst.cfg.Track) > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			track.Run(ctx, inst.cfg.Track, inst.cfg.Priority, inst.logger(), func(fault bool, prio uint8) {
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
// equal, notify commands and start-up-only ones aside (the start-up delay
// and the fail-back hold apply to the daemon's start, not to a reload).
func sameConfig(a, b conf.Instance) bool {
	// Notify commands are the notifier's, which a reload updates: changing
	// a script must not stop the instance (and fail it over).
	a.Notify, b.Notify = nil, nil
	a.StartupDelay, b.StartupDelay = 0, 0
	a.StartupWait, b.StartupWait = 0, 0
	a.HoldPreemptAtStart, b.HoldPreemptAtStart = false, false
	return reflect.DeepEqual(a, b)
}

// Reload makes the running set match cfg, whose validity the caller has
// checked: instances with unchanged settings keep their state, timers and
// VIPs; changed ones stop cleanly (priority 0, VIPs removed) and start
// again with the new settings; removed ones stop cleanly; new ones start.
// It opens the new interfaces first: if one cannot be opened, nothing
// changes.
func (d *Daemon) Reload(cfg *conf.Config) (ReloadResult, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var res ReloadResult
	if d.ctx == nil || d.ctx.Err() != nil {
		return res, errors.New("vrrp: reload: the daemon is not running")
	}
	old := map[string]*Instance{}
	for _, i := range d.instances {
		old[i.cfg.Name] = i
	}
	var fresh []conf.Instance
	seen := map[string]bool{}
	for _, ic := range cfg.Instances {
		seen[ic.Name] = true
		ic.StartupDelay, ic.StartupWait, ic.HoldPreemptAtStart = 0, 0, false
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
	made, opened, err := d.prepare(fresh)
	if err != nil {
		closeLinks(opened)
		return ReloadResult{}, fmt.Errorf("vrrp: reload: %w; nothing changed", err)
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
		d.links[l.name] = l
		d.startLink(l)
	}
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
	now := time.Now()
	for _, i := range made {
		d.attach(i)
		d.start(i, now)
	}
	// Interfaces no instance uses any more are closed.
	used := map[string]bool{}
	for _, i := range order {
		used[i.cfg.Interface] = true
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

func cfgByName(cfg *conf.Config, name string) conf.Instance {
	for _, ic := range cfg.Instances {
		if ic.Name == name {
			ic.StartupDelay, ic.StartupWait, ic.HoldPreemptAtStart = 0, 0, false
			return ic
		}
	}
	return conf.Instance{}
}

// inboxDepth is how many adverts one wake-up of a link's reader takes at
// most. A thousand instances at 100 ms on one interface are 10,000 adverts
// a second; the socket's queue holds what a read leaves for the next, and
// the read costs a microsecond or two. Deeper, the inbox's 17 KiB per
// interface would grow for nothing.
const inboxDepth = 16

// read receives adverts on the link until its socket closes, a batch per
// wake-up, decodes them and runs each through the instance that owns its
// VRID.
func (l *link) read() {
	in := NewInbox(inboxDepth)
	handle := func(n int, dropped uint32) { l.batch(in, n, dropped) }
	for {
		err := l.conn.Receive(in, handle)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		l.log.Warn("vrrp receive", "err", err)
	}
}

// batch runs the n packets of one read through their instances.
func (l *link) batch(in *Inbox, n int, dropped uint32) {
	if dropped > 0 {
		l.Counters.DropN(vrrp.ReasonOverload, uint64(dropped))
		l.drops.log(l.log, vrrp.ReasonOverload, netip.Addr{}, &vrrp.DropError{Reason: vrrp.ReasonOverload, Detail: fmt.Sprintf("the kernel dropped %d packets: the socket's queue was full", dropped)}, time.Now())
	}
	for k := 0; k < n; k++ {
		b, info, err := in.Packet(k)
		if err != nil {
			if r, ok := vrrp.DropReason(err); ok {
				l.Counters.Drop(r)
				l.drops.log(l.log, r, info.Src, err, time.Now())
			}
			continue
		}
		l.dispatch(b, info)
	}
}

func (l *link) dispatch(b []byte, info RecvInfo) {
	p := &l.pkt
	err := p.Unmarshal(b, info.Src, info.Dst)
	if err != nil {
		if r, ok := vrrp.DropReason(err); ok {
			l.Counters.Drop(r)
			l.drops.log(l.log, r, info.Src, err, time.Now())
		}
		return
	}
	inst := l.forVRID(p.VRID, p.Version)
	if inst == nil {
		l.Counters.Drop(vrrp.ReasonVRID)
		l.drops.log(l.log, vrrp.ReasonVRID, info.Src, &vrrp.DropError{Reason: vrrp.ReasonVRID, Detail: fmt.Sprintf("VRID %d is not configured on %s", p.VRID, l.name)}, time.Now())
		return
	}
	inst.onAdvert(*p, info)
}
