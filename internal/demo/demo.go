// Package demo runs hadirector's self-contained demonstration: a pair of
// directors and a gateway in network namespaces, a cold election, a link-cut
// failover and a preemption back, reported with measured times, and then
// everything removed. Where the kernel has IPVS, two real servers stand
// behind the VIP: the client's requests are balanced across them, and a
// long-lived connection survives the failover through connection sync.
package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/hadirector/hadirector/internal/ipvsfamily"
	"github.com/hadirector/hadirector/internal/netlab"
	"github.com/hadirector/hadirector/internal/nsenter"
)

//go:embed a.toml
var confA []byte

//go:embed b.toml
var confB []byte

const (
	vip   = "192.0.2.100"
	macA  = "02:00:00:00:00:11"
	macB  = "02:00:00:00:00:12"
	bound = 30 * time.Second
)

// Run builds the lab, runs the binary self (hadirector) as both directors,
// and writes a report to w. It removes the lab whatever happens.
func Run(ctx context.Context, self string, w io.Writer) (err error) {
	l, err := netlab.New()
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, l.Close()) }()
	dir, err := os.MkdirTemp("", "hadirector-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	_, noIPVS := ipvsfamily.Lookup()
	if noIPVS == nil {
		fmt.Fprintln(w, "hadirector demo: two directors, a gateway, a client and two real servers in network namespaces")
	} else {
		fmt.Fprintf(w, "hadirector demo: two directors and a gateway in network namespaces\n  no load balancing or connection sync shown: %v\n", noIPVS)
	}
	steps := []error{
		l.Switch("sw"),
		l.AddHost(netlab.Host{Name: "gw", Switch: "sw", MAC: "02:00:00:00:00:01", Addrs: []string{"192.0.2.1/24"}}),
		l.AddHost(netlab.Host{Name: "dA", Switch: "sw", MAC: macA, Addrs: []string{"192.0.2.11/24"}}),
		l.AddHost(netlab.Host{Name: "dB", Switch: "sw", MAC: macB, Addrs: []string{"192.0.2.12/24"}}),
		l.AddHost(netlab.Host{Name: "client", Switch: "sw", MAC: "02:00:00:00:00:50", Addrs: []string{"192.0.2.50/24"}}),
	}
	if err := errors.Join(steps...); err != nil {
		return err
	}
	sock := func(host string) string { return filepath.Join(dir, host+".toml.sock") }
	var lb *lvs
	ca, cb := confA, confB
	if noIPVS == nil {
		lb = &lvs{l: l, self: self}
		defer lb.close()
		if err := lb.addRealServers(); err != nil {
			return err
		}
		ca, cb = slices.Concat(confA, confLVS), slices.Concat(confB, confLVS)
	}
	start := func(host string, conf []byte) (*netlab.Proc, error) {
		path := filepath.Join(dir, host+".toml")
		if err := os.WriteFile(path, conf, 0o644); err != nil {
			return nil, err
		}
		return l.Start(host, nil, self, "run", "-c", path, "-s", sock(host), "--log-format", "json")
	}
	t0 := time.Now()
	a, err := start("dA", ca)
	if err != nil {
		return err
	}
	b, err := start("dB", cb)
	if err != nil {
		return err
	}
	if _, _, err := a.WaitFor(0, bound, isState("MASTER")); err != nil {
		return report(err, a, b)
	}
	fmt.Fprintf(w, "  cold election: dA (priority 150) is MASTER after %v, dB is BACKUP\n", since(t0))
	if _, err := l.IP("gw", "neigh", "replace", vip, "lladdr", macA, "dev", "eth0", "nud", "stale"); err != nil {
		return err
	}
	if lb != nil {
		if err := lb.ready(ctx); err != nil {
			return report(err, a, b)
		}
		if err := lb.balance(w, 10); err != nil {
			return report(err, a, b)
		}
		if err := lb.openLong(ctx, w); err != nil {
			return report(err, a, b)
		}
	}

	mb := b.Mark()
	t1 := time.Now()
	if err := l.Cut("sw", "dA"); err != nil {
		return err
	}
	if _, _, err := b.WaitFor(mb, bound, isState("MASTER")); err != nil {
		return report(err, a, b)
	}
	took := since(t1)
	if err := waitNeigh(ctx, l, macB); err != nil {
		return err
	}
	fmt.Fprintf(w, "  link of dA cut: dB is MASTER after %v; the gateway's ARP entry for %s moved to dB after %v\n", took, vip, since(t1))
	if lb != nil {
		if err := lb.askLong(w, "dB", "the cut", t1); err != nil {
			return report(err, a, b)
		}
	}

	mb = b.Mark()
	t2 := time.Now()
	if err := l.Heal("sw", "dA"); err != nil {
		return err
	}
	if _, _, err := b.WaitFor(mb, bound, isState("BACKUP")); err != nil {
		return report(err, a, b)
	}
	if err := waitNeigh(ctx, l, macA); err != nil {
		return err
	}
	fmt.Fprintf(w, "  link restored: dA preempted back after %v; gateway on dA's MAC\n", since(t2))
	if lb != nil {
		if err := lb.askLong(w, "dA", "the link came back", t2); err != nil {
			return report(err, a, b)
		}
	}

	// Drills, as an operator runs them on the master: a simulated loss, then
	// a planned make-before-break switchover; the client pings the VIP.
	for _, args := range [][]string{{}, {"--planned"}} {
		ma := a.Mark()
		var out strings.Builder
		cmd := append([]string{self, "drill", "-s", sock("dA"), "--ping-netns", nsenter.Path(l.NS("client"))}, args...)
		fmt.Fprintf(w, "\n$ hadirector drill %s(on dA, pinging from the client)\n", strings.Join(append(args, ""), " "))
		d, err := l.Start("dA", &out, cmd...)
		if err != nil {
			return err
		}
		code, err := d.Wait(ctx)
		fmt.Fprint(w, out.String())
		if err != nil || code != 0 {
			return report(fmt.Errorf("drill exited %d: %v", code, err), a, b, d)
		}
		// The drill ends once dA is master again.
		if _, _, err := a.WaitFor(ma, bound, isState("MASTER")); err != nil {
			return report(err, a, b)
		}
	}
	fmt.Fprintln(w)

	for _, p := range []*netlab.Proc{a, b} {
		p.Signal(syscall.SIGTERM)
		if code, err := p.Wait(ctx); err != nil || code != 0 {
			return report(fmt.Errorf("%s exited %d after SIGTERM: %v", p.Name, code, err), a, b)
		}
	}
	fmt.Fprintln(w, "  both directors stopped on SIGTERM (priority-0 advert, VIPs removed); lab removed")
	return nil
}

