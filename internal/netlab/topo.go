package netlab

import "fmt"

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
	if _, err := l.IP(h.Name, "link", "add", h.If, "type", "veth", "peer", "name", port, "netns", l.NS(h.Switch)); err != nil {
		return err
	}
	steps := [][]string{}
	if h.MAC != "" {
		steps = append(steps, []string{"link", "set", h.If, "address", h.MAC})
	}
	for _, a := range h.Addrs {
		steps = append(steps, []string{"addr", "add", a, "dev", h.If})
	}
	steps = append(steps, []string{"link", "set", h.If, "up"})
	for _, s := range steps {
		if _, err := l.IP(h.Name, s...); err != nil {
			return err
		}
	}
	for _, r := range h.Routes {
		if _, err := l.IP(h.Name, append([]string{"route", "add"}, r...)...); err != nil {
			return err
		}
	}
	for _, s := range [][]string{{"link", "set", port, "master", "br0"}, {"link", "set", port, "up"}} {
		if _, err := l.IP(h.Switch, s...); err != nil {
			return err
		}
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
