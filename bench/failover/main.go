// Command failover measures a director pair's failover in a namespace lab:
// cold election, link-cut failover, heal, graceful (SIGTERM) failover and
// preemption back, for hadirector and keepalived in the same run, and prints
// min/median/max per row. Times come from rtnetlink events (VIP added, the
// gateway's ARP entry moved), the wire (a capture at the gateway), and a
// 10 ms ping from the gateway to the VIP.
//
// Run as root: go run ./bench/failover -runs 5
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

const (
	vip   = "192.0.2.100"
	macA  = "02:00:00:00:00:11"
	macB  = "02:00:00:00:00:12"
	bound = 60 * time.Second
)

// sample is one measured figure of one run.
type sample struct {
	impl, interval, row string
	d                   time.Duration
}

func main() {
	runs := flag.Int("runs", 5, "runs per implementation and interval")
	intervals := flag.String("intervals", "1s,100ms", "advert intervals (VRRPv3)")
	impls := flag.String("impls", "hadirector,keepalived", "implementations to measure")
	bin := flag.String("bin", "", "hadirector binary (default: build it as the README's release build, CGO_ENABLED=0)")
	flag.StringVar(&pingInterval, "ping", "0.002", "interval of the gateway's ping of the VIP, in seconds (ping -i)")
	flag.Parse()
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "failover: run as root (it builds network namespaces)")
		os.Exit(2)
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "hadirector-bench-")
		check(err)
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "hadirector")
		build := exec.Command("go", "build", "-trimpath", "-o", *bin, "./cmd/hadirector")
		build.Env = append(os.Environ(), "CGO_ENABLED=0") // the release build (README)
		build.Stderr = os.Stderr
		check(build.Run())
	}
	var all []sample
	for _, iv := range strings.Split(*intervals, ",") {
		for _, name := range strings.Split(*impls, ",") {
			var im impl
			switch name {
			case "hadirector":
				im = hadirector{bin: *bin, version: 3, interval: iv}
			case "keepalived":
				im = keepalived{version: 3, interval: seconds(iv)}
			default:
				check(fmt.Errorf("unknown implementation %q", name))
			}
			for r := 0; r < *runs; r++ {
				s, err := runOnce(im, iv)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s %s run %d: %v\n", name, iv, r+1, err)
					os.Exit(1)
				}
				all = append(all, s...)
				fmt.Fprintf(os.Stderr, "%s %s run %d done\n", name, iv, r+1)
			}
		}
	}
	printTable(all)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
}

