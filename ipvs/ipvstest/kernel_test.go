package ipvstest

import (
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

func mobyTCP(last byte, port uint16) *ipvs.Service {
	return &ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: syscall.IPPROTO_TCP,
		Address: net.IP{192, 0, 2, last}, Port: port, SchedName: "wlc", Netmask: 0xffffffff}
}

func mobyDest(last byte, port uint16, weight int) *ipvs.Destination {
	return &ipvs.Destination{Address: net.IP{198, 51, 100, last}, Port: port, Weight: weight,
		ConnectionFlags: ipvs.ConnectionFlagDirectRoute}
}

// testSchedulers are the schedulers the tests' services use.
var testSchedulers = []string{"rr", "wlc", "sh"}

func TestKernelErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func(m *Kernel) error
		want error
	}{
		{"duplicate service", func(m *Kernel) error { return m.NewService(mobyTCP(10, 80)) }, syscall.EEXIST},
		{"update missing service", func(m *Kernel) error { return m.UpdateService(mobyTCP(11, 80)) }, syscall.ESRCH},
		{"delete missing service", func(m *Kernel) error { return m.DelService(mobyTCP(10, 81)) }, syscall.ESRCH},
		{"unknown scheduler", func(m *Kernel) error {
			s := mobyTCP(12, 80)
			s.SchedName = "fifo"
			return m.NewService(s)
		}, syscall.ENOENT},
		{"no address family", func(m *Kernel) error {
			s := mobyTCP(12, 80)
			s.AddressFamily = 0
			return m.NewService(s)
		}, syscall.EAFNOSUPPORT},
		{"any protocol, as the kernel's netlink path", func(m *Kernel) error {
			s := mobyTCP(12, 80)
			s.Protocol = syscall.IPPROTO_ICMP
			return m.NewService(s)
		}, nil},
		{"IPv6 netmask 0", func(m *Kernel) error {
			return m.NewService(&ipvs.Service{AddressFamily: syscall.AF_INET6, FWMark: 3, SchedName: "rr"})
		}, syscall.EINVAL},
		{"duplicate real", func(m *Kernel) error { return m.NewDestination(mobyTCP(10, 80), mobyDest(1, 80, 1)) }, syscall.EEXIST},
		{"real of missing service", func(m *Kernel) error { return m.NewDestination(mobyTCP(11, 80), mobyDest(1, 80, 1)) }, syscall.ESRCH},
		{"update missing real", func(m *Kernel) error { return m.UpdateDestination(mobyTCP(10, 80), mobyDest(2, 80, 1)) }, syscall.ENOENT},
		{"delete missing real", func(m *Kernel) error { return m.DelDestination(mobyTCP(10, 80), mobyDest(2, 80, 1)) }, syscall.ENOENT},
		{"negative weight", func(m *Kernel) error { return m.NewDestination(mobyTCP(10, 80), mobyDest(2, 80, -1)) }, syscall.ERANGE},
		{"thresholds crossed", func(m *Kernel) error {
			d := mobyDest(2, 80, 1)
			d.LowerThreshold = 5
			return m.NewDestination(mobyTCP(10, 80), d)
		}, syscall.ERANGE},
		{"multicast real", func(m *Kernel) error {
			d := mobyDest(2, 80, 1)
			d.Address = net.IP{224, 0, 0, 1}
			return m.NewDestination(mobyTCP(10, 80), d)
		}, syscall.EINVAL},
		{"IPv6 real in IPv4 service", func(m *Kernel) error {
			d := mobyDest(2, 80, 1)
			d.Address = net.ParseIP("2001:db8::1")
			return m.NewDestination(mobyTCP(10, 80), d)
		}, syscall.EINVAL},
		{"negative timeout", func(m *Kernel) error { return m.SetConfig(&ipvs.Config{TimeoutTCP: -time.Second}) }, syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewKernel(testSchedulers...)
			if err := m.NewService(mobyTCP(10, 80)); err != nil {
				t.Fatal(err)
			}
			if err := m.NewDestination(mobyTCP(10, 80), mobyDest(1, 80, 1)); err != nil {
				t.Fatal(err)
			}
			if err := tt.run(m); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestKernelListsAsKernel(t *testing.T) {
	m := NewKernel(testSchedulers...)
	fw := &ipvs.Service{AddressFamily: syscall.AF_INET, FWMark: 7, Protocol: syscall.IPPROTO_TCP, SchedName: "sh", Netmask: 0xffffffff}
	for _, s := range []*ipvs.Service{mobyTCP(10, 80), fw} {
		if err := m.NewService(s); err != nil {
			t.Fatal(err)
		}
	}
	for i := byte(1); i <= 3; i++ {
		if err := m.NewDestination(mobyTCP(10, 80), mobyDest(i, 80, int(i))); err != nil {
			t.Fatal(err)
		}
	}
	got, err := m.GetServices()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Port != 80 || got[1].FWMark != 7 {
		t.Fatalf("services %+v", got)
	}
	if got[0].Flags&flagHashed == 0 {
		t.Errorf("listed service lacks the hashed flag: %#x", got[0].Flags)
	}
	if got[1].Protocol != 0 || got[1].Address != nil {
		t.Errorf("fwmark service listed with protocol %d address %v", got[1].Protocol, got[1].Address)
	}
	// Callers own what they are given.
	got[0].Address[3] = 99
	ds, err := m.GetDestinations(mobyTCP(10, 80))
	if err != nil {
		t.Fatal(err)
	}
	var order []byte
	for _, d := range ds {
		order = append(order, d.Address[3])
		if d.AddressFamily != syscall.AF_INET {
			t.Errorf("destination family %d", d.AddressFamily)
		}
	}
	if string(order) != "\x03\x02\x01" {
		t.Errorf("destinations listed in order %v, want newest first", order)
	}
	if ds, err := m.GetDestinations(mobyTCP(11, 80)); err != nil || len(ds) != 0 {
		t.Errorf("destinations of a missing service: %v, %v; want none, nil", ds, err)
	}
	// Updating a service keeps its real servers; deleting it drops them.
	upd := mobyTCP(10, 80)
	upd.SchedName = "rr"
	if err := m.UpdateService(upd); err != nil {
		t.Fatal(err)
	}
	if ds, _ := m.GetDestinations(mobyTCP(10, 80)); len(ds) != 3 {
		t.Errorf("%d destinations after update, want 3", len(ds))
	}
	if err := m.DelService(mobyTCP(10, 80)); err != nil {
		t.Fatal(err)
	}
	if err := m.NewService(mobyTCP(10, 80)); err != nil {
		t.Fatal(err)
	}
	if ds, _ := m.GetDestinations(mobyTCP(10, 80)); len(ds) != 0 {
		t.Errorf("re-added service has %d destinations", len(ds))
	}
}

func TestKernelCountsAndFail(t *testing.T) {
	m := NewKernel(testSchedulers...)
	boom := errors.New("boom")
	m.Fail = func(op string, s *ipvs.Service, d *ipvs.Destination) error {
		if op == "NewDestination" && d.Address[3] == 2 {
			return boom
		}
		return nil
	}
	_ = m.NewService(mobyTCP(10, 80))
	_ = m.NewDestination(mobyTCP(10, 80), mobyDest(1, 80, 1))
	if err := m.NewDestination(mobyTCP(10, 80), mobyDest(2, 80, 1)); err != boom {
		t.Errorf("injected failure: got %v", err)
	}
	_ = m.UpdateDestination(mobyTCP(10, 80), mobyDest(1, 80, 5))
	_, _ = m.GetServices()
	c := m.Counts()
	if c.NewService != 1 || c.NewDestination != 2 || c.UpdateDestination != 1 || c.GetServices != 1 || c.Writes() != 4 || c.Reads() != 1 {
		t.Errorf("counts %+v", c)
	}
	if ds, _ := m.GetDestinations(mobyTCP(10, 80)); len(ds) != 1 || ds[0].Weight != 5 {
		t.Errorf("failed operation changed the table: %+v", ds)
	}
	m.ResetCounts()
	if m.Counts() != (OpCounts{}) {
		t.Errorf("counts after reset: %+v", m.Counts())
	}
}

func TestKernelConfig(t *testing.T) {
	m := NewKernel(testSchedulers...)
	if err := m.SetConfig(&ipvs.Config{TimeoutTCP: 60 * time.Second, TimeoutUDP: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c, _ := m.GetConfig()
	want := ipvs.Config{TimeoutTCP: 60 * time.Second, TimeoutTCPFin: 120 * time.Second, TimeoutUDP: time.Second}
	if *c != want {
		t.Errorf("config %+v, want %+v", *c, want)
	}
}
