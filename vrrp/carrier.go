package vrrp

import (
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// watchCarrier tells the link's instances when its interface regains
// carrier (IFF_UP and IFF_LOWER_UP after either was off), from rtnetlink
// link events, until the link is closed. A master then re-asserts itself
// and re-announces its VIPs (EvLinkUp): a backup may have moved the
// gateway while the link was down.
func (l *link) watchCarrier() {
	updates := make(chan netlink.LinkUpdate, 16)
	err := netlink.LinkSubscribeWithOptions(updates, l.stop, netlink.LinkSubscribeOptions{
		ErrorCallback: func(err error) {
			select {
			case <-l.stop: // closing the link ends the subscription with an error
			default:
				l.log.Warn("link events", "err", err)
			}
		},
	})
	if err != nil {
		l.log.Warn("cannot follow the link's carrier; no re-announce when it returns", "err", err)
		return
	}
	up := false
	if nl, err := netlink.LinkByName(l.name); err == nil {
		up = carrier(nl.Attrs())
	}
	for u := range updates {
		a := u.Link.Attrs()
		if a == nil || a.Name != l.name {
			continue
		}
		now := u.Header.Type != unix.RTM_DELLINK && carrier(a)
		if now && !up {
			l.log.Info("carrier back")
			l.mu.RLock()
			for _, insts := range l.byVRID {
				for _, i := range insts {
					i.post(ctlMsg{kind: EvLinkUp})
				}
			}
			l.mu.RUnlock()
		}
		up = now
	}
}

func carrier(a *netlink.LinkAttrs) bool {
	return a.Flags&net.FlagUp != 0 && a.RawFlags&unix.IFF_LOWER_UP != 0
}
