// Command sync measures how many connections per second a hadirector pair
// syncs: in the qemu guest of the sync end-to-end test (real kernel IPVS,
// TCG), a client opens N connections at once through the master; it
// prints how long the master and the backup took to list them all. Run as
// root: go run ./bench/sync [-n 1000] [-runs 3].
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/testlab/guest"
)

func main() {
	n := flag.Int("n", 1000, "connections")
	runs := flag.Int("runs", 3, "guest boots for the sync rate")
	stalls := flag.Int("stall-runs", 3, "guest boots of the end-to-end test, for the stall of the connection at failover and fail-back")
	flag.Parse()
	if err := run(*n, *runs, *stalls); err != nil {
		fmt.Fprintln(os.Stderr, "bench/sync:", err)
		os.Exit(1)
	}
}

func run(n, runs, stalls int) error {
	k, err := guest.FindKernel("/")
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "bench-sync")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var files []guest.File
	for _, b := range []struct{ name, pkg string }{{"hadirector", "./cmd/hadirector"}, {"connprobe", "./internal/testlab/connprobe"}} {
		out := filepath.Join(dir, b.name)
		build := exec.Command("go", "build", "-o", out, b.pkg)
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			return fmt.Errorf("building %s: %v\n%s", b.name, err, msg)
		}
		files = append(files, guest.File{Path: "/work/" + b.name, Host: out, Mode: 0o755})
	}
	script, err := os.ReadFile("integration/testdata/sync-e2e.sh")
	if err != nil {
		return err
	}
	img := guest.Image{Kernel: k, Modules: append(guest.IPVSModules, "bridge"), Binaries: guest.IPVSTools,
		Files: files, Script: fmt.Sprintf("BENCH=%d\n%s", n, script)}
	re := regexp.MustCompile(`SYNC-BENCH .*`)
	fmt.Printf("kernel %s, qemu TCG, 1 vCPU; %d connections opened 32 at a time through the master\n", k.Version, n)
	for i := 0; i < runs; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		res, err := guest.Run(ctx, img, guest.Options{})
		cancel()
		if err != nil || res.Exit != 0 {
			return fmt.Errorf("run %d: exit %d, %v\n%s", i+1, res.Exit, err, res.Text())
		}
		line := re.FindString(res.Text())
		if line == "" {
			return fmt.Errorf("run %d: no result\n%s", i+1, res.Text())
		}
		fmt.Println(strings.TrimSpace(line))
	}
	// The end-to-end test's client exchanges a line every 100 ms; its
	// longest gap between answers in the failover (mark 2) and the
	// fail-back (mark 3) segments is the connection's stall.
	img.Script = string(script)
	gap := regexp.MustCompile(`mark ([23]) maxgap (\d+)`)
	fmt.Println("connection stall (longest gap between answers, 100 ms exchanges; link cut at 300 ms adverts):")
	for i := 0; i < stalls; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		res, err := guest.Run(ctx, img, guest.Options{})
		cancel()
		if err != nil || res.Exit != 0 {
			return fmt.Errorf("end-to-end run %d: exit %d, %v\n%s", i+1, res.Exit, err, res.Text())
		}
		out := map[string]string{}
		for _, m := range gap.FindAllStringSubmatch(res.Text(), -1) {
			if _, seen := out[m[1]]; !seen { // part 1's marks come first
				out[m[1]] = m[2]
			}
		}
		fmt.Printf("SYNC-STALL failover_ms=%s failback_ms=%s\n", out["2"], out["3"])
	}
	return nil
}
