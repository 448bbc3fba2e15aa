package router

import (
	"github.com/hadirector/hadirector/vrrp"

	"log/slog"
	"net"
	"sync"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// carriers tells each link's instances when its interface regains carrier
// (IFF_UP and IFF_LOWER_UP after either was off), from one rtnetlink
// subscription for the whole daemon. A master then re-asserts itself and
// re-announces its VIPs (EvLinkUp): a backup may have moved the gateway
// while the link was down. One subscription rather than one per link: each
// costs a socket and three goroutines, and every one of them would decode
// every link's events.
type carriers struct {
	log  *slog.Logger
	stop chan struct{}
	done chan struct{}

	mu    sync.Mutex // guards links
	links map[string]*carrierState
}

type carrierState struct {
	l    *link
	up   bool
	seen bool // an event came before the first reading: it wins
}

func newCarriers(log *slog.Logger) *carriers {
	return &carriers{log: log, stop: make(chan struct{}), done: make(chan struct{}), links: map[string]*carrierState{}}
}

// run follows link events until close; the links added before it, and
// after, are watched.
func (c *carriers) run() {
	defer close(c.done)
	updates := make(chan netlink.LinkUpdate, 16)
	err := netlink.LinkSubscribeWithOptions(updates, c.stop, netlink.LinkSubscribeOptions{
		ErrorCallback: func(err error) {
			select {
			case <-c.stop: // closing ends the subscription with an error
			default:
				c.log.Warn("link events", "err", err)
			}
		},
	})
	if err != nil {
		c.log.Warn("cannot follow the interfaces' carrier; no re-announce when it returns", "err", err)
		return
	}
	for u := range updates {
		if a := u.Link.Attrs(); a != nil {
			c.event(a.Name, u.Header.Type != unix.RTM_DELLINK && carrier(a))
		}
	}
}

// event records an interface's carrier, and tells its link's instances
// when it came back.
func (c *carriers) event(name string, up bool) {
	c.mu.Lock()
	s := c.links[name]
	if s == nil {
		c.mu.Unlock()
		return
	}
	back := up && !s.up
	s.up, s.seen = up, true
	c.mu.Unlock()
	if back {
		s.l.carrierBack()
	}
}

// add watches l's interface, from its carrier now.
func (c *carriers) add(l *link) {
	s := &carrierState{l: l}
	c.mu.Lock()
	c.links[l.name] = s
	c.mu.Unlock()
	nl, err := netlink.LinkByName(l.name)
	c.mu.Lock()
	if err == nil && !s.seen {
		s.up = carrier(nl.Attrs())
	}
	c.mu.Unlock()
}

// remove stops watching l's interface.
func (c *carriers) remove(l *link) {
	c.mu.Lock()
	if s := c.links[l.name]; s != nil && s.l == l {
		delete(c.links, l.name)
	}
	c.mu.Unlock()
}

// close ends the subscription and waits for run to return.
func (c *carriers) close() {
	close(c.stop)
	<-c.done
}

// carrierBack tells the link's instances that its carrier returned.
func (l *link) carrierBack() {
	l.log.Info("carrier back")
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, i := range l.byVRID {
		i.post(ctlMsg{kind: vrrp.EvLinkUp})
	}
}

func carrier(a *netlink.LinkAttrs) bool {
	return a.Flags&net.FlagUp != 0 && a.RawFlags&unix.IFF_LOWER_UP != 0
}
