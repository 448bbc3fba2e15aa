// Command bgp measures BGP mode against FRR as the router: the time from a
// director's end (SIGKILL; SIGSTOP of the director; SIGSTOP of the
// director and its speaker process, as a frozen host) to the router's
// withdrawal of its VIP, with and without BFD; and the CPU and resident
// memory of a director (with its speaker process) announcing 1, 100 and
// 1000 VIPs.
//
// Run as root: go run ./bench/bgp [-runs 5] [-window 10s] [-vips 1,100,1000]
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/unitenv"
)

const (
	routerASN = 64512
	vip       = "203.0.113.80"
	bound     = 30 * time.Second // bounds a hung wait
)

func main() {
	runs := flag.Int("runs", 5, "runs of each measurement")
	window := flag.Duration("window", 10*time.Second, "CPU measuring window once every VIP is announced")
	counts := flag.String("vips", "1,100,1000", "VIP counts for CPU and memory")
	skipCut := flag.Bool("no-withdrawal", false, "skip the withdrawal times")
	bfds := flag.String("bfd", "false,true", "withdrawal times without and with BFD")
	flag.Parse()
	if os.Getuid() != 0 {
		fmt.Fprintln(os.Stderr, "bgp: run as root")
		os.Exit(2)
	}
	env, err := unitenv.Read(unitenv.Path)
	check(err)
	dir, err := os.MkdirTemp("", "hadirector-bench-bgp-")
	check(err)
	defer os.RemoveAll(dir)
	for _, p := range []string{"hadirector", "hadirector-bgp"} {
		b := exec.Command("go", "build", "-trimpath", "-o", filepath.Join(dir, p), "./cmd/"+p)
		b.Env = append(os.Environ(), "CGO_ENABLED=0") // the release build
		b.Stderr = os.Stderr
		check(b.Run())
	}
	if !*skipCut {
		fmt.Printf("%-26s %-5s %s\n", "withdrawal after", "BFD", "time to the router's withdrawal, min/median/max of "+strconv.Itoa(*runs))
		for _, bs := range strings.Split(*bfds, ",") {
			bfd := bs == "true"
			for _, how := range []string{"SIGKILL", "SIGSTOP director", "SIGSTOP director+speaker"} {
				ts, err := withdrawals(dir, env, bfd, how, *runs)
				check(err)
				fmt.Printf("%-26s %-5v %s\n", how, bfd, mmm(ts))
			}
		}
	}
	fmt.Printf("\n%-6s %-40s %s\n", "VIPs", "CPU % of a core (director+speaker)", "RSS MiB (director+speaker), min/median/max of "+strconv.Itoa(*runs))
	for _, cs := range strings.Split(*counts, ",") {
		n, err := strconv.Atoi(cs)
		check(err)
		var cpus, rss []float64
		for range *runs {
			c, r, err := usage(dir, env, n, *window)
			check(err)
			cpus, rss = append(cpus, c), append(rss, r)
		}
		fmt.Printf("%-6d %-40s %s\n", n, mmmf(cpus, "%.2f"), mmmf(rss, "%.1f"))
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bgp:", err)
		os.Exit(1)
	}
}

// lab is a router (FRR) and one director on a switch.
type lab struct {
	l    *netlab.Lab
	frr  *netlab.FRR
	dir  string
	env  []string
	conf string
	d    *netlab.Proc
}

