package notify

import (
	"bufio"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/hadirector/hadirector/vrrp/router"
)

func TestFIFOLineAndState(t *testing.T) {
	for _, tc := range []struct {
		to   vrrp.State
		want string
	}{{vrrp.Master, `INSTANCE "web" MASTER 150` + "\n"}, {vrrp.Backup, `INSTANCE "web" BACKUP 150` + "\n"}, {vrrp.Initialize, `INSTANCE "web" STOP 150` + "\n"}} {
		if got := FIFOLine(router.Transition{Instance: "web", To: tc.to}, 150); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.to, got, tc.want)
		}
	}
}

// The commands and the FIFO see every transition in sequence order, with
// keepalived's arguments, while a slow command holds up only the notifier:
// Publish returns at once.
func TestNotifierOrder(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	fifo := filepath.Join(dir, "fifo")
	// The "any" command logs its arguments and the sequence number; the
	// master command is slow the first time.
	any := []string{"/bin/sh", "-c", `echo "$HADIRECTOR_SEQ $HADIRECTOR_REASON $*" >> ` + out, "notify"}
	master := []string{"/bin/sh", "-c", `[ "$HADIRECTOR_SEQ" = 2 ] && sleep 0.2; echo "$HADIRECTOR_SEQ master" >> ` + out}
	cfg := &conf.Config{Global: conf.Global{NotifyFIFO: fifo}, Instances: []conf.Instance{
		{Name: "web", Priority: 150, Notify: &conf.Notify{Any: any, Master: master, Timeout: 10 * time.Second}},
		{Name: "dns", Priority: 100, Notify: &conf.Notify{Stop: []string{"/bin/sh", "-c", `echo "$HADIRECTOR_SEQ stop $HADIRECTOR_INSTANCE" >> ` + out}, Timeout: 10 * time.Second}},
	}}
	if !Needed(cfg) {
		t.Fatal("Needed is false")
	}
	n, reader := withFIFO(t, cfg)

	var ev router.Events
	ctx, cancel := context.WithCancel(context.Background())
	done := ev.Subscribe(ctx, n.Handle)
	for _, tr := range []router.Transition{
		{Instance: "web", From: vrrp.Initialize, To: vrrp.Backup, Reason: "startup"},
		{Instance: "web", From: vrrp.Backup, To: vrrp.Master, Reason: "master-down"},
		{Instance: "dns", From: vrrp.Initialize, To: vrrp.Backup, Reason: "startup"},
		{Instance: "web", From: vrrp.Master, To: vrrp.Initialize, Reason: "shutdown"},
		{Instance: "dns", From: vrrp.Backup, To: vrrp.Initialize, Reason: "shutdown"},
	} {
		ev.Publish(tr)
	}
	cancel() // what was published is still delivered
	<-done

	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `1 startup INSTANCE web BACKUP 150
2 master-down INSTANCE web MASTER 150
2 master
4 shutdown INSTANCE web STOP 150
5 stop dns
`
	if string(b) != want {
		t.Errorf("commands ran as\n%s\nwant\n%s", b, want)
	}
	sc := bufio.NewScanner(reader)
	var lines []string
	for len(lines) < 5 && sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if got := strings.Join(lines, "\n"); got != `INSTANCE "web" BACKUP 150
INSTANCE "web" MASTER 150
INSTANCE "dns" BACKUP 100
INSTANCE "web" STOP 150
INSTANCE "dns" STOP 100` {
		t.Errorf("fifo:\n%s", got)
	}
}

// A command that outlives its timeout is killed, and the next one runs.
func TestNotifierTimeout(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	cfg := &conf.Config{Instances: []conf.Instance{{Name: "web", Priority: 150, Notify: &conf.Notify{
		Master: []string{"/bin/sleep", "60"},
		Backup: []string{"/bin/sh", "-c", "echo backup >> " + out},
		// It bounds the backup command too: long enough for a loaded
		// machine to start sh and append a line; short beside 60 s.
		Timeout: 2 * time.Second,
	}}}}
	var logs strings.Builder
	n, err := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	n.Handle(router.Transition{Instance: "web", To: vrrp.Master})
	if !strings.Contains(logs.String(), "notify command killed at its timeout") {
		t.Errorf("no kill logged: %s", logs.String())
	}
	n.Handle(router.Transition{Instance: "web", To: vrrp.Backup})
	if b, err := os.ReadFile(out); err != nil || string(b) != "backup\n" {
		t.Errorf("after the killed command: %q %v", b, err)
	}
}

func TestFIFOErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := openFIFO(file); err == nil || !strings.Contains(err.Error(), "not a FIFO") {
		t.Errorf("a plain file: %v", err)
	}
	if _, err := openFIFO("/nonexistent-dir/fifo"); err == nil {
		t.Error("a FIFO in a missing directory was made")
	}
}

