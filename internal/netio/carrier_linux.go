package netio

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// WatchCarrier calls fn with the carrier of every interface (up: IFF_UP
// and IFF_LOWER_UP; a deleted interface is down), first for those that
// exist, then on every change, from one rtnetlink subscription, until ctx
// ends. fn runs in WatchCarrier's goroutine. It returns an error if it
// cannot subscribe or the kernel ends the subscription, nil once ctx ends.
func WatchCarrier(ctx context.Context, log *slog.Logger, fn func(ifname string, up bool)) error {
	updates := make(chan netlink.LinkUpdate, 16)
	done := make(chan struct{})
	defer close(done)
	err := netlink.LinkSubscribeWithOptions(updates, done, netlink.LinkSubscribeOptions{
		ListExisting: true,
		ErrorCallback: func(err error) {
			if ctx.Err() == nil { // not the subscription's end at our return
				log.Warn("link events", "err", err)
			}
		},
	})
	if err != nil {
		return fmt.Errorf("rtnetlink link events: %w", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case u, ok := <-updates:
			if !ok {
				return fmt.Errorf("rtnetlink link events ended")
			}
			if a := u.Link.Attrs(); a != nil {
				fn(a.Name, u.Header.Type != unix.RTM_DELLINK && carrier(a))
			}
		}
	}
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
