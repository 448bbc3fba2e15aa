// Command cost measures what a director costs to run: CPU time (share of one
// core) and resident memory of a master holding 1, 100 and 1000 VRRP
// instances (VRIDs spread over four interfaces) with a backup peer, at 1 s
// and 100 ms adverts, for hadirector and keepalived in the same run.
//
// Run as root: go run ./bench/cost [-window 10s] [-settle 10s] [-perf DIR]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
	"github.com/hadirector/hadirector/internal/unitenv"
)

const ifaces = 4

// perfDir, if set, is where perf profiles of the window go.
var perfDir string

// settle is the wait after the election before the window.
var settle time.Duration

// napi moves each veth's receive path into a NAPI kernel thread.
var napi bool

func main() {
	if floorMain(os.Args[1:]) {
		return
	}
	window := flag.Duration("window", 10*time.Second, "measuring window after the pair has settled")
	flag.DurationVar(&settle, "settle", 10*time.Second, "wait after the election before measuring (keepalived takes seconds to start 1000 instances; the second GARP burst, 5 s after the takeover, falls before the window)")
	counts := flag.String("instances", "1,100,1000", "instance counts")
	intervals := flag.String("intervals", "1s,100ms", "advert intervals (VRRPv3)")
	impls := flag.String("impls", "hadirector,keepalived", "implementations: hadirector, keepalived, and "+floorImpl+" (floor.go, floorn.go)")
	bin := flag.String("bin", "", "hadirector binary (default: build it as the README's release build, CGO_ENABLED=0)")
	flag.BoolVar(&napi, "napi", false, "receive on every veth in a threaded NAPI kernel thread (GRO on, /sys/class/net/IF/threaded = 1): the receiver's and the switch's processing of a frame is then no longer charged to the sending director, as on real NICs (needs ethtool)")
	flag.StringVar(&perfDir, "perf", "", "record a perf profile of each director during the window into this directory (numbers then include perf's overhead)")
	flag.Parse()
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "cost: run as root")
		os.Exit(2)
	}
	var err error
	daemonEnv, err = unitenv.Read(unitenv.Path)
	check(err)
	if *bin == "" {
		dir, err := os.MkdirTemp("", "hadirector-cost-")
		check(err)
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "hadirector")
		b := exec.Command("go", "build", "-trimpath", "-o", *bin, "./cmd/hadirector")
		b.Env = append(os.Environ(), "CGO_ENABLED=0") // the release build (README)
		b.Stderr = os.Stderr
		check(b.Run())
	}
	fmt.Printf("%-11s %-9s %9s %14s %12s %14s %12s %9s %9s\n", "impl", "advert", "instances", "master CPU %", "master RSS", "backup CPU %", "backup RSS", "master/s", "backup/s")
	for _, iv := range strings.Split(*intervals, ",") {
		for _, cs := range strings.Split(*counts, ",") {
			n, err := strconv.Atoi(cs)
			check(err)
			for _, im := range strings.Split(*impls, ",") {
				r, err := measure(im, *bin, iv, n, *window)
				check(err)
				fmt.Printf("%-11s %-9s %9d %13.2f%% %10.2fMiB %13.2f%% %10.2fMiB %9.0f %9.0f\n", im, iv, n,
					r[0].cpu, r[0].rssMiB, r[1].cpu, r[1].rssMiB, r[0].runs, r[1].runs)
			}
		}
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "cost:", err)
		os.Exit(1)
	}
}

// usage is a director's CPU (% of one core), resident memory, and runs:
// how many times a second its threads were put on a CPU (its wake-ups).
type usage struct{ cpu, rssMiB, runs float64 }

