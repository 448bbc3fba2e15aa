package ipvs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// switchCheck is a Checker whose answer the test sets.
type switchCheck struct{ down *atomic.Bool }

func (c switchCheck) Check(context.Context) error {
	if c.down.Load() {
		return errors.New("switched down")
	}
	return nil
}

// incrTable is n TCP services of reals DR real servers each, every real
// server checked by a switch of its own (switches[service][real]).
// Services 0 and 1 are quiescent; service 2 has a sorry server.
func incrTable(n, reals int) ([]Service, [][]*atomic.Bool) {
	svcs := benchTable(n, reals)
	sw := make([][]*atomic.Bool, n)
	for i := range svcs {
		sw[i] = make([]*atomic.Bool, reals)
		for j := range svcs[i].Reals {
			sw[i][j] = new(atomic.Bool)
			svcs[i].Reals[j].Check = &HealthCheck{Checker: switchCheck{sw[i][j]}, Policy: Policy{Interval: time.Second}}
		}
	}
	svcs[0].Quiescent, svcs[1].Quiescent = true, true
	svcs[2].Sorry = Real{Addr: ap(realIP(99), svcs[2].Key.Addr.Port()), Weight: 1}
	return svcs, sw
}

// A health change and a reload touching a few services apply only what
// changed: the Manager diffs only the services concerned, reads nothing
// and writes one request per change, however large the table; the periodic
// resync is the one full read-back, and repairs drift.
func TestManagerAppliesOnlyChanges(t *testing.T) {
	managerScenario(t, newMemKernel(), 300, nil)
}

