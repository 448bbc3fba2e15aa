package ipvs

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Tests against the real kernel's IPVS, through Netlink, run in the qemu
// guest (HADIRECTOR_IN_GUEST=1) where ipvsadm and iproute2's ip exist and
// ip_vs with the wlc, rr and sh schedulers and the dummy module are loaded. They check the
// reconciler and Format against the kernel and ipvsadm 1.31.

const ipvsGuestEnv = "HADIRECTOR_IN_GUEST"

// ipvsGuestKernel skips unless in the guest; otherwise it gives the reals'
// subnet an interface (a dummy d0 with 198.51.100.1/24, so that the kernel
// takes real servers there as unicast), clears what earlier aborted runs
// may have left of the test services, and opens the kernel's table.
func ipvsGuestKernel(tb testing.TB) *Netlink {
	tb.Helper()
	if os.Getenv(ipvsGuestEnv) != "1" {
		tb.Skipf("set %s=1 to run against the real kernel (qemu guest)", ipvsGuestEnv)
	}
	if out, err := exec.Command("ip", "link", "add", "d0", "type", "dummy").CombinedOutput(); err != nil {
		if !strings.Contains(string(out), "File exists") {
			tb.Fatalf("ip link add d0: %v: %s", err, out)
		}
	} else {
		tb.Cleanup(func() { ipvsGuestRun(tb, "ip", "link", "del", "d0") })
	}
	ipvsGuestTry("ip", "addr", "add", "198.51.100.1/24", "dev", "d0")
	ipvsGuestRun(tb, "ip", "link", "set", "d0", "up")

	clear := func() {
		for _, args := range [][]string{
			{"-D", "-t", "192.0.2.10:80"}, {"-D", "-u", "192.0.2.10:53"}, {"-D", "-f", "7"}, {"-D", "-t", "203.0.113.5:443"},
		} {
			ipvsGuestTry("ipvsadm", args...)
		}
	}
	clear()
	tb.Cleanup(clear)

	k, err := OpenNetlink("")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { k.Close() })
	return k
}

// ipvsGuestRun runs a command that must succeed and returns its output.
func ipvsGuestRun(tb testing.TB, name string, args ...string) string {
	tb.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		tb.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// ipvsGuestTry runs a command whose failure does not matter.
func ipvsGuestTry(name string, args ...string) { _ = exec.Command(name, args...).Run() }

// ipvsGuestForeign adds, with ipvsadm, a service hadirector does not own.
func ipvsGuestForeign(tb testing.TB) {
	tb.Helper()
	ipvsGuestRun(tb, "ipvsadm", "-A", "-t", "203.0.113.5:443", "-s", "rr")
	ipvsGuestRun(tb, "ipvsadm", "-a", "-t", "203.0.113.5:443", "-r", "198.51.100.50:443", "-g", "-w", "1")
}

// TestInGuestReconcilerScenario runs the reconciler scenario of the unit
// tests on the kernel: the same table, the same changes, the same number of
// netlink writes for each, a service deleted, and a service added with
// ipvsadm left alone throughout.
func TestInGuestReconcilerScenario(t *testing.T) {
	k := ipvsGuestKernel(t)
	ipvsGuestForeign(t)
	for _, resync := range []bool{true, false} {
		t.Run(fmt.Sprintf("resync=%v", resync), func(t *testing.T) {
			reconcileScenario(t, k, resync)
		})
	}
	if !strings.Contains(ipvsGuestRun(t, "ipvsadm", "-Ln"), "TCP  203.0.113.5:443 rr") {
		t.Error("the foreign service is gone")
	}
}

// TestInGuestFormatMatchesIpvsadm programs the test table next to a foreign
// service and compares Format with ipvsadm's own listings, byte for byte.
func TestInGuestFormatMatchesIpvsadm(t *testing.T) {
	k := ipvsGuestKernel(t)
	ipvsGuestForeign(t)
	r := NewReconciler(k, nil)
	if _, err := r.Reconcile(testTable()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := r.Reconcile(nil); err != nil {
			t.Error(err)
		}
	})
	info, err := ReadInfo()
	if err != nil {
		t.Logf("%v: using %+v", err, DefaultInfo)
		info = DefaultInfo
	}
	states, err := List(k)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		opts ListOptions
	}{
		{[]string{"-Ln"}, ListOptions{}},
		{[]string{"-Ln", "--nosort"}, ListOptions{NoSort: true}},
		{[]string{"-Ln", "--thresholds"}, ListOptions{Thresholds: true}},
		// No traffic flows, so every counter is 0 in both.
		{[]string{"-Ln", "--stats"}, ListOptions{Stats: true}},
		{[]string{"-Ln", "--rate"}, ListOptions{Rate: true}},
		{[]string{"-Ln", "--stats", "--exact"}, ListOptions{Stats: true, Exact: true}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			want := ipvsGuestRun(t, "ipvsadm", tt.args...)
			tt.opts.Info = info
			var got bytes.Buffer
			if err := Format(&got, states, tt.opts); err != nil {
				t.Fatal(err)
			}
			if got.String() != want {
				t.Errorf("Format:\n%s\nipvsadm %s:\n%s", got.String(), strings.Join(tt.args, " "), want)
			}
		})
	}
	// The in-memory kernel's listing of the same table, pinned in
	// testdata, is what ipvsadm prints too (header aside).
	wantFile, err := os.ReadFile("testdata/table.golden")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(ipvsGuestRun(t, "ipvsadm", "-Ln"), "\n")
	_, golden, _ := strings.Cut(string(wantFile), "\n")
	if body != golden {
		t.Errorf("ipvsadm -Ln:\n%s\ntestdata/table.golden:\n%s", body, golden)
	}
}

