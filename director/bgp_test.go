package director

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/control"
)

const withBGP = `
[bgp]
asn = 65001
router_id = "192.0.2.11"
drain_time = "7s"
[[bgp.peer]]
address = "192.0.2.1"
asn = 65000
[ipvs]
sloppy_tcp = true
[sync]
interface = "eth1"
[[instance]]
name = "lb"
mode = "bgp"
vips = ["203.0.113.80", "203.0.113.81"]
[[service]]
address = "203.0.113.80:80"
  [[service.real]]
  address = "198.51.100.21"
  [[service.real]]
  address = "198.51.100.22"
`

// awaitEvents waits until the events after mark include want (in any
// order) and returns the new mark.
func awaitEvents(t *testing.T, ev *events, mark int, want ...string) int {
	t.Helper()
	var got []string
	waitFor(t, "events "+want[0], func() bool {
		got = ev.list()[mark:]
		for _, w := range want {
			if !slices.Contains(got, w) {
				return false
			}
		}
		return true
	})
	return mark + len(got)
}

// The BGP side: VIPs held and announced while fit, withdrawn at once when
// a service loses its last real server or a VIP leaves the host, drained
// and undrained over the control socket; on stop, withdrawn, forwarding
// for the drain time, then the speaker stops, before the sync threads.
func TestBGP(t *testing.T) {
	l := newLab()
	cfg := file(t, tempFile(t), withBGP)
	sock := filepath.Join(t.TempDir(), "c.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := start(ctx, cfg, quiet(), Options{Socket: sock}, l.kernel())
	if err != nil {
		t.Fatal(err)
	}
	before(t, l.ev, "vrrp open", "ipvs open", "sloppy true unchanged", "sync open", "sync apply BACKUP",
		"addr add lo 203.0.113.80", "addr add lo 203.0.113.81", "bgp start")
	if slices.Contains(l.ev.list(), "sync hold") {
		t.Error("a BGP director's sync holds preemption")
	}
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	a80, a81 := "bgp announce 203.0.113.80", "bgp announce 203.0.113.81"
	w80, w81 := "bgp withdraw 203.0.113.80", "bgp withdraw 203.0.113.81"
	m := awaitEvents(t, l.ev, 0, a80, a81)

	l.ipvs.setDown(netip.MustParseAddr("198.51.100.21"), true)
	l.ipvs.setDown(netip.MustParseAddr("198.51.100.22"), true)
	m = awaitEvents(t, l.ev, m, w80)
	l.addr.set(netip.MustParseAddr("203.0.113.81"), false)
	m = awaitEvents(t, l.ev, m, w81)
	c := control.Client{Path: sock}
	st, err := c.BGPStatus(ctx)
	if err != nil {
		t.Fatal(err)
	}
	vs := st.Value.VIPs
	if len(vs) != 2 || vs[0].Announced || vs[0].Reason != "reals-down: TCP 203.0.113.80:80 has 0 real servers up, min_up 1" ||
		vs[1].Reason != "vip-not-on-host" || st.Value.Peers[0].State != "established" || st.Value.ASN != 65001 {
		t.Errorf("status: %+v", st.Value)
	}
	l.ipvs.setDown(netip.MustParseAddr("198.51.100.22"), false)
	l.addr.set(netip.MustParseAddr("203.0.113.81"), true)
	m = awaitEvents(t, l.ev, m, a80, a81)

	dr, err := c.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !dr.Value.Drained || dr.Value.VIPs[0].Announced || dr.Value.VIPs[0].Reason != "drained" {
		t.Errorf("drain answered %+v", dr.Value)
	}
	if got := l.ev.list()[m:]; !slices.Contains(got, w80) || !slices.Contains(got, w81) {
		t.Errorf("drain returned before the withdrawals: %q", got)
	}
	m = len(l.ev.list())
	if _, err := c.Undrain(ctx); err != nil {
		t.Fatal(err)
	}
	m = awaitEvents(t, l.ev, m, a80, a81)

	cancel()
	drain := <-l.drained
	if got := l.ev.list()[m:]; !slices.Contains(got, w80) || !slices.Contains(got, w81) || !slices.Contains(got, "drain 7s") ||
		slices.Contains(got, "bgp stop") || slices.Contains(got, "sync close") {
		t.Errorf("while draining: %q, want both withdrawn, the speaker and the sync threads running", got)
	}
	drain <- time.Now()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	before(t, l.ev, "drain 7s", "bgp stop", "sync close", "ipvs close")
}

// Drain on a daemon without [bgp] is refused, naming why.
func TestDrainWithoutBGP(t *testing.T) {
	h := controlHandler(parts{vrrp: newLab().vrrp})
	err := h(context.Background(), control.Request{Cmd: control.CmdDrain}, func(any) error { return nil })
	if err == nil {
		t.Fatal("drain without [bgp]: no error")
	}
	var got any = "unset"
	if err := h(context.Background(), control.Request{Cmd: control.CmdBGPStatus}, func(v any) error { got = v; return nil }); err != nil || got != nil {
		t.Errorf("bgp status without [bgp]: %v %v, want null", got, err)
	}
}

// A speaker that fails to start stops the parts started before it.
func TestBGPStartFails(t *testing.T) {
	l := newLab()
	l.fail = "bgp"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := start(ctx, file(t, tempFile(t), withBGP), quiet(), Options{}, l.kernel())
	if err == nil || d != nil {
		t.Fatalf("start = %v, %v; want the speaker's error", d, err)
	}
	before(t, l.ev, "addr add lo 203.0.113.80", "sync close", "ipvs close")
}

// runBGP starts a director on l with cfg and a control socket and runs
// it; stop ends it (the drain's wait included) and checks Run's error.
func runBGP(t *testing.T, l *lab, cfg *conf.Config) (c control.Client, stop func()) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "c.sock")
	ctx, cancel := context.WithCancel(context.Background())
	d, err := start(ctx, cfg, quiet(), Options{Socket: sock}, l.kernel())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	return control.Client{Path: sock}, func() {
		cancel()
		(<-l.drained) <- time.Now()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// A reload that changes a VIP's real servers is decided on at once, not
// at the next change of a health check.
func TestBGPReloadDecides(t *testing.T) {
	l := newLab()
	path := tempFile(t)
	c, stop := runBGP(t, l, file(t, path, withBGP))
	defer stop()
	m := awaitEvents(t, l.ev, 0, "bgp announce 203.0.113.80", "bgp announce 203.0.113.81")
	l.ipvs.setDown(netip.MustParseAddr("198.51.100.21"), true) // .22 still up: announced
	// The service keeps only the real server that is down.
	file(t, path, strings.Replace(withBGP, "  [[service.real]]\n  address = \"198.51.100.22\"\n", "", 1))
	if _, err := c.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := l.ev.list()[m:]; !slices.Contains(got, "bgp withdraw 203.0.113.80") {
		t.Errorf("after the reload: %q, want 203.0.113.80 withdrawn (its one real server is down)", got)
	}
}

// A tracked object that fails withdraws the VIPs with a reason naming it.
func TestBGPTrackReason(t *testing.T) {
	l := newLab()
	flag := filepath.Join(t.TempDir(), "maintenance")
	if err := os.WriteFile(flag, []byte("1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, stop := runBGP(t, l, file(t, tempFile(t), strings.Replace(withBGP, "[[service]]",
		"[[instance.track_file]]\npath = \""+flag+"\"\n[[service]]", 1)))
	defer stop()
	want := "track: file " + flag + " holds 1"
	waitFor(t, "the tracked file's fault", func() bool {
		st, err := c.BGPStatus(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return st.Value.VIPs[0].Reason == want
	})
}