func newLab(dir string, env []string, bfd bool, vips []string) (*lab, error) {
	l, err := netlab.New()
	if err != nil {
		return nil, err
	}
	b := &lab{l: l, dir: dir, env: env, conf: filepath.Join(dir, "d.toml")}
	fail := func(err error) (*lab, error) { b.close(); return nil, err }
	if err := l.Switch("sw"); err != nil {
		return fail(err)
	}
	for _, h := range []netlab.Host{{Name: "r", Switch: "sw", Addrs: []string{"192.0.2.1/24"}}, {Name: "dir1", Switch: "sw", Addrs: []string{"192.0.2.11/24"}}} {
		if err := l.AddHost(h); err != nil {
			return fail(err)
		}
	}
	if err := l.EnableIPv6("dir1", "lo"); err != nil { // the IPv6 VIPs
		return fail(err)
	}
	daemons := []string{"zebra", "bgpd"}
	nb := fmt.Sprintf("hostname r\nrouter bgp %d\n bgp router-id 192.0.2.1\n no bgp ebgp-requires-policy\n neighbor 192.0.2.11 remote-as 65001\n neighbor 192.0.2.11 timers 1 3\n", routerASN)
	if bfd {
		daemons = append(daemons, "bfdd")
		nb += " neighbor 192.0.2.11 update-source 192.0.2.1\n neighbor 192.0.2.11 bfd\n neighbor 192.0.2.11 bfd profile fast\n"
	}
	nb += " address-family ipv6 unicast\n  neighbor 192.0.2.11 activate\n exit-address-family\n"
	confs := map[string]string{"zebra": "hostname r\n", "bgpd": nb,
		"bfdd": "hostname r\nlog file " + filepath.Join(dir, "frr", "bfdd.log") + " debugging\ndebug bfd peer\ndebug bfd network\ndebug bfd zebra\nbfd\n profile fast\n  receive-interval 100\n  transmit-interval 100\n  detect-multiplier 3\n exit\n"}
	f, err := l.StartFRR("r", dir, daemons, confs)
	b.frr = f
	if err != nil {
		return fail(err)
	}
	var c strings.Builder
	fmt.Fprintf(&c, "[bgp]\nasn = 65001\nrouter_id = \"192.0.2.11\"\nnext_hop6 = \"2001:db8::11\"\ndrain_time = \"1s\"\n[[bgp.peer]]\naddress = \"192.0.2.1\"\nasn = %d\nhold_time = \"3s\"\n", routerASN)
	if bfd {
		c.WriteString("bfd = true\nbfd_min_tx = \"100ms\"\nbfd_min_rx = \"100ms\"\nbfd_multiplier = 3\n")
	}
	fmt.Fprintf(&c, "[[instance]]\nname = \"lb\"\nmode = \"bgp\"\nvips = [\"%s\"]\n", strings.Join(vips, `", "`))
	if err := os.WriteFile(b.conf, []byte(c.String()), 0o600); err != nil {
		return fail(err)
	}
	return b, nil
}

func (b *lab) close() {
	if b.frr != nil {
		b.frr.Close()
	}
	b.l.Close()
}

// start starts the director, with the unit's Go settings.
func (b *lab) start() error {
	args := append([]string{"env", "-i"}, b.env...)
	args = append(args, filepath.Join(b.dir, "hadirector"), "run", "-c", b.conf, "-s", "", "--log-format", "json")
	p, err := b.l.Start("dir1", nil, args...)
	b.d = p
	return err
}

// speaker is the director's speaker process, by the director's children.
func (b *lab) speaker() (int, error) {
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", b.d.PID()))
	for _, t := range tasks {
		c, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", b.d.PID(), t.Name()))
		if f := strings.Fields(string(c)); len(f) > 0 {
			return strconv.Atoi(f[0])
		}
	}
	return 0, fmt.Errorf("director %d has no speaker process", b.d.PID())
}

// routed reports whether the router's kernel has the VIP's route (zebra
// installs what bgpd selects; ip is far cheaper to poll than vtysh).
func (b *lab) routed() bool {
	out, err := b.l.IP("r", "route", "show", "exact", vip+"/32")
	return err == nil && strings.TrimSpace(out) != ""
}

// bfdUp reports whether the router's BFD session with the director is up.
func (b *lab) bfdUp() bool {
	out, err := b.frr.Vtysh("show bfd peers json")
	return err == nil && strings.Contains(out, `"status":"up"`)
}

// await polls cond every 5 ms and returns when it held.
func await(what string, cond func() bool) (time.Time, error) {
	for end := time.Now().Add(bound); ; time.Sleep(5 * time.Millisecond) {
		if cond() {
			return time.Now(), nil
		}
		if time.Now().After(end) {
			return time.Time{}, fmt.Errorf("waited %v for %s", bound, what)
		}
	}
}