// TestInGuestSetTimeouts sets the timeouts as ipvsadm --set does and reads
// them back with ipvsadm -Ln --timeout.
func TestInGuestSetTimeouts(t *testing.T) {
	k := ipvsGuestKernel(t)
	orig, err := GetTimeouts(k)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := SetTimeouts(k, orig); err != nil {
			t.Error(err)
		}
	})
	steps := []struct {
		set  Timeouts
		want Timeouts
	}{
		{Timeouts{901 * time.Second, 121 * time.Second, 301 * time.Second}, Timeouts{901 * time.Second, 121 * time.Second, 301 * time.Second}},
		{Timeouts{TCP: 902 * time.Second}, Timeouts{902 * time.Second, 121 * time.Second, 301 * time.Second}},
		{Timeouts{UDP: 30 * time.Second}, Timeouts{902 * time.Second, 121 * time.Second, 30 * time.Second}},
	}
	for _, s := range steps {
		if err := SetTimeouts(k, s.set); err != nil {
			t.Fatal(err)
		}
		got, err := GetTimeouts(k)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("set %+v: kernel has %+v, want %+v", s.set, got, s.want)
		}
		var b bytes.Buffer
		if err := Format(&b, nil, ListOptions{Timeouts: &got}); err != nil {
			t.Fatal(err)
		}
		if want := ipvsGuestRun(t, "ipvsadm", "-Ln", "--timeout"); b.String() != want {
			t.Errorf("Format %q, ipvsadm -Ln --timeout %q", b.String(), want)
		}
	}
}

// TestInGuestConnsMatchIpvsadm sends one UDP datagram through a virtual
// service, so that the kernel holds one connection, and lists the table as
// ipvsadm -Lnc does.
func TestInGuestConnsMatchIpvsadm(t *testing.T) {
	k := ipvsGuestKernel(t)
	ipvsGuestRun(t, "ip", "addr", "add", "192.0.2.10/32", "brd", "192.0.2.10", "dev", "d0")
	t.Cleanup(func() { ipvsGuestTry("ip", "addr", "del", "192.0.2.10/32", "dev", "d0") })
	svc := Service{Key: ServiceKey{Proto: UDP, Addr: ap(netip.MustParseAddr("192.0.2.10"), 53)}, Scheduler: "rr",
		Reals: []Real{{Addr: ap(realIP(11), 53), Weight: 1}}}
	r := NewReconciler(k, nil)
	if _, err := r.Reconcile([]Service{svc}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = r.Reconcile(nil) })
	c, err := net.Dial("udp4", "192.0.2.10:53")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	conns, err := ReadConns()
	if err != nil {
		t.Fatal(err)
	}
	local := c.LocalAddr().(*net.UDPAddr).AddrPort()
	var found bool
	for _, cn := range conns {
		if cn.Protocol == "UDP" && cn.Virtual == svc.Key.Addr && cn.Dest == ap(realIP(11), 53) &&
			cn.Client.Port() == local.Port() && cn.Expires > 0 {
			found = true
		}
	}
	if !found {
		t.Fatalf("no connection from port %d to %s -> %s in %+v", local.Port(), svc.Key.Addr, realIP(11), conns)
	}
	var got bytes.Buffer
	if err := FormatConns(&got, conns); err != nil {
		t.Fatal(err)
	}
	want := ipvsGuestRun(t, "ipvsadm", "-Lnc")
	// The expiry counts down between the two reads: compare it apart.
	if g, w := maskExpiry(got.String()), maskExpiry(want); g != w {
		t.Errorf("FormatConns:\n%s\nipvsadm -Lnc:\n%s", got.String(), want)
	}
}

// maskExpiry blanks the mm:ss column of connection lines.
func maskExpiry(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if i >= 2 && len(l) > 10 {
			lines[i] = l[:4] + "--:--" + l[9:]
		}
	}
	return strings.Join(lines, "\n")
}

