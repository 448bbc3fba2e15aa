package director

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hadirector/hadirector/conf"
	"github.com/hadirector/hadirector/internal/control"
	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/nsenter"
	"github.com/hadirector/hadirector/ipvs"
	"github.com/hadirector/hadirector/ipvs/ipvstest"
)

// The BGP lab runs on the build host, whose kernel has no IPVS. Each
// director is this test binary re-executed in its namespace
// (TestBGPLabDirector): the daemon's own composition root with the real
// BGP speaker, host addresses, health checks, tracking and control
// socket, which runs the BGP speaker program (cmd/hadirector-bgp, built
// by the test) as its child; only the IPVS table is the in-memory kernel of ipvstest. A
// director's "real servers up" are therefore real TCP health checks
// against a listener the test opens in that director's namespace and
// closes to take its real server away. Forwarding is not IPVS's either:
// each director answers the VIP itself, with a listener that names it,
// so that the client sees which director the router's ECMP picked.

func bgpLabEnabled() bool { return os.Getuid() == 0 && os.Getenv("HADIRECTOR_LAB") == "1" }

// TestBGPLabDirector is the director process of TestBGPLab: it runs only
// when that test starts it, with the configuration file, the control
// socket and the speaker program after "--".
func TestBGPLabDirector(t *testing.T) {
	args := flag.Args()
	if len(args) != 3 {
		t.Skip("a director process of TestBGPLab")
	}
	cfg, err := conf.Load(args[0])
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	k := linux
	k.ipvs = func(*conf.Config, *slog.Logger) (IPVS, func(), error) {
		return ipvs.NewManager(ipvstest.NewKernel("wlc"), log.With("part", "ipvs"), nil), func() {}, nil
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	d, err := start(ctx, cfg, log, Options{Socket: args[1], BGPSpeaker: args[2]}, k)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Run(ctx); err != nil {
		t.Fatal(err)
	}
}

const (
	labVIP    = "203.0.113.80"
	labBound  = 20 * time.Second // bounds a hung wait; never a timing assert
	routerASN = 64512
)

type bgpLab struct {
	t       *testing.T
	l       *netlab.Lab
	dir     string
	speaker string      // the speaker program, built for the test
	frr     *netlab.FRR // the router
	dirs    [3]*labDirector
}

type labDirector struct {
	name, addr string
	ns         string // the namespace's file
	conf, sock string
	proc       *netlab.Proc
	real       net.Listener // the real server its health check reaches; nil: taken away
	mu         sync.Mutex
}

func TestBGPLab(t *testing.T) {
	if !bgpLabEnabled() {
		t.Skip("namespace test: run as root with HADIRECTOR_LAB=1 (see README)")
	}
	for _, bin := range []string{"/usr/lib/frr/zebra", "/usr/lib/frr/bgpd", "vtysh"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("FRR is needed (Debian package frr): %v", err)
		}
	}
	b := newBGPLab(t)
	b.awaitNextHops("start", 3)
	b.flowsReachAll()
	b.drillBGP(b.dirs[0])
	b.awaitNextHops("after the drill", 3)

	// Drained for planned work, and back.
	c := control.Client{Path: b.dirs[0].sock}
	if _, err := c.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.awaitNextHops("d1 drained", 2)
	if _, err := c.Undrain(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.awaitNextHops("d1 undrained", 3)

	// Its real server gone, and back.
	b.dirs[1].setReal(t, false)
	b.awaitNextHops("d2 without real servers", 2)
	st, err := control.Client{Path: b.dirs[1].sock}.BGPStatus(context.Background())
	if err != nil || st.Value == nil || !strings.HasPrefix(st.Value.VIPs[0].Reason, "reals-down") {
		t.Errorf("d2's status: %+v %v, want the VIP withdrawn for reals-down", st.Value, err)
	}
	b.dirs[1].setReal(t, true)
	b.awaitNextHops("d2's real server back", 3)

	// Frozen (SIGSTOP): the router's hold timer (3 s) removes it.
	must(t, b.dirs[2].proc.Signal(syscall.SIGSTOP))
	b.awaitNextHops("d3 frozen", 2)
	must(t, b.dirs[2].proc.Signal(syscall.SIGCONT))
	b.awaitNextHops("d3 thawed", 3)

	// Its speaker process killed: the session goes with it, and the
	// director starts another, which announces the VIP again.
	b.killSpeaker(b.dirs[1])

	// Killed (SIGKILL): its kernel closes the session at once.
	b.dirs[0].proc.Kill()
	b.awaitNextHops("d1 killed", 2)
	b.startDirector(b.dirs[0])
	b.awaitNextHops("d1 restarted", 3)

	// SIGTERM: withdrawn first, then the session closes after the drain.
	must(t, b.dirs[1].proc.Signal(syscall.SIGTERM))
	b.awaitNextHops("d2 stopping", 2)
	ctx, cancel := context.WithTimeout(context.Background(), labBound)
	defer cancel()
	if code, err := b.dirs[1].proc.Wait(ctx); err != nil || code != 0 {
		t.Errorf("d2 after SIGTERM: exit %d, %v", code, err)
	}
	b.flowsReachOnly(b.dirs[0], b.dirs[2])
}

// killSpeaker SIGKILLs d's speaker process and waits for the router to
// lose d's next hop, then for the director to have restarted the speaker
// and the router to have it back.
func (b *bgpLab) killSpeaker(d *labDirector) {
	t := b.t
	c := control.Client{Path: d.sock}
	st, err := c.BGPStatus(context.Background())
	must(t, err)
	sp := st.Value.Speaker
	if sp.PID == 0 || sp.Restarts != 0 {
		t.Fatalf("%s's speaker process before the kill: %+v", d.name, sp)
	}
	must(t, syscall.Kill(sp.PID, syscall.SIGKILL))
	b.awaitNextHops(d.name+"'s speaker process killed", 2)
	b.awaitNextHops(d.name+"'s speaker process restarted", 3)
	st, err = c.BGPStatus(context.Background())
	must(t, err)
	if got := st.Value.Speaker; got.PID == 0 || got.PID == sp.PID || got.Restarts != 1 || !strings.Contains(got.LastExit, "killed") {
		t.Errorf("%s's speaker process after the restart: %+v, want a new pid, 1 restart, killed", d.name, got)
	}
	if !st.Value.VIPs[0].Announced {
		t.Errorf("%s's VIP after the restart: %+v", d.name, st.Value.VIPs[0])
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newBGPLab(t *testing.T) *bgpLab {
	l, err := netlab.New()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("lab cleanup: %v", err)
		}
	})
	b := &bgpLab{t: t, l: l}
	dir, err := os.MkdirTemp("", "hadirector-bgplab-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	b.dir = dir
	b.speaker = buildSpeaker(t, dir)
	must(t, l.Switch("sw"))
	must(t, l.Switch("csw"))
	must(t, l.AddHost(netlab.Host{Name: "r", Switch: "sw", Addrs: []string{"192.0.2.1/24"}}))
	must(t, l.AddHost(netlab.Host{Name: "r", Switch: "csw", If: "eth1", Addrs: []string{"198.51.100.1/24"}}))
	must(t, l.AddHost(netlab.Host{Name: "c", Switch: "csw", Addrs: []string{"198.51.100.2/24"},
		Routes: [][]string{{"default", "via", "198.51.100.1"}}}))
	for _, s := range []string{"net.ipv4.ip_forward=1", "net.ipv4.fib_multipath_hash_policy=1"} {
		_, err := l.Exec("r", "sysctl", "-qw", s) // L4 hash: flows of one client spread
		must(t, err)
	}
	b.startFRR()
	for i := range b.dirs {
		d := &labDirector{name: fmt.Sprintf("d%d", i+1), addr: fmt.Sprintf("192.0.2.1%d", i+1)}
		d.conf = filepath.Join(dir, d.name+".toml")
		d.sock = filepath.Join(dir, d.name+".sock")
		d.ns = nsenter.Path(l.NS(d.name))
		must(t, l.AddHost(netlab.Host{Name: d.name, Switch: "sw", Addrs: []string{d.addr + "/24"},
			Routes: [][]string{{"198.51.100.0/24", "via", "192.0.2.1"}}}))
		must(t, os.WriteFile(d.conf, []byte(directorConf(d.addr)), 0o600))
		b.serveVIP(d)
		d.setReal(t, true)
		b.dirs[i] = d
		b.startDirector(d)
	}
	return b
}

func directorConf(addr string) string {
	return fmt.Sprintf(`[bgp]
asn = 65001
router_id = %[1]q
drain_time = "1s"
[[bgp.peer]]
address = "192.0.2.1"
asn = %[2]d
hold_time = "3s"

[[instance]]
name = "lb"
mode = "bgp"
vips = [%[3]q]

[[service]]
address = "%[3]s:80"
  [[service.real]]
  address = "%[1]s:8080"
  forward = "nat"
  [service.real.check]
  type = "tcp"
  interval = "200ms"
  timeout = "200ms"
`, addr, routerASN, labVIP)
}

// buildSpeaker builds the BGP speaker program into dir.
func buildSpeaker(t *testing.T, dir string) string {
	out := filepath.Join(dir, "hadirector-bgp")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if b, err := exec.Command(goBin, "build", "-o", out, "../cmd/hadirector-bgp").CombinedOutput(); err != nil {
		t.Fatalf("go build ../cmd/hadirector-bgp: %v\n%s", err, b)
	}
	return out
}

// startFRR runs zebra and bgpd in the router's namespace, with its own
// pathspace.
func (b *bgpLab) startFRR() {
	t := b.t
	var nb strings.Builder
	fmt.Fprintf(&nb, "hostname r\nrouter bgp %d\n bgp router-id 192.0.2.1\n no bgp ebgp-requires-policy\n", routerASN)
	for i := range b.dirs {
		fmt.Fprintf(&nb, " neighbor 192.0.2.1%d remote-as 65001\n neighbor 192.0.2.1%d timers 1 3\n", i+1, i+1)
	}
	nb.WriteString(" address-family ipv4 unicast\n  maximum-paths 8\n exit-address-family\n")
	f, err := b.l.StartFRR("r", b.dir, []string{"zebra", "bgpd"}, map[string]string{"zebra": "hostname r\n", "bgpd": nb.String()})
	if f != nil {
		t.Cleanup(f.Close)
	}
	must(t, err)
	b.frr = f
}

// startDirector starts (or restarts) d's daemon.
func (b *bgpLab) startDirector(d *labDirector) {
	exe, err := os.Executable()
	must(b.t, err)
	p, err := b.l.Start(d.name, nil, exe, "-test.run=^TestBGPLabDirector$", "--", d.conf, d.sock, b.speaker)
	must(b.t, err)
	d.proc = p
}

// serveVIP answers every connection to the VIP in d's namespace with d's
// name: the client sees which director the router picked.
func (b *bgpLab) serveVIP(d *labDirector) {
	b.listen(d, ":80", func(c net.Conn) { // the VIP is on lo once the daemon runs
		fmt.Fprintln(c, d.name)
		c.Close()
	})
}

// listen listens on addr in d's namespace until the test ends, and hands
// every connection to serve.
func (b *bgpLab) listen(d *labDirector, addr string, serve func(net.Conn)) {
	var ln net.Listener
	must(b.t, nsenter.Do(d.ns, func() error {
		var err error
		ln, err = net.Listen("tcp", addr)
		return err
	}))
	b.t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			serve(c)
		}
	}()
}

