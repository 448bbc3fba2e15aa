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
	fd, err := dialNonblock(a)
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
		switch err := rawConnect(int(fd), a); {
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
		rc.Control(func(fd uintptr) { made = connectedLate(int(fd), a) })
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
func dialNonblock(a netip.AddrPort) (int, error) {
	family := unix.AF_INET6
	if a.Addr().Is4() {
		family = unix.AF_INET
	}
	fd, err := rawSocket(family)
	if err != nil {
		return -1, os.NewSyscallError("socket", err)
	}
	if err := rawLingerZero(fd); err != nil {
		rawClose(fd)
		return -1, os.NewSyscallError("setsockopt", err)
	}
	switch err := rawConnect(fd, a); err {
	case nil:
		rawClose(fd)
		return -1, nil
	case unix.EINPROGRESS, unix.EINTR: // the handshake goes on
		return fd, nil
	default:
		rawClose(fd)
		return -1, os.NewSyscallError("connect", err)
	}
}

// connectedLate reports whether fd's connection to a was made, asked
// after its deadline passed: the deadline and the connection may have come
// together, and a connection made counts.
func connectedLate(fd int, a netip.AddrPort) bool {
	err := rawConnect(fd, a)
	return err != unix.EALREADY && connectErr(err) == nil
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
