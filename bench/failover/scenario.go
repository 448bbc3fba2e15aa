package main

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

// run is one pair's walk through the rows in one lab. Each row starts from
// the settled state the previous one ended in (exactly one master, the VIP
// on it alone, the gateway's entry on its MAC, the VIP answering pings),
// and its figures are from its own trigger to its own effects.
type run struct {
	l       *netlab.Lab
	w       *watcher
	ping    *pinger
	adv     *adverts
	im      impl
	iv, dir string
	out     []sample
	marks   []mark
	st      state // the settled state the next row starts from
	at      int   // index of the watcher's changes st holds at
}

// mark is a row's trigger, for the figures read from the capture and the
// ping at the end.
type mark struct {
	row string
	t0  time.Time
	to  string // the director that ends up master; "" for no wire figures
}

func (r *run) add(row string, d time.Duration) {
	r.out = append(r.out, sample{r.im.name(), r.iv, row, fam.name, d})
}

// row runs act, whose returned instant is the row's trigger t0, and waits
// until the lab settles in want. It returns the state the row started in
// and the row's changes from t0 on; a change between the last settle and
// t0 is an error, as the row would not have started settled.
func (r *run) row(name string, act func() (time.Time, error), want state, master string) (t0 time.Time, start state, cs []change, err error) {
	start, from := r.st, r.at
	if t0, err = act(); err != nil {
		return t0, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if err := r.settle(want, fam.advertSrc[master], 5); err != nil {
		return t0, nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	var before []change
	for _, c := range r.w.between(from, r.at) {
		if c.at.Before(t0) {
			before = append(before, c)
		} else {
			cs = append(cs, c)
		}
	}
	if s := replay(start, before); !maps.Equal(s, start) {
		return t0, nil, nil, fmt.Errorf("%s: the state changed before the trigger: %s, not %s (%s)", name, s, start, changesAt(t0, before))
	}
	return t0, start, cs, nil
}

// handover runs a row that moves the VIP from director old to director
// to (MAC mac), and reports when the new master held the VIP, when the
// gateway's entry moved, and, with off, when the old master dropped it.
func (r *run) handover(name, old, to, mac string, off bool, act func() (time.Time, error)) error {
	want := state{to: held, "gw": mac}
	if off {
		want[old] = ""
	}
	t0, start, cs, err := r.row(name, act, want, to)
	if err != nil {
		return err
	}
	figs := []struct{ row, key, val string }{
		{": VIP on new master", to, held},
		{": gateway ARP moved", "gw", mac},
	}
	if off {
		figs = append(figs, struct{ row, key, val string }{": VIP off old master", old, ""})
	}
	for _, f := range figs {
		d, err := since(start[f.key], t0, cs, f.key, f.val)
		if err != nil {
			return fmt.Errorf("%s%s: %w", name, f.row, err)
		}
		r.add(name+f.row, d)
	}
	r.marks = append(r.marks, mark{name, t0, to})
	return nil
}

// now is an act that does f and is triggered the moment f starts.
func now(f func() error) func() (time.Time, error) {
	return func() (time.Time, error) { t := time.Now(); return t, f() }
}

// walk runs the rows: cold election, link cut, heal, SIGTERM, preemption
// back, and a planned step-down where the implementation has one.
func (r *run) walk() error {
	if err := r.settle(state{"dA": "", "dB": "", "gw": ""}, netip.Addr{}, 0); err != nil {
		return fmt.Errorf("empty lab: %w", err)
	}
	var a *netlab.Proc
	t0, start, cs, err := r.row("cold election", now(func() error {
		var e error
		if a, e = r.im.start(r.l, r.dir, "dA", 150); e != nil {
			return e
		}
		_, e = r.im.start(r.l, r.dir, "dB", 100)
		return e
	}), state{"dA": held, "dB": "", "gw": macA}, "dA")
	if err != nil {
		return err
	}
	d, err := since(start["dA"], t0, cs, "dA", held)
	if err != nil {
		return fmt.Errorf("cold election: %w", err)
	}
	r.add("cold election: VIP on master", d)

	// Cut off, dA keeps the VIP: the row ends with it on both.
	cut := func() (time.Time, error) {
		return cutAfterAdvert(r.l.NS("gw"), "eth0", r.l.NS("sw"), "dA", fam.advertSrc["dA"], bound)
	}
	if err := r.handover("link cut", "dA", "dB", macB, false, cut); err != nil {
		return err
	}
	// Healed, dA preempts; the gateway must come back to it.
	t0, start, cs, err = r.row("heal after cut", now(func() error { return r.l.Heal("sw", "dA") }), state{"dA": held, "dB": "", "gw": macA}, "dA")
	if err != nil {
		return err
	}
	if d, err = since(start["gw"], t0, cs, "gw", macA); err != nil {
		return fmt.Errorf("heal after cut: %w", err)
	}
	r.add("heal after cut: gateway ARP back", d)
	r.marks = append(r.marks, mark{"heal after cut", t0, ""})

	if err := r.handover("SIGTERM", "dA", "dB", macB, true, now(func() error { return a.Signal(syscall.SIGTERM) })); err != nil {
		return err
	}
	if _, err := a.Wait(context.Background()); err != nil {
		return err
	}
	if err := r.handover("preempt back", "dB", "dA", macA, true, now(func() error { _, err := r.im.start(r.l, r.dir, "dA", 150); return err })); err != nil {
		return err
	}
	if !r.im.canStepDown() {
		return nil
	}
	// A planned switchover (hadirector step-down: make-before-break).
	return r.handover("planned step-down", "dA", "dB", macB, true, now(func() error { return r.im.stepDown(r.l, r.dir, "dA") }))
}