// managerScenario runs the steps of TestManagerAppliesOnlyChanges on k with
// a table of n services (n >= 101), calling crossCheck, if set, after each.
func managerScenario(t *testing.T, mk Kernel, n int, crossCheck func(t *testing.T, step string)) {
	const reals = 4
	services := n
	svcs, sw := incrTable(services, reals)
	k := &countingKernel{Kernel: mk}
	m := NewManager(k, nil, nil)
	m.health.phase = func(target, time.Duration) time.Duration { return 0 }
	if err := m.Configure(svcs, Timeouts{}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if res := m.reconcile(); res.Diffed != services || len(res.Ops) != services*(reals+1) {
		t.Fatalf("first pass: %d diffed, %d ops", res.Diffed, len(res.Ops))
	}
	now := t0
	// tick runs the checks due now, as Run would, then one pass.
	tick := func() Result {
		if tr := m.health.Tick(context.Background(), now); len(tr) > 0 {
			m.healthChanged(tr)
		}
		now = now.Add(time.Second)
		return m.reconcile()
	}
	tick() // every check's first run: all up, nothing changes
	real := func(i, j int) Real { return svcs[i].Reals[j] }
	sorry := svcs[2].Sorry

	steps := []struct {
		name   string
		change func()
		reload bool
		diffed int
		ops    []Op
	}{
		{name: "nothing", diffed: 0},
		{name: "quiescent down", change: func() { sw[0][1].Store(true) }, diffed: 1,
			ops: []Op{{Kind: UpdateReal, Service: bare(svcs[0]), Real: withWeight(real(0, 1), 0)}}},
		{name: "quiescent up", change: func() { sw[0][1].Store(false) }, diffed: 1,
			ops: []Op{{Kind: UpdateReal, Service: bare(svcs[0]), Real: real(0, 1)}}},
		{name: "down, removed", change: func() { sw[5][2].Store(true) }, diffed: 1,
			ops: []Op{{Kind: DelReal, Service: bare(svcs[5]), Real: real(5, 2)}}},
		{name: "two services at once", change: func() { sw[5][2].Store(false); sw[1][0].Store(true) }, diffed: 2,
			ops: []Op{{Kind: UpdateReal, Service: bare(svcs[1]), Real: withWeight(real(1, 0), 0)},
				{Kind: AddReal, Service: bare(svcs[5]), Real: real(5, 2)}}},
		{name: "all down, sorry server in", change: func() {
			for _, s := range sw[2] {
				s.Store(true)
			}
		}, diffed: 1, ops: []Op{
			{Kind: DelReal, Service: bare(svcs[2]), Real: real(2, 0)}, {Kind: DelReal, Service: bare(svcs[2]), Real: real(2, 1)},
			{Kind: DelReal, Service: bare(svcs[2]), Real: real(2, 2)}, {Kind: DelReal, Service: bare(svcs[2]), Real: real(2, 3)},
			{Kind: AddReal, Service: bare(svcs[2]), Real: sorry}}},
		{name: "one up, sorry server out", change: func() { sw[2][3].Store(false) }, diffed: 1, ops: []Op{
			{Kind: DelReal, Service: bare(svcs[2]), Real: sorry}, {Kind: AddReal, Service: bare(svcs[2]), Real: real(2, 3)}}},
		{name: "reload, same table", reload: true, diffed: 0},
		{name: "reload, one weight, one service added, one removed", reload: true, change: func() {
			// a new table, as a reload builds: the Manager keeps the last one
			svcs = slices.Clone(svcs)
			svcs[7].Reals = slices.Clone(svcs[7].Reals)
			svcs[7].Reals[0].Weight = 5
			svcs[9] = Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 20000)}, Reals: []Real{{Addr: ap(realIP(11), 20000), Weight: 1}}}
		}, diffed: 2, ops: []Op{
			{Kind: DelService, Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 10)}, Scheduler: WLC}},
			{Kind: UpdateReal, Service: bare(svcs[7]), Real: withWeight(real(7, 0), 5)},
			{Kind: AddService, Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 20000)}, Scheduler: WLC}},
			{Kind: AddReal, Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 20000)}, Scheduler: WLC}, Real: Real{Addr: ap(realIP(11), 20000), Weight: 1}}}},
	}
	for _, st := range steps {
		k.takeReads()
		k.takeWrites()
		if st.change != nil {
			st.change()
		}
		var res Result
		if st.reload {
			if err := m.Configure(svcs, Timeouts{}, time.Hour); err != nil {
				t.Fatal(err)
			}
			res = m.reconcile()
		} else {
			res = tick()
		}
		reads, writes := k.takeReads(), k.takeWrites()
		if res.Diffed != st.diffed || reads != 0 || writes != len(st.ops) || fmt.Sprint(res.Ops) != fmt.Sprint(st.ops) {
			t.Errorf("%s: diffed %d services, %d reads, %d writes, ops %v; want %d diffed, no reads, ops %v",
				st.name, res.Diffed, reads, writes, res.Ops, st.diffed, st.ops)
		}
		if crossCheck != nil {
			crossCheck(t, st.name)
		}
	}
	checkTable(t, k, Adjust(mustNormalize(t, svcs), m.health.Up))
	if st := m.Status(); st.Reals != services*reals-3 || st.RealsUp != services*reals-3-4 || len(st.DownRealsNamed) != 4 {
		t.Errorf("status: %d reals, %d up, down %v", st.Reals, st.RealsUp, st.DownRealsNamed)
	}

	// Drift: someone deletes a real server. Health passes do not see it;
	// the resync reads everything back and repairs it with one write.
	if err := mk.DelDestination(toMoby(svcs[100]), destToMoby(real(100, 0), false)); err != nil {
		t.Fatal(err)
	}
	if res := tick(); len(res.Ops) != 0 {
		t.Errorf("a health pass repaired drift: %v", res.Ops)
	}
	k.takeReads()
	k.takeWrites()
	m.rec.Resync()
	res := m.reconcile()
	if reads, writes := k.takeReads(), k.takeWrites(); res.Diffed != services || reads == 0 || writes != 1 || res.Count(AddReal) != 1 {
		t.Errorf("resync: diffed %d, %d reads, %d writes, ops %v; want everything read and the one real added back", res.Diffed, reads, writes, res.Ops)
	}
	checkTable(t, mk, Adjust(mustNormalize(t, svcs), m.health.Up))
	if crossCheck != nil {
		crossCheck(t, "resync")
	}
}

func withWeight(r Real, w int) Real {
	r.Weight = w
	r.Check = nil
	return r
}

func mustNormalize(t *testing.T, s []Service) []Service {
	t.Helper()
	n, err := Normalize(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
