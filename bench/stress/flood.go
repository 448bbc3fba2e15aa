package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/vrrp"
	"golang.org/x/sys/unix"
)

// flooder sends VRRP packets at a fixed rate from a raw socket opened in
// another namespace: every other one a foreign VRID with a good checksum,
// the rest our VRID 1 with a bad one.
type flooder struct {
	sent  atomic.Uint64
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup
	fd    int
}

func startFlood(ns, ifname string, pps int) (*flooder, error) {
	fd, err := socketIn(ns, ifname)
	if err != nil {
		return nil, err
	}
	src := netip.MustParseAddr("192.0.2.3")
	dst := netip.MustParseAddr("224.0.0.18")
	var pkts [][]byte
	for k := 0; k < 64; k++ {
		p := vrrp.Packet{Version: 3, Type: 1, VRID: uint8(100 + k), Priority: 200, AdvertInterval: interval,
			Addrs: []netip.Addr{netip.MustParseAddr("198.51.100.1")}}
		if k%2 == 1 {
			p.VRID = 1
		}
		b, err := p.Marshal(src, dst)
		if err != nil {
			return nil, err
		}
		if k%2 == 1 {
			b[6] ^= 0xff // break the checksum
		}
		pkts = append(pkts, ipv4(src, dst, b))
	}
	f := &flooder{start: time.Now(), done: make(chan struct{}), fd: fd}
	sa := &unix.SockaddrInet4{Addr: dst.As4()}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-f.done:
				return
			case <-tick.C:
			}
			due := uint64(time.Since(f.start).Seconds() * float64(pps))
			for n := f.sent.Load(); n < due; n++ {
				if err := unix.Sendto(fd, pkts[n%uint64(len(pkts))], 0, sa); err != nil && err != unix.ENOBUFS {
					return
				}
				f.sent.Add(1)
			}
		}
	}()
	return f, nil
}

func (f *flooder) rate() float64 { return float64(f.sent.Load()) / time.Since(f.start).Seconds() }

func (f *flooder) stop() {
	close(f.done)
	f.wg.Wait()
	unix.Close(f.fd)
}

// socketIn opens a raw IP socket (we write the IP header) bound to ifname
// in the namespace ns.
func socketIn(ns, ifname string) (int, error) {
	fd := -1
	err := nsenter.Do(nsenter.Path(ns), func() (err error) {
		fd, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW)
		if err != nil {
			return err
		}
		if err := unix.BindToDevice(fd, ifname); err != nil {
			unix.Close(fd)
			fd = -1
			return fmt.Errorf("bind to %s: %w", ifname, err)
		}
		return nil
	})
	return fd, err
}

// ipv4 puts an IPv4 header (TTL 255, TOS 0xc0, protocol 112) before b; the
// kernel fills in the header checksum.
func ipv4(src, dst netip.Addr, b []byte) []byte {
	h := make([]byte, 20, 20+len(b))
	h[0], h[1] = 0x45, 0xc0
	binary.BigEndian.PutUint16(h[2:], uint16(20+len(b)))
	h[8], h[9] = 255, 112
	s, d := src.As4(), dst.As4()
	copy(h[12:], s[:])
	copy(h[16:], d[:])
	return append(h, b...)
}
