package ipvs

import (
	"slices"
	"testing"
	"time"
)

func dr(last byte, port uint16, w int) Real { return Real{Addr: ap(realIP(last), port), Weight: w} }

func TestDiff(t *testing.T) {
	web := Service{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32,
		Reals: []Real{dr(11, 80, 1), dr(12, 80, 2)}}
	dns := Service{Key: udp53, Scheduler: RR, Reals: []Real{{Addr: ap(realIP(21), 5353), Forward: NAT, Weight: 1}}}
	foreign := Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 443)}, Scheduler: RR, Reals: []Real{dr(50, 443, 1)}}
	with := func(s Service, f func(*Service)) Service {
		s.Reals = slices.Clone(s.Reals)
		f(&s)
		return s
	}
	ownAll := func(ServiceKey) bool { return true }
	ownNone := func(ServiceKey) bool { return false }

	type op struct {
		kind OpKind
		key  ServiceKey
		real Real
	}
	tests := []struct {
		name            string
		desired, actual []Service
		owned           func(ServiceKey) bool
		want            []op
	}{
		{name: "nothing to do", desired: []Service{web, dns}, actual: []Service{dns, web}, owned: ownAll},
		{name: "empty both", owned: ownAll},
		{
			name: "from empty", desired: []Service{web, dns}, owned: ownNone,
			want: []op{
				{AddService, tcp80, Real{}}, {AddReal, tcp80, dr(11, 80, 1)}, {AddReal, tcp80, dr(12, 80, 2)},
				{AddService, udp53, Real{}}, {AddReal, udp53, dns.Reals[0]},
			},
		},
		{
			name:    "one weight changed",
			desired: []Service{with(web, func(s *Service) { s.Reals[1].Weight = 5 }), dns}, actual: []Service{web, dns}, owned: ownAll,
			want: []op{{UpdateReal, tcp80, dr(12, 80, 5)}},
		},
		{
			name:    "forwarding changed",
			desired: []Service{with(web, func(s *Service) { s.Reals[0].Forward = Tunnel })}, actual: []Service{web}, owned: ownAll,
			want: []op{{UpdateReal, tcp80, Real{Addr: ap(realIP(11), 80), Forward: Tunnel, Weight: 1}}},
		},
		{
			name:    "scheduler changed",
			desired: []Service{with(web, func(s *Service) { s.Scheduler = SH })}, actual: []Service{web}, owned: ownAll,
			want: []op{{UpdateService, tcp80, Real{}}},
		},
		{
			name:    "persistence timeout changed",
			desired: []Service{with(web, func(s *Service) { s.PersistTimeout = time.Hour })}, actual: []Service{web}, owned: ownAll,
			want: []op{{UpdateService, tcp80, Real{}}},
		},
		{
			name:    "persistence netmask changed",
			desired: []Service{with(web, func(s *Service) { s.PersistNetmask = 24 })}, actual: []Service{web}, owned: ownAll,
			want: []op{{UpdateService, tcp80, Real{}}},
		},
		{
			name:    "persistence dropped",
			desired: []Service{with(web, func(s *Service) { s.Persistent, s.PersistTimeout, s.PersistNetmask = false, 0, 0 })}, actual: []Service{web}, owned: ownAll,
			want: []op{{UpdateService, tcp80, Real{}}},
		},
		{
			name:    "non-persistent ignores kernel timeout",
			desired: []Service{dns}, actual: []Service{with(dns, func(s *Service) { s.PersistTimeout = time.Minute })}, owned: ownAll,
		},
		{
			name:    "real added and removed",
			desired: []Service{with(web, func(s *Service) { s.Reals = []Real{dr(12, 80, 2), dr(13, 80, 3)} })}, actual: []Service{web}, owned: ownAll,
			want: []op{{DelReal, tcp80, dr(11, 80, 1)}, {AddReal, tcp80, dr(13, 80, 3)}},
		},
		{
			name:    "owned service removed",
			desired: []Service{dns}, actual: []Service{web, dns}, owned: ownAll,
			want: []op{{DelService, tcp80, Real{}}},
		},
		{
			name:    "foreign service left alone",
			desired: []Service{dns}, actual: []Service{foreign, dns}, owned: func(k ServiceKey) bool { return k != foreign.Key },
		},
		{
			name:    "nil owned deletes nothing",
			desired: nil, actual: []Service{web}, owned: nil,
		},
		{
			name:    "desired foreign key is taken over",
			desired: []Service{with(foreign, func(s *Service) { s.Reals[0].Weight = 9 })}, actual: []Service{foreign}, owned: ownNone,
			want: []op{{UpdateReal, foreign.Key, dr(50, 443, 9)}},
		},
		{
			name: "deletions first, then key order",
			desired: []Service{
				with(dns, func(s *Service) { s.Scheduler = WRR }),
				with(web, func(s *Service) { s.Reals[0].Weight = 0 }),
			},
			actual: []Service{dns, web, {Key: fwm7, Scheduler: SH}}, owned: ownAll,
			want: []op{{DelService, fwm7, Real{}}, {UpdateReal, tcp80, dr(11, 80, 0)}, {UpdateService, udp53, Real{}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := Diff(tt.desired, tt.actual, tt.owned)
			var got []op
			for _, o := range ops {
				got = append(got, op{o.Kind, o.Service.Key, o.Real})
				if o.Service.Reals != nil {
					t.Errorf("%v carries real servers", o)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got  %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestDiffServiceOpsCarryDesiredOptions(t *testing.T) {
	d := Service{Key: tcp80, Scheduler: SH, Persistent: true, PersistTimeout: time.Hour, PersistNetmask: 24, Quiescent: true}
	ops := Diff([]Service{d}, []Service{{Key: tcp80, Scheduler: WLC}}, nil)
	want := Service{Key: tcp80, Scheduler: SH, Persistent: true, PersistTimeout: time.Hour, PersistNetmask: 24}
	if len(ops) != 1 || ops[0].Service.Key != want.Key || !sameOptions(ops[0].Service, want) || ops[0].Service.Quiescent {
		t.Errorf("ops %v", ops)
	}
}

func TestOpString(t *testing.T) {
	tests := []struct {
		op   Op
		want string
	}{
		{Op{Kind: AddService, Service: Service{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32}},
			"add service TCP 192.0.2.10:80 wlc persistent 300 /32"},
		{Op{Kind: DelService, Service: Service{Key: fwm7}}, "delete service FWM 7"},
		{Op{Kind: UpdateReal, Service: Service{Key: udp53}, Real: Real{Addr: ap(realIP(21), 5353), Forward: NAT, Weight: 3}},
			"update real UDP 192.0.2.10:53 -> 198.51.100.21:5353 Masq weight 3"},
		{Op{Kind: DelReal, Service: Service{Key: udp53}, Real: Real{Addr: ap(realIP(21), 5353)}}, "delete real UDP 192.0.2.10:53 -> 198.51.100.21:5353"},
	}
	for _, tt := range tests {
		if got := tt.op.String(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
