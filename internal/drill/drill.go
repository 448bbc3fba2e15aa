package drill

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// Options say which drill to run.
type Options struct {
	Socket    string // the local daemon's control socket
	Instance  string // empty: the first instance this host is master of
	Planned   bool   // step-down (make-before-break) instead of a simulated loss
	PingNetns string // ping the VIP from this network namespace (path); empty: from here
	Stay      bool   // planned: leave the old master on hold afterwards
}

// pingInterval is how often the VIP is pinged.
const pingInterval = 10 * time.Millisecond

// Run runs a drill on the master's host and returns the report.
func Run(ctx context.Context, o Options) (Report, error) {
	st, err := masterStatus(ctx, o)
	if err != nil {
		return Report{}, err
	}
	r := Report{Kind: "unplanned", Instance: st.Name, VRID: st.VRID, Interface: st.Interface,
		VIP: st.VIPs[0].String(), AdvertInterval: st.AdvertInterval, OldMaster: st.Master, PingInterval: pingInterval}
	if o.Planned {
		r.Kind = "planned"
	}
	self, _ := netip.ParseAddr(st.Master)
	ifi, err := net.InterfaceByName(st.Interface)
	if err != nil {
		return r, err
	}
	w, err := Watch(st.Interface)
	if err != nil {
		return r, fmt.Errorf("watching %s: %w", st.Interface, err)
	}
	defer w.Close()
	pctx, stopPing := context.WithCancel(ctx)
	defer stopPing()
	p, err := Ping(pctx, st.VIPs[0], pingInterval, o.PingNetns)
	if err != nil {
		return r, fmt.Errorf("pinging %s: %w", st.VIPs[0], err)
	}
	if err := waitFor(ctx, 5*time.Second, func() bool { _, n, _, _ := p.Result(); return n > 0 }); err != nil {
		return r, fmt.Errorf("the VIP %s does not answer ping before the drill", st.VIPs[0])
	}

	// Begin right after one of the master's adverts, so that the timeline
	// shows the master before the drill, and an unplanned loss is timed
	// from its last advert, as a backup sees it.
	ready := time.Now()
	waitFor(ctx, 2*st.AdvertInterval+time.Second, func() bool {
		for _, s := range w.Seen() {
			if s.Kind == "advert" && s.VRID == st.VRID && s.Src == self && s.At.After(ready) {
				return true
			}
		}
		return false
	})

	// The whole drill is bounded: the slowest legal takeover (priority 1)
	// plus room for the VIP to answer again.
	worst := vrrp.MasterDownInterval(st.Version, 1, st.AdvertInterval)
	start := time.Now()
	c := control.Client{Path: o.Socket}
	if o.Planned {
		err = c.StepDown(ctx, st.Name, nil, nil)
	} else {
		_, err = c.Vanish(ctx, st.Name, worst+3*time.Second)
	}
	if err != nil {
		return r, err
	}
	newMaster := func() (Seen, bool) {
		for _, s := range w.Seen() {
			if s.Kind == "advert" && s.VRID == st.VRID && s.Priority > 0 && s.Src != self && s.At.After(start) {
				return s, true
			}
		}
		return Seen{}, false
	}
	if err := waitFor(ctx, worst+time.Second, func() bool { _, ok := newMaster(); return ok }); err != nil {
		r.Problems = append(r.Problems, fmt.Sprintf("no other master advertised within %v", worst+time.Second))
	}
	nm, found := newMaster()
	// Watch a little longer: the first GARP burst and the ping's recovery.
	settle := time.Now().Add(time.Second)
	waitFor(ctx, 2*time.Second, func() bool {
		_, n, _, _ := p.Result()
		return time.Now().After(settle) && n > 0
	})
	stopPing()
	p.Wait()
	r.Watched = time.Since(start)
	var gapStart time.Time
	r.PingSent, r.PingReplies, r.LongestGap, gapStart = p.Result()
	if !gapStart.IsZero() {
		r.GapStart = gapStart.Sub(start)
	}
	r.Timeline = timeline(w.Seen(), p.Replies(), st.VRID, st.VIPs[0], start)
	if found {
		r.NewMaster, r.NewPriority, r.Takeover = nm.Src.String(), nm.Priority, nm.At.Sub(start)
		for _, s := range w.Seen() {
			if s.Kind == "garp" && s.VIP == st.VIPs[0] && s.At.After(start) && s.MAC.String() != ifi.HardwareAddr.String() {
				if r.GARPs == 0 {
					r.FirstGARP = s.At.Sub(start)
				}
				r.GARPs++
			}
		}
		if r.GARPs == 0 {
			what := "gratuitous ARP"
			if st.VIPs[0].Is6() {
				what = "unsolicited neighbour advertisement"
			}
			r.Problems = append(r.Problems, "the new master sent no "+what+" for "+r.VIP)
		}
	}
	if o.Planned {
		r.Bound, r.BoundName = vrrp.SkewTime(st.Version, r.NewPriority, st.AdvertInterval), "Skew_Time"
	} else {
		r.Bound, r.BoundName = vrrp.MasterDownInterval(st.Version, r.NewPriority, st.AdvertInterval), "Master_Down_Interval"
	}
	r.RestoredNote = restore(ctx, o, st, w, self, r)
	return r, nil
}

