package router

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// fakeNet is a Network of fake links, one per interface name, opened on
// demand; every link's operations go into one log, in order.
type fakeNet struct {
	mu    sync.Mutex
	links map[string]*fakeLink
	addrs map[string][]netip.Prefix // what Addrs reports, by interface
	stale map[string]bool           // virtual-MAC links a crashed run left (RemoveStaleVMAC)
	ops   []string
	opens int
	// state, if set, is called at each VIP operation and its answer
	// logged with it (the daemon's instances' states then).
	state func() string
	// clock, if set, is the daemon's alarm and time: the log records
	// when each operation happened on it (timed).
	clock *fakeClock
	timed []timedOp
}

// timedOp is an operation of the log and when it happened.
type timedOp struct {
	at time.Time
	op string
}

func newFakeNet() *fakeNet {
	return &fakeNet{links: map[string]*fakeLink{}, addrs: map[string][]netip.Prefix{}}
}

func (n *fakeNet) Open(ifname string) (Link, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ifname == "missing0" {
		return nil, fmt.Errorf("interface %s: no such interface", ifname)
	}
	n.opens++
	l := &fakeLink{n: n, name: ifname, in: make(chan []vrrp.Received, 16), closed: make(chan struct{})}
	n.links[ifname] = l
	return l, nil
}

// Open6 opens the interface's IPv6 link, a fake of its own.
func (n *fakeNet) Open6(ifname string) (Link, error) { return n.Open(ifname + "%ipv6") }

// OpenVMAC opens the virtual-MAC link, a fake named as the real one
// (vrrp.VRID on IF) and logged as opened; on interface novmac0 it fails as
// a kernel without macvlan does.
func (n *fakeNet) OpenVMAC(ifname string, vrid uint8, v6 bool) (Link, error) {
	if ifname == "novmac0" {
		return nil, fmt.Errorf("virtual MAC vrrp.%d on %s: the kernel has no macvlan support", vrid, ifname)
	}
	name := fmt.Sprintf("vrrp.%d@%s", vrid, ifname)
	if v6 {
		name = fmt.Sprintf("vrrp6.%d@%s", vrid, ifname)
	}
	n.log("open " + name)
	l, err := n.Open(name)
	if err == nil {
		l.(*fakeLink).vmac = true
	}
	return l, err
}

// RemoveStaleVMAC removes the fake virtual-MAC link stale names (vrrp.VRID@IF),
// logging it.
func (n *fakeNet) RemoveStaleVMAC(ifname string, vrid uint8, v6 bool) (bool, error) {
	name := fmt.Sprintf("vrrp.%d@%s", vrid, ifname)
	if v6 {
		name = fmt.Sprintf("vrrp6.%d@%s", vrid, ifname)
	}
	n.mu.Lock()
	stale := n.stale[name]
	delete(n.stale, name)
	n.mu.Unlock()
	if stale {
		n.log("remove stale " + name)
	}
	return stale, nil
}

func (n *fakeNet) WatchCarrier(ctx context.Context, _ *slog.Logger, _ func(string, bool)) error {
	<-ctx.Done()
	return nil
}

func (n *fakeNet) WaitTraffic(context.Context, string, *slog.Logger) bool { return true }
func (n *fakeNet) NewAlarm() (Alarm, error) {
	if n.clock != nil {
		return n.clock, nil
	}
	return nil, errors.New("no timerfd")
}

func (n *fakeNet) log(op string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.ops = append(n.ops, op)
	if n.clock != nil {
		n.timed = append(n.timed, timedOp{n.clock.Now(), op})
	}
}

// opsLog is a copy of the log.
func (n *fakeNet) opsLog() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.ops)
}

func (n *fakeNet) link(name string) *fakeLink {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.links[name]
}

// fakeLink records what is sent and done on it and delivers what a test
// injects.
type fakeLink struct {
	n      *fakeNet
	name   string
	vmac   bool // a virtual-MAC link: its Close is logged
	in     chan []vrrp.Received
	closed chan struct{}
	once   sync.Once
}

