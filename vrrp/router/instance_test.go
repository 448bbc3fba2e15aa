package router

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// fakeTx records the adverts an instance sends.
type fakeTx struct{ sent chan []byte }

func (f *fakeTx) Send(b []byte, src, dst netip.Addr) error {
	f.sent <- append([]byte(nil), b...)
	return nil
}

// fakeVIPs records the address changes an instance makes.
type fakeVIPs struct {
	mu  sync.Mutex
	ops []string
}

func (f *fakeVIPs) Add(a []netip.Addr) error    { f.log("add", a); return nil }
func (f *fakeVIPs) Remove(a []netip.Addr) error { f.log("remove", a); return nil }
func (f *fakeVIPs) log(op string, a []netip.Addr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, x := range a {
		f.ops = append(f.ops, op+" "+x.String())
	}
}

type fakeARP struct{ sent chan netip.Addr }

func (f *fakeARP) Send(vip netip.Addr) error { f.sent <- vip; return nil }

func ownerConfig() InstanceConfig {
	return InstanceConfig{
		Name: "t", Interface: "eth0", VRID: 7, Priority: 255, Version: 3,
		AdvertInterval: time.Second, Preempt: true,
		VIPs: []netip.Addr{netip.MustParseAddr("192.0.2.100")},
		GARP: garp.Schedule{Count: 2},
	}
}

func recvAdvert(t *testing.T, ch chan []byte) vrrp.Packet {
	t.Helper()
	select {
	case b := <-ch:
		p, err := vrrp.Unmarshal(b, netip.MustParseAddr("192.0.2.11"), vrrp.Group)
		if err != nil {
			t.Fatalf("instance sent an undecodable advert: %v", err)
		}
		return p
	case <-time.After(10 * time.Second):
		t.Fatal("no advert sent")
	}
	return vrrp.Packet{}
}

