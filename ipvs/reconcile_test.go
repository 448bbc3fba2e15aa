package ipvs

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/moby/ipvs"
)

// countingKernel counts the write operations that reach any Kernel.
type countingKernel struct {
	Kernel
	writes atomic.Int64
	reads  atomic.Int64
}

func (c *countingKernel) GetServices() ([]*ipvs.Service, error) {
	c.reads.Add(1)
	return c.Kernel.GetServices()
}
func (c *countingKernel) GetDestinations(s *ipvs.Service) ([]*ipvs.Destination, error) {
	c.reads.Add(1)
	return c.Kernel.GetDestinations(s)
}
func (c *countingKernel) takeReads() int { return int(c.reads.Swap(0)) }

func (c *countingKernel) NewService(s *ipvs.Service) error {
	c.writes.Add(1)
	return c.Kernel.NewService(s)
}
func (c *countingKernel) UpdateService(s *ipvs.Service) error {
	c.writes.Add(1)
	return c.Kernel.UpdateService(s)
}
func (c *countingKernel) DelService(s *ipvs.Service) error {
	c.writes.Add(1)
	return c.Kernel.DelService(s)
}
func (c *countingKernel) NewDestination(s *ipvs.Service, d *ipvs.Destination) error {
	c.writes.Add(1)
	return c.Kernel.NewDestination(s, d)
}
func (c *countingKernel) UpdateDestination(s *ipvs.Service, d *ipvs.Destination) error {
	c.writes.Add(1)
	return c.Kernel.UpdateDestination(s, d)
}
func (c *countingKernel) DelDestination(s *ipvs.Service, d *ipvs.Destination) error {
	c.writes.Add(1)
	return c.Kernel.DelDestination(s, d)
}
func (c *countingKernel) SetConfig(cfg *ipvs.Config) error {
	c.writes.Add(1)
	return c.Kernel.SetConfig(cfg)
}

// takeWrites returns the writes counted since the last call.
func (c *countingKernel) takeWrites() int { return int(c.writes.Swap(0)) }

// The three-service table of the package's tests, in addresses a guest can
// route: TCP persistent wlc with DR reals, UDP rr with NAT reals, and
// firewall mark 7 sh with tunnel reals.
var (
	webKey     = ServiceKey{Proto: TCP, Addr: ap(vip, 80)}
	dnsKey     = ServiceKey{Proto: UDP, Addr: ap(vip, 53)}
	markKey    = FWMarkKey(7, false)
	foreignKey = ServiceKey{Proto: TCP, Addr: ap(netip.MustParseAddr("203.0.113.5"), 443)}
)

func testTable() []Service {
	return []Service{
		{Key: webKey, Scheduler: WLC, Persistent: true, PersistTimeout: 300 * time.Second,
			Reals: []Real{{Addr: ap(realIP(11), 80), Weight: 1}, {Addr: ap(realIP(12), 80), Weight: 2}}},
		{Key: dnsKey, Scheduler: RR,
			Reals: []Real{{Addr: ap(realIP(21), 5353), Forward: NAT, Weight: 1}, {Addr: ap(realIP(22), 5353), Forward: NAT, Weight: 1}}},
		{Key: markKey, Scheduler: SH,
			Reals: []Real{{Addr: ap(realIP(31), 0), Forward: Tunnel, Weight: 1}, {Addr: ap(realIP(32), 0), Forward: Tunnel, Weight: 3}}},
	}
}

// stateOf returns the kernel's view of the service key, or false.
func stateOf(t *testing.T, k Kernel, key ServiceKey) (ServiceState, bool) {
	t.Helper()
	all, err := List(k)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range all {
		if s.Service.Key == key {
			slices.SortFunc(s.Reals, func(a, b RealState) int { return a.Real.Addr.Compare(b.Real.Addr) })
			return s, true
		}
	}
	return ServiceState{}, false
}

// checkTable fails unless the kernel holds exactly desired for the keys of
// desired and nothing for the keys in absent.
func checkTable(t *testing.T, k Kernel, desired []Service, absent ...ServiceKey) {
	t.Helper()
	norm, err := Normalize(desired)
	if err != nil {
		t.Fatal(err)
	}
	all, err := List(k)
	if err != nil {
		t.Fatal(err)
	}
	have := make(map[ServiceKey]ServiceState, len(all))
	for _, s := range all {
		have[s.Service.Key] = s
	}
	for _, d := range norm {
		st, ok := have[d.Key]
		if !ok {
			t.Errorf("service %s missing from the kernel", d.Key)
			continue
		}
		if !sameOptions(st.Service, d) || st.Service.Scheduler != d.Scheduler {
			t.Errorf("service %s: kernel has %+v, want %+v", d.Key, st.Service, bare(d))
		}
		var got, want []Real
		for _, r := range st.Reals {
			got = append(got, r.Real)
		}
		for _, r := range d.Reals {
			want = append(want, kernelReal(r))
		}
		slices.SortFunc(got, func(a, b Real) int { return a.Addr.Compare(b.Addr) })
		slices.SortFunc(want, func(a, b Real) int { return a.Addr.Compare(b.Addr) })
		if !slices.Equal(got, want) {
			t.Errorf("service %s: kernel reals %v, want %v", d.Key, got, want)
		}
	}
	for _, key := range absent {
		if _, ok := have[key]; ok {
			t.Errorf("service %s still in the kernel", key)
		}
	}
}

