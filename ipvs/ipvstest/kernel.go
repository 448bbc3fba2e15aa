// Package ipvstest provides an in-memory double of the kernel's IPVS table
// for the tests and benchmarks of package ipvs.
//
// Kernel satisfies ipvs.Kernel, the seam where the kernel starts, and
// behaves as the Linux IPVS netlink interface does; package ipvs's guest
// tests replay its scenarios on the real kernel to keep the two in step.
// It depends only on github.com/moby/ipvs, so that package ipvs's own tests
// can import it. Only tests and benchmarks import it, never the product.
package ipvstest

import (
	"net"
	"net/netip"
	"slices"
	"sync"
	"syscall"
	"time"

	"github.com/moby/ipvs"
)

// Kernel is an in-memory ipvs.Kernel that behaves as the Linux IPVS netlink
// interface does for its operations, with the kernel's errors
// (syscall.Errno: EEXIST for a duplicate, ESRCH for a missing service, ENOENT
// for a missing real server or an unknown scheduler, ERANGE for a bad weight,
// EINVAL for a bad address), and counts every operation.
//
// Like the kernel, it lists services with the hashed flag set, real servers
// newest first, and firewall-mark services without protocol or address. It
// does not check that real servers are reachable. It is safe for concurrent use.
type Kernel struct {
	mu       sync.Mutex
	services []*memService // in creation order
	index    map[svcID]*memService
	sched    map[string]bool
	cfg      ipvs.Config
	counts   OpCounts

	// Fail, if set, is called before each operation with the operation's
	// name ("NewService", "UpdateDestination", ...) and its arguments; a
	// non-nil result fails the operation, which then changes nothing.
	Fail func(op string, s *ipvs.Service, d *ipvs.Destination) error
}

type memService struct {
	svc   ipvs.Service
	dests []ipvs.Destination // newest first, as the kernel lists them
}

// OpCounts counts Kernel operations by kind.
type OpCounts struct {
	GetServices, NewService, UpdateService, DelService                 int
	GetDestinations, NewDestination, UpdateDestination, DelDestination int
	GetConfig, SetConfig                                               int
}

// Writes is the number of operations that change the table or the timeouts.
func (c OpCounts) Writes() int {
	return c.NewService + c.UpdateService + c.DelService +
		c.NewDestination + c.UpdateDestination + c.DelDestination + c.SetConfig
}

// Reads is the number of listing operations.
func (c OpCounts) Reads() int { return c.GetServices + c.GetDestinations + c.GetConfig }

// NewKernel returns an empty table with the kernel's default timeouts
// (900 120 300) and the schedulers named (as ipvsadm names them: "rr",
// "wlc", ...) loaded; a service with any other scheduler fails with ENOENT.
func NewKernel(schedulers ...string) *Kernel {
	m := &Kernel{
		sched: make(map[string]bool),
		index: make(map[svcID]*memService),
		cfg:   ipvs.Config{TimeoutTCP: 900 * time.Second, TimeoutTCPFin: 120 * time.Second, TimeoutUDP: 300 * time.Second},
	}
	for _, s := range schedulers {
		m.sched[s] = true
	}
	return m
}

// Counts returns the operations counted so far.
func (m *Kernel) Counts() OpCounts {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts
}

// ResetCounts sets every count to zero.
func (m *Kernel) ResetCounts() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts = OpCounts{}
}

func (m *Kernel) fail(op string, s *ipvs.Service, d *ipvs.Destination) error {
	if m.Fail == nil {
		return nil
	}
	return m.Fail(op, s, d)
}

// flagHashed is IP_VS_SVC_F_HASHED, set by the kernel on every listed
// service.
const flagHashed = 0x0002

// svcID is how the kernel identifies a service.
type svcID struct {
	af, proto, port uint16
	fwmark          uint32
	addr            [16]byte
}

// SameService reports whether the kernel takes a and b for the same service:
// the same family and firewall mark, or the same family, protocol, address
// and port.
func SameService(a, b *ipvs.Service) bool { return idOf(a) == idOf(b) }

