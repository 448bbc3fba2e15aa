package router

import (
	"errors"
	"net/netip"
	"strconv"
	"testing"

	"github.com/hadirector/hadirector/vrrp"
)

// sizesTx records the size of each SendBatch call, and fails the call at
// index failAt (counted over all messages) once.
type sizesTx struct {
	sizes  []int
	total  int
	failAt int
}

func (s *sizesTx) Send([]byte, netip.Addr, netip.Addr) error { return errors.New("unbatched send") }
func (s *sizesTx) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	s.sizes = append(s.sizes, len(msgs))
	if s.failAt >= s.total && s.failAt < s.total+len(msgs) {
		n := s.failAt - s.total
		s.total += n + 1
		s.failAt = -1
		return n, errors.New("no buffer space")
	}
	s.total += len(msgs)
	return len(msgs), nil
}

func TestBatchBoundsEachSend(t *testing.T) {
	sa, sb := &sizesTx{failAt: -1}, &sizesTx{failAt: 100}
	a, b := &testLink{testDeps{Tx: sa}}, &testLink{testDeps{Tx: sb}}
	insts := make([]*Instance, 300)
	for k := range insts {
		insts[k] = newTestInstance(ownerConfig(), testDeps{})
	}
	var out batch
	for round := 0; round < 2; round++ {
		for k, inst := range insts {
			tx := Link(a)
			if k%2 == 1 {
				tx = b
			}
			out.add(tx, inst, vrrp.Outgoing{B: []byte{1}, Dst: vrrp.Group})
		}
		if out.n != 2 || out.queues[0].tx != Link(a) || out.queues[1].tx != Link(b) {
			t.Fatalf("round %d: %d senders in the round, want a then b, each once", round, out.n)
		}
		out.flush()
	}
	for _, s := range []*sizesTx{sa, sb} {
		sum := 0
		for _, n := range s.sizes {
			if n > maxBatch || n == 0 {
				t.Errorf("a SendBatch of %d messages; want 1..%d", n, maxBatch)
			}
			sum += n
		}
		if sum < 300 {
			t.Errorf("senders were given %d messages over two rounds of 150, want 300 or more", sum)
		}
	}
	var sent, failed uint64
	for _, inst := range insts {
		sent += inst.Counters.AdvertsOut.Load()
	}
	failed = 600 - sent
	if failed != 1 {
		t.Errorf("%d adverts counted as not sent, want the 1 that failed", failed)
	}
}

// countTx takes every batch whole.
type countTx struct{ n int }

func (c *countTx) Send([]byte, netip.Addr, netip.Addr) error { c.n++; return nil }
func (c *countTx) SendBatch(msgs []vrrp.Outgoing) (int, error) {
	c.n += len(msgs)
	return len(msgs), nil
}

// BenchmarkBatchRound is one scheduler round's batch: each instance's
// advert queued to its link's sender, then sent.
func BenchmarkBatchRound(b *testing.B) {
	for _, n := range []int{1, 1000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var txs []Link
			for range 4 {
				txs = append(txs, &testLink{testDeps{Tx: &countTx{}}})
			}
			insts := make([]*Instance, n)
			for k := range insts {
				insts[k] = newTestInstance(ownerConfig(), testDeps{})
			}
			var out batch
			msg := vrrp.Outgoing{B: []byte{1}, Dst: vrrp.Group}
			b.ReportAllocs()
			for b.Loop() {
				for k, inst := range insts {
					out.add(txs[k%len(txs)], inst, msg)
				}
				out.flush()
			}
		})
	}
}
