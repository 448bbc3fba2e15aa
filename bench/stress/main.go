// Command stress measures how steadily hadirector's adverts leave under
// load: the intervals between one master's adverts, per VRID, as the
// backup's interface receives them (tcpdump, nanosecond stamps), with
//
//   - idle: 1000 instances at 100 ms adverts (VRIDs over four interfaces);
//   - burn: the same while two processes spin on both cores and the master
//     runs with GOGC=1 (its heap collected continually);
//   - flood: one instance at 100 ms while a host on the switch sends 50,000
//     VRRP packets per second: foreign VRIDs, and our VRID with bad checksums.
//
// It prints p50, p99 and max of |interval - 100 ms|, and the backup's
// transitions to MASTER (spurious failovers; there must be none). Run as
// root: go run ./bench/stress [-window 20s].
package main

import (
	"flag"
	"fmt"
	"github.com/hadirector/hadirector/internal/unitenv"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

func main() {
	window := flag.Duration("window", 20*time.Second, "measuring window per scenario")
	rate := flag.Int("flood-pps", 50000, "flood packets per second")
	bin := flag.String("bin", "", "hadirector binary (default: build it as the README's release build, CGO_ENABLED=0)")
	flag.Parse()
	var err error
	daemonEnv, err = unitenv.Read(unitenv.Path)
	check(err)
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "stress: run as root")
		os.Exit(2)
	}
	if *bin == "" {
		dir, err := os.MkdirTemp("", "hadirector-stress-")
		check(err)
		defer os.RemoveAll(dir)
		*bin = filepath.Join(dir, "hadirector")
		b := exec.Command("go", "build", "-trimpath", "-o", *bin, "./cmd/hadirector")
		b.Env = append(os.Environ(), "CGO_ENABLED=0") // the release build (README)
		b.Stderr = os.Stderr
		check(b.Run())
	}
	fmt.Printf("%-8s %9s %10s %9s %9s %9s %9s %10s %s\n", "scenario", "instances", "intervals", "p50 ms", "p99 ms", "max ms", "flood pps", "spurious", "master CPU %")
	for _, sc := range []scenario{
		{name: "idle", instances: 1000},
		{name: "burn", instances: 1000, burn: true},
		{name: "flood", instances: 1, flood: *rate},
	} {
		r, err := run(*bin, sc, *window)
		check(err)
		fmt.Printf("%-8s %9d %10d %9.2f %9.2f %9.2f %9.0f %10d %.1f\n", sc.name, sc.instances, r.n, r.p50, r.p99, r.max, r.pps, r.spurious, r.cpu)
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "stress:", err)
		os.Exit(1)
	}
}
