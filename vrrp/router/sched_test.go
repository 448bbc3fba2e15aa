package router

import (
	"context"
	"errors"
	"github.com/hadirector/hadirector/internal/alarmtest"
	"math/rand/v2"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

func schedInstances(n int) []*Instance {
	out := make([]*Instance, n)
	for k := range out {
		out[k] = newTestInstance(InstanceConfig{Name: string(rune('a' + k%26)), VRID: uint8(k)}, testDeps{})
	}
	return out
}

// The heap hands out exactly the due timers, honours each one's slack, and
// survives moves (earlier and later) and removals.
func TestSchedulerDue(t *testing.T) {
	s := NewScheduler(nil)
	insts := schedInstances(200)
	rng := rand.New(rand.NewPCG(1, 2))
	want := map[*Instance]time.Time{}
	for round := 0; round < 5; round++ {
		for _, i := range insts {
			switch rng.IntN(4) {
			case 0:
				s.set(i, vrrp.MonoOf(time.Time{}), 0)
				delete(want, i)
			default:
				at := t0.Add(time.Duration(rng.IntN(1000)) * time.Millisecond)
				s.set(i, vrrp.MonoOf(at), 0)
				want[i] = at
			}
		}
	}
	got := dueInsts(s, t0.Add(500*time.Millisecond))
	var n int
	for i, at := range want {
		if !at.After(t0.Add(500 * time.Millisecond)) {
			n++
			if !slices.Contains(got, i) {
				t.Errorf("instance due at %v not handed out at +500ms", at.Sub(t0))
			}
		}
	}
	if len(got) != n {
		t.Fatalf("handed out %d instances, want the %d due", len(got), n)
	}
	for _, i := range got {
		if i.sched.slot >= 0 {
			t.Fatalf("an instance handed out is still in the heap")
		}
	}
	rest := dueInsts(s, t0.Add(time.Hour))
	if len(rest)+len(got) != len(want) {
		t.Fatalf("%d + %d instances handed out, %d were scheduled", len(got), len(rest), len(want))
	}
	// Pushed back: an entry whose deadline moved later is not due at its
	// old time, and is at its new one.
	c := insts[2]
	s.set(c, vrrp.MonoOf(t0.Add(time.Second)), 0)
	s.set(c, vrrp.MonoOf(t0.Add(3*time.Second)), 0)
	if got := dueInsts(s, t0.Add(2*time.Second)); len(got) != 0 {
		t.Fatalf("an entry pushed back to +3s was due at +2s")
	}
	if got := dueInsts(s, t0.Add(3*time.Second)); len(got) != 1 || got[0] != c {
		t.Fatalf("an entry pushed back to +3s was not due then")
	}
	// Brought forward: due at its new time.
	s.set(c, vrrp.MonoOf(t0.Add(5*time.Second)), 0)
	s.set(c, vrrp.MonoOf(t0.Add(4*time.Second)), 0)
	if got := dueInsts(s, t0.Add(4*time.Second)); len(got) != 1 || got[0] != c {
		t.Fatalf("an entry brought forward to +4s was not due then")
	}
	// Slack: a timer 4 ms away with 5 ms slack is due, one 6 ms away is not.
	a, b := insts[0], insts[1]
	s.set(a, vrrp.MonoOf(t0.Add(4*time.Millisecond)), 5*time.Millisecond)
	s.set(b, vrrp.MonoOf(t0.Add(6*time.Millisecond)), 5*time.Millisecond)
	if got := dueInsts(s, t0); len(got) != 1 || got[0] != a {
		t.Fatalf("with slack, due = %d instances, want only the one within it", len(got))
	}
}

// Masters whose adverts fall within the slack of each other are fired in
// one round, and their adverts leave in one batch through a BatchSender.
func TestSchedulerBatchesAdverts(t *testing.T) { eachAlarm(t, testSchedulerBatchesAdverts) }

// eachAlarm runs a test of the scheduler's loop once on each alarm it may
// sleep on: the timerfd, and the runtime timer it falls back to.
func eachAlarm(t *testing.T, f func(t *testing.T, newSched func() *Scheduler)) {
	for _, rt := range []bool{false, true} {
		name := "timerfd"
		if rt {
			name = "runtime-timer"
		}
		t.Run(name, func(t *testing.T) {
			f(t, func() *Scheduler {
				if rt {
					return NewScheduler(nil)
				}
				return NewScheduler(timerfdAlarm)
			})
		})
	}
}

func testSchedulerBatchesAdverts(t *testing.T, newSched func() *Scheduler) {
	tx := &batchTx{calls: make(chan int, 64)}
	s := newSched()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	var runs []chan struct{}
	ictx, stop := context.WithCancel(context.Background())
	for k := 0; k < 8; k++ {
		cfg := ownerConfig()
		cfg.VRID = uint8(10 + k)
		cfg.AdvertInterval = 200 * time.Millisecond
		cfg.GARP = garp.Schedule{}
		inst := newTestInstance(cfg, testDeps{Tx: tx, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 16)}, Src: netip.MustParseAddr("192.0.2.11"), Sched: s})
		d := make(chan struct{})
		runs = append(runs, d)
		go func() { <-startTest(ictx, inst, time.Now(), true); close(d) }()
	}
	defer func() {
		stop()
		for _, d := range runs {
			<-d
		}
	}()
	// Each owner sends its first advert alone, as it becomes master; they
	// start within a few milliseconds of each other, inside the slack (10
	// ms at 200 ms adverts), so a later round sends all eight in one batch.
	deadline := time.After(20 * time.Second)
	for {
		select {
		case n := <-tx.calls:
			if n == 8 {
				return
			}
		case <-deadline:
			t.Fatal("the eight masters' adverts never left in one batch")
		}
	}
}

