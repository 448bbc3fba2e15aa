package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// seen watches the TCP data packets that arrive at this host on one
// interface for one VIP and port (a packet socket: the director's IPVS takes them
// before any local socket would) and tells which clients' source ports
// it saw, epoch by epoch. It prints "epoch 0" once it listens; on each
// SIGUSR1 it takes what is queued in its socket into the ending epoch,
// prints "seen NAME EPOCH PORT..." (sorted), "drops NAME EPOCH N" (the
// packets its socket dropped: the sightings are incomplete if N > 0) and
// "epoch N+1"; SIGTERM
// prints the last seen line and exits 0. The ECMP survival test runs one
// per director: which director carried each stream before and after the
// router's next hops changed.
func seen(args []string) int {
	fs := flag.NewFlagSet("seen", flag.ExitOnError)
	ifname := fs.String("i", "eth0", "interface")
	dst := fs.String("dst", "", "VIP:port whose incoming TCP packets count")
	name := fs.String("name", "", "name on the seen lines")
	fs.Parse(args)
	vip, err := netip.ParseAddrPort(*dst)
	if err != nil || !vip.Addr().Is4() {
		fmt.Fprintf(os.Stderr, "connprobe seen: -dst %q is not IPv4:port\n", *dst)
		return 2
	}
	fd, err := listenPacket(*ifname)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connprobe seen:", err)
		return 1
	}
	defer unix.Close(fd)
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, syscall.SIGUSR1, syscall.SIGTERM)
	epoch := 0
	ports := map[uint16]bool{}
	buf := make([]byte, 128) // the headers are all it reads
	read := func(flags int) error {
		n, from, err := unix.Recvfrom(fd, buf, flags)
		if err != nil {
			return err
		}
		if ll, ok := from.(*unix.SockaddrLinklayer); ok && ll.Pkttype == unix.PACKET_HOST {
			if p, ok := srcPort(buf[:n], vip); ok {
				ports[p] = true
			}
		}
		return nil
	}
	fmt.Println("epoch 0")
	for {
		select {
		case s := <-sig:
			for read(unix.MSG_DONTWAIT) == nil {
			}
			list := make([]string, 0, len(ports))
			for _, p := range slices.Sorted(maps.Keys(ports)) {
				list = append(list, fmt.Sprint(p))
			}
			fmt.Printf("seen %s %d %s\n", *name, epoch, strings.Join(list, " "))
			drops := -1
			if st, err := unix.GetsockoptTpacketStats(fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
				drops = int(st.Drops) // reading resets the counters
			}
			fmt.Printf("drops %s %d %d\n", *name, epoch, drops)
			if s == syscall.SIGTERM {
				return 0
			}
			epoch++
			clear(ports)
			fmt.Printf("epoch %d\n", epoch)
			continue
		default:
		}
		if err := read(0); err != nil && !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
			fmt.Fprintln(os.Stderr, "connprobe seen:", err)
			return 1
		}
	}
}

// listenPacket opens a packet socket for IPv4 on ifname whose reads time
// out every 100 ms, so that the loop sees its signals.
func listenPacket(ifname string) (int, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return -1, err
	}
	proto := htons(unix.ETH_P_IP)
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, int(proto))
	if err != nil {
		return -1, fmt.Errorf("packet socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: proto, Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("binding to %s: %w", ifname, err)
	}
	// Room for bursts while the reader waits for a CPU (8 MiB; root may
	// exceed rmem_max).
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, 8<<20); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("receive buffer: %w", err)
	}
	tv := unix.Timeval{Usec: 100_000}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return -1, err
	}
	return fd, nil
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// srcPort returns the source port of pkt, an IPv4 packet (perhaps cut
// after its headers), if it is TCP to vip carrying data. Only data counts:
// a stream's data leaves by its socket and so on its path, while some
// segments without (a reset answering a segment for a closed socket, the
// last ACK from TIME_WAIT) leave by the kernel's own socket with another
// hash, so that the router may send them to another director.
func srcPort(pkt []byte, vip netip.AddrPort) (uint16, bool) {
	if len(pkt) < 20 || pkt[0]>>4 != 4 || pkt[9] != unix.IPPROTO_TCP {
		return 0, false
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < 20 || len(pkt) < ihl+20 || netip.AddrFrom4([4]byte(pkt[16:20])) != vip.Addr() ||
		binary.BigEndian.Uint16(pkt[ihl+2:]) != vip.Port() {
		return 0, false
	}
	total, doff := int(binary.BigEndian.Uint16(pkt[2:])), int(pkt[ihl+12]>>4)*4
	if doff < 20 || total <= ihl+doff {
		return 0, false
	}
	return binary.BigEndian.Uint16(pkt[ihl:]), true
}
