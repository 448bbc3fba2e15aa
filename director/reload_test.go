package director

import (
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/vrrp/router"
)

type fakeNotifier struct{ ev *events }

func (n fakeNotifier) Update(cfg *conf.Config) { n.ev.add("notify update %d", len(cfg.Instances)) }

func newReloader(t *testing.T, l *lab, path string, cfg *conf.Config, withParts bool) (*reloader, *slog.LevelVar) {
	t.Helper()
	level := &slog.LevelVar{}
	r := &reloader{file: path, log: quiet(), level: level, vrrp: l.vrrp, cur: compared(cfg)}
	if withParts {
		r.ipvs, r.sync = l.ipvs, l.sync
	}
	r.setNotifier(fakeNotifier{l.ev})
	return r, level
}

// A file that does not load changes nothing: no part is asked to reload.
func TestReloadRefused(t *testing.T) {
	l := newLab()
	path := tempFile(t)
	cfg := file(t, path, withIPVS+withSync)
	r, _ := newReloader(t, l, path, cfg, true)
	os.WriteFile(path, []byte("[[instance]]\nname = \"web\"\nvrid = 300\n"), 0o600)
	if _, err := r.reload(); err == nil || !strings.Contains(err.Error(), "reload refused, nothing changed") {
		t.Fatalf("reload of an invalid file: err %v", err)
	}
	if got := l.ev.list(); len(got) != 0 {
		t.Errorf("a refused reload asked the parts %q", got)
	}
	if r.cur.File != path || r.cur.Sync == nil {
		t.Errorf("a refused reload changed what the next one compares with")
	}
}

// A valid file reaches every part; the report carries VRRP's kept,
// rebuilt, added and removed, and no warning when nothing needs a restart.
func TestReload(t *testing.T) {
	l := newLab()
	l.vrrp.reload = router.ReloadResult{Kept: []string{"web"}, Rebuilt: []string{"dns"}, Added: []string{"ntp"}, Removed: []string{"old"}}
	path := tempFile(t)
	cfg := file(t, path, withIPVS+withSync)
	r, level := newReloader(t, l, path, cfg, true)
	file(t, path, "[global]\nlog_level = \"debug\"\n"+withIPVS+strings.Replace(withSync, "sync_id = 51", "sync_id = 52", 1))
	rep, err := r.reload()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rep.Kept, []string{"web"}) || !slices.Equal(rep.Rebuilt, []string{"dns"}) ||
		!slices.Equal(rep.Added, []string{"ntp"}) || !slices.Equal(rep.Removed, []string{"old"}) {
		t.Errorf("report %+v, want VRRP's result", rep.ReloadResult)
	}
	if len(rep.Warnings) != 0 {
		t.Errorf("warnings %q, want none", rep.Warnings)
	}
	before(t, l.ev, "vrrp reload 2", "notify update 2", "ipvs configure 1", "sync reconfigure 52")
	if level.Level() != slog.LevelDebug {
		t.Errorf("log level %v after a reload to debug", level.Level())
	}
	// The same file again: the sync threads are not touched.
	if _, err := r.reload(); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(strings.Join(l.ev.list(), "\n"), "sync reconfigure"); n != 1 {
		t.Errorf("sync reconfigured %d times, want once (the second file changed nothing)", n)
	}
}

// What takes effect only at a restart is named in the warnings; the rest
// of the reload goes ahead.
func TestReloadWarnings(t *testing.T) {
	l := newLab()
	path := tempFile(t)
	cfg := file(t, path, "")
	r, _ := newReloader(t, l, path, cfg, false) // started with neither IPVS nor sync
	file(t, path, "[global]\nmetrics_address = \"127.0.0.1:9650\"\nnotify_fifo = \"/run/n.fifo\"\n"+withIPVS+withSync)
	rep, err := r.reload()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"global.metrics_address", "global.notify_fifo", "now configures IPVS", "[sync] was added"}
	if len(rep.Warnings) != len(want) {
		t.Fatalf("warnings %q, want %d", rep.Warnings, len(want))
	}
	for i, w := range want {
		if !strings.Contains(rep.Warnings[i], w) || !strings.Contains(rep.Warnings[i], "restart") {
			t.Errorf("warning %q, want one on %s at the next restart", rep.Warnings[i], w)
		}
	}
	if l.ev.index("vrrp reload 2") < 0 {
		t.Errorf("events %q: VRRP not reloaded", l.ev.list())
	}
	// With the level fixed (nil) log_level is ignored; a table the IPVS
	// manager refuses is a warning.
	r.level = nil
	r.ipvs = l.ipvs
	l.ipvs.configure = os.ErrInvalid
	file(t, path, "[global]\nmetrics_address = \"127.0.0.1:9650\"\nnotify_fifo = \"/run/n.fifo\"\nlog_level = \"error\"\n"+withIPVS)
	rep, err = r.reload()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Warnings) != 2 || !strings.Contains(rep.Warnings[0], "[sync] was added, removed") ||
		!strings.Contains(rep.Warnings[1], "ipvs: invalid argument (the previous table stays)") {
		t.Errorf("warnings %q", rep.Warnings)
	}
}
