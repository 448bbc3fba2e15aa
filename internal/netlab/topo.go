package netlab

import (
	"fmt"
	"os/exec"
	"strings"
)

// Switch creates a namespace holding a bridge br0 that hosts plug into.
func (l *Lab) Switch(name string) error {
	if err := l.AddNS(name); err != nil {
		return err
	}
	for _, args := range [][]string{
		{"link", "add", "br0", "type", "bridge", "forward_delay", "0", "mcast_snooping", "0"},
		{"link", "set", "br0", "up"},
	} {
		if _, err := l.IP(name, args...); err != nil {
			return err
		}
	}
	return nil
}

// Host describes one host's interface on a switch.
type Host struct {
	Name   string // namespace name within the lab; also its port's name on the switch
	Switch string // the switch namespace
	If     string // interface name inside the host (default eth0)
	MAC    string // optional fixed MAC
	Addrs  []string
	Routes [][]string // extra `ip route add` argument lists
}

// AddHost creates the host namespace (unless it exists) and plugs a veth
// into the switch, named h.If inside the host and h.Name on the switch.
func (l *Lab) AddHost(h Host) error {
	if h.If == "" {
		h.If = "eth0"
	}
	if !l.has(h.Name) {
		if err := l.AddNS(h.Name); err != nil {
			return err
		}
	}
	port := h.Name
	if len(port) > 15 {
		return fmt.Errorf("lab: host name %q too long for an interface name", port)
	}
	// One ip process per namespace: under emulation (the IPVS guest) each
	// process start costs a noticeable fraction of a second.
	steps := [][]string{{"link", "add", h.If, "type", "veth", "peer", "name", port, "netns", l.NS(h.Switch)}}
	if h.MAC != "" {
		steps = append(steps, []string{"link", "set", h.If, "address", h.MAC})
	}
	for _, a := range h.Addrs {
		steps = append(steps, []string{"addr", "add", a, "dev", h.If})
	}
	steps = append(steps, []string{"link", "set", h.If, "up"})
	for _, r := range h.Routes {
		steps = append(steps, append([]string{"route", "add"}, r...))
	}
	if err := l.ipBatch(h.Name, steps); err != nil {
		return err
	}
	return l.ipBatch(h.Switch, [][]string{{"link", "set", port, "master", "br0"}, {"link", "set", port, "up"}})
}

// ipBatch runs the ip commands in the namespace with one `ip -batch`.
func (l *Lab) ipBatch(ns string, cmds [][]string) error {
	var in strings.Builder
	for _, c := range cmds {
		in.WriteString(strings.Join(c, " ") + "\n")
	}
	cmd := exec.Command("ip", "-n", l.NS(ns), "-batch", "-")
	cmd.Stdin = strings.NewReader(in.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("in %s: ip -batch: %w: %s\n%s", ns, err, strings.TrimSpace(string(out)), in.String())
	}
	return nil
}

func (l *Lab) has(name string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, n := range l.nss {
		if n == l.NS(name) {
			return true
		}
	}
	return false
}

// Cut takes a host's port on its switch down: the host's link is cut, as a
// pulled cable, while the host itself keeps running.
func (l *Lab) Cut(sw, host string) error {
	_, err := l.IP(sw, "link", "set", host, "down")
	return err
}

// Heal brings a host's switch port back up.
func (l *Lab) Heal(sw, host string) error {
	_, err := l.IP(sw, "link", "set", host, "up")
	return err
}
