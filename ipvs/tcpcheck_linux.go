package ipvs

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// probeTCP connects to a and closes at once, for a check run on its own
// (TCPCheck.Check, Health.Tick; Health.Run uses a tcpPoller): a nonblocking
// socket, connect, a wait for it in the runtime's poller (bounded by ctx),
// and a close that resets the connection. net.Dialer would add keep-alive
// options, address lookups and a goroutine per dial watching ctx.
func probeTCP(ctx context.Context, a netip.AddrPort) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fd, sa, err := dialNonblock(a)
	if err != nil || fd < 0 { // failed, or connected at once
		return err
	}
	f := os.NewFile(uintptr(fd), "tcp-check") // nonblocking: served by the poller
	defer f.Close()
	if d, ok := ctx.Deadline(); ok {
		f.SetWriteDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var cerr error
	werr := rc.Write(func(fd uintptr) bool {
		// Connecting again tells a pending connection from a made one.
		switch err := unix.Connect(int(fd), sa); {
		case errors.Is(err, unix.EALREADY), errors.Is(err, unix.EINPROGRESS):
			return false
		default:
			cerr = connectErr(err)
		}
		return true
	})
	if werr != nil {
		// The deadline and the connection may have come together, and a
		// busy runtime run the timer first: a connection made counts.
		made := false
		rc.Control(func(fd uintptr) { made = connectedLate(int(fd), sa) })
		if made {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		return werr
	}
	return cerr
}

// dialNonblock starts a connection to a from a nonblocking socket that
// resets it when closed, as HAProxy's checks do, so that the director keeps
// no TIME_WAIT socket per check. It returns fd -1 if the connection was
// made at once.
func dialNonblock(a netip.AddrPort) (int, unix.Sockaddr, error) {
	var sa unix.Sockaddr
	family := unix.AF_INET
	if a.Addr().Is4() {
		sa = &unix.SockaddrInet4{Port: int(a.Port()), Addr: a.Addr().As4()}
	} else {
		family = unix.AF_INET6
		sa = &unix.SockaddrInet6{Port: int(a.Port()), Addr: a.Addr().As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, os.NewSyscallError("socket", err)
	}
	if err := unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1}); err != nil {
		unix.Close(fd)
		return -1, nil, os.NewSyscallError("setsockopt", err)
	}
	switch err := unix.Connect(fd, sa); {
	case err == nil:
		unix.Close(fd)
		return -1, sa, nil
	case !errors.Is(err, unix.EINPROGRESS):
		unix.Close(fd)
		return -1, nil, os.NewSyscallError("connect", err)
	}
	return fd, sa, nil
}

// connectedLate reports whether fd's connection to sa was made, asked
// after its deadline passed: the deadline and the connection may have come
// together, and a connection made counts.
func connectedLate(fd int, sa unix.Sockaddr) bool {
	err := unix.Connect(fd, sa)
	return !errors.Is(err, unix.EALREADY) && connectErr(err) == nil
}

// connectErr is the result of a connection attempt whose socket reports
// err: nil if the connection was made, even if the server has reset it
// since (the kernel reports ECONNRESET only for a socket that was
// connected; a SYN answered with a reset is ECONNREFUSED), since a starved
// checker may look late.
func connectErr(err error) error {
	switch {
	case err == nil, errors.Is(err, unix.EISCONN), errors.Is(err, unix.ECONNRESET):
		return nil
	}
	return os.NewSyscallError("connect", err)
}

// Check connects and closes at once.
func (c TCPCheck) Check(ctx context.Context) error {
	if err := probeTCP(ctx, c.Addr); err != nil {
		return fmt.Errorf("tcp check %s: %w", c.Addr, err)
	}
	return nil
}