// TestGroupNotify: a sync group's state is FAULT as soon as one member is,
// MASTER, BACKUP or STOP once all are; each change is one FIFO line and
// one run of the group's commands.
func TestGroupNotify(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	fifo := filepath.Join(dir, "fifo")
	cfg := &conf.Config{Global: conf.Global{NotifyFIFO: fifo},
		Instances: []conf.Instance{{Name: "web", Priority: 150}, {Name: "db", Priority: 150}, {Name: "other", Priority: 100}},
		SyncGroups: []conf.SyncGroup{{Name: "g", Instances: []string{"web", "db"}, Notify: conf.Notify{
			Any:     []string{"/bin/sh", "-c", `echo "$* $HADIRECTOR_GROUP_STATE" >> ` + out, "notify"},
			Timeout: 10 * time.Second}}}}
	n, reader := withFIFO(t, cfg)
	for _, tr := range []router.Transition{
		{Instance: "web", From: vrrp.Initialize, To: vrrp.Backup},
		{Instance: "db", From: vrrp.Initialize, To: vrrp.Backup}, // group BACKUP
		{Instance: "web", From: vrrp.Backup, To: vrrp.Master},
		{Instance: "other", From: vrrp.Initialize, To: vrrp.Master}, // not a member
		{Instance: "db", From: vrrp.Backup, To: vrrp.Master},        // group MASTER
		{Instance: "db", From: vrrp.Master, To: vrrp.Fault},         // group FAULT
		{Instance: "web", From: vrrp.Master, To: vrrp.Fault},        // still FAULT: nothing
		{Instance: "db", From: vrrp.Fault, To: vrrp.Backup},
		{Instance: "web", From: vrrp.Fault, To: vrrp.Backup}, // group BACKUP
		{Instance: "web", From: vrrp.Backup, To: vrrp.Initialize},
		{Instance: "db", From: vrrp.Backup, To: vrrp.Initialize}, // group STOP
	} {
		n.Handle(tr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if want := "GROUP g BACKUP BACKUP\nGROUP g MASTER MASTER\nGROUP g FAULT FAULT\nGROUP g BACKUP BACKUP\nGROUP g STOP STOP\n"; string(b) != want {
		t.Errorf("group commands ran as\n%s\nwant\n%s", b, want)
	}
	sc := bufio.NewScanner(reader)
	var groups []string
	for len(groups) < 5 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "GROUP") {
			groups = append(groups, sc.Text())
		}
	}
	if got := strings.Join(groups, "\n"); got != "GROUP \"g\" BACKUP\nGROUP \"g\" MASTER\nGROUP \"g\" FAULT\nGROUP \"g\" BACKUP\nGROUP \"g\" STOP" {
		t.Errorf("fifo group lines:\n%s", got)
	}
}

// The notifier keeps nothing for an instance with nothing to notify (no
// command, no FIFO), and starts keeping it when a reload adds a command.
func TestNotifierKeepsOnlyWhatNotifies(t *testing.T) {
	quiet := conf.Instance{Name: "quiet", Priority: 100}
	loud := conf.Instance{Name: "loud", Priority: 150, Notify: &conf.Notify{Master: []string{"/bin/true"}, Timeout: time.Second}}
	n, err := New(&conf.Config{Instances: []conf.Instance{quiet, loud}}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := n.prio["quiet"]; ok || len(n.prio) != 1 || len(n.cmds) != 1 {
		t.Errorf("kept priorities %v and commands for %d instances; want only loud's", n.prio, len(n.cmds))
	}
	quiet.Notify = loud.Notify
	n.Update(&conf.Config{Instances: []conf.Instance{quiet}})
	_, cmds := n.cmds["quiet"]
	if p, ok := n.prio["quiet"]; !ok || p != 100 || !cmds {
		t.Errorf("after the reload: priority %d (kept: %v), commands kept: %v", p, ok, cmds)
	}
}

// With a FIFO, an instance without commands is still notified there.
func TestNotifierFIFOOnly(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	cfg := &conf.Config{Global: conf.Global{NotifyFIFO: fifo}, Instances: []conf.Instance{{Name: "quiet", Priority: 100}}}
	n, reader := withFIFO(t, cfg)
	n.Handle(router.Transition{Instance: "quiet", From: vrrp.Backup, To: vrrp.Master, Reason: "master-down"})
	// Nothing written would block the read for ever: a bound, not a timing.
	if err := reader.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(reader)
	if !sc.Scan() || sc.Text() != `INSTANCE "quiet" MASTER 100` {
		t.Errorf("fifo line %q (%v)", sc.Text(), sc.Err())
	}
}

// withFIFO makes a notifier for cfg, whose FIFO it opens for reading; both
// close when the test ends. The notifier holds the FIFO open, so the open
// does not wait for a writer.
func withFIFO(t *testing.T, cfg *conf.Config) (*Notifier, *os.File) {
	t.Helper()
	n, err := New(cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	reader, err := os.Open(cfg.Global.NotifyFIFO)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reader.Close() })
	return n, reader
}
