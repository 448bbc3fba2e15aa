package ipvs

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	vip    = netip.MustParseAddr("192.0.2.10")
	vip6   = netip.MustParseAddr("2001:db8::10")
	tcp80  = ServiceKey{Proto: TCP, Addr: netip.AddrPortFrom(vip, 80)}
	udp53  = ServiceKey{Proto: UDP, Addr: netip.AddrPortFrom(vip, 53)}
	fwm7   = FWMarkKey(7, false)
	tcp6   = ServiceKey{Proto: TCP, Addr: netip.AddrPortFrom(vip6, 443)}
	realIP = func(last byte) netip.Addr { return netip.AddrFrom4([4]byte{198, 51, 100, last}) }
)

func ap(a netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(a, port) }

func TestNormalizeDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Service
		want Service
	}{
		{
			name: "scheduler defaults to wlc, DR port filled",
			in:   Service{Key: tcp80, Reals: []Real{{Addr: ap(realIP(11), 0), Weight: 1}}},
			want: Service{Key: tcp80, Scheduler: WLC, Reals: []Real{{Addr: ap(realIP(11), 80), Weight: 1}}},
		},
		{
			name: "persistence defaults 300s /32",
			in:   Service{Key: tcp80, Scheduler: RR, Persistent: true},
			want: Service{Key: tcp80, Scheduler: RR, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32, Reals: []Real{}},
		},
		{
			name: "IPv6 persistence netmask /128",
			in:   Service{Key: tcp6, Persistent: true, PersistTimeout: time.Minute},
			want: Service{Key: tcp6, Scheduler: WLC, Persistent: true, PersistTimeout: time.Minute, PersistNetmask: 128, Reals: []Real{}},
		},
		{
			name: "NAT keeps its port, port 0 takes the service's",
			in: Service{Key: udp53, Reals: []Real{
				{Addr: ap(realIP(21), 5353), Forward: NAT, Weight: 2},
				{Addr: ap(realIP(22), 0), Forward: NAT},
			}},
			want: Service{Key: udp53, Scheduler: WLC, Reals: []Real{
				{Addr: ap(realIP(21), 5353), Forward: NAT, Weight: 2},
				{Addr: ap(realIP(22), 53), Forward: NAT},
			}},
		},
		{
			name: "fwmark reals keep port 0",
			in:   Service{Key: fwm7, Scheduler: SH, Reals: []Real{{Addr: ap(realIP(31), 0), Forward: Tunnel, Weight: 1}}},
			want: Service{Key: fwm7, Scheduler: SH, Reals: []Real{{Addr: ap(realIP(31), 0), Forward: Tunnel, Weight: 1}}},
		},
		{
			name: "zero port allowed when persistent",
			in:   Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 0)}, Persistent: true, Reals: []Real{{Addr: ap(realIP(11), 0)}}},
			want: Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 0)}, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32, Reals: []Real{{Addr: ap(realIP(11), 0)}}},
		},
		{
			name: "sorry server normalized, check dropped",
			in:   Service{Key: tcp80, Sorry: Real{Addr: ap(realIP(99), 0), Weight: 1, Check: &HealthCheck{Checker: TCPCheck{Addr: ap(realIP(99), 80)}}}},
			want: Service{Key: tcp80, Scheduler: WLC, Reals: []Real{}, Sorry: Real{Addr: ap(realIP(99), 80), Weight: 1}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Normalize([]Service{tt.in})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("got  %+v\nwant %+v", got[0], tt.want)
			}
		})
	}
}

func TestNormalizeDoesNotModifyInput(t *testing.T) {
	in := []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(11), 0)}}}}
	if _, err := Normalize(in); err != nil {
		t.Fatal(err)
	}
	if in[0].Scheduler != "" || in[0].Reals[0].Addr.Port() != 0 {
		t.Errorf("input modified: %+v", in[0])
	}
	// real servers that need no change are copied all the same
	done := []Service{{Key: tcp80, Reals: []Real{dr(11, 80, 1)}}}
	out, err := Normalize(done)
	if err != nil {
		t.Fatal(err)
	}
	if &out[0].Reals[0] == &done[0].Reals[0] {
		t.Error("the result shares the input's real servers")
	}
}