// setReal opens or closes the listener d's health check connects to.
func (d *labDirector) setReal(t *testing.T, up bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !up {
		d.real.Close()
		d.real = nil
		return
	}
	var ln net.Listener
	must(t, nsenter.Do(d.ns, func() error {
		var err error
		ln, err = net.Listen("tcp", d.addr+":8080")
		return err
	}))
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	d.real = ln
}

// await polls cond until it holds; labBound only bounds a hung test.
func (b *bgpLab) await(what string, cond func() bool) {
	b.t.Helper()
	for end := time.Now().Add(labBound); !cond(); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			b.t.Fatalf("waited %v for %s", labBound, what)
		}
	}
}

// nextHops is the router's active next hops for the VIP, as FRR's RIB
// has them.
func (b *bgpLab) nextHops() ([]string, error) { return b.frr.NextHops(labVIP + "/32") }

// awaitNextHops waits for the router's RIB to hold n next hops for the VIP.
func (b *bgpLab) awaitNextHops(step string, n int) {
	b.t.Helper()
	var last []string
	var lastErr error
	start := time.Now()
	for end := start.Add(labBound); ; time.Sleep(50 * time.Millisecond) {
		last, lastErr = b.nextHops()
		if lastErr == nil && len(last) == n {
			b.t.Logf("%s: %d next hops %v after %v", step, n, last, time.Since(start).Round(10*time.Millisecond))
			return
		}
		if time.Now().After(end) {
			for _, d := range b.dirs {
				if d != nil && d.proc != nil {
					b.t.Logf("%s log:\n%s", d.name, strings.Join(lastLines(d.proc.Lines(), 30), "\n"))
				}
			}
			b.t.Fatalf("%s: the router has %v (%v), want %d next hops", step, last, lastErr, n)
		}
	}
}

