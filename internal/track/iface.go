package track

import (
	"context"
	"log/slog"

	"github.com/hadirector/hadirector/internal/netio"
)

// watchInterface reports the interface as up while it is administratively
// up and has carrier (IFF_UP and IFF_LOWER_UP), from the shared carrier
// watch; a missing or deleted interface is down.
func watchInterface(ctx context.Context, carriers *netio.Carriers, name string, log *slog.Logger, send func(State)) {
	if _, err := netio.LinkCarrier(name); err != nil {
		send(State{Known: true}) // absent: down until it appears
	}
	err := carriers.Watch(ctx, log.With("tracking", name), func(ifname string, up bool) {
		if ifname == name {
			send(State{Known: true, Up: up})
		}
	})
	if err != nil {
		log.Error("tracking: cannot follow the interface; counting it as down", "interface", name, "err", err)
		send(State{Known: true})
	}
}
