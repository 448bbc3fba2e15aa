package main

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// watcher records, from rtnetlink events with no polling, the changes of
// the lab's state: the VIP added to or removed from a director, the
// gateway's neighbour entry for the VIP moved. Each change is stamped when
// its event arrives; the changes of one key come from one goroutine, so
// they are in order.
type watcher struct {
	vip     string
	mu      sync.Mutex
	changes []change
	changed chan struct{}
	done    chan struct{}
}

func newWatcher(vip string) *watcher {
	return &watcher{vip: vip, changed: make(chan struct{}), done: make(chan struct{})}
}

func (w *watcher) add(c change) {
	w.mu.Lock()
	w.changes = append(w.changes, c)
	close(w.changed)
	w.changed = make(chan struct{})
	w.mu.Unlock()
}

// watchAddrs records whether the director in namespace nsName holds the
// VIP, as key.
func (w *watcher) watchAddrs(nsName, key string) error {
	h, err := netns.GetFromName(nsName)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", nsName, err)
	}
	defer h.Close()
	addrs := make(chan netlink.AddrUpdate, 64)
	if err := netlink.AddrSubscribeWithOptions(addrs, w.done, netlink.AddrSubscribeOptions{Namespace: &h}); err != nil {
		return fmt.Errorf("address events in %s: %w", nsName, err)
	}
	go func() {
		for u := range addrs {
			if u.LinkAddress.IP.String() != w.vip {
				continue
			}
			v := ""
			if u.NewAddr {
				v = held
			}
			w.add(change{at: time.Now(), key: key, val: v})
		}
	}()
	return nil
}

// watchNeigh records the MAC of the VIP's neighbour entry in namespace
// nsName, as key.
func (w *watcher) watchNeigh(nsName, key string) error {
	h, err := netns.GetFromName(nsName)
	if err != nil {
		return fmt.Errorf("namespace %s: %w", nsName, err)
	}
	defer h.Close()
	neighs := make(chan netlink.NeighUpdate, 64)
	if err := netlink.NeighSubscribeWithOptions(neighs, w.done, netlink.NeighSubscribeOptions{Namespace: &h}); err != nil {
		return fmt.Errorf("neighbour events in %s: %w", nsName, err)
	}
	go func() {
		for u := range neighs {
			if u.IP.String() != w.vip {
				continue
			}
			v := net.HardwareAddr(u.HardwareAddr).String()
			if u.Type == unix.RTM_DELNEIGH {
				v = ""
			}
			w.add(change{at: time.Now(), key: key, val: v})
		}
	}()
	return nil
}

func (w *watcher) close() { close(w.done) }

// mark is the index of the next change.
func (w *watcher) mark() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.changes)
}

// between is a copy of the changes at indexes [from, to).
func (w *watcher) between(from, to int) []change {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]change(nil), w.changes[from:to]...)
}

// waitState returns base replayed with the changes from index from on, as
// soon as it matches want, and the index it holds at.
func (w *watcher) waitState(base state, from int, want state, deadline time.Time) (state, int, error) {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	for {
		w.mu.Lock()
		cs, ch := w.changes, w.changed
		w.mu.Unlock()
		s := replay(base, cs[from:])
		if matches(s, want) {
			return s, len(cs), nil
		}
		select {
		case <-ch:
		case <-t.C:
			return nil, 0, fmt.Errorf("not in state %s: still %s", want, s)
		}
	}
}
