package ipvs

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"time"
)

// OpKind is the kind of one change to the kernel's table: one netlink request.
type OpKind uint8

// The changes Diff plans.
const (
	AddService OpKind = iota + 1
	UpdateService
	DelService
	AddReal
	UpdateReal
	DelReal
)

func (k OpKind) String() string {
	switch k {
	case AddService:
		return "add service"
	case UpdateService:
		return "update service"
	case DelService:
		return "delete service"
	case AddReal:
		return "add real"
	case UpdateReal:
		return "update real"
	case DelReal:
		return "delete real"
	}
	return fmt.Sprintf("OpKind(%d)", uint8(k))
}

// Op is one change: Service is the service acted on (for real server changes,
// the service the real server belongs to; its Reals are not used) and Real the
// real server, for AddReal, UpdateReal and DelReal.
type Op struct {
	Kind    OpKind
	Service Service
	Real    Real
}

// String describes the change as a log line would.
func (o Op) String() string {
	switch o.Kind {
	case AddService, UpdateService:
		return fmt.Sprintf("%v %s %s", o.Kind, o.Service.Key, serviceOptions(o.Service))
	case DelService:
		return fmt.Sprintf("%v %s", o.Kind, o.Service.Key)
	case DelReal:
		return fmt.Sprintf("%v %s -> %s", o.Kind, o.Service.Key, o.Real.Addr)
	}
	return fmt.Sprintf("%v %s -> %s %v weight %d", o.Kind, o.Service.Key, o.Real.Addr, o.Real.Forward, o.Real.Weight)
}

func serviceOptions(s Service) string {
	o := string(s.Scheduler)
	if f := schedFlagBits(s); f != 0 {
		o += " (" + schedFlags(s.Scheduler, f) + ")"
	}
	if !s.Persistent {
		return o
	}
	return fmt.Sprintf("%s persistent %d /%d", o, int64(s.PersistTimeout/time.Second), s.PersistNetmask)
}

// Diff returns the fewest changes that turn actual into desired: services
// missing from actual are added with their real servers; a service whose
// scheduler, scheduler flags or persistence differs costs one UpdateService; a real server whose
// weight or forwarding method differs costs one UpdateReal; real servers of a
// desired service that are not desired are deleted; and a service of actual
// that is not desired is deleted only if owned reports it as owned.
//
// desired must be normalized (see Normalize); actual is as the kernel lists it
// (see List), and its Reals matter only for services also in desired. The
// result is deterministic: deletions of services first, then each desired
// service in key order, its real servers deleted, updated, then added.
// Diff does no I/O.
func Diff(desired, actual []Service, owned func(ServiceKey) bool) []Op {
	have := make(map[ServiceKey]*Service, len(actual))
	for i := range actual {
		have[actual[i].Key] = &actual[i]
	}
	want := make(map[ServiceKey]bool, len(desired))
	for _, s := range desired {
		want[s.Key] = true
	}

	var gone []Service
	for _, a := range actual {
		if !want[a.Key] && owned != nil && owned(a.Key) {
			gone = append(gone, a)
		}
	}
	// The plan's size, as far as it is known before diffing the real
	// servers of the services both have: from empty it is all of it, and
	// growing a slice of 110,000 operations by appending would copy it
	// over and over.
	n := len(gone)
	for _, d := range desired {
		if _, ok := have[d.Key]; !ok {
			n += 1 + len(d.Reals)
		}
	}
	ops := make([]Op, 0, n)
	slices.SortFunc(gone, func(a, b Service) int { return compareKeys(a.Key, b.Key) })
	for _, a := range gone {
		ops = append(ops, Op{Kind: DelService, Service: bare(a)})
	}

	order := make([]int, len(desired))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return compareKeys(desired[i].Key, desired[j].Key) })
	for _, i := range order {
		d := desired[i]
		a, ok := have[d.Key]
		if !ok {
			ops = append(ops, Op{Kind: AddService, Service: bare(d)})
			for _, r := range d.Reals {
				ops = append(ops, Op{Kind: AddReal, Service: bare(d), Real: kernelReal(r)})
			}
			continue
		}
		if !sameOptions(d, *a) {
			ops = append(ops, Op{Kind: UpdateService, Service: bare(d)})
		}
		ops = diffReals(ops, d, a.Reals)
	}
	return ops
}

func diffReals(ops []Op, d Service, actual []Real) []Op {
	want := make(map[netip.AddrPort]Real, len(d.Reals))
	for _, r := range d.Reals {
		want[r.Addr] = r
	}
	have := make(map[netip.AddrPort]Real, len(actual))
	var gone []Real
	for _, r := range actual {
		have[r.Addr] = r
		if _, ok := want[r.Addr]; !ok {
			gone = append(gone, r)
		}
	}
	slices.SortFunc(gone, func(a, b Real) int { return a.Addr.Compare(b.Addr) })
	for _, r := range gone {
		ops = append(ops, Op{Kind: DelReal, Service: bare(d), Real: kernelReal(r)})
	}
	for _, r := range d.Reals {
		if a, ok := have[r.Addr]; ok && (a.Weight != r.Weight || a.Forward != r.Forward) {
			ops = append(ops, Op{Kind: UpdateReal, Service: bare(d), Real: kernelReal(r)})
		}
	}
	for _, r := range d.Reals {
		if _, ok := have[r.Addr]; !ok {
			ops = append(ops, Op{Kind: AddReal, Service: bare(d), Real: kernelReal(r)})
		}
	}
	return ops
}

// sameOptions reports whether the kernel options of two services of the
// same key agree. Persistence timeout and netmask matter only when persistent.
func sameOptions(a, b Service) bool {
	if a.Scheduler != b.Scheduler || a.Persistent != b.Persistent ||
		a.Fallback != b.Fallback || a.HashPort != b.HashPort {
		return false
	}
	return !a.Persistent || a.PersistTimeout == b.PersistTimeout && a.PersistNetmask == b.PersistNetmask
}

// bare returns the kernel attributes of s: no reals, no health policy.
func bare(s Service) Service {
	return Service{Key: s.Key, Scheduler: s.Scheduler, Persistent: s.Persistent,
		PersistTimeout: s.PersistTimeout, PersistNetmask: s.PersistNetmask,
		Fallback: s.Fallback, HashPort: s.HashPort}
}

// kernelReal returns the kernel attributes of r.
func kernelReal(r Real) Real {
	r.Check = nil
	return r
}

// compareKeys orders keys: by kind, family, address, port, mark.
func compareKeys(a, b ServiceKey) int {
	return cmp.Or(
		cmp.Compare(a.Proto, b.Proto),
		a.Addr.Compare(b.Addr),
		cmp.Compare(a.FWMark, b.FWMark),
	)
}