// withdrawals measures runs withdrawals: start the director, wait for the
// route, end it as how says, time until the route is gone.
func withdrawals(dir string, env []string, bfd bool, how string, runs int) ([]time.Duration, error) {
	b, err := newLab(dir, env, bfd, []string{vip})
	if err != nil {
		return nil, err
	}
	defer b.close()
	var out []time.Duration
	for range runs {
		if err := b.start(); err != nil {
			return nil, err
		}
		if _, err := await("the VIP's route", b.routed); err != nil {
			return nil, fmt.Errorf("%w\n%s", err, b.diagnose())
		}
		if bfd {
			// BFD up, and for a while: the detection time is then the
			// negotiated one.
			if _, err := await("BFD up", b.bfdUp); err != nil {
				return nil, fmt.Errorf("%w\n%s", err, b.diagnose())
			}
			time.Sleep(2 * time.Second)
			if !b.bfdUp() || !b.routed() {
				return nil, fmt.Errorf("BFD or the route went down again\n%s", b.diagnose())
			}
		}
		sp, err := b.speaker()
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		switch how {
		case "SIGKILL":
			err = b.d.Signal(syscall.SIGKILL)
		case "SIGSTOP director":
			err = b.d.Signal(syscall.SIGSTOP)
		default:
			err = b.d.Signal(syscall.SIGSTOP)
			if err == nil {
				err = syscall.Kill(sp, syscall.SIGSTOP)
			}
		}
		if err != nil {
			return nil, err
		}
		t1, err := await("the withdrawal", func() bool { return !b.routed() })
		if err != nil {
			return nil, err
		}
		out = append(out, t1.Sub(t0))
		b.d.Kill() // SIGKILL ends a stopped process too; its speaker dies with it
		syscall.Kill(sp, syscall.SIGKILL)
		if _, err := await("the route gone for good", func() bool { return !b.routed() }); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// usage runs a director announcing n IPv6 VIPs and returns its CPU (share
// of a core) over window once the router has them all, and its RSS then,
// the speaker process's included.
func usage(dir string, env []string, n int, window time.Duration) (cpu, rssMiB float64, err error) {
	vips := make([]string, n)
	for i := range vips {
		vips[i] = fmt.Sprintf("2001:db8:80::%x", i+1)
	}
	b, err := newLab(dir, env, false, vips)
	if err != nil {
		return 0, 0, err
	}
	defer b.close()
	if err := b.start(); err != nil {
		return 0, 0, err
	}
	defer b.d.Kill()
	if _, err := await(fmt.Sprintf("the router to have %d routes", n), func() bool { return b.received() == n }); err != nil {
		sum, _ := b.frr.Vtysh("show bgp ipv6 unicast summary json")
		return 0, 0, fmt.Errorf("%w (it has %d)\n%s\n%s", err, b.received(), sum, b.diagnose())
	}
	ns := b.l.NS("dir1")
	c0, _, err := netlab.NSUsage(ns)
	if err != nil {
		return 0, 0, err
	}
	t0 := time.Now()
	time.Sleep(window)
	c1, rss, err := netlab.NSUsage(ns)
	if err != nil {
		return 0, 0, err
	}
	return 100 * (c1 - c0) / time.Since(t0).Seconds(), rss / 1024, nil
}

// received is the number of IPv6 prefixes the router has from the director.
func (b *lab) received() int {
	out, err := b.frr.Vtysh("show bgp ipv6 unicast summary json")
	if err != nil {
		return -1
	}
	i := strings.Index(out, `"pfxRcd":`)
	if i < 0 {
		return -1
	}
	rest := out[i+len(`"pfxRcd":`):]
	j := strings.IndexAny(rest, ",}")
	v, err := strconv.Atoi(strings.TrimSpace(rest[:j]))
	if err != nil {
		return -1
	}
	return v
}

func mmm(ts []time.Duration) string {
	slices.Sort(ts)
	r := func(d time.Duration) string { return d.Round(time.Millisecond).String() }
	return fmt.Sprintf("%s / %s / %s", r(ts[0]), r(ts[len(ts)/2]), r(ts[len(ts)-1]))
}

func mmmf(v []float64, f string) string {
	slices.Sort(v)
	return fmt.Sprintf(f+" / "+f+" / "+f, v[0], v[len(v)/2], v[len(v)-1])
}

// diagnose is what the router and the director say, for a failed wait.
func (b *lab) diagnose() string {
	var out strings.Builder
	for _, c := range []string{"show bgp summary", "show bfd peers"} {
		o, _ := b.frr.Vtysh(c)
		fmt.Fprintf(&out, "router: %s:\n%s\n", c, o)
	}
	if log, err := os.ReadFile(filepath.Join(b.dir, "frr", "bfdd.log")); err == nil {
		ls := strings.Split(string(log), "\n")
		fmt.Fprintf(&out, "bfdd:\n%s\n", strings.Join(ls[max(0, len(ls)-40):], "\n"))
	}
	ls := b.d.Lines()
	fmt.Fprintf(&out, "director:\n%s\n", strings.Join(ls[max(0, len(ls)-20):], "\n"))
	return out.String()
}