// batchTx records the size of each batch.
type batchTx struct{ calls chan int }

func (b *batchTx) Send([]byte, netip.Addr, netip.Addr) error { b.calls <- 1; return nil }
func (b *batchTx) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	b.calls <- len(msgs)
	return len(msgs), nil
}

// orderLog records, in order, the adverts, VIP adds and GARPs of the
// instances it serves as Tx, VIPs and ARP.
type orderLog struct {
	mu  sync.Mutex
	ops []string
	n   chan struct{} // a token per GARP
}

func (o *orderLog) add(op string) {
	o.mu.Lock()
	o.ops = append(o.ops, op)
	o.mu.Unlock()
}
func (o *orderLog) Send([]byte, netip.Addr, netip.Addr) error { o.add("advert"); return nil }
func (o *orderLog) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	for range msgs {
		o.add("advert")
	}
	return len(msgs), nil
}
func (o *orderLog) Add([]netip.Addr) error    { o.add("vips"); return nil }
func (o *orderLog) Remove([]netip.Addr) error { return nil }
func (o *orderLog) announce(netip.Addr) error { o.add("garp"); o.n <- struct{}{}; return nil }

type garpFunc func(netip.Addr) error

func (f garpFunc) Send(v netip.Addr) error { return f(v) }

// A round with one takeover adds its VIPs before its advert leaves, so
// advert and GARP leave together; a mass takeover sends every advert first.
func TestSchedulerTakeoverOrder(t *testing.T) { eachAlarm(t, testSchedulerTakeoverOrder) }

