package ipvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"syscall"

	"github.com/moby/ipvs"
)

// Result is what a reconciliation did.
type Result struct {
	Ops     []Op // the plan, in the order applied
	Applied int  // operations that succeeded
	Failed  []Op // operations that failed or were skipped because an earlier one failed
	// Diffed is how many desired services were compared with the kernel's.
	Diffed int
}

// Count returns how many planned operations are of kind k.
func (r Result) Count(k OpKind) int {
	n := 0
	for _, o := range r.Ops {
		if o.Kind == k {
			n++
		}
	}
	return n
}

// Reconcile makes the kernel's table match desired with the fewest netlink
// requests (see Diff). It never flushes: a service that is not desired is
// deleted only if owned reports it as owned; services of others are never
// touched. It applies nothing if desired is invalid (see Normalize). Once
// the table is read, every operation is tried; failures are joined in the
// error, and the real servers of a service that could not be added are skipped.
func Reconcile(k Kernel, desired []Service, owned func(ServiceKey) bool) (Result, error) {
	want, err := Normalize(desired)
	if err != nil {
		return Result{}, err
	}
	keys := make(map[ServiceKey]bool, len(want))
	for _, s := range want {
		keys[s.Key] = true
	}
	actual, err := readTable(k, func(k ServiceKey) bool { return keys[k] })
	if err != nil {
		return Result{}, err
	}
	return apply(k, Diff(want, actual, owned))
}

func apply(k Kernel, ops []Op) (Result, error) {
	res := Result{Ops: ops}
	var errs []error
	notAdded := make(map[ServiceKey]bool)
	// The kernel form of the service of the operation before: a service's
	// operations come together in a plan, and converting it for each of its
	// real servers would allocate it again and again.
	var last *Service
	var svc *ipvs.Service
	for i := range ops {
		op := &ops[i]
		if notAdded[op.Service.Key] {
			res.Failed = append(res.Failed, *op)
			continue
		}
		if last == nil || last.Key != op.Service.Key || !sameOptions(*last, op.Service) {
			last, svc = &op.Service, toMoby(op.Service)
		}
		if err := do(k, op, svc); err != nil {
			errs = append(errs, fmt.Errorf("ipvs: %v: %w", *op, err))
			res.Failed = append(res.Failed, *op)
			if op.Kind == AddService {
				notAdded[op.Service.Key] = true
			}
			continue
		}
		res.Applied++
	}
	return res, errors.Join(errs...)
}

// do performs op; s is the kernel form of its service.
func do(k Kernel, op *Op, s *ipvs.Service) error {
	switch op.Kind {
	case AddService:
		return noScheduler(op.Service, k.NewService(s))
	case UpdateService:
		return noScheduler(op.Service, k.UpdateService(s))
	case DelService:
		return k.DelService(s)
	case AddReal:
		return k.NewDestination(s, destToMoby(op.Real, is6(s)))
	case UpdateReal:
		return k.UpdateDestination(s, destToMoby(op.Real, is6(s)))
	case DelReal:
		return k.DelDestination(s, destToMoby(op.Real, is6(s)))
	}
	return fmt.Errorf("unknown operation %v", op.Kind)
}

// noScheduler names the cause of an ENOENT from adding or updating a
// service: the kernel loads a scheduler's module (ip_vs_NAME) on demand
// and answers ENOENT when it has none, as Linux before 6.2 for twos.
func noScheduler(s Service, err error) error {
	if errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("this kernel has no scheduler %s (module ip_vs_%s): %w", s.Scheduler, s.Scheduler, err)
	}
	return err
}

// Reconciler reconciles the kernel's table with successive desired states,
// remembering which services it owns: those desired now, and those desired
// before whose deletion has not yet succeeded. A service it never desired,
// such as one added with ipvsadm, is never changed or deleted; a service that
// leaves the desired set is deleted. Reconcile(nil) removes everything it owns.
//
// After a reconciliation in which every operation succeeded, the Reconciler
// knows what the kernel holds of its services, so the next one diffs against
// that memory instead of listing the table; Update diffs only the services it
// is given: one changed real server costs one netlink request, no reads and
// no pass over the other services, even with 10,000 of them. A failure, or
// Resync, makes the next one read the whole table again and diff every
// desired service; a daemon resyncs now and then to repair changes made
// behind its back.
//
// Ownership lives in memory: services dropped from the configuration while
// the process was not running are not deleted by the next process.
type Reconciler struct {
	mu    sync.Mutex
	k     Kernel
	want  map[ServiceKey]Service // the desired table, normalized
	owned map[ServiceKey]bool
	// known is the kernel's table of the owned services after the last
	// reconciliation, when it fully succeeded; nil means read the kernel.
	known map[ServiceKey]Service
	log   *slog.Logger
}

// NewReconciler returns a Reconciler of k that owns nothing yet. log may be nil.
func NewReconciler(k Kernel, log *slog.Logger) *Reconciler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reconciler{k: k, want: make(map[ServiceKey]Service), owned: make(map[ServiceKey]bool), log: log}
}