func TestNormalizeErrors(t *testing.T) {
	r := func(last byte) Real { return Real{Addr: ap(realIP(last), 80), Weight: 1} }
	tests := []struct {
		name string
		in   []Service
		want string
	}{
		{"unknown scheduler", []Service{{Key: tcp80, Scheduler: "fifo"}}, `unknown scheduler "fifo"`},
		{"duplicate service", []Service{{Key: tcp80}, {Key: tcp80}}, "defined twice"},
		{"duplicate real", []Service{{Key: tcp80, Reals: []Real{r(1), r(1)}}}, "real server 198.51.100.1:80: defined twice"},
		{"duplicate after port fill", []Service{{Key: tcp80, Reals: []Real{r(1), {Addr: ap(realIP(1), 0)}}}}, "defined twice"},
		{"weight too big", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Weight: 65536}}}}, "weight 65536"},
		{"negative weight", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Weight: -1}}}}, "weight -1"},
		{"DR changes port", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 8080)}}}}, "cannot change the port"},
		{"Local configured", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Forward: Local}}}}, "cannot be configured"},
		{"family mismatch", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(vip6, 80), Forward: Tunnel}}}}, "address family"},
		{"multicast real", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(netip.MustParseAddr("224.0.0.1"), 80)}}}}, "not unicast"},
		{"no real address", []Service{{Key: tcp80, Reals: []Real{{Weight: 1}}}}, "no real server address"},
		{"zero port not persistent", []Service{{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 0)}}}, "needs a persistent service"},
		{"persist timeout fraction", []Service{{Key: tcp80, Persistent: true, PersistTimeout: 1500 * time.Millisecond}}, "whole seconds"},
		{"persist timeout too long", []Service{{Key: tcp80, Persistent: true, PersistTimeout: 32 * 24 * time.Hour}}, "whole seconds"},
		{"netmask too long", []Service{{Key: tcp80, Persistent: true, PersistNetmask: 33}}, "netmask /33"},
		{"persistence without persistent", []Service{{Key: tcp80, PersistTimeout: time.Minute}}, "not persistent"},
		{"fwmark 0", []Service{{Key: ServiceKey{Proto: FWMark}}}, "firewall mark 0"},
		{"fwmark with address", []Service{{Key: ServiceKey{Proto: FWMark, FWMark: 1, Addr: ap(vip, 80)}}}, "has no address"},
		{"tcp with mark", []Service{{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 80), FWMark: 1}}}, "firewall mark set"},
		{"no virtual address", []Service{{Key: ServiceKey{Proto: TCP}}}, "no virtual address"},
		{"mapped virtual address", []Service{{Key: ServiceKey{Proto: TCP, Addr: ap(netip.MustParseAddr("::ffff:192.0.2.1"), 80)}}}, "plain IPv4"},
		{"unknown protocol", []Service{{Key: ServiceKey{Proto: 50, Addr: ap(vip, 80)}}}, "unsupported protocol 50"},
		{"sorry is a real", []Service{{Key: tcp80, Reals: []Real{r(1)}, Sorry: r(1)}}, "also a real server"},
		{"sorry without address", []Service{{Key: tcp80, Sorry: Real{Weight: 1}}}, "sorry server has no address"},
		{"check without checker", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Check: &HealthCheck{}}}}}, "without a checker"},
		{"check timeout over interval", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Check: &HealthCheck{
			Checker: TCPCheck{Addr: ap(realIP(1), 80)}, Policy: Policy{Interval: time.Second, Timeout: 2 * time.Second}}}}}}, "longer than the interval"},
		{"bad digest", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Check: &HealthCheck{
			Checker: HTTPCheck{Addr: ap(realIP(1), 80), BodySHA256: "abc"}}}}}}, "64 hexadecimal digits"},
		{"exec without path", []Service{{Key: tcp80, Reals: []Real{{Addr: ap(realIP(1), 80), Check: &HealthCheck{Checker: ExecCheck{}}}}}}, "no command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Normalize(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestServiceKeyString(t *testing.T) {
	tests := []struct {
		k    ServiceKey
		want string
	}{
		{tcp80, "TCP 192.0.2.10:80"},
		{udp53, "UDP 192.0.2.10:53"},
		{tcp6, "TCP [2001:db8::10]:443"},
		{fwm7, "FWM 7"},
		{FWMarkKey(8, true), "FWM 8 IPv6"},
		{ServiceKey{Proto: 50, Addr: ap(vip, 0)}, "proto 50 192.0.2.10:0"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("%#v: got %q, want %q", tt.k, got, tt.want)
		}
	}
}
