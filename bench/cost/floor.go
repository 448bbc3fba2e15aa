package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/vrrp"
)

// The "go-floor" implementation is the least a Go director can do for N
// instances, with hadirector's runtime settings (one processor): a master
// that wakes on a timerfd in the runtime's poller and sends every
// instance's advert (its IP header included; one sendto for one instance,
// one sendmmsg per interface for more), and a backup that wakes when
// adverts arrive, reads all that are queued and re-arms one master-down
// timer. No state machine, no checks, no counters. What it costs is the
// runtime's and the kernel's part of the wake-ups and the packets, which
// no Go director can go below: set beside keepalived's row, it says how
// much of hadirector's cost there is the language's and the kernel's.
//
// bench/cost runs it as itself, re-executed in each director's namespace:
//
//	cost floor-master IFACE SRC INTERVAL           (one instance)
//	cost floor-backup IFACE INTERVAL               (one instance)
//	cost floor-master-n INTERVAL N                 (N instances on eth0..eth3)
//	cost floor-backup-n INTERVAL N
const floorImpl = "go-floor"

// startFloor starts the floor loop of host (dA sends, dB listens) on eth0.
func startFloor(l *netlab.Lab, host, iv string, n int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	args := []string{self, "floor-backup", "eth0", iv}
	if host == "dA" {
		args = []string{self, "floor-master", "eth0", "192.0.2.1", iv}
	}
	if n > 1 {
		args = []string{self, "floor-backup-n", iv, fmt.Sprint(n)}
		if host == "dA" {
			args[1] = "floor-master-n"
		}
	}
	_, err = l.Start(host, nil, args...)
	return err
}

// floorMain runs a floor loop if the arguments ask for one.
func floorMain(args []string) bool {
	if len(args) < 1 || !strings.HasPrefix(args[0], "floor-") {
		return false
	}
	runtime.GOMAXPROCS(1) // as hadirector run
	var err error
	if args[0] == "floor-master" && len(args) == 4 {
		err = floorMaster(args[1], netip.MustParseAddr(args[2]), args[3])
	} else if args[0] == "floor-backup" && len(args) == 3 {
		err = floorBackup(args[1], args[2])
	} else if args[0] == "floor-master-n" && len(args) == 3 {
		err = floorMasterN(args[1], args[2])
	} else if args[0] == "floor-backup-n" && len(args) == 3 {
		err = floorBackupN(args[1], args[2])
	} else {
		err = fmt.Errorf("%v: bad arguments", args)
	}
	fmt.Fprintln(os.Stderr, "cost:", args[0], err)
	os.Exit(1)
	return true
}

func floorMaster(ifname string, src netip.Addr, iv string) error {
	d, err := time.ParseDuration(iv)
	if err != nil {
		return err
	}
	advert, err := vrrp.Packet{Version: 3, Type: 1, VRID: 1, Priority: 150, AdvertInterval: d,
		Addrs: []netip.Addr{netip.MustParseAddr(vipFor(0))}}.Marshal(src, vrrp.Group)
	if err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, vrrp.ProtocolNumber)
	if err != nil {
		return err
	}
	for _, set := range []error{
		unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname),
		unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0),
		unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_HDRINCL, 1),
	} {
		if set != nil {
			return set
		}
	}
	// The IP header, as hadirector's send socket writes it; the kernel
	// fills in the length, identification and checksum.
	s4, g4 := src.As4(), vrrp.Group.As4()
	hdr := []byte{0x45, vrrp.TOS, 0, 0, 0, 0, 0x40, 0, vrrp.TTL, vrrp.ProtocolNumber, 0, 0}
	advert = append(append(append(hdr, s4[:]...), g4[:]...), advert...)
	to := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: vrrp.Group.As4()}
	t, err := newFloorTimer(d)
	if err != nil {
		return err
	}
	for {
		t.wait()
		_, _, e := unix.RawSyscall6(unix.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&advert[0])), uintptr(len(advert)),
			unix.MSG_DONTWAIT, uintptr(unsafe.Pointer(&to)), unsafe.Sizeof(to))
		if e != 0 {
			return fmt.Errorf("send: %w", e)
		}
	}
}

func floorBackup(ifname, iv string) error {
	d, err := time.ParseDuration(iv)
	if err != nil {
		return err
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptString(int(fd), unix.SOL_SOCKET, unix.SO_BINDTODEVICE, ifname) })
		if err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), fmt.Sprintf("ip4:%d", vrrp.ProtocolNumber), "0.0.0.0")
	if err != nil {
		return err
	}
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return err
	}
	rc, err := pc.(syscall.Conn).SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptIPMreqn(int(fd), unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP,
			&unix.IPMreqn{Multiaddr: vrrp.Group.As4(), Ifindex: int32(ifi.Index)})
	})
	if serr != nil {
		return serr
	}
	masterDown, err := newFloorTimer(3*d + d/2)
	if err != nil {
		return err
	}
	buf := make([]byte, 1500)
	iov := unix.Iovec{Base: &buf[0]}
	iov.SetLen(len(buf))
	msg := unix.Msghdr{Iov: &iov, Iovlen: 1}
	err = rc.Read(func(fd uintptr) bool {
		for {
			_, _, e := unix.RawSyscall(unix.SYS_RECVMSG, fd, uintptr(unsafe.Pointer(&msg)), unix.MSG_DONTWAIT)
			switch e {
			case 0:
				masterDown.arm()
			case unix.EAGAIN:
				return false
			default:
				serr = e
				return true
			}
		}
	})
	if err == nil {
		err = serr
	}
	return err
}

// floorTimer is a timerfd in the runtime's poller, armed with a raw
// syscall and never read, as hadirector's scheduler waits: a wait ends on
// the expiry's edge, when the clock has reached the deadline.
type floorTimer struct {
	fd   int
	rc   syscall.RawConn
	d    time.Duration
	spec unix.ItimerSpec
	due  time.Time
	done func(fd uintptr) bool
}

func newFloorTimer(d time.Duration) (*floorTimer, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	rc, err := os.NewFile(uintptr(fd), "timerfd").SyscallConn()
	if err != nil {
		return nil, err
	}
	t := &floorTimer{fd: fd, rc: rc, d: d, spec: unix.ItimerSpec{Value: unix.NsecToTimespec(d.Nanoseconds())}}
	t.done = func(uintptr) bool { return !time.Now().Before(t.due) }
	return t, nil
}

// arm sets the timer to expire d from now.
func (t *floorTimer) arm() {
	t.due = time.Now().Add(t.d)
	unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(t.fd), 0, uintptr(unsafe.Pointer(&t.spec)), 0, 0, 0)
}

// wait arms the timer and sleeps in the poller until it expires.
func (t *floorTimer) wait() {
	t.arm()
	t.rc.Read(t.done)
}
