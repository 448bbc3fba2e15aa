package ipvs

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

// listBinEnv names the hadirector binary BenchmarkInGuestScale lists the
// table with (bench/ipvs puts one in the guest); without it, the listing
// runs in the benchmark's process.
const listBinEnv = "HADIRECTOR_BIN"

// writeTimes is a Kernel that reports when each write of a real server
// returned.
type writeTimes struct {
	Kernel
	wrote chan time.Time
}

func (w *writeTimes) UpdateDestination(s *ipvs.Service, d *ipvs.Destination) error {
	err := w.Kernel.UpdateDestination(s, d)
	w.wrote <- time.Now()
	return err
}

func (w *writeTimes) NewDestination(s *ipvs.Service, d *ipvs.Destination) error {
	err := w.Kernel.NewDestination(s, d)
	w.wrote <- time.Now()
	return err
}

func (w *writeTimes) DelDestination(s *ipvs.Service, d *ipvs.Destination) error {
	err := w.Kernel.DelDestination(s, d)
	w.wrote <- time.Now()
	return err
}

// timedSwitch is a switchCheck that notes when it first failed after being
// switched down.
type timedSwitch struct {
	down     atomic.Bool
	failedAt atomic.Int64 // unix ns; 0 until the first failure
}

func (c *timedSwitch) Check(context.Context) error {
	if !c.down.Load() {
		return nil
	}
	c.failedAt.CompareAndSwap(0, time.Now().UnixNano())
	return fmt.Errorf("switched down")
}

func (c *timedSwitch) set(down bool) { c.failedAt.Store(0); c.down.Store(down) }

// spread reports min, median and max.
func spread(b *testing.B, name string, d []time.Duration) {
	slices.Sort(d)
	b.ReportMetric(d[0].Seconds(), name+"-min-s")
	b.ReportMetric(d[len(d)/2].Seconds(), name+"-med-s")
	b.ReportMetric(d[len(d)-1].Seconds(), name+"-max-s")
	b.Logf("%s: %v", name, d)
}

// BenchmarkInGuestScale runs, on the 10,000 x 10 table programmed by a
// Manager with 101 checked real servers (interval 1 s, fall 1, rise 1),
// five rounds of, alternately:
//   - flap: one real server fails its check; the time from that check's
//     failure to the kernel's write of weight 0, then one ipvsadm -e of
//     the same real server;
//   - down100: 100 real servers (10 quiescent services) switched down at
//     once; the time until all 100 are at weight 0 in the kernel, and from
//     the last failed check to the last write;
//   - list: hadirector ipvs list -n, then ipvsadm -Ln, of the whole table.
//
// Run it with -benchtime=1x: loading the table takes a minute under TCG.
func BenchmarkInGuestScale(b *testing.B) {
	k := ipvsGuestKernel(b)
	const services, reals, rounds = 10_000, 10, 5
	table := benchTable(services, reals)
	pol := Policy{Interval: time.Second, Timeout: time.Second}
	flapper := &timedSwitch{}
	flapSvc, flapReal := table[services/2], table[services/2].Reals[reals/2]
	table[services/2].Quiescent = true // down is one weight update, as ipvsadm -e's
	table[services/2].Reals[reals/2].Check = &HealthCheck{Checker: flapper, Policy: pol}
	var hundred []*timedSwitch
	for i := range 10 {
		table[i].Quiescent = true
		for j := range table[i].Reals {
			s := &timedSwitch{}
			hundred = append(hundred, s)
			table[i].Reals[j].Check = &HealthCheck{Checker: s, Policy: pol}
		}
	}
	wk := &writeTimes{Kernel: k, wrote: make(chan time.Time, 200_000)} // the load's writes too
	m := NewManager(wk, nil, nil)
	passes := make(chan ManagerStatus, 1) // the first pass, loading the table
	m.reconciled = func(st ManagerStatus) {
		select {
		case passes <- st:
		default:
		}
	}
	if err := m.Configure(table, Timeouts{}, time.Hour); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	start := time.Now()
	go func() { done <- m.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		<-done
		ipvsGuestTry("ipvsadm", "-C")
	})
	if st := <-passes; st.Failures != 0 {
		b.Fatalf("loading: %s", st.LastError)
	}
	for len(wk.wrote) > 0 { // the load's
		<-wk.wrote
	}
	fmt.Printf("loaded %d services x %d reals through the Manager in %v\n", services, reals, time.Since(start)) // b.Logf waits for the end

	var flap, flapAdm, down, downTail, list, listAdm []time.Duration
	for round := range rounds {
		// flap: down and back up; the down write is timed.
		flapper.set(true)
		w := <-wk.wrote
		flap = append(flap, w.Sub(time.Unix(0, flapper.failedAt.Load())))
		flapper.set(false)
		<-wk.wrote

		t := time.Now()
		ipvsGuestRun(b, "ipvsadm", "-e", "-t", flapSvc.Key.Addr.String(), "-r", flapReal.Addr.String(), "-g", "-w", fmt.Sprint(2+round%2))
		flapAdm = append(flapAdm, time.Since(t))

		t = time.Now()
		for _, s := range hundred {
			s.set(true)
		}
		var last time.Time
		for range hundred {
			last = <-wk.wrote
		}
		down = append(down, last.Sub(t))
		var lastFail int64
		for _, s := range hundred {
			lastFail = max(lastFail, s.failedAt.Load())
		}
		downTail = append(downTail, last.Sub(time.Unix(0, lastFail)))
		for _, s := range hundred {
			s.set(false)
		}
		for range hundred {
			<-wk.wrote
		}

		t = time.Now()
		listAll(b, k)
		list = append(list, time.Since(t))
		t = time.Now()
		ipvsGuestRun(b, "ipvsadm", "-Ln")
		listAdm = append(listAdm, time.Since(t))
		fmt.Printf("round %d: flap %v, ipvsadm -e %v, 100 down %v (tail %v), list %v, ipvsadm -Ln %v\n", round+1,
			flap[round], flapAdm[round], down[round], downTail[round], list[round], listAdm[round]) // now, not at the end
	}
	spread(b, "flap", flap)
	spread(b, "flap-ipvsadm-e", flapAdm)
	spread(b, "down100", down)
	spread(b, "down100-tail", downTail)
	spread(b, "list", list)
	spread(b, "list-ipvsadm-Ln", listAdm)
}

type discardCount int

func (d *discardCount) Write(p []byte) (int, error) { *d += discardCount(len(p)); return len(p), nil }
