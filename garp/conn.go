package garp

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"github.com/mdlayher/packet"
	"golang.org/x/sys/unix"
)

// Sender sends one announcement for one address: a gratuitous ARP for an
// IPv4 address, an unsolicited neighbour advertisement for an IPv6 one.
type Sender interface {
	Send(vip netip.Addr) error
}

// Conn is the real Sender: an AF_PACKET socket on one interface.
type Conn struct {
	ifi *net.Interface
	pc  *packet.Conn
	rc  syscall.RawConn

	// Send's scratch: the frame, the destination and the poller's
	// callback, made once, so that a frame allocates nothing: a mass
	// takeover sends ten thousand.
	mu    sync.Mutex
	frame [frameLen]byte
	out   []byte // the frame sendto sends: frame's bytes, or an NA
	to    unix.RawSockaddrLinklayer
	send  func(fd uintptr) bool
	serr  error

	// na caches each IPv6 address's neighbour advertisement: it is the
	// same frame every time.
	na map[netip.Addr][]byte
	// routers are the IPv6 addresses advertised with the router flag.
	routers map[netip.Addr]bool
}

// Dial opens a send-only ARP socket on the named interface. The socket is
// bound to protocol 0, so the kernel queues no received frames on it: a
// sender that never reads must not collect the segment's ARP traffic.
func Dial(ifname string) (*Conn, error) {
	ifi, err := Interface(ifname)
	if err != nil {
		return nil, fmt.Errorf("gratuitous ARP: %w", err) // Interface names it
	}
	if len(ifi.HardwareAddr) != 6 {
		return nil, fmt.Errorf("gratuitous ARP on %s: no Ethernet hardware address", ifname)
	}
	pc, err := packet.Listen(ifi, packet.Raw, 0, nil)
	if err != nil {
		return nil, fmt.Errorf("gratuitous ARP on %s: %w", ifname, err)
	}
	rc, err := pc.SyscallConn()
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("gratuitous ARP on %s: %w", ifname, err)
	}
	c := &Conn{ifi: ifi, pc: pc, rc: rc}
	// packet(7): to send, sll_family, sll_addr, sll_halen, sll_ifindex and
	// sll_protocol (ours is 0: the frame carries its type) are enough.
	c.to = unix.RawSockaddrLinklayer{Family: unix.AF_PACKET, Ifindex: int32(ifi.Index), Halen: 6}
	copy(c.to.Addr[:], broadcast[:])
	c.send = c.sendto
	return c, nil
}

// Send broadcasts one gratuitous ARP for an IPv4 vip, or sends one
// unsolicited neighbour advertisement for an IPv6 one to all nodes (NAFrame).
func (c *Conn) Send(vip netip.Addr) error {
	if vip.Is6() && !vip.Is4In6() {
		return c.sendNA(vip)
	}
	if !vip.Is4() {
		return fmt.Errorf("gratuitous ARP for %s: not an IPv4 address", vip)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	putFrame(&c.frame, c.ifi.HardwareAddr, vip.As4())
	if err := c.write(c.frame[:], broadcast); err != nil {
		return fmt.Errorf("gratuitous ARP for %s on %s: %w", vip, c.ifi.Name, err)
	}
	return nil
}

// Request broadcasts an ARP request for target from src, our address on
// the interface: the target's reply completes our kernel's neighbour entry
// for it (an entry waiting on a request that was lost resolves at once,
// not at the kernel's next retry), and the target's kernel learns our
// address from the request.
func (c *Conn) Request(target, src netip.Addr) error {
	if !target.Is4() || !src.Is4() {
		return fmt.Errorf("ARP request for %s from %s: not IPv4 addresses", target, src)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	putRequestFrame(&c.frame, c.ifi.HardwareAddr, src.As4(), target.As4())
	if err := c.write(c.frame[:], broadcast); err != nil {
		return fmt.Errorf("ARP request for %s on %s: %w", target, c.ifi.Name, err)
	}
	return nil
}

// AddRouters names IPv6 addresses that Send advertises with the router
// flag: the VIPs that hosts use as their default gateway.
func (c *Conn) AddRouters(vips []netip.Addr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.routers == nil {
		c.routers = make(map[netip.Addr]bool, len(vips))
	}
	for _, v := range vips {
		c.routers[v] = true
		delete(c.na, v)
	}
}

func (c *Conn) sendNA(vip netip.Addr) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.na[vip]
	if !ok {
		var err error
		if f, err = NAFrame(c.ifi.HardwareAddr, vip, c.routers[vip]); err != nil {
			return err
		}
		if c.na == nil {
			c.na = map[netip.Addr][]byte{}
		}
		c.na[vip] = f
	}
	if err := c.write(f, allNodesMAC); err != nil {
		return fmt.Errorf("neighbour advertisement for %s on %s: %w", vip, c.ifi.Name, err)
	}
	return nil
}

// write sends frame f to the Ethernet address dst; c.mu is held.
func (c *Conn) write(f []byte, dst [6]byte) error {
	c.out = f
	copy(c.to.Addr[:], dst[:])
	c.serr = nil
	err := c.rc.Write(c.send)
	if err == nil {
		err = c.serr
	}
	return err
}

// sendto is one non-blocking sendto of the frame, for the poller's Write:
// false means wait for the socket to become writable. A raw syscall, as
// the VRRP socket's: it does not wake the runtime's sysmon thread.
func (c *Conn) sendto(fd uintptr) bool {
	_, _, e := unix.RawSyscall6(unix.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&c.out[0])), uintptr(len(c.out)), 0,
		uintptr(unsafe.Pointer(&c.to)), unix.SizeofSockaddrLinklayer)
	switch e {
	case 0:
	case unix.EAGAIN:
		return false
	default:
		c.serr = e
	}
	return true
}

// Close releases the socket.
func (c *Conn) Close() error { return c.pc.Close() }
