package ipvs

import (
	"bytes"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func rs(r Real, active, inact uint64) RealState {
	return RealState{Real: r, ActiveConns: active, InactConns: inact}
}

// listTable is a table with every kind of entry ipvsadm -L distinguishes,
// given in an order ipvsadm's sort changes.
func listTable() []ServiceState {
	return []ServiceState{
		{Service: Service{Key: FWMarkKey(8, true), Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 64},
			Reals: []RealState{rs(Real{Addr: ap(vip6.Next(), 0), Forward: Tunnel, Weight: 1}, 0, 0)}},
		{Service: Service{Key: fwm7, Scheduler: SH}, Flags: flagHashed | flagSched1 | flagSched2,
			Reals: []RealState{
				rs(Real{Addr: ap(realIP(32), 0), Forward: Tunnel, Weight: 3}, 0, 0),
				rs(Real{Addr: ap(realIP(31), 0), Forward: Tunnel, Weight: 1}, 12, 4),
			}},
		{Service: Service{Key: udp53, Scheduler: RR}, Flags: flagHashed,
			Reals: []RealState{
				rs(Real{Addr: ap(realIP(22), 5353), Forward: NAT, Weight: 1}, 0, 7),
				rs(Real{Addr: ap(realIP(21), 5353), Forward: NAT, Weight: 1}, 0, 9),
			}},
		{Service: Service{Key: tcp6, Scheduler: WRR}, Flags: flagHashed,
			Reals: []RealState{rs(Real{Addr: ap(netipAddr("2001:db8::21"), 443), Forward: NAT, Weight: 10}, 1, 2)}},
		{Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(vip, 443)}, Scheduler: RR, Persistent: true, PersistTimeout: 600 * time.Second, PersistNetmask: 24},
			Flags: flagHashed | flagPersistent},
		{Service: Service{Key: tcp80, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second, PersistNetmask: 32},
			Flags: flagHashed | flagPersistent,
			Reals: []RealState{
				rs(Real{Addr: ap(realIP(12), 80), Forward: DR, Weight: 2}, 3, 10),
				rs(Real{Addr: ap(realIP(11), 80), Forward: DR, Weight: 1}, 123456, 7654321),
				rs(Real{Addr: ap(netipAddr("127.0.0.1"), 80), Forward: Local, Weight: 0}, 0, 0),
			}},
		{Service: Service{Key: ServiceKey{Proto: UDP, Addr: ap(netipAddr("192.0.2.20"), 500)}, Scheduler: LC}, Flags: flagHashed | flagOnePacket},
		{Service: Service{Key: ServiceKey{Proto: SCTP, Addr: ap(vip, 9)}, Scheduler: WLC}, Flags: flagHashed | flagSched3},
	}
}

// withStats gives the table counters that take every print_largenum scale.
func withStats(table []ServiceState) []ServiceState {
	nums := []uint64{0, 4242, 99_999_999, 100_000_000, 999_999_999, 1_000_000_000, 99_999_999_999, 100_000_000_000, 99_999_999_999_999, 100_000_000_000_000, 18446744073709551615}
	i := 0
	next := func() uint64 { n := nums[i%len(nums)]; i++; return n }
	fill := func() Stats {
		return Stats{Conns: next(), InPkts: next(), OutPkts: next(), InBytes: next(), OutBytes: next(),
			CPS: next(), InPPS: next(), OutPPS: next(), InBPS: next(), OutBPS: next()}
	}
	for s := range table {
		table[s].Stats = fill()
		for r := range table[s].Reals {
			table[s].Reals[r].Stats = fill()
			table[s].Reals[r].UpperThreshold = uint32(100 * (r + 1))
			table[s].Reals[r].LowerThreshold = uint32(10 * r)
		}
	}
	return table
}

func TestFormatGolden(t *testing.T) {
	tests := []struct {
		file string
		opts ListOptions
	}{
		{"list.golden", ListOptions{}},
		{"list-nosort.golden", ListOptions{NoSort: true, Info: Info{Version: "1.2.1", Size: 1048576}}},
		{"list-stats.golden", ListOptions{Stats: true}},
		{"list-stats-exact.golden", ListOptions{Stats: true, Exact: true}},
		{"list-rate.golden", ListOptions{Rate: true}},
		{"list-thresholds.golden", ListOptions{Thresholds: true}},
		{"timeout.golden", ListOptions{Timeouts: &Timeouts{TCP: 900 * time.Second, TCPFin: 120 * time.Second, UDP: 300 * time.Second}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := Format(&b, withStats(listTable()), tt.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.file, b.Bytes())
		})
	}
}