// measure runs a pair with n instances and returns the master's and the
// backup's usage over the window.
func measure(impl, bin, iv string, n int, window time.Duration) (res [2]usage, err error) {
	l, err := netlab.New()
	if err != nil {
		return res, err
	}
	defer func() {
		if cerr := l.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	dir, err := os.MkdirTemp("", "hadirector-cost-run-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	hosts := []string{"dA", "dB"}
	for i := 0; i < ifaces; i++ {
		sw := fmt.Sprintf("sw%d", i)
		if err := l.Switch(sw); err != nil {
			return res, err
		}
		for h, host := range hosts {
			err := l.AddHost(netlab.Host{Name: host, Switch: sw, If: fmt.Sprintf("eth%d", i),
				Addrs: []string{fmt.Sprintf("192.0.2.%d/28", i*16+1+h)}})
			if err != nil {
				return res, err
			}
		}
	}
	// AddHost names the switch port after the host; each switch is its own
	// namespace, so the names do not clash.
	if napi {
		for i := 0; i < ifaces; i++ {
			for _, host := range hosts {
				if err := threadedNAPI(l, host, fmt.Sprintf("eth%d", i)); err != nil {
					return res, err
				}
				if err := threadedNAPI(l, fmt.Sprintf("sw%d", i), host); err != nil {
					return res, err
				}
			}
		}
	}
	for h, host := range hosts {
		prio := 150 - 50*h
		if err := start(l, impl, bin, dir, host, iv, n, prio); err != nil {
			return res, err
		}
	}
	// Settle: every instance elected (Master_Down_Interval is about 3.5
	// adverts; allow five), then steady.
	ivd, _ := time.ParseDuration(iv)
	time.Sleep(5*ivd + settle)
	var before [2]netlab.Threads
	for h, host := range hosts {
		if before[h], _, err = netlab.NSThreads(l.NS(host)); err != nil {
			return res, err
		}
	}
	if perfDir != "" {
		if err := record(l, impl, iv, n, hosts, window); err != nil {
			return res, err
		}
	} else {
		time.Sleep(window)
	}
	for h, host := range hosts {
		t, rss, err := netlab.NSThreads(l.NS(host))
		if err != nil {
			return res, err
		}
		res[h] = usage{cpu: 100 * (t.CPUSec - before[h].CPUSec) / window.Seconds(), rssMiB: rss / 1024,
			runs: (t.Runs - before[h].Runs) / window.Seconds()}
	}
	return res, nil
}

// threadedNAPI makes veth ifname in ns receive through NAPI polled by a
// kernel thread, and send so that its peer does.
// By default a veth hands a frame to its peer's backlog, which the kernel
// then processes in the sender's own softirq: the bridge, the other
// director's IP stack and its raw sockets all run on the sending process's
// CPU time.
func threadedNAPI(l *netlab.Lab, ns, ifname string) error {
	// A veth passes a frame to its peer's NAPI only if the peer requested
	// GRO and the frame is "eligible for GRO", which a sender with TSO on
	// never is for a raw socket's frames.
	if _, err := l.Exec(ns, "ethtool", "-K", ifname, "gro", "on", "tso", "off"); err != nil {
		return err
	}
	_, err := l.Exec(ns, "sh", "-c", "echo 1 > /sys/class/net/"+ifname+"/threaded")
	return err
}

func start(l *netlab.Lab, impl, bin, dir, host, iv string, n, prio int) error {
	if impl == floorImpl {
		return startFloor(l, host, iv, n)
	}
	if impl == "keepalived" {
		var insts []testlab.KeepalivedInstance
		for k := 0; k < n; k++ {
			d, _ := time.ParseDuration(iv)
			insts = append(insts, testlab.KeepalivedInstance{
				Interface: fmt.Sprintf("eth%d", k%ifaces), VRID: 1 + k/ifaces, Priority: prio, Version: 3,
				AdvertInt: fmt.Sprintf("%g", d.Seconds()), VIPs: []string{vipFor(k)},
			})
		}
		_, err := testlab.StartKeepalived(l, host, dir, insts...)
		return err
	}
	var b strings.Builder
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "[[instance]]\nname = \"vi%d\"\ninterface = \"eth%d\"\nvrid = %d\npriority = %d\nversion = 3\nadvert_interval = %q\nvips = [%q]\n\n",
			k, k%ifaces, 1+k/ifaces, prio, iv, vipFor(k))
	}
	path := filepath.Join(dir, host+".toml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return err
	}
	args := append(append([]string{"env"}, daemonEnv...), bin, "run", "-c", path, "-s", path+".sock", "--log-level", "warn")
	_, err := l.Start(host, nil, args...)
	return err
}

// daemonEnv is the environment the systemd unit gives the daemon.
var daemonEnv []string

// vipFor gives instance k a VIP unique on its interface (instances on
// different interfaces, and separate switches, may share one).
func vipFor(k int) string {
	j := k / ifaces // index on its interface, < 250
	return fmt.Sprintf("203.0.113.%d", 1+j)
}

// record runs perf on every process of each director for the window.
func record(l *netlab.Lab, impl, iv string, n int, hosts []string, window time.Duration) error {
	errs := make(chan error, len(hosts))
	for _, host := range hosts {
		out, err := exec.Command("ip", "netns", "pids", l.NS(host)).Output()
		if err != nil {
			return fmt.Errorf("pids of %s: %w", host, err)
		}
		pids := strings.Join(strings.Fields(string(out)), ",")
		file := filepath.Join(perfDir, fmt.Sprintf("%s-%s-%d-%s.data", impl, iv, n, host))
		cmd := exec.Command("perf", "record", "-q", "-g", "-p", pids, "-o", file, "--", "sleep", fmt.Sprint(window.Seconds()))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("perf: %w", err)
		}
		go func() { errs <- cmd.Wait() }()
	}
	for range hosts {
		if err := <-errs; err != nil {
			return fmt.Errorf("perf: %w", err)
		}
	}
	return nil
}
