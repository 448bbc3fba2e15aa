package main

import (
	"fmt"
	"os"
	"time"
)

// wireFigures adds, for each marked row, the figures of the ping and the
// capture, each from the row's trigger to the next row's: the longest ping
// gap; the new master's first advert to its first GARP (IPv6: unsolicited NA) for the VIP; and
// for a link cut or SIGTERM the old master's last advert to the takeover
// advert, the takeover against the protocol's bound (Master_Down_Interval
// for a cut, the Skew_Time after the priority-0 advert for SIGTERM).
func (r *run) wireFigures(frames []wireFrame, end time.Time) error {
	for i, mk := range r.marks {
		next := end
		if i+1 < len(r.marks) {
			next = r.marks[i+1].t0
		}
		gap, _ := r.ping.longestGap(mk.t0, next)
		r.add(mk.row+": longest ping gap", gap)
		if os.Getenv("BENCH_DEBUG") != "" {
			r.ping.dump(mk.row, mk.t0, next)
		}
		if mk.to == "" {
			continue
		}
		src := fam.advertSrc[mk.to].String()
		mac := map[string]string{"dA": macA, "dB": macB}[mk.to]
		adv, ok := firstIn(frames, mk.t0, next, func(f wireFrame) bool { return !f.arp && f.srcIP == src && f.priority > 0 })
		if !ok {
			return fmt.Errorf("%s: no advert from %s in the capture", mk.row, mk.to)
		}
		garp, ok := firstIn(frames, mk.t0, next, func(f wireFrame) bool { return f.garp == fam.vip && f.srcMAC == mac })
		if !ok {
			return fmt.Errorf("%s: no %s from %s in the capture", mk.row, fam.announce, mk.to)
		}
		d, err := figure(adv.at, garp.at)
		if err != nil {
			return fmt.Errorf("%s: first advert -> first %s: %w", mk.row, fam.announce, err)
		}
		r.add(mk.row+": first advert -> first "+fam.announce, d)
		if mk.row != "link cut" && mk.row != "SIGTERM" {
			continue
		}
		var last wireFrame
		for _, f := range frames {
			if f.at.Before(adv.at) && !f.arp && f.srcIP != "" && f.srcIP != src {
				last = f
			}
		}
		if last.at.IsZero() {
			return fmt.Errorf("%s: no advert from the old master before the takeover", mk.row)
		}
		if d, err = figure(last.at, adv.at); err != nil {
			return fmt.Errorf("%s: old master's last advert -> takeover advert: %w", mk.row, err)
		}
		r.add(mk.row+": old master's last advert -> takeover advert", d)
	}
	return nil
}
