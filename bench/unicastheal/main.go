// Command unicastheal measures how long a unicast pair takes to heal after
// the master's link flaps: hadirector (192.0.2.11, priority 150) and
// keepalived (192.0.2.12, priority 100), VRRPv3 with unicast peers, in a
// namespace lab. Each run cuts hadirector's switch port, waits for
// keepalived to become master, restores the port, and times keepalived's
// yield ("Entering BACKUP STATE") from the moment the port is brought up
// (the time includes the `ip link set up` that does it); it prints every
// run and min/p50/max.
//
// Run as root: go run ./bench/unicastheal -runs 20
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/testlab"
)

const bound = 30 * time.Second // bounds a hung run

func main() {
	runs := flag.Int("runs", 20, "link flaps to time")
	interval := flag.String("interval", "100ms", "advert interval (VRRPv3)")
	bin := flag.String("bin", "", "hadirector binary (default: build it as the README's release build, CGO_ENABLED=0)")
	flag.Parse()
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "unicastheal: run as root (it builds network namespaces)")
		os.Exit(2)
	}
	if err := run(*runs, *interval, *bin); err != nil {
		fmt.Fprintln(os.Stderr, "unicastheal:", err)
		os.Exit(1)
	}
}

// run builds the lab, times the flaps and tears the lab down, whatever
// happens.
func run(runs int, interval, bin string) (err error) {
	iv, err := time.ParseDuration(interval)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "hadirector-unicastheal-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "hadirector")
		build := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/hadirector")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building hadirector: %w", err)
		}
	}
	l, err := netlab.New()
	if err != nil {
		return err
	}
	defer func() {
		if cerr := l.Close(); err == nil {
			err = cerr
		}
	}()
	steps := []func() error{
		func() error { return l.Switch("sw") },
		func() error {
			return l.AddHost(netlab.Host{Name: "dA", Switch: "sw", MAC: "02:00:00:00:00:11", Addrs: []string{"192.0.2.11/24"}})
		},
		func() error {
			return l.AddHost(netlab.Host{Name: "dB", Switch: "sw", MAC: "02:00:00:00:00:12", Addrs: []string{"192.0.2.12/24"}})
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}

	conf := filepath.Join(dir, "dA.toml")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf(`[[instance]]
name = "vi51"
interface = "eth0"
vrid = 51
priority = 150
version = 3
advert_interval = %q
vips = ["192.0.2.100"]
unicast_src = "192.0.2.11"
unicast_peers = ["192.0.2.12"]
`, interval)), 0o644); err != nil {
		return err
	}
	if _, err := l.Start("dA", nil, bin, "run", "-c", conf, "-s", conf+".sock"); err != nil {
		return err
	}
	k, err := testlab.StartKeepalived(l, "dB", dir, testlab.KeepalivedInstance{
		Interface: "eth0", VRID: 51, Priority: 100, Version: 3,
		AdvertInt: fmt.Sprintf("%g", iv.Seconds()), VIPs: []string{"192.0.2.100"},
		UnicastSrc: "192.0.2.12", UnicastPeers: []string{"192.0.2.11"},
	})
	if err != nil {
		return err
	}
	if _, err := k.WaitLine(0, bound, contains("Entering BACKUP STATE")); err != nil {
		return fmt.Errorf("keepalived never yielded to hadirector: %w", err)
	}
	var ds []time.Duration
	for r := 1; r <= runs; r++ {
		mark := len(k.Lines())
		if err := l.Cut("sw", "dA"); err != nil {
			return err
		}
		if mark, err = k.WaitLine(mark, bound, contains("Entering MASTER STATE")); err != nil {
			return fmt.Errorf("run %d: keepalived never took over: %w", r, err)
		}
		up := time.Now() // the port comes up while ip runs: the time includes its exec
		if err := l.Heal("sw", "dA"); err != nil {
			return err
		}
		if _, err := k.WaitLine(mark, bound, contains("Entering BACKUP STATE")); err != nil {
			return fmt.Errorf("run %d: keepalived never yielded: %w", r, err)
		}
		d := time.Since(up)
		ds = append(ds, d)
		fmt.Printf("run %2d: keepalived yielded %v after the link came back\n", r, d.Round(time.Millisecond/10))
	}
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	fmt.Printf("unicast heal, v3 %s, %d runs: min %v p50 %v max %v\n", interval, len(ds),
		ds[0].Round(time.Millisecond/10), ds[(len(ds)-1)/2].Round(time.Millisecond/10), ds[len(ds)-1].Round(time.Millisecond/10))
	return nil
}

func contains(s string) func(string) bool {
	return func(line string) bool { return strings.Contains(line, s) }
}