// timeline puts the drill's adverts of vrid, GARPs for vip and ping replies
// in time order, from start.
func timeline(seen []Seen, replies []time.Time, vrid uint8, vip netip.Addr, start time.Time) []Event {
	var ev []Event
	for _, s := range seen {
		switch {
		case s.Kind == "advert" && s.VRID == vrid:
			ev = append(ev, Event{At: s.At.Sub(start), Kind: "advert", Src: s.Src.String(), Priority: s.Priority})
		case s.Kind == "garp" && s.VIP == vip:
			ev = append(ev, Event{At: s.At.Sub(start), Kind: "garp", Src: s.MAC.String()})
		}
	}
	for _, at := range replies {
		ev = append(ev, Event{At: at.Sub(start), Kind: "reply"})
	}
	slices.SortStableFunc(ev, func(a, b Event) int { return cmp.Compare(a.At, b.At) })
	return ev
}

// restore lifts a step-down's hold (unless told to stay) and reports how the
// pair was left.
func restore(ctx context.Context, o Options, st router.Status, w *Watcher, self netip.Addr, r Report) string {
	if o.Planned && o.Stay {
		return fmt.Sprintf("%s stays backup with preemption held; run 'hadirector resume' to lift the hold", st.Master)
	}
	if o.Planned {
		if _, err := (control.Client{Path: o.Socket}).Resume(ctx, st.Name); err != nil {
			return "resume failed: " + err.Error()
		}
	}
	if r.NewPriority >= st.Priority {
		return fmt.Sprintf("%s is master now; %s stays backup (it does not preempt)", r.NewMaster, st.Master)
	}
	from := time.Now()
	bound := 2*vrrp.MasterDownInterval(st.Version, 1, st.AdvertInterval) + 3*time.Second
	back := func() bool {
		for _, s := range w.Seen() {
			if s.Kind == "advert" && s.VRID == st.VRID && s.Src == self && s.Priority > 0 && s.At.After(from) {
				return true
			}
		}
		return false
	}
	if err := waitFor(ctx, bound, back); err != nil {
		return fmt.Sprintf("%s did not take mastership back within %v", st.Master, bound)
	}
	return fmt.Sprintf("%s preempted back %s after the drill ended", st.Master, ms(time.Since(from)))
}

func masterStatus(ctx context.Context, o Options) (router.Status, error) {
	sts, err := (control.Client{Path: o.Socket}).Status(ctx, o.Instance)
	if err != nil {
		return router.Status{}, err
	}
	for _, s := range sts.Value {
		if s.State == vrrp.Master && len(s.VIPs) > 0 {
			return s, nil
		}
	}
	return router.Status{}, errors.New("this host is master of no instance: run the drill on the master")
}

// waitFor polls cond every few milliseconds until it holds or d passes.
func waitFor(ctx context.Context, d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	t := time.NewTicker(2 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			return context.DeadlineExceeded
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}