// BenchmarkInGuestReconcile is BenchmarkReconcile on the kernel. Run it
// with -benchtime=1x: programming 110,000 rules takes seconds in the guest.
func BenchmarkInGuestReconcile(b *testing.B) {
	k := ipvsGuestKernel(b)
	const services, reals = 10_000, 10
	table := benchTable(services, reals)

	b.Run("FromEmpty", func(b *testing.B) {
		ck := &countingKernel{Kernel: k}
		writes := 0
		for b.Loop() {
			r := NewReconciler(ck, nil)
			if _, err := r.Reconcile(table); err != nil {
				b.Fatal(err)
			}
			writes += ck.takeWrites()
			b.StopTimer()
			if _, err := r.Reconcile(nil); err != nil {
				b.Fatal(err)
			}
			ck.takeWrites()
			b.StartTimer()
		}
		b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
	})

	b.Run("OneRealChanged", func(b *testing.B) {
		ck := &countingKernel{Kernel: k}
		r := NewReconciler(ck, nil)
		if _, err := r.Reconcile(table); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { r.Reconcile(nil) })
		ck.takeWrites()
		n := 0
		for b.Loop() {
			n++
			table[services/2].Reals[reals/2].Weight = 1 + n%2
			if _, err := r.Reconcile(table); err != nil {
				b.Fatal(err)
			}
		}
		writes := ck.takeWrites()
		b.ReportMetric(float64(writes)/float64(b.N), "writes/op")
		if writes != b.N {
			b.Errorf("%d writes in %d runs, want 1 each", writes, b.N)
		}
	})
}

// BenchmarkInGuestIpvsadm is the same work done by ipvsadm in the same guest:
// ipvsadm -R of the benchTable rules from empty, and one ipvsadm -e.
func BenchmarkInGuestIpvsadm(b *testing.B) {
	ipvsGuestKernel(b)
	const services, reals = 10_000, 10
	var rules strings.Builder
	for _, s := range benchTable(services, reals) {
		fmt.Fprintf(&rules, "-A -t %s -s %s\n", s.Key.Addr, s.Scheduler)
		for _, r := range s.Reals {
			fmt.Fprintf(&rules, "-a -t %s -r %s -g -w %d\n", s.Key.Addr, r.Addr, r.Weight)
		}
	}
	restore := func(b *testing.B) {
		cmd := exec.Command("ipvsadm", "-R")
		cmd.Stdin = strings.NewReader(rules.String())
		if out, err := cmd.CombinedOutput(); err != nil {
			b.Fatalf("ipvsadm -R: %v: %s", err, out)
		}
	}
	b.Run("RestoreFromEmpty", func(b *testing.B) {
		for b.Loop() {
			restore(b)
			b.StopTimer()
			ipvsGuestRun(b, "ipvsadm", "-C")
			b.StartTimer()
		}
	})
	b.Run("OneRealChanged", func(b *testing.B) {
		restore(b)
		b.Cleanup(func() { ipvsGuestTry("ipvsadm", "-C") })
		svc := benchTable(services, reals)[services/2]
		n := 0
		for b.Loop() {
			n++
			ipvsGuestRun(b, "ipvsadm", "-e", "-t", svc.Key.Addr.String(), "-r", svc.Reals[reals/2].Addr.String(),
				"-g", "-w", fmt.Sprint(1+n%2))
		}
	})
}

// TestInGuestManagerAppliesOnlyChanges runs the Manager's scenario of
// health changes, reloads and a resync on the kernel, with the same writes
// for each step, and compares the whole table with ipvsadm -Ln after each.
func TestInGuestManagerAppliesOnlyChanges(t *testing.T) {
	k := ipvsGuestKernel(t)
	check := ipvsGuestWholeTable(t, k)
	managerScenario(t, k, 120, func(t *testing.T, step string) { check(t, step) })
}

// ipvsGuestWholeTable empties the kernel's whole table now and at the end,
// and returns a check that compares the table as Format lists it with
// ipvsadm -Ln, byte for byte, and returns ipvsadm's listing.
func ipvsGuestWholeTable(tb testing.TB, k *Netlink) func(t *testing.T, step string) string {
	ipvsGuestRun(tb, "ipvsadm", "-C")
	tb.Cleanup(func() { ipvsGuestTry("ipvsadm", "-C") })
	info, err := ReadInfo()
	if err != nil {
		tb.Fatal(err)
	}
	return func(t *testing.T, step string) string {
		t.Helper()
		states, err := List(k)
		if err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		if err := Format(&got, states, ListOptions{Info: info}); err != nil {
			t.Fatal(err)
		}
		want := ipvsGuestRun(t, "ipvsadm", "-Ln")
		if got.String() != want {
			t.Errorf("%s: the table as listed:\n%s\nipvsadm -Ln:\n%s", step, got.String(), want)
		}
		return want
	}
}