// Resync makes the next Reconcile or Update read the kernel's table and
// diff every desired service, rather than trust what it last programmed.
func (r *Reconciler) Resync() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.known = nil
}

// Reconcile makes the table match desired, the whole desired table, as the
// package's Reconcile does with the services this Reconciler owns.
func (r *Reconciler) Reconcile(desired []Service) (Result, error) {
	want, err := Normalize(desired)
	if err != nil {
		return Result{}, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	next := make(map[ServiceKey]Service, len(want))
	for _, s := range want {
		next[s.Key] = s
	}
	var removed []ServiceKey
	for k := range r.want {
		if _, ok := next[k]; !ok {
			removed = append(removed, k)
		}
	}
	r.want = next
	return r.apply(want, removed)
}

// Update changes the desired table for the services named only: each of
// changed replaces the desired service of its key (or adds it), and each of
// removed leaves the desired table. Only those services are diffed and
// written, unless the kernel's table must be read (after Resync or a
// failure): then every desired service is. It applies nothing if a changed
// service is invalid (see Normalize) or a key is both changed and removed.
func (r *Reconciler) Update(changed []Service, removed []ServiceKey) (Result, error) {
	want, err := Normalize(changed)
	if err != nil {
		return Result{}, err
	}
	return r.update(want, removed)
}

// update is Update of services already normalized, which it keeps: the
// caller must not change them afterwards.
func (r *Reconciler) update(want []Service, removed []ServiceKey) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, k := range removed {
		if slices.ContainsFunc(want, func(s Service) bool { return s.Key == k }) {
			return Result{}, fmt.Errorf("ipvs: service %s both changed and removed", k)
		}
	}
	for _, s := range want {
		r.want[s.Key] = s
	}
	for _, k := range removed {
		delete(r.want, k)
	}
	return r.apply(want, removed)
}

// apply programs the changed services (already in r.want) and deletes the
// removed ones, from memory when it can, else from a read of the table.
func (r *Reconciler) apply(changed []Service, removed []ServiceKey) (Result, error) {
	owned := func(k ServiceKey) bool { return r.owned[k] }
	var res Result
	var err error
	full := r.known == nil
	if full {
		all := make([]Service, 0, len(r.want))
		for _, s := range r.want {
			all = append(all, s)
		}
		var actual []Service
		actual, err = readTable(r.k, func(k ServiceKey) bool { _, ok := r.want[k]; return ok })
		if err != nil {
			return Result{}, err // nothing was read or applied
		}
		res, err = apply(r.k, Diff(all, actual, owned))
		res.Diffed = len(all)
	} else {
		actual := make([]Service, 0, len(changed)+len(removed))
		for _, s := range changed {
			if a, ok := r.known[s.Key]; ok {
				actual = append(actual, a)
			}
		}
		for _, k := range removed {
			if a, ok := r.known[k]; ok {
				actual = append(actual, a)
			}
		}
		res, err = apply(r.k, Diff(changed, actual, owned))
		res.Diffed = len(changed)
	}
	ok := err == nil && len(res.Failed) == 0
	switch {
	case !ok:
		r.known = nil
	case full:
		r.known = maps.Clone(r.want)
	default:
		for _, s := range changed {
			r.known[s.Key] = s
		}
		for _, k := range removed {
			delete(r.known, k)
		}
	}
	r.updateOwned(full, res, changed, removed)
	if r.log.Enabled(context.Background(), slog.LevelDebug) {
		for _, op := range res.Ops {
			r.log.Debug("ipvs change", "op", op.String())
		}
	}
	if len(res.Ops) > 0 {
		r.log.Info("ipvs table reconciled", "ops", len(res.Ops), "applied", res.Applied, "failed", len(res.Failed))
	}
	return res, err
}

// updateOwned makes the owned services those desired and those whose
// deletion failed: rebuilt after a full pass, which may have deleted any
// owned service, and otherwise changed for the removed services only.
func (r *Reconciler) updateOwned(full bool, res Result, changed []Service, removed []ServiceKey) {
	failedDel := make(map[ServiceKey]bool)
	for _, op := range res.Failed {
		if op.Kind == DelService {
			failedDel[op.Service.Key] = true
		}
	}
	if full {
		r.owned = make(map[ServiceKey]bool, len(r.want))
		for k := range r.want {
			r.owned[k] = true
		}
		maps.Copy(r.owned, failedDel)
		return
	}
	for _, k := range removed {
		if !failedDel[k] {
			delete(r.owned, k)
		}
	}
	for _, s := range changed {
		r.owned[s.Key] = true
	}
}

// Owned returns the keys of the services the Reconciler owns, in order.
func (r *Reconciler) Owned() []ServiceKey {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := make([]ServiceKey, 0, len(r.owned))
	for k := range r.owned {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, compareKeys)
	return keys
}
