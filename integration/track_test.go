package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// TestTracking drives track_interface, track_script and track_file on the
// real binary. dA (150) tracks a dummy interface (weight 0: down is a
// fault), a script (weight -60) and a file (weight -1); dB (100) tracks
// nothing. The interface going down faults dA (priority 0, VIPs removed,
// dB takes over) and coming up brings it back; the script failing lowers
// dA to 90, below dB, which takes over; the file then holding 70 keeps dA
// at 80 when the script is good again, and removing it restores 150.
func TestTracking(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	p.trackedLink("dA")
	flag := filepath.Join(p.dir, "healthy")
	must(t, os.WriteFile(flag, nil, 0o644))
	file := filepath.Join(p.dir, "prio")
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "100ms", Preempt: true})
	p.waitState(b, 0, "MASTER")
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "100ms", Preempt: true, Extra: `
[[instance.track_interface]]
interface = "trk0"

[[instance.track_script]]
command = ["/usr/bin/test", "-e", "` + flag + `"]
interval = "200ms"
weight = -60

[[instance.track_file]]
path = "` + file + `"
interval = "200ms"
weight = -1
`})
	p.waitState(a, 0, "MASTER")
	_, nb := p.waitState(b, 0, "BACKUP")

	step := func(what string, do func()) int {
		t.Helper()
		t.Log(what)
		mark := a.Mark()
		do()
		return mark
	}
	waitPrio := func(from int, prio float64) {
		t.Helper()
		if _, _, err := a.WaitFor(from, waitFor, func(e netlab.Event) bool {
			return e.Str("msg") == "tracking: effective priority" && e["priority"] == prio
		}); err != nil {
			t.Fatalf("waiting for effective priority %v: %v", prio, err)
		}
	}

	m := step("trk0 loses carrier: fault", func() { _, err := p.lab.IP("dA", "link", "set", "trk1", "down"); must(t, err) })
	e, _ := p.waitState(a, m, "FAULT")
	if e.Str("reason") != "fault" || e.Str("from") != "MASTER" {
		t.Errorf("fault transition %v", e)
	}
	_, nb = p.waitState(b, nb, "MASTER")
	p.wantVIPs("dA", 0)

	m = step("trk0 has carrier again: back, and preempts", func() { _, err := p.lab.IP("dA", "link", "set", "trk1", "up"); must(t, err) })
	e, m2 := p.waitState(a, m, "BACKUP")
	if e.Str("reason") != "fault-cleared" {
		t.Errorf("recovery transition %v", e)
	}
	p.waitState(a, m2, "MASTER")
	_, nb = p.waitState(b, nb, "BACKUP")

	m = step("script fails: 90 < 100, dB takes over", func() { must(t, os.Remove(flag)) })
	waitPrio(m, 90)
	p.waitState(a, m, "BACKUP")
	_, nb = p.waitState(b, nb, "MASTER")

	m = step("script good, file 70: 80, dB stays", func() {
		must(t, os.WriteFile(file, []byte("70\n"), 0o644))
		must(t, os.WriteFile(flag, nil, 0o644))
	})
	waitPrio(m, 80)
	if _, _, err := a.WaitFor(m, waitFor, func(e netlab.Event) bool {
		return e.Str("msg") == "effective priority" && e["priority"] == 80.0
	}); err != nil {
		t.Fatal(err)
	}
	out, err := p.lab.Exec("dA", binary, "status", "-s", filepath.Join(p.dir, "dA.toml.sock"))
	must(t, err)
	t.Logf("status:\n%s", out)
	if !strings.Contains(out, " 150/80 ") || !strings.Contains(out, "BACKUP") {
		t.Errorf("status does not show BACKUP at 150/80 (configured/effective)")
	}

	m = step("file removed: 150, dA preempts back", func() { must(t, os.Remove(file)) })
	waitPrio(m, 150)
	p.waitState(a, m, "MASTER")
	p.waitState(b, nb, "BACKUP")
	for _, tr := range transitions(b) {
		if tr == "FAULT" {
			t.Errorf("dB, which tracks nothing, faulted")
		}
	}
}

// trackedLink gives host an interface trk0 to track, whose carrier follows
// its veth peer trk1 (set trk1 down to cut it; the host has no dummy).
func (p *pairLab) trackedLink(host string) {
	p.t.Helper()
	_, err := p.lab.IP(host, "link", "add", "trk0", "type", "veth", "peer", "name", "trk1")
	must(p.t, err)
	for _, l := range []string{"trk0", "trk1"} {
		_, err = p.lab.IP(host, "link", "set", l, "up")
		must(p.t, err)
	}
}
