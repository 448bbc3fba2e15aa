package main

import (
	"fmt"
	"maps"
	"net"
	"net/netip"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// dumpState reads the lab's state from the kernel (rtnetlink address and
// neighbour dumps): which of dirs hold the VIP, and the MAC of gw's entry
// for it.
func dumpState(l *netlab.Lab, gw string, dirs ...string) (state, error) {
	s := state{}
	for _, d := range dirs {
		err := inNS(l.NS(d), func(h *netlink.Handle) error {
			addrs, err := h.AddrList(nil, netlink.FAMILY_ALL)
			if err != nil {
				return err
			}
			s[d] = ""
			for _, a := range addrs {
				if a.IP.String() == fam.vip {
					s[d] = held
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("addresses of %s: %w", d, err)
		}
	}
	err := inNS(l.NS(gw), func(h *netlink.Handle) error {
		neighs, err := h.NeighList(0, netlink.FAMILY_ALL)
		if err != nil {
			return err
		}
		s[gw] = ""
		for _, n := range neighs {
			if n.IP.String() == fam.vip {
				s[gw] = net.HardwareAddr(n.HardwareAddr).String()
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("neighbours of %s: %w", gw, err)
	}
	return s, nil
}

func inNS(name string, f func(*netlink.Handle) error) error {
	ns, err := netns.GetFromName(name)
	if err != nil {
		return err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return err
	}
	defer h.Close()
	return f(h)
}

// settle waits until the lab is in state want, then (when master is
// valid) until master's adverts alone reach the gateway for as long as a
// backup would wait before taking over, then until the VIP has answered
// pings replies (none: no wait), and checks that the state did not change
// meanwhile; if it did, it waits again. It starts from a dump, so that it
// judges the kernel's state, and follows the events from before the dump
// on, so that no change is missed. It records the settled state, and the
// index of the watcher's changes it holds at, as the next row's start.
func (r *run) settle(want state, master netip.Addr, pings int) error {
	deadline := time.Now().Add(bound)
	from := r.w.mark()
	base, err := dumpState(r.l, "gw", "dA", "dB")
	if err != nil {
		return err
	}
	for {
		s, _, err := r.w.waitState(base, from, want, deadline)
		if err != nil {
			return err
		}
		if master.IsValid() {
			if err := r.adv.awaitRun(master, 5, deadline); err != nil {
				return fmt.Errorf("in state %s: %w", s, err)
			}
		}
		if pings > 0 {
			if err := r.ping.await(time.Now(), pings, time.Until(deadline)); err != nil {
				return fmt.Errorf("in state %s: %w", s, err)
			}
		}
		at := r.w.mark()
		if now := replay(base, r.w.between(from, at)); maps.Equal(now, s) {
			r.st, r.at = s, at
			return nil
		}
	}
}
