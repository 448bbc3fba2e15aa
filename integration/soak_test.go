package integration

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/vrrp"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// The chaos soak: directors (a trio by default) under random crashes,
// graceful stops, link flaps and partitions, with the invariants checked
// every 25 ms. HADIRECTOR_SOAK sets the duration (default 20s: the CI
// variant), HADIRECTOR_SOAK_HOSTS the directors (2 or 3),
// HADIRECTOR_SOAK_SEED the random seed; scripts/soak runs it long.

const soakInterval = 100 * time.Millisecond

type soakHost struct {
	name, addr, mac string
	prio            int
	proc            *netlab.Proc
	next            int    // log line index read so far
	state           string // from its log: INIT, BACKUP, MASTER, FAULT; "" when not running
	masterSince     time.Time
	cut             bool
	h               *netlink.Handle
}

type soakCounts struct {
	crashes, stops, restarts, flaps, partitions, transitions int
	samples                                                  int
	violations                                               map[string]int
}

func TestChaosSoak(t *testing.T) {
	needLab(t)
	dur := 20 * time.Second
	if v := os.Getenv("HADIRECTOR_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		must(t, err)
		dur = d
	}
	n := 3
	if v := os.Getenv("HADIRECTOR_SOAK_HOSTS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HADIRECTOR_SOAK_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("soak: %v, %d directors, seed %d (HADIRECTOR_SOAK_SEED to replay)", dur, n, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	l := newLab(t)
	must(t, l.Switch("sw"))
	must(t, l.AddHost(netlab.Host{Name: "gw", Switch: "sw", MAC: macGW, Addrs: []string{"192.0.2.1/24"}}))
	hosts := []*soakHost{
		{name: "dA", addr: "192.0.2.11", mac: macA, prio: 200},
		{name: "dB", addr: "192.0.2.12", mac: macB, prio: 150},
		{name: "dC", addr: "192.0.2.13", mac: "02:00:00:00:00:13", prio: 100},
	}[:n]
	dir := t.TempDir()
	for _, h := range hosts {
		must(t, l.AddHost(netlab.Host{Name: h.name, Switch: "sw", MAC: h.mac, Addrs: []string{h.addr + "/24"}}))
		ns, err := netns.GetFromName(l.NS(h.name))
		must(t, err)
		h.h, err = netlink.NewHandleAt(ns)
		ns.Close()
		must(t, err)
		defer h.h.Close()
		cfg := instanceConf{Priority: h.prio, Version: 3, Interval: soakInterval.String(), Preempt: true,
			VIPs: nil, Extra: "[instance.garp]\nrepeat_delay = \"1s\"\nrefresh = \"1s\"\n"}
		must(t, os.WriteFile(filepath.Join(dir, h.name+".toml"), []byte(cfg.toml()), 0o644))
	}
	gwNS, err := netns.GetFromName(l.NS("gw"))
	must(t, err)
	gwH, err := netlink.NewHandleAt(gwNS)
	gwNS.Close()
	must(t, err)
	defer gwH.Close()
	// The gateway keeps talking to the VIP, so that its neighbour entry
	// is in use, as a router's is.
	ping := exec.Command("ip", "netns", "exec", l.NS("gw"), "ping", "-q", "-i", "0.2", vip)
	must(t, ping.Start())
	defer func() { ping.Process.Kill(); ping.Wait() }()

	start := func(h *soakHost) {
		p := filepath.Join(dir, h.name+".toml")
		proc, err := l.Start(h.name, nil, binary, "run", "-c", p, "-s", p+".sock", "--log-format", "json")
		must(t, err)
		h.proc, h.next, h.state = proc, 0, "INIT"
	}
	for _, h := range hosts {
		start(h)
	}

	c := soakCounts{violations: map[string]int{}}
	mdi := vrrp.MasterDownInterval(3, 1, soakInterval)  // the slowest backup's
	settle := mdi + soakInterval + 500*time.Millisecond // + scheduling slack on 2 cores, race-built
	// The GARP window: a new master's first burst, or a healing master's
	// second, two adverts later (it outdoes a GARP that a yielding master
	// sent in the same moment), plus the slack.
	// A master cannot know of a partner that was master across a
	// partition and died before any advert crossed after the heal; its
	// periodic GARP refresh (1 s here) bounds how long the gateway keeps
	// the dead partner's MAC.
	garpWindow := time.Second + 500*time.Millisecond
	lastChange := time.Now() // of connectivity or membership
	partitioned := false
	var timelineOf func() string
	violation := func(kind, detail string) {
		if c.violations[kind] < 5 {
			t.Errorf("violation %s: %s", kind, detail)
		}
		if c.violations[kind] == 0 {
			t.Logf("what led to the first %s violation:\n%s", kind, timelineOf())
		}
		c.violations[kind]++
	}
	mismatchSince := map[string]time.Time{}
	// The timeline of what happened, for the report of a violation.
	t0 := time.Now()
	var timeline []string
	note := func(format string, args ...any) {
		timeline = append(timeline, fmt.Sprintf("%8.3fs ", time.Since(t0).Seconds())+fmt.Sprintf(format, args...))
		if len(timeline) > 40 {
			timeline = timeline[1:]
		}
	}
	lastGwMAC := ""
	timelineOf = func() string {
		out := ""
		for _, l := range timeline {
			out += "  " + l + "\n"
		}
		return out
	}
	type pending struct {
		at time.Time
		do func()
	}
	var todo []pending
	nextEvent := time.Now().Add(2 * time.Second)
	end := time.Now().Add(dur)

	for now := time.Now(); now.Before(end) || len(todo) > 0; now = time.Now() {
		// Chaos: one event at a time, with its undoing scheduled.
		if now.After(nextEvent) && now.Before(end) && len(todo) == 0 {
			h := hosts[rng.IntN(len(hosts))]
			switch k := rng.IntN(4); {
			case k == 0 && h.proc != nil: // crash: the host dies (process killed, link gone)
				h.proc.Kill()
				h.proc, h.state = nil, ""
				must(t, l.Cut("sw", h.name))
				h.cut = true
				c.crashes++
				note("crash %s", h.name)
				todo = append(todo, pending{now.Add(randDur(rng, 500, 2000)), func() {
					// The host boots again: its addresses are its own
					// again, the dead process's VIPs gone (hadirector
					// would also remove a stale VIP at start).
					for _, v := range []string{"192.0.2.100/32", "192.0.2.101/32"} {
						l.IP(h.name, "addr", "del", v, "dev", "eth0")
					}
					must(t, l.Heal("sw", h.name))
					start(h)
					h.cut = false
					c.restarts++
					note("restart %s after its crash", h.name)
				}})
			case k == 1 && h.proc != nil: // graceful stop, restart later
				if _, _, err := h.proc.WaitFor(0, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "started" }); err != nil {
					t.Fatal(err)
				}
				must(t, h.proc.Signal(syscall.SIGTERM))
				proc := h.proc
				todo = append(todo, pending{now.Add(randDur(rng, 500, 2000)), func() {
					waitExit(t, proc)
					start(h)
					c.restarts++
					note("restart %s", h.name)
				}})
				h.proc = proc // stays tracked until it exits
				c.stops++
				note("SIGTERM %s", h.name)
			case k == 2: // link flap
				must(t, l.Cut("sw", h.name))
				h.cut = true
				c.flaps++
				note("cut %s", h.name)
				todo = append(todo, pending{now.Add(randDur(rng, 200, 1500)), func() {
					must(t, l.Heal("sw", h.name))
					h.cut = false
					note("heal %s", h.name)
				}})
			default: // partition: the directors cannot hear each other
				must(t, setIsolated(l, hosts, true))
				partitioned = true
				c.partitions++
				note("partition")
				todo = append(todo, pending{now.Add(randDur(rng, 1000, 3000)), func() {
					must(t, setIsolated(l, hosts, false))
					partitioned = false
					note("partition healed")
				}})
			}
			lastChange = now
			nextEvent = now.Add(randDur(rng, 500, 2500))
		}
		for len(todo) > 0 && now.After(todo[0].at) {
			todo[0].do()
			todo = todo[1:]
			lastChange = time.Now()
		}

		// Observe: each director's state from its log, the VIP holders
		// from the kernel, the gateway's entry.
		var masters, running []*soakHost
		anyCut := false
		for _, h := range hosts {
			anyCut = anyCut || h.cut
			if h.proc == nil {
				continue
			}
			evs, next := h.proc.EventsSince(h.next)
			for _, e := range evs {
				if e.Str("msg") == "transition" {
					if e.Str("to") == "MASTER" {
						h.masterSince = time.Now()
					}
					h.state = e.Str("to")
					c.transitions++
					note("%s %s->%s %s (logged %s)", h.name, e.Str("from"), e.Str("to"), e.Str("reason"), e.Str("time")[17:])
				}
			}
			h.next = next
			if h.state == "INIT" || h.state == "" {
				continue // starting or stopped: not in the election
			}
			running = append(running, h)
			if h.state == "MASTER" {
				masters = append(masters, h)
			}
		}
		c.samples++
		stable := !anyCut && !partitioned && time.Since(lastChange) > settle
		// I1: connected and settled, exactly one master (if any director runs).
		if stable && len(running) > 0 && len(masters) != 1 {
			violation("one-master", fmt.Sprintf("%d masters among %d running directors, %v after the last change", len(masters), len(running), time.Since(lastChange).Round(time.Millisecond)))
		}
		// I2: the VIP is on exactly the masters (a mismatch may last the
		// moment between a transition and its address change, 500 ms).
		for _, h := range hosts {
			holds := holdsVIP(h.h)
			master := h.state == "MASTER"
			if h.proc == nil {
				master = holds // a crashed host is off the network: not judged
			}
			if holds != master {
				if mismatchSince[h.name].IsZero() {
					mismatchSince[h.name] = time.Now()
				} else if time.Since(mismatchSince[h.name]) > 500*time.Millisecond {
					violation("vip-on-masters", fmt.Sprintf("%s is %s and holds the VIP: %v", h.name, h.state, holds))
					mismatchSince[h.name] = time.Now()
				}
			} else {
				delete(mismatchSince, h.name)
			}
		}
		// I3: settled, with one master, the GARP window after it became
		// master and after the last change, the gateway's entry for the VIP
		// is its MAC.
		if mac := neighMAC(gwH, vip); mac != lastGwMAC {
			note("gateway: VIP at %s", mac)
			lastGwMAC = mac
		}
		if stable && len(masters) == 1 && time.Since(masters[0].masterSince) > garpWindow && time.Since(lastChange) > garpWindow {
			if mac := neighMAC(gwH, vip); mac != "" && mac != masters[0].mac {
				violation("gateway-mac", fmt.Sprintf("gateway has %s for the VIP, master %s is %s", mac, masters[0].name, masters[0].mac))
			}
		}
		time.Sleep(25 * time.Millisecond) // the sampling period
	}
	for _, h := range hosts {
		if h.proc != nil {
			// A process signalled before it handles signals would die of
			// it: wait for its start-up line first.
			if _, _, err := h.proc.WaitFor(0, waitFor, func(e netlab.Event) bool { return e.Str("msg") == "started" }); err != nil {
				t.Fatal(err)
			}
			h.proc.Signal(syscall.SIGTERM)
			waitExit(t, h.proc)
		}
	}
	total := 0
	for _, v := range c.violations {
		total += v
	}
	t.Logf("SOAK-RESULT duration=%v directors=%d seed=%d crashes=%d stops=%d restarts=%d flaps=%d partitions=%d transitions=%d samples=%d violations=%d %v",
		dur, n, seed, c.crashes, c.stops, c.restarts, c.flaps, c.partitions, c.transitions, c.samples, total, c.violations)
}

