package ipvs

import (
	"encoding/binary"
	"testing"

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

// addAll adds table's IPv4 TCP services and their DR real servers, batch
// requests to a send, and waits for every acknowledgement.
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
	add := func(cmd uint8, s Service, r *Real) {
		seq++
		req = marshalAdd(req, g.family, seq, cmd, s, r)
		if pending++; pending >= batch {
			flush()
		}
	}
	for _, s := range table {
		add(1, s, nil) // IPVS_CMD_NEW_SERVICE
		for i := range s.Reals {
			add(5, s, &s.Reals[i]) // IPVS_CMD_NEW_DEST
		}
	}
	if pending > 0 {
		flush()
	}
}

// marshalAdd appends an acknowledged request cmd for IPv4 TCP service s
// (with its scheduler, when r is nil) or its DR real server r.
func marshalAdd(b []byte, family uint16, seq uint32, cmd uint8, s Service, r *Real) []byte {
	start := len(b)
	b = ne.AppendUint32(b, 0) // length, set below
	b = ne.AppendUint16(b, family)
	b = ne.AppendUint16(b, nlmFRequest|unix.NLM_F_ACK)
	b = ne.AppendUint32(b, seq)
	b = ne.AppendUint32(b, 0)
	b = append(b, cmd, genlVersion, 0, 0)
	in := appendServiceKey(nil, toMoby(s))
	if r == nil {
		in = appendAttr(in, svcAttrSched, append([]byte(s.Scheduler), 0))
		in = appendAttr(in, svcAttrFlags, make([]byte, 8)) // struct ip_vs_flags: none set
		in = appendAttr(in, svcAttrTimeout, ne.AppendUint32(nil, 0))
		in = appendAttr(in, svcAttrNetmask, ne.AppendUint32(nil, 0xffffffff))
	}
	b = appendAttr(b, cmdAttrService|nlaFNested, in)
	if r != nil {
		var d []byte
		a := r.Addr.Addr().As4()
		d = appendAttr(d, dstAttrAddr, append(a[:], make([]byte, nfInetAddrBytes-ipv4AddrLen)...))
		d = appendAttr(d, dstAttrPort, binary.BigEndian.AppendUint16(nil, r.Addr.Port()))
		d = appendAttr(d, dstAttrFwd, ne.AppendUint32(nil, 3)) // IP_VS_CONN_F_DROUTE
		d = appendAttr(d, dstAttrWeight, ne.AppendUint32(nil, uint32(r.Weight)))
		d = appendAttr(d, dstAttrUThresh, ne.AppendUint32(nil, 0))
		d = appendAttr(d, dstAttrLThresh, ne.AppendUint32(nil, 0))
		b = appendAttr(b, cmdAttrDest|nlaFNested, d)
	}
	ne.PutUint32(b[start:], uint32(len(b)-start))
	return b
}
