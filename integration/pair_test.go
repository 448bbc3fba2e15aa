package integration

import (
	"context"
	"slices"
	"syscall"
	"testing"

	"github.com/hadirector/hadirector/internal/netlab"
)

// Cold start: the higher priority wins, holds both VIPs as /32 brd VIP, and
// the lower one stays Backup while it hears the master.
func TestColdElectionByPriority(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true})
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "1s", Preempt: true})
	_, na := p.waitState(a, 0, "MASTER")
	p.waitAdvertFrom(b, 0, "192.0.2.11")
	p.wantVIPs("dA", 2)
	p.wantVIPs("dB", 0)
	if got := transitions(b); !slices.Equal(got, []string{"BACKUP"}) {
		t.Fatalf("dB went through %v, want only BACKUP", got)
	}
	_ = na
}

// The master's link is cut: the backup takes over, and the gateway's
// neighbour entry moves to its MAC at once. When the link returns the
// higher priority preempts back and the gateway follows.
func TestFailoverLinkCutAndPreemptBack(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 2, Interval: "1s", Preempt: true})
	b := p.start("dB", instanceConf{Priority: 100, Version: 2, Interval: "1s", Preempt: true})
	p.waitState(a, 0, "MASTER")
	p.seedGatewayNeigh(macA)

	mb := b.Mark()
	must(t, p.lab.Cut("sw", "dA"))
	e, _ := p.waitState(b, mb, "MASTER")
	if e.Str("reason") != "master-down" {
		t.Errorf("dB took over for %q, want master-down", e.Str("reason"))
	}
	p.wantVIPs("dB", 2)
	p.waitGatewayMAC(macB)

	ma, mb := a.Mark(), b.Mark()
	must(t, p.lab.Heal("sw", "dA"))
	p.waitState(b, mb, "BACKUP")
	p.waitAdvertFrom(b, mb, "192.0.2.11")
	p.waitGatewayMAC(macA)
	p.wantVIPs("dB", 0)
	p.wantVIPs("dA", 2)
	_ = ma
}

// The master is killed with SIGKILL: the backup takes over after
// Master_Down_Interval. Restarted, the old master removes the VIPs its dead
// run left before it is Backup, then preempts back.
func TestFailoverSIGKILLAndRestart(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	cfgA := instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true, Extra: `preempt_delay = "2s"`}
	a := p.start("dA", cfgA)
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "1s", Preempt: true})
	p.waitState(a, 0, "MASTER")
	p.seedGatewayNeigh(macA)

	mb := b.Mark()
	a.Kill()
	p.waitState(b, mb, "MASTER")
	p.waitGatewayMAC(macB)
	p.wantVIPs("dA", 2) // the dead run could not clean up

	mb = b.Mark()
	a2 := p.start("dA", cfgA)
	_, na := p.waitState(a2, 0, "BACKUP")
	p.wantVIPs("dA", 0) // removed before Backup; preempt_delay keeps it Backup for 2s
	p.waitState(a2, na, "MASTER")
	p.waitGatewayMAC(macA)
	p.wantVIPs("dA", 2)
	p.waitState(b, mb, "BACKUP") // and its VIPs gone, after the release grace
	p.wantVIPs("dB", 0)
}

// SIGTERM: the master sends priority 0, drops its VIPs and exits 0; the
// backup takes over after its skew time, not Master_Down_Interval.
func TestGracefulFailoverSIGTERM(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "1s", Preempt: true})
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "1s", Preempt: true})
	p.waitState(a, 0, "MASTER")
	p.seedGatewayNeigh(macA)
	mb := b.Mark()
	must(t, a.Signal(syscall.SIGTERM))
	code, err := a.Wait(context.Background())
	must(t, err)
	if code != 0 {
		t.Fatalf("dA exited %d after SIGTERM, want 0", code)
	}
	p.wantVIPs("dA", 0)
	_, _, err = b.WaitFor(mb, waitFor, func(e netlab.Event) bool { return e["msg"] == "advert" && e["priority"] == float64(0) })
	if err != nil {
		t.Fatalf("dB never heard the priority-0 advert: %v", err)
	}
	p.waitState(b, mb, "MASTER")
	p.waitGatewayMAC(macB)
	p.wantVIPs("dB", 2)
}

