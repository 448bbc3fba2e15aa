// Command ipvs benchmarks IPVS programming against the real kernel in the
// qemu guest: the reconciler (through the ipvs package's netlink) and ipvsadm -R, on
// the same 10,000 services x 10 real servers from empty, and one changed
// real server; and, on that table under a Manager, a flapping real server
// against ipvsadm -e, 100 real servers going down at once, and hadirector
// ipvs list against ipvsadm -Ln (see README.md). Run as root from the
// repository root:
//
//	go run ./bench/ipvs                 # everything
//	go run ./bench/ipvs -bench Scale    # the Manager's rounds only
//	go run ./bench/ipvs -fresh 5 -bench InGuestReconcile/FromEmpty,InGuestIpvsadm/RestoreFromEmpty
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

func main() {
	count := flag.Int("count", 1, "runs of each benchmark (go test -count)")
	bench := flag.String("bench", "InGuest", "benchmarks to run (go test -bench)")
	services := flag.Int("list-services", 1000, "services of 10 real servers BenchmarkInGuestList lists")
	fresh := flag.Int("fresh", 0, "run each of the comma-separated -bench patterns in a guest of its own, alternately, this many rounds")
	flag.Parse()
	var err error
	if *fresh > 0 {
		err = runFresh(*fresh, strings.Split(*bench, ","), *services)
	} else {
		err = run(*count, *bench, *services)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench/ipvs:", err)
		os.Exit(1)
	}
}

// runFresh runs each pattern in a newly booted guest, the patterns in turn,
// rounds times. Programming from empty must start from a fresh kernel: the
// kernel keeps deleted real servers in a trash list for a while and walks
// it for every real server added, so a run after another's 100,000
// deletions is many times slower.
func runFresh(rounds int, patterns []string, listServices int) error {
	for r := 1; r <= rounds; r++ {
		for _, p := range patterns {
			fmt.Printf("round %d of %d: %s\n", r, rounds, p)
			if err := run(1, p, listServices); err != nil {
				return err
			}
		}
	}
	return nil
}

func run(count int, bench string, listServices int) error {
	k, err := guest.FindKernel("/")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-ipvs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	img := guest.Image{Kernel: k, Modules: guest.IPVSModules, Binaries: guest.IPVSTools}
	img, err = guest.WithGoTest(img, "ipvs", dir, "-test.run", "^$", "-test.bench", bench,
		"-test.benchtime", "1x", "-test.count", fmt.Sprint(count), "-test.benchmem=false", "-test.v")
	if err != nil {
		return err
	}
	// The hadirector binary, for BenchmarkInGuestScale's listing.
	bin, err := guest.StaticBinaries(dir, map[string]string{"hadirector": "./cmd/hadirector"})
	if err != nil {
		return err
	}
	img.Files = append(img.Files, bin...)
	img.Script = fmt.Sprintf("export HADIRECTOR_BIN=/work/hadirector HADIRECTOR_LIST_SERVICES=%d\n", listServices) + img.Script
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	fmt.Printf("kernel %s, qemu TCG, 1 vCPU; 10,000 TCP services x 10 DR real servers\n", k.Version)
	res, err := guest.Run(ctx, img, guest.Options{Console: os.Stdout, Memory: "2048M"})
	if err != nil {
		return err
	}
	if res.Exit != 0 {
		return fmt.Errorf("guest benchmark exited %d", res.Exit)
	}
	return nil
}