func testSchedulerTakeoverOrder(t *testing.T, newSched func() *Scheduler) {
	for _, c := range []struct {
		n    int
		want string // how the log starts
	}{
		{1, "vips advert garp"},
		{earlyVIPs + 1, strings.Repeat("advert ", earlyVIPs) + "advert vips"},
	} {
		o := &orderLog{n: make(chan struct{}, 64)}
		s := newSched()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { s.Run(ctx); close(done) }()
		ictx, stop := context.WithCancel(context.Background())
		now := time.Now()
		var runs []<-chan struct{}
		for k := 0; k < c.n; k++ {
			cfg := ownerConfig()
			cfg.Priority = 100
			cfg.VRID = uint8(10 + k)
			cfg.AdvertInterval = 100 * time.Millisecond
			cfg.GARP = garp.Schedule{Count: 1}
			inst := newTestInstance(cfg, testDeps{Tx: o, VIPs: o, ARP: garpFunc(o.announce), Src: netip.MustParseAddr("192.0.2.11"), Sched: s})
			runs = append(runs, startTest(ictx, inst, now, true))
		}
		for k := 0; k < c.n; k++ {
			select {
			case <-o.n:
			case <-time.After(20 * time.Second):
				t.Fatalf("%d instances: %d of the GARPs left", c.n, k)
			}
		}
		stop()
		for _, r := range runs {
			<-r
		}
		cancel()
		<-done
		o.mu.Lock()
		ops := slices.Clone(o.ops)
		o.mu.Unlock()
		if len(ops) < 3*c.n || !strings.HasPrefix(strings.Join(ops, " "), c.want) {
			t.Errorf("%d takeovers in one round: %v, want it to start %q", c.n, ops, c.want)
		}
	}
}

// A scheduler sleeps on the alarm it is given; a runtime timer is the
// fallback only.
func TestSchedulerSleepsOnItsAlarm(t *testing.T) {
	f := &fakeAlarm{}
	s := NewScheduler(func() (Alarm, error) { return f, nil })
	if a := s.openAlarm(); a != f {
		t.Fatalf("the scheduler's alarm is %T, not the one given", a)
	}
	for _, s := range []*Scheduler{NewScheduler(nil), NewScheduler(func() (Alarm, error) { return nil, errors.New("none") })} {
		b := s.openAlarm()
		defer b.Close()
		if _, ok := b.(*timerAlarm); !ok {
			t.Fatalf("without an alarm it is %T, not a runtime timer", b)
		}
	}
}

// The runtime-timer alarm behaves as the timerfd does.
func TestRuntimeTimerAlarm(t *testing.T) { alarmtest.Check(t, newTimerAlarm()) }

// fakeAlarm records how it is armed.
type fakeAlarm struct{ arms []time.Duration } // -1: disarmed

func (f *fakeAlarm) Arm(d time.Duration) { f.arms = append(f.arms, d) }
func (f *fakeAlarm) Disarm()             { f.arms = append(f.arms, -1) }
func (f *fakeAlarm) Wait()               {}
func (f *fakeAlarm) Close() error        { return nil }

