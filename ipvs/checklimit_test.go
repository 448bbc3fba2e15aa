package ipvs

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"
)

func TestInflightLimit(t *testing.T) {
	const timeout = time.Second
	fast, slow := 10*time.Millisecond, 600*time.Millisecond
	late := fmt.Errorf("tcp check: %w", errTakenLate)
	onTime := fmt.Errorf("tcp check: %w", context.DeadlineExceeded)
	refused := fmt.Errorf("tcp check: %w", syscall.ECONNREFUSED)
	type step struct {
		at   time.Duration // since t0
		took time.Duration
		err  error
		want int
	}
	for _, tt := range []struct {
		name  string
		steps []step
	}{
		{"fast checks keep it at the top", []step{{0, fast, nil, maxParallelChecks}}},
		{"a slow success halves it, once a second", []step{
			{0, slow, nil, 512}, {500 * time.Millisecond, slow, nil, 512}, {time.Second, slow, nil, 256},
		}},
		{"a timeout taken late halves it", []step{{0, timeout, late, 512}}},
		{"a timeout on schedule or a refusal leaves it", []step{
			{0, timeout, onTime, maxParallelChecks}, {time.Second, fast, refused, maxParallelChecks},
		}},
		{"fast successes raise it by one", []step{
			{0, slow, nil, 512}, {time.Millisecond, fast, nil, 513}, {2 * time.Millisecond, timeout / 2, nil, 514},
		}},
		{"it stops at the floor", []step{
			{0, slow, nil, 512}, {1 * time.Second, slow, nil, 256}, {2 * time.Second, slow, nil, 128},
			{3 * time.Second, slow, nil, 64}, {4 * time.Second, slow, nil, 32}, {5 * time.Second, slow, nil, minParallelChecks},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newInflightLimit()
			for i, s := range tt.steps {
				l.ended(s.took, timeout, s.err, t0.Add(s.at))
				if l.n != s.want {
					t.Fatalf("step %d (took %v, err %v): limit %d, want %d", i, s.took, s.err, l.n, s.want)
				}
			}
		})
	}
}

// stepClock is a clock that moves on by step each time it is read.
type stepClock struct {
	fakeClock
	step time.Duration
}

func (c *stepClock) Now() time.Time { return t0.Add(time.Duration(c.now.Add(int64(c.step)))) }

// Run halves the limit when a TCP check to a healthy server takes over half
// its timeout by the checker's clock, as a starved checker sees it.
func TestHealthRunCutsLimit(t *testing.T) {
	open, _ := listen(t)
	pol := Policy{Interval: time.Hour, Timeout: time.Second, StartDown: true}
	svcs := []Service{{Key: tcp80, Reals: []Real{{Addr: open, Weight: 1, Check: &HealthCheck{Checker: TCPCheck{Addr: open}, Policy: pol}}}}}
	h := newHealthNoPhase()
	if err := h.Configure(svcs); err != nil {
		t.Fatal(err)
	}
	clk := &stepClock{fakeClock{waits: make(chan fakeWait, 10)}, 600 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	changes := make(chan []Transition, 1)
	done := make(chan error)
	go func() { done <- h.Run(ctx, clk, func(tr []Transition) { changes <- tr }) }()
	if tr := <-changes; len(tr) != 1 || !tr[0].Up {
		t.Errorf("transitions %+v, want the server up", tr)
	}
	if st := h.Stats(); st.Limit != maxParallelChecks/2 {
		t.Errorf("limit %d after a check that took 600 ms of 1 s, want %d", st.Limit, maxParallelChecks/2)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