func randDur(r *rand.Rand, loMs, hiMs int) time.Duration {
	return time.Duration(loMs+r.IntN(hiMs-loMs+1)) * time.Millisecond
}

func setIsolated(l *netlab.Lab, hosts []*soakHost, on bool) error {
	v := "off"
	if on {
		v = "on"
	}
	for _, h := range hosts {
		if _, err := l.IP("sw", "link", "set", h.name, "type", "bridge_slave", "isolated", v); err != nil {
			return err
		}
	}
	return nil
}

func holdsVIP(h *netlink.Handle) bool {
	link, err := h.LinkByName("eth0")
	if err != nil {
		return false
	}
	addrs, err := h.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if a.IP.Equal(net.ParseIP(vip)) {
			return true
		}
	}
	return false
}

func neighMAC(h *netlink.Handle, ip string) string {
	link, err := h.LinkByName("eth0")
	if err != nil {
		return ""
	}
	ns, err := h.NeighList(link.Attrs().Index, netlink.FAMILY_V4)
	if err != nil {
		return ""
	}
	for _, n := range ns {
		if n.IP.Equal(net.ParseIP(ip)) && n.HardwareAddr != nil && n.State&(netlink.NUD_REACHABLE|netlink.NUD_STALE|netlink.NUD_DELAY|netlink.NUD_PROBE) != 0 {
			return n.HardwareAddr.String()
		}
	}
	return ""
}
