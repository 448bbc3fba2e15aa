package ipvs

import (
	"net/netip"
	"reflect"
	"testing"
)

func TestAdjust(t *testing.T) {
	r1, r2 := dr(11, 80, 1), dr(12, 80, 2)
	sorry := Real{Addr: ap(realIP(99), 80), Forward: NAT, Weight: 1}
	base := Service{Key: tcp80, Scheduler: WLC, Reals: []Real{r1, r2}}
	with := func(f func(*Service)) Service { s := base; f(&s); return s }
	zero := func(r Real) Real { r.Weight = 0; return r }

	tests := []struct {
		name string
		in   Service
		down []netip.AddrPort
		want []Real
	}{
		{"all up", base, nil, []Real{r1, r2}},
		{"one down removed", base, []netip.AddrPort{r1.Addr}, []Real{r2}},
		{"one down quiescent", with(func(s *Service) { s.Quiescent = true }), []netip.AddrPort{r1.Addr}, []Real{zero(r1), r2}},
		{"all down, no sorry", base, []netip.AddrPort{r1.Addr, r2.Addr}, []Real{}},
		{"all down, sorry", with(func(s *Service) { s.Sorry = sorry }), []netip.AddrPort{r1.Addr, r2.Addr}, []Real{sorry}},
		{"all down, quiescent and sorry", with(func(s *Service) { s.Sorry, s.Quiescent = sorry, true }), []netip.AddrPort{r1.Addr, r2.Addr}, []Real{zero(r1), zero(r2), sorry}},
		{"one up, no sorry", with(func(s *Service) { s.Sorry = sorry }), []netip.AddrPort{r1.Addr}, []Real{r2}},
		{"no reals, sorry", Service{Key: tcp80, Sorry: sorry}, nil, []Real{sorry}},
		{"quiescent at weight 0, down, sorry: the input's spare room stays untouched", with(func(s *Service) {
			s.Reals = append(make([]Real, 0, 4), zero(r1))
			s.Sorry, s.Quiescent = sorry, true
		}), []netip.AddrPort{r1.Addr}, []Real{zero(r1), sorry}},
		{"configured weight 0 but up keeps sorry away", with(func(s *Service) { s.Reals = []Real{zero(r1)}; s.Sorry = sorry }), nil, []Real{zero(r1)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := func(k ServiceKey, a netip.AddrPort) bool {
				if k != tcp80 {
					t.Errorf("asked about service %v", k)
				}
				for _, d := range tt.down {
					if d == a {
						return false
					}
				}
				return true
			}
			inReals := append([]Real(nil), tt.in.Reals[:cap(tt.in.Reals)]...)
			out := Adjust([]Service{tt.in}, up)
			if !reflect.DeepEqual(out[0].Reals, tt.want) {
				t.Errorf("reals %v, want %v", out[0].Reals, tt.want)
			}
			if _, err := Normalize(out); err != nil {
				t.Errorf("the adjusted service does not normalize: %v", err)
			}
			if !reflect.DeepEqual(tt.in.Reals[:cap(tt.in.Reals)], inReals) {
				t.Errorf("input modified")
			}
		})
	}
}
