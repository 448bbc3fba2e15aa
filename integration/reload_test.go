package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// reloadConf is one director's file with instances by name; each holds one
// VIP, 192.0.2.100+n.
func reloadConf(insts ...string) string {
	var b strings.Builder
	for _, in := range insts {
		b.WriteString(in)
	}
	return b.String()
}

func reloadInst(name string, vrid, prio int, vip string) string {
	return "[[instance]]\nname = \"" + name + "\"\ninterface = \"eth0\"\nvrid = " + strconv.Itoa(vrid) +
		"\npriority = " + strconv.Itoa(prio) + "\nadvert_interval = \"100ms\"\nvips = [\"" + vip + "\"]\n\n"
}

// TestReload drives SIGHUP and `hadirector reload` on the real binary: an
// invalid file changes nothing and is reported; a valid one keeps the
// unchanged instance (its notify commands aside) with no transition and its VIP never removed,
// rebuilds the changed one (stop, start, new VIP), stops the removed one
// (VIP removed) and starts the new one.
func TestReload(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	path := filepath.Join(p.dir, "reload.toml")
	write := func(s string) { must(t, os.WriteFile(path, []byte(s), 0o644)) }
	write(reloadConf(
		reloadInst("keep", 51, 150, "192.0.2.100"),
		reloadInst("change", 52, 150, "192.0.2.101"),
		reloadInst("gone", 53, 150, "192.0.2.102")))
	a, err := p.lab.Start("dA", nil, binary, "run", "-c", path, "-s", path+".sock", "--log-format", "json", "--log-level", "debug")
	must(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dA log:\n%s", strings.Join(a.Lines(), "\n"))
		}
	})
	for range 3 {
		p.waitState(a, 0, "MASTER")
	}
	waitMasters := func(from int, names ...string) {
		t.Helper()
		for _, n := range names {
			if _, _, err := a.WaitFor(from, waitFor, func(e netlab.Event) bool {
				return e.Str("msg") == "vips added" && e.Str("instance") == n
			}); err != nil {
				t.Fatalf("%s: %v", n, err)
			}
		}
	}
	waitMasters(0, "keep", "change", "gone")
	if got := sorted(p.vips("dA")); !slices.Equal(got, []string{"192.0.2.100", "192.0.2.101", "192.0.2.102"}) {
		t.Fatalf("VIPs %v", got)
	}

	// An invalid file: refused, reported, nothing changes.
	mark := a.Mark()
	write(reloadConf(reloadInst("keep", 51, 300, "192.0.2.100")))
	out, err := p.lab.Exec("dA", binary, "reload", "-s", path+".sock")
	if err == nil || !strings.Contains(out, "instance[0].priority: 300 is out of range") || !strings.Contains(out, "nothing changed") {
		t.Fatalf("reload of an invalid file: err %v, output %q", err, out)
	}
	if _, _, err := a.WaitFor(mark, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "reload refused: the file is invalid; nothing changed"
	}); err != nil {
		t.Fatal(err)
	}

	// A valid file by SIGHUP. "keep" gains a notify command only: the
	// notifier takes it, the instance runs on.
	write(reloadConf(
		reloadInst("keep", 51, 150, "192.0.2.100")+"notify = [\"/bin/true\"]\n\n",
		reloadInst("change", 52, 120, "192.0.2.103"),
		reloadInst("added", 54, 150, "192.0.2.104")))
	must(t, a.Signal(syscall.SIGHUP))
	ev, _, err := a.WaitFor(mark, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "reloaded" })
	must(t, err)
	for k, want := range map[string]string{"kept": "[keep]", "rebuilt": "[change]", "added": "[added]", "removed": "[gone]"} {
		if got := fmt.Sprint(ev[k]); got != want {
			t.Errorf("reloaded %s = %s, want %s", k, got, want)
		}
	}
	waitMasters(mark, "change", "added")
	for _, e := range a.Events(mark) {
		if e.Str("instance") == "keep" && (e.Str("msg") == "transition" || e.Str("msg") == "vips removed") {
			t.Errorf("the unchanged instance was touched: %v", e)
		}
	}
	var gone []string
	for _, e := range a.Events(mark) {
		if e.Str("instance") == "gone" && e.Str("msg") == "transition" {
			gone = append(gone, e.Str("from")+"->"+e.Str("to"))
		}
	}
	if !slices.Equal(gone, []string{"MASTER->INIT"}) {
		t.Errorf("removed instance transitions %v, want a clean stop", gone)
	}
	if got := sorted(p.vips("dA")); !slices.Equal(got, []string{"192.0.2.100", "192.0.2.103", "192.0.2.104"}) {
		t.Errorf("VIPs after the reload %v, want .100 kept, .103 and .104 added, .101 and .102 removed", got)
	}

	// The same file through the command: everything is kept.
	out, err = p.lab.Exec("dA", binary, "reload", "-s", path+".sock")
	if err != nil || !strings.Contains(out, "kept:    keep, change, added") || !strings.Contains(out, "rebuilt: -") {
		t.Errorf("hadirector reload: err %v, output %q", err, out)
	}
	must(t, a.Signal(syscall.SIGTERM))
	waitExit(t, a)
}

func sorted(s []string) []string { slices.Sort(s); return s }
