package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// An instance on lo cannot send gratuitous ARP (lo has no Ethernet
// address): the director says so once, each layer adding only its part.
func TestRunOnLoopbackSaysGarpFaultOnce(t *testing.T) {
	t.Parallel()
	needLab(t)
	l := newLab(t)
	must(t, l.AddNS("dA"))
	path := filepath.Join(t.TempDir(), "lo.toml")
	must(t, os.WriteFile(path, []byte(`[[instance]]
name = "vi51"
interface = "lo"
vrid = 51
priority = 100
vips = ["192.0.2.100"]
`), 0o644))
	code, lines := runToExit(t, l, "run", "-c", path, "-s", "", "--log-format", "json")
	if code != 1 || len(lines) != 1 {
		t.Fatalf("exit status %d with stderr %q; want 1 and one line", code, lines)
	}
	var e netlab.Event
	const want = "gratuitous ARP on lo: no Ethernet hardware address"
	if err := json.Unmarshal([]byte(lines[0]), &e); err != nil || e.Str("msg") != "cannot start" || e.Str("err") != want {
		t.Errorf("stderr %q, want the event \"cannot start\" with err %q", lines[0], want)
	}
}
