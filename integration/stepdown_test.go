package integration

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

// A planned step-down is make-before-break: the backup takes over on the
// priority-0 advert, and the old master removes its VIPs only after the new
// master has added them (after hearing it, plus the grace period). The old
// master then holds back from preempting until resumed.
func TestPlannedStepDownMakeBeforeBreak(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true})
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "1s", Preempt: true})
	_, na := p.waitState(a, 0, "MASTER")
	p.waitAdvertFrom(b, 0, "192.0.2.11")
	p.seedGatewayNeigh(macA)
	sockA := filepath.Join(p.dir, "dA.toml.sock")

	mb := b.Mark()
	if out, err := p.lab.Exec("dA", binary, "step-down", "-s", sockA); err != nil {
		t.Fatalf("step-down: %v: %s", err, out)
	}
	eb, _ := p.waitState(b, mb, "MASTER")
	if r := eb.Str("reason"); r != "master-released" {
		t.Errorf("dB took over for %q, want master-released", r)
	}
	ea, _ := p.waitState(a, na, "BACKUP") // returns after dA's "vips removed"
	if r := ea.Str("reason"); r != "step-down" {
		t.Errorf("dA left for %q, want step-down (it should have heard dB)", r)
	}
	added := logTime(t, b, mb, "vips added")
	removed := logTime(t, a, na, "vips removed")
	if !added.Before(removed) {
		t.Errorf("dA removed the VIPs at %s, not after dB added them at %s", removed.Format(time.StampMicro), added.Format(time.StampMicro))
	}
	p.waitGatewayMAC(macB)
	p.wantVIPs("dA", 0)
	p.wantVIPs("dB", 2)

	// Held: dA hears the lower priority master and does not preempt.
	ma := a.Mark()
	p.waitAdvertFrom(a, ma, "192.0.2.12")
	p.waitAdvertFrom(a, a.Mark(), "192.0.2.12")
	if got := transitions(a); len(got) != 3 {
		t.Fatalf("dA went through %v while held, want BACKUP MASTER BACKUP", got)
	}
	ma = a.Mark()
	if out, err := p.lab.Exec("dA", binary, "resume", "-s", sockA); err != nil {
		t.Fatalf("resume: %v: %s", err, out)
	}
	p.waitState(a, ma, "MASTER")
	p.waitGatewayMAC(macA)
}

// logTime returns the time of proc's first log event msg at or after from.
func logTime(t *testing.T, proc *netlab.Proc, from int, msg string) time.Time {
	t.Helper()
	for _, e := range proc.Events(from) {
		if e.Str("msg") == msg {
			ts, err := time.Parse(time.RFC3339Nano, e.Str("time"))
			if err != nil {
				t.Fatalf("%s: %q: %v", proc.Name, msg, err)
			}
			return ts
		}
	}
	t.Fatalf("%s never logged %q", proc.Name, msg)
	return time.Time{}
}
