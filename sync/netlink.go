package sync

import (
	"errors"
	"fmt"
	"syscall"

	"github.com/hadirector/hadirector/internal/ipvsfamily"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Kernel starts, stops and lists the kernel's sync threads. Netlink is the
// real one; tests use a fake.
type Kernel interface {
	Start(Daemon) error
	Stop(Role) error
	List() ([]Daemon, error)
}

// Netlink drives the sync threads of the calling process's network
// namespace over generic netlink, with vishvananda/netlink's request and
// socket code (moby/ipvs, which hadirector uses for services, lacks the
// daemon commands).
type Netlink struct {
	family uint16
}

// OpenNetlink looks up the IPVS generic netlink family, running modprobe
// ip_vs if it is missing; a kernel without IPVS is an error that wraps
// ipvsfamily.ErrNoIPVS.
func OpenNetlink() (*Netlink, error) {
	id, err := ipvsfamily.Lookup()
	if err != nil {
		return nil, err
	}
	return &Netlink{family: id}, nil
}

type rawData []byte

func (r rawData) Len() int          { return len(r) }
func (r rawData) Serialize() []byte { return r }

func (n *Netlink) request(cmd uint8, flags int, attrs []byte) ([][]byte, error) {
	req := nl.NewNetlinkRequest(int(n.family), flags)
	req.AddData(&nl.Genlmsg{Command: cmd, Version: 1})
	if attrs != nil {
		req.AddData(rawData(attrs))
	}
	return req.Execute(unix.NETLINK_GENERIC, n.family)
}

// Start starts a sync thread; starting one that runs already is an error
// (EEXIST), as in the kernel.
func (n *Netlink) Start(d Daemon) error {
	if err := d.Check(); err != nil {
		return fmt.Errorf("sync: %s daemon: %w", d.Role, err)
	}
	if _, err := n.request(cmdNewDaemon, unix.NLM_F_ACK, d.attrs(true)); err != nil {
		return fmt.Errorf("sync: starting the %s daemon on %s: %w", d.Role, d.Interface, err)
	}
	return nil
}

// ErrNotRunning is returned by Stop for a thread that does not run.
var ErrNotRunning = errors.New("sync: no such daemon runs")

// Stop stops the sync thread of a role.
func (n *Netlink) Stop(r Role) error {
	_, err := n.request(cmdDelDaemon, unix.NLM_F_ACK, Daemon{Role: r}.attrs(false))
	if errors.Is(err, syscall.ESRCH) {
		return ErrNotRunning
	}
	if errors.Is(err, syscall.EAGAIN) && !n.running(r) {
		// No answer in time (seen once in a loaded qemu guest), but the
		// thread is gone: the stop happened.
		return nil
	}
	if err != nil {
		return fmt.Errorf("sync: stopping the %s daemon: %w", r, err)
	}
	return nil
}

// List returns the running sync threads, master first.
func (n *Netlink) List() ([]Daemon, error) {
	msgs, err := n.request(cmdGetDaemon, unix.NLM_F_DUMP, nil)
	if err != nil {
		return nil, fmt.Errorf("sync: listing daemons: %w", err)
	}
	var out []Daemon
	for _, m := range msgs {
		d, err := ParseDaemonReply(m)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func (n *Netlink) running(r Role) bool {
	ds, err := n.List()
	if err != nil {
		return true
	}
	for _, d := range ds {
		if d.Role == r {
			return true
		}
	}
	return false
}