func idOf(s *ipvs.Service) svcID {
	id := svcID{af: s.AddressFamily, fwmark: s.FWMark}
	if s.FWMark == 0 {
		id.proto, id.port = s.Protocol, s.Port
		copy(id.addr[:], s.Address)
	}
	return id
}

// find returns the service s identifies, or nil.
func (m *Kernel) find(s *ipvs.Service) *memService { return m.index[idOf(s)] }

func (ms *memService) findDest(d *ipvs.Destination) int {
	for i := range ms.dests {
		if ms.dests[i].Port == d.Port && ms.dests[i].Address.Equal(d.Address) {
			return i
		}
	}
	return -1
}

// checkService applies the kernel's checks of a full service entry.
func (m *Kernel) checkService(s *ipvs.Service) error {
	v6 := s.AddressFamily == syscall.AF_INET6
	if !v6 && s.AddressFamily != syscall.AF_INET {
		return syscall.EAFNOSUPPORT
	}
	// No check of the protocol: the kernel's netlink path takes any
	// number (ipvsadm's, through setsockopt, TCP, UDP and SCTP only).
	if s.FWMark == 0 {
		if len(s.Address) != addrLen(v6) {
			return syscall.EINVAL
		}
	}
	if !m.sched[s.SchedName] {
		return syscall.ENOENT
	}
	if v6 && (s.Netmask < 1 || s.Netmask > 128) {
		return syscall.EINVAL
	}
	return nil
}

func addrLen(v6 bool) int {
	if v6 {
		return net.IPv6len
	}
	return net.IPv4len
}

// checkDest applies the kernel's checks of a real server of service ms.
func checkDest(ms *memService, d *ipvs.Destination) error {
	if len(d.Address) != addrLen(ms.svc.AddressFamily == syscall.AF_INET6) {
		return syscall.EINVAL
	}
	a, _ := netip.AddrFromSlice(d.Address)
	if a.IsUnspecified() || a.IsMulticast() || a == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return syscall.EINVAL
	}
	if d.Weight < 0 || d.LowerThreshold > d.UpperThreshold {
		return syscall.ERANGE
	}
	return nil
}

// stored returns the copy of s the kernel keeps: identity and options only.
func stored(s *ipvs.Service) ipvs.Service {
	c := ipvs.Service{
		AddressFamily: s.AddressFamily,
		FWMark:        s.FWMark,
		SchedName:     s.SchedName,
		Flags:         s.Flags | flagHashed,
		Timeout:       s.Timeout,
		Netmask:       s.Netmask,
	}
	if s.FWMark == 0 {
		c.Protocol = s.Protocol
		c.Address = slices.Clone(s.Address)
		c.Port = s.Port
	}
	return c
}

func storedDest(d *ipvs.Destination, af uint16) ipvs.Destination {
	return ipvs.Destination{
		Address:         slices.Clone(d.Address),
		Port:            d.Port,
		Weight:          d.Weight,
		ConnectionFlags: d.ConnectionFlags & ipvs.ConnectionFlagFwdMask,
		AddressFamily:   af,
		UpperThreshold:  d.UpperThreshold,
		LowerThreshold:  d.LowerThreshold,
	}
}

// GetServices lists every service, in creation order.
func (m *Kernel) GetServices() ([]*ipvs.Service, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.GetServices++
	if err := m.fail("GetServices", nil, nil); err != nil {
		return nil, err
	}
	out := make([]*ipvs.Service, 0, len(m.services))
	for _, ms := range m.services {
		c := ms.svc
		c.Address = slices.Clone(c.Address)
		out = append(out, &c)
	}
	return out, nil
}

// NewService adds s, without real servers.
func (m *Kernel) NewService(s *ipvs.Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.NewService++
	if err := m.fail("NewService", s, nil); err != nil {
		return err
	}
	if m.find(s) != nil {
		return syscall.EEXIST
	}
	if err := m.checkService(s); err != nil {
		return err
	}
	ms := &memService{svc: stored(s)}
	m.services = append(m.services, ms)
	m.index[idOf(s)] = ms
	return nil
}

// UpdateService changes the scheduler, flags, timeout and netmask of s.
func (m *Kernel) UpdateService(s *ipvs.Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.UpdateService++
	if err := m.fail("UpdateService", s, nil); err != nil {
		return err
	}
	ms := m.find(s)
	if ms == nil {
		return syscall.ESRCH
	}
	if err := m.checkService(s); err != nil {
		return err
	}
	ms.svc = stored(s)
	return nil
}

// DelService removes s and its real servers.
func (m *Kernel) DelService(s *ipvs.Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.DelService++
	if err := m.fail("DelService", s, nil); err != nil {
		return err
	}
	ms := m.find(s)
	if ms == nil {
		return syscall.ESRCH
	}
	delete(m.index, idOf(s))
	m.services = slices.DeleteFunc(m.services, func(x *memService) bool { return x == ms })
	return nil
}

// GetDestinations lists the real servers of s, newest first. Like the
// kernel, it lists none, without error, for a service that does not exist.
func (m *Kernel) GetDestinations(s *ipvs.Service) ([]*ipvs.Destination, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.GetDestinations++
	if err := m.fail("GetDestinations", s, nil); err != nil {
		return nil, err
	}
	ms := m.find(s)
	if ms == nil {
		return nil, nil
	}
	ds := ms.dests
	out := make([]*ipvs.Destination, 0, len(ds))
	for _, d := range ds {
		d.Address = slices.Clone(d.Address)
		out = append(out, &d)
	}
	return out, nil
}

// NewDestination adds real server d to service s.
func (m *Kernel) NewDestination(s *ipvs.Service, d *ipvs.Destination) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.NewDestination++
	if err := m.fail("NewDestination", s, d); err != nil {
		return err
	}
	ms := m.find(s)
	if ms == nil {
		return syscall.ESRCH
	}
	if err := checkDest(ms, d); err != nil {
		return err
	}
	if ms.findDest(d) >= 0 {
		return syscall.EEXIST
	}
	ms.dests = slices.Insert(ms.dests, 0, storedDest(d, ms.svc.AddressFamily))
	return nil
}

// UpdateDestination changes the weight, forwarding method and thresholds of
// real server d of service s.
func (m *Kernel) UpdateDestination(s *ipvs.Service, d *ipvs.Destination) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.UpdateDestination++
	if err := m.fail("UpdateDestination", s, d); err != nil {
		return err
	}
	ms := m.find(s)
	if ms == nil {
		return syscall.ESRCH
	}
	if err := checkDest(ms, d); err != nil {
		return err
	}
	j := ms.findDest(d)
	if j < 0 {
		return syscall.ENOENT
	}
	ms.dests[j] = storedDest(d, ms.svc.AddressFamily)
	return nil
}

// DelDestination removes real server d from service s.
func (m *Kernel) DelDestination(s *ipvs.Service, d *ipvs.Destination) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.DelDestination++
	if err := m.fail("DelDestination", s, d); err != nil {
		return err
	}
	ms := m.find(s)
	if ms == nil {
		return syscall.ESRCH
	}
	j := ms.findDest(d)
	if j < 0 {
		return syscall.ENOENT
	}
	ms.dests = slices.Delete(ms.dests, j, j+1)
	return nil
}

// GetConfig returns the connection timeouts.
func (m *Kernel) GetConfig() (*ipvs.Config, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.GetConfig++
	if err := m.fail("GetConfig", nil, nil); err != nil {
		return nil, err
	}
	c := m.cfg
	return &c, nil
}

// SetConfig sets the connection timeouts; a zero timeout is left unchanged,
// and the kernel keeps whole seconds.
func (m *Kernel) SetConfig(c *ipvs.Config) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.counts.SetConfig++
	if err := m.fail("SetConfig", nil, nil); err != nil {
		return err
	}
	set := func(dst *time.Duration, v time.Duration) {
		if v = v.Truncate(time.Second); v > 0 {
			*dst = v
		}
	}
	if c.TimeoutTCP < 0 || c.TimeoutTCPFin < 0 || c.TimeoutUDP < 0 {
		return syscall.EINVAL
	}
	set(&m.cfg.TimeoutTCP, c.TimeoutTCP)
	set(&m.cfg.TimeoutTCPFin, c.TimeoutTCPFin)
	set(&m.cfg.TimeoutUDP, c.TimeoutUDP)
	return nil
}