// A deadline that becomes the earliest re-arms the running scheduler's
// alarm at once, to it; a later one, or one pushed back, even the
// earliest, leaves the alarm as it is. Before the loop sleeps it re-keys
// the earliest pushed back, and sets the alarm for its new deadline.
func TestSchedulerRearmsOnEarlierDeadline(t *testing.T) {
	s := NewScheduler(nil)
	f := &fakeAlarm{}
	s.al = f
	insts := schedInstances(3)
	a, b, c := insts[0], insts[1], insts[2]
	now := time.Now()
	near := func(got, want time.Duration) bool { return got <= want && got > want-time.Second }
	s.set(a, vrrp.MonoOf(now.Add(time.Hour)), time.Second)
	s.set(b, vrrp.MonoOf(now.Add(2*time.Hour)), time.Second)    // later: no arm
	s.set(b, vrrp.MonoOf(now.Add(3*time.Hour)), time.Second)    // pushed back, not the earliest: no arm
	s.set(a, vrrp.MonoOf(now.Add(90*time.Minute)), time.Second) // the earliest, pushed back: no arm
	s.set(c, vrrp.MonoOf(now.Add(time.Minute)), 0)              // earliest, no slack
	want := []time.Duration{time.Hour, time.Minute}
	if len(f.arms) != len(want) {
		t.Fatalf("armed %d times (%v), want %d: %v", len(f.arms), f.arms, len(want), want)
	}
	for k, w := range want {
		if !near(f.arms[k], w) {
			t.Errorf("arm %d: %v, want %v", k, f.arms[k], w)
		}
	}
	// Removed: the loop re-arms for the root, the earliest pushed back at
	// its new key; b keeps its old 2h key until that comes up.
	s.set(c, 0, 0)
	s.mu.Lock()
	s.rearm(vrrp.MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != 90*time.Minute {
		t.Errorf("re-armed to %v after the removal, want 90m", d)
	}
	if s.heap[len(s.heap)-1].key != vrrp.MonoOf(now.Add(2*time.Hour)) {
		t.Errorf("the entry pushed back while not the earliest was re-keyed at once")
	}
	for _, i := range insts {
		s.set(i, 0, 0)
	}
	s.mu.Lock()
	s.rearm(vrrp.MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != -1 {
		t.Errorf("with no timer the alarm was armed for %v, want it disarmed", d)
	}
}

// Backups pushed back by their adverts leave the alarm where it was; before
// the loop sleeps, every root whose deadline moved is re-keyed, and the
// alarm is set for the earliest deadline that holds, not for a stale key.
func TestSchedulerRearmsForDeadlinesThatHold(t *testing.T) {
	s := NewScheduler(nil)
	f := &fakeAlarm{}
	s.al = f
	insts := schedInstances(3)
	now := time.Now()
	for k, i := range insts {
		s.set(i, vrrp.MonoOf(now.Add(time.Hour+time.Duration(k)*time.Minute)), 0)
	}
	for k, i := range insts {
		s.set(i, vrrp.MonoOf(now.Add(3*time.Hour+time.Duration(k)*time.Minute)), 0)
	}
	if len(f.arms) != 1 {
		t.Fatalf("armed %v, want once, for the first deadline", f.arms)
	}
	s.mu.Lock()
	s.rearm(vrrp.MonoOf(now))
	s.mu.Unlock()
	if d := f.arms[len(f.arms)-1]; d != 3*time.Hour {
		t.Errorf("re-armed to %v, want 3h: the earliest deadline now", d)
	}
}

func TestSchedulerSleepsWhenEmpty(t *testing.T) { eachAlarm(t, testSchedulerSleepsWhenEmpty) }

// Once its last timer has fired and none is left (every instance stopped,
// or all in FAULT), the loop sleeps until a timer is set again: it must
// not go round and round on an alarm that went off long ago. A director
// on one processor that spun there starved its shutdown for seconds.
func testSchedulerSleepsWhenEmpty(t *testing.T, newSched func() *Scheduler) {
	s := newSched()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	i := schedInstances(1)[0] // never started: its timer fires once, and is not set again
	s.set(i, vrrp.MonoOf(time.Now().Add(time.Millisecond)), 0)
	for deadline := time.Now().Add(10 * time.Second); ; {
		s.mu.Lock()
		empty := len(s.heap) == 0
		s.mu.Unlock()
		if empty && s.rounds.Load() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the timer never fired")
		}
		runtime.Gosched()
	}
	// The round that fired the timer may still be on its way to sleep;
	// after it, none may come while nothing is due.
	before := s.rounds.Load()
	time.Sleep(50 * time.Millisecond) // a window for rounds that must not come
	if n := s.rounds.Load() - before; n > 1 {
		t.Fatalf("the loop went round %d times in 50 ms with no timer set, want at most 1", n)
	}
}

// dueInsts is due, as the instances whose entries it took out.
func dueInsts(s *Scheduler, at time.Time) []*Instance {
	var out []*Instance
	for _, e := range s.due(at, nil) {
		out = append(out, e.inst)
	}
	return out
}

// BenchmarkSchedulerRound is the heap's share of a round at 1000 masters:
// each instance's next advert deadline set, then every one taken out due.
func BenchmarkSchedulerRound(b *testing.B) {
	s := NewScheduler(nil)
	insts := schedInstances(1000)
	buf := s.due(t0, nil)
	at := t0
	b.ReportAllocs()
	for b.Loop() {
		at = at.Add(100 * time.Millisecond)
		for k, i := range insts {
			s.set(i, vrrp.MonoOf(at.Add(time.Duration(k)*time.Microsecond)), 5*time.Millisecond)
		}
		buf = s.due(at.Add(time.Millisecond), buf[:0])
		if len(buf) != len(insts) {
			b.Fatalf("%d due, want %d", len(buf), len(insts))
		}
	}
}