// With preempt off, a returning higher-priority director stays Backup while
// the current master lives.
func TestNoPreempt(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "300ms", Preempt: false})
	p.waitState(b, 0, "MASTER")
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "300ms", Preempt: false})
	_, na := p.waitState(a, 0, "BACKUP")
	// Hear more adverts than fit in Master_Down_Interval (3 x 300ms + skew):
	// had A meant to preempt, it would have by the last one.
	for range 6 {
		na = p.waitAdvertFrom(a, na, "192.0.2.12")
	}
	if got := transitions(a); !slices.Equal(got, []string{"BACKUP"}) {
		t.Fatalf("dA went through %v, want only BACKUP (nopreempt)", got)
	}
	p.wantVIPs("dB", 2)
	p.wantVIPs("dA", 0)
}

// Equal priorities: when two masters meet, the higher primary address (dB,
// 192.0.2.12) stays master and the other yields for tie-break. (A backup that
// hears an equal-priority master simply follows it, so the two are started
// apart and then joined.)
func TestEqualPriorityTieBreak(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	must(t, p.partition(true))
	a := p.start("dA", instanceConf{Priority: 100, Version: 3, Interval: "300ms", Preempt: true})
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "300ms", Preempt: true})
	_, na := p.waitState(a, 0, "MASTER")
	_, nb := p.waitState(b, 0, "MASTER")
	must(t, p.partition(false))
	e, na := p.waitState(a, na, "BACKUP")
	if e.Str("reason") != "tie-break" {
		t.Errorf("dA yielded for %q, want tie-break", e.Str("reason"))
	}
	for range 6 {
		na = p.waitAdvertFrom(a, na, "192.0.2.12")
	}
	if ts := transitions(a); ts[len(ts)-1] != "BACKUP" {
		t.Fatalf("dA ended %v, want BACKUP", ts)
	}
	if ts := transitions(b); ts[len(ts)-1] != "MASTER" || len(ts) != 2 {
		t.Fatalf("dB went through %v, want BACKUP, MASTER", ts)
	}
	_ = nb
	p.wantVIPs("dB", 2)
	p.wantVIPs("dA", 0)
}

// A partition makes two masters; when it heals exactly one is left (the
// higher priority), and the gateway ends on its MAC.
func TestPartitionHealLeavesOneMaster(t *testing.T) {
	t.Parallel()
	p := newPairLab(t)
	a := p.start("dA", instanceConf{Priority: 150, Version: 3, Interval: "300ms", Preempt: true})
	b := p.start("dB", instanceConf{Priority: 100, Version: 3, Interval: "300ms", Preempt: true})
	p.waitState(a, 0, "MASTER")
	mb := b.Mark()
	// Cut dA off from dB only: dA keeps its link to the switch, but the
	// switch drops frames between the two directors' ports.
	must(t, p.partition(true))
	p.waitState(b, mb, "MASTER")
	p.wantVIPs("dA", 2)
	p.wantVIPs("dB", 2)
	// The gateway last heard the loser, dB: healing must win it back.
	p.seedGatewayNeigh(macB)

	ma, mb := a.Mark(), b.Mark()
	must(t, p.partition(false))
	p.waitState(b, mb, "BACKUP")
	p.waitAdvertFrom(b, mb, "192.0.2.11")
	p.waitGatewayMAC(macA)
	if slices.Contains(transitions(a)[1:], "BACKUP") {
		t.Fatalf("dA left MASTER during the heal: %v", transitions(a))
	}
	p.wantVIPs("dA", 2)
	p.wantVIPs("dB", 0)
	_ = ma
}
