package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/clock"
	"github.com/hadirector/hadirector/internal/unitenv"
	"github.com/hadirector/hadirector/ipvs"
)

// checkOnly runs hadirector's health checker alone on n TCP checks at 1 s
// (n/10 services of 10 real servers), says READY, and on SIGTERM prints
// what it started, how many late, and how many servers went down. With
// profile set it writes a CPU profile of window, after warm.
func checkOnly(n int, profile string, warm, window time.Duration) error {
	svcs := make([]ipvs.Service, n/10)
	pol := ipvs.Policy{Interval: time.Second, Timeout: time.Second}
	for s := range svcs {
		svcs[s].Key = ipvs.ServiceKey{Proto: ipvs.TCP, Addr: netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), uint16(1+s))}
		for r := range 10 {
			a := netip.MustParseAddrPort(realAddr(s*10 + r))
			svcs[s].Reals = append(svcs[s].Reals, ipvs.Real{Addr: a, Weight: 1,
				Check: &ipvs.HealthCheck{Checker: ipvs.TCPCheck{Addr: a}, Policy: pol}})
		}
	}
	h := ipvs.NewHealth(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := h.Configure(svcs); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	var downs atomic.Int64
	done := make(chan error)
	go func() {
		done <- h.Run(ctx, clock.System{}, func(trs []ipvs.Transition) {
			for _, t := range trs {
				if !t.Up {
					downs.Add(1)
				}
			}
		})
	}()
	fmt.Println("READY")
	if profile != "" {
		time.Sleep(warm)
		var b bytes.Buffer
		pprof.StartCPUProfile(&b)
		time.Sleep(window)
		pprof.StopCPUProfile()
		if profile == "-" { // out of the guest through the console
			fmt.Printf("PROFILE-BEGIN\n%s\nPROFILE-END\n", base64.StdEncoding.EncodeToString(b.Bytes()))
		} else if err := os.WriteFile(profile, b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	<-ctx.Done()
	<-done
	st := h.Stats()
	fmt.Printf("STATS started=%d late=%d downs=%d\n", st.Started, st.Late, downs.Load())
	return nil
}

// runHost measures the checker alone on this host, which has no IPVS:
// the checker runs in one network namespace, the listeners in another,
// joined by a veth pair; both namespaces are removed at the end.
func runHost(sizes string, rounds int, warm, window time.Duration, profile string) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	env, err := unitenv.Read(unitenv.Path)
	if err != nil {
		return err
	}
	tag := strconv.Itoa(os.Getpid())
	ck, rs := "bchk-c"+tag, "bchk-r"+tag
	dir, err := os.MkdirTemp("", "bench-checkers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var addrs strings.Builder
	for i := 2; i <= 251; i++ {
		fmt.Fprintf(&addrs, "addr add 198.51.100.%d/24 dev v1\n", i)
	}
	batch := filepath.Join(dir, "addrs")
	if err := os.WriteFile(batch, []byte(addrs.String()), 0o644); err != nil {
		return err
	}
	defer exec.Command("ip", "netns", "del", ck).Run()
	defer exec.Command("ip", "netns", "del", rs).Run()
	for _, c := range [][]string{
		{"netns", "add", ck}, {"netns", "add", rs},
		{"-n", ck, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", rs},
		{"-n", ck, "addr", "add", "198.51.100.1/24", "dev", "v0"},
		{"-n", ck, "link", "set", "v0", "up"}, {"-n", ck, "link", "set", "lo", "up"},
		{"-n", rs, "-batch", batch},
		{"-n", rs, "link", "set", "v1", "up"}, {"-n", rs, "link", "set", "lo", "up"},
	} {
		if out, err := exec.Command("ip", c...).CombinedOutput(); err != nil {
			return fmt.Errorf("ip %s: %v: %s", strings.Join(c, " "), err, out)
		}
	}
	fmt.Printf("host: checker alone, %s; TCP checks every 1 s against listeners in a network namespace\n", strings.Join(env, " "))
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 || n%10 != 0 {
			return fmt.Errorf("size %q: want a positive multiple of 10", s)
		}
		if err := hostSize(self, ck, rs, dir, env, n, rounds, warm, window, profile); err != nil {
			return err
		}
	}
	return nil
}

// hostSize measures one size, rounds times, with one set of listeners.
func hostSize(self, ck, rs, dir string, env []string, n, rounds int, warm, window time.Duration, profile string) error {
	accepts := filepath.Join(dir, "accepts")
	l := exec.Command("ip", "netns", "exec", rs, self, "-listen", strconv.Itoa(n), "-accepts", accepts)
	l.Stderr = os.Stderr
	lout, err := l.StdoutPipe()
	if err != nil {
		return err
	}
	if err := l.Start(); err != nil {
		return err
	}
	defer func() { l.Process.Kill(); l.Wait() }()
	if err := waitLine(lout, "READY"); err != nil {
		return fmt.Errorf("listeners: %w", err)
	}
	var cpus, rsss []float64
	for r := 1; r <= rounds; r++ {
		args := []string{"netns", "exec", ck, self, "-check", strconv.Itoa(n)}
		if profile != "" && r == 1 {
			args = append(args, "-profile", fmt.Sprintf("%s.%d", profile, n), "-warm", warm.String(), "-window", window.String())
		}
		c := exec.Command("ip", args...)
		c.Env = append(os.Environ(), env...)
		c.Stderr = os.Stderr
		out, err := c.StdoutPipe()
		if err != nil {
			return err
		}
		if err := c.Start(); err != nil {
			return err
		}
		pid := c.Process.Pid
		br := bufio.NewReader(out)
		if err := waitLine(br, "READY"); err != nil {
			c.Process.Kill()
			c.Wait()
			return fmt.Errorf("checker: %w", err)
		}
		time.Sleep(warm)
		c0, a0 := procCPU(pid), readInt(accepts)
		t0 := time.Now()
		time.Sleep(window)
		c1, a1, wall := procCPU(pid), readInt(accepts), time.Since(t0)
		rss := procRSS(pid)
		c.Process.Signal(syscall.SIGTERM)
		rest, _ := io.ReadAll(br)
		c.Wait()
		cpu := float64(c1-c0) / hz / wall.Seconds()
		cpus, rsss = append(cpus, cpu), append(rsss, float64(rss))
		fmt.Printf("RESULT host n=%d cpu_ticks=%d wall=%.1f cpu_per_s=%.3f checks_per_s=%.0f rss_kb=%d %s\n",
			n, c1-c0, wall.Seconds(), cpu, float64(a1-a0)/wall.Seconds(), rss, strings.TrimSpace(string(rest)))
	}
	fmt.Printf("SUMMARY host n=%d rounds=%d cpu_per_s min/median/max %.3f/%.3f/%.3f rss_kb %.0f/%.0f/%.0f load %s\n",
		n, rounds, slices.Min(cpus), median(cpus), slices.Max(cpus), slices.Min(rsss), median(rsss), slices.Max(rsss), loadavg())
	return nil
}

// hz is the kernel's clock ticks a second (USER_HZ), which /proc counts in.
const hz = 100

func procCPU(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from the 3rd
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	k, _ := strconv.ParseInt(f[12], 10, 64)
	return u + k
}

func procRSS(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return n
		}
	}
	return 0
}

func readInt(path string) int64 {
	b, _ := os.ReadFile(path)
	n, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	return n
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

// waitLine reads r until a line says want.
func waitLine(r io.Reader, want string) error {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == want {
			return nil
		}
	}
	return fmt.Errorf("ended before saying %s", want)
}