// reconcileScenario programs the test table, changes it step by step and
// checks both the kernel's table and the number of netlink writes; a
// foreign service, already in the kernel, must come through untouched.
// With resync, every step reads the kernel's table first; without, only the
// first does, and the others diff against what the Reconciler programmed
// and read nothing.
func reconcileScenario(t *testing.T, k Kernel, resync bool) {
	ck := &countingKernel{Kernel: k}
	r := NewReconciler(ck, nil)
	first := true
	foreignBefore, ok := stateOf(t, k, foreignKey)
	if !ok {
		t.Fatalf("foreign service %s not set up", foreignKey)
	}

	step := func(name string, desired []Service, wantOps map[OpKind]int, absent ...ServiceKey) {
		t.Helper()
		if resync {
			r.Resync()
		}
		ck.takeReads()
		res, err := r.Reconcile(desired)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if reads := ck.takeReads(); (reads > 0) != (resync || first) {
			t.Errorf("%s: %d netlink reads (resync %v, first %v)", name, reads, resync, first)
		}
		first = false
		total := 0
		for kind, n := range wantOps {
			if got := res.Count(kind); got != n {
				t.Errorf("%s: %d %v, want %d (ops %v)", name, got, kind, n, res.Ops)
			}
			total += n
		}
		if len(res.Ops) != total || res.Applied != total {
			t.Errorf("%s: %d ops, %d applied, want %d: %v", name, len(res.Ops), res.Applied, total, res.Ops)
		}
		if w := ck.takeWrites(); w != total {
			t.Errorf("%s: %d netlink writes, want %d", name, w, total)
		}
		checkTable(t, k, desired, absent...)
		if st, _ := stateOf(t, k, foreignKey); !reflect.DeepEqual(st, foreignBefore) {
			t.Errorf("%s: foreign service changed: %+v, was %+v", name, st, foreignBefore)
		}
	}

	table := testTable()
	step("from empty", table, map[OpKind]int{AddService: 3, AddReal: 6})
	step("again", table, nil)

	table[0].Reals[1].Weight = 7
	step("one weight", table, map[OpKind]int{UpdateReal: 1})

	table[2].Reals[0].Forward = DR
	step("one forwarding method", table, map[OpKind]int{UpdateReal: 1})

	table[1].Scheduler = WLC
	step("scheduler", table, map[OpKind]int{UpdateService: 1})

	table[0].PersistTimeout = 600 * time.Second
	table[0].PersistNetmask = 24
	step("persistence", table, map[OpKind]int{UpdateService: 1})

	table[0].Reals = append(table[0].Reals[:1], Real{Addr: ap(realIP(13), 80), Weight: 4})
	step("real replaced", table, map[OpKind]int{DelReal: 1, AddReal: 1})

	step("service removed", table[:2], map[OpKind]int{DelService: 1}, markKey)
	step("everything removed", nil, map[OpKind]int{DelService: 2}, webKey, dnsKey, markKey)
	if owned := r.Owned(); len(owned) != 0 {
		t.Errorf("still owns %v", owned)
	}
}

func TestReconcileScenario(t *testing.T) {
	m := newMemKernel()
	foreign := &ipvs.Service{AddressFamily: syscall.AF_INET, Protocol: syscall.IPPROTO_TCP,
		Address: foreignKey.Addr.Addr().AsSlice(), Port: 443, SchedName: "rr", Netmask: 0xffffffff}
	if err := m.NewService(foreign); err != nil {
		t.Fatal(err)
	}
	if err := m.NewDestination(foreign, mobyDest(50, 443, 1)); err != nil {
		t.Fatal(err)
	}
	for _, resync := range []bool{true, false} {
		t.Run(fmt.Sprintf("resync=%v", resync), func(t *testing.T) {
			reconcileScenario(t, m, resync)
		})
	}
}

func TestReconcileInvalidAppliesNothing(t *testing.T) {
	m := newMemKernel()
	r := NewReconciler(m, nil)
	if _, err := r.Reconcile(testTable()); err != nil {
		t.Fatal(err)
	}
	m.ResetCounts()
	bad := append(testTable(), Service{Key: tcp6, Scheduler: "nope"})
	bad[0].Reals[0].Weight = 9
	if _, err := r.Reconcile(bad); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("error %v", err)
	}
	if c := m.Counts(); c.Writes() != 0 || c.Reads() != 0 {
		t.Errorf("invalid desired state touched the kernel: %+v", c)
	}
	if got := len(r.Owned()); got != 3 {
		t.Errorf("owns %d services after a rejected state, want 3", got)
	}
}

