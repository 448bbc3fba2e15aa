package integration

import (
	"testing"
	"time"

	"github.com/hadirector/hadirector/integration/lab"
)

// TestStartupDelay: a director of higher priority that starts next to a
// running master listens as Backup for [global] startup_delay before it may
// preempt; the master keeps the VIPs meanwhile. The check is a lower bound
// (it cannot be met early by a correct daemon), never an upper one.
func TestStartupDelay(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "100ms", Preempt: true})
	p.waitState(b, 0, "MASTER")
	const delay = 2 * time.Second
	a := p.start("dA", instanceConf{Priority: 200, Version: 3, Interval: "100ms", Preempt: true,
		Extra: "\n[global]\nstartup_delay = \"2s\"\n"})
	started, _, err := a.WaitFor(0, waitFor, func(e lab.Event) bool { return e.Str("msg") == "started" })
	must(t, err)
	// While held off, dA hears dB (a lower-priority master) and stays Backup.
	p.waitAdvertFrom(a, 0, "192.0.2.12")
	p.wantVIPs("dB", 2)
	master, _ := p.waitState(a, 0, "MASTER")
	t0, err := time.Parse(time.RFC3339Nano, started.Str("time"))
	must(t, err)
	t1, err := time.Parse(time.RFC3339Nano, master.Str("time"))
	must(t, err)
	if t1.Sub(t0) < delay {
		t.Errorf("dA became master %v after it started, within its startup delay %v", t1.Sub(t0), delay)
	}
	p.waitState(b, 0, "BACKUP")
	p.wantVIPs("dA", 2)
}
