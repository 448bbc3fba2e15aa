package ipvs

import (
	"testing"
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