func TestReconcileFailures(t *testing.T) {
	m := newMemKernel(WLC, RR) // sh is not loaded: the fwmark service cannot be added
	r := NewReconciler(m, nil)
	res, err := r.Reconcile(testTable())
	if !errors.Is(err, syscall.ENOENT) || !strings.Contains(err.Error(), "add service FWM 7") {
		t.Fatalf("error %v, want ENOENT naming FWM 7", err)
	}
	if res.Applied != 6 || len(res.Failed) != 3 {
		t.Errorf("applied %d, failed %v; want 6 applied and the service with its 2 reals failed", res.Applied, res.Failed)
	}
	if c := m.Counts(); c.NewDestination != 4 {
		t.Errorf("%d NewDestination, want 4: reals of a service that failed are skipped", c.NewDestination)
	}
	checkTable(t, m, testTable()[:2])

	// A deletion that fails keeps the service owned, and is retried.
	m.Fail = func(op string, s *ipvs.Service, d *ipvs.Destination) error {
		if op == "DelService" {
			return syscall.EBUSY
		}
		return nil
	}
	if _, err := r.Reconcile(testTable()[1:2]); !errors.Is(err, syscall.EBUSY) {
		t.Fatalf("error %v, want EBUSY", err)
	}
	if owned := r.Owned(); !slices.Contains(owned, webKey) {
		t.Errorf("owned %v lost %s after its deletion failed", owned, webKey)
	}
	m.Fail = nil
	res, err = r.Reconcile(testTable()[1:2])
	if err != nil || res.Count(DelService) != 1 {
		t.Errorf("retry: %v, %v", res.Ops, err)
	}
	checkTable(t, m, testTable()[1:2], webKey)

	// A kernel that cannot be read changes nothing, ownership included.
	m.Fail = func(op string, s *ipvs.Service, d *ipvs.Destination) error {
		if op == "GetServices" {
			return syscall.EPERM
		}
		return nil
	}
	r.Resync() // the last reconcile succeeded: without this it would not read
	if _, err := r.Reconcile(nil); !errors.Is(err, syscall.EPERM) {
		t.Fatalf("error %v, want EPERM", err)
	}
	if owned := r.Owned(); !slices.Equal(owned, []ServiceKey{dnsKey}) {
		t.Errorf("owned %v after a failed read, want [%s]", owned, dnsKey)
	}
}

func TestReconcileFunctionOwnership(t *testing.T) {
	m := newMemKernel()
	if _, err := Reconcile(m, testTable(), nil); err != nil {
		t.Fatal(err)
	}
	// Without ownership nothing undesired is deleted...
	res, err := Reconcile(m, nil, func(ServiceKey) bool { return false })
	if err != nil || len(res.Ops) != 0 {
		t.Errorf("unowned: ops %v, err %v", res.Ops, err)
	}
	// ...and with it, only what is owned.
	res, err = Reconcile(m, nil, func(k ServiceKey) bool { return k == markKey })
	if err != nil || len(res.Ops) != 1 || res.Ops[0].Service.Key != markKey {
		t.Errorf("owned mark: ops %v, err %v", res.Ops, err)
	}
	checkTable(t, m, testTable()[:2], markKey)
}

// After a reconciliation that succeeded the Reconciler trusts its memory; a
// change made behind its back (ipvsadm) is repaired at the next Resync, and
// a failed operation makes the next reconciliation read the table again.
func TestReconcilerMemoryAndResync(t *testing.T) {
	m := newMemKernel()
	ck := &countingKernel{Kernel: m}
	r := NewReconciler(ck, nil)
	table := testTable()
	if _, err := r.Reconcile(table); err != nil {
		t.Fatal(err)
	}
	// Someone deletes one of our real servers.
	web := toMoby(table[0])
	if err := m.DelDestination(web, destToMoby(table[0].Reals[0], false)); err != nil {
		t.Fatal(err)
	}
	ck.takeReads()
	if res, err := r.Reconcile(table); err != nil || len(res.Ops) != 0 {
		t.Fatalf("from memory: ops %v, err %v; want none", res.Ops, err)
	}
	if n := ck.takeReads(); n != 0 {
		t.Errorf("%d reads from memory, want 0", n)
	}
	r.Resync()
	res, err := r.Reconcile(table)
	if err != nil || res.Count(AddReal) != 1 || len(res.Ops) != 1 {
		t.Fatalf("after Resync: ops %v, err %v; want the one real added back", res.Ops, err)
	}
	checkTable(t, m, table)

	// A failure forgets the memory.
	m.Fail = func(op string, s *ipvs.Service, d *ipvs.Destination) error {
		if op == "UpdateDestination" {
			return syscall.EIO
		}
		return nil
	}
	table[0].Reals[0].Weight = 9
	if _, err := r.Reconcile(table); !errors.Is(err, syscall.EIO) {
		t.Fatalf("err %v, want EIO", err)
	}
	m.Fail = nil
	ck.takeReads()
	if res, err := r.Reconcile(table); err != nil || res.Count(UpdateReal) != 1 {
		t.Fatalf("retry: ops %v, err %v", res.Ops, err)
	}
	if n := ck.takeReads(); n == 0 {
		t.Error("the retry after a failure did not read the table")
	}
	checkTable(t, m, table)
}
