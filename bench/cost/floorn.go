package main

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/vrrp"
)

// floorMasterN sends, every interval, the adverts of n instances spread
// over eth0..eth3 as bench/cost lays them out: one sendmmsg per interface,
// on a raw socket bound to it that writes its own IP header.
func floorMasterN(iv, ns string) error {
	d, err := time.ParseDuration(iv)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(ns)
	if err != nil {
		return err
	}
	type link struct {
		fd   int
		msgs []mmsghdr
	}
	var links []link
	to := unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: vrrp.Group.As4()}
	for i := 0; i < ifaces; i++ {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, vrrp.ProtocolNumber)
		if err != nil {
			return err
		}
		for _, set := range []error{
			unix.SetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE, fmt.Sprintf("eth%d", i)),
			unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, 0),
			unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_HDRINCL, 1),
		} {
			if set != nil {
				return set
			}
		}
		src := netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i*16+1))
		lk := link{fd: fd}
		for k := i; k < n; k += ifaces {
			advert, err := vrrp.Packet{Version: 3, Type: 1, VRID: uint8(1 + k/ifaces), Priority: 150, AdvertInterval: d,
				Addrs: []netip.Addr{netip.MustParseAddr(vipFor(k))}}.Marshal(src, vrrp.Group)
			if err != nil {
				return err
			}
			s4, g4 := src.As4(), vrrp.Group.As4()
			hdr := []byte{0x45, vrrp.TOS, 0, 0, 0, 0, 0x40, 0, vrrp.TTL, vrrp.ProtocolNumber, 0, 0}
			pkt := append(append(append(hdr, s4[:]...), g4[:]...), advert...)
			iov := &unix.Iovec{Base: &pkt[0]}
			iov.SetLen(len(pkt))
			var m mmsghdr
			m.hdr = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&to)), Namelen: uint32(unsafe.Sizeof(to)), Iov: iov, Iovlen: 1}
			lk.msgs = append(lk.msgs, m)
		}
		if len(lk.msgs) > 0 {
			links = append(links, lk)
		}
	}
	t, err := newFloorTimer(d)
	if err != nil {
		return err
	}
	for {
		t.wait()
		for _, lk := range links {
			_, _, e := unix.RawSyscall6(unix.SYS_SENDMMSG, uintptr(lk.fd), uintptr(unsafe.Pointer(&lk.msgs[0])), uintptr(len(lk.msgs)),
				unix.MSG_DONTWAIT, 0, 0)
			if e != 0 {
				return fmt.Errorf("send: %w", e)
			}
		}
	}
}

// floorBackupN receives the adverts of n instances on eth0..eth3: one raw
// socket in the runtime's poller, joined to the group on each interface,
// drained with recvmmsg at each wake-up, and one master-down timer
// re-armed per wake-up (the least a backup can keep).
func floorBackupN(iv, ns string) error {
	d, err := time.ParseDuration(iv)
	if err != nil {
		return err
	}
	if _, err := strconv.Atoi(ns); err != nil {
		return err
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, vrrp.ProtocolNumber)
	if err != nil {
		return err
	}
	for i := 0; i < ifaces; i++ {
		ifi, err := net.InterfaceByName(fmt.Sprintf("eth%d", i))
		if err != nil {
			return err
		}
		if err := unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP,
			&unix.IPMreqn{Multiaddr: vrrp.Group.As4(), Ifindex: int32(ifi.Index)}); err != nil {
			return err
		}
	}
	rc, err := os.NewFile(uintptr(fd), "vrrp").SyscallConn()
	if err != nil {
		return err
	}
	masterDown, err := newFloorTimer(3*d + d/2)
	if err != nil {
		return err
	}
	const vlen = 64
	bufs := make([]byte, vlen*1500)
	iovs := make([]unix.Iovec, vlen)
	msgs := make([]mmsghdr, vlen)
	for i := range msgs {
		iovs[i].Base = &bufs[i*1500]
		iovs[i].SetLen(1500)
		msgs[i].hdr = unix.Msghdr{Iov: &iovs[i], Iovlen: 1}
	}
	var serr error
	err = rc.Read(func(fd uintptr) bool {
		got := false
		for {
			r, _, e := unix.RawSyscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&msgs[0])), vlen, unix.MSG_DONTWAIT, 0, 0)
			switch {
			case e == 0 && r > 0:
				got = true
				if r == vlen {
					continue
				}
			case e == 0 || e == unix.EAGAIN:
			default:
				serr = e
				return true
			}
			if got {
				masterDown.arm()
			}
			return false
		}
	})
	if err == nil {
		err = serr
	}
	return err
}

// mmsghdr is struct mmsghdr of sendmmsg(2) and recvmmsg(2).
type mmsghdr struct {
	hdr unix.Msghdr
	n   uint32
	_   [4]byte
}
