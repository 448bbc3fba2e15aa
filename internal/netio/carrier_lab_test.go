package netio

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/nsenter"
)

// Watchers of one Carriers share one rtnetlink subscription: the first
// watcher subscribes in the lab's namespace, and the others, started from
// the host's, hear that namespace's links through it. It lives on while
// any watcher does and closes after the last. Root: a namespace with a
// veth pair, made and deleted by the test.
func TestCarriersShareOneSubscription(t *testing.T) {
	ns, ip := labNamespaces(t, 1)
	path := nsenter.Path(ns[0])
	ip("-n", ns[0], "link", "add", "hdcar0", "type", "veth", "peer", "name", "hdcar1")
	ip("-n", ns[0], "link", "set", "hdcar1", "up") // hdcar0 has carrier once up
	var c Carriers
	log := slog.New(slog.DiscardHandler)
	type watcher struct {
		got  chan bool // hdcar0's carrier reports
		stop context.CancelFunc
		err  chan error
	}
	start := func(inNS bool) *watcher {
		ctx, cancel := context.WithCancel(context.Background())
		w := &watcher{got: make(chan bool, 16), stop: cancel, err: make(chan error, 1)}
		watch := func() error {
			return c.Watch(ctx, log, func(name string, up bool) {
				if name == "hdcar0" {
					w.got <- up
				}
			})
		}
		go func() {
			if inNS {
				w.err <- nsenter.Do(path, watch)
			} else {
				w.err <- watch()
			}
		}()
		t.Cleanup(func() { cancel(); <-w.err })
		return w
	}
	// expect waits for w to hear hdcar0 report up; the kernel may report
	// a link more than once for one change, and the steps between.
	expect := func(w *watcher, up bool) {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case got := <-w.got:
				if got == up {
					return
				}
			case err := <-w.err:
				t.Fatalf("the watch ended: %v", err)
			case <-timeout:
				t.Fatalf("no report of hdcar0 with up=%v", up)
			}
		}
	}
	a := start(true)
	expect(a, false) // listed: it exists, down
	b, c2 := start(false), start(false)
	expect(b, false) // from the shared subscription's last reports
	expect(c2, false)
	if n := linkSubscribers(t, path); n != 1 {
		t.Errorf("%d link-event subscriptions in the namespace for three watchers, want 1", n)
	}
	ip("-n", ns[0], "link", "set", "hdcar0", "up")
	for _, w := range []*watcher{a, b, c2} {
		expect(w, true)
	}
	// The watcher that subscribed leaves; the others hear on.
	a.stop()
	if err := <-a.err; err != nil {
		t.Fatal(err)
	}
	a.err <- nil // for the cleanup
	ip("-n", ns[0], "link", "set", "hdcar0", "down")
	expect(b, false)
	expect(c2, false)
	b.stop()
	c2.stop()
	deadline := time.Now().Add(10 * time.Second)
	for linkSubscribers(t, path) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the subscription outlived its last watcher")
		}
		time.Sleep(10 * time.Millisecond) // the socket closes asynchronously
	}
}

// linkSubscribers counts this process's rtnetlink sockets in the
// namespace at path that listen to link events (RTNLGRP_LINK).
func linkSubscribers(t *testing.T, path string) int {
	t.Helper()
	n := 0
	err := nsenter.Do(path, func() error {
		f, err := os.Open("/proc/thread-self/net/netlink")
		if err != nil {
			return err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		sc.Scan() // the header
		for sc.Scan() {
			// sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode
			fs := strings.Fields(sc.Text())
			if len(fs) < 4 || fs[1] != "0" || fs[2] == "0" {
				continue // not NETLINK_ROUTE, or the kernel's own
			}
			groups, err := strconv.ParseUint(fs[3], 16, 32)
			if err == nil && groups&1 != 0 { // RTNLGRP_LINK is group 1
				n++
			}
		}
		return sc.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