// runOnce builds a lab and walks one pair through every scenario.
func runOnce(im impl, iv string) (out []sample, err error) {
	l, err := netlab.New()
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	dir, err := os.MkdirTemp("", "hadirector-bench-run-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	for _, e := range []error{
		l.Switch("sw"),
		l.AddHost(netlab.Host{Name: "gw", Switch: "sw", MAC: "02:00:00:00:00:01", Addrs: []string{"192.0.2.1/24"}}),
		l.AddHost(netlab.Host{Name: "dA", Switch: "sw", MAC: macA, Addrs: []string{"192.0.2.11/24"}}),
		l.AddHost(netlab.Host{Name: "dB", Switch: "sw", MAC: macB, Addrs: []string{"192.0.2.12/24"}}),
	} {
		if e != nil {
			return nil, e
		}
	}
	w := newWatcher()
	defer w.close()
	for _, h := range []string{"gw", "dA", "dB"} {
		if err := w.watchNS(l.NS(h), h); err != nil {
			return nil, err
		}
	}
	capture := filepath.Join(dir, "gw.pcap")
	tcpdump, err := l.Start("gw", nil, "tcpdump", "-i", "eth0", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", capture, "arp or ip proto 112")
	if err != nil {
		return nil, err
	}
	if _, err := tcpdump.WaitLine(0, bound, func(s string) bool { return strings.Contains(s, "listening on") }); err != nil {
		return nil, err
	}
	ping := &pinger{}
	if _, err := l.Start("gw", ping, "ping", "-D", "-n", "-i", pingInterval, vip); err != nil {
		return nil, err
	}

	add := func(row string, d time.Duration) { out = append(out, sample{im.name(), iv, row, d}) }
	type mark struct {
		row string
		t0  time.Time
		to  string // the director that must end up master
	}
	var marks []mark

	// Cold election.
	t0 := time.Now()
	a, err := im.start(l, dir, "dA", 150)
	if err != nil {
		return nil, err
	}
	if _, err := im.start(l, dir, "dB", 100); err != nil {
		return nil, err
	}
	e, err := w.wait(0, bound, "VIP on dA", vipAdded("dA", vip))
	if err != nil {
		return nil, err
	}
	add("cold election: VIP on master", e.at.Sub(t0))
	// Let the gateway learn the VIP (the ping does) before the failovers.
	if _, err := w.wait(0, bound, "gateway entry for dA", neighIs("gw", vip, macA)); err != nil {
		return nil, err
	}

	// act does what makes the row's failover and returns when it did.
	now := func(f func() error) func() (time.Time, error) {
		return func() (time.Time, error) { t := time.Now(); return t, f() }
	}
	failover := func(row, newMaster, mac string, act func() (time.Time, error)) error {
		m := w.mark()
		t0, err := act()
		if err != nil {
			return err
		}
		e, err := w.wait(m, bound, "VIP on "+newMaster, vipAdded(newMaster, vip))
		if err != nil {
			return fmt.Errorf("%s: %w", row, err)
		}
		add(row+": VIP on new master", e.at.Sub(t0))
		g, err := w.wait(m, bound, "gateway entry moved", neighIs("gw", vip, mac))
		if err != nil {
			return fmt.Errorf("%s: %w", row, err)
		}
		add(row+": gateway ARP moved", g.at.Sub(t0))
		marks = append(marks, mark{row, t0, newMaster})
		// The next row starts when the VIP answers again.
		return ping.await(g.at, 5, bound)
	}
	cut := func() (time.Time, error) {
		return cutAfterAdvert(l.NS("gw"), "eth0", l.NS("sw"), "dA", netip.MustParseAddr("192.0.2.11"), bound)
	}
	if err := failover("link cut", "dB", macB, cut); err != nil {
		return nil, err
	}
	// Heal: dA kept the VIP while cut off; the gateway must come back to it.
	m := w.mark()
	t0 = time.Now()
	if err := l.Heal("sw", "dA"); err != nil {
		return nil, err
	}
	if g, err := w.wait(m, bound, "gateway back on dA", neighIs("gw", vip, macA)); err != nil {
		return nil, err
	} else {
		add("heal after cut: gateway ARP back", g.at.Sub(t0))
	}
	if off, err := w.wait(m, bound, "VIP off dB", func(e event) bool { return e.ns == "dB" && e.kind == "addr-" && e.ip == vip }); err != nil {
		return nil, err
	} else if err := ping.await(off.at, 5, bound); err != nil {
		return nil, err
	}
	if err := failover("SIGTERM", "dB", macB, now(func() error { return a.Signal(syscall.SIGTERM) })); err != nil {
		return nil, err
	}
	if _, err := a.Wait(context.Background()); err != nil {
		return nil, err
	}
	if err := failover("preempt back", "dA", macA, now(func() error { _, err := im.start(l, dir, "dA", 150); return err })); err != nil {
		return nil, err
	}
	// A planned switchover (hadirector step-down: make-before-break).
	var stepped bool
	if err := failover("planned step-down", "dB", macB, now(func() error {
		ok, err := im.stepDown(l, dir, "dA")
		stepped = ok
		if !ok && err == nil {
			return errNoStepDown
		}
		return err
	})); err != nil && !(errors.Is(err, errNoStepDown) && !stepped) {
		return nil, err
	}
	// Wire figures and ping gaps need the capture flushed: stop tcpdump.
	// (--immediate-mode above: otherwise libpcap hands packets over in
	// blocks, and the block pending at the signal is lost with the last
	// rows' frames.)
	tcpdump.Signal(syscall.SIGTERM)
	tcpdump.Wait(context.Background())
	if d := os.Getenv("BENCH_DEBUG"); d != "" {
		if b, err := os.ReadFile(capture); err == nil {
			os.WriteFile(filepath.Join(os.TempDir(), fmt.Sprintf("bench-%s-%s.pcap", im.name(), iv)), b, 0o644)
		}
	}
	frames, err := readWire(capture)
	if err != nil {
		return nil, err
	}
	end := time.Now()
	for i, mk := range marks {
		next := end
		if i+1 < len(marks) {
			next = marks[i+1].t0
		}
		gap, _ := ping.longestGap(mk.t0, next)
		add(mk.row+": longest ping gap", gap)
		if os.Getenv("BENCH_DEBUG") != "" {
			ping.dump(mk.row, mk.t0, next)
		}
		src := map[string]string{"dA": "192.0.2.11", "dB": "192.0.2.12"}[mk.to]
		mac := map[string]string{"dA": macA, "dB": macB}[mk.to]
		adv, ok1 := firstAfter(frames, mk.t0, func(f wireFrame) bool { return !f.arp && f.srcIP == src && f.priority > 0 })
		garp, ok2 := firstAfter(frames, mk.t0, func(f wireFrame) bool { return f.arp && f.srcMAC == mac })
		if ok1 && ok2 {
			add(mk.row+": first advert -> first GARP", garp.at.Sub(adv.at))
		}
		// The takeover against the protocol's bound: from the last advert
		// the old master sent (the backup's timer started there) to the new
		// master's first. For a link cut the bound is Master_Down_Interval,
		// for SIGTERM the Skew_Time after the priority-0 advert.
		if mk.row == "link cut" || mk.row == "SIGTERM" {
			var last wireFrame
			for _, f := range frames {
				if f.at.Before(adv.at) && !f.arp && f.srcIP != "" && f.srcIP != src {
					last = f
				}
			}
			if ok1 && !last.at.IsZero() {
				add(mk.row+": old master's last advert -> takeover advert", adv.at.Sub(last.at))
			}
		}
	}
	return out, nil
}

// pingInterval is ping -i: the resolution of the ping-gap rows.
var pingInterval string

var errNoStepDown = errors.New("no planned step-down")

func printTable(all []sample) {
	type key struct{ row, interval, impl string }
	groups := map[key][]time.Duration{}
	var order []key
	for _, s := range all {
		k := key{s.row, s.interval, s.impl}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s.d)
	}
	slices.SortStableFunc(order, func(a, b key) int { return strings.Compare(a.interval, b.interval) })
	fmt.Printf("%-44s %-8s %-11s %4s %10s %10s %10s\n", "row", "advert", "impl", "n", "min", "median", "max")
	for _, k := range order {
		ds := groups[k]
		slices.Sort(ds)
		fmt.Printf("%-44s %-8s %-11s %4d %10s %10s %10s\n", k.row, k.interval, k.impl, len(ds), ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)-1]))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
