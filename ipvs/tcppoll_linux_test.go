package ipvs

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// silentPort returns a 127.0.0.1 address whose listener's accept queue is
// full, so that the kernel drops the SYN of any further connection: a
// server that never answers.
func silentPort(t *testing.T) netip.AddrPort {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil { // room for one connection
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(sa.(*unix.SockaddrInet4).Port))
	c, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(c) })
	if err := unix.Connect(c, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}, Port: int(a.Port())}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestTCPPoller(t *testing.T) {
	open, _ := listen(t)
	closed, silent := closedPort(t), silentPort(t)
	out := make(chan checkResult, 10)
	tp, err := newTCPPoller(out)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.close()
	probes := map[netip.AddrPort]*probe{}
	for _, a := range []netip.AddrPort{open, closed, silent} {
		probes[a] = &probe{t: target{real: a}}
		tp.start(probes[a], a, time.Now().Add(300*time.Millisecond))
	}
	got := map[*probe]error{}
	for range 3 {
		r := <-out
		got[r.p] = r.err
	}
	if err := got[probes[open]]; err != nil {
		t.Errorf("open port: %v", err)
	}
	if err := got[probes[closed]]; !errors.Is(err, unix.ECONNREFUSED) || !strings.Contains(err.Error(), closed.String()) {
		t.Errorf("closed port: error %v, want a refusal naming %s", err, closed)
	}
	if err := got[probes[silent]]; !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), silent.String()) {
		t.Errorf("silent port: error %v, want a timeout naming %s", err, silent)
	}
	tp.mu.Lock()
	if len(tp.conns) != 0 || len(tp.byDue) != 0 || !tp.armed.IsZero() {
		t.Errorf("%d sockets, %d deadlines left, deadline %v armed", len(tp.conns), len(tp.byDue), tp.armed)
	}
	tp.mu.Unlock()
	// An earlier deadline than the one armed takes effect: the second check
	// ends first.
	p1, p2 := &probe{}, &probe{}
	tp.start(p1, silent, time.Now().Add(time.Hour))
	tp.start(p2, silent, time.Now().Add(50*time.Millisecond))
	if r := <-out; r.p != p2 || !errors.Is(r.err, context.DeadlineExceeded) {
		t.Errorf("first result %+v, want the 50 ms check timed out", r)
	}
	// Closing cancels the checks in flight; later ones are cancelled at once.
	tp.close()
	if r := <-out; r.p != p1 || !errors.Is(r.err, context.Canceled) {
		t.Errorf("after close: %+v, want the hour-long check cancelled", r)
	}
	tp.start(p2, open, time.Now().Add(time.Hour))
	if r := <-out; r.p != p2 || !errors.Is(r.err, context.Canceled) {
		t.Errorf("start after close: %+v, want it cancelled", r)
	}
}

// A socket reset after its connection was made passed the check; a SYN
// refused or unanswered did not.
func TestConnectErr(t *testing.T) {
	for _, tt := range []struct {
		err  error
		pass bool
	}{
		{nil, true}, {unix.EISCONN, true}, {unix.ECONNRESET, true},
		{unix.ECONNREFUSED, false}, {unix.ETIMEDOUT, false}, {unix.EHOSTUNREACH, false}, {unix.ENETUNREACH, false},
	} {
		if err := connectErr(tt.err); (err == nil) != tt.pass || (err != nil && !errors.Is(err, tt.err)) {
			t.Errorf("connectErr(%v) = %v, want pass %t", tt.err, err, tt.pass)
		}
	}
}

// A TCP check in the poller allocates nothing once warm: at thousands of
// checks a second, garbage would cost collections.
func TestTCPPollerAllocs(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	// A listener that never accepts: the kernel completes the handshakes,
	// and nothing of the test's own allocates per connection.
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 1024); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	a := netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(sa.(*unix.SockaddrInet4).Port))
	out := make(chan checkResult, 1)
	tp, err := newTCPPoller(out)
	if err != nil {
		t.Fatal(err)
	}
	defer tp.close()
	p := &probe{t: target{real: a}}
	deadline := time.Now().Add(time.Minute)
	check := func() {
		tp.start(p, a, deadline)
		if r := <-out; r.err != nil {
			t.Fatal(r.err)
		}
	}
	check() // warm: the map, the heap and the free list grow once
	if n := testing.AllocsPerRun(200, check); n >= 1 {
		t.Errorf("%.1f allocations per check, want none", n)
	}
}
