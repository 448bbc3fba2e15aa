package director

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"weak"

	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// before reports whether every event of order happened, each after the one
// before it.
func before(t *testing.T, ev *events, order ...string) {
	t.Helper()
	last := -1
	for _, e := range order {
		i := ev.index(e)
		if i < 0 || i < last {
			t.Fatalf("events %q: want %q in this order", ev.list(), order)
		}
		last = i
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("waited 10s for %s", what)
}

// The parts start in order: VRRP's sockets, the IPVS table, the sync
// threads as a backup's, the control socket; Run runs VRRP and then stops
// the parts in reverse: sync after VRRP, IPVS last.
func TestStartOrder(t *testing.T) {
	l := newLab()
	path := tempFile(t)
	cfg := file(t, path, withIPVS+withSync)
	sock := filepath.Join(t.TempDir(), "c.sock")
	ctx, cancel := context.WithCancel(context.Background())
	d, err := start(ctx, cfg, quiet(), Options{Socket: sock}, l.kernel())
	if err != nil {
		t.Fatal(err)
	}
	// The fail-back hold runs on its own goroutine: await it, then check the order.
	waitFor(t, "sync hold", func() bool { return l.ev.index("sync hold") >= 0 })
	before(t, l.ev, "vrrp open", "ipvs open", "ipvs configure 1", "sync open", "sync apply BACKUP", "sync hold")
	if _, err := os.Stat(sock); err != nil {
		t.Errorf("no control socket after Start: %v", err)
	}
	// The sync follower and the notifier are subscribed before VRRP runs.
	if n := l.vrrp.subscribers(); n != 2 {
		t.Errorf("%d subscriptions to the transitions before Run, want 2 (sync, notify)", n)
	}
	done := make(chan error)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, "vrrp run", func() bool { return l.ev.index("vrrp run") >= 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	before(t, l.ev, "vrrp run", "vrrp stopped", "sync close", "ipvs close", "vrrp close")
	before(t, l.ev, "ipvs run ended", "ipvs close") // the manager ends with ctx, before its kernel closes
	if _, err := os.Stat(sock); !os.IsNotExist(err) {
		t.Errorf("control socket left after Run: %v", err)
	}
	if n := l.vrrp.subscribers(); n != 0 {
		t.Errorf("%d subscriptions left after Run", n)
	}
}

// A file without IPVS or sync opens neither.
func TestStartVRRPOnly(t *testing.T) {
	l := newLab()
	cfg := file(t, tempFile(t), "")
	ctx, cancel := context.WithCancel(context.Background())
	d, err := start(ctx, cfg, quiet(), Options{}, l.kernel())
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	d.Run(ctx)
	if got := l.ev.list(); !slices.Equal(got, []string{"vrrp open", "vrrp run", "vrrp stopped", "vrrp close"}) {
		t.Errorf("events %q, want VRRP's alone", got)
	}
}

// A part that fails to start stops the parts started before it, in
// reverse, and Start returns its error.
func TestStartUnwinds(t *testing.T) {
	for _, c := range []struct {
		name, fail string
		sock       func(t *testing.T) string
		want       string // in the error
		stops      []string
		never      []string
	}{
		{name: "vrrp", fail: "vrrp", want: "no such interface", never: []string{"ipvs open", "sync open", "vrrp close"}},
		{name: "ipvs", fail: "ipvs", want: "no IPVS", stops: []string{"vrrp close"}, never: []string{"sync open"}},
		{name: "sync", fail: "sync", want: "sync: no IPVS", stops: []string{"ipvs close", "vrrp close"}},
		{name: "control socket", sock: func(t *testing.T) string {
			f := filepath.Join(t.TempDir(), "file")
			os.WriteFile(f, nil, 0o600)
			return filepath.Join(f, "c.sock") // under a file: cannot be made
		}, want: "control socket", stops: []string{"sync close", "ipvs close", "vrrp close"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			l := newLab()
			l.fail = c.fail
			cfg := file(t, tempFile(t), withIPVS+withSync)
			var o Options
			if c.sock != nil {
				o.Socket = c.sock(t)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			d, err := start(ctx, cfg, quiet(), o, l.kernel())
			if err == nil || !strings.Contains(err.Error(), c.want) || d != nil {
				t.Fatalf("start = %v, %v; want an error with %q", d, err, c.want)
			}
			if len(c.stops) > 0 {
				before(t, l.ev, c.stops...)
			}
			if l.ev.index("ipvs open") >= 0 {
				before(t, l.ev, "ipvs run ended", "ipvs close")
			}
			for _, e := range c.never {
				if l.ev.index(e) >= 0 {
					t.Errorf("events %q: %q after an earlier part failed", l.ev.list(), e)
				}
			}
			if n := l.vrrp.subscribers(); n != 0 {
				t.Errorf("%d subscriptions left after a failed start", n)
			}
		})
	}
}

// The sync threads follow the configured instance's transitions, and only
// its.
func TestSyncFollows(t *testing.T) {
	l := newLab()
	cfg := file(t, tempFile(t), withSync)
	ctx, cancel := context.WithCancel(context.Background())
	d, err := start(ctx, cfg, quiet(), Options{}, l.kernel())
	if err != nil {
		t.Fatal(err)
	}
	l.vrrp.publish(router.Transition{Instance: "dns", From: vrrp.Backup, To: vrrp.Master})
	l.vrrp.publish(router.Transition{Instance: "web", From: vrrp.Backup, To: vrrp.Master})
	l.vrrp.publish(router.Transition{Instance: "web", From: vrrp.Master, To: vrrp.Fault})
	cancel()
	d.Run(ctx)
	var applied []string
	for _, e := range l.ev.list() {
		if s, ok := strings.CutPrefix(e, "sync apply "); ok {
			applied = append(applied, s)
		}
	}
	if want := []string{"BACKUP", "MASTER", "INIT"}; !slices.Equal(applied, want) {
		t.Errorf("sync applied %q, want %q (web's transitions, not dns's)", applied, want)
	}
}

// The fail-back hold resumes the instance when the manager releases it,
// and at once when the sync group cannot be joined.
func TestSyncFailbackHold(t *testing.T) {
	for _, c := range []struct {
		name    string
		release bool
		fail    string
	}{{"released", true, ""}, {"cannot listen", false, "listen"}} {
		t.Run(c.name, func(t *testing.T) {
			l := newLab()
			l.sync.release, l.fail = c.release, c.fail
			cfg := file(t, tempFile(t), withSync)
			ctx, cancel := context.WithCancel(context.Background())
			d, err := start(ctx, cfg, quiet(), Options{}, l.kernel())
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "web resume", func() bool { return l.ev.index("web resume") >= 0 })
			cancel()
			d.Run(ctx)
			if l.ev.index("dns resume") >= 0 {
				t.Errorf("events %q: dns resumed, it is not the sync instance", l.ev.list())
			}
		})
	}
}

// Once started, the director keeps no copy of the start-up file's services
// or instances: the IPVS manager holds the file's services as its table,
// the VRRP daemon its own instances, and the file's instances are garbage
// (collected here, seen by a weak pointer).
func TestStartKeepsNoCopyOfTheFile(t *testing.T) {
	l := newLab()
	cfg := file(t, tempFile(t), withIPVS)
	instances := weak.Make(&cfg.Instances[0])
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d, err := start(ctx, cfg, quiet(), Options{}, l.kernel())
	if err != nil {
		t.Fatal(err)
	}
	cfg = nil
	runtime.GC()
	if d.cfg.IPVS.Services != nil {
		t.Error("the director keeps the start-up file's services")
	}
	if instances.Value() != nil {
		t.Error("the start-up file's instances are still reachable after the start")
	}
	if d.cfg == nil || d.cfg.File == "" {
		t.Errorf("the director's settings are gone: %+v", d.cfg)
	}
	cancel()
	d.Run(ctx)
}
