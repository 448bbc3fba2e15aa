package vrrp

import (
	"container/heap"
	"net/netip"
	"testing"
	"time"
)

// A discrete-event simulation of several routers on one link: adverts take
// latency to arrive, the clock is virtual, a node may be cut off or stopped.

type simNode struct {
	m       Machine
	up      bool // running
	cut     bool // link down: sends and hears nothing
	history []Action
}

type simMsg struct {
	at   time.Time
	to   int
	ev   Event
	from int
	seq  int
}

type msgQueue []simMsg

func (q msgQueue) Len() int { return len(q) }
func (q msgQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q msgQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *msgQueue) Push(x any)   { *q = append(*q, x.(simMsg)) }
func (q *msgQueue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

type sim struct {
	t       *testing.T
	now     time.Time
	nodes   []*simNode
	q       msgQueue
	seq     int
	latency time.Duration
}

func newSim(t *testing.T, ps ...Params) *sim {
	s := &sim{t: t, now: t0, latency: time.Millisecond}
	for _, p := range ps {
		s.nodes = append(s.nodes, &simNode{m: NewMachine(p)})
	}
	return s
}

func (s *sim) apply(i int, ev Event) {
	n := s.nodes[i]
	var as []Action
	n.m, as = Step(n.m, ev, s.now)
	n.history = append(n.history, as...)
	for _, a := range as {
		if a.Kind != ActSendAdvert || n.cut {
			continue
		}
		for j, o := range s.nodes {
			if j == i || o.cut {
				continue
			}
			s.seq++
			heap.Push(&s.q, simMsg{at: s.now.Add(s.latency), to: j, from: i, seq: s.seq,
				ev: Event{Kind: EvAdvert, Src: n.m.Primary, Priority: a.Priority, Interval: n.m.AdvertInterval}})
		}
	}
}

func (s *sim) start(i int) { s.nodes[i].up = true; s.apply(i, Event{Kind: EvStartup}) }
func (s *sim) stop(i int)  { s.apply(i, Event{Kind: EvShutdown}); s.nodes[i].up = false }

// crash stops a node without a shutdown advert (SIGKILL).
func (s *sim) crash(i int) { s.nodes[i].up = false; s.nodes[i].m = NewMachine(s.nodes[i].m.Params) }

// run advances the virtual clock by d, delivering adverts and timers in order.
func (s *sim) run(d time.Duration) {
	end := s.now.Add(d)
	for {
		next, who := end, -1
		for i, n := range s.nodes {
			if dl := n.m.NextDeadline(); n.up && !dl.IsZero() && dl.Before(next) {
				next, who = dl, i
			}
		}
		if len(s.q) > 0 && !s.q[0].at.After(next) {
			msg := heap.Pop(&s.q).(simMsg)
			s.now = msg.at
			if n := s.nodes[msg.to]; n.up && !n.cut && !s.nodes[msg.from].cut {
				s.apply(msg.to, msg.ev)
			}
			continue
		}
		if who < 0 {
			s.now = end
			return
		}
		s.now = next
		s.apply(who, Event{Kind: EvTimer})
	}
}

func (s *sim) masters() []int {
	var ms []int
	for i, n := range s.nodes {
		if n.up && n.m.State == Master {
			ms = append(ms, i)
		}
	}
	return ms
}

func (s *sim) wantMaster(i int) {
	s.t.Helper()
	ms := s.masters()
	if len(ms) != 1 || ms[0] != i {
		s.t.Fatalf("at %v masters %v, want exactly [%d]", s.now.Sub(t0), ms, i)
	}
}

func pp(prio uint8, addr string, iv time.Duration) Params {
	return Params{Version: 3, Priority: prio, AdvertInterval: iv, Preempt: true, Primary: netip.MustParseAddr(addr)}
}

func TestSimElectionAndFailover(t *testing.T) {
	for _, iv := range []time.Duration{time.Second, 100 * time.Millisecond} {
		s := newSim(t, pp(150, "192.0.2.11", iv), pp(100, "192.0.2.12", iv), pp(50, "192.0.2.13", iv))
		s.start(0)
		s.start(1)
		s.start(2)
		s.run(MasterDownInterval(3, 150, iv) + iv/2)
		s.wantMaster(0)
		s.run(20 * iv)
		s.wantMaster(0)

		// Hard failover: the master crashes; the next priority takes over
		// after its Master_Down_Interval, not the lowest.
		s.crash(0)
		s.run(MasterDownInterval(3, 100, iv) + 2*s.latency)
		s.wantMaster(1)

		// It comes back and preempts.
		s.start(0)
		s.run(MasterDownInterval(3, 150, iv) + iv)
		s.wantMaster(0)

		// Graceful: priority 0 lets the backup in after its skew time.
		s.stop(0)
		s.run(SkewTime(3, 100, iv) + 2*s.latency)
		s.wantMaster(1)
		if r := lastReason(s.nodes[1]); r != ReasonReleased {
			t.Errorf("graceful takeover reason %q, want %q", r, ReasonReleased)
		}
	}
}

func lastReason(n *simNode) string {
	for i := len(n.history) - 1; i >= 0; i-- {
		if n.history[i].Kind == ActTransition {
			return n.history[i].Reason
		}
	}
	return ""
}

func TestSimTieBreakAndPartition(t *testing.T) {
	s := newSim(t, pp(100, "192.0.2.11", time.Second), pp(100, "192.0.2.12", time.Second))
	s.start(0)
	s.start(1)
	s.run(10 * time.Second)
	s.wantMaster(1) // higher primary address wins a tie

	// Partition: both become master; heal: exactly one remains, the winner.
	s.nodes[1].cut = true
	s.run(5 * time.Second)
	if len(s.masters()) != 2 {
		t.Fatalf("partitioned: masters %v, want both", s.masters())
	}
	s.nodes[1].cut = false
	s.run(2 * time.Second)
	s.wantMaster(1)
}

func TestSimPartitionHealLowerPriorityYieldsAtOnce(t *testing.T) {
	// The winner answers the loser's advert at once, so the loser yields
	// within one latency of its first advert after the heal.
	s := newSim(t, pp(200, "192.0.2.11", time.Second), pp(100, "192.0.2.12", time.Second))
	s.start(0)
	s.start(1)
	s.run(5 * time.Second)
	s.nodes[0].cut = true
	s.run(5 * time.Second)
	if len(s.masters()) != 2 {
		t.Fatalf("masters %v, want both", s.masters())
	}
	s.nodes[0].cut = false
	s.run(time.Second + 3*s.latency)
	s.wantMaster(0)
	announced := 0
	for _, a := range s.nodes[0].history {
		if a.Kind == ActAnnounce {
			announced++
		}
	}
	if announced < 2 {
		t.Errorf("winner announced %d times, want a re-announce after the heal", announced)
	}
}

func TestSimNoPreempt(t *testing.T) {
	a, b := pp(200, "192.0.2.11", time.Second), pp(100, "192.0.2.12", time.Second)
	a.Preempt = false
	s := newSim(t, a, b)
	s.start(1)
	s.run(5 * time.Second)
	s.wantMaster(1)
	s.start(0)
	s.run(30 * time.Second)
	s.wantMaster(1) // the higher priority does not preempt
}

func TestSimPreemptDelay(t *testing.T) {
	a, b := pp(200, "192.0.2.11", time.Second), pp(100, "192.0.2.12", time.Second)
	a.PreemptDelay = 10 * time.Second
	s := newSim(t, a, b)
	s.start(1)
	s.run(5 * time.Second)
	s.wantMaster(1)
	s.start(0)
	s.run(9 * time.Second)
	s.wantMaster(1)
	s.run(1*time.Second + MasterDownInterval(3, 200, time.Second) + time.Second)
	s.wantMaster(0)
}

// A planned step-down is make-before-break: at every instant at least one
// router holds the VIPs, and the old master does not preempt back until
// resumed.
func TestSimStepDownMakeBeforeBreak(t *testing.T) {
	for _, iv := range []time.Duration{time.Second, 100 * time.Millisecond} {
		s := newSim(t, pp(150, "192.0.2.11", iv), pp(100, "192.0.2.12", iv))
		s.start(0)
		s.start(1)
		s.run(5 * iv)
		s.wantMaster(0)
		s.apply(0, Event{Kind: EvStepDown})
		// Walk in small steps: someone must always hold the VIPs.
		for range 100 {
			s.run(iv / 10)
			if !holdsVIPs(s.nodes[0]) && !holdsVIPs(s.nodes[1]) {
				t.Fatalf("at %v nobody holds the VIPs", s.now.Sub(t0))
			}
		}
		s.wantMaster(1)
		if r := lastReason(s.nodes[0]); r != ReasonStepDown {
			t.Errorf("old master left for %q, want %q", r, ReasonStepDown)
		}
		s.apply(0, Event{Kind: EvResume})
		s.run(MasterDownInterval(3, 150, iv) + 2*iv)
		s.wantMaster(0)
	}
}

// holdsVIPs replays a node's actions: are its VIPs on the interface now?
func holdsVIPs(n *simNode) bool {
	held := false
	for _, a := range n.history {
		switch a.Kind {
		case ActAddVIPs:
			held = true
		case ActRemoveVIPs:
			held = false
		}
	}
	return held
}

// An IPv6 instance's primary address is its link-local one (RFC 5798 6.4.3):
// on equal priority the higher link-local address wins, and keeps winning
// after a partition heals.
func TestSimTieBreakIPv6LinkLocal(t *testing.T) {
	s := newSim(t, pp(100, "fe80::ff:fe00:12", time.Second), pp(100, "fe80::ff:fe00:11", time.Second))
	s.start(0)
	s.start(1)
	s.run(10 * time.Second)
	s.wantMaster(0)
	s.nodes[0].cut = true
	s.run(5 * time.Second)
	s.nodes[0].cut = false
	s.run(2 * time.Second)
	s.wantMaster(0)
}
