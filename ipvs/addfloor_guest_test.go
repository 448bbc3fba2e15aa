package ipvs

import (
	"testing"

	"github.com/moby/ipvs"
	"golang.org/x/sys/unix"
)

// BenchmarkInGuestAddFloor is the kernel's own cost of the from-empty load
// of BenchmarkInGuestReconcile/FromEmpty: the same 110,000 adds, sent over
// the package's generic netlink socket with nothing else in the way, one
// acknowledged request a send ("one") or 64 to a send ("batched"). A writer
// that goes through netlink programs the table no faster than this. The
// table is then reconciled, which must find nothing to do. Run each in a
// guest of its own (bench/ipvs -fresh): see BenchmarkInGuestReconcile.
func BenchmarkInGuestAddFloor(b *testing.B) {
	for _, tc := range []struct {
		name  string
		batch int
	}{{"one", 1}, {"batched", 64}} {
		b.Run(tc.name, func(b *testing.B) {
			k := ipvsGuestKernel(b)
			table := benchTable(10_000, 10)
			for b.Loop() {
				addAll(b, k.g, table, tc.batch)
				b.StopTimer()
				res, err := NewReconciler(k, nil).Reconcile(table)
				if err != nil || len(res.Ops) != 0 {
					b.Fatalf("after the adds: %v, %d operations left to do", err, len(res.Ops))
				}
				b.StartTimer()
			}
		})
	}
}

// addAll adds table's IPv4 services and their real servers, encoded as
// Netlink encodes them, batch requests to a send, and waits for every
// acknowledgement.
func addAll(b *testing.B, g *genlConn, table []Service, batch int) {
	fd := g.sock.GetFd()
	var req []byte
	var seq uint32
	pending := 0
	flush := func() {
		if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
			b.Fatal(err)
		}
		for pending > 0 {
			n, _, err := unix.Recvfrom(fd, g.buf, 0)
			if err != nil {
				b.Fatal(err)
			}
			for p := g.buf[:n]; len(p) > 0; {
				l := int(ne.Uint32(p))
				if len(p) < nlmsgHdrLen+4 || l < nlmsgHdrLen+4 || l > len(p) {
					b.Fatalf("malformed reply % x", p)
				}
				if ne.Uint16(p[4:]) == nlmsgErrorType {
					if e := int32(ne.Uint32(p[nlmsgHdrLen:])); e != 0 {
						b.Fatalf("request %d: %v", ne.Uint32(p[8:]), unix.Errno(-e))
					}
					pending--
				}
				p = p[min(align4(l), len(p)):]
			}
		}
		req = req[:0]
	}
	add := func(cmd uint8, s *ipvs.Service, d *ipvs.Destination) {
		seq++
		req = marshalWrite(req, g.family, seq, cmd, s, d)
		if pending++; pending >= batch {
			flush()
		}
	}
	for _, s := range table {
		ms := toMoby(s)
		add(cmdNewService, ms, nil)
		for _, r := range s.Reals {
			add(cmdNewDest, ms, destToMoby(r, false))
		}
	}
	if pending > 0 {
		flush()
	}
}