// An address owner becomes master at once: advert, VIPs, GARP, in that
// order; on shutdown it sends priority 0 and removes the VIPs.
func TestInstanceOwnerLifecycle(t *testing.T) {
	tx := &fakeTx{sent: make(chan []byte, 16)}
	vips := &fakeVIPs{}
	arp := &fakeARP{sent: make(chan netip.Addr, 16)}
	inst := newTestInstance(ownerConfig(), testDeps{Tx: tx, VIPs: vips, ARP: arp, Src: netip.MustParseAddr("192.0.2.11")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { <-startTest(ctx, inst, time.Now()); close(done) }()

	if p := recvAdvert(t, tx.sent); p.Priority != 255 || p.VRID != 7 {
		t.Fatalf("first advert %+v, want priority 255 VRID 7", p)
	}
	for range 2 {
		select {
		case v := <-arp.sent:
			if v.String() != "192.0.2.100" {
				t.Fatalf("GARP for %v", v)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("no GARP burst")
		}
	}
	lt := inst.Status().LastTransition
	if lt == nil || lt.Instance != "t" || lt.VRID != 7 || lt.From != vrrp.Initialize || lt.To != vrrp.Master ||
		lt.Reason != vrrp.ReasonOwnerStartup || lt.Master != "192.0.2.11" || lt.At.IsZero() {
		t.Fatalf("last transition %+v, want t/7 INIT to MASTER (%s), master 192.0.2.11", lt, vrrp.ReasonOwnerStartup)
	}
	cancel()
	<-done
	if lt := inst.Status().LastTransition; lt == nil || lt.From != vrrp.Master || lt.To != vrrp.Initialize || lt.Reason != vrrp.ReasonShutdown {
		t.Fatalf("last transition after shutdown %+v, want MASTER to INIT (%s)", lt, vrrp.ReasonShutdown)
	}
	var last vrrp.Packet
	for len(tx.sent) > 0 {
		last = recvAdvert(t, tx.sent)
	}
	if last.Priority != 0 {
		t.Fatalf("last advert priority %d, want 0 on shutdown", last.Priority)
	}
	want := []string{"add 192.0.2.100", "remove 192.0.2.100"}
	vips.mu.Lock()
	defer vips.mu.Unlock()
	if len(vips.ops) != len(want) {
		t.Fatalf("VIP operations %v, want %v", vips.ops, want)
	}
	for i := range want {
		if vips.ops[i] != want[i] {
			t.Fatalf("VIP operations %v, want %v", vips.ops, want)
		}
	}
	if got := inst.State(); got != vrrp.Initialize {
		t.Fatalf("state after shutdown %v, want INIT", got)
	}
}

// A master lets its GARP announcer go once the schedule has completed: a
// thousand masters would otherwise each keep one.
func TestInstanceDropsFinishedAnnouncer(t *testing.T) {
	cfg := ownerConfig()
	cfg.AdvertInterval = 10 * time.Millisecond
	tx := &fakeTx{sent: make(chan []byte, 1024)} // room for the adverts of the schedule
	arp := &fakeARP{sent: make(chan netip.Addr, 16)}
	inst := newTestInstance(cfg, testDeps{Tx: tx, VIPs: &fakeVIPs{}, ARP: arp, Src: netip.MustParseAddr("192.0.2.11")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { <-startTest(ctx, inst, time.Now()); close(done) }()
	defer func() { cancel(); <-done }()
	recvAdvert(t, tx.sent) // the takeover's
	for range 2 {          // the burst, sent under the lock that guards the announcer
		select {
		case <-arp.sent:
		case <-time.After(10 * time.Second):
			t.Fatal("no GARP burst")
		}
	}
	inst.mmu.Lock()
	held := inst.announcer != nil
	inst.mmu.Unlock()
	if !held {
		t.Fatal("no announcer after the takeover")
	}
	select { // the round after the release grace ends the schedule
	case <-arp.sent:
	case <-time.After(10 * time.Second):
		t.Fatal("no GARP after the release grace")
	}
	for len(tx.sent) > 0 { // the adverts of the wait
		<-tx.sent
	}
	// The first timer's advert leaves after the step that checked the
	// announcer.
	recvAdvert(t, tx.sent)
	recvAdvert(t, tx.sent)
	inst.mmu.Lock()
	defer inst.mmu.Unlock()
	if inst.announcer != nil {
		t.Fatal("the master still holds an announcer whose schedule completed")
	}
}

// A new master's GARP schedule has one more round after the longest
// release grace an old master may keep the VIPs for, so that its GARP
// follows any ARP answer the old master gave meanwhile.
func TestInstanceGARPFollowsTheReleaseGrace(t *testing.T) {
	tx := &fakeTx{sent: make(chan []byte, 16)}
	arp := &fakeARP{sent: make(chan netip.Addr, 16)}
	inst := newTestInstance(ownerConfig(), testDeps{Tx: tx, VIPs: &fakeVIPs{}, ARP: arp, Src: netip.MustParseAddr("192.0.2.11")})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	start := time.Now()
	go func() { <-startTest(ctx, inst, time.Now()); close(done) }()
	defer func() { cancel(); <-done }()
	for k := range 3 { // the burst of two, then the round after the grace
		select {
		case <-arp.sent:
		case <-time.After(10 * time.Second):
			t.Fatalf("GARP %d of 3 never came (the burst is 2, no repeat)", k+1)
		}
	}
	if d := time.Since(start); d < vrrp.GARPAfterGrace {
		t.Fatalf("the third GARP came %v after the start, before the release grace of an old master had ended (%v)", d, vrrp.GARPAfterGrace)
	}
}

// Adverts that fail the instance's checks are counted by reason and never
// reach the state machine.
func TestInstanceDropsForeignAdverts(t *testing.T) {
	cfg := ownerConfig()
	cfg.Priority = 100
	// 192.0.2.12 on the link (TTL 255 only), 198.51.100.12 two routers away.
	cfg.UnicastPeers = []netip.Addr{netip.MustParseAddr("192.0.2.12"), netip.MustParseAddr("198.51.100.12")}
	cfg.PeerTTLs = []vrrp.TTLRange{{Min: 255, Max: 255}, {Min: 253, Max: 254}}
	inst := newTestInstance(cfg, testDeps{Tx: &fakeTx{sent: make(chan []byte, 16)}, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 16)}, Src: netip.MustParseAddr("192.0.2.11")})
	good := vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: cfg.VIPs}
	cases := []struct {
		name string
		info vrrp.RecvInfo
		p    vrrp.Packet
		want vrrp.Reason
	}{
		{"own", vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.11"), TTL: 255}, good, vrrp.ReasonOwn},
		{"not a peer", vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.13"), TTL: 255}, good, vrrp.ReasonNotPeer},
		{"ttl", vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), TTL: 64}, good, vrrp.ReasonTTL},
		{"ttl 254 from the peer on the link", vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), TTL: 254}, good, vrrp.ReasonTTL},
		{"ttl 255 above the routed peer's range", vrrp.RecvInfo{Src: netip.MustParseAddr("198.51.100.12"), TTL: 255}, good, vrrp.ReasonTTL},
		{"ttl 252 below the routed peer's range", vrrp.RecvInfo{Src: netip.MustParseAddr("198.51.100.12"), TTL: 252}, good, vrrp.ReasonTTL},
	}
	for _, c := range cases {
		_, err := inst.accepts(c.p, c.info)
		de, ok := err.(*vrrp.DropError)
		if !ok || de.Reason != c.want {
			t.Errorf("%s: accepts = %v, want drop %v", c.name, err, c.want)
		}
	}
	for _, ok := range []vrrp.RecvInfo{
		{Src: netip.MustParseAddr("192.0.2.12"), TTL: 255},
		{Src: netip.MustParseAddr("198.51.100.12"), TTL: 254},
		{Src: netip.MustParseAddr("198.51.100.12"), TTL: 253},
	} {
		if _, err := inst.accepts(good, ok); err != nil {
			t.Errorf("a good advert from %v with TTL %d was refused: %v", ok.Src, ok.TTL, err)
		}
	}
}

