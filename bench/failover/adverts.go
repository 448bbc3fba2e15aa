package main

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/hadirector/hadirector/internal/drill"
	"github.com/mdlayher/packet"
)

// adverts records the sources of the VRRP adverts that reach an interface,
// stamped on arrival: who is master, as the gateway sees it.
type adverts struct {
	c       *packet.Conn
	mu      sync.Mutex
	srcs    []netip.Addr
	changed chan struct{}
	done    chan struct{}
}

func watchAdverts(ns, ifname string) (*adverts, error) {
	c, err := listenIn(ns, ifname)
	if err != nil {
		return nil, err
	}
	a := &adverts{c: c, changed: make(chan struct{}), done: make(chan struct{})}
	go a.read()
	return a, nil
}

func (a *adverts) read() {
	defer close(a.done)
	buf := make([]byte, 2048)
	for {
		n, _, err := a.c.ReadFrom(buf)
		if err != nil {
			return
		}
		if s, ok := drill.Decode(buf[:n], time.Now()); ok && s.Kind == "advert" {
			a.mu.Lock()
			a.srcs = append(a.srcs, s.Src)
			close(a.changed)
			a.changed = make(chan struct{})
			a.mu.Unlock()
		}
	}
}

func (a *adverts) close() {
	a.c.Close()
	<-a.done
}

// awaitRun returns once n adverts in a row, from now on, came from master
// and none from anyone else between them. A backup that stays silent
// through n-1 of the master's advert intervals (n = 5: longer than its
// Master_Down_Interval, three intervals and a skew of less than one) has
// heard the master and will not take over while it keeps advertising.
func (a *adverts) awaitRun(master netip.Addr, n int, deadline time.Time) error {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	a.mu.Lock()
	from := len(a.srcs)
	a.mu.Unlock()
	for {
		a.mu.Lock()
		srcs, ch := a.srcs[from:], a.changed
		a.mu.Unlock()
		run, other := 0, netip.Addr{}
		for _, s := range srcs {
			if s == master {
				run++
			} else {
				run, other = 0, s
			}
		}
		if run >= n {
			return nil
		}
		select {
		case <-ch:
		case <-t.C:
			if other.IsValid() {
				return fmt.Errorf("no %d adverts in a row from %s: %s advertises too", n, master, other)
			}
			return fmt.Errorf("no %d adverts in a row from %s", n, master)
		}
	}
}