func lastLines(ls []string, n int) []string { return ls[max(0, len(ls)-n):] }

// connect opens n connections from the client to the VIP, each from its
// own source port, and counts the directors that answered.
func (b *bgpLab) connect(n int) map[string]int {
	b.t.Helper()
	got := map[string]int{}
	for range n {
		var name string
		err := nsenter.Do(nsenter.Path(b.l.NS("c")), func() error {
			c, err := net.DialTimeout("tcp", labVIP+":80", 5*time.Second)
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			name, err = bufio.NewReader(c).ReadString('\n')
			return err
		})
		if err != nil {
			b.t.Fatalf("a connection to the VIP: %v", err)
		}
		got[strings.TrimSpace(name)]++
	}
	return got
}

// flowsReachAll: connections from many source ports reach every director.
func (b *bgpLab) flowsReachAll() { b.flowsReachOnly(b.dirs[:]...) }

// flowsReachOnly: 60 connections reach exactly these directors, each.
func (b *bgpLab) flowsReachOnly(ds ...*labDirector) {
	b.t.Helper()
	got := b.connect(60)
	b.t.Logf("60 connections from as many source ports: %v", got)
	for _, d := range ds {
		if got[d.name] == 0 {
			b.t.Errorf("no connection reached %s: %v", d.name, got)
		}
	}
	if len(got) != len(ds) {
		b.t.Errorf("connections reached %v, want only %d directors", got, len(ds))
	}
}
