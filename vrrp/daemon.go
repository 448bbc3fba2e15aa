package vrrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/garp"
)

// link is one interface's shared machinery: the VRRP socket, the ARP socket,
// the address handle, and the instances on it by VRID.
type link struct {
	name      string
	conn      *Conn
	arp       *garp.Conn
	vips      *LinkVIPs
	byVRID    map[uint8][]*Instance
	Counters  Counters // drops that no instance can be charged with
	drops     dropLog
	log       *slog.Logger
	instances []*Instance
}

// Daemon runs every instance of a configuration.
type Daemon struct {
	log       *slog.Logger
	events    *Events
	links     []*link
	instances []*Instance
}

// NewDaemon opens the sockets for every interface the configuration names and
// prepares the instances. It needs CAP_NET_RAW and CAP_NET_ADMIN.
func NewDaemon(cfg *conf.Config, log *slog.Logger) (*Daemon, error) {
	d := &Daemon{log: log, events: &Events{}}
	byName := map[string]*link{}
	for _, ic := range cfg.Instances {
		l := byName[ic.Interface]
		if l == nil {
			var err error
			if l, err = openLink(ic.Interface, log); err != nil {
				d.close()
				return nil, err
			}
			byName[ic.Interface] = l
			d.links = append(d.links, l)
		}
		src := ic.UnicastSrc
		if !src.IsValid() {
			var err error
			if src, err = PrimaryIPv4(ic.Interface, ic.VIPs); err != nil {
				d.close()
				return nil, fmt.Errorf("instance %s: %w", ic.Name, err)
			}
		}
		inst := NewInstance(ic, Deps{Tx: l.conn, VIPs: l.vips, ARP: l.arp, Src: src, Log: log, Events: d.events})
		l.byVRID[ic.VRID] = append(l.byVRID[ic.VRID], inst)
		l.instances = append(l.instances, inst)
		d.instances = append(d.instances, inst)
	}
	return d, nil
}

func openLink(name string, log *slog.Logger) (*link, error) {
	l := &link{name: name, byVRID: map[uint8][]*Instance{}, log: log.With("interface", name)}
	var err error
	if l.vips, err = NewLinkVIPs(name); err != nil {
		return nil, err
	}
	if l.conn, err = Listen(name); err != nil {
		return nil, err
	}
	if l.arp, err = garp.Dial(name); err != nil {
		l.conn.Close()
		return nil, fmt.Errorf("gratuitous ARP on %s: %w", name, err)
	}
	return l, nil
}

func (d *Daemon) close() {
	for _, l := range d.links {
		l.conn.Close()
		l.arp.Close()
	}
}

// Events carries every transition of every instance, numbered in order.
func (d *Daemon) Events() *Events { return d.events }

// Instances lists the instances in configuration order.
func (d *Daemon) Instances() []*Instance { return d.instances }

// Run runs every instance until ctx ends, then shuts them all down cleanly
// (priority-0 adverts, VIPs removed) and closes the sockets.
func (d *Daemon) Run(ctx context.Context) error {
	var readers, insts sync.WaitGroup
	for _, l := range d.links {
		readers.Add(1)
		go func() { defer readers.Done(); l.read() }()
	}
	for _, inst := range d.instances {
		insts.Add(1)
		go func() { defer insts.Done(); inst.Run(ctx) }()
	}
	insts.Wait()
	d.close()
	readers.Wait()
	for _, l := range d.links {
		l.log.Info("interface stopped", "drops", l.Counters.Drops())
	}
	return nil
}

// read receives adverts on the link until its socket closes, decodes them and
// hands each to the instance that owns its VRID.
func (l *link) read() {
	buf := make([]byte, 1500)
	for {
		n, info, err := l.conn.Recv(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			l.log.Warn("vrrp receive", "err", err)
			continue
		}
		l.dispatch(buf[:n], info)
	}
}

func (l *link) dispatch(b []byte, info RecvInfo) {
	p, err := Unmarshal(b, info.Src, info.Dst)
	if err != nil {
		if r, ok := DropReason(err); ok {
			l.Counters.Drop(r)
			l.drops.log(l.log, r, info.Src, err, time.Now())
		}
		return
	}
	cands := l.byVRID[p.VRID]
	if len(cands) == 0 {
		l.Counters.Drop(ReasonVRID)
		l.drops.log(l.log, ReasonVRID, info.Src, dropf(ReasonVRID, "VRID %d is not configured on %s", p.VRID, l.name), time.Now())
		return
	}
	inst := cands[0]
	for _, c := range cands {
		if uint8(c.cfg.Version) == p.Version {
			inst = c
		}
	}
	inst.deliver(p, info)
}