// A backup's Master_Down_Timer runs from when the kernel received the
// advert, not from when the reader got to it.
func TestInstanceTimesAdvertsFromArrival(t *testing.T) {
	cfg := ownerConfig()
	cfg.Priority = 100
	inst := newTestInstance(cfg, testDeps{Tx: &fakeTx{sent: make(chan []byte, 16)}, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 16)}, Src: netip.MustParseAddr("192.0.2.11")})
	ctx, cancel := context.WithCancel(context.Background())
	done := startTest(ctx, inst, time.Now())
	defer func() { cancel(); <-done }()
	p := vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: cfg.VIPs}
	called := time.Now()
	stamp := called.Add(-5 * time.Millisecond)
	inst.onAdvert(p, vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), Dst: vrrp.Group, TTL: 255, Stamp: stamp.UnixNano()}, time.Now())
	inst.mmu.Lock()
	down := inst.m.MasterDownAt.Time()
	inst.mmu.Unlock()
	if from := down.Add(-vrrp.MasterDownInterval(3, 100, time.Second)); !from.Before(called) {
		t.Fatalf("the Master_Down_Timer runs from %v after the call, want from the stamp, 5 ms before it", from.Sub(called))
	}
}

// A reload keeps an instance whose settings are the same but for start-up
// settings, and rebuilds one whose protocol settings changed.
func TestSameConfig(t *testing.T) {
	a := ownerConfig()
	b := ownerConfig()
	b.StartupDelay, b.StartupWait, b.HoldPreemptAtStart = time.Second, time.Second, true
	if !sameConfig(a, b) {
		t.Error("a start-up change rebuilds the instance")
	}
	if !sameConfig(newTestInstance(b, testDeps{}).Config(), a) {
		t.Error("the instance's kept configuration differs from the file's")
	}
	b.Priority = 100
	if sameConfig(a, b) {
		t.Error("a priority change keeps the instance")
	}
	c := ownerConfig()
	c.VIPs = append(c.VIPs, netip.MustParseAddr("192.0.2.101"))
	if sameConfig(a, c) {
		t.Error("a VIP change keeps the instance")
	}
}

// nopTx takes adverts and drops them.
type nopTx struct{}

func (nopTx) Send([]byte, netip.Addr, netip.Addr) error { return nil }
func (nopTx) SendBatch(m []vrrp.Outgoing) (int, error)  { return len(m), nil }

// A steady pair allocates nothing per advert, on either side: a thousand
// instances at 100 ms would otherwise make the collector run all the time.
func TestInstanceSteadyStateAllocs(t *testing.T) {
	deps := func() testDeps {
		return testDeps{Tx: nopTx{}, VIPs: &fakeVIPs{}, ARP: &fakeARP{sent: make(chan netip.Addr, 64)}, Src: netip.MustParseAddr("192.0.2.11"), Log: slog.New(slog.DiscardHandler)}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	cfg := ownerConfig()
	cfg.Priority = 100
	backup := newTestInstance(cfg, deps())
	backupDone := startTest(ctx, backup, time.Now())
	defer func() { cancel(); <-backupDone }()
	p := vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 200, AdvertInterval: time.Second, Addrs: cfg.VIPs}
	info := vrrp.RecvInfo{Src: netip.MustParseAddr("192.0.2.12"), Dst: vrrp.Group, TTL: 255}
	backup.onAdvert(p, info, time.Now()) // the first advert from a speaker is noted
	if n := testing.AllocsPerRun(100, func() { backup.onAdvert(p, info, time.Now()) }); n != 0 {
		t.Errorf("a backup allocates %.1f times per advert", n)
	}
	if backup.State() != vrrp.Backup {
		t.Fatalf("backup is %v", backup.State())
	}

	master := newTestInstance(ownerConfig(), deps())
	now := time.Now()
	masterDone := startTest(ctx, master, now)
	defer func() { cancel(); <-masterDone }()
	var out batch
	master.fire(now, &out) // the first round sizes the batch
	out.flush()
	if n := testing.AllocsPerRun(100, func() {
		now = now.Add(time.Second)
		master.fire(now, &out)
		out.flush()
	}); n != 0 {
		t.Errorf("a master allocates %.1f times per advert", n)
	}
	if master.Counters.AdvertsOut.Load() < 100 {
		t.Fatalf("the master sent %d adverts, want one per step", master.Counters.AdvertsOut.Load())
	}
}

