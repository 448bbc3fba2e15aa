package router

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"reflect"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/netio"
	"github.com/hadirector/hadirector/vrrp"
)

// testDeps are an instance's dependencies as the unit tests give them:
// an advert sender, a VIP double and an ARP double, each optional.
type testDeps struct {
	Tx interface {
		Send(b []byte, src, dst netip.Addr) error
	}
	VIPs interface {
		Add([]netip.Addr) error
		Remove([]netip.Addr) error
	}
	ARP   interface{ Send(vip netip.Addr) error }
	Peers interface {
		Request(target, src netip.Addr) error
	}
	Src    netip.Addr
	Log    *slog.Logger
	Events *Events
	Sched  *Scheduler
}

// testLink is a Link made of a test's doubles; what it lacks does nothing.
type testLink struct{ d testDeps }

func (l *testLink) Receive(func([]vrrp.Received, uint32)) error { return net.ErrClosed }
func (l *testLink) Send(b []byte, src, dst netip.Addr) error {
	if l.d.Tx == nil {
		return nil
	}
	return l.d.Tx.Send(b, src, dst)
}

func (l *testLink) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	if bs, ok := l.d.Tx.(interface {
		SendBatch([]vrrp.Outgoing) (int, error)
	}); ok {
		return bs.SendBatch(msgs)
	}
	for k, m := range msgs {
		if err := l.Send(m.B, m.Src, m.Dst); err != nil {
			return k, err
		}
	}
	return len(msgs), nil
}
func (l *testLink) Addrs() ([]netip.Prefix, error) { return nil, nil }
func (l *testLink) AddVIPs(v []netip.Prefix) error {
	if l.d.VIPs == nil {
		return nil
	}
	return l.d.VIPs.Add(addrsOf(v))
}

func (l *testLink) RemoveVIPs(v []netip.Prefix) error {
	if l.d.VIPs == nil {
		return nil
	}
	return l.d.VIPs.Remove(addrsOf(v))
}

func addrsOf(ps []netip.Prefix) []netip.Addr {
	as := make([]netip.Addr, len(ps))
	for k, p := range ps {
		as[k] = p.Addr()
	}
	return as
}

func (l *testLink) Announce(vip netip.Addr) error {
	if l.d.ARP == nil {
		return nil
	}
	return l.d.ARP.Send(vip)
}
func (l *testLink) Request(target, src netip.Addr) error {
	if l.d.Peers == nil {
		return nil
	}
	return l.d.Peers.Request(target, src)
}
func (l *testLink) Close() error { return nil }

// testLinks are the links newTestInstance made, by advert sender (a
// pointer): the
// instances on one sender share a link (and the first one's VIP and ARP
// doubles), as a daemon's on one interface do, and a scheduler round
// batches their adverts.
var testLinks struct {
	sync.Mutex
	m map[any]*testLink
}

// newTestInstance makes an instance on d's doubles.
func newTestInstance(cfg InstanceConfig, d testDeps) *Instance {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Sched == nil {
		d.Sched = NewScheduler(nil)
	}
	var l *testLink
	if reflect.ValueOf(d.Tx).Kind() != reflect.Pointer {
		l = &testLink{d} // none, or a value: a link of its own
	} else {
		testLinks.Lock()
		if testLinks.m == nil {
			testLinks.m = map[any]*testLink{}
		}
		k := d.Tx
		if l = testLinks.m[k]; l == nil {
			l = &testLink{d}
			testLinks.m[k] = l
		}
		testLinks.Unlock()
	}
	return newInstance(cfg, &instDeps{Link: l, Src: d.Src, Log: d.Log, Events: d.Events, Sched: d.Sched})
}

// startTest starts inst at now and, unless its scheduler runs already
// (shared), runs that too; once ctx ends it ends the instance and the
// scheduler, then closes the channel it returns.
func startTest(ctx context.Context, inst *Instance, now time.Time, shared ...bool) <-chan struct{} {
	s := inst.deps.Sched
	sctx, stop := context.WithCancel(context.Background())
	sdone := make(chan struct{})
	if len(shared) == 0 {
		go func() { s.Run(sctx); close(sdone) }()
	} else {
		close(sdone)
	}
	inst.start(now)
	done := make(chan struct{})
	context.AfterFunc(ctx, func() {
		inst.end()
		stop()
		<-sdone
		close(done)
	})
	return done
}

// timerfdAlarm opens the real timerfd alarm for the scheduler's tests.
func timerfdAlarm() (Alarm, error) {
	t, err := netio.NewTimer()
	if err != nil {
		return nil, err
	}
	return t, nil
}
