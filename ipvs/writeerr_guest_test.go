package ipvs

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

// TestInGuestWriteErrorsMatchTheDouble makes each write on the real kernel
// (through Netlink's own requests) and on the double (ipvstest.Kernel),
// from the same table of one service and one real server: both must
// refuse it with the same errno and leave the table as it was, or both
// take it and hold the same table after.
func TestInGuestWriteErrorsMatchTheDouble(t *testing.T) {
	k := ipvsGuestKernel(t)
	svc := func(port uint16) *ipvs.Service {
		return &ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: syscall.IPPROTO_TCP,
			Address: net.IP{192, 0, 2, 10}, Port: port, SchedName: "wlc", Netmask: 0xffffffff}
	}
	real := func(last byte, weight int) *ipvs.Destination {
		return &ipvs.Destination{AddressFamily: syscall.AF_INET, Address: net.IP{198, 51, 100, last}, Port: 80,
			Weight: weight, ConnectionFlags: ipvs.ConnectionFlagDirectRoute}
	}
	for _, tc := range []struct {
		name  string
		write func(k Kernel) error
		want  error
	}{
		{"add a service twice", func(k Kernel) error { return k.NewService(svc(80)) }, syscall.EEXIST},
		{"change a missing service", func(k Kernel) error { return k.UpdateService(svc(81)) }, syscall.ESRCH},
		{"delete a missing service", func(k Kernel) error { return k.DelService(svc(81)) }, syscall.ESRCH},
		{"unknown scheduler", func(k Kernel) error {
			s := svc(81)
			s.SchedName = "nosuch"
			return k.NewService(s)
		}, syscall.ENOENT},
		{"any protocol: the netlink path checks none", func(k Kernel) error {
			s := svc(81)
			s.Protocol = syscall.IPPROTO_ICMP
			return k.NewService(s)
		}, nil},
		{"IPv6 firewall mark with netmask 0", func(k Kernel) error {
			return k.NewService(&ipvs.Service{AddressFamily: syscall.AF_INET6, FWMark: 7, SchedName: "rr"})
		}, syscall.EINVAL},
		{"add a real server twice", func(k Kernel) error { return k.NewDestination(svc(80), real(2, 1)) }, syscall.EEXIST},
		{"real server of a missing service", func(k Kernel) error { return k.NewDestination(svc(81), real(3, 1)) }, syscall.ESRCH},
		{"change a missing real server", func(k Kernel) error { return k.UpdateDestination(svc(80), real(3, 1)) }, syscall.ENOENT},
		{"delete a missing real server", func(k Kernel) error { return k.DelDestination(svc(80), real(3, 1)) }, syscall.ENOENT},
		{"negative weight", func(k Kernel) error { return k.NewDestination(svc(80), real(3, -1)) }, syscall.ERANGE},
		{"thresholds crossed", func(k Kernel) error {
			d := real(3, 1)
			d.UpperThreshold, d.LowerThreshold = 5, 10
			return k.NewDestination(svc(80), d)
		}, syscall.ERANGE},
		{"multicast real server", func(k Kernel) error {
			d := real(3, 1)
			d.Address = net.IP{224, 0, 0, 1}
			return k.NewDestination(svc(80), d)
		}, syscall.EINVAL},
		{"negative timeout", func(k Kernel) error { return k.SetConfig(&ipvs.Config{TimeoutTCP: -time.Second}) }, syscall.EINVAL},
	} {
		t.Run(tc.name, func(t *testing.T) {
			double := newMemKernel(WLC, RR)
			for _, kk := range []Kernel{k, double} {
				if err := kk.NewService(svc(80)); err != nil {
					t.Fatal(err)
				}
				if err := kk.NewDestination(svc(80), real(2, 1)); err != nil {
					t.Fatal(err)
				}
			}
			defer func() { // what the case made, and the table it started from
				ss, _ := k.GetServices()
				for _, s := range ss {
					if s.FWMark == 7 || s.Address.Equal(net.IP{192, 0, 2, 10}) {
						k.DelService(s)
					}
				}
			}()
			before := ipvsGuestRun(t, "ipvsadm", "-Ln")
			got, gotDouble := tc.write(k), tc.write(double)
			if !errors.Is(got, tc.want) || !errors.Is(gotDouble, tc.want) {
				t.Errorf("kernel: %v, double: %v; want %v", got, gotDouble, tc.want)
			}
			if tc.want != nil {
				if after := ipvsGuestRun(t, "ipvsadm", "-Ln"); after != before {
					t.Errorf("the refused write changed the table:\n%s\nto\n%s", before, after)
				}
				return
			}
			if kt, dt := tableOf(t, k), tableOf(t, double); kt != dt {
				t.Errorf("after the write, the kernel holds\n%s\nthe double\n%s", kt, dt)
			}
		})
	}
}

// tableOf prints what k holds of each service and real server, as the
// kernel reads it back (the kernel's own hashed flag left out).
func tableOf(t *testing.T, k Kernel) string {
	t.Helper()
	ss, err := k.GetServices()
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string // one a service, sorted: the kernel lists them in its hash order
	for _, s := range ss {
		var b strings.Builder
		fmt.Fprintf(&b, "%d %d %v:%d mark %d %s flags %#x timeout %d netmask %#x\n", s.AddressFamily, s.Protocol,
			s.Address, s.Port, s.FWMark, s.SchedName, s.Flags&^flagHashed, s.Timeout, s.Netmask)
		ds, err := k.GetDestinations(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			fmt.Fprintf(&b, "  %v:%d fwd %d weight %d thresholds %d %d\n", d.Address, d.Port,
				d.ConnectionFlags&ipvs.ConnectionFlagFwdMask, d.Weight, d.UpperThreshold, d.LowerThreshold)
		}
		blocks = append(blocks, b.String())
	}
	slices.Sort(blocks)
	return strings.Join(blocks, "")
}
