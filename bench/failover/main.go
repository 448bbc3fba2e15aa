// Command failover measures a director pair's failover in a namespace lab:
// cold election, link cut, heal, graceful (SIGTERM) failover, preemption
// back and, for hadirector, a planned step-down, for hadirector and
// keepalived in the same run, and prints min/median/max per row. Figures
// come from the lab's state (rtnetlink dumps and events: who holds the VIP,
// where the gateway's entry for it points), the wire (a capture at the
// gateway) and a ping from the gateway to the VIP; README.md in this
// directory says what each row measures.
//
// Run as root: go run ./bench/failover -runs 5
package main

import (
	"context"
	"flag"
	"fmt"
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
	w := newWatcher(vip)
	defer w.close()
	for _, h := range []string{"dA", "dB"} {
		if err := w.watchAddrs(l.NS(h), h); err != nil {
			return nil, err
		}
	}
	if err := w.watchNeigh(l.NS("gw"), "gw"); err != nil {
		return nil, err
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
	adv, err := watchAdverts(l.NS("gw"), "eth0")
	if err != nil {
		return nil, err
	}
	defer adv.close()
	r := &run{l: l, w: w, ping: ping, adv: adv, im: im, iv: iv, dir: dir}
	werr := r.walk()
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
	if werr != nil {
		return nil, werr
	}
	frames, err := readWire(capture)
	if err != nil {
		return nil, err
	}
	if err := r.wireFigures(frames, time.Now()); err != nil {
		return nil, err
	}
	return r.out, nil
}

// pingInterval is ping -i: the resolution of the ping-gap rows.
var pingInterval string

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
