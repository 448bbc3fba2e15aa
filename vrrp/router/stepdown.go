package router

import (
	"context"
	"fmt"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

// StepDownOutcome is how a step-down ended, for the operator who asked.
type StepDownOutcome struct {
	Instance string     `json:"instance"`
	Outcome  string     `json:"outcome"`          // OutcomeHandedOver, OutcomeNoBackup, OutcomeStopped
	State    vrrp.State `json:"state"`            // the instance's state once it ended
	Master   string     `json:"master,omitempty"` // handed over: the new master
	Detail   string     `json:"detail"`
}

// The outcomes of a step-down.
const (
	OutcomeHandedOver = "handed-over" // a new master was heard; this director is backup and holds preemption
	OutcomeNoBackup   = "no-backup"   // nobody took over by the bound; this director stays master with the VIPs
	OutcomeStopped    = "stopped"     // the instance stopped, faulted or vanished first
)

// StepDownWait steps a master down, as StepDown does, and waits until the
// handover has ended: a new master was heard, or none by ReleaseBound
// (this director then stays master), or the instance stopped first. It
// refuses, with an error that says why, an instance that is not master
// and an address owner.
func (i *Instance) StepDownWait(ctx context.Context) (StepDownOutcome, error) {
	ch := make(chan StepDownOutcome, 1)
	if err := i.beginStepDown(ch); err != nil {
		return StepDownOutcome{}, err
	}
	select {
	case o := <-ch:
		return o, nil
	case <-ctx.Done():
		return StepDownOutcome{}, fmt.Errorf("instance %s: step-down: %w", i.cfg.Name, ctx.Err())
	}
}

// StepDownBound is how long StepDownWait may wait for a new master.
func (i *Instance) StepDownBound() time.Duration {
	return vrrp.ReleaseBound(i.cfg.Version, i.cfg.AdvertInterval)
}

// CanStepDown says why StepDownWait would refuse, or nil.
func (i *Instance) CanStepDown() error {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	return i.stepDownRefusal()
}

// beginStepDown applies the step-down and registers ch for its outcome.
func (i *Instance) beginStepDown(ch chan StepDownOutcome) error {
	i.mmu.Lock()
	defer i.mmu.Unlock()
	if err := i.stepDownRefusal(); err != nil {
		return err
	}
	if i.m.ReleaseBy.IsZero() {
		i.apply(vrrp.Event{Kind: vrrp.EvStepDown}, i.now(), nil)
	}
	r := i.rareFields()
	r.stepDowns = append(r.stepDowns, ch)
	return nil
}

// stepDownRefusal is why the instance cannot step down now, or nil; i.mmu
// is held.
func (i *Instance) stepDownRefusal() error {
	name := i.cfg.Name
	switch {
	case !i.started || i.stopped || !i.live.Load():
		return fmt.Errorf("instance %s is not running", name)
	case i.m.Priority == 255: // the address owner
		return fmt.Errorf("instance %s has priority 255 and owns its addresses: it cannot step down, "+
			"for the owner always preempts (RFC 5798 6.1) and would take them straight back; "+
			"to hand over, give it a priority below the backup's and reload", name)
	case i.m.State != vrrp.Master:
		return fmt.Errorf("instance %s is %s, not master: nothing to step down", name, i.m.State)
	}
	return nil
}

// settleStepDowns hands the outcome to whoever waits for a step-down once
// m has stopped releasing; i.mmu is held.
func (i *Instance) settleStepDowns(m vrrp.Machine) {
	if i.rare == nil || len(i.rare.stepDowns) == 0 || m.State == vrrp.Master && !m.ReleaseBy.IsZero() {
		return
	}
	o := StepDownOutcome{Instance: i.cfg.Name, State: m.State}
	switch m.State {
	case vrrp.Master:
		o.Outcome = OutcomeNoBackup
		o.Detail = fmt.Sprintf("no backup took over within %v: this director stays master and keeps the VIPs", i.StepDownBound())
	case vrrp.Backup:
		o.Outcome = OutcomeHandedOver
		o.Master = m.Master.String()
		o.Detail = fmt.Sprintf("%s is master now; the VIPs leave here after the release grace, and this director holds preemption until 'hadirector resume'", m.Master)
	default:
		o.Outcome = OutcomeStopped
		o.Detail = fmt.Sprintf("the instance went %s before a new master was heard", m.State)
	}
	for _, ch := range i.rare.stepDowns {
		ch <- o // buffered, one outcome each
	}
	i.rare.stepDowns = nil
}
