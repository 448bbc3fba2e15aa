package ipvs

import (
	"fmt"
	"sync"

	"github.com/hadirector/hadirector/internal/ipvsfamily"
	"github.com/moby/ipvs"
)

// Netlink is the real Kernel on one network namespace: one generic
// netlink socket of our own (genl_linux.go) that carries every request, one
// at a time (a socket carries one request at a time, so calls are
// serialised). Reads reuse one buffer across the one-request-per-service
// dump; each write is one acknowledged request. Its errors are the
// kernel's (syscall.Errno); List, Reconcile and the other functions of
// this package say which service or real server failed.
type Netlink struct {
	mu sync.Mutex
	g  *genlConn
}

var _ Kernel = (*Netlink)(nil)

// OpenNetlink opens the IPVS table of the network namespace at netnsPath
// (such as /var/run/netns/NAME), or of the caller's namespace if it is "",
// and reads its timeouts to see that IPVS answers there.
//
// A kernel without IPVS is an error that wraps ipvsfamily.ErrNoIPVS: the
// family is looked up first (running modprobe ip_vs if it is missing).
func OpenNetlink(netnsPath string) (*Netlink, error) {
	family, err := ipvsfamily.Lookup()
	if err != nil {
		return nil, err
	}
	g, err := dialGenl(netnsPath, family)
	if err != nil {
		return nil, fmt.Errorf("ipvs: open netlink (netns %q): %w", netnsPath, err)
	}
	n := &Netlink{g: g}
	if _, err := n.GetConfig(); err != nil {
		n.Close()
		return nil, fmt.Errorf("ipvs: reading the kernel's IPVS configuration: %w", err)
	}
	return n, nil
}

// Close releases the socket.
func (n *Netlink) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.g.close()
	return nil
}

// GetServices lists every service.
func (n *Netlink) GetServices() ([]*ipvs.Service, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.services()
}

// GetDestinations lists the real servers of a service.
func (n *Netlink) GetDestinations(s *ipvs.Service) ([]*ipvs.Destination, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.destinations(s)
}

func (n *Netlink) write(cmd uint8, s *ipvs.Service, d *ipvs.Destination) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.write(cmd, s, d)
}

// NewService adds a service.
func (n *Netlink) NewService(s *ipvs.Service) error { return n.write(cmdNewService, s, nil) }

// UpdateService changes a service's options.
func (n *Netlink) UpdateService(s *ipvs.Service) error { return n.write(cmdSetService, s, nil) }

// DelService deletes a service and its real servers.
func (n *Netlink) DelService(s *ipvs.Service) error { return n.write(cmdDelService, s, nil) }

// NewDestination adds a real server to a service.
func (n *Netlink) NewDestination(s *ipvs.Service, d *ipvs.Destination) error {
	return n.write(cmdNewDest, s, d)
}

// UpdateDestination changes a real server's weight and forwarding method.
func (n *Netlink) UpdateDestination(s *ipvs.Service, d *ipvs.Destination) error {
	return n.write(cmdSetDest, s, d)
}

// DelDestination removes a real server from a service.
func (n *Netlink) DelDestination(s *ipvs.Service, d *ipvs.Destination) error {
	return n.write(cmdDelDest, s, d)
}

// GetConfig returns the connection timeouts.
func (n *Netlink) GetConfig() (*ipvs.Config, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.config()
}

// SetConfig sets the connection timeouts; zero leaves one unchanged.
func (n *Netlink) SetConfig(c *ipvs.Config) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.g.setConfig(c)
}