func (l *fakeLink) Receive(handle func([]vrrp.Received, uint32)) error {
	for {
		select {
		case pkts := <-l.in:
			handle(pkts, 0)
		case <-l.closed:
			return fmt.Errorf("receive on %s: %w", l.name, net.ErrClosed)
		}
	}
}

func (l *fakeLink) Send(b []byte, src, dst netip.Addr) error {
	p, err := vrrp.Unmarshal(b, src, dst)
	if err != nil {
		return err
	}
	l.n.log(fmt.Sprintf("%s advert vrid %d prio %d", l.name, p.VRID, p.Priority))
	return nil
}

func (l *fakeLink) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	for k, m := range msgs {
		if err := l.Send(m.B, m.Src, m.Dst); err != nil {
			return k, err
		}
	}
	return len(msgs), nil
}

func (l *fakeLink) Addrs() ([]netip.Prefix, error) {
	l.n.mu.Lock()
	defer l.n.mu.Unlock()
	return l.n.addrs[l.name], nil
}

// vipOp logs each VIP, a host one as its address, any other as its prefix.
func (l *fakeLink) vipOp(op string, vips []netip.Prefix) {
	s := ""
	if l.n.state != nil {
		s = " (" + l.n.state() + ")"
	}
	for _, v := range vips {
		a := v.String()
		if v.IsSingleIP() {
			a = v.Addr().String()
		}
		l.n.log(fmt.Sprintf("%s %s %s%s", l.name, op, a, s))
	}
}

func (l *fakeLink) AddVIPs(v []netip.Prefix) error    { l.vipOp("add", v); return nil }
func (l *fakeLink) RemoveVIPs(v []netip.Prefix) error { l.vipOp("remove", v); return nil }
func (l *fakeLink) Announce(vip netip.Addr) error {
	l.n.log(fmt.Sprintf("%s garp %s", l.name, vip))
	return nil
}
func (l *fakeLink) Request(target, src netip.Addr) error {
	l.n.log(fmt.Sprintf("%s arp request %s from %s", l.name, target, src))
	return nil
}

func (l *fakeLink) Close() error {
	l.once.Do(func() {
		if l.vmac {
			l.n.log("close " + l.name)
		}
		close(l.closed)
	})
	return nil
}

// inject delivers an advert from src on the link.
func (l *fakeLink) inject(t *testing.T, p vrrp.Packet, src netip.Addr) {
	t.Helper()
	b, err := p.Marshal(src, vrrp.Group)
	if err != nil {
		t.Fatal(err)
	}
	l.in <- []vrrp.Received{{Msg: b, Info: vrrp.RecvInfo{Src: src, Dst: vrrp.Group, TTL: 255}}}
}

// runDaemon runs a daemon on nw until the test ends; before, it hands it
// to the hooks.
func runDaemon(t *testing.T, cfg Config, nw Network, hooks ...func(*Daemon)) *Daemon {
	t.Helper()
	d, err := NewDaemon(cfg, nw, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hooks {
		h(d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	waitFor(t, "the daemon to run", func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.ctx != nil
	})
	return d
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// byName returns the daemon's instance of that name.
func byName(t *testing.T, d *Daemon, name string) *Instance {
	t.Helper()
	for _, i := range d.Instances() {
		if i.Config().Name == name {
			return i
		}
	}
	t.Fatalf("no instance %s", name)
	return nil
}

// testInstance is an instance configuration on eth0 at 100 ms adverts.
func testInstance(name string, vrid, prio uint8, vip string) InstanceConfig {
	return InstanceConfig{
		Name: name, Interface: "eth0", VRID: vrid, Priority: prio, Version: 3,
		AdvertInterval: 100 * time.Millisecond, Preempt: true,
		VIPs: []netip.Addr{netip.MustParseAddr(vip)}, UnicastSrc: netip.MustParseAddr("192.0.2.11"),
	}
}
