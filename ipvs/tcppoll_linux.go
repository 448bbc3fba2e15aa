package ipvs

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// tcpPoller runs the TCP checks of Health.Run with no goroutine, timer or
// os.File per check: each check is a nonblocking socket whose connect one
// epoll instance of its own watches, and one goroutine waits on that
// instance in the runtime's poller, with the earliest check's deadline as
// the instance's read deadline. A check ends when its connection is made or
// refused, or at its deadline; its result goes to out. It costs socket,
// setsockopt, connect, epoll_ctl, getsockopt and close, and a share of one
// epoll_wait: what a C checker's event loop spends.
type tcpPoller struct {
	ep   *os.File
	epfd int // ep's descriptor, valid until close
	rc   syscall.RawConn
	out  chan<- checkResult

	mu     sync.Mutex // guards what follows
	conns  map[int32]*tcpConn
	free   []*tcpConn // ended, for reuse: a check allocates nothing
	byDue  connHeap
	armed  time.Time // the deadline set on ep; zero when none
	closed bool
}

// tcpConn is one check in flight.
type tcpConn struct {
	fd       int
	addr     netip.AddrPort
	p        *probe
	deadline time.Time
	index    int // in byDue
}

// newTCPPoller starts a poller that sends its results to out.
func newTCPPoller(out chan<- checkResult) (*tcpPoller, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, os.NewSyscallError("epoll_create1", err)
	}
	// Nonblocking, so that the runtime's poller serves it.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, os.NewSyscallError("fcntl", err)
	}
	ep := os.NewFile(uintptr(fd), "tcp-checks")
	rc, err := ep.SyscallConn()
	if err != nil {
		ep.Close()
		return nil, err
	}
	t := &tcpPoller{ep: ep, epfd: fd, rc: rc, out: out, conns: make(map[int32]*tcpConn)}
	go t.loop()
	return t, nil
}

// start connects to addr for p's check; the result is sent to out, at the
// latest at deadline. out has room for every check in flight.
func (t *tcpPoller) start(p *probe, addr netip.AddrPort, deadline time.Time) {
	fd, err := dialNonblock(addr)
	switch {
	case err != nil:
		t.out <- checkResult{p, fmt.Errorf("tcp check %s: %w", addr, err)}
		return
	case fd < 0: // connected at once
		t.out <- checkResult{p, nil}
		return
	}
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		rawClose(fd)
		t.out <- checkResult{p, context.Canceled}
		return
	}
	ev := unix.EpollEvent{Events: unix.EPOLLOUT, Fd: int32(fd)}
	if err := rawEpollAdd(t.epfd, fd, &ev); err != nil {
		t.mu.Unlock()
		rawClose(fd)
		t.out <- checkResult{p, fmt.Errorf("tcp check %s: %w", addr, os.NewSyscallError("epoll_ctl", err))}
		return
	}
	var c *tcpConn
	if n := len(t.free); n > 0 {
		c, t.free = t.free[n-1], t.free[:n-1]
	} else {
		c = new(tcpConn)
	}
	*c = tcpConn{fd: fd, addr: addr, p: p, deadline: deadline}
	t.conns[int32(fd)] = c
	heap.Push(&t.byDue, c)
	if t.armed.IsZero() || deadline.Before(t.armed) {
		t.armed = deadline
		t.ep.SetReadDeadline(deadline)
	}
	t.mu.Unlock()
}

// loop waits for connections and deadlines until the poller is closed.
func (t *tcpPoller) loop() {
	events := make([]unix.EpollEvent, 256)
	n := 0
	poll := func(fd uintptr) bool {
		n = rawEpollPoll(int(fd), events)
		return n > 0
	}
	for {
		n = 0
		err := t.rc.Read(poll)
		if n > 0 {
			t.ready(events[:n])
		}
		switch {
		case errors.Is(err, os.ErrDeadlineExceeded):
			t.expire(events)
		case err != nil:
			return // closed
		}
	}
}

// ready ends the checks whose sockets are writable: connected, or failed.
func (t *tcpPoller) ready(events []unix.EpollEvent) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ev := range events {
		c := t.conns[ev.Fd]
		if c == nil {
			continue
		}
		var err error
		if ev.Events&(unix.EPOLLERR|unix.EPOLLHUP) != 0 { // refused, or made and reset since
			if soerr, gerr := rawSoError(c.fd); gerr != nil {
				err = os.NewSyscallError("getsockopt", gerr)
			} else {
				err = connectErr(errnoOf(soerr))
			}
		}
		t.end(c, err)
	}
}

// expire ends the checks past their deadline, after taking the results
// that came meanwhile: a starved process may see a deadline and a
// connection together, and a connection made counts.
func (t *tcpPoller) expire(events []unix.EpollEvent) {
	n := rawEpollPoll(t.epfd, events)
	if n > 0 {
		t.ready(events[:n])
	}
	now := time.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.byDue) > 0 && !t.byDue[0].deadline.After(now) {
		c := t.byDue[0]
		var err error = context.DeadlineExceeded
		if now.Sub(c.deadline) > c.p.pol.Timeout/10 {
			err = errTakenLate
		}
		if connectedLate(c.fd, c.addr) {
			err = nil
		}
		t.end(c, err)
	}
	t.armed = time.Time{}
	if len(t.byDue) > 0 {
		t.armed = t.byDue[0].deadline
	}
	t.ep.SetReadDeadline(t.armed) // zero: none
}

// end closes c's socket, which takes it out of the epoll set, and sends
// its result. t.mu is held.
func (t *tcpPoller) end(c *tcpConn, err error) {
	rawClose(c.fd)
	delete(t.conns, int32(c.fd))
	heap.Remove(&t.byDue, c.index)
	if err != nil {
		err = fmt.Errorf("tcp check %s: %w", c.addr, err)
	}
	t.out <- checkResult{c.p, err}
	*c = tcpConn{}
	t.free = append(t.free, c)
}

// close ends the checks in flight as cancelled and stops the loop.
func (t *tcpPoller) close() {
	t.mu.Lock()
	t.closed = true
	for len(t.byDue) > 0 {
		t.end(t.byDue[0], context.Canceled)
	}
	t.mu.Unlock()
	t.ep.Close()
}

// connHeap orders checks in flight by deadline.
type connHeap []*tcpConn

func (q connHeap) Len() int           { return len(q) }
func (q connHeap) Less(i, j int) bool { return q[i].deadline.Before(q[j].deadline) }
func (q connHeap) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *connHeap) Push(x any) {
	c := x.(*tcpConn)
	c.index = len(*q)
	*q = append(*q, c)
}
func (q *connHeap) Pop() any {
	old := *q
	c := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return c
}
