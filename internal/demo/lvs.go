package demo

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hadirector/hadirector/internal/netlab"
)

//go:embed lvs.toml
var confLVS []byte

const service = vip + ":80"

// realServers are the LVS part's real servers: name, address, MAC.
var realServers = [][3]string{{"r1", "192.0.2.21", "02:00:00:00:00:21"}, {"r2", "192.0.2.22", "02:00:00:00:00:22"}}

// lvs is the demo's load-balancing part, where the kernel has IPVS.
type lvs struct {
	l       *netlab.Lab
	self    string
	servers []*realServer
	long    *client // the long-lived connection
	longBy  string  // the real server that serves it
}

// addRealServers plugs the real servers into the switch as direct-routing
// LVS real servers (the VIP on lo, no ARP answers for it) and starts their
// servers.
func (x *lvs) addRealServers() error {
	for _, r := range realServers {
		name, addr := r[0], r[1]
		if err := x.l.AddHost(netlab.Host{Name: name, Switch: "sw", MAC: r[2], Addrs: []string{addr + "/24"}}); err != nil {
			return err
		}
		if _, err := x.l.IP(name, "addr", "add", vip+"/32", "dev", "lo"); err != nil {
			return err
		}
		if err := x.l.Sysctl(name, "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2",
			"net.ipv4.conf.eth0.arp_ignore=1", "net.ipv4.conf.eth0.arp_announce=2"); err != nil {
			return err
		}
		s, err := serve(x.l, name)
		if err != nil {
			return err
		}
		x.servers = append(x.servers, s)
	}
	return nil
}

func (x *lvs) close() {
	if x.long != nil {
		x.long.Close()
	}
	for _, s := range x.servers {
		s.Close()
	}
}

// hadirector runs the binary's client command in host and returns its
// output.
func (x *lvs) hadirector(host string, args ...string) (string, error) {
	return x.l.Exec(host, append([]string{x.self}, args...)...)
}

// ready waits until both directors have the service with both real servers
// in their kernels' tables and the backup's sync thread runs.
func (x *lvs) ready(ctx context.Context) error {
	for _, h := range []string{"dA", "dB"} {
		err := poll(ctx, func() bool {
			out, err := x.hadirector(h, "ipvs", "list", "-n")
			return err == nil && strings.Contains(out, realServers[0][1]+":80") && strings.Contains(out, realServers[1][1]+":80")
		})
		if err != nil {
			return fmt.Errorf("%s never programmed %s with both real servers", h, service)
		}
	}
	err := poll(ctx, func() bool {
		out, err := x.hadirector("dB", "sync", "daemons")
		return err == nil && strings.Contains(out, "backup sync daemon")
	})
	if err != nil {
		return errors.New("dB's sync backup thread never started")
	}
	return nil
}

// balance opens n short connections from the client and reports which real
// server answered each.
func (x *lvs) balance(w io.Writer, n int) error {
	count := map[string]int{}
	for i := range n {
		c, err := dial(x.l, "client", service)
		if err != nil {
			return fmt.Errorf("request %d to %s: %w", i+1, service, err)
		}
		by, err := c.ask(fmt.Sprintf("request-%d", i+1), 5*time.Second)
		c.Close()
		if err != nil {
			return fmt.Errorf("request %d to %s: %w", i+1, service, err)
		}
		count[by]++
	}
	var parts []string
	for _, r := range realServers {
		parts = append(parts, fmt.Sprintf("%d by %s (%s)", count[r[0]], r[0], r[1]))
	}
	fmt.Fprintf(w, "  %d requests from the client to %s, a new connection each: answered %s (scheduler rr, direct routing)\n",
		n, service, strings.Join(parts, ", "))
	if len(count) != len(realServers) {
		return fmt.Errorf("the requests were not balanced across both real servers: %v", count)
	}
	return nil
}

// openLong opens the long-lived connection and waits until connection sync
// has put it in the backup's table.
func (x *lvs) openLong(ctx context.Context, w io.Writer) error {
	c, err := dial(x.l, "client", service)
	if err != nil {
		return fmt.Errorf("the long-lived connection: %w", err)
	}
	x.long = c
	if x.longBy, err = c.ask("hello", 5*time.Second); err != nil {
		return fmt.Errorf("the long-lived connection: %w", err)
	}
	var line string
	seq := 0
	err = poll(ctx, func() bool {
		// The master's sync thread sends a connection once it has seen a
		// few of its packets: keep talking until the backup lists it.
		seq++
		if _, err := c.ask(fmt.Sprintf("ping-%d", seq), 5*time.Second); err != nil {
			return false
		}
		out, err := x.hadirector("dB", "ipvs", "list", "--connections", "-n")
		for _, l := range strings.Split(out, "\n") {
			if err == nil && strings.Contains(l, c.local()) {
				line = strings.Join(strings.Fields(l), " ")
				return true
			}
		}
		return false
	})
	if err != nil {
		return fmt.Errorf("the long-lived connection %s never reached dB's table by connection sync", c.local())
	}
	fmt.Fprintf(w, "  a long-lived connection %s -> %s is served by %s; connection sync put it in dB's table: %s\n",
		c.local(), service, x.longBy, line)
	return nil
}

// askLong sends a line on the long-lived connection and reports that it
// still reaches the same real server, through via, so long after event
// (at t).
func (x *lvs) askLong(w io.Writer, via, event string, t time.Time) error {
	by, err := x.long.ask("still-there", 20*time.Second)
	if err != nil {
		return fmt.Errorf("the long-lived connection broke after %s: %w", event, err)
	}
	if by != x.longBy {
		return fmt.Errorf("the long-lived connection reached %s after %s, not %s", by, event, x.longBy)
	}
	fmt.Fprintf(w, "  the long-lived connection answered again through %s, %v after %s, from %s: same connection, same real server\n",
		via, since(t), event, by)
	return nil
}

// poll checks cond every 100 ms until it holds or the demo's bound passes.
func poll(ctx context.Context, cond func() bool) error {
	ctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