func isState(s string) func(netlab.Event) bool {
	return func(e netlab.Event) bool { return e.Str("msg") == "transition" && e.Str("to") == s }
}

func since(t time.Time) time.Duration { return time.Since(t).Round(time.Millisecond) }

func waitNeigh(ctx context.Context, l *netlab.Lab, mac string) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	// A netlink handle in the gateway's namespace: polling it spawns no
	// process, which under emulation (the IPVS guest) would starve the
	// directors.
	ns, err := netns.GetFromPath(nsenter.Path(l.NS("gw")))
	if err != nil {
		return err
	}
	defer ns.Close()
	// rtnetlink only: a kernel may lack the other families (xfrm).
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer h.Close()
	var last string
	for {
		neighs, err := h.NeighList(0, netlink.FAMILY_V4)
		if err != nil {
			return fmt.Errorf("the gateway's neighbours: %w", err)
		}
		for _, n := range neighs {
			if n.IP.String() == vip {
				last = n.HardwareAddr.String()
			}
		}
		if last == mac {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gateway's entry for %s never showed %s: %q", vip, mac, last)
		case <-time.After(time.Millisecond):
		}
	}
}

func report(err error, procs ...*netlab.Proc) error {
	var b strings.Builder
	for _, p := range procs {
		fmt.Fprintf(&b, "\n--- %s log:\n%s", p.Name, strings.Join(p.Lines(), "\n"))
	}
	return fmt.Errorf("%w%s", err, b.String())
}
