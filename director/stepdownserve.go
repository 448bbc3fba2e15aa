package director

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp/router"
)

// stepDown answers a step-down request: it steps down every master of
// insts (the one named, if named) and waits for each handover to end. The
// first line says how many step down and the longest they may take (the
// CLI waits that long); then one line per instance says how it ended. An
// instance that found no backup, and stays master, makes the request
// fail, as does an address owner named or a named instance not master.
func stepDown(ctx context.Context, insts []Instance, named bool, send func(any) error) error {
	var masters []Instance
	var bound time.Duration
	for _, i := range insts {
		if err := i.CanStepDown(); err != nil {
			if named {
				return err
			}
			continue
		}
		masters = append(masters, i)
		bound = max(bound, i.StepDownBound())
	}
	if len(masters) == 0 {
		return fmt.Errorf("no instance to step down: none of %d is a master other than an address owner", len(insts))
	}
	if err := send(control.StepDownReply{Bound: bound.String(), SteppingDown: len(masters)}); err != nil {
		return err
	}
	outs := make([]router.StepDownOutcome, len(masters))
	errs := make([]error, len(masters))
	var wg sync.WaitGroup
	for k, i := range masters {
		wg.Go(func() { outs[k], errs[k] = i.StepDownWait(ctx) })
	}
	wg.Wait()
	var failed []string
	for k := range masters {
		if errs[k] != nil {
			failed = append(failed, errs[k].Error())
			continue
		}
		if err := send(outs[k]); err != nil {
			return err
		}
		if outs[k].Outcome != router.OutcomeHandedOver {
			failed = append(failed, fmt.Sprintf("instance %s did not hand over: %s", outs[k].Instance, outs[k].Detail))
		}
	}
	if len(failed) > 0 {
		return errors.New(strings.Join(failed, "; "))
	}
	return nil
}
