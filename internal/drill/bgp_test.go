package drill

import (
	"net/netip"
	"slices"
	"testing"
)

func TestRIBNextHops(t *testing.T) {
	const three = `{"203.0.113.80/32":[{"prefix":"203.0.113.80/32","protocol":"bgp","selected":true,"nexthops":[{"ip":"192.0.2.11","active":true},{"ip":"192.0.2.12","active":true},{"ip":"192.0.2.13","active":true}]}]}`
	for _, c := range []struct {
		name, out string
		want      []string
		err       bool
	}{
		{"three", three, []string{"192.0.2.11", "192.0.2.12", "192.0.2.13"}, false},
		{"vtysh's note first", "Note: this version of vtysh never writes vtysh.conf\n" + three, []string{"192.0.2.11", "192.0.2.12", "192.0.2.13"}, false},
		{"no route", `{}`, nil, false},
		{"inactive hop", `{"203.0.113.80/32":[{"selected":true,"nexthops":[{"ip":"192.0.2.11","active":true},{"ip":"192.0.2.12"}]}]}`, []string{"192.0.2.11"}, false},
		{"not selected", `{"203.0.113.80/32":[{"selected":false,"nexthops":[{"ip":"192.0.2.11","active":true}]}]}`, nil, false},
		{"other prefix", `{"203.0.113.81/32":[{"selected":true,"nexthops":[{"ip":"192.0.2.11","active":true}]}]}`, nil, false},
		{"no JSON", "% Unknown command\n", nil, true},
		{"broken JSON", `{"203.0.113.80/32":[`, nil, true},
	} {
		got, err := RIBNextHops([]byte(c.out), "203.0.113.80/32")
		if (err != nil) != c.err || !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, %v; want %v (error %v)", c.name, got, err, c.want, c.err)
		}
	}
}

func FuzzRIBNextHops(f *testing.F) {
	f.Add([]byte(`{"203.0.113.80/32":[{"selected":true,"nexthops":[{"ip":"192.0.2.11","active":true}]}]}`))
	f.Add([]byte("note\n{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		nh, err := RIBNextHops(b, "203.0.113.80/32")
		if err != nil && nh != nil {
			t.Fatalf("hops %v with error %v", nh, err)
		}
	})
}

// ipvsConns is /proc/net/ip_vs_conn as a 6.x kernel prints it.
const ipvsConns = `Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData
TCP C6336402 9C40 CB007150 0050 C0000215 1F90 ESTABLISHED   899
TCP C6336402 9C41 CB007150 0050 C0000216 1F90 ESTABLISHED   899
TCP C6336402 9C42 CB007150 01BB C0000216 1F90 ESTABLISHED   899
TCP C6336402 9C43 CB007151 0050 C0000216 1F90 ESTABLISHED   899
UDP C6336402 9C44 CB007150 0050 C0000216 1F90 UDP           299
TCP 2001:0db8:0000:0000:0000:0000:0000:0002 9C40 2001:0db8:0000:0000:0000:0000:0000:0050 0050 2001:0db8:0000:0000:0000:0000:0000:0015 1F90 ESTABLISHED 899
garbage
TCP C6336402 9C45 CB0071ZZ 0050 C0000216 1F90 ESTABLISHED   899
`

func TestCountIPVSConns(t *testing.T) {
	for _, c := range []struct {
		vip  string
		port uint16
		want int
	}{
		{"203.0.113.80", 80, 3}, // the two TCP entries and the UDP one
		{"203.0.113.80", 443, 1},
		{"203.0.113.80", 0, 4},
		{"203.0.113.81", 80, 1},
		{"203.0.113.82", 80, 0},
		{"2001:db8::50", 80, 1},
	} {
		if got := CountIPVSConns(ipvsConns, netip.MustParseAddr(c.vip), c.port); got != c.want {
			t.Errorf("%s port %d: %d, want %d", c.vip, c.port, got, c.want)
		}
	}
}

func FuzzCountIPVSConns(f *testing.F) {
	f.Add(ipvsConns)
	f.Fuzz(func(t *testing.T, s string) {
		if n := CountIPVSConns(s, netip.MustParseAddr("203.0.113.80"), 80); n < 0 {
			t.Fatal(n)
		}
	})
}
