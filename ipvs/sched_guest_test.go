package ipvs

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// ipvsGuestSchedTable programs schedTable into the guest's kernel and
// removes it again at the end of the test.
func ipvsGuestSchedTable(t *testing.T, k Kernel) *Reconciler {
	t.Helper()
	clear := func() {
		for _, s := range schedTable() {
			ipvsGuestTry("ipvsadm", "-D", "-t", s.Key.Addr.String())
		}
		ipvsGuestTry("ipvsadm", "-D", "-t", schedKey(88).Addr.String())
	}
	clear()
	t.Cleanup(clear)
	r := NewReconciler(k, nil)
	if _, err := r.Reconcile(schedTable()); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestInGuestSchedulersMatchIpvsadm programs a service for each of fo,
// ovf and mh and for the sh and mh flags, and checks that the kernel
// takes them, that ipvsadm lists them as Format and sched.golden do, and
// that List reads the flags back (a second reconciliation writes nothing).
func TestInGuestSchedulersMatchIpvsadm(t *testing.T) {
	k := ipvsGuestKernel(t)
	ipvsGuestSchedTable(t, k)
	states, err := List(k)
	if err != nil {
		t.Fatal(err)
	}
	info, err := ReadInfo()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := Format(&got, states, ListOptions{Info: info}); err != nil {
		t.Fatal(err)
	}
	want := ipvsGuestRun(t, "ipvsadm", "-Ln")
	if got.String() != want {
		t.Errorf("Format:\n%s\nipvsadm -Ln:\n%s", got.String(), want)
	}
	wantFile, err := os.ReadFile("testdata/sched.golden")
	if err != nil {
		t.Fatal(err)
	}
	_, body, _ := strings.Cut(want, "\n")
	_, golden, _ := strings.Cut(string(wantFile), "\n")
	if body != golden {
		t.Errorf("ipvsadm -Ln:\n%s\ntestdata/sched.golden:\n%s", body, golden)
	}
	ck := &countingKernel{Kernel: k}
	if _, err := Reconcile(ck, schedTable(), nil); err != nil {
		t.Fatal(err)
	}
	if w := ck.takeWrites(); w != 0 {
		t.Errorf("reconciling the programmed table wrote %d times, want 0", w)
	}
}

// ipvsadm's -b flags are read as the config's: a service ipvsadm made
// with mh-fallback,mh-port is the desired one, and flipping a flag with
// hadirector is one update that ipvsadm then lists.
func TestInGuestSchedFlagsFromIpvsadm(t *testing.T) {
	k := ipvsGuestKernel(t)
	ipvsGuestSchedTable(t, k)
	addr := schedKey(83).Addr.String() // mh without flags
	ipvsGuestRun(t, "ipvsadm", "-E", "-t", addr, "-s", "mh", "-b", "mh-fallback,mh-port")
	table := schedTable()
	table[2].Fallback, table[2].HashPort = true, true
	ck := &countingKernel{Kernel: k}
	if _, err := Reconcile(ck, table, nil); err != nil {
		t.Fatal(err)
	}
	if w := ck.takeWrites(); w != 0 {
		t.Errorf("the service ipvsadm -b set is not read as desired: %d writes", w)
	}
	table[2].Fallback = false
	res, err := Reconcile(ck, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	if w := ck.takeWrites(); w != 1 || res.Count(UpdateService) != 1 {
		t.Errorf("clearing mh-fallback: %d writes, plan %v; want one update", w, res.Ops)
	}
	if out := ipvsGuestRun(t, "ipvsadm", "-Ln", "-t", addr); !strings.Contains(out, "TCP  "+addr+" mh (mh-port)\n") {
		t.Errorf("ipvsadm -Ln -t %s:\n%s", addr, out)
	}
}

// twos is accepted, and a kernel without it (Linux before 6.2, such as
// the guest's 6.1) refuses it with an error that names it, as ipvsadm
// fails too; a kernel with it lists it as ipvsadm does.
func TestInGuestTwos(t *testing.T) {
	k := ipvsGuestKernel(t)
	ipvsGuestSchedTable(t, k)
	svc := Service{Key: schedKey(88), Scheduler: TWOS, Reals: []Real{{Addr: ap(realIP(41), 88), Weight: 1}}}
	_, err := Reconcile(k, append(schedTable(), svc), nil)
	out, ipvsadmErr := exec.Command("ipvsadm", "-A", "-t", "192.0.2.20:89", "-s", "twos").CombinedOutput()
	t.Cleanup(func() { ipvsGuestTry("ipvsadm", "-D", "-t", "192.0.2.20:89") })
	if ipvsadmErr != nil {
		const want = "this kernel has no scheduler twos (module ip_vs_twos): no such file or directory"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ipvsadm cannot add twos (%v: %s), and hadirector says %v; want %q", ipvsadmErr, out, err, want)
		}
		return
	}
	if err != nil {
		t.Fatalf("ipvsadm adds twos, hadirector cannot: %v", err)
	}
	if out := ipvsGuestRun(t, "ipvsadm", "-Ln", "-t", svc.Key.Addr.String()); !strings.Contains(out, "TCP  192.0.2.20:88 twos\n") {
		t.Errorf("ipvsadm -Ln:\n%s", out)
	}
}