// An instance's lines carry its name, VRID and interface; below the
// logger's level they cost nothing at all.
func TestInstanceLog(t *testing.T) {
	var out strings.Builder
	inst := newTestInstance(ownerConfig(), testDeps{Log: slog.New(slog.NewTextHandler(&out, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	inst.log(slog.LevelWarn, "sending advert", "err", "boom")
	if got := out.String(); !strings.Contains(got, `msg="sending advert" instance=t vrid=7 interface=eth0 err=boom`) {
		t.Errorf("logged %q", got)
	}
	if n := testing.AllocsPerRun(100, func() { inst.log(slog.LevelInfo, "transition", "from", "BACKUP") }); n != 0 {
		t.Errorf("a line below the level allocates %.0f times", n)
	}
}

// An advert's arrival is its kernel stamp, seen from now: moved back by
// the wait, at most maxQueued, never forward, and keeping now's monotonic
// clock.
func TestArrival(t *testing.T) {
	now := time.Now()
	ns := now.UnixNano()
	ms := time.Millisecond
	cases := []struct {
		name  string
		stamp int64
		want  time.Duration // before now
	}{
		{"no stamp", 0, 0},
		{"waited 2 ms", ns - int64(2*ms), 2 * ms},
		{"waited 1 s (the clock stepped)", ns - int64(time.Second), maxQueued},
		{"in the future (the clock stepped)", ns + int64(time.Second), 0},
	}
	for _, c := range cases {
		got := arrival(c.stamp, now)
		if d := now.Sub(got); d != c.want {
			t.Errorf("%s: arrival is %v before now, want %v", c.name, d, c.want)
		}
		if got == got.Round(0) { // Round(0) strips the monotonic reading
			t.Errorf("%s: arrival lost the monotonic clock reading", c.name)
		}
	}
}

// An inbox's buffer holds the largest advert there is, IP options and all,

// An IPv6 owner becomes master as an IPv4 one does: its adverts are
// VRRPv3 over IPv6 to ff02::12 from its link-local address (they decode
// only with that pseudo-header), its VIPs are announced (by NA, on the
// real link), and status names the link-local master.
func TestInstanceOwnerLifecycleIPv6(t *testing.T) {
	cfg := ownerConfig()
	cfg.IPv6 = true
	cfg.VIPs = []netip.Addr{netip.MustParseAddr("2001:db8::100")}
	src := netip.MustParseAddr("fe80::11")
	tx := &fakeTx{sent: make(chan []byte, 16)}
	arp := &fakeARP{sent: make(chan netip.Addr, 16)}
	inst := newTestInstance(cfg, testDeps{Tx: tx, VIPs: &fakeVIPs{}, ARP: arp, Src: src})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { <-startTest(ctx, inst, time.Now()); close(done) }()
	select {
	case b := <-tx.sent:
		p, err := vrrp.Unmarshal(b, src, vrrp.Group6)
		if err != nil || !p.IPv6 || p.Priority != 255 || len(p.Addrs) != 1 || p.Addrs[0] != cfg.VIPs[0] {
			t.Fatalf("first advert %+v (%v), want an IPv6 advert of priority 255 for %v", p, err, cfg.VIPs[0])
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no advert sent")
	}
	select {
	case v := <-arp.sent:
		if v != cfg.VIPs[0] {
			t.Fatalf("announced %v", v)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no announcement")
	}
	if lt := inst.Status().LastTransition; lt == nil || lt.Master != "fe80::11" {
		t.Errorf("last transition %+v, want master fe80::11", lt)
	}
	cancel()
	<-done
	inst.snapshot(vrrp.Machine{Master: netip.MustParseAddr("fe80::12")})
	if m := inst.Status().Master; m != "fe80::12" {
		t.Errorf("status master %q, want fe80::12", m)
	}
}
