package track

import (
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/conf"
)

// watchFile reads the file every interval: an integer, spaces around it
// allowed. A missing file holds 0; one that does not hold an integer
// counts as 1 (a fault with weight 0), and is logged.
func watchFile(ctx context.Context, t conf.Track, log *slog.Logger, send func(State)) {
	tick := time.NewTicker(t.Interval)
	defer tick.Stop()
	for {
		send(State{Known: true, Value: readValue(t.Path, log)})
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func readValue(path string, log *slog.Logger) int {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		log.Warn("tracked file unreadable; counting 1", "path", path, "err", err)
		return 1
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		log.Warn("tracked file holds no integer; counting 1", "path", path, "content", strings.TrimSpace(string(b)))
		return 1
	}
	return n
}
