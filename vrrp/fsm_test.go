package vrrp

import (
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

var (
	t0     = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	addrA  = netip.MustParseAddr("192.0.2.11")
	addrB  = netip.MustParseAddr("192.0.2.12")
	addrLo = netip.MustParseAddr("192.0.2.5")
)

func at(d time.Duration) time.Time { return t0.Add(d) }

func params(prio uint8) Params {
	return Params{Version: 3, Priority: prio, AdvertInterval: time.Second, Preempt: true, Primary: addrA}
}

// acts renders actions compactly for table comparison.
func acts(as []Action) string {
	var b []string
	for _, a := range as {
		switch a.Kind {
		case ActTransition:
			b = append(b, fmt.Sprintf("%s->%s(%s)", a.From, a.To, a.Reason))
		case ActSendAdvert:
			b = append(b, fmt.Sprintf("advert(%d)", a.Priority))
		case ActStayMaster:
			b = append(b, fmt.Sprintf("stay-master(%s)", a.Reason))
		case ActAnnounce:
			if a.Heal {
				b = append(b, "announce(heal)")
			} else {
				b = append(b, "announce")
			}
		default:
			b = append(b, a.Kind.String())
		}
	}
	return strings.Join(b, " ")
}

func TestReleaseGrace(t *testing.T) {
	for _, c := range []struct{ interval, want time.Duration }{
		{time.Second, 100 * time.Millisecond},
		{100 * time.Millisecond, 100 * time.Millisecond},
		{50 * time.Millisecond, 50 * time.Millisecond},
		{10 * time.Millisecond, 10 * time.Millisecond},
	} {
		if got := ReleaseGrace(c.interval); got != c.want {
			t.Errorf("ReleaseGrace(%v) = %v, want %v", c.interval, got, c.want)
		}
	}
}

func TestSkewAndMasterDown(t *testing.T) {
	cases := []struct {
		version  int
		prio     uint8
		interval time.Duration
		skew     time.Duration
		down     time.Duration
	}{
		// v3: (256-p)*interval/256.
		{3, 100, time.Second, 609375 * time.Microsecond, 3609375 * time.Microsecond},
		{3, 150, time.Second, 414062500 * time.Nanosecond, 3414062500 * time.Nanosecond},
		{3, 254, time.Second, 7812500 * time.Nanosecond, 3007812500 * time.Nanosecond},
		{3, 100, 100 * time.Millisecond, 60937500 * time.Nanosecond, 360937500 * time.Nanosecond},
		{3, 1, 10 * time.Millisecond, 9960937 * time.Nanosecond, 39960937 * time.Nanosecond},
		// v2: (256-p)/256 seconds, whatever the interval.
		{2, 100, time.Second, 609375 * time.Microsecond, 3609375 * time.Microsecond},
		{2, 100, 3 * time.Second, 609375 * time.Microsecond, 9609375 * time.Microsecond},
	}
	for _, c := range cases {
		if got := SkewTime(c.version, c.prio, c.interval); got != c.skew {
			t.Errorf("SkewTime(v%d, %d, %v) = %v, want %v", c.version, c.prio, c.interval, got, c.skew)
		}
		if got := MasterDownInterval(c.version, c.prio, c.interval); got != c.down {
			t.Errorf("MasterDownInterval(v%d, %d, %v) = %v, want %v", c.version, c.prio, c.interval, got, c.down)
		}
	}
}

// step is one row of a transition table: start from a machine built by
// setup, apply ev at now, expect state, actions and timers.
type step struct {
	name      string
	setup     func() Machine
	ev        Event
	now       time.Time
	state     State
	acts      string
	master    netip.Addr
	deadline  time.Time // NextDeadline after the step
	interval  time.Duration
	checkInt  bool
	preemptAt time.Time
}

func started(p Params) Machine {
	m, _ := Step(NewMachine(p), Event{Kind: EvStartup}, t0)
	return m
}

// masterAt is a machine that became master at t0 via Master_Down expiry.
func masterAt(p Params) Machine {
	m := started(p)
	m, _ = Step(m, Event{Kind: EvTimer}, m.MasterDownAt.Time())
	return m
}

func advert(src netip.Addr, prio uint8, iv time.Duration) Event {
	return Event{Kind: EvAdvert, Src: src, Priority: prio, Interval: iv}
}

func TestStepTable(t *testing.T) {
	p100 := params(100)
	noPreempt := params(100)
	noPreempt.Preempt = false
	delayed := params(100)
	delayed.PreemptDelay = 10 * time.Second
	v2 := params(100)
	v2.Version = 2
	down100 := MasterDownInterval(3, 100, time.Second)
	mdAt := at(down100) // when masterAt() became master
	held := params(100)
	held.StartupDelay = 30 * time.Second
	heldOwner := params(255)
	heldOwner.StartupDelay = 30 * time.Second
	syncHeld := params(100)
	syncHeld.HoldAtStart = true
	// The address owner with every setting that holds others back: it
	// preempts all the same (RFC 5798 6.1).
	stubbornOwner := params(255)
	stubbornOwner.Preempt = false
	stubbornOwner.PreemptDelay = 10 * time.Second
	delayedOwner := stubbornOwner
	delayedOwner.StartupDelay = 30 * time.Second
	delayedOwner.HoldAtStart = true
	down255 := MasterDownInterval(3, 255, time.Second)
	// recoveredOwner is an owner that was faulted and recovered at 2 s: it
	// is Backup with a fresh Master_Down_Timer.
	recoveredOwner := func() Machine {
		m := started(stubbornOwner)
		m, _ = Step(m, Event{Kind: EvFault}, at(time.Second))
		m, _ = Step(m, Event{Kind: EvRecover}, at(2*time.Second))
		return m
	}
	waiting := params(100)
	waiting.StartupWait = time.Minute
	waitingDelayed := waiting
	waitingDelayed.StartupDelay = 30 * time.Second
	// handedOver is a master that stepped down at mdAt and heard the new
	// master (addrB) 300 ms later, so it keeps its VIPs until mdAt+400ms.
	handedOver := func() Machine {
		m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
		m, _ = Step(m, advert(addrB, 50, time.Second), mdAt.Add(300*time.Millisecond))
		return m
	}

	cases := []step{
		// Initialize (RFC 5798 6.4.1).
		{name: "init/startup owner becomes master", setup: func() Machine { return NewMachine(params(255)) },
			ev: Event{Kind: EvStartup}, now: t0, state: Master, master: addrA,
			acts:     "INIT->MASTER(owner-startup) advert(255) add-vips announce",
			deadline: at(time.Second)},
		{name: "init/startup backup arms Master_Down_Timer", setup: func() Machine { return NewMachine(p100) },
			ev: Event{Kind: EvStartup}, now: t0, state: Backup,
			acts: "INIT->BACKUP(startup)", deadline: at(down100)},
		{name: "init/startup delay: owner starts as backup until it ends", setup: func() Machine { return NewMachine(heldOwner) },
			ev: Event{Kind: EvStartup}, now: t0, state: Backup,
			acts: "INIT->BACKUP(startup)", deadline: at(30 * time.Second)},
		{name: "init/startup delay: backup's first deadline is the delay's end", setup: func() Machine { return NewMachine(held) },
			ev: Event{Kind: EvStartup}, now: t0, state: Backup,
			acts: "INIT->BACKUP(startup)", deadline: at(30 * time.Second)},
		{name: "backup/startup delay: a master heard then lost is not followed before the delay ends", setup: func() Machine {
			m, _ := Step(NewMachine(held), Event{Kind: EvStartup}, t0)
			m, _ = Step(m, advert(addrB, 200, time.Second), at(time.Second))
			return m
		}, ev: Event{Kind: EvTimer}, now: at(time.Second + down100), state: Backup, acts: "",
			master: addrB, deadline: at(30 * time.Second)},
		{name: "backup/startup delay: master once it ends", setup: func() Machine {
			m, _ := Step(NewMachine(held), Event{Kind: EvStartup}, t0)
			return m
		}, ev: Event{Kind: EvTimer}, now: at(30 * time.Second), state: Master, master: addrA,
			acts:     "BACKUP->MASTER(master-down) advert(100) add-vips announce",
			deadline: at(31 * time.Second)},
		{name: "backup/fail-back hold: a lower-priority master is followed, not preempted", setup: func() Machine { return started(syncHeld) },
			ev: advert(addrB, 50, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(2*time.Second + down100)},
		{name: "backup/fail-back hold: with no master heard, takes over as usual", setup: func() Machine { return started(syncHeld) },
			ev: Event{Kind: EvTimer}, now: at(down100), state: Master, master: addrA,
			acts:     "BACKUP->MASTER(master-down) advert(100) add-vips announce",
			deadline: at(down100 + time.Second)},
		{name: "backup/fail-back hold: released, a lower-priority master is preempted", setup: func() Machine {
			m := started(syncHeld)
			m, _ = Step(m, advert(addrB, 50, time.Second), at(time.Second))
			m, _ = Step(m, Event{Kind: EvResume}, at(2*time.Second))
			return m
		}, ev: advert(addrB, 50, time.Second), now: at(3 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(time.Second + down100)},
		// The address owner preempts whatever preempt, preempt_delay and a
		// hold say. As any preempting backup (RFC 5798 6.4.2) it discards
		// a lower master's adverts and takes over when its
		// Master_Down_Timer fires: about three advert intervals, during
		// which the lower master still answers the VIPs.
		{name: "owner/start-up delay: a lower master heard in it is not followed", setup: func() Machine { return started(delayedOwner) },
			ev: advert(addrB, 100, time.Second), now: at(29 * time.Second), state: Backup, acts: "",
			deadline: at(30 * time.Second)},
		{name: "owner/start-up delay over: takes over from the lower master", setup: func() Machine {
			m := started(delayedOwner)
			m, _ = Step(m, advert(addrB, 100, time.Second), at(29*time.Second))
			return m
		}, ev: Event{Kind: EvTimer}, now: at(30 * time.Second), state: Master, master: addrA,
			acts:     "BACKUP->MASTER(master-down) advert(255) add-vips announce",
			deadline: at(31 * time.Second)},
		{name: "owner/fail-back hold: a lower master is not followed", setup: func() Machine {
			p := delayedOwner
			p.StartupDelay = 0
			p.StartupWait = time.Minute
			m := started(p)
			m, _ = Step(m, Event{Kind: EvReady}, at(time.Second))
			return m
		}, ev: advert(addrB, 100, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			deadline: at(time.Second + down255)},
		{name: "owner/after fault recovery: a lower master is not followed, no preempt delay", setup: recoveredOwner,
			ev: advert(addrB, 100, time.Second), now: at(3 * time.Second), state: Backup, acts: "",
			deadline: at(2*time.Second + down255)},
		{name: "owner/after fault recovery: takes over at its Master_Down_Timer", setup: func() Machine {
			m := recoveredOwner()
			m, _ = Step(m, advert(addrB, 100, time.Second), at(3*time.Second))
			m, _ = Step(m, advert(addrB, 100, time.Second), at(4*time.Second))
			return m
		}, ev: Event{Kind: EvTimer}, now: at(2*time.Second + down255), state: Master, master: addrA,
			acts:     "BACKUP->MASTER(master-down) advert(255) add-vips announce",
			deadline: at(3*time.Second + down255)},
		{name: "owner/after fault recovery: follows another owner with a higher address", setup: recoveredOwner,
			ev: advert(addrB, 255, time.Second), now: at(3 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(3*time.Second + down255)},
		{name: "owner/step-down refused: it would preempt straight back", setup: func() Machine { return started(stubbornOwner) },
			ev: Event{Kind: EvStepDown}, now: at(500 * time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: at(time.Second)},
		{name: "owner/sync-group release ignored: it would preempt straight back", setup: func() Machine { return started(stubbornOwner) },
			ev: Event{Kind: EvGroupBackup}, now: at(500 * time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: at(time.Second)},

		// Tracking: Fault and the effective priority.
		{name: "master/fault: priority 0, VIPs removed, deaf", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvFault}, now: at(5 * time.Second), state: Fault,
			acts: "MASTER->FAULT(fault) stop-announce advert(0) remove-vips"},
		{name: "backup/fault", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvFault}, now: at(time.Second), state: Fault, acts: "BACKUP->FAULT(fault)"},
		{name: "fault/advert ignored", setup: func() Machine {
			m, _ := Step(started(p100), Event{Kind: EvFault}, at(time.Second))
			return m
		}, ev: advert(addrB, 50, time.Second), now: at(2 * time.Second), state: Fault, acts: ""},
		{name: "fault/timer ignored", setup: func() Machine {
			m, _ := Step(started(p100), Event{Kind: EvFault}, at(time.Second))
			return m
		}, ev: Event{Kind: EvTimer}, now: at(time.Hour), state: Fault, acts: ""},
		{name: "fault/recover: backup with a fresh Master_Down_Timer", setup: func() Machine {
			m, _ := Step(started(p100), Event{Kind: EvFault}, at(time.Second))
			return m
		}, ev: Event{Kind: EvRecover}, now: at(2 * time.Second), state: Backup, acts: "FAULT->BACKUP(fault-cleared)",
			deadline: at(2*time.Second + down100)},
		{name: "init/startup while faulted enters fault", setup: func() Machine {
			m, _ := Step(NewMachine(p100), Event{Kind: EvFault}, t0)
			return m
		}, ev: Event{Kind: EvStartup}, now: t0, state: Fault, acts: "INIT->FAULT(fault)"},
		{name: "backup/recover without a fault does nothing", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvRecover}, now: at(time.Second), state: Backup, acts: "", deadline: at(down100)},
		{name: "backup/raised priority preempts a master it outranks now", setup: func() Machine {
			m, _ := Step(started(p100), Event{Kind: EvPriority, Priority: 200}, at(time.Second))
			return m
		}, ev: advert(addrB, 150, time.Second), now: at(2 * time.Second), state: Backup, acts: "", deadline: at(down100)},
		{name: "master/lowered priority goes into the adverts", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvPriority, Priority: 40}, mdAt)
			return m
		}, ev: Event{Kind: EvTimer}, now: at(down100 + time.Second), state: Master, master: addrA,
			acts: "advert(40)", deadline: at(down100 + 2*time.Second)},
		{name: "owner/priority is not tracked", setup: func() Machine {
			m, _ := Step(NewMachine(params(255)), Event{Kind: EvStartup}, t0)
			m, _ = Step(m, Event{Kind: EvPriority, Priority: 100}, t0)
			return m
		}, ev: Event{Kind: EvTimer}, now: at(time.Second), state: Master, master: addrA,
			acts: "advert(255)", deadline: at(2 * time.Second)},
		// Advert slack: an early timer within the slack sends and re-phases;
		// each next advert moves towards the grid (whole seconds here) by up
		// to the slack. down100 is 3.609375 s, so masterAt's adverts fall
		// 609.375 ms past a whole second.
		{name: "master/timer within the advert slack: advert now, next from now, pulled towards the grid", setup: func() Machine {
			p := p100
			p.AdvertSlack = 50 * time.Millisecond
			return masterAt(p)
		}, ev: Event{Kind: EvTimer}, now: at(down100 + 960*time.Millisecond), state: Master, master: addrA,
			acts: "advert(100)", deadline: at(down100 + 1910*time.Millisecond)},
		{name: "master/timer earlier than the advert slack: nothing", setup: func() Machine {
			p := p100
			p.AdvertSlack = 50 * time.Millisecond
			return masterAt(p)
		}, ev: Event{Kind: EvTimer}, now: at(down100 + 940*time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: at(down100 + time.Second)},
		{name: "master/on time with slack: next pulled towards the grid by the slack", setup: func() Machine {
			p := p100
			p.AdvertSlack = 50 * time.Millisecond
			return masterAt(p)
		}, ev: Event{Kind: EvTimer}, now: at(down100 + time.Second), state: Master, master: addrA,
			acts: "advert(100)", deadline: at(down100 + 1950*time.Millisecond)},
		{name: "master/on time, within the slack of the grid: next on the grid", setup: func() Machine {
			p := p100
			p.AdvertSlack = 50 * time.Millisecond
			m := masterAt(p)
			m.AdverAt = MonoOf(at(10*time.Second + 30*time.Millisecond))
			return m
		}, ev: Event{Kind: EvTimer}, now: at(10*time.Second + 30*time.Millisecond), state: Master, master: addrA,
			acts: "advert(100)", deadline: at(11 * time.Second)},
		{name: "master/no slack: an early timer sends nothing", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvTimer}, now: at(down100 + 999*time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: at(down100 + time.Second)},
		// Another master leaving (priority 0) after a heal.
		{name: "master/priority 0 from another master: advert and heal announce", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 0, time.Second), now: mdAt.Add(10 * time.Second), state: Master, master: addrA,
			acts: "advert(100) announce(heal)", deadline: mdAt.Add(11 * time.Second)},
		{name: "master/priority 0 right after our own GARPs: advert only", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 0, time.Second), now: mdAt.Add(100 * time.Millisecond), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(1100 * time.Millisecond)},

		// Link up.
		{name: "master/link up: advert and heal announce", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvLinkUp}, now: at(5 * time.Second), state: Master, master: addrA,
			acts: "resolve-peers advert(100) announce(heal)", deadline: at(6 * time.Second)},
		{name: "backup/link up: peers resolved, timers kept", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvLinkUp}, now: at(time.Second), state: Backup, acts: "resolve-peers", deadline: at(down100)},
		{name: "init/link up: nothing", setup: func() Machine { return NewMachine(p100) },
			ev: Event{Kind: EvLinkUp}, now: at(time.Second), state: Initialize, acts: ""},
		{name: "fault/link up: nothing", setup: func() Machine {
			m, _ := Step(started(p100), Event{Kind: EvFault}, at(time.Second))
			return m
		}, ev: Event{Kind: EvLinkUp}, now: at(2 * time.Second), state: Fault, acts: ""},

		// Sync groups.
		{name: "master/group backup: hands over as a step-down", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvGroupBackup}, now: at(5 * time.Second), state: Master, master: addrA,
			acts: "advert(0)", deadline: at(5*time.Second + MasterDownInterval(3, 1, time.Second))},
		{name: "master/group backup: backup once the new master is heard, holding", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvGroupBackup}, at(5*time.Second))
			return m
		}, ev: advert(addrB, 50, time.Second), now: at(5*time.Second + 300*time.Millisecond), state: Backup, master: addrB,
			acts: "MASTER->BACKUP(sync-group) stop-announce", deadline: at(5*time.Second + 400*time.Millisecond)},
		{name: "backup/group backup ignored", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvGroupBackup}, now: at(time.Second), state: Backup, acts: "", deadline: at(down100)},

		// Start-up wait for traffic.
		{name: "init/startup wait: no master before the bound", setup: func() Machine { return NewMachine(waiting) },
			ev: Event{Kind: EvStartup}, now: t0, state: Backup, acts: "INIT->BACKUP(startup)", deadline: at(time.Minute)},
		{name: "backup/ready: Master_Down_Interval from now", setup: func() Machine { return started(waiting) },
			ev: Event{Kind: EvReady}, now: at(time.Second), state: Backup, acts: "", deadline: at(time.Second + down100)},
		{name: "backup/ready does not cut a start-up delay short", setup: func() Machine { return started(waitingDelayed) },
			ev: Event{Kind: EvReady}, now: at(time.Second), state: Backup, acts: "", deadline: at(30*time.Second + down100)},
		{name: "backup/ready twice changes nothing", setup: func() Machine {
			m, _ := Step(started(waiting), Event{Kind: EvReady}, at(time.Second))
			return m
		}, ev: Event{Kind: EvReady}, now: at(2 * time.Second), state: Backup, acts: "", deadline: at(time.Second + down100)},
		{name: "init/advert ignored", setup: func() Machine { return NewMachine(p100) },
			ev: advert(addrB, 200, time.Second), now: t0, state: Initialize, acts: ""},
		{name: "init/timer ignored", setup: func() Machine { return NewMachine(p100) },
			ev: Event{Kind: EvTimer}, now: t0, state: Initialize, acts: ""},
		{name: "init/shutdown ignored", setup: func() Machine { return NewMachine(p100) },
			ev: Event{Kind: EvShutdown}, now: t0, state: Initialize, acts: ""},

		// Backup (RFC 5798 6.4.2).
		{name: "backup/shutdown", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvShutdown}, now: at(time.Second), state: Initialize,
			acts: "BACKUP->INIT(shutdown)"},
		{name: "backup/early timer does nothing", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvTimer}, now: at(time.Second), state: Backup, acts: "", deadline: at(down100)},
		{name: "backup/Master_Down_Timer fires", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvTimer}, now: at(down100), state: Master, master: addrA,
			acts:     "BACKUP->MASTER(master-down) advert(100) add-vips announce",
			deadline: at(down100 + time.Second)},
		{name: "backup/startup again ignored", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvStartup}, now: at(time.Second), state: Backup, acts: "", deadline: at(down100)},
		{name: "backup/priority 0 sets timer to Skew_Time", setup: func() Machine { return started(p100) },
			ev: advert(addrB, 0, time.Second), now: at(time.Second), state: Backup, acts: "",
			deadline: at(time.Second + SkewTime(3, 100, time.Second))},
		{name: "backup/higher priority resets timer", setup: func() Machine { return started(p100) },
			ev: advert(addrB, 200, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(2*time.Second + down100)},
		{name: "backup/equal priority resets timer", setup: func() Machine { return started(p100) },
			ev: advert(addrB, 100, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(2*time.Second + down100)},
		{name: "backup/lower priority with preempt is discarded", setup: func() Machine { return started(p100) },
			ev: advert(addrB, 50, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			deadline: at(down100)},
		{name: "backup/lower priority without preempt resets timer", setup: func() Machine { return started(noPreempt) },
			ev: advert(addrB, 50, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(2*time.Second + down100)},
		{name: "backup/lower priority inside preempt delay resets timer", setup: func() Machine { return started(delayed) },
			ev: advert(addrB, 50, time.Second), now: at(2 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(2*time.Second + down100), preemptAt: at(2 * time.Second)},
		{name: "backup/lower priority after preempt delay is discarded", setup: func() Machine {
			m := started(delayed)
			m, _ = Step(m, advert(addrB, 50, time.Second), at(time.Second))
			return m
		}, ev: advert(addrB, 50, time.Second), now: at(11 * time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(time.Second + down100), preemptAt: at(time.Second)},
		{name: "backup/v3 learns the master's interval", setup: func() Machine { return started(p100) },
			ev: advert(addrB, 200, 100*time.Millisecond), now: at(time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(time.Second + MasterDownInterval(3, 100, 100*time.Millisecond)),
			interval: 100 * time.Millisecond, checkInt: true},
		{name: "backup/v2 keeps its own interval", setup: func() Machine { return started(v2) },
			ev: advert(addrB, 200, 2*time.Second), now: at(time.Second), state: Backup, acts: "",
			master: addrB, deadline: at(time.Second + down100), interval: time.Second, checkInt: true},
		{name: "backup/takeover after priority 0 is reported as released", setup: func() Machine {
			m := started(p100)
			m, _ = Step(m, advert(addrB, 0, time.Second), at(time.Second))
			return m
		}, ev: Event{Kind: EvTimer}, now: at(time.Second + SkewTime(3, 100, time.Second)), state: Master, master: addrA,
			acts:     "BACKUP->MASTER(master-released) advert(100) add-vips announce",
			deadline: at(2*time.Second + SkewTime(3, 100, time.Second))},

		// Master (RFC 5798 6.4.3).
		{name: "master/shutdown sends priority 0 and removes VIPs", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvShutdown}, now: mdAt, state: Initialize,
			acts: "stop-announce advert(0) remove-vips MASTER->INIT(shutdown)"},
		{name: "master/Adver_Timer fires", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvTimer}, now: mdAt.Add(time.Second), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(2 * time.Second)},
		{name: "master/late timer does not burst", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvTimer}, now: mdAt.Add(5 * time.Second), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(6 * time.Second)},
		{name: "master/early timer does nothing", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvTimer}, now: mdAt.Add(time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: mdAt.Add(time.Second)},
		{name: "master/priority 0 answered at once", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 0, time.Second), now: mdAt.Add(300 * time.Millisecond), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(1300 * time.Millisecond)},
		{name: "master/higher priority: step down", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 200, time.Second), now: mdAt.Add(time.Second), state: Backup, master: addrB,
			acts:     "MASTER->BACKUP(higher-priority-advert) stop-announce advert(100)",
			deadline: mdAt.Add(time.Second + 100*time.Millisecond)},
		{name: "yielded/grace ends: drop VIPs", setup: func() Machine {
			m, _ := Step(masterAt(p100), advert(addrB, 200, time.Second), mdAt)
			return m
		}, ev: Event{Kind: EvTimer}, now: mdAt.Add(100 * time.Millisecond), state: Backup, master: addrB,
			acts: "remove-vips", deadline: mdAt.Add(down100)},
		{name: "yielded/shutdown in the grace: drop VIPs", setup: func() Machine {
			m, _ := Step(masterAt(p100), advert(addrB, 200, time.Second), mdAt)
			return m
		}, ev: Event{Kind: EvShutdown}, now: mdAt.Add(50 * time.Millisecond), state: Initialize,
			acts: "remove-vips BACKUP->INIT(shutdown)"},
		{name: "master/higher priority learned interval", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 200, 200*time.Millisecond), now: mdAt, state: Backup, master: addrB,
			acts:     "MASTER->BACKUP(higher-priority-advert) stop-announce advert(100)",
			deadline: mdAt.Add(100 * time.Millisecond), interval: 200 * time.Millisecond, checkInt: true},
		{name: "master/equal priority, higher address: step down", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 100, time.Second), now: mdAt, state: Backup, master: addrB,
			acts: "MASTER->BACKUP(tie-break) stop-announce advert(100)", deadline: mdAt.Add(100 * time.Millisecond)},
		{name: "master/equal priority, lower address: answer", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrLo, 100, time.Second), now: mdAt.Add(down100), state: Master, master: addrA,
			acts: "advert(100) announce(heal)", deadline: mdAt.Add(down100 + time.Second)},
		{name: "master/lower priority just after takeover: answer only", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 50, time.Second), now: mdAt.Add(500 * time.Millisecond), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(1500 * time.Millisecond)},
		{name: "master/lower priority later: answer and re-announce", setup: func() Machine { return masterAt(p100) },
			ev: advert(addrB, 50, time.Second), now: mdAt.Add(down100), state: Master, master: addrA,
			acts: "advert(100) announce(heal)", deadline: mdAt.Add(down100 + time.Second)},
		{name: "master/lower priority again soon: answer only", setup: func() Machine {
			m := masterAt(p100)
			m, _ = Step(m, advert(addrB, 50, time.Second), mdAt.Add(down100))
			return m
		}, ev: advert(addrB, 50, time.Second), now: mdAt.Add(down100 + time.Second), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(down100 + 2*time.Second)},
		{name: "master/lower priority again after Master_Down_Interval: re-announce", setup: func() Machine {
			m := masterAt(p100)
			m, _ = Step(m, advert(addrB, 50, time.Second), mdAt.Add(down100))
			return m
		}, ev: advert(addrB, 50, time.Second), now: mdAt.Add(2 * down100), state: Master, master: addrA,
			acts: "advert(100) announce(heal)", deadline: mdAt.Add(2*down100 + time.Second)},
		{name: "master/owner yields only to a higher address at 255", setup: func() Machine {
			m, _ := Step(NewMachine(params(255)), Event{Kind: EvStartup}, t0)
			return m
		}, ev: advert(addrB, 255, time.Second), now: t0, state: Backup, master: addrB,
			acts: "MASTER->BACKUP(tie-break) stop-announce advert(255)", deadline: at(100 * time.Millisecond)},
		{name: "master/step-down sends priority 0, keeps VIPs", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvStepDown}, now: mdAt, state: Master, master: addrA,
			acts: "advert(0)", deadline: mdAt.Add(MasterDownInterval(3, 1, time.Second))},
		{name: "releasing/new master heard: drop VIPs", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			return m
		}, ev: advert(addrB, 50, time.Second), now: mdAt.Add(300 * time.Millisecond), state: Backup, master: addrB,
			acts: "MASTER->BACKUP(step-down) stop-announce", deadline: mdAt.Add(400 * time.Millisecond)},
		{name: "stepped down/timer before the grace ends: VIPs kept", setup: handedOver,
			ev: Event{Kind: EvTimer}, now: mdAt.Add(399 * time.Millisecond), state: Backup, master: addrB,
			acts: "", deadline: mdAt.Add(400 * time.Millisecond)},
		{name: "stepped down/grace ends: drop VIPs", setup: handedOver,
			ev: Event{Kind: EvTimer}, now: mdAt.Add(400 * time.Millisecond), state: Backup, master: addrB,
			acts: "remove-vips", deadline: mdAt.Add(300*time.Millisecond + down100)},
		{name: "stepped down/advert in the grace: VIPs still dropped on time", setup: handedOver,
			ev: advert(addrB, 50, time.Second), now: mdAt.Add(350 * time.Millisecond), state: Backup, master: addrB,
			acts: "", deadline: mdAt.Add(400 * time.Millisecond)},
		{name: "stepped down/shutdown in the grace: drop VIPs", setup: handedOver,
			ev: Event{Kind: EvShutdown}, now: mdAt.Add(350 * time.Millisecond), state: Initialize,
			acts: "remove-vips BACKUP->INIT(shutdown)"},
		{name: "stepped down/vanish in the grace: drop VIPs", setup: handedOver,
			ev: Event{Kind: EvVanish}, now: mdAt.Add(350 * time.Millisecond), state: Initialize,
			acts: "remove-vips BACKUP->INIT(drill-loss)"},
		{name: "releasing/priority 0 ignored", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			return m
		}, ev: advert(addrB, 0, time.Second), now: mdAt.Add(300 * time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: mdAt.Add(MasterDownInterval(3, 1, time.Second))},
		{name: "releasing/bound passes with no new master: stay master with the VIPs, advertise again", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			return m
		}, ev: Event{Kind: EvTimer}, now: mdAt.Add(MasterDownInterval(3, 1, time.Second)), state: Master, master: addrA,
			acts:     "stay-master(step-down-no-backup) advert(100)",
			deadline: mdAt.Add(MasterDownInterval(3, 1, time.Second) + time.Second)},
		{name: "releasing/before the bound: still waiting", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			return m
		}, ev: Event{Kind: EvTimer}, now: mdAt.Add(MasterDownInterval(3, 1, time.Second) - time.Millisecond), state: Master, master: addrA,
			acts: "", deadline: mdAt.Add(MasterDownInterval(3, 1, time.Second))},
		{name: "kept after a step-down with no backup: not held, preempts a lower master", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			m, _ = Step(m, Event{Kind: EvTimer}, mdAt.Add(MasterDownInterval(3, 1, time.Second)))
			return m
		}, ev: advert(addrB, 50, time.Second), now: mdAt.Add(MasterDownInterval(3, 1, time.Second) + down100), state: Master, master: addrA,
			acts: "advert(100) announce(heal)", deadline: mdAt.Add(MasterDownInterval(3, 1, time.Second) + down100 + time.Second)},
		{name: "kept after a group release with no backup: next adverts at our priority", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvGroupBackup}, mdAt)
			m, _ = Step(m, Event{Kind: EvTimer}, mdAt.Add(MasterDownInterval(3, 1, time.Second)))
			return m
		}, ev: Event{Kind: EvTimer}, now: mdAt.Add(MasterDownInterval(3, 1, time.Second) + time.Second), state: Master, master: addrA,
			acts: "advert(100)", deadline: mdAt.Add(MasterDownInterval(3, 1, time.Second) + 2*time.Second)},
		{name: "releasing/shutdown", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			return m
		}, ev: Event{Kind: EvShutdown}, now: mdAt, state: Initialize,
			acts: "stop-announce advert(0) remove-vips MASTER->INIT(shutdown)"},
		{name: "backup/step-down ignored", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvStepDown}, now: at(time.Second), state: Backup, acts: "", deadline: at(down100)},
		{name: "backup/held after step-down: lower priority resets timer", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			m, _ = Step(m, advert(addrB, 50, time.Second), mdAt)
			m, _ = Step(m, Event{Kind: EvTimer}, mdAt.Add(ReleaseGrace(time.Second)))
			return m
		}, ev: advert(addrB, 50, time.Second), now: mdAt.Add(time.Second), state: Backup, master: addrB,
			acts: "", deadline: mdAt.Add(time.Second + down100)},
		{name: "backup/resumed: lower priority discarded again", setup: func() Machine {
			m, _ := Step(masterAt(p100), Event{Kind: EvStepDown}, mdAt)
			m, _ = Step(m, advert(addrB, 50, time.Second), mdAt)
			m, _ = Step(m, Event{Kind: EvTimer}, mdAt.Add(ReleaseGrace(time.Second)))
			m, _ = Step(m, Event{Kind: EvResume}, mdAt)
			return m
		}, ev: advert(addrB, 50, time.Second), now: mdAt.Add(time.Second), state: Backup, master: addrB,
			acts: "", deadline: mdAt.Add(down100)},
		{name: "master/vanish: VIPs removed, no advert", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvVanish}, now: mdAt, state: Initialize,
			acts: "stop-announce remove-vips MASTER->INIT(drill-loss)"},
		{name: "backup/vanish", setup: func() Machine { return started(p100) },
			ev: Event{Kind: EvVanish}, now: t0, state: Initialize, acts: "BACKUP->INIT(drill-loss)"},
		{name: "init/vanish ignored", setup: func() Machine { return NewMachine(p100) },
			ev: Event{Kind: EvVanish}, now: t0, state: Initialize, acts: ""},
		{name: "master/startup ignored", setup: func() Machine { return masterAt(p100) },
			ev: Event{Kind: EvStartup}, now: mdAt, state: Master, master: addrA, acts: "", deadline: mdAt.Add(time.Second)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := c.setup()
			before := m
			got, as := Step(m, c.ev, c.now)
			if !reflect.DeepEqual(m, before) {
				t.Fatalf("Step mutated its input")
			}
			if got.State != c.state {
				t.Errorf("state %s, want %s", got.State, c.state)
			}
			if a := acts(as); a != c.acts {
				t.Errorf("actions %q, want %q", a, c.acts)
			}
			if got.Master != c.master {
				t.Errorf("master %v, want %v", got.Master, c.master)
			}
			if d := got.NextDeadline(); !d.Equal(c.deadline) {
				t.Errorf("deadline %v, want %v", d.Sub(t0), c.deadline.Sub(t0))
			}
			if c.checkInt && got.MasterAdverInterval != c.interval {
				t.Errorf("MasterAdverInterval %v, want %v", got.MasterAdverInterval, c.interval)
			}
			if !got.PreemptSince.Time().Equal(c.preemptAt) {
				t.Errorf("PreemptSince %v, want %v", got.PreemptSince, c.preemptAt)
			}
		})
	}
}

