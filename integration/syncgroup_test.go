package integration

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// groupConf is a director with vi51 (VIP .100) and vi52 (VIP .101) in one
// sync group, at priority prio; extra goes into vi51.
func groupConf(prio, extra, groupExtra string) string {
	inst := func(name, vrid, vip, more string) string {
		return "[[instance]]\nname = \"" + name + "\"\ninterface = \"eth0\"\nvrid = " + vrid + "\npriority = " + prio +
			"\nadvert_interval = \"100ms\"\nvips = [\"" + vip + "\"]\n" + more + "\n"
	}
	return inst("vi51", "51", "192.0.2.100", extra) + inst("vi52", "52", "192.0.2.101", "") +
		"[[sync_group]]\nname = \"g\"\ninstances = [\"vi51\", \"vi52\"]\n" + groupExtra
}

// TestSyncGroup drives a sync group on the real binary: dA (150) and dB
// (100) each run vi51 and vi52 in a group; only dA's vi51 tracks an
// interface. Its fault faults vi52 too, and dB takes both; the recovery
// brings both back. A step-down of vi51 alone takes vi52 along (it hands
// over too and holds), and resuming vi51 lets vi52 preempt back as well.
func TestSyncGroup(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.trackedLink("dA")
	start := func(host, text string) *netlab.Proc {
		path := filepath.Join(p.dir, host+".toml")
		must(t, os.WriteFile(path, []byte(text), 0o644))
		proc, err := p.lab.Start(host, nil, binary, "run", "-c", path, "-s", path+".sock", "--log-format", "json", "--log-level", "debug")
		must(t, err)
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("%s log:\n%s", host, strings.Join(proc.Lines(), "\n"))
			}
		})
		return proc
	}
	b := start("dB", groupConf("100", "", ""))
	waitInst(t, b, 0, "vi51", "MASTER")
	waitInst(t, b, 0, "vi52", "MASTER")
	notified := filepath.Join(p.dir, "group.out")
	a := start("dA", groupConf("150", "[[instance.track_interface]]\ninterface = \"trk0\"\n",
		"notify = [\"/bin/sh\", \"-c\", \"echo \\\"$* $HADIRECTOR_GROUP_STATE\\\" >> "+notified+"\", \"notify\"]\n"))
	waitInst(t, a, 0, "vi51", "MASTER")
	waitInst(t, a, 0, "vi52", "MASTER")

	m := a.Mark()
	_, err := p.lab.IP("dA", "link", "set", "trk1", "down")
	must(t, err)
	if e := waitInst(t, a, m, "vi52", "FAULT"); e.Str("reason") != "fault" {
		t.Errorf("vi52 faulted for %q, want the group's fault", e.Str("reason"))
	}
	waitInst(t, a, m, "vi51", "FAULT")
	mb := b.Mark()
	waitInst(t, b, mb, "vi51", "MASTER")
	waitInst(t, b, mb, "vi52", "MASTER")

	m = a.Mark()
	_, err = p.lab.IP("dA", "link", "set", "trk1", "up")
	must(t, err)
	waitInst(t, a, m, "vi51", "MASTER")
	waitInst(t, a, m, "vi52", "MASTER")

	m = a.Mark()
	sock := filepath.Join(p.dir, "dA.toml.sock")
	_, err = p.lab.Exec("dA", binary, "step-down", "-i", "vi51", "-s", sock)
	must(t, err)
	waitInst(t, a, m, "vi51", "BACKUP")
	if e := waitInst(t, a, m, "vi52", "BACKUP"); e.Str("reason") != "sync-group" {
		t.Errorf("vi52 left master for %q, want sync-group", e.Str("reason"))
	}
	m = a.Mark()
	_, err = p.lab.Exec("dA", binary, "resume", "-i", "vi51", "-s", sock)
	must(t, err)
	waitInst(t, a, m, "vi51", "MASTER")
	waitInst(t, a, m, "vi52", "MASTER") // its hold lifted, it preempts by its own election

	// The group's notify ran on the group's own state changes, in order.
	must(t, a.Signal(syscall.SIGTERM))
	waitExit(t, a)
	got, err := os.ReadFile(notified)
	must(t, err)
	want := "GROUP g BACKUP BACKUP\nGROUP g MASTER MASTER\nGROUP g FAULT FAULT\nGROUP g BACKUP BACKUP\nGROUP g MASTER MASTER\n" +
		"GROUP g BACKUP BACKUP\nGROUP g MASTER MASTER\nGROUP g STOP STOP\n"
	if string(got) != want {
		t.Errorf("group notify ran as\n%s\nwant\n%s", got, want)
	}
}

// waitInst waits for instance inst of proc to enter state, logged at or
// after from.
func waitInst(t *testing.T, proc *netlab.Proc, from int, inst, state string) netlab.Event {
	t.Helper()
	e, _, err := proc.WaitFor(from, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "transition" && e.Str("instance") == inst && e.Str("to") == state
	})
	if err != nil {
		t.Fatalf("waiting for %s %s to become %s: %v", proc.Name, inst, state, err)
	}
	return e
}
