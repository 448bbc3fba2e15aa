package main

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// event is one address or neighbour change seen in a namespace, stamped on
// arrival.
type event struct {
	at    time.Time
	ns    string
	kind  string // "addr+", "addr-", "neigh"
	ip    string
	mac   string
	state int
}

// watcher records rtnetlink address and neighbour events from namespaces:
// the exact moment a VIP appears or the gateway's ARP entry moves, with no
// polling.
type watcher struct {
	mu      sync.Mutex
	events  []event
	changed chan struct{}
	done    chan struct{}
}

func newWatcher() *watcher {
	return &watcher{changed: make(chan struct{}), done: make(chan struct{})}
}

func (w *watcher) add(e event) {
	w.mu.Lock()
	w.events = append(w.events, e)
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
}

// watchNS subscribes to the address and neighbour events of namespace ns,
// naming them label.
func (w *watcher) watchNS(nsName, label string) error {
	h, err := netns.GetFromName(nsName)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", nsName, err)
	}
	defer h.Close()
	addrs := make(chan netlink.AddrUpdate, 64)
	if err := netlink.AddrSubscribeWithOptions(addrs, w.done, netlink.AddrSubscribeOptions{Namespace: &h}); err != nil {
		return fmt.Errorf("address events in %s: %w", nsName, err)
	}
	neighs := make(chan netlink.NeighUpdate, 64)
	if err := netlink.NeighSubscribeWithOptions(neighs, w.done, netlink.NeighSubscribeOptions{Namespace: &h}); err != nil {
		return fmt.Errorf("neighbour events in %s: %w", nsName, err)
	}
	go func() {
		for u := range addrs {
			kind := "addr-"
			if u.NewAddr {
				kind = "addr+"
			}
			w.add(event{at: time.Now(), ns: label, kind: kind, ip: u.LinkAddress.IP.String()})
		}
	}()
	go func() {
		for u := range neighs {
			if u.Type != 28 { // RTM_NEWNEIGH
				continue
			}
			w.add(event{at: time.Now(), ns: label, kind: "neigh", ip: u.IP.String(), mac: net.HardwareAddr(u.HardwareAddr).String(), state: u.State})
		}
	}()
	return nil
}

func (w *watcher) close() { close(w.done) }

// mark is the index of the next event.
func (w *watcher) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.events)
}

// wait returns the first event at index >= from that match accepts.
func (w *watcher) wait(from int, timeout time.Duration, what string, match func(event) bool) (event, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	for {
		w.mu.Lock()
		evs, ch := w.events, w.changed
		w.mu.Unlock()
		for _, e := range evs[from:] {
			if match(e) {
				return e, nil
			}
		}
		from = len(evs)
		select {
		case <-ch:
		case <-t.C:
			return event{}, fmt.Errorf("no %s within %v", what, timeout)
		}
	}
}

func vipAdded(ns, ip string) func(event) bool {
	return func(e event) bool { return e.ns == ns && e.kind == "addr+" && e.ip == ip }
}

func neighIs(ns, ip, mac string) func(event) bool {
	return func(e event) bool { return e.ns == ns && e.kind == "neigh" && e.ip == ip && e.mac == mac }
}
