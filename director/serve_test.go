package director

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

// serve answers the control socket with p until the test ends.
func serveParts(t *testing.T, p parts) control.Client {
	t.Helper()
	path := filepath.Join(t.TempDir(), "c.sock")
	stop, err := serveControl(path, p, quiet())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return control.Client{Path: path}
}

// Each command reaches the part that answers it.
func TestControlHandler(t *testing.T) {
	l := newLab()
	reloads := 0
	c := serveParts(t, parts{vrrp: l.vrrp, ipvs: l.ipvs, sync: l.sync, reload: func() (control.ReloadReport, error) {
		reloads++
		return control.ReloadReport{Warnings: []string{"w"}}, nil
	}})
	ctx := context.Background()
	st, err := c.Status(ctx, "")
	if err != nil || len(st.Value) != 2 || st.Value[0].Name != "web" || st.Value[1].State != vrrp.Master {
		t.Errorf("Status = %+v, %v", st.Value, err)
	}
	st, err = c.Status(ctx, "dns")
	if err != nil || len(st.Value) != 1 || st.Value[0].Name != "dns" {
		t.Errorf("Status dns = %+v, %v", st.Value, err)
	}
	if _, err := c.Status(ctx, "nope"); err == nil || err.Error() != `no instance named "nope"` {
		t.Errorf("Status of an unknown instance: %v", err)
	}
	// Only masters step down; the answer's first line names the bound,
	// then each handover's outcome follows.
	var lines []string
	err = c.StepDown(ctx, "",
		func(a control.Answer[control.StepDownReply]) error { lines = append(lines, string(a.JSON)); return nil },
		func(a control.Answer[router.StepDownOutcome]) error {
			lines = append(lines, a.Value.Instance+" "+a.Value.Outcome)
			return nil
		})
	if want := []string{`{"bound":"1s","stepping_down":1}`, "dns handed-over"}; err != nil || !slices.Equal(lines, want) {
		t.Errorf("StepDown: lines %q, %v; want %q", lines, err, want)
	}
	if err := c.StepDown(ctx, "web", nil, nil); err == nil || !strings.Contains(err.Error(), "web is not master") {
		t.Errorf("StepDown of a backup: %v", err)
	}
	if rs, err := c.Resume(ctx, "web"); err != nil || rs.Value.Resumed != 1 {
		t.Errorf("Resume = %+v, %v", rs.Value, err)
	}
	if vn, err := c.Vanish(ctx, "dns", 3*time.Second); err != nil || vn.Value.VanishedFor != "3s" {
		t.Errorf("Vanish = %+v, %v", vn.Value, err)
	}
	if _, err := c.Vanish(ctx, "dns", 2*time.Hour); err == nil || !strings.Contains(err.Error(), "bad duration") {
		t.Errorf("Vanish for 2h: %v", err)
	}
	before(t, l.ev, "dns step-down", "web resume", "dns vanish 3s")
	if l.ev.index("web step-down") >= 0 {
		t.Errorf("events %q: the backup was told to step down", l.ev.list())
	}
	if is, err := c.IPVSStatus(ctx); err != nil || is.Value == nil || is.Value.Services != 7 {
		t.Errorf("IPVSStatus = %+v, %v", is.Value, err)
	}
	if ss, err := c.SyncStatus(ctx); err != nil || ss.Value == nil || ss.Value.Mode != "both" {
		t.Errorf("SyncStatus = %+v, %v", ss.Value, err)
	}
	if rl, err := c.Reload(ctx); err != nil || reloads != 1 || len(rl.Value.Warnings) != 1 {
		t.Errorf("Reload = %+v, %v after %d reloads", rl.Value, err, reloads)
	}
	var sent []any
	err = controlHandler(parts{vrrp: l.vrrp})(ctx, control.Request{Cmd: "bogus"}, func(v any) error { sent = append(sent, v); return nil })
	if err == nil || err.Error() != `unknown command "bogus"` || len(sent) != 0 {
		t.Errorf("unknown command: %v, sent %v", err, sent)
	}
}

// Without IPVS, sync or reload, the daemon says so.
func TestControlHandlerAbsentParts(t *testing.T) {
	l := newLab()
	c := serveParts(t, parts{vrrp: l.vrrp})
	ctx := context.Background()
	if is, err := c.IPVSStatus(ctx); err != nil || is.Value != nil {
		t.Errorf("IPVSStatus = %+v, %v; want nil", is.Value, err)
	}
	if ss, err := c.SyncStatus(ctx); err != nil || ss.Value != nil {
		t.Errorf("SyncStatus = %+v, %v; want nil", ss.Value, err)
	}
	if _, err := c.Reload(ctx); err == nil || !strings.Contains(err.Error(), "not offered") {
		t.Errorf("Reload: %v", err)
	}
}

// Watch streams the transitions of the instance asked for.
func TestControlWatch(t *testing.T) {
	l := newLab()
	c := serveParts(t, parts{vrrp: l.vrrp})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	got := make(chan router.Transition, 4)
	go c.Watch(ctx, "web", func(a control.Answer[router.Transition]) error { got <- a.Value; return nil })
	waitFor(t, "the watch's subscription", func() bool { return l.vrrp.subscribers() == 1 })
	l.vrrp.publish(router.Transition{Seq: 1, Instance: "dns", To: vrrp.Master})
	l.vrrp.publish(router.Transition{Seq: 2, Instance: "web", To: vrrp.Master})
	select {
	case tr := <-got:
		if tr.Seq != 2 || tr.Instance != "web" {
			t.Errorf("watched %+v, want web's transition 2", tr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no transition watched")
	}
	cancel()
	waitFor(t, "the watch to end", func() bool { return l.vrrp.subscribers() == 0 })
}
