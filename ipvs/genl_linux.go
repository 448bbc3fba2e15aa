package ipvs

import (
	"errors"
	"fmt"

	"github.com/moby/ipvs"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// genlConn is one generic netlink socket in the table's namespace that
// carries every IPVS request: the dumps of services and destinations
// (genlmsg.go), the writes and the timeouts (genlreq.go), through one
// reused request and one reused receive buffer.
// Not safe for concurrent use (Netlink serialises it).
type genlConn struct {
	sock   *nl.NetlinkSocket
	family uint16
	seq    uint32
	req    []byte
	buf    []byte
}

// genlBufSize holds the largest message the kernel puts in a dump reply
// (its dump buffers are at most 32 KiB), with room to spare.
const genlBufSize = 64 << 10

func dialGenl(netnsPath string, family uint16) (*genlConn, error) {
	ns := netns.None()
	if netnsPath != "" {
		h, err := netns.GetFromPath(netnsPath)
		if err != nil {
			return nil, err
		}
		defer h.Close()
		ns = h
	}
	s, err := nl.GetNetlinkSocketAt(ns, netns.None(), unix.NETLINK_GENERIC)
	if err != nil {
		return nil, err
	}
	return &genlConn{sock: s, family: family, buf: make([]byte, genlBufSize)}, nil
}

func (c *genlConn) close() { c.sock.Close() }

// dump sends one dump request and calls fn with each reply's attributes.
func (c *genlConn) dump(cmd uint8, svc *ipvs.Service, fn func(attrs []byte) error) error {
	c.seq++
	c.req = marshalDump(c.req[:0], c.family, c.seq, cmd, svc)
	return c.roundTrip(fn)
}

// write sends the acknowledged request cmd (marshalWrite) and waits for
// the kernel's answer: nil, or its error as a syscall.Errno.
func (c *genlConn) write(cmd uint8, svc *ipvs.Service, d *ipvs.Destination) error {
	c.seq++
	c.req = marshalWrite(c.req[:0], c.family, c.seq, cmd, svc, d)
	return c.roundTrip(noReply)
}

// setConfig sets the connection timeouts.
func (c *genlConn) setConfig(cfg *ipvs.Config) error {
	c.seq++
	c.req = marshalSetConfig(c.req[:0], c.family, c.seq, cfg)
	return c.roundTrip(noReply)
}

// config reads the connection timeouts.
func (c *genlConn) config() (*ipvs.Config, error) {
	c.seq++
	c.req = marshalGetConfig(c.req[:0], c.family, c.seq)
	var cfg *ipvs.Config
	err := c.roundTrip(func(attrs []byte) (err error) {
		cfg, err = unmarshalConfig(attrs)
		return err
	})
	if err == nil && cfg == nil {
		err = errors.New("ipvs netlink: no reply to a configuration request")
	}
	return cfg, err
}

// noReply is the reply handler of an acknowledged write, to which the
// kernel sends nothing but the acknowledgement.
func noReply([]byte) error { return errors.New("ipvs netlink: a reply to a write") }

// roundTrip sends c.req and calls fn with the attributes of each reply to
// it until the kernel is done (unmarshalReplies). Replies to an earlier
// request, left unread when it failed, are skipped by their sequence.
func (c *genlConn) roundTrip(fn func(attrs []byte) error) error {
	fd := c.sock.GetFd()
	if err := unix.Sendto(fd, c.req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	for {
		// MSG_TRUNC: netlink returns the datagram's whole length, so that
		// one larger than the buffer is an error, not a cut-off reply.
		n, _, err := unix.Recvfrom(fd, c.buf, unix.MSG_TRUNC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		if n > len(c.buf) {
			return fmt.Errorf("ipvs netlink: a %d-byte reply overflows the %d-byte buffer", n, len(c.buf))
		}
		done, err := unmarshalReplies(c.buf[:n], c.seq, fn)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

// services dumps every service.
func (c *genlConn) services() ([]*ipvs.Service, error) {
	var out []*ipvs.Service
	err := c.dump(cmdGetService, nil, func(attrs []byte) error {
		s, err := unmarshalService(attrs)
		if err != nil {
			return err
		}
		out = append(out, s)
		return nil
	})
	return out, err
}

// destinations dumps the destinations of svc.
func (c *genlConn) destinations(svc *ipvs.Service) ([]*ipvs.Destination, error) {
	var out []*ipvs.Destination
	err := c.dump(cmdGetDest, svc, func(attrs []byte) error {
		d, err := unmarshalDest(attrs, svc.AddressFamily)
		if err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}
