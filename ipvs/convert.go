package ipvs

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/moby/ipvs"
)

// Kernel service flags (linux/ip_vs.h), as moby/ipvs passes them through.
const (
	flagPersistent = 0x0001
	flagHashed     = 0x0002 // set by the kernel on every listed service; never sent
	flagOnePacket  = 0x0004
	flagSched1     = 0x0008
	flagSched2     = 0x0010
	flagSched3     = 0x0020
)

func family(v6 bool) uint16 {
	if v6 {
		return syscall.AF_INET6
	}
	return syscall.AF_INET
}

// toMoby returns the kernel form of a normalized service (its reals aside).
//
// The netmask travels as the raw 32-bit attribute moby/ipvs writes in host
// byte order and the kernel reads as a __be32: for IPv4 it is the mask's four
// bytes, for IPv6 the prefix length, as libipvs does.
func toMoby(s Service) *ipvs.Service {
	k := s.Key
	m := &ipvs.Service{
		AddressFamily: family(k.Is6()),
		SchedName:     string(s.Scheduler),
		Netmask:       rawNetmask(k.Is6(), k.bits()),
	}
	if k.Proto == FWMark {
		m.FWMark = k.FWMark
	} else {
		m.Protocol = uint16(k.Proto)
		m.Address = net.IP(k.Addr.Addr().AsSlice())
		m.Port = k.Addr.Port()
	}
	m.Flags = schedFlagBits(s)
	if s.Persistent {
		m.Flags |= flagPersistent
		m.Timeout = uint32(s.PersistTimeout / time.Second)
		m.Netmask = rawNetmask(k.Is6(), s.PersistNetmask)
	}
	return m
}

func rawNetmask(v6 bool, ones int) uint32 {
	if v6 {
		return uint32(ones)
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], ^uint32(0)<<(32-ones)) // ones == 0 shifts all out
	return binary.NativeEndian.Uint32(b[:])
}

// netmaskBits is the inverse of rawNetmask. A non-contiguous IPv4 mask
// (possible with ipvsadm -M) counts its leading one bits.
func netmaskBits(v6 bool, raw uint32) int {
	if v6 {
		return int(raw)
	}
	var b [4]byte
	binary.NativeEndian.PutUint32(b[:], raw)
	return bits.LeadingZeros32(^binary.BigEndian.Uint32(b[:]))
}

// schedFlagBits is the kernel form of a service's scheduler flags:
// IP_VS_SVC_F_SCHED1 is sh's and mh's fallback, SCHED2 their port.
func schedFlagBits(s Service) uint32 {
	var f uint32
	if s.Fallback {
		f |= flagSched1
	}
	if s.HashPort {
		f |= flagSched2
	}
	return f
}

// fromMoby converts a service as the kernel lists it. The scheduler flags
// of a Hashing scheduler are read into Fallback and HashPort; other flags
// (one-packet scheduling, another scheduler's flags) are left to
// ServiceState.Flags, for listing.
func fromMoby(m *ipvs.Service) (Service, error) {
	var s Service
	v6 := m.AddressFamily == syscall.AF_INET6
	if !v6 && m.AddressFamily != syscall.AF_INET {
		return s, fmt.Errorf("ipvs: kernel service with address family %d", m.AddressFamily)
	}
	if m.FWMark != 0 {
		s.Key = FWMarkKey(m.FWMark, v6)
	} else {
		a, err := kernelAddr(m.Address, v6)
		if err != nil {
			return s, fmt.Errorf("ipvs: kernel service: %w", err)
		}
		if m.Protocol == 0 || m.Protocol >= uint16(FWMark) {
			return s, fmt.Errorf("ipvs: kernel service %s:%d with protocol %d", a, m.Port, m.Protocol)
		}
		s.Key = ServiceKey{Proto: Protocol(m.Protocol), Addr: netip.AddrPortFrom(a, m.Port)}
	}
	s.Scheduler = Scheduler(m.SchedName)
	if s.Scheduler.Hashing() {
		s.Fallback = m.Flags&flagSched1 != 0
		s.HashPort = m.Flags&flagSched2 != 0
	}
	if m.Flags&flagPersistent != 0 {
		s.Persistent = true
		s.PersistTimeout = time.Duration(m.Timeout) * time.Second
		s.PersistNetmask = netmaskBits(v6, m.Netmask)
	}
	return s, nil
}

func kernelAddr(ip net.IP, v6 bool) (netip.Addr, error) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return netip.Addr{}, fmt.Errorf("address %v of %d bytes", ip, len(ip))
	}
	if v6 {
		if !a.Is6() {
			return netip.Addr{}, fmt.Errorf("address %v in an IPv6 entry", ip)
		}
		return a, nil
	}
	if a = a.Unmap(); !a.Is4() {
		return netip.Addr{}, fmt.Errorf("address %v in an IPv4 entry", ip)
	}
	return a, nil
}

func forwardToMoby(f Forward) uint32 {
	switch f {
	case Tunnel:
		return ipvs.ConnectionFlagTunnel
	case NAT:
		return ipvs.ConnectionFlagMasq
	case Local:
		return ipvs.ConnectionFlagLocalNode
	}
	return ipvs.ConnectionFlagDirectRoute
}

func forwardFromMoby(flags uint32) Forward {
	switch flags & ipvs.ConnectionFlagFwdMask {
	case ipvs.ConnectionFlagTunnel:
		return Tunnel
	case ipvs.ConnectionFlagMasq:
		return NAT
	case ipvs.ConnectionFlagLocalNode:
		return Local
	}
	return DR
}

// destToMoby returns the kernel form of a real server of a service of family v6.
func destToMoby(r Real, v6 bool) *ipvs.Destination {
	return &ipvs.Destination{
		Address:         net.IP(r.Addr.Addr().AsSlice()),
		Port:            r.Addr.Port(),
		Weight:          r.Weight,
		ConnectionFlags: forwardToMoby(r.Forward),
		AddressFamily:   family(v6),
	}
}

func destFromMoby(d *ipvs.Destination) (Real, error) {
	a, err := kernelAddr(d.Address, d.AddressFamily == syscall.AF_INET6)
	if err != nil {
		return Real{}, fmt.Errorf("ipvs: kernel real server: %w", err)
	}
	return Real{
		Addr:    netip.AddrPortFrom(a, d.Port),
		Forward: forwardFromMoby(d.ConnectionFlags),
		Weight:  d.Weight,
	}, nil
}
