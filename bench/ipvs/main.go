// Command ipvs benchmarks IPVS programming against the real kernel in the
// qemu guest: the reconciler (through moby/ipvs netlink) and ipvsadm -R, on
// the same 10,000 services x 10 real servers from empty, and one changed
// real server. Run as root from the repository root:
//
//	go run ./bench/ipvs
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

func main() {
	count := flag.Int("count", 1, "runs of each benchmark (go test -count)")
	flag.Parse()
	if err := run(*count); err != nil {
		fmt.Fprintln(os.Stderr, "bench/ipvs:", err)
		os.Exit(1)
	}
}

func run(count int) error {
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
	img, err = guest.WithGoTest(img, "ipvs", dir, "-test.run", "^$", "-test.bench", "InGuest",
		"-test.benchtime", "1x", "-test.count", fmt.Sprint(count), "-test.benchmem=false")
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	fmt.Printf("kernel %s, qemu TCG, 1 vCPU; 10,000 TCP services x 10 DR real servers\n", k.Version)
	res, err := guest.Run(ctx, img, guest.Options{Console: os.Stdout})
	if err != nil {
		return err
	}
	if res.Exit != 0 {
		return fmt.Errorf("guest benchmark exited %d", res.Exit)
	}
	return nil
}
