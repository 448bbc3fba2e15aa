package ipvs

import (
	"bytes"
	"net/netip"
	"strings"
	"testing"
)

// schedKey is the key of the service on port p of 192.0.2.20.
func schedKey(p uint16) ServiceKey {
	return ServiceKey{Proto: TCP, Addr: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.20"), p)}
}

// schedTable has a service for each scheduler Linux 6.1 added to
// ipvsadm's ten (fo, ovf, mh) and for the sh and mh flags. The guest test
// programs it too and checks ipvsadm's listing against sched.golden.
func schedTable() []Service {
	reals := func(p uint16) []Real {
		return []Real{{Addr: ap(realIP(41), p), Weight: 1}, {Addr: ap(realIP(42), p), Weight: 2}}
	}
	return []Service{
		{Key: schedKey(81), Scheduler: MH, Fallback: true, HashPort: true, Reals: reals(81)},
		{Key: schedKey(82), Scheduler: MH, HashPort: true, Reals: reals(82)},
		{Key: schedKey(83), Scheduler: MH, Reals: reals(83)},
		{Key: schedKey(84), Scheduler: SH, Fallback: true, Reals: reals(84)},
		{Key: schedKey(85), Scheduler: SH, Fallback: true, HashPort: true, Reals: reals(85)},
		{Key: schedKey(86), Scheduler: FO, Reals: reals(86)},
		{Key: schedKey(87), Scheduler: OVF, Reals: reals(87)},
	}
}

// TestSchedListFormat programs the scheduler table into the in-memory
// kernel and lists it as ipvsadm -Ln would (sched.golden, which the guest
// test checks against ipvsadm), and reads each service's flags back.
func TestSchedListFormat(t *testing.T) {
	m := newMemKernel()
	table := schedTable()
	if _, err := Reconcile(m, table, nil); err != nil {
		t.Fatal(err)
	}
	states, err := List(m)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range table {
		got, ok := stateOf(t, m, want.Key)
		if !ok {
			t.Fatalf("%s is not in the table", want.Key)
		}
		if !sameOptions(got.Service, want) {
			t.Errorf("%s listed as %+v, want %s (fallback %v, port %v)", want.Key, got.Service, want.Scheduler, want.Fallback, want.HashPort)
		}
	}
	var b bytes.Buffer
	if err := Format(&b, states, ListOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "sched.golden", b.Bytes())
	m.ResetCounts()
	if _, err := Reconcile(m, table, nil); err != nil {
		t.Fatal(err)
	}
	if w := m.Counts().Writes(); w != 0 {
		t.Errorf("reconciling the same table again wrote %d times, want 0", w)
	}
}

// A change of a scheduler flag alone is one UpdateService.
func TestSchedFlagChangeIsOneUpdate(t *testing.T) {
	m := newMemKernel()
	table := schedTable()
	if _, err := Reconcile(m, table, nil); err != nil {
		t.Fatal(err)
	}
	table[1].Fallback = true // mh: port -> fallback and port
	table[4].HashPort = false
	m.ResetCounts()
	res, err := Reconcile(m, table, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n, w := res.Count(UpdateService), m.Counts().Writes(); n != 2 || w != 2 {
		t.Errorf("%d service updates and %d writes, want 2 and 2: %v", n, w, res.Ops)
	}
	for _, i := range []int{1, 4} {
		got, _ := stateOf(t, m, table[i].Key)
		if !sameOptions(got.Service, table[i]) {
			t.Errorf("%s is %+v after the update, want %+v", table[i].Key, got.Service, bare(table[i]))
		}
	}
	if got := res.Ops[0].String(); got != "update service TCP 192.0.2.20:82 mh (mh-fallback,mh-port)" {
		t.Errorf("op %q", got)
	}
}

func TestSchedFlagsOnlyForHashing(t *testing.T) {
	for _, s := range []Service{
		{Key: schedKey(80), Scheduler: RR, Fallback: true},
		{Key: schedKey(80), Scheduler: FO, HashPort: true},
		{Key: schedKey(80), Fallback: true}, // the default, wlc
	} {
		_, err := Normalize([]Service{s})
		if err == nil || !strings.Contains(err.Error(), "takes no fallback or port flag (only sh and mh do)") {
			t.Errorf("%s with flags: %v", s.Scheduler, err)
		}
	}
	for _, sched := range Schedulers {
		if _, err := Normalize([]Service{{Key: schedKey(80), Scheduler: sched}}); err != nil {
			t.Errorf("%s: %v", sched, err)
		}
	}
}

// A kernel without a scheduler's module answers ENOENT (Linux 6.1 has no
// twos): the error names the scheduler and its module.
func TestMissingSchedulerIsNamed(t *testing.T) {
	m := newMemKernel(WLC)
	_, err := Reconcile(m, []Service{{Key: schedKey(88), Scheduler: TWOS, Reals: []Real{{Addr: ap(realIP(41), 88), Weight: 1}}}}, nil)
	const want = "ipvs: add service TCP 192.0.2.20:88 twos: this kernel has no scheduler twos (module ip_vs_twos): no such file or directory"
	if err == nil || err.Error() != want {
		t.Errorf("error %v\nwant %s", err, want)
	}
}
