package router

import (
	"log/slog"
	"slices"
	"sync"

	"github.com/hadirector/hadirector/vrrp"
)

// carriers tells each link's instances when its interface regains carrier
// (IFF_UP and IFF_LOWER_UP after either was off), from the network's one
// carrier watch for the whole daemon. A master then re-asserts itself and
// re-announces its VIPs (EvLinkUp): a backup may have moved the gateway
// while the link was down.
type carriers struct {
	log *slog.Logger

	mu    sync.Mutex
	up    map[string]bool    // every interface's carrier as last reported
	links map[string][]*link // the links watched, by interface (IPv4 and IPv6 links share one)
}

func newCarriers(log *slog.Logger) *carriers {
	return &carriers{log: log, up: map[string]bool{}, links: map[string][]*link{}}
}

// event records an interface's carrier, and tells its link's instances
// when it came back.
func (c *carriers) event(name string, up bool) {
	c.mu.Lock()
	was, known := c.up[name]
	c.up[name] = up
	ls := c.links[name]
	c.mu.Unlock()
	if up && known && !was {
		for _, l := range ls {
			l.carrierBack()
		}
	}
}

// add watches l's interface.
func (c *carriers) add(l *link) {
	c.mu.Lock()
	c.links[l.name] = append(c.links[l.name], l)
	c.mu.Unlock()
}

// remove stops watching l's interface.
func (c *carriers) remove(l *link) {
	c.mu.Lock()
	if c.links[l.name] = slices.DeleteFunc(c.links[l.name], func(x *link) bool { return x == l }); len(c.links[l.name]) == 0 {
		delete(c.links, l.name)
	}
	c.mu.Unlock()
}

// carrierBack tells the link's instances that its carrier returned.
func (l *link) carrierBack() {
	l.log.Info("carrier back")
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, insts := range l.byVRID {
		for _, i := range insts {
			i.post(ctlMsg{kind: vrrp.EvLinkUp})
		}
	}
}
