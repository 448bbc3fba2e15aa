package track

import (
	"context"
	"log/slog"
	"os/exec"
	"time"

	"github.com/hadirector/hadirector/conf"
)

// watchScript runs the command every interval, without a shell, killed at
// the timeout; exit 0 is a success. The state changes after rise
// successes or fall failures in a row.
func watchScript(ctx context.Context, t conf.Track, log *slog.Logger, send func(State)) {
	tick := time.NewTicker(t.Interval)
	defer tick.Stop()
	up, known := false, false
	ok, bad := 0, 0
	for {
		rctx, cancel := context.WithTimeout(ctx, t.Timeout)
		err := exec.CommandContext(rctx, t.Command[0], t.Command[1:]...).Run()
		cancel()
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			ok, bad = ok+1, 0
		} else {
			ok, bad = 0, bad+1
			log.Debug("tracked script failed", "command", t.Command, "err", err)
		}
		switch {
		case (!up || !known) && ok >= t.Rise:
			up, known = true, true
			send(State{Known: true, Up: true})
		case (up || !known) && bad >= t.Fall:
			up, known = false, true
			send(State{Known: true})
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