func TestFormatEmpty(t *testing.T) {
	var b bytes.Buffer
	if err := Format(&b, nil, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "IP Virtual Server version 1.2.1 (size=4096)\n" +
		"Prot LocalAddress:Port Scheduler Flags\n" +
		"  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
	if b.String() != want {
		t.Errorf("got\n%q\nwant\n%q", b.String(), want)
	}
}

func TestFormatTimeoutConflicts(t *testing.T) {
	for _, o := range []ListOptions{{Stats: true}, {Rate: true}, {Thresholds: true}} {
		o.Timeouts = &Timeouts{}
		if err := Format(&bytes.Buffer{}, nil, o); err == nil || !strings.Contains(err.Error(), "conflicts") {
			t.Errorf("%+v: error %v", o, err)
		}
	}
}

// TestFormatSortQuirk pins libipvs's comparison: 32-bit differences by
// their sign, so 10.0.0.1 sorts after 200.0.0.1 (0x0a000001-0xc8000001 > 0).
func TestFormatSortQuirk(t *testing.T) {
	table := []ServiceState{
		{Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(netipAddr("10.0.0.1"), 80)}, Scheduler: RR}},
		{Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(netipAddr("200.0.0.1"), 80)}, Scheduler: RR}},
		{Service: Service{Key: ServiceKey{Proto: TCP, Addr: ap(netipAddr("10.0.0.1"), 22)}, Scheduler: RR}},
	}
	var b bytes.Buffer
	if err := Format(&b, table, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")[3:6]
	want := []string{"TCP  200.0.0.1:80 rr", "TCP  10.0.0.1:22 rr", "TCP  10.0.0.1:80 rr"}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("order %q, want %q", lines, want)
	}
}

func TestPrintLargeNums(t *testing.T) {
	tests := []struct {
		n     uint64
		exact bool
		want  string
	}{
		{0, false, "        0"},
		{99_999_999, false, " 99999999"},
		{100_000_000, false, "  100000K"},
		{999_999_999, false, "  999999K"},
		{1_000_000_000, false, "    1000M"},
		{99_999_999_999, false, "   99999M"},
		{100_000_000_000, false, "     100G"},
		{100_000_000_000_000, false, "     100T"},
		{7, true, "        7"},
		{123_456_789, true, " 123456789"},
		{18446744073709551615, true, " 18446744073709551615"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		printLargeNums(&b, tt.exact, tt.n)
		if b.String() != tt.want {
			t.Errorf("%d exact=%v: %q, want %q", tt.n, tt.exact, b.String(), tt.want)
		}
	}
}

func TestParseInfo(t *testing.T) {
	good := map[string]Info{
		"IP Virtual Server version 1.2.1 (size=4096)":      {"1.2.1", 4096},
		"IP Virtual Server version 1.2.1 (size=1048576)\n": {"1.2.1", 1048576},
		"IP Virtual Server version 255.0.9 (size=0)":       {"255.0.9", 0},
	}
	for line, want := range good {
		got, err := ParseInfo(line)
		if err != nil || got != want {
			t.Errorf("%q: %+v, %v; want %+v", line, got, err, want)
		}
	}
	for _, line := range []string{
		"", "IP Virtual Server version 1.2.1", "IP Virtual Server version 1.2 (size=4096)",
		"IP Virtual Server version 1.2.1 (size=4096", "IP Virtual Server version 1.2.1 (size=-1)",
		"IP Virtual Server version 1.2.01 (size=4096)", "IP Virtual Server version 1.2.256 (size=4096)",
		"IP Virtual Server version 1.2.1 (size=+4)", "Prot LocalAddress:Port Scheduler Flags",
	} {
		if info, err := ParseInfo(line); err == nil {
			t.Errorf("%q parsed as %+v", line, info)
		}
	}
}

func FuzzParseInfo(f *testing.F) {
	f.Add("IP Virtual Server version 1.2.1 (size=4096)")
	f.Add("IP Virtual Server version 1.2.1 (size=1048576)\n")
	f.Add("IP Virtual Server version 1.2 (size=)")
	f.Fuzz(func(t *testing.T, line string) {
		info, err := ParseInfo(line)
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Format(&b, nil, ListOptions{Info: info}); err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(b.String(), "\n")
		again, err := ParseInfo(first)
		if err != nil || again != info {
			t.Errorf("%q -> %+v -> %q -> %+v, %v", line, info, first, again, err)
		}
	})
}

func netipAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

// TestListFormat programs the test table (and a foreign service) into the
// in-memory kernel and lists it: the golden file is what ipvsadm -Ln prints
// for that table, which the guest test checks against the real ipvsadm.
func TestListFormat(t *testing.T) {
	m := newMemKernel()
	if _, err := Reconcile(m, append(testTable(), Service{Key: foreignKey, Scheduler: RR,
		Reals: []Real{{Addr: ap(realIP(50), 443), Weight: 1}}}), nil); err != nil {
		t.Fatal(err)
	}
	states, err := List(m)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Format(&b, states, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "table.golden", b.Bytes())
}
