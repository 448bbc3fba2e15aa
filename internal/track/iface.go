package track

import (
	"context"
	"log/slog"
	"net"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// watchInterface reports the interface as up while it is administratively
// up and has carrier (IFF_UP and IFF_LOWER_UP), from rtnetlink link events;
// a missing or deleted interface is down.
func watchInterface(ctx context.Context, name string, log *slog.Logger, send func(State)) {
	updates := make(chan netlink.LinkUpdate, 16)
	done := make(chan struct{})
	defer close(done)
	err := netlink.LinkSubscribeWithOptions(updates, done, netlink.LinkSubscribeOptions{
		ListExisting: true,
		ErrorCallback: func(err error) {
			if ctx.Err() == nil { // not the subscription's end at our return
				log.Warn("tracking: link events", "interface", name, "err", err)
			}
		},
	})
	if err != nil {
		log.Error("tracking: cannot follow the interface; counting it as down", "interface", name, "err", err)
		send(State{Known: true})
		return
	}
	if _, err := netlink.LinkByName(name); err != nil {
		send(State{Known: true}) // absent: down until it appears
	}
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-updates:
			if !ok {
				log.Error("tracking: link events ended; counting the interface as down", "interface", name)
				send(State{Known: true})
				return
			}
			a := u.Link.Attrs()
			if a == nil || a.Name != name {
				continue
			}
			up := u.Header.Type != unix.RTM_DELLINK && a.Flags&net.FlagUp != 0 && a.RawFlags&unix.IFF_LOWER_UP != 0
			send(State{Known: true, Up: up})
		}
	}
}
