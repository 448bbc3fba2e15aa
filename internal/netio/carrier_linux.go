package netio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Carriers is one rtnetlink subscription to link events that every
// watcher of interfaces' carrier shares: the router's (a master
// re-announces when its link returns) and each track_interface. It
// subscribes when the first watcher comes and unsubscribes when the last
// goes. The zero value is ready; its owner (the composition root) hands
// one to all the watchers of a process.
type Carriers struct {
	mu  sync.Mutex // one join or leave at a time; guards sub
	fan carrierFan
	sub *carrierSub // the running subscription, nil when none
}

// carrierSub is a running subscription and its reader.
type carrierSub struct {
	done  chan struct{} // closed to end it
	ended chan struct{} // closed when its reader returned
}

// Watch calls fn with the carrier of every interface (up: IFF_UP and
// IFF_LOWER_UP; a deleted interface is down), first for those that exist,
// then on every change, until ctx ends. fn runs in Watch's goroutine, and
// a slow fn delays no other watcher. The subscription is made in the
// namespace of the thread that calls the first Watch. Watch returns an
// error if it cannot subscribe or the kernel ends the subscription, nil
// once ctx ends.
func (c *Carriers) Watch(ctx context.Context, log *slog.Logger, fn func(ifname string, up bool)) error {
	w, err := c.join(log)
	if err != nil {
		return err
	}
	defer c.leave(w)
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.ready:
		}
		reports, ended, err := c.fan.take(w)
		for _, r := range reports {
			fn(r.name, r.up)
		}
		if ended {
			return err
		}
	}
}

// join adds a watcher, subscribing if it is the first.
func (c *Carriers) join(log *slog.Logger) (*carrierWatcher, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w, first := c.fan.join()
	if !first {
		return w, nil
	}
	c.stop() // one that the kernel ended
	s, err := subscribe(&c.fan, log)
	if err != nil {
		c.fan.leave(w)
		return nil, err
	}
	c.sub = s
	return w, nil
}

// leave removes a watcher, unsubscribing if it was the last.
func (c *Carriers) leave(w *carrierWatcher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fan.leave(w) {
		c.stop()
	}
}

// stop ends the subscription, if any, and waits for its reader; c.mu is
// held.
func (c *Carriers) stop() {
	if c.sub != nil {
		close(c.sub.done)
		<-c.sub.ended
		c.sub = nil
	}
}

// subscribe starts a subscription whose reader reports to f until it is
// stopped, or ends f's stream if the kernel ends it first.
func subscribe(f *carrierFan, log *slog.Logger) (*carrierSub, error) {
	s := &carrierSub{done: make(chan struct{}), ended: make(chan struct{})}
	updates := make(chan netlink.LinkUpdate, 16)
	err := netlink.LinkSubscribeWithOptions(updates, s.done, netlink.LinkSubscribeOptions{
		ListExisting: true,
		ErrorCallback: func(err error) {
			select {
			case <-s.done: // the subscription's end at our stop
			default:
				log.Warn("link events", "err", err)
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rtnetlink link events: %w", err)
	}
	go func() {
		defer close(s.ended)
		for {
			select {
			case <-s.done:
				return
			case u, ok := <-updates:
				if !ok {
					select {
					case <-s.done:
					default:
						f.end(errors.New("rtnetlink link events ended"))
					}
					return
				}
				if a := u.Link.Attrs(); a != nil {
					f.report(a.Name, u.Header.Type != unix.RTM_DELLINK && carrier(a))
				}
			}
		}
	}()
	return s, nil
}

// carrier reports whether a link is up with carrier (IFF_UP and
// IFF_LOWER_UP).
func carrier(a *netlink.LinkAttrs) bool {
	return a.Flags&net.FlagUp != 0 && a.RawFlags&unix.IFF_LOWER_UP != 0
}

// LinkCarrier reads the named interface's carrier now.
func LinkCarrier(name string) (bool, error) {
	l, err := netlink.LinkByName(name)
	if err != nil {
		return false, fmt.Errorf("interface %s: %w", name, err)
	}
	return carrier(l.Attrs()), nil
}
