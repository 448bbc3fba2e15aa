package router

import (
	"bytes"
	"errors"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/vrrp"
)

func TestDropLogRateLimit(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	var d dropLog
	src := netip.MustParseAddr("192.0.2.9")
	err := errors.New("bad")
	for i := range 1000 {
		d.log(log, vrrp.ReasonChecksum, src, err, t0.Add(time.Duration(i)*time.Millisecond))
	}
	d.log(log, vrrp.ReasonTTL, src, err, t0.Add(time.Second))
	d.log(log, vrrp.ReasonChecksum, src, err, t0.Add(dropLogEvery))
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), buf.String())
	}
	if !strings.Contains(lines[2], "unlogged_since_last=999") {
		t.Errorf("last line does not count the suppressed drops: %s", lines[2])
	}
}
