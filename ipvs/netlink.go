package ipvs

import (
	"fmt"
	"io"
	"sync"

	"github.com/hadirector/hadirector/internal/ipvsfamily"
	"github.com/moby/ipvs"
	"github.com/sirupsen/logrus"
)

// Netlink is the real Kernel on one network namespace: a moby/ipvs handle
// for writes and the configuration, and a generic netlink socket of our own
// (genl_linux.go) for reading services and real servers, which reuses one
// buffer across the one-request-per-service dump. Both are serialised,
// since a socket carries one request at a time. Its errors are the
// kernel's (syscall.Errno); List, Reconcile and the other functions of
// this package say which service or real server failed.
type Netlink struct {
	mu    sync.Mutex
	netns string
	h     *ipvs.Handle // writes and the configuration; nil until first needed
	g     *genlConn    // reads: services and destinations
}

var _ Kernel = (*Netlink)(nil)

// OpenNetlink opens the IPVS table of the network namespace at netnsPath
// (such as /var/run/netns/NAME), or of the caller's namespace if it is "".
//
// A kernel without IPVS is an error that wraps ipvsfamily.ErrNoIPVS, found
// before moby/ipvs is called: moby/ipvs looks the IPVS netlink family up
// once per process and, if it is missing then, panics on its first
// request. So the family is looked up first (running modprobe ip_vs if it
// is missing), and moby/ipvs is only reached when it is there.
func OpenNetlink(netnsPath string) (*Netlink, error) {
	n, err := OpenNetlinkReader(netnsPath)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	_, err = n.handle()
	n.mu.Unlock()
	if err != nil {
		n.Close()
		return nil, err
	}
	if _, err := n.GetConfig(); err != nil {
		n.Close()
		return nil, fmt.Errorf("ipvs: reading the kernel's IPVS configuration: %w", err)
	}
	return n, nil
}

// OpenNetlinkReader is OpenNetlink for a caller that mostly reads, such as
// hadirector ipvs list: the moby/ipvs handle (whose opening runs modprobe,
// a process start) is only opened by the first write or configuration
// call, whose error then says so.
func OpenNetlinkReader(netnsPath string) (*Netlink, error) {
	family, err := ipvsfamily.Lookup()
	if err != nil {
		return nil, err
	}
	g, err := dialGenl(netnsPath, family)
	if err != nil {
		return nil, fmt.Errorf("ipvs: open netlink (netns %q): %w", netnsPath, err)
	}
	return &Netlink{netns: netnsPath, g: g}, nil
}

// handle returns the moby/ipvs handle, opening it on first use. n.mu is held.
func (n *Netlink) handle() (*ipvs.Handle, error) {
	if n.h == nil {
		quietMoby.Do(func() { logrus.SetOutput(io.Discard) })
		h, err := ipvs.New(n.netns)
		if err != nil {
			return nil, fmt.Errorf("ipvs: open netlink (netns %q): %w", n.netns, err)
		}
		n.h = h
	}
	return n.h, nil
}

// quietMoby silences moby/ipvs's logrus lines (its modprobe -va ip_vs and
// family lookup complain in logrus's own format on our stderr). What they
// say, OpenNetlink has found out and said in its error already.
var quietMoby sync.Once

// Close releases the handle.
func (n *Netlink) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.h != nil {
		n.h.Close()
	}
	n.g.close()
	return nil
}

// GetServices lists every service.
func (n *Netlink) GetServices() ([]*ipvs.Service, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.services()
}

// NewService adds a service.
func (n *Netlink) NewService(s *ipvs.Service) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.NewService(s)
}

// UpdateService changes a service's options.
func (n *Netlink) UpdateService(s *ipvs.Service) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.UpdateService(s)
}

// DelService deletes a service and its real servers.
func (n *Netlink) DelService(s *ipvs.Service) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.DelService(s)
}

// GetDestinations lists the real servers of a service.
func (n *Netlink) GetDestinations(s *ipvs.Service) ([]*ipvs.Destination, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.destinations(s)
}

// NewDestination adds a real server to a service.
func (n *Netlink) NewDestination(s *ipvs.Service, d *ipvs.Destination) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.NewDestination(s, d)
}

// UpdateDestination changes a real server's weight and forwarding method.
func (n *Netlink) UpdateDestination(s *ipvs.Service, d *ipvs.Destination) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.UpdateDestination(s, d)
}

// DelDestination removes a real server from a service.
func (n *Netlink) DelDestination(s *ipvs.Service, d *ipvs.Destination) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.DelDestination(s, d)
}

// GetConfig returns the connection timeouts.
func (n *Netlink) GetConfig() (*ipvs.Config, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return nil, err
	}
	return h.GetConfig()
}

// SetConfig sets the connection timeouts; zero leaves one unchanged.
func (n *Netlink) SetConfig(c *ipvs.Config) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	h, err := n.handle()
	if err != nil {
		return err
	}
	return h.SetConfig(c)
}
