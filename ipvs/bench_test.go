package ipvs

import (
	"runtime"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

// benchTable returns n TCP services (192.0.2.10, ports 1..n), each with
// reals DR real servers from 198.51.100.11 up.
func benchTable(n, reals int) []Service {
	out := make([]Service, n)
	for i := range out {
		s := Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, uint16(i+1))}, Scheduler: WLC, Reals: make([]Real, reals)}
		for j := range s.Reals {
			s.Reals[j] = Real{Addr: ap(realIP(byte(j+11)), uint16(i+1)), Weight: 1}
		}
		out[i] = s
	}
	return out
}

// BenchmarkReconcile measures reconciliation against the in-memory kernel:
// 10,000 services of 10 real servers each programmed from empty, and one
// real server's weight changed in that table. writes/op counts the netlink
// requests that change the table; reads/op the listing requests.
func BenchmarkReconcile(b *testing.B) {
	const services, reals = 10_000, 10
	table := benchTable(services, reals)

	b.Run("FromEmpty", func(b *testing.B) {
		var writes, reads int
		for b.Loop() {
			m := newMemKernel()
			if _, err := NewReconciler(m, nil).Reconcile(table); err != nil {
				b.Fatal(err)
			}
			c := m.Counts()
			writes += c.Writes()
			reads += c.Reads()
		}
		b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
		b.ReportMetric(float64(reads)/float64(b.N), "reads/op")
		if writes != b.N*services*(reals+1) {
			b.Errorf("%d writes in %d runs, want %d per run", writes, b.N, services*(reals+1))
		}
	})

	// The Go side of the from-empty load alone: the plan, and each
	// request encoded as Netlink sends it, to a kernel that takes them.
	b.Run("FromEmptyEncodedOnly", func(b *testing.B) {
		for b.Loop() {
			if _, err := NewReconciler(&encodingKernel{}, nil).Reconcile(table); err != nil {
				b.Fatal(err)
			}
		}
	})

	b.Run("OneRealChanged", func(b *testing.B) {
		m := newMemKernel()
		r := NewReconciler(m, nil)
		if _, err := r.Reconcile(table); err != nil {
			b.Fatal(err)
		}
		m.ResetCounts()
		n := 0
		for b.Loop() {
			n++
			table[services/2].Reals[reals/2].Weight = 1 + n%2
			if _, err := r.Reconcile(table); err != nil {
				b.Fatal(err)
			}
		}
		c := m.Counts()
		b.ReportMetric(float64(c.Writes())/float64(b.N), "writes/op")
		b.ReportMetric(float64(c.Reads())/float64(b.N), "reads/op")
		if c.Writes() != b.N || c.UpdateDestination != b.N {
			b.Errorf("%d writes (%d UpdateDestination) in %d runs, want one UpdateDestination each", c.Writes(), c.UpdateDestination, b.N)
		}
	})
}

// encodingKernel is nullKernel that encodes each write as Netlink would.
type encodingKernel struct {
	nullKernel
	req []byte
}

func (k *encodingKernel) NewService(s *ipvs.Service) error {
	k.req = marshalWrite(k.req[:0], 1, 1, cmdNewService, s, nil)
	return nil
}

func (k *encodingKernel) NewDestination(s *ipvs.Service, d *ipvs.Destination) error {
	k.req = marshalWrite(k.req[:0], 1, 1, cmdNewDest, s, d)
	return nil
}

// nullKernel accepts every change and holds nothing: the heap a Manager
// keeps is measured without a table double beside it.
type nullKernel struct{}

func (nullKernel) GetServices() ([]*ipvs.Service, error)                      { return nil, nil }
func (nullKernel) NewService(*ipvs.Service) error                             { return nil }
func (nullKernel) UpdateService(*ipvs.Service) error                          { return nil }
func (nullKernel) DelService(*ipvs.Service) error                             { return nil }
func (nullKernel) GetDestinations(*ipvs.Service) ([]*ipvs.Destination, error) { return nil, nil }
func (nullKernel) NewDestination(*ipvs.Service, *ipvs.Destination) error      { return nil }
func (nullKernel) UpdateDestination(*ipvs.Service, *ipvs.Destination) error   { return nil }
func (nullKernel) DelDestination(*ipvs.Service, *ipvs.Destination) error      { return nil }
func (nullKernel) GetConfig() (*ipvs.Config, error)                           { return &ipvs.Config{}, nil }
func (nullKernel) SetConfig(*ipvs.Config) error                               { return nil }

// BenchmarkManagerHeap measures the heap a Manager keeps for 10,000
// services of 10 TCP-checked real servers once it has programmed them and
// the caller has dropped its table: live-B/real is what a real server costs
// the daemon (the checker's state, the configuration and the programmed
// table), as the runtime counts it after a collection.
func BenchmarkManagerHeap(b *testing.B) {
	const services, reals = 10_000, 10
	var live uint64
	for b.Loop() {
		b.StopTimer()
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		before := ms.HeapAlloc
		b.StartTimer()
		table := benchTable(services, reals)
		for i := range table {
			for j := range table[i].Reals {
				r := &table[i].Reals[j]
				r.Check = &HealthCheck{Checker: TCPCheck{Addr: r.Addr}, Policy: Policy{Interval: time.Second, Timeout: time.Second}}
			}
		}
		m := NewManager(nullKernel{}, nil, nil)
		if err := m.Configure(table, Timeouts{}, time.Hour); err != nil {
			b.Fatal(err)
		}
		table = nil
		if res := m.reconcile(); res.Applied != services*(reals+1) {
			b.Fatalf("%d operations applied, want %d", res.Applied, services*(reals+1))
		}
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		live += ms.HeapAlloc - before
		runtime.KeepAlive(m)
		b.StartTimer()
	}
	b.ReportMetric(float64(live)/float64(b.N)/(services*reals), "live-B/real")
}
