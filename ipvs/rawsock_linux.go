package ipvs

import (
	"net/netip"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The system calls of a TCP check, made raw. unix.Connect and its kin tell
// the runtime that the call may block, and when a call takes long enough
// (every call does in a slow virtual machine) the runtime's monitor hands
// the processor to another thread, which the caller then waits to get back:
// two thread switches and a futex for a call that cannot block. None of
// these can: the socket is nonblocking, connect only starts the handshake,
// a socket that lingers zero seconds closes with a reset at once, and
// epoll_wait is given no timeout.

func htons(p uint16) uint16 { return p<<8 | p>>8 }

func errnoOf(e unix.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

func rawSocket(family int) (int, error) {
	fd, _, e := unix.RawSyscall(unix.SYS_SOCKET, uintptr(family), unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	return int(fd), errnoOf(e)
}

// rawLingerZero makes closing fd reset its connection.
func rawLingerZero(fd int) error {
	l := unix.Linger{Onoff: 1}
	_, _, e := unix.RawSyscall6(unix.SYS_SETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_LINGER,
		uintptr(unsafe.Pointer(&l)), unsafe.Sizeof(l), 0)
	return errnoOf(e)
}

// rawConnect connects fd to a.
func rawConnect(fd int, a netip.AddrPort) error {
	var e unix.Errno
	if a.Addr().Is4() {
		sa := unix.RawSockaddrInet4{Family: unix.AF_INET, Port: htons(a.Port()), Addr: a.Addr().As4()}
		_, _, e = unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet4)
	} else {
		sa := unix.RawSockaddrInet6{Family: unix.AF_INET6, Port: htons(a.Port()), Addr: a.Addr().As16()}
		_, _, e = unix.RawSyscall(unix.SYS_CONNECT, uintptr(fd), uintptr(unsafe.Pointer(&sa)), unix.SizeofSockaddrInet6)
	}
	return errnoOf(e)
}

func rawSoError(fd int) (unix.Errno, error) {
	var v int32
	n := uint32(unsafe.Sizeof(v))
	_, _, e := unix.RawSyscall6(unix.SYS_GETSOCKOPT, uintptr(fd), unix.SOL_SOCKET, unix.SO_ERROR,
		uintptr(unsafe.Pointer(&v)), uintptr(unsafe.Pointer(&n)), 0)
	return unix.Errno(v), errnoOf(e)
}

func rawClose(fd int) { unix.RawSyscall(unix.SYS_CLOSE, uintptr(fd), 0, 0) }

func rawEpollAdd(epfd, fd int, ev *unix.EpollEvent) error {
	_, _, e := unix.RawSyscall6(unix.SYS_EPOLL_CTL, uintptr(epfd), unix.EPOLL_CTL_ADD, uintptr(fd),
		uintptr(unsafe.Pointer(ev)), 0, 0)
	return errnoOf(e)
}

// rawEpollPoll takes the events ready now, without waiting.
func rawEpollPoll(epfd int, events []unix.EpollEvent) int {
	for {
		n, _, e := unix.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])),
			uintptr(len(events)), 0, 0, 0)
		if e != unix.EINTR {
			if e != 0 {
				return 0
			}
			return int(n)
		}
	}
}
