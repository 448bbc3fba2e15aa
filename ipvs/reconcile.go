package ipvs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"syscall"
)

// Result is what a reconciliation did.
type Result struct {
	Ops     []Op // the plan, in the order applied
	Applied int  // operations that succeeded
	Failed  []Op // operations that failed or were skipped because an earlier one failed
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
	actual, err := readTable(k, keys)
	if err != nil {
		return Result{}, err
	}
	return apply(k, Diff(want, actual, owned))
}

func apply(k Kernel, ops []Op) (Result, error) {
	res := Result{Ops: ops}
	var errs []error
	notAdded := make(map[ServiceKey]bool)
	for _, op := range ops {
		if notAdded[op.Service.Key] {
			res.Failed = append(res.Failed, op)
			continue
		}
		if err := do(k, op); err != nil {
			errs = append(errs, fmt.Errorf("ipvs: %v: %w", op, err))
			res.Failed = append(res.Failed, op)
			if op.Kind == AddService {
				notAdded[op.Service.Key] = true
			}
			continue
		}
		res.Applied++
	}
	return res, errors.Join(errs...)
}

func do(k Kernel, op Op) error {
	s := toMoby(op.Service)
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
// that memory instead of listing the table: one changed real server costs one
// netlink request and no reads, even with 10,000 services. A failure, or
// Resync, makes the next one read the table again; a daemon resyncs now and
// then to repair changes made behind its back.
//
// Ownership lives in memory: services dropped from the configuration while
// the process was not running are not deleted by the next process.
type Reconciler struct {
	mu    sync.Mutex
	k     Kernel
	owned map[ServiceKey]bool
	// known is the kernel's table of the owned services after the last
	// reconciliation, when it fully succeeded; nil means read the kernel.
	known []Service
	log   *slog.Logger
}

// NewReconciler returns a Reconciler of k that owns nothing yet. log may be nil.
func NewReconciler(k Kernel, log *slog.Logger) *Reconciler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Reconciler{k: k, owned: make(map[ServiceKey]bool), log: log}
}

// Resync makes the next Reconcile read the kernel's table rather than trust
// what the Reconciler last programmed.
func (r *Reconciler) Resync() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.known = nil
}

// Reconcile makes the table match desired, as the package's Reconcile does
// with the services this Reconciler owns.
func (r *Reconciler) Reconcile(desired []Service) (Result, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	owned := func(k ServiceKey) bool { return r.owned[k] }
	var res Result
	var err error
	if r.known != nil {
		want, nerr := Normalize(desired)
		if nerr != nil {
			return Result{}, nerr
		}
		res, err = apply(r.k, Diff(want, r.known, owned))
	} else {
		res, err = Reconcile(r.k, desired, owned)
	}
	if res.Ops == nil && err != nil {
		return res, err // nothing was read or applied
	}
	r.known = nil
	if err == nil && len(res.Failed) == 0 {
		r.known, _ = Normalize(desired) // valid: checked above
		if r.known == nil {
			r.known = []Service{}
		}
	}
	next := make(map[ServiceKey]bool, len(desired))
	for _, s := range desired {
		next[s.Key] = true
	}
	for _, op := range res.Failed {
		if op.Kind == DelService {
			next[op.Service.Key] = true
		}
	}
	r.owned = next
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
