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
	"github.com/hadirector/hadirector/internal/unitenv"
)

const (
	macA  = "02:00:00:00:00:11"
	macB  = "02:00:00:00:00:12"
	bound = 60 * time.Second
)

// sample is one measured figure of one run.
type sample struct {
	impl, interval, row, family string
	d                           time.Duration
}

func main() {
	runs := flag.Int("runs", 5, "runs per implementation and interval")
	intervals := flag.String("intervals", "1s,100ms", "advert intervals (VRRPv3)")
	impls := flag.String("impls", "hadirector,keepalived", "implementations to measure")
	bin := flag.String("bin", "", "hadirector binary (default: build it as the README's release build, CGO_ENABLED=0)")
	flag.StringVar(&pingInterval, "ping", "0.002", "interval of the gateway's ping of the VIP, in seconds (ping -i)")
	families := flag.String("families", "4,6", "address families of the pair: 4 (VRRPv3 over IPv4), 6 (VRRPv3 over IPv6)")
	flag.Parse()
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "failover: run as root (it builds network namespaces)")
		os.Exit(2)
	}
	env, err := unitenv.Read(unitenv.Path)
	check(err)
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
	fams, err := parseFamilies(*families)
	check(err)
	var all []sample
	for _, f := range fams {
		fam = f
		all = append(all, measure(*intervals, *impls, *bin, env, *runs)...)
	}
	printTable(all)
}

// measure runs every implementation and interval in the current family.
func measure(intervals, impls, bin string, env []string, runs int) []sample {
	var all []sample
	for _, iv := range strings.Split(intervals, ",") {
		for _, name := range strings.Split(impls, ",") {
			var im impl
			switch name {
			case "hadirector":
				im = hadirector{bin: bin, env: env, version: 3, interval: iv}
			case "keepalived":
				im = keepalived{version: 3, interval: seconds(iv)}
			default:
				check(fmt.Errorf("unknown implementation %q", name))
			}
			for r := 0; r < runs; r++ {
				s, err := runOnce(im, iv)
				if err != nil {
					fmt.Fprintf(os.Stderr, "%s %s %s run %d: %v\n", fam.name, name, iv, r+1, err)
					os.Exit(1)
				}
				all = append(all, s...)
				fmt.Fprintf(os.Stderr, "%s %s %s run %d done\n", fam.name, name, iv, r+1)
			}
		}
	}
	return all
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
	if err := l.Switch("sw"); err != nil {
		return nil, err
	}
	if err := fam.addHosts(l); err != nil {
		return nil, err
	}
	w := newWatcher(fam.vip)
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
	tcpdump, err := l.Start("gw", nil, "tcpdump", "-i", "eth0", "-n", "-U", "--immediate-mode", "-Z", "root", "-w", capture, fam.filter)
	if err != nil {
		return nil, err
	}
	if _, err := tcpdump.WaitLine(0, bound, func(s string) bool { return strings.Contains(s, "listening on") }); err != nil {
		return nil, err
	}
	ping := &pinger{}
	if _, err := l.Start("gw", ping, "ping", "-D", "-n", "-i", pingInterval, fam.vip); err != nil {
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
			os.WriteFile(filepath.Join(os.TempDir(), fmt.Sprintf("bench-%s-%s-%s.pcap", fam.name, im.name(), iv)), b, 0o644)
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
	type key struct{ row, interval, impl, family string }
	groups := map[key][]time.Duration{}
	var order []key
	for _, s := range all {
		k := key{s.row, s.interval, s.impl, s.family}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], s.d)
	}
	slices.SortStableFunc(order, func(a, b key) int { return strings.Compare(a.interval, b.interval) })
	fmt.Printf("%-44s %-8s %-6s %-11s %4s %10s %10s %10s\n", "row", "advert", "family", "impl", "n", "min", "median", "max")
	for _, k := range order {
		ds := groups[k]
		slices.Sort(ds)
		fmt.Printf("%-44s %-8s %-6s %-11s %4d %10s %10s %10s\n", k.row, k.interval, k.family, k.impl, len(ds), ms(ds[0]), ms(ds[len(ds)/2]), ms(ds[len(ds)-1]))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }
