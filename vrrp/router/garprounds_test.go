package router

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/garp"
	"github.com/hadirector/hadirector/vrrp"
)

// clockedDaemon runs a daemon of one instance on a fake network whose
// clock and alarm the test steps.
func clockedDaemon(t *testing.T, ic InstanceConfig) (*Daemon, *fakeNet, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	nw := newFakeNet()
	nw.clock = clk
	d := runDaemon(t, Config{Instances: []InstanceConfig{ic}}, nw, func(d *Daemon) { d.sched.clock = clk.Now })
	return d, nw, clk
}

// garpTimes are the times of the gratuitous ARPs in the log, as offsets
// from base.
func garpTimes(nw *fakeNet, base time.Time) []time.Duration {
	nw.mu.Lock()
	defer nw.mu.Unlock()
	var out []time.Duration
	for _, o := range nw.timed {
		if strings.Contains(o.op, " garp ") {
			out = append(out, o.at.Sub(base))
		}
	}
	return out
}

// A master's GARP rounds are deadlines of the daemon's one scheduler: the
// burst, the round after the old master's grace, the repeat and the
// refreshes each leave when the scheduler's clock reaches them, and at no
// other time.
func TestGARPRoundsRunOnTheScheduler(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name string
		sch  garp.Schedule
		want []time.Duration
	}{
		{"burst, follow, repeat", garp.Schedule{Count: 2, Spacing: 50 * ms, RepeatDelay: 5 * time.Second},
			[]time.Duration{0, 50 * ms, vrrp.GARPAfterGrace, 5 * time.Second, 5*time.Second + 50*ms}},
		{"follow, refreshes", garp.Schedule{Count: 1, Refresh: 2 * time.Second},
			[]time.Duration{0, vrrp.GARPAfterGrace, 2*time.Second + vrrp.GARPAfterGrace, 4*time.Second + vrrp.GARPAfterGrace}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := testInstance("vi", 7, 255, "192.0.2.100") // the owner: master at once
			ic.GARP = c.sch
			_, nw, clk := clockedDaemon(t, ic)
			base := clk.Now()
			for {
				now, ok := clk.step(t)
				if !ok {
					t.Fatal("the scheduler has nothing armed")
				}
				if now.Sub(base) > 6*time.Second {
					break
				}
			}
			if got := garpTimes(nw, base); !slices.Equal(got, c.want) {
				t.Errorf("GARPs at %v, want %v", got, c.want)
			}
		})
	}
}

// A master that hears a higher priority stops its GARP schedule: its
// repeat never leaves, and the schedule's deadline leaves the scheduler.
func TestGARPRoundsStopOnLeavingMaster(t *testing.T) {
	ms := time.Millisecond
	ic := testInstance("vi", 7, 200, "192.0.2.100")
	ic.AdvertInterval = time.Second
	ic.GARP = garp.Schedule{Count: 2, Spacing: 50 * ms, RepeatDelay: 5 * time.Second}
	d, nw, clk := clockedDaemon(t, ic)
	inst := byName(t, d, "vi")
	base := clk.Now()
	var took time.Time // the takeover: the first GARP
	for took.IsZero() || clk.Now().Sub(took) < vrrp.GARPAfterGrace {
		if _, ok := clk.step(t); !ok {
			t.Fatal("the scheduler has nothing armed")
		}
		if g := garpTimes(nw, base); took.IsZero() && len(g) > 0 {
			took = base.Add(g[0])
		}
		if clk.Now().Sub(base) > 10*time.Second {
			t.Fatal("no takeover in 10 s")
		}
	}
	if inst.State() != vrrp.Master {
		t.Fatalf("state %v after the takeover's GARPs, want MASTER", inst.State())
	}
	// A peer of priority 250 appears and keeps advertising.
	peer := netip.MustParseAddr("192.0.2.12")
	var heard time.Time
	advertise := func() {
		n := inst.Counters.AdvertsIn.Load()
		nw.link("eth0").inject(t, vrrp.Packet{Version: 3, Type: 1, VRID: 7, Priority: 250, AdvertInterval: time.Second, Addrs: ic.VIPs}, peer)
		waitFor(t, "the peer's advert", func() bool { return inst.Counters.AdvertsIn.Load() > n })
		inst.mmu.Lock() // the advert's step has returned
		inst.mmu.Unlock()
		heard = clk.Now()
	}
	advertise()
	for clk.Now().Sub(took) < 6*time.Second {
		if clk.Now().Sub(heard) >= time.Second {
			advertise()
		}
		if _, ok := clk.stepUntil(t, heard.Add(time.Second)); !ok {
			t.Fatal("the scheduler has nothing armed")
		}
	}
	if inst.State() != vrrp.Backup {
		t.Fatalf("state %v, want BACKUP; %v, log %v", inst.State(), inst.Counters.Drops(), nw.opsLog())
	}
	want := []time.Duration{0, 50 * ms, vrrp.GARPAfterGrace}
	var got []time.Duration
	for _, g := range garpTimes(nw, base) {
		got = append(got, base.Add(g).Sub(took))
	}
	if !slices.Equal(got, want) {
		t.Errorf("GARPs at %v from the takeover, want %v and no repeat after leaving MASTER", got, want)
	}
	inst.mmu.Lock()
	running := inst.announcer != nil
	inst.mmu.Unlock()
	d.sched.mu.Lock()
	defer d.sched.mu.Unlock()
	for _, it := range d.sched.heap {
		if it.e.ann != nil {
			t.Errorf("a GARP round is still queued on the scheduler")
		}
	}
	if running {
		t.Errorf("the backup still has a GARP schedule")
	}
}
