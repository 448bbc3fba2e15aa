package director

import (
	"context"
	"log/slog"

	"github.com/coreos/go-systemd/v22/daemon"
)

// notifySystemd tells systemd (Type=notify, through $NOTIFY_SOCKET) that
// the daemon is ready: its sockets are open and its instances are starting.
// When ctx ends (SIGTERM) it sends STOPPING=1. Without $NOTIFY_SOCKET it
// does nothing. The returned func waits for the stopping notice.
func notifySystemd(ctx context.Context, log *slog.Logger) func() {
	sent, err := daemon.SdNotify(false, daemon.SdNotifyReady)
	if err != nil {
		log.Warn("sd_notify READY=1 failed", "err", err)
	}
	if !sent {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		<-ctx.Done()
		if _, err := daemon.SdNotify(false, daemon.SdNotifyStopping); err != nil {
			log.Warn("sd_notify STOPPING=1 failed", "err", err)
		}
	}()
	return func() { <-done }
}