func TestStateString(t *testing.T) {
	for s, want := range map[State]string{Initialize: "INIT", Backup: "BACKUP", Master: "MASTER", State(9): "UNKNOWN"} {
		if s.String() != want {
			t.Errorf("%d.String() = %q, want %q", s, s.String(), want)
		}
	}
}

// A master with advert slack, fired on time from any phase, reaches the
// advert grid within interval/slack adverts, and no interval between its
// adverts is shorter than the interval less the slack.
func TestAdvertSlackConvergesToTheGrid(t *testing.T) {
	p := params(100)
	p.AdvertInterval = 100 * time.Millisecond
	p.AdvertSlack = AdvertSlack(p.AdvertInterval)
	for phase := time.Duration(0); phase < p.AdvertInterval; phase += 7 * time.Millisecond {
		m := masterAt(p)
		m.AdverAt = MonoOf(at(time.Hour + phase))
		last := m.AdverAt.Time().Add(-p.AdvertInterval)
		for k := 0; k < 25; k++ {
			now := m.AdverAt.Time()
			var acts []Action
			m, acts = Step(m, Event{Kind: EvTimer}, now)
			if len(acts) != 1 || acts[0].Kind != ActSendAdvert {
				t.Fatalf("phase %v advert %d: actions %v", phase, k, acts)
			}
			if gap := now.Sub(last); gap < p.AdvertInterval-p.AdvertSlack {
				t.Fatalf("phase %v advert %d: %v after the one before", phase, k, gap)
			}
			last = now
		}
		if off := m.AdverAt.UnixNano() % int64(p.AdvertInterval); off != 0 {
			t.Errorf("phase %v: after 25 adverts still %v off the grid", phase, time.Duration(off))
		}
	}
}

// A step-down that finds no new master lifts its hold: the director stays
// master, and should it later lose to a peer, it preempts as configured.
func TestStepDownWithNoBackupLiftsTheHold(t *testing.T) {
	m, _ := Step(masterAt(params(100)), Event{Kind: EvStepDown}, t0)
	if !m.Hold {
		t.Fatal("a step-down did not set the hold")
	}
	m, _ = Step(m, Event{Kind: EvTimer}, m.ReleaseBy.Time())
	if m.State != Master || m.Hold || !m.ReleaseBy.IsZero() {
		t.Fatalf("after the bound: state %s, hold %v, releasing until %v; want MASTER, no hold, not releasing", m.State, m.Hold, m.ReleaseBy)
	}
}
